// The ISMS manager's review inputs: the example file is valid; unknown, missing and bad fields are each named.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_INPUT_CHARS, parseReviewInputs, ReviewInputsError } from '../../core/review-inputs';

const example = JSON.parse(readFileSync(path.join(import.meta.dirname, '../../config/examples/review-inputs.json'), 'utf8'));

function problems(raw: unknown): string[] {
  try {
    parseReviewInputs(raw);
  } catch (err) {
    if (err instanceof ReviewInputsError) return err.problems;
    throw err;
  }
  return [];
}

describe('review inputs', () => {
  it('accepts the shipped example', () => {
    expect(problems(example)).toEqual([]);
    expect(parseReviewInputs(example).performance.auditResults).toHaveLength(2);
  });

  it('names every unknown field, at any depth', () => {
    const raw = { ...example, budget: 'x', performance: { ...example.performance, kpis: [] } };
    expect(problems(raw).sort()).toEqual(['budget: is not a known field', 'performance.kpis: is not a known field']);
  });

  it('names every missing field', () => {
    const { risk: _risk, ...rest } = example;
    const { auditResults: _a, ...performance } = example.performance;
    expect(problems({ ...rest, performance }).sort()).toEqual([
      'performance.auditResults: is required (array)',
      'risk: is required (object)',
    ]);
  });

  it('names wrong types and empty points with their position', () => {
    const raw = { ...example, interestedPartiesFeedback: 'good', improvementOpportunities: ['ok', '   '] };
    expect(problems(raw).sort()).toEqual([
      'improvementOpportunities[1]: must not be empty',
      'interestedPartiesFeedback: "good" is not an array',
    ]);
  });

  it('refuses inputs too large for the pack, and a file that is not an object', () => {
    const big = { ...example, improvementOpportunities: Array.from({ length: 30 }, () => 'x'.repeat(2000)) };
    expect(problems(big)).toEqual([expect.stringContaining(`at most ${MAX_INPUT_CHARS}`)]);
    expect(problems([1, 2])).toEqual(['(file): [1,2] is not an object']);
  });

  it('empty lists are valid: that part has nothing to report', () => {
    const empty = JSON.parse(JSON.stringify(example), (_k, v) => (Array.isArray(v) ? [] : v));
    expect(problems(empty)).toEqual([]);
  });
});
