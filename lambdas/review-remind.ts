// Reminds the members who have not decided, each with a further link to their same decision.
import * as z from '../core/zod';
import { memberSeatBar } from '../core/seats';
import { keys } from '../core/keys';
import { loadSubject } from './shared/resume';
import { reviewWaitOutcome, tally } from '../core/review-tally';
import { reminderEmail } from '../core/review-emails';
import { markRemindersSent, type StoredReview } from './shared/review-store';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';
import { remindSeats } from './shared/delegation';

const eventSchema = z.object({ reviewId: z.string().check(z.minLength(1)), remindersSent: z.int().check(z.minimum(0)) });

export const createHandler = (rt: Runtime) => async (event: unknown) => {
  const input = parseEvent(eventSchema, event, 'review-remind');
  const { reviewId } = input;
  const reminder = input.remindersSent + 1;
  const key = keys.review(reviewId);
  const { subject, decisions } = await loadSubject(rt, key.pk, key.sk);
  if (!subject) throw new WorkflowError('ReviewNotFound', `No review ${reviewId}`);
  const review = subject as StoredReview;
  // A retry after this reminder went out sends nothing again.
  if ((review.remindersSent ?? 0) >= reminder) return { remindersSent: review.remindersSent!, reminded: 0 };
  // The tally completed while no wait was open: the next wait resumes at once, so nobody needs reminding.
  if (reviewWaitOutcome(review, decisions).complete) return { remindersSent: input.remindersSent, reminded: 0 };

  const undecided = tally(review, decisions).undecided.filter((m) => m.decisionId);
  await remindSeats(rt, {
    subjectPk: key.pk,
    reminder,
    members: undecided,
    bar: memberSeatBar(rt.config, review.members),
    what: `the management review ${review.period}`,
    fingerprint: { what: 'pack' },
    email: (member, to, { url, expiresAt }) =>
      reminderEmail({ unit: rt.config, review, member: { ...member, ...to }, reminder, url, expiresAt }),
  });
  await markRemindersSent(rt, reviewId, reminder);
  return { remindersSent: reminder, reminded: undecided.length };
};

export const handler = lambdaHandler(createHandler);
