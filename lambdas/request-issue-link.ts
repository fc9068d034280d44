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
    detail: { level: i, levelName: item.levels[i]?.name, decisionId: previous.decisionId, comment: previous.comment },
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
    }

    let url: string;
    let expiresAt: string | undefined;
    if (level.decisionId && (await decisionExists(rt, requestId, level.decisionId))) {
      // A restart finds the level decided while no workflow ran: the wait that follows resumes at once; nobody is asked again.
      return { requestId, level: index, reminders: 0 };
    }
    const link = level.decisionId ? await getLink(rt, level.decisionId) : undefined;
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
    await sendPersonalOnce(
      rt,
      {
        subjectPk: item.pk,
        message: invitationMessage(item, issued.decisionId!),
        recipient: issued.approver.email,
        about: { role: 'level', decisionId: issued.decisionId!, level: index },
      },
      () => approvalEmail({ unit: rt.config, request: item, level: issued, url, kind: 'first', expiresAt }),
    );
    return { requestId, level: index, reminders: 0 };
  };

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
