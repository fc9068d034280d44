// After the last reminder: moves the current level's decision to its escalation contact (old link answers 410) with a new link.
import * as z from '../core/zod';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';
import { recordEvent } from './shared/audit';
import { getLink, reissueLink, supersedeLink } from './shared/links';
import { replaceLevelDecision } from './shared/request-levels';
import { sendPersonalOnce } from './shared/sent-store';
import { approvalEmail } from '../core/request-emails';
import { escalationTarget, levelDecisionIds } from '../core/request';
import { decisionExists, getRequest, markEscalationSkipped, type StoredRequest } from './shared/request-store';
import { undeliverable } from './shared/delivery-store';

const eventSchema = z.object({ requestId: z.string().check(z.minLength(1)), level: z.int().check(z.minimum(0)) });

export interface EscalateOutput {
  requestId: string;
  level: number;
  /** escalated: the contact decides now; skipped: nobody else may (the approver was nudged); decided: a click beat the escalation. */
  escalation: 'escalated' | 'skipped' | 'decided';
}

export const createHandler =
  (rt: Runtime) =>
  async (event: unknown): Promise<EscalateOutput> => {
    const { requestId, level: index } = parseEvent(eventSchema, event, 'request-escalate');
    const item = await getRequest(rt, requestId);
    const level = item.levels[index];
    if (item.status !== 'pending' || item.currentLevel !== index || !level?.decisionId) {
      throw new WorkflowError('RequestNotWaiting', `Request ${requestId} is not waiting on level ${index}`);
    }
    const done = (escalation: EscalateOutput['escalation']): EscalateOutput => ({ requestId, level: index, escalation });
    // A click recorded as the wait timed out (its resume met a stale token): nobody is overdue; the next wait resumes at once.
    if (!level.escalatedAt && !level.escalationSkippedAt) {
      for (const decisionId of levelDecisionIds(level)) {
        if (await decisionExists(rt, requestId, decisionId)) return done('decided');
      }
    }

    if (level.escalatedAt) {
      // A retry after the move was stored: the contact's email goes after the claim, so send it unless it is marked sent.
      const from = await sendEscalationOnce(rt, item, index, () => reissueLink(rt, level.decisionId!, { kind: 'escalation' }));
      await recordEvent(
        rt,
        escalatedEvent(
          item.pk,
          index,
          level.name,
          level.supersededDecisionIds?.at(-1) ?? '',
          level.decisionId,
          level.approver.email,
          level.reroutedReason ?? '',
          level.escalatedAt,
          from.email,
        ),
      );
      return done('escalated');
    }

    const target = escalationTarget(rt.config, item, index);
    if (!target.escalate) {
      // Nobody else may take the decision: the current approver gets an overdue notice with a further link.
      const at = level.escalationSkippedAt ?? rt.now().toISOString();
      if (!level.escalationSkippedAt) {
        const decisionId = level.decisionId;
        await sendPersonalOnce(
          rt,
          {
            subjectPk: item.pk,
            message: `overdue-${index}-${decisionId}`,
            recipient: level.approver.email,
            about: { role: 'overdue', decisionId, level: index },
          },
          async () => {
            const { url, expiresAt } = await reissueLink(rt, decisionId, { kind: 'escalation' });
            return approvalEmail({
              unit: rt.config,
              request: item,
              level,
              url,
              kind: 'overdue',
              reason: `It was not escalated: ${target.reason}.`,
              expiresAt,
            });
          },
        );
        await markEscalationSkipped(rt, requestId, index, at);
      }
      await recordEvent(rt, {
        type: 'request.escalation-skipped',
        subjectPk: item.pk,
        actor: 'system',
        eventId: `escalation-skipped-${index}`,
        at,
        detail: { level: index, levelName: level.name, reason: target.reason, approver: level.approver.email },
      });
      return done('skipped');
    }

    const oldDecisionId = level.decisionId;
    // Sooner when the approver's decision email did not arrive (email-events cut the wait short): the reason says which.
    const unreachable = await undeliverable(rt, item.pk, oldDecisionId);
    const reason = unreachable
      ? `the decision email to ${level.approver.email} was not delivered (${unreachable.outcome}); escalated at once to ${target.to.email}`
      : `no decision from ${level.approver.email} after ${rt.config.reminders.maximum} reminder(s); escalated to ${target.to.email}`;
    // Stop the old link first, then look: a click that got in before is recorded and counts (docs/architecture.md#record-first-then-resume).
    await supersedeLink(rt, oldDecisionId, reason);
    if (await decisionExists(rt, requestId, oldDecisionId)) return done('decided');

    const at = rt.now().toISOString();
    const contact = { name: target.to.name, email: target.to.email, role: `${level.name} (escalation contact)` };
    const minted = await replaceLevelDecision(
      rt,
      item,
      index,
      contact,
      { kind: 'escalated', to: target.to, at, reason },
      { kind: 'escalation' },
    );
    if (!minted) {
      const now = await getRequest(rt, requestId);
      const l = now.levels[index];
      if (!l?.escalatedAt) throw new WorkflowError('RequestNotWaiting', `Request ${requestId} moved on while escalating level ${index}`);
      await recordEvent(
        rt,
        escalatedEvent(item.pk, index, l.name, oldDecisionId, l.decisionId!, l.approver.email, l.reroutedReason ?? reason, l.escalatedAt),
      );
      return done('escalated');
    }
    await sendEscalationOnce(rt, item, index, async () => ({ url: minted.url, expiresAt: minted.expiresAt }));
    await recordEvent(
      rt,
      escalatedEvent(item.pk, index, level.name, oldDecisionId, minted.decisionId, target.to.email, reason, at, level.approver.email),
    );
    return done('escalated');
  };

/**
 * The escalation contact's email with a link to their decision, once per decision (SENT#escalation-<level>-<decisionId>);
 * returns the approver the decision came from (the recipient of the decision it superseded).
 */
async function sendEscalationOnce(
  rt: Runtime,
  before: StoredRequest,
  index: number,
  link: () => Promise<{ url: string; expiresAt: string }>,
) {
  const after = await getRequest(rt, before.requestId);
  const level = after.levels[index];
  const decisionId = level.decisionId!;
  const from = level.supersededDecisionIds?.at(-1);
  const escalatedFrom = (from && (await getLink(rt, from))?.recipient) || before.levels[index].approver;
  await sendPersonalOnce(
    rt,
    {
      subjectPk: after.pk,
      message: `escalation-${index}-${decisionId}`,
      recipient: level.approver.email,
      about: { role: 'escalation', decisionId, level: index },
    },
    async () => {
      const { url, expiresAt } = await link();
      return approvalEmail({ unit: rt.config, request: after, level, url, kind: 'escalation', escalatedFrom, expiresAt });
    },
  );
  return escalatedFrom;
}

function escalatedEvent(
  pk: string,
  index: number,
  levelName: string,
  from: string,
  to: string,
  contact: string,
  reason: string,
  at: string,
  previousApprover?: string,
) {
  return {
    type: 'request.escalated',
    subjectPk: pk,
    actor: 'system',
    eventId: `escalated-${index}`,
    at,
    detail: { level: index, levelName, supersededDecisionId: from, decisionId: to, to: contact, from: previousApprover, reason },
  };
}

export const handler = lambdaHandler(createHandler);
