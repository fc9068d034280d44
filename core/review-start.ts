// Starting a management review (9.3): what starts its workflow, the execution's name, the review item it opens. No AWS here.
import * as z from './zod';
import type { BusinessUnitConfig } from './config';
import { PERIOD_PATTERN, periodOf, reviewIdOf } from './period';
import { gsi1, keys } from './keys';
import type { ReviewItem, ReviewStatus } from './subjects';

/** What starts the workflow: a period, or the schedule's time (the period is then derived in the unit's time zone). */
export const reviewStartSchema = z
  .object({
    bu: z.string().check(z.minLength(1)),
    period: z.optional(
      z.string().check(z.regex(PERIOD_PATTERN, { error: (iss) => `period: ${JSON.stringify(iss.input)} is not a period like "2026-Q4"` })),
    ),
    scheduledTime: z.optional(z.iso.datetime({ offset: true })),
    trigger: z._default(z.string().check(z.minLength(1), z.maxLength(40)), 'manual'),
    /** A restart (`isms review start` on a review whose workflow failed): the ARN of the failed execution it takes over from. */
    restartOf: z.optional(z.string().check(z.minLength(1), z.maxLength(2048))),
  })
  .check(z.refine((i) => i.period !== undefined || i.scheduledTime !== undefined, { error: 'either period or scheduledTime is required' }));
export type ReviewStartInput = z.output<typeof reviewStartSchema>;

export type ReviewTrigger = 'schedule' | 'cli' | 'local-start' | (string & {});

/**
 * The execution input (and, for a known period, its name `<bu>-<period>`, which makes a repeated start idempotent):
 * one builder for the CLI, the local scheduler and `npm start`. The EventBridge schedule passes `{ scheduledTime }`
 * because the period is only known when it fires; Scheduler cannot name executions, so there the review key alone
 * keeps a duplicate fire from opening a second review.
 */
export function startReviewInput(
  unit: Pick<BusinessUnitConfig, 'id'>,
  period: string | { scheduledTime: string },
  trigger: ReviewTrigger,
): { name?: string; input: { bu: string; period?: string; scheduledTime?: string; trigger: string } } {
  if (typeof period === 'string') {
    reviewIdOf(unit.id, period); // throws a message naming the period when it is malformed
    return { name: reviewExecutionName(unit.id, period), input: { bu: unit.id, period, trigger } };
  }
  return { input: { bu: unit.id, scheduledTime: period.scheduledTime, trigger } };
}

export function reviewExecutionName(bu: string, period: string): string {
  return `${bu}-${period}`;
}

/**
 * The input and name of a restart: `<bu>-<period>-restart-<n>`, with n the review's stored restart count + 1
 * (the CLI moves on to n + 1 only when an earlier restart with that name closed before it took the review over).
 * A repeated start with the same name does not start a second execution.
 */
export function restartReviewInput(
  unit: Pick<BusinessUnitConfig, 'id'>,
  period: string,
  failedExecution: string,
  n: number,
  trigger: ReviewTrigger,
): { name: string; input: { bu: string; period: string; trigger: string; restartOf: string } } {
  reviewIdOf(unit.id, period);
  return {
    name: `${reviewExecutionName(unit.id, period)}-restart-${n}`,
    input: { bu: unit.id, period, trigger, restartOf: failedExecution },
  };
}

/** The period the review is for: given, or the quarter the schedule fired in (unit's time zone). */
export function resolvePeriod(input: ReviewStartInput, timeZone: string): string {
  if (input.period) return input.period;
  return periodOf(new Date(input.scheduledTime!), timeZone);
}

export function newReviewItem(
  unit: BusinessUnitConfig,
  period: string,
  trigger: string,
  openedAt: string,
  executionId: string,
  required: number,
  nextReviews: string[],
): ReviewItem & { executionId: string } {
  const id = reviewIdOf(unit.id, period);
  return {
    ...keys.review(id),
    sk: 'REVIEW',
    kind: 'review',
    ...gsi1.reviews(period),
    gsi1pk: 'REVIEWS',
    reviewId: id,
    bu: unit.id,
    period,
    status: 'open',
    openedAt,
    trigger,
    nextReviews,
    requiredApprovals: required,
    members: unit.topManagement.map((m) => ({ name: m.name, email: m.email, role: m.role, ...(m.chair ? { chair: true } : {}) })),
    remindersSent: 0,
    executionId,
  };
}

export const TERMINAL_STATUSES: readonly ReviewStatus[] = ['approved', 'not-approved', 'not-held-on-time'];
