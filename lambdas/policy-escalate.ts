// After the last reminder: emails the escalation contacts (the ISMS manager in copy) and marks the submission overdue; the links keep working.
import * as z from '../core/zod';
import { keys } from '../core/keys';
import { policyWaitOutcome, type PolicyItem } from '../core/policy';
import { tally } from '../core/review-tally';
import { policyEscalationEmail } from '../core/policy-render';
import { recordEvent } from './shared/audit';
import { extendLink, linkExpiry } from './shared/links';
import { loadSubject } from './shared/resume';
import { markEscalated, markEscalationEmailed } from './shared/review-store';
import { sendOnce } from './shared/sent-store';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';

const eventSchema = z.object({ submissionId: z.string().check(z.minLength(1)) });

export const createHandler = (rt: Runtime) => async (event: unknown) => {
  const { submissionId } = parseEvent(eventSchema, event, 'policy-escalate');
  const key = keys.policy(submissionId);
  const before = await loadSubject(rt, key.pk, key.sk);
  if (before.subject && !before.subject.escalatedAt && policyWaitOutcome(before.subject, before.decisions).complete) {
    return { escalatedAt: undefined };
  }
  const policy = (await markEscalated(rt, key, rt.now().toISOString())) as (PolicyItem & { escalatedAt: string }) | undefined;
  if (!policy) throw new WorkflowError('PolicyNotWaiting', `${submissionId} does not exist or is closed`);
  const { decisions } = await loadSubject(rt, key.pk, key.sk);
  const t = tally(policy, decisions, 'policy');
  const expiresAt = linkExpiry(rt, { kind: 'escalation' }).toISOString();
  for (const m of t.undecided) if (m.decisionId) await extendLink(rt, m.decisionId, expiresAt);
  if (!policy.escalationEmailedAt) {
    await sendOnce(
      rt,
      { subjectPk: key.pk, message: 'escalation' },
      policyEscalationEmail({ unit: rt.config, policy, undecided: t.undecided, approvals: t.approvals, expiresAt }),
    );
    await markEscalationEmailed(rt, key, rt.now().toISOString());
  }
  await recordEvent(rt, {
    type: 'policy.escalated',
    subjectPk: key.pk,
    actor: 'system',
    at: policy.escalatedAt,
    eventId: 'escalated',
    detail: {
      escalatedTo: rt.config.escalationContacts.map((c) => c.email),
      undecided: t.undecided.map((m) => m.email),
      approvals: t.approvals,
      required: t.required,
      linksExpireAt: expiresAt,
    },
  });
  return { escalatedAt: policy.escalatedAt };
};

export const handler = lambdaHandler(createHandler);
