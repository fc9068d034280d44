// Emails the approver of the current level a personal decision link; when moving up, records the level below as approved.
import * as z from '../core/zod';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';
import { recordEvent } from './shared/audit';
import { getLink, linkState, mintDecisionLink, reissueLink, supersedeLink } from './shared/links';
import { sendPersonalOnce, sentCopy } from './shared/sent-store';
import { approvalEmail } from '../core/request-emails';
import { replaceLevelDecision } from './shared/request-levels';
import { claimLevelDecision, decisionExists, getRequest, recordLevelApproved, type StoredRequest } from './shared/request-store';
import { levelDecision, type LevelDecision } from '../core/request';
import { loadSubject } from './shared/resume';
import { absentToday, passSeat } from './shared/delegation';
import { deputyBar } from '../core/request';
import { pickDeputy } from '../core/seats';
import { requestFingerprint } from '../core/fingerprint';
import { actingLine, fingerprintLine, informationCopyEmail, withLeadLines } from '../core/delegation-emails';
import type { Absence } from '../core/absence';
import type { Person } from '../core/config';

// Nothing else is read from the input: the approval that moved the request up to this level is read from the table (docs/architecture.md#outcomes-only-from-stored-decisions).
const eventSchema = z.object({
  requestId: z.string().check(z.minLength(1)),
  level: z.int().check(z.minimum(0)),
});

export interface LevelState {
  requestId: string;
  level: number;
  reminders: number;
}

async function recordPreviousApproval(rt: Runtime, item: StoredRequest, previous: LevelDecision) {
  const i = previous.level;
  await recordLevelApproved(rt, item.requestId, { level: i, decidedAt: previous.decidedAt, decidedBy: previous.decidedBy });
  await recordEvent(rt, {
    type: 'request.level-approved',
    subjectPk: item.pk,
    actor: previous.decidedBy,
    eventId: `level-${i}-approved`,
    at: previous.decidedAt,
    detail: {
      level: i,
      levelName: item.levels[i]?.name,
      decisionId: previous.decisionId,
      comment: previous.comment,
      ...(previous.actingFor ? { actingFor: previous.actingFor } : {}),
    },
  });
}

export const createHandler =
  (rt: Runtime) =>
  async (event: unknown): Promise<LevelState> => {
    const { requestId, level: index } = parseEvent(eventSchema, event, 'request-issue-link');
    let item = await getRequest(rt, requestId);
    if (item.status !== 'pending') throw new WorkflowError('RequestClosed', `Request ${requestId} is ${item.status}; no level is issued`);
    const level = item.levels[index];
    if (!level)
      throw new WorkflowError('NoSuchLevel', `Request ${requestId} has ${item.levels.length} levels; level ${index} does not exist`);
    if (index > 0) {
      // A level is asked only once the level below has a recorded approval; that record, not the workflow, says who approved.
      const { decisions } = await loadSubject(rt, item.pk, item.sk);
      const previous = levelDecision(item, index - 1, decisions);
      if (previous?.choice !== 'approve') {
        rt.logger.error('request-issue-link refused: the level below has no recorded approval', {
          requestId,
          askedLevel: index,
          below: previous?.choice ?? 'none',
        });
        throw new WorkflowError(
          'LevelNotApproved',
          `Request ${requestId}: level ${index} is asked only after level ${index - 1} approved, and no approval of level ${index - 1} is recorded`,
        );
      }
      await recordPreviousApproval(rt, item, previous);
      // Read again: the deputy bar below must see who approved the level below, or a deputy of both approvers would be
      // handed this level too (one person, one level).
      item = await getRequest(rt, requestId);
    }

    let url: string;
    let expiresAt: string | undefined;
    if (level.decisionId && (await decisionExists(rt, requestId, level.decisionId))) {
      // A restart finds the level decided while no workflow ran: the wait that follows resumes at once; nobody is asked again.
      return { requestId, level: index, reminders: 0 };
    }
    const link = level.decisionId ? await getLink(rt, level.decisionId) : undefined;
    // Issue 15: an absent approver's level goes to a deputy who may decide it (not who asked, not another level's holder).
    const away = (await absentToday(rt))(level.approver.email);
    const deputy = away ? pickDeputy(rt.config, level.approver.email, deputyBar(rt.config, item, index), away.deputy) : undefined;
    if (away && !deputy?.to)
      rt.logger.warn('level approver is absent and has no deputy who may decide', { requestId, level: index, why: deputy?.skipped });
    if (link?.handedTo) {
      // Passed on already (a retry, a restart): the holder keeps it; a deputy's email that did not go out goes now.
      if (away && deputy?.to) await passToDeputy(rt, item, index, deputy.to, away);
      return { requestId, level: index, reminders: 0 };
    }
    const state = link ? linkState(link, rt.now()) : 'expired';
    if (level.decisionId && state === 'valid') {
      // A retry after the decision was stored: nothing is sent again if the approver's email is marked sent. A restart
      // (a new message) and a retry whose email did not go out send a further link to the same decision; earlier links keep working.
      if (await sentCopy(rt, { subjectPk: item.pk, message: invitationMessage(item, level.decisionId) }, level.approver.email))
        return { requestId, level: index, reminders: 0 };
      ({ url, expiresAt } = await reissueLink(rt, level.decisionId, { kind: 'first' }));
    } else if (level.decisionId) {
      // A restart after the level's link expired unused: a new decision for the same approver.
      ({ url, expiresAt } = await replaceDeadLink(rt, item, index, level.decisionId, state));
      item = await getRequest(rt, requestId);
    } else {
      const minted = await mintDecisionLink(rt, {
        subjectType: 'request',
        subjectPk: item.pk,
        subjectId: requestId,
        recipient: { name: level.approver.name, email: level.approver.email, role: level.name },
        level: index,
        stage: { kind: 'first' },
        fingerprint: requestFingerprint(item),
      });
      const claimed = await claimLevelDecision(rt, requestId, { level: index, decisionId: minted.decisionId, at: rt.now().toISOString() });
      if (claimed) {
        url = minted.url;
        expiresAt = minted.expiresAt;
      } else {
        // A concurrent attempt stored its decision first: ours must never work, theirs is the one to send.
        await supersedeLink(rt, minted.decisionId, 'duplicate issue of the same level');
        item = await getRequest(rt, requestId);
        const winner = item.levels[index]?.decisionId;
        if (!winner) throw new WorkflowError('RequestClosed', `Request ${requestId} is ${item.status}; no level is issued`);
        ({ url, expiresAt } = await reissueLink(rt, winner, { kind: 'first' }));
      }
      item = await getRequest(rt, requestId);
    }
    const issued = item.levels[index];
    if (away && deputy?.to) {
      await passToDeputy(rt, item, index, deputy.to, away);
      return { requestId, level: index, reminders: 0 };
    }
    await sendPersonalOnce(
      rt,
      {
        subjectPk: item.pk,
        message: invitationMessage(item, issued.decisionId!),
        recipient: issued.approver.email,
        about: { role: 'level', decisionId: issued.decisionId!, level: index },
      },
      () =>
        withLeadLines(
          approvalEmail({ unit: rt.config, request: item, level: issued, url, kind: 'first', expiresAt }),
          fingerprintLine('request', requestFingerprint(item)),
        ),
    );
    return { requestId, level: index, reminders: 0 };
  };

/** The level's seat passes to the absent approver's deputy (once: the stop is conditional), who is emailed; the approver gets a copy. */
async function passToDeputy(rt: Runtime, item: StoredRequest, index: number, deputy: Person, away: Absence) {
  const level = item.levels[index];
  const decisionId = level.decisionId!;
  const why = `${level.approver.name} is absent ${away.from} to ${away.to}`;
  await sendPersonalOnce(
    rt,
    {
      subjectPk: item.pk,
      message: invitationMessage(item, decisionId),
      recipient: deputy.email,
      about: { role: 'level', decisionId, level: index },
    },
    async () => {
      const seatLink = await getLink(rt, decisionId);
      if (!seatLink) throw new WorkflowError('LinkNotFound', `The decision ${decisionId} of ${requestIdOf(item)} has no link item`);
      const passed = await passSeat(
        rt,
        seatLink,
        { ...deputy, role: level.name },
        { kind: 'absence', reason: why, by: away.setBy },
        { kind: 'first' },
      );
      if (!passed)
        throw new WorkflowError('LinkStopped', `The link of level ${index} of ${item.requestId} was stopped before it could pass on`);
      return withLeadLines(
        approvalEmail({
          unit: rt.config,
          request: item,
          level: { ...level, approver: deputy },
          url: passed.url,
          kind: 'first',
          expiresAt: passed.expiresAt,
        }),
        [actingLine(level.approver, why), ...fingerprintLine('request', seatLink.fingerprint)],
        `[acting for ${level.approver.name}] `,
      );
    },
  );
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

const requestIdOf = (item: StoredRequest) => item.requestId;

/** The approval email of a decision, once per execution: `isms request restart` asks the approver again, its retries do not. */
const invitationMessage = (item: StoredRequest, decisionId: string) =>
  `invitation-${decisionId}${item.restarts ? `-restart-${item.restarts}` : ''}`;

async function replaceDeadLink(rt: Runtime, item: StoredRequest, index: number, oldDecisionId: string, reason: string) {
  const level = item.levels[index];
  const recipient = { name: level.approver.name, email: level.approver.email, role: level.name };
  const minted = await replaceLevelDecision(
    rt,
    item,
    index,
    recipient,
    { kind: 'reissued', at: rt.now().toISOString() },
    { kind: 'first' },
  );
  if (!minted) {
    // A concurrent attempt replaced it first: theirs is the one to send.
    const winner = (await getRequest(rt, item.requestId)).levels[index]?.decisionId;
    if (!winner || winner === oldDecisionId)
      throw new WorkflowError('RequestClosed', `Request ${item.requestId} is no longer pending; no level is issued`);
    return reissueLink(rt, winner, { kind: 'first' });
  }
  await supersedeLink(rt, oldDecisionId, `${reason}; the restarted request issued a new link`);
  await recordEvent(rt, {
    type: 'link.replaced',
    subjectPk: item.pk,
    actor: 'system',
    eventId: `link-replaced-${oldDecisionId}`,
    at: rt.now().toISOString(),
    detail: {
      decisionId: oldDecisionId,
      replacedBy: minted.decisionId,
      recipient: level.approver.email,
      reason,
      level: index,
      levelName: level.name,
    },
  });
  return { url: minted.url, expiresAt: minted.expiresAt };
}

export const handler = lambdaHandler(createHandler);
