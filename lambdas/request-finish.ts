// Records the request's outcome once (status, level, audit event) and emails the requester and the ISMS manager.
import * as z from '../core/zod';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';
import { recordEvent } from './shared/audit';
import { sendOnce } from './shared/sent-store';
import { outcomeEmail } from '../core/request-emails';
import type { DecisionRecord } from '../core/decisions';
import { levelDecision, type LevelDecision, type Outcome } from '../core/request';
import { closeRequest, getRequest, markOutcomeEmailed, requestPk, type StoredRequest } from './shared/request-store';
import { loadSubject } from './shared/resume';
import { count } from './shared/observability';
import { METRIC } from '../core/metrics';

const eventSchema = z.object({
  requestId: z.string().check(z.minLength(1)),
  /** What the workflow's path says; a decision recorded for the current level overrides it (docs/architecture.md#outcomes-only-from-stored-decisions; issue 9, finding 4). */
  outcome: z.enum(['approved', 'rejected', 'expired']),
  reason: z.optional(z.string()),
});

const OUTCOME_METRIC = { approved: METRIC.requestsApproved, rejected: METRIC.requestsRejected, expired: METRIC.requestsExpired } as const;

type Decided = { outcome: Outcome; decision?: LevelDecision };

/**
 * The outcome from the table (docs/architecture.md#outcomes-only-from-stored-decisions): the current level's recorded decision, when there is one, decides; a
 * decision recorded during the last wait counts even if the workflow was told the links expired (issue 9, finding 4). Without a
 * decision only the workflow's own ends are possible: expiry, and rejection of a request no link was ever issued for
 * (unroutable). An approval nobody recorded is never possible.
 */
function decide(item: StoredRequest, decisions: DecisionRecord[], claimed: Outcome): Decided | { refused: string } {
  const decision = levelDecision(item, item.currentLevel, decisions);
  if (decision?.choice === 'reject') return { outcome: 'rejected', decision };
  if (decision?.isLast) return { outcome: 'approved', decision };
  if (decision)
    return {
      refused: `level ${decision.level + 1} of ${item.levels.length} is approved; the request moves on to level ${decision.nextLevel + 1}, it does not end ${claimed}`,
    };
  if (claimed === 'expired') return { outcome: 'expired' };
  const unroutable = item.levels.every((l) => !l.decisionId);
  if (claimed === 'rejected' && unroutable) return { outcome: 'rejected' };
  return { refused: `no decision is recorded for level ${item.currentLevel + 1}; the request cannot be ${claimed}` };
}

function storedOutcome(item: StoredRequest, decisions: DecisionRecord[]): Decided {
  const outcome = item.status as Outcome;
  const decision = levelDecision(item, item.currentLevel, decisions);
  const agrees = decision && ((decision.choice === 'reject' && outcome === 'rejected') || (decision.isLast && outcome === 'approved'));
  return agrees ? { outcome, decision } : { outcome };
}

export const createHandler =
  (rt: Runtime) =>
  async (event: unknown): Promise<{ requestId: string; status: string }> => {
    const input = parseEvent(eventSchema, event, 'request-finish');
    const { requestId, reason: givenReason } = input;
    const { subject, decisions } = await loadSubject(rt, requestPk(requestId), 'REQUEST');
    if (!subject) throw new WorkflowError('RequestNotFound', `No request ${requestId} in ${rt.tableName}`);
    let item = subject as StoredRequest;
    // Closed by an earlier attempt of this step (a retry after SES failed): what was stored then is the outcome. A decision
    // that landed after the close (its click passed the link check a moment before) does not reopen it.
    if (item.status !== 'pending' && item.status !== input.outcome) {
      throw new WorkflowError('RequestClosed', `Request ${requestId} is already ${item.status}; it cannot become ${input.outcome}`);
    }
    const decided = item.status === 'pending' ? decide(item, decisions, input.outcome) : storedOutcome(item, decisions);
    if ('refused' in decided) {
      if (item.status !== 'pending')
        throw new WorkflowError('RequestClosed', `Request ${requestId} is already ${item.status}; it cannot become ${input.outcome}`);
      rt.logger.error('request-finish refused: the outcome is not supported by the recorded decisions', {
        requestId,
        claimed: input.outcome,
        why: decided.refused,
      });
      throw new WorkflowError('OutcomeNotSupported', `Request ${requestId}: ${decided.refused}`);
    }
    const { outcome, decision } = decided;
    // A decision that beat the expiry is the outcome; the expiry's reason would be untrue.
    const reason = decision ? undefined : item.status === 'pending' ? givenReason : item.outcomeReason || givenReason;
    if (item.status !== 'pending' && item.status !== outcome) {
      throw new WorkflowError('RequestClosed', `Request ${requestId} is already ${item.status}; it cannot become ${outcome}`);
    }
    if (item.status === 'pending') {
      await closeRequest(rt, requestId, { outcome, at: rt.now().toISOString(), reason: reason ?? '', decision });
      item = await getRequest(rt, requestId);
      if (item.status !== outcome) throw new WorkflowError('RequestClosed', `Request ${requestId} became ${item.status} meanwhile`);
    }
    const closedAt = item.closedAt!;
    const closedNow = await recordEvent(rt, {
      type: `request.${outcome}`,
      subjectPk: item.pk,
      actor: decision?.decidedBy ?? 'system',
      eventId: 'outcome',
      at: closedAt,
      detail: {
        outcome,
        reason: reason ?? '',
        level: decision?.level,
        levelName: decision ? item.levels[decision.level]?.name : undefined,
        decisionId: decision?.decisionId,
        comment: decision?.comment,
        ...(decision?.actingFor ? { actingFor: decision.actingFor } : {}),
        amount: item.amount,
        currency: item.currency,
        category: item.category,
      },
    });
    // Counted once: a retry finds the event written and counts nothing.
    if (closedNow) count(rt, OUTCOME_METRIC[outcome]);
    if (!item.outcomeEmailedAt) {
      // Requester and ISMS manager each once: a retry after SES throttled the second copy does not repeat the first.
      await sendOnce(
        rt,
        { subjectPk: item.pk, message: 'outcome', about: { role: 'outcome' } },
        outcomeEmail({ unit: rt.config, request: item, outcome, reason, decision, decisions }),
      );
      await markOutcomeEmailed(rt, requestId, rt.now().toISOString());
    }
    return { requestId, status: outcome };
  };

export const handler = lambdaHandler(createHandler);
