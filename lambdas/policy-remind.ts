// Reminds the members who have not decided, each with a further link to their same decision.
import * as z from '../core/zod';
import { anyBar, memberSeatBar } from '../core/seats';
import { keys } from '../core/keys';
import { policyDeputyBar, policyWaitOutcome, type PolicyItem } from '../core/policy';
import { tally } from '../core/review-tally';
import { policyInvitationEmail } from '../core/policy-render';
import { loadSubject } from './shared/resume';
import { remindSeats } from './shared/delegation';
import { decidedOnWords } from '../core/delegation-emails';
import { markRemindersSent } from './shared/review-store';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';

const eventSchema = z.object({ submissionId: z.string().check(z.minLength(1)), remindersSent: z.int().check(z.minimum(0)) });

export const createHandler = (rt: Runtime) => async (event: unknown) => {
  const input = parseEvent(eventSchema, event, 'policy-remind');
  const reminder = input.remindersSent + 1;
  const key = keys.policy(input.submissionId);
  const { subject, decisions } = await loadSubject(rt, key.pk, key.sk);
  if (!subject) throw new WorkflowError('PolicyNotFound', `No submission ${input.submissionId}`);
  const policy = subject as PolicyItem;
  if ((policy.remindersSent ?? 0) >= reminder) return { remindersSent: policy.remindersSent!, reminded: 0 };
  if (policyWaitOutcome(policy, decisions).complete) return { remindersSent: input.remindersSent, reminded: 0 };
  const undecided = tally(policy, decisions, 'policy').undecided.filter((m) => m.decisionId);
  await remindSeats(rt, {
    subjectPk: key.pk,
    reminder,
    members: undecided,
    bar: anyBar(policyDeputyBar(rt.config, policy), memberSeatBar(rt.config, policy.members)),
    what: decidedOnWords({ subjectType: 'policy', subjectId: policy.submissionId }, policy as unknown as Record<string, unknown>),
    fingerprint: { what: 'document' },
    email: (member, to, { url, expiresAt }) =>
      policyInvitationEmail({ unit: rt.config, policy, member: { ...member, ...to }, url, expiresAt, reminder }),
  });
  await markRemindersSent(rt, key, reminder);
  return { remindersSent: reminder, reminded: undecided.length };
};

export const handler = lambdaHandler(createHandler);
