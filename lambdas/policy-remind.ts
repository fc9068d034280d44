// Reminds the members who have not decided, each with a further link to their same decision.
import * as z from '../core/zod';
import { keys } from '../core/keys';
import { policyWaitOutcome, type PolicyItem } from '../core/policy';
import { tally } from '../core/review-tally';
import { policyInvitationEmail } from '../core/policy-render';
import { recordEvent } from './shared/audit';
import { getLink, reissueLink } from './shared/links';
import { loadSubject } from './shared/resume';
import { sendPersonalOnce } from './shared/sent-store';
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
  for (const member of undecided) {
    const decisionId = member.decisionId!;
    const link = await getLink(rt, decisionId);
    if (!link || link.supersededAt) continue;
    const sent = await sendPersonalOnce(
      rt,
      { subjectPk: key.pk, message: `reminder-${reminder}`, recipient: member.email, about: { role: 'member', decisionId } },
      async () => {
        const { url, expiresAt } = await reissueLink(rt, decisionId, { kind: 'reminder', reminder });
        return policyInvitationEmail({ unit: rt.config, policy, member, url, expiresAt, reminder });
      },
    );
    await recordEvent(rt, {
      type: 'reminder.sent',
      subjectPk: key.pk,
      actor: 'system',
      at: sent.sentAt,
      eventId: `reminder-${reminder}-${decisionId}`,
      detail: { reminder, recipient: member.email, decisionId, sesMessageId: sent.sesMessageId },
    });
  }
  await markRemindersSent(rt, key, reminder);
  return { remindersSent: reminder, reminded: undecided.length };
};

export const handler = lambdaHandler(createHandler);
