// "Did you mean …?": the nearest known word to a mistyped one, by edit distance. Ten lines of our own instead of a
// dependency: the lists are a dozen commands and flags.

/** Levenshtein distance: the fewest single-character insertions, deletions and substitutions from a to b. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length];
}

/**
 * The known word nearest to `typed`, if it is near enough to be what was meant: at most a third of the typed word
 * changed (at least 2 edits allowed, so "reveiw" finds "review"). Case does not count.
 */
export function nearest(typed: string, known: readonly string[]): string | undefined {
  const t = typed.toLowerCase();
  let best: { word: string; distance: number } | undefined;
  for (const word of known) {
    const distance = editDistance(t, word.toLowerCase());
    if (!best || distance < best.distance) best = { word, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(t.length / 3)) ? best.word : undefined;
}
