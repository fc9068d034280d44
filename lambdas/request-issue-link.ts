// Emails the approver of the current level a personal decision link; when moving up, records the level below as approved.
import { z } from 'zod';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { recordEvent } from './shared/audit';
import { getLink, linkState, mintDecisionLink, reissueLink, supersedeLink } from './shared/links';
import { sendEmail } from './shared/email';
import { approvalEmail } from './shared/request-emails';
import { replaceLevelDecision } from './shared/request-levels';
import { decisionExists, getRequest, updateRequestOnce, type StoredRequest } from './shared/request-store';

const levelDecision = z.object({
  level: z.number().int().min(0),
  choice: z.literal('approve'),
  decisionId: z.string(),
  decidedBy: z.string(),
  decidedAt: z.string(),
  comment: z.string().optional(),
});

const eventSchema = z.object({
  requestId: z.string().min(1),
  level: z.number().int().min(0),
  /** The approval that moved the request up to this level. */
  previous: levelDecision.optional(),
});

export interface LevelState {
  requestId: string;
  level: number;
  reminders: number;
}

async function recordPreviousApproval(rt: Runtime, item: StoredRequest, previous: z.infer<typeof levelDecision>) {
  const i = previous.level;
  await updateRequestOnce(rt, item.requestId, {
    set: `SET levels[${i}].outcome = :o, levels[${i}].decidedAt = :at, levels[${i}].decidedBy = :by`,
    condition: `attribute_not_exists(levels[${i}].outcome)`,
    values: { ':o': 'approved', ':at': previous.decidedAt, ':by': previous.decidedBy },
  });
  await recordEvent(rt, {
    type: 'request.level-approved',
    subjectPk: item.pk,
    actor: previous.decidedBy,
    eventId: `level-${i}-approved`,
    at: previous.decidedAt,
    detail: { level: i, levelName: item.levels[i]?.name, decisionId: previous.decisionId, comment: previous.comment ?? '' },
  });
}

export const createHandler = (rt: Runtime) => async (event: unknown): Promise<LevelState> => {
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) throw new WorkflowError('InvalidEvent', `request-issue-link: ${parsed.error.message}`);
  const { requestId, level: index, previous } = parsed.data;
  let item = await getRequest(rt, requestId);
  if (item.status !== 'pending') throw new WorkflowError('RequestClosed', `Request ${requestId} is ${item.status}; no level is issued`);
  const level = item.levels[index];
  if (!level) throw new WorkflowError('NoSuchLevel', `Request ${requestId} has ${item.levels.length} levels; level ${index} does not exist`);
  if (previous) {
    if (previous.level !== index - 1) throw new WorkflowError('InvalidEvent', `level ${index} follows level ${index - 1}, not ${previous.level}`);
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
    // A retry after the decision was stored, or a restart: the first email may not have gone (or was long ago),
    // so send a further link to the same decision; earlier links keep working.
    url = await reissueLink(rt, level.decisionId);
    expiresAt = link!.expiresAt;
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
    });
    const claimed = await updateRequestOnce(rt, requestId, {
      set: `SET levels[${index}].decisionId = :d, levels[${index}].issuedAt = :at, currentLevel = :l, remindersSent = :zero`,
      condition: `attribute_not_exists(levels[${index}].decisionId) AND #status = :pending`,
      names: { '#status': 'status' },
      values: { ':d': minted.decisionId, ':at': rt.now().toISOString(), ':l': index, ':zero': 0, ':pending': 'pending' },
    });
    if (claimed) {
      url = minted.url;
      expiresAt = minted.expiresAt;
    } else {
      // A concurrent attempt stored its decision first: ours must never work, theirs is the one to send.
      await supersedeLink(rt, minted.decisionId, 'duplicate issue of the same level');
      item = await getRequest(rt, requestId);
      const winner = item.levels[index]?.decisionId;
      if (!winner) throw new WorkflowError('RequestClosed', `Request ${requestId} is ${item.status}; no level is issued`);
      url = await reissueLink(rt, winner);
    }
    item = await getRequest(rt, requestId);
  }
  await sendEmail(rt, approvalEmail({ unit: rt.config, request: item, level: item.levels[index], url, kind: 'first', expiresAt }));
  return { requestId, level: index, reminders: 0 };
};

async function replaceDeadLink(rt: Runtime, item: StoredRequest, index: number, oldDecisionId: string, reason: string) {
  const level = item.levels[index];
  const minted = await replaceLevelDecision(rt, item, index, { name: level.approver.name, email: level.approver.email, role: level.name }, {
    set: `levels[${index}].issuedAt = :at, remindersSent = :zero`,
    values: { ':at': rt.now().toISOString(), ':zero': 0 },
  });
  if (!minted) {
    // A concurrent attempt replaced it first: theirs is the one to send.
    const winner = (await getRequest(rt, item.requestId)).levels[index]?.decisionId;
    if (!winner || winner === oldDecisionId) throw new WorkflowError('RequestClosed', `Request ${item.requestId} is no longer pending; no level is issued`);
    return { url: await reissueLink(rt, winner), expiresAt: (await getLink(rt, winner))?.expiresAt };
  }
  await supersedeLink(rt, oldDecisionId, `${reason}; the restarted request issued a new link`);
  await recordEvent(rt, {
    type: 'link.replaced',
    subjectPk: item.pk,
    actor: 'system',
    eventId: `link-replaced-${oldDecisionId}`,
    at: rt.now().toISOString(),
    detail: { decisionId: oldDecisionId, replacedBy: minted.decisionId, recipient: level.approver.email, reason, level: index, levelName: level.name },
  });
  return { url: minted.url, expiresAt: minted.expiresAt };
}

export const handler = lambdaHandler(createHandler);
