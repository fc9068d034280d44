// What a person plausibly types for a period, an amount or a category: accepted when it means one thing, otherwise
// answered with the form to use. The workflow's own schemas stay strict; only the CLI reads people's spellings.
import { nextPeriod, PERIOD_PATTERN, periodOf, previousPeriod } from '../core/period';
import { monthsBetween } from '../lambdas/shared/evidence';

const RELATIVE = ['CURRENT', 'NEXT', 'PREVIOUS'];

/**
 * A period in any case ("2026-q3") is that period; "current", "next" and "previous" are kept as words for
 * resolvePeriod (they need the unit's time zone); "Q3 2026", "2026 Q3", "Q3/2026" get the form to use.
 */
export function readPeriod(flag: string, input: string): { value: string } | { problem: string } {
  const upper = input.trim().toUpperCase();
  if (PERIOD_PATTERN.test(upper) || RELATIVE.includes(upper)) return { value: upper };
  const m = /^Q([1-4])[\s/_-]*(\d{4})$/.exec(upper) ?? /^(\d{4})[\s/_]*Q([1-4])$/.exec(upper);
  if (m) {
    const [year, quarter] = m[1].length === 4 ? [m[1], m[2]] : [m[2], m[1]];
    return { problem: `${flag}: ${JSON.stringify(input)} is not a period like "2026-Q4"; did you mean ${year}-Q${quarter}?` };
  }
  return { problem: `${flag}: ${JSON.stringify(input)} is not a period like "2026-Q4"` };
}

/** The period a value of readPeriod names: "NEXT" is the quarter after the current one in the unit's time zone. */
export function resolvePeriod(value: string, timeZone: string, now = new Date()): string {
  const current = periodOf(now, timeZone);
  if (value === 'CURRENT') return current;
  if (value === 'NEXT') return nextPeriod(current);
  if (value === 'PREVIOUS') return previousPeriod(current);
  return value;
}

/**
 * An amount written with thousands separators ("25,000", "25 000", "25'000", "25.000,50") is not read as a number:
 * "25,000" could be 25 or 25000 depending on who wrote it. The answer says what to type.
 */
export function amountProblem(input: string): string | undefined {
  const t = input.trim();
  if (!/^\d{1,3}([,.' \u00a0\u202f]\d{3})+([.,]\d{1,2})?$/.test(t)) return undefined;
  const digits = t.replace(/[,.' \u00a0\u202f](?=\d{3}(\D|$))/g, '').replace(',', '.');
  return `--amount: ${JSON.stringify(input)} has a thousands separator; use ${digits} (digits, and a "." before cents)`;
}

/** A category in any case ("Equipment") is that category; the schema answers anything else with the list. */
export const readCategory = (input: unknown) => (typeof input === 'string' ? input.trim().toLowerCase() : input);

const MONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const monthOf = (d: Date) => d.toISOString().slice(0, 7);

/**
 * --from and --to of the evidence export and the report: months YYYY-MM, by default the last 12 months to this one;
 * every problem named with its flag (an empty list when the range holds).
 */
export function readMonthRange(values: { from?: string; to?: string }, now = new Date()): { from: string; to: string; problems: string[] } {
  const to = values.to ?? monthOf(now);
  const from = values.from ?? monthOf(new Date(Date.UTC(now.getUTCFullYear() - 1, now.getUTCMonth() + 1, 1)));
  const problems: string[] = [];
  for (const [flag, v] of [
    ['--from', from],
    ['--to', to],
  ] as const) {
    if (!MONTH.test(v)) problems.push(`${flag}: ${JSON.stringify(v)} is not a month like "2026-11"`);
  }
  if (!problems.length) {
    try {
      monthsBetween(from, to);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  return { from, to, problems };
}
