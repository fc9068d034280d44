// The input a review's workflow starts with: the period from a schedule fire in the unit's time zone, on-demand names.
import { describe, expect, it } from 'vitest';
import { reviewStartSchema, resolvePeriod, startReviewInput } from '../../core/review-start';
import { testUnit } from '../support/units';

// The unit of tests/cdk/review-schedule.test.ts, whose schedule fires at 00:30 in Tokyo.
const unit = testUnit({ id: 'sched-unit', timeZone: 'Asia/Tokyo', reviewSchedule: 'cron(30 0 1 1,4,7,10 ? *)' });

describe('ReviewSchedule', () => {
  it("the workflow derives the period from that time in the unit's time zone (00:30 on 1 January in Tokyo is Q1)", () => {
    const fired = reviewStartSchema.parse({ bu: unit.id, scheduledTime: '2026-12-31T15:30:00Z', trigger: 'schedule' });
    expect(resolvePeriod(fired, unit.timeZone)).toBe('2027-Q1');
    expect(resolvePeriod(fired, 'UTC')).toBe('2026-Q4');
  });

  it('startReviewInput names on-demand executions <bu>-<period> and refuses a bad period', () => {
    expect(startReviewInput(unit, '2026-Q4', 'cli')).toEqual({
      name: 'sched-unit-2026-Q4',
      input: { bu: 'sched-unit', period: '2026-Q4', trigger: 'cli' },
    });
    expect(() => startReviewInput(unit, '2026-Q0', 'cli')).toThrow('period: "2026-Q0" is not a period like "2026-Q4"');
    expect(reviewStartSchema.safeParse({ bu: unit.id, trigger: 'cli' }).success).toBe(false);
  });
});
