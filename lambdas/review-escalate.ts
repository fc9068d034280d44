// After the last reminder: emails the escalation contacts and marks the review overdue; the links keep working.
import * as z from '../core/zod';
import { recordEvent } from './shared/audit';
import { keys } from '../core/keys';
import { extendLink, linkExpiry } from './shared/links';
import { loadSubject } from './shared/resume';
import { reviewWaitOutcome, tally } from '../core/review-tally';
import { escalationEmail } from '../core/review-emails';
import { markEscalated, markEscalationEmailed, type StoredReview } from './shared/review-store';
import { sendOnce } from './shared/sent-store';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';
import { count } from './shared/observability';
import { METRIC } from '../core/metrics';

const eventSchema = z.object({ reviewId: z.string().check(z.minLength(1)) });

export const createHandler = (rt: Runtime) => async (event: unknown) => {
  const input = parseEvent(eventSchema, event, 'review-escalate');
  const key = keys.review(input.reviewId);
  // A quorum recorded as the wait timed out (its resume met a stale token): nobody is overdue; the next wait resumes at once.
  const before = await loadSubject(rt, key.pk, key.sk);
  if (before.subject && !before.subject.escalatedAt && reviewWaitOutcome(before.subject, before.decisions).complete) {
    return { escalatedAt: undefined, undecided: tally(before.subject as StoredReview, before.decisions).undecided.length };
  }
  const review = await markEscalated(rt, input.reviewId, rt.now().toISOString());
  if (!review) throw new WorkflowError('ReviewNotWaiting', `${input.reviewId} does not exist or is closed`);
  const { decisions } = await loadSubject(rt, key.pk, key.sk);
  const t = tally(review, decisions);
  // The links work until the wait after this escalation ends, and the email says so. From now, not the stored
  // escalatedAt: a restarted review escalates again, a whole lifetime after its first escalation.
  const expiresAt = linkExpiry(rt, { kind: 'escalation' }).toISOString();
  for (const member of t.undecided) {
    if (member.decisionId) await extendLink(rt, member.decisionId, expiresAt);
  }
  const contacts = rt.config.escalationContacts.map((c) => c.email);
  if (!review.escalationEmailedAt) {
    const email = escalationEmail({
      unit: rt.config,
      review,
      undecided: t.undecided,
      approvals: t.approvals,
      remindersSent: review.remindersSent ?? 0,
      expiresAt,
    });
    // Per contact: a retry after SES throttled the second contact does not email the first again.
    await sendOnce(rt, { subjectPk: key.pk, message: 'escalation', about: { role: 'notice' } }, email);
    await markEscalationEmailed(rt, input.reviewId, rt.now().toISOString());
  }
  const detail = { escalatedTo: contacts, undecided: t.undecided.map((m) => m.email), approvals: t.approvals, required: t.required };
  await recordEvent(rt, {
    type: 'review.escalated',
    subjectPk: key.pk,
    actor: 'system',
    at: review.escalatedAt,
    eventId: 'escalated',
    detail,
  });
  const overdueNow = await recordEvent(rt, {
    type: 'review.overdue',
    subjectPk: key.pk,
    actor: 'system',
    at: review.escalatedAt,
    eventId: 'overdue',
    detail: { status: 'overdue', linksExpireAt: expiresAt },
  });
  if (overdueNow) count(rt, METRIC.reviewsOverdue);
  return { escalatedAt: review.escalatedAt, undecided: t.undecided.length };
};

export const handler = lambdaHandler(createHandler);
