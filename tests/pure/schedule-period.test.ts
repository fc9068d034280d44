// Review periods and schedule expressions, in the unit's own time zone.
import { describe, expect, it } from 'vitest';
import { nextFire, toCronerPattern, validateScheduleExpression } from '../../core/schedule';
import { nextPeriod, periodOf, periodStart, previousPeriod, reviewIdOf } from '../../core/period';

describe('periods', () => {
  it('derive the quarter in the unit time zone, not UTC', () => {
    const newYearInTokyo = new Date('2026-12-31T15:30:00Z');
    expect(periodOf(newYearInTokyo, 'Asia/Tokyo')).toBe('2027-Q1');
    expect(periodOf(newYearInTokyo, 'Europe/Berlin')).toBe('2026-Q4');
  });

  it('step forward and back across years', () => {
    expect(nextPeriod('2026-Q4')).toBe('2027-Q1');
    expect(previousPeriod('2027-Q1')).toBe('2026-Q4');
    expect(periodStart('2027-Q2')).toBe('2027-04-01');
    expect(reviewIdOf('example-emea', '2026-Q4')).toBe('example-emea#2026-Q4');
    expect(() => reviewIdOf('example-emea', '2026-Q5')).toThrow('period: "2026-Q5" is not a period like "2026-Q4"');
  });
});

describe('schedule expressions', () => {
  it('translate AWS day-of-week numbers (1 = SUN) into names', () => {
    expect(toCronerPattern('cron(0 9 ? * 2 *)').pattern).toBe('0 9 ? * MON');
    expect(toCronerPattern('cron(0 10 ? 1,4,7,10 2#1 *)').pattern).toBe('0 10 ? 1,4,7,10 MON#1');
  });

  it('fire quarterly at 09:00 in the unit time zone', () => {
    const at = nextFire('cron(0 9 1 1,4,7,10 ? *)', 'Europe/Berlin', new Date('2026-11-27T12:00:00Z'));
    expect(at?.toISOString()).toBe('2027-01-01T08:00:00.000Z');
  });

  it('honour the year field', () => {
    const at = nextFire('cron(0 9 1 1,4,7,10 ? 2028)', 'UTC', new Date('2026-11-27T12:00:00Z'));
    expect(at?.toISOString()).toBe('2028-01-01T09:00:00.000Z');
    // After the last year listed there is no fire (found at once, not by skipping croner's fires up to its own limit).
    expect(nextFire('cron(0 9 1 1,4,7,10 ? 2027,2028)', 'UTC', new Date('2028-10-01T10:00:00Z'))).toBeNull();
    expect(nextFire('cron(0 9 1 1,4,7,10 ? 2026-2027)', 'UTC', new Date('2027-10-01T10:00:00Z'))).toBeNull();
  });

  it('take a step of years as EventBridge does, and refuse a year field it would not take, naming the part', () => {
    const every2 = (from: string) => nextFire('cron(0 9 1 1 ? 2026/2)', 'UTC', new Date(from))?.toISOString();
    expect(every2('2026-06-01T00:00:00Z')).toBe('2028-01-01T09:00:00.000Z');
    // */3 counts from 1970, the first year AWS takes: 2027 is 1970 + 57.
    expect(nextFire('cron(0 9 1 1 ? */3)', 'UTC', new Date('2026-06-01T00:00:00Z'))?.toISOString()).toBe('2027-01-01T09:00:00.000Z');
    for (const year of ['20x', '1969', '2200', '2029-2027', '2026/0', '2026-2030/2']) {
      expect(() => validateScheduleExpression(`cron(0 9 1 1 ? ${year})`, 'UTC'), year).toThrow(
        `year ${year} is not a year, a range or a step of years within 1970-2199`,
      );
    }
  });

  it('accept rate and at, and refuse the rest with a reason', () => {
    expect(() => validateScheduleExpression('rate(7 days)', 'UTC')).not.toThrow();
    expect(() => validateScheduleExpression('at(2027-01-01T09:00:00)', 'UTC')).not.toThrow();
    expect(() => validateScheduleExpression('cron(0 9 * * *)', 'UTC')).toThrow('must have 6 fields');
    expect(() => validateScheduleExpression('cron(0 9 ? * 8 *)', 'UTC')).toThrow('day-of-week 8 is outside 1-7');
  });
});
