// Durations in config ("30s", "15m", "48h", "14d") as whole seconds; small on purpose.
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;
export const DURATION_PATTERN = /^([1-9]\d{0,6})(s|m|h|d)$/;

export function parseDuration(text: string): number {
  const match = DURATION_PATTERN.exec(text);
  if (!match) throw new Error(`"${text}" is not a duration like "30s", "15m", "48h" or "14d"`);
  return Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
}
