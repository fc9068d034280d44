import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseEvent } from '../../lambdas/shared/event';

describe('parseEvent', () => {
  const schema = z.object({ reviewId: z.string().min(1), taskToken: z.string().min(8), level: z.number().int() });

  it('returns the parsed event', () => {
    expect(parseEvent(schema, { reviewId: 'r', taskToken: 'abcdefgh', level: 1 }, 'review-await')).toEqual({
      reviewId: 'r',
      taskToken: 'abcdefgh',
      level: 1,
    });
  });

  it('throws InvalidEvent naming the function, each path and its message', () => {
    expect(() => parseEvent(schema, { reviewId: '', taskToken: 'abcdefgh', level: 1.5 }, 'review-await')).toThrow(
      expect.objectContaining({ name: 'InvalidEvent', message: expect.stringMatching(/^review-await: reviewId: .+; level: .+$/) }),
    );
  });

  it('never echoes an input value (a task token stays out of the history and the logs)', () => {
    const token = 'SECRET-TOKEN';
    for (const event of [
      { reviewId: 'r', taskToken: token.slice(0, 5), level: 1 },
      { reviewId: token, taskToken: 42, level: token },
    ]) {
      try {
        parseEvent(schema, event, 'review-await');
        expect.unreachable();
      } catch (err) {
        expect((err as Error).message).not.toMatch(/SECRET/);
      }
    }
  });

  it('takes the error name the workflow catches, and says a field once when the message names it', () => {
    const period = z.object({ period: z.string().regex(/^\d{4}-Q[1-4]$/, { error: 'period: is not a period like "2026-Q4"' }) });
    expect(() => parseEvent(period, { period: 'x' }, 'review-open', 'InvalidReviewInput')).toThrow(
      expect.objectContaining({ name: 'InvalidReviewInput', message: 'review-open: period: is not a period like "2026-Q4"' }),
    );
  });
});
