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
      const sent = await sendPersonalOnce(
        rt,
        { subjectPk: item.pk, message: key, recipient: level.approver.email, about: { role: 'level', decisionId, level: index } },
        async () => {
          const { url, expiresAt } = await reissueLink(rt, decisionId, { kind: 'reminder', reminder: n });
          return approvalEmail({ unit: rt.config, request: item, level, url, kind: 'reminder', reminder: n, expiresAt });
        },
      );
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
