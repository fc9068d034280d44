// How a person reads times and money, in every email, page, minutes, CLI line, export and report: one format each,
// so an executive never compares "EUR 25,000" with "EUR 25,000.00" or reads a raw ISO string with milliseconds.

/** "EUR 25,000" for whole amounts, "EUR 25,000.50" otherwise. */
export function formatMoney(amount: number, currency: string): string {
  const whole = Number.isInteger(amount);
  return `${currency} ${amount.toLocaleString('en-GB', {
    minimumFractionDigits: whole ? 0 : 2,
    maximumFractionDigits: 2,
  })}`;
}

// Building a DateTimeFormat costs far more than using one: a report formats thousands of times in a few zones.
const formatters = new Map<string, Intl.DateTimeFormat>();

function parts(at: Date, timeZone: string) {
  const f = formatters.get(timeZone) ?? newFormatter(timeZone);
  return Object.fromEntries(f.formatToParts(at).map((p) => [p.type, p.value]));
}

function newFormatter(timeZone: string): Intl.DateTimeFormat {
  const f = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  });
  formatters.set(timeZone, f);
  return f;
}

/** "1 Dec 2026, 14:05 CET": the unit's local time with its zone. An unreadable value is returned as given. */
export function formatLocalTime(iso: string, timeZone: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const p = parts(at, timeZone);
  return `${p.day} ${p.month} ${p.year}, ${p.hour}:${p.minute} ${p.timeZoneName}`;
}

/** "2026-12-01 13:05 UTC": where evidence needs the zone-free instant. */
export function formatUtc(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  return `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "1 Dec 2026, 14:05 CET (13:05 UTC)": a person's time and the evidence's instant in one. */
export function formatTime(iso: string, timeZone: string): string {
  const local = formatLocalTime(iso, timeZone);
  if (local === iso) return iso;
  // A unit that keeps UTC reads it once: "09:00 UTC (09:00 UTC)" says nothing twice.
  if (local.endsWith(' UTC')) return local;
  return `${local} (${formatUtc(iso).slice(11)})`;
}
