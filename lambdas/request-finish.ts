// Records the request's outcome once (status, level, audit event) and emails the requester and the ISMS manager.
import { z } from 'zod';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { recordEvent } from './shared/audit';
import { sendEmail } from './shared/email';
import { outcomeEmail } from './shared/request-emails';
import { getRequest, updateRequestOnce } from './shared/request-store';

const eventSchema = z.object({
  requestId: z.string().min(1),
  outcome: z.enum(['approved', 'rejected', 'expired']),
  reason: z.string().optional(),
  decision: z
    .object({
      level: z.number().int().min(0),
      choice: z.enum(['approve', 'reject']),
      decisionId: z.string(),
      decidedBy: z.string(),
      decidedAt: z.string(),
      comment: z.string().optional(),
    })
    .optional(),
});

export const createHandler = (rt: Runtime) => async (event: unknown): Promise<{ requestId: string; status: string }> => {
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) throw new WorkflowError('InvalidEvent', `request-finish: ${parsed.error.message}`);
  const { requestId, outcome, reason, decision } = parsed.data;
  let item = await getRequest(rt, requestId);
  if (item.status !== 'pending' && item.status !== outcome) {
    throw new WorkflowError('RequestClosed', `Request ${requestId} is already ${item.status}; it cannot become ${outcome}`);
  }
  if (item.status === 'pending') {
    const sets = ['#status = :o', 'closedAt = :at', 'outcomeReason = :reason'];
    const values: Record<string, unknown> = { ':o': outcome, ':at': rt.now().toISOString(), ':reason': reason ?? '', ':pending': 'pending' };
    if (decision) {
      const i = decision.level;
      sets.push(`levels[${i}].outcome = :lo`, `levels[${i}].decidedAt = :dat`, `levels[${i}].decidedBy = :dby`);
      Object.assign(values, { ':lo': decision.choice === 'approve' ? 'approved' : 'rejected', ':dat': decision.decidedAt, ':dby': decision.decidedBy });
    }
    await updateRequestOnce(rt, requestId, {
      set: `SET ${sets.join(', ')}`,
      condition: '#status = :pending',
      names: { '#status': 'status' },
      values,
    });
    item = await getRequest(rt, requestId);
    if (item.status !== outcome) throw new WorkflowError('RequestClosed', `Request ${requestId} became ${item.status} meanwhile`);
  }
  const closedAt = item.closedAt!;
  await recordEvent(rt, {
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
      amount: item.amount,
      currency: item.currency,
      category: item.category,
    },
  });
  if (!item.outcomeEmailedAt) {
    await sendEmail(rt, outcomeEmail({ unit: rt.config, request: item, outcome, reason, decision }));
    await updateRequestOnce(rt, requestId, {
      set: 'SET outcomeEmailedAt = :at',
      condition: 'attribute_not_exists(outcomeEmailedAt)',
      values: { ':at': rt.now().toISOString() },
    });
  }
  return { requestId, status: outcome };
};

export const handler = lambdaHandler(createHandler);
