// Reminds the approver of the current level, with a further link to the same decision (the earlier links keep working).
import * as z from '../core/zod';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';
import { recordEvent } from './shared/audit';
import { reissueLink } from './shared/links';
import { sendPersonalOnce } from './shared/sent-store';
import { approvalEmail } from '../core/request-emails';
import { decisionExists, getRequest, recordLevelReminder } from './shared/request-store';
import { levelDecisionIds } from '../core/request';
import type { LevelState } from './request-issue-link';
import { absentToday, passSeat, seatHolder } from './shared/delegation';
import { deputyBar } from '../core/request';
import { pickDeputy } from '../core/seats';
import { actingLine, fingerprintLine, informationCopyEmail, withLeadLines } from '../core/delegation-emails';

const eventSchema = z.object({
  requestId: z.string().check(z.minLength(1)),
  level: z.int().check(z.minimum(0)),
  /** Reminders already sent for this level. */
  reminders: z.int().check(z.minimum(0)),
});

export const createHandler =
  (rt: Runtime) =>
  async (event: unknown): Promise<LevelState> => {
    const { requestId, level: index, reminders } = parseEvent(eventSchema, event, 'request-remind');
    const n = reminders + 1;
    const item = await getRequest(rt, requestId);
    const level = item.levels[index];
    if (item.status !== 'pending' || item.currentLevel !== index || !level?.decisionId) {
      throw new WorkflowError('RequestNotWaiting', `Request ${requestId} is not waiting on level ${index}`);
    }
    // A click that landed as the wait timed out (its resume found a stale token): no reminder; the next wait resumes at once.
    for (const decisionId of levelDecisionIds(level)) {
      if (await decisionExists(rt, requestId, decisionId)) return { requestId, level: index, reminders };
    }
    const key = `reminder-${index}-${n}`;
    let at = level.reminderTimes?.[n - 1];
    if (!at) {
      // Email first (marked sent), then record: a retry after a crash before the record finds the mark and does not send again.
      const decisionId = level.decisionId;
      // The seat's current holder (the approver, or their deputy); an absence that started while the level waits passes it now.
      const holder = (await seatHolder(rt, decisionId)) ?? undefined;
      const away = holder && !holder.actingFor ? (await absentToday(rt))(level.approver.email) : undefined;
      const deputy = away ? pickDeputy(rt.config, level.approver.email, deputyBar(rt.config, item, index), away.deputy).to : undefined;
      const why = away ? `${level.approver.name} is absent ${away.from} to ${away.to}` : '';
      const to = deputy ?? holder?.recipient ?? level.approver;
      const sent = await sendPersonalOnce(
        rt,
        { subjectPk: item.pk, message: key, recipient: to.email, about: { role: 'level', decisionId, level: index } },
        async () => {
          if (holder && away && deputy) {
            const passed = await passSeat(
              rt,
              holder,
              { ...deputy, role: level.name },
              { kind: 'absence', reason: why, by: away.setBy },
              {
                kind: 'reminder',
                reminder: n,
              },
            );
            if (!passed)
              throw new WorkflowError('LinkStopped', `The link of level ${index} of ${requestId} was stopped before it could pass on`);
            return withLeadLines(
              approvalEmail({
                unit: rt.config,
                request: item,
                level: { ...level, approver: deputy },
                url: passed.url,
                kind: 'reminder',
                reminder: n,
                expiresAt: passed.expiresAt,
              }),
              [actingLine(level.approver, why), ...fingerprintLine('request', holder.fingerprint)],
              `[acting for ${level.approver.name}] `,
            );
          }
          const { url, expiresAt } = await reissueLink(rt, holder?.decisionId ?? decisionId, { kind: 'reminder', reminder: n });
          const acting = holder?.actingFor;
          return withLeadLines(
            approvalEmail({
              unit: rt.config,
              request: item,
              level: { ...level, approver: { name: to.name, email: to.email } },
              url,
              kind: 'reminder',
              reminder: n,
              expiresAt,
            }),
            [...(acting ? [actingLine(acting, 'as before')] : []), ...fingerprintLine('request', holder?.fingerprint)],
            acting ? `[acting for ${acting.name}] ` : '',
          );
        },
      );
      if (away && deputy) {
        await sendPersonalOnce(rt, { subjectPk: item.pk, message: `absence-copy-${decisionId}`, recipient: level.approver.email }, () =>
          informationCopyEmail({
            unit: rt.config,
            original: level.approver,
            deputy,
            what: `level ${index + 1} (${level.name}) of the resource request "${item.title}"`,
            why,
          }),
        );
      }
      const claimed = await recordLevelReminder(rt, requestId, { level: index, n, sentAt: sent.sentAt });
      // Not claimed: a concurrent attempt recorded this reminder first; its time keys the event.
      at = (await getRequest(rt, requestId)).levels[index]?.reminderTimes?.[n - 1];
      if (!at)
        throw new WorkflowError(
          'ReminderConflict',
          `Reminder ${n} of level ${index} of ${requestId} could not be recorded (claimed: ${claimed})`,
        );
    }
    await recordEvent(rt, {
      type: 'reminder.sent',
      subjectPk: item.pk,
      actor: 'system',
      eventId: key,
      at,
      detail: {
        level: index,
        levelName: level.name,
        reminder: n,
        maximum: rt.config.reminders.maximum,
        to: level.approver.email,
        decisionId: level.decisionId,
      },
    });
    return { requestId, level: index, reminders: n };
  };

export const handler = lambdaHandler(createHandler);
