// EventBridge Scheduler expressions: validation, and the translation the local scheduler needs.
import { Cron } from 'croner';

const DOW_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/**
 * Translates `cron(min hour dom month dow year)` (AWS: day-of-week 1-7 = SUN-SAT, a year field)
 * into a croner pattern (day-of-week 0-6 = SUN-SAT, no year). Numbers in the day-of-week field
 * become names so that the off-by-one between the two conventions cannot slip through.
 */
export function toCronerPattern(expression: string): { pattern: string; years?: YearField } {
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
  return { pattern: `${min} ${hour} ${dom} ${month} ${dowNamed}`, years: year === '*' ? undefined : yearField(expression, year) };
}

/** The year field of an AWS cron expression: which years match, and the last one that can (2199, AWS's limit). */
export interface YearField {
  matches: (year: number) => boolean;
  last: number;
}

const FIRST_YEAR = 1970;
const LAST_YEAR = 2199;

/** `2027`, `2027-2029`, `2026/2`, `*\/2` and comma lists of them, as EventBridge takes them; anything else names the part. */
function yearField(expression: string, field: string): YearField {
  const parts = field.split(',').map((part) => {
    const m = /^(?:(\d{4})(?:-(\d{4}))?|(\d{4}|\*)\/([1-9]\d{0,2}))$/.exec(part);
    const [lo, hi] = m?.[1] ? [Number(m[1]), Number(m[2] ?? m[1])] : [m?.[3] === '*' ? FIRST_YEAR : Number(m?.[3]), LAST_YEAR];
    if (!m || lo < FIRST_YEAR || hi > LAST_YEAR || hi < lo) {
      throw new Error(`"${expression}": year ${part} is not a year, a range or a step of years within ${FIRST_YEAR}-${LAST_YEAR}`);
    }
    const step = m[4] ? Number(m[4]) : 1;
    return { matches: (y: number) => y >= lo && y <= hi && (y - lo) % step === 0, last: hi };
  });
  return { matches: (y) => parts.some((p) => p.matches(y)), last: Math.max(...parts.map((p) => p.last)) };
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

/**
 * The fire times after `from`, for cron expressions only, from one croner instance. The year field is rare: fires in
 * other years are skipped, and none come after its last year (croner would go on to its own limit, centuries away).
 */
function* fires(expression: string, timeZone: string, from: Date): Generator<Date> {
  const { pattern, years } = toCronerPattern(expression);
  const cron = new Cron(pattern, { timezone: timeZone, paused: true });
  try {
    for (let at = cron.nextRun(from); at; at = cron.nextRun(at)) {
      if (years && at.getUTCFullYear() > years.last) return;
      if (!years || years.matches(at.getUTCFullYear())) yield at;
    }
  } finally {
    cron.stop();
  }
}

/** The next fire time after `from`, for cron expressions only (what the local scheduler runs). */
export function nextFire(expression: string, timeZone: string, from: Date): Date | null {
  return fires(expression, timeZone, from).next().value ?? null;
}

/**
 * The next `count` fire times after `from` as ISO instants, for cron expressions (none for rate(...) and at(...)).
 * review-open stores them on the review so that review-close dates the actions without a cron parser in its bundle.
 */
export function upcomingFires(expression: string, timeZone: string, from: Date, count: number): string[] {
  if (!expression.startsWith('cron(') || count < 1) return [];
  const out: string[] = [];
  for (const at of fires(expression, timeZone, from)) {
    out.push(at.toISOString());
    if (out.length === count) break;
  }
  return out;
}
