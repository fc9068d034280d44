// Review periods ("2026-Q4") and the deterministic review key that makes opening idempotent.
export const PERIOD_PATTERN = /^(\d{4})-Q([1-4])$/;

/** The quarter that `at` falls in, in the unit's time zone (a review fired at 00:30 on 1 Jan in Tokyo is Q1). */
export function periodOf(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' }).formatToParts(at);
  const year = parts.find((p) => p.type === 'year')!.value;
  const month = Number(parts.find((p) => p.type === 'month')!.value);
  return `${year}-Q${Math.floor((month - 1) / 3) + 1}`;
}

export function parsePeriod(period: string): { year: number; quarter: number } {
  const match = PERIOD_PATTERN.exec(period);
  if (!match) throw new Error(`period: "${period}" is not a period like "2026-Q4"`);
  return { year: Number(match[1]), quarter: Number(match[2]) };
}

export function nextPeriod(period: string): string {
  const { year, quarter } = parsePeriod(period);
  return quarter === 4 ? `${year + 1}-Q1` : `${year}-Q${quarter + 1}`;
}

export function previousPeriod(period: string): string {
  const { year, quarter } = parsePeriod(period);
  return quarter === 1 ? `${year - 1}-Q4` : `${year}-Q${quarter - 1}`;
}

/** First day of the period (YYYY-MM-DD): the due date of actions decided in the period before. */
export function periodStart(period: string): string {
  const { year, quarter } = parsePeriod(period);
  return `${year}-${String((quarter - 1) * 3 + 1).padStart(2, '0')}-01`;
}

export function reviewIdOf(bu: string, period: string): string {
  parsePeriod(period);
  return `${bu}#${period}`;
}
