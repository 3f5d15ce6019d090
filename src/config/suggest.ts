// "did you mean" for misspelt keys and values.

/** Edit distance counting insertions, deletions, substitutions and swaps of neighbours (expcet → expect is 1). */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/** The closest candidate, when close enough to be a likely typo (case is ignored); null otherwise. */
export function closestMatch(word: string, candidates: readonly string[]): string | null {
  // Remembered per candidate list: a config repeating one typo thousands of times is checked once.
  let known = remembered.get(candidates);
  if (!known) remembered.set(candidates, (known = new Map()));
  if (known.has(word)) return known.get(word) ?? null;
  const match = closestOf(word, candidates);
  if (known.size < 10_000) known.set(word, match);
  return match;
}

const remembered = new WeakMap<readonly string[], Map<string, string | null>>();

function closestOf(word: string, candidates: readonly string[]): string | null {
  const lower = word.toLowerCase();
  const allowed = (length: number) => (length <= 3 ? 1 : length <= 6 ? 2 : 3);
  let best: string | null = null;
  let bestDistance = Number.MAX_SAFE_INTEGER;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance && distance <= allowed(Math.max(lower.length, candidate.length))) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
