// Reminds the members who have not decided, each with a further link to their same decision.
import * as z from '../core/zod';
import { recordEvent } from './shared/audit';
import { keys } from '../core/keys';
import { loadSubject } from './shared/resume';
import { reviewWaitOutcome, tally } from '../core/review-tally';
import { reminderEmail } from '../core/review-emails';
import { markRemindersSent, type StoredReview } from './shared/review-store';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';
import { absentToday, sendSeatEmail } from './shared/delegation';

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
  // Absences are read when the reminder runs: one that started while the review waits passes the seat now (issue 15).
  const absent = await absentToday(rt);
  for (const member of undecided) {
    const decisionId = member.decisionId!;
    // A retry of this step (SES throttled at a later member) skips the members its first attempt reminded.
    const result = await sendSeatEmail(rt, {
      subjectPk: key.pk,
      message: `reminder-${reminder}`,
      about: { role: 'member', decisionId },
      seatId: decisionId,
      member,
      absent,
      stage: { kind: 'reminder', reminder },
      what: `the management review ${review.period}`,
      fingerprint: { what: 'pack' },
      email: (to, { url, expiresAt }) => reminderEmail({ unit: rt.config, review, member: { ...member, ...to }, reminder, url, expiresAt }),
    });
    // The seat's link is gone or stopped (closed, escalated away): nobody to remind.
    if (!result) continue;
    // One event per member and reminder number, keyed by the send: a retry rewrites the same event.
    await recordEvent(rt, {
      type: 'reminder.sent',
      subjectPk: key.pk,
      actor: 'system',
      at: result.sent.sentAt,
      eventId: `reminder-${reminder}-${decisionId}`,
      detail: {
        reminder,
        recipient: result.to.email,
        decisionId,
        sesMessageId: result.sent.sesMessageId,
        ...(result.actingFor ? { actingFor: member.email } : {}),
      },
    });
  }
  await markRemindersSent(rt, reviewId, reminder);
  return { remindersSent: reminder, reminded: undecided.length };
};

export const handler = lambdaHandler(createHandler);
