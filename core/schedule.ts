// EventBridge Scheduler expressions: validation, and the translation the local scheduler needs.
import { Cron } from 'croner';

const DOW_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/**
 * Translates `cron(min hour dom month dow year)` (AWS: day-of-week 1-7 = SUN-SAT, a year field)
 * into a croner pattern (day-of-week 0-6 = SUN-SAT, no year). Numbers in the day-of-week field
 * become names so that the off-by-one between the two conventions cannot slip through.
 */
export function toCronerPattern(expression: string): { pattern: string; years?: string } {
  const match = /^cron\((.+)\)$/.exec(expression.trim());
  if (!match) throw new Error(`"${expression}" is not a cron(...) expression`);
  const fields = match[1].trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new Error(`"${expression}" must have 6 fields: minutes hours day-of-month month day-of-week year`);
  }
  const [min, hour, dom, month, dow, year] = fields;
  if (dom !== '?' && dow !== '?') {
    throw new Error(`"${expression}": one of day-of-month and day-of-week must be "?"`);
  }
  if (dom === '?' && dow === '?') {
    throw new Error(`"${expression}": day-of-month and day-of-week cannot both be "?"`);
  }
  const dowNamed = dow.replace(/\d+/g, (n, offset: number, whole: string) => {
    // "#3" (nth weekday) keeps its number; only weekday numbers are translated.
    if (whole[offset - 1] === '#') return n;
    const i = Number(n);
    if (i < 1 || i > 7) throw new Error(`"${expression}": day-of-week ${n} is outside 1-7 (SUN-SAT)`);
    return DOW_NAMES[i - 1];
  });
  return { pattern: `${min} ${hour} ${dom} ${month} ${dowNamed}`, years: year === '*' ? undefined : year };
}

/**
 * The form of a schedule expression, without croner: rate(...), at(...), or a cron(...) that toCronerPattern accepts.
 * Returns the croner pattern of a cron expression. Throws a message naming what is wrong.
 */
export function checkScheduleForm(expression: string): string | undefined {
  if (/^rate\(\s*[1-9]\d*\s+(minute|minutes|hour|hours|day|days)\s*\)$/.test(expression)) return undefined;
  if (/^at\(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\)$/.test(expression)) return undefined;
  if (!expression.startsWith('cron(')) {
    throw new Error(`"${expression}" is not a schedule expression: use cron(...), rate(...) or at(...)`);
  }
  return toCronerPattern(expression).pattern;
}

/** Throws a message naming what is wrong; accepts cron(...), rate(...) and at(...), and has croner parse a cron's fields. */
export function validateScheduleExpression(expression: string, timeZone: string): void {
  const pattern = checkScheduleForm(expression);
  if (pattern === undefined) return;
  try {
    new Cron(pattern, { timezone: timeZone, paused: true }).stop();
  } catch (err) {
    throw new Error(`"${expression}" is not a valid cron expression (${(err as Error).message})`);
  }
}

/** The next fire time after `from`, for cron expressions only (what the local scheduler runs). */
export function nextFire(expression: string, timeZone: string, from: Date): Date | null {
  const { pattern, years } = toCronerPattern(expression);
  const cron = new Cron(pattern, { timezone: timeZone, paused: true });
  let at: Date | null = cron.nextRun(from);
  // The year field is rare; honour a plain list or range of years by skipping the others, and stop after the last
  // (croner would go on to its own limit, centuries of fires away).
  const last = years ? Math.max(...years.split(/[,-]/).map(Number)) : Number.POSITIVE_INFINITY;
  while (at && years && !yearMatches(years, at.getUTCFullYear())) at = at.getUTCFullYear() > last ? null : cron.nextRun(at);
  cron.stop();
  return at;
}

/**
 * The next `count` fire times after `from` as ISO instants, for cron expressions (none for rate(...) and at(...)).
 * review-open stores them on the review so that review-close dates the actions without a cron parser in its bundle.
 */
export function upcomingFires(expression: string, timeZone: string, from: Date, count: number): string[] {
  if (!expression.startsWith('cron(')) return [];
  const fires: string[] = [];
  for (let at = nextFire(expression, timeZone, from); at && fires.length < count; at = nextFire(expression, timeZone, at)) {
    fires.push(at.toISOString());
  }
  return fires;
}

function yearMatches(years: string, year: number): boolean {
  return years.split(',').some((part) => {
    const [lo, hi] = part.split('-').map(Number);
    return hi === undefined ? year === lo : year >= lo && year <= hi;
  });
}
