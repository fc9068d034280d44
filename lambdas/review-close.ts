// Closes the review: minutes (HTML and JSON) stored and emailed, actions created, the outcome recorded. Safe to retry.
import * as z from '../core/zod';
import { recordEvent } from './shared/audit';
import { keys } from '../core/keys';
import { awaitInFlight, seatIds, stopSeats } from './shared/links';
import { loadSubject } from './shared/resume';
import { reviewWaitOutcome, tally, type ReviewOutcome } from '../core/review-tally';
import { actionItem, buildMinutes, type Minutes } from '../core/review-minutes';
import { renderMinutesHtml, renderMinutesText } from '../core/review-render';
import { minutesEmail } from '../core/review-emails';
import {
  fixClosing,
  getMinutes,
  getPack,
  markMinutesEmailed,
  markReviewClosed,
  requireReview,
  storeMinutesOnce,
  type StoredReview,
} from './shared/review-store';
import { createAction } from './shared/actions';
import { lambdaHandler, WorkflowError, type Runtime } from './shared/runtime';
import { parseEvent } from './shared/event';
import { sendOnce } from './shared/sent-store';
import { count } from './shared/observability';
import { METRIC } from '../core/metrics';

/** `outcome` is what the workflow's path says: a tally it read (ReadTally), or not-held-on-time when the links expired. */
const eventSchema = z.object({
  reviewId: z.string().check(z.minLength(1)),
  outcome: z.enum(['approved', 'not-approved', 'not-held-on-time']),
});

/**
 * The outcome from the recorded decisions (docs/architecture.md#outcomes-only-from-stored-decisions). When the links expired, the undecided members' links stop
 * first and the tally is read after: a decision recorded during the last wait, whose resume failed, still counts
 * (issue 9, finding 4). An outcome the tally does not support is refused before anything changes.
 */
async function outcomeFromTable(rt: Runtime, review: StoredReview, claimed: ReviewOutcome): Promise<ReviewOutcome> {
  const key = keys.review(review.reviewId);
  let { decisions } = await loadSubject(rt, key.pk, key.sk);
  let now = reviewWaitOutcome(review, decisions);
  if (claimed !== 'not-held-on-time' && now.output.outcome !== claimed) {
    rt.logger.error('review-close refused: the outcome is not supported by the recorded decisions', {
      reviewId: review.reviewId,
      claimed,
      tally: now.output,
    });
    throw new WorkflowError(
      'OutcomeNotSupported',
      `${review.reviewId} cannot close ${claimed}: the recorded decisions give ${now.complete ? now.output.outcome : 'no outcome yet'} (${now.output.approvals} of ${now.output.required} approvals)`,
    );
  }
  if (now.complete) return now.output.outcome as ReviewOutcome;
  const inFlight = await stopSeats(rt, seatIds(tally(review, decisions).undecided), 'the review closed before this decision');
  ({ decisions } = await loadSubject(rt, key.pk, key.sk));
  awaitInFlight(inFlight, decisions, review.reviewId);
  now = reviewWaitOutcome(review, decisions);
  return now.complete ? (now.output.outcome as ReviewOutcome) : 'not-held-on-time';
}

export const createHandler = (rt: Runtime) => async (event: unknown) => {
  const input = parseEvent(eventSchema, event, 'review-close');
  const { reviewId } = input;
  const key = keys.review(reviewId);
  const current = await requireReview(rt, reviewId);
  // A retry finds the outcome the first attempt fixed from the table.
  const computed = (current.outcome as ReviewOutcome | undefined) ?? (await outcomeFromTable(rt, current, input.outcome));
  // The first attempt fixes the closing time and outcome; a retry reuses both, so the minutes come out the same.
  const review = await fixClosing(rt, reviewId, { at: rt.now().toISOString(), outcome: computed });
  if (!review) throw new WorkflowError('ReviewNotFound', `No review ${reviewId}`);
  const closedAt = review.closingAt;
  const outcome = review.outcome;

  let stored = await getMinutes(rt, reviewId);
  if (!stored) {
    // Links of members who did not decide stop working, so that no decision arrives that the minutes cannot show.
    const before = await loadSubject(rt, key.pk, key.sk);
    const inFlight = await stopSeats(
      rt,
      seatIds(tally(review, before.decisions).undecided),
      `the review closed (${outcome}) before this decision`,
    );
    const { decisions } = await loadSubject(rt, key.pk, key.sk);
    awaitInFlight(inFlight, decisions, reviewId);
    const pack = await getPack(rt, reviewId);
    if (!pack) throw new WorkflowError('PackNotFound', `${reviewId} has no pack`);
    const minutes = buildMinutes({ unit: rt.config, review, pack, decisions, outcome, closedAt });
    const rendered = {
      minutes,
      html: renderMinutesHtml(minutes, rt.config.timeZone),
      text: renderMinutesText(minutes, rt.config.timeZone),
    };
    stored = (await storeMinutesOnce(rt, reviewId, rendered)) ? rendered : await getMinutes(rt, reviewId);
    if (!stored) throw new WorkflowError('MinutesNotFound', `The minutes of ${reviewId} were reported as existing but cannot be read`);
  }
  const minutes: Minutes = stored.minutes;

  for (const a of minutes.actions) {
    if (await createAction(rt, actionItem(minutes, a, closedAt))) {
      rt.logger.info('action created', { actionId: a.actionId });
    }
    await recordEvent(rt, {
      type: 'action.created',
      subjectPk: key.pk,
      actor: 'system',
      at: closedAt,
      eventId: `action-${a.actionId}`,
      detail: { actionId: a.actionId, title: a.title, owner: a.owner.email, dueDate: a.dueDate, source: a.source },
    });
  }

  if (!review.minutesEmailedAt) {
    // Per recipient: a retry after SES throttled at the n-th copy sends only the copies not yet marked.
    await sendOnce(rt, { subjectPk: key.pk, message: 'minutes', about: { role: 'minutes' } }, minutesEmail(rt.config, minutes, stored));
    await markMinutesEmailed(rt, reviewId, rt.now().toISOString());
  }

  await markReviewClosed(rt, reviewId, { outcome, closedAt });
  // Counted once: a retry finds the event written and counts nothing.
  const closedNow = await recordEvent(rt, {
    type: `review.${outcome}`,
    subjectPk: key.pk,
    actor: 'system',
    at: closedAt,
    eventId: 'closed',
    detail: { outcome, approvals: minutes.approvals, required: minutes.requiredApprovals, actions: minutes.actions.map((a) => a.actionId) },
  });
  if (closedNow) count(rt, METRIC.reviewsClosed);
  return { reviewId, outcome, closedAt, approvals: minutes.approvals, actions: minutes.actions.length };
};

export const handler = lambdaHandler(createHandler);
