// Equal values made over and over in a long run (a zone's name in every answer under it, one certificate served to
// every site behind an edge, the NODATA error each resolver gives for the same name) are kept once: while a value is
// remembered, the one made first stands for every equal one made after it. Only immutable values go in.

/** At most `capacity` keys are remembered, the oldest forgotten first: a bounded map, never a per-run leak. */
export interface RecentValues<T> {
  /** The value remembered under `key`, or `make()`'s, remembered from now on. */
  get(key: string, make: () => T): T;
}

export function recentValues<T>(capacity: number): RecentValues<T> {
  const remembered = new Map<string, T>();
  return {
    get(key, make) {
      const known = remembered.get(key);
      if (known !== undefined) return known;
      const value = make();
      remembered.set(key, value);
      if (remembered.size > capacity) remembered.delete(remembered.keys().next().value!);
      return value;
    },
  };
}

/** The same, for strings: `share(s)` is a string equal to `s`, the first such one while it is remembered. */
export function recentStrings(capacity: number): (s: string) => string {
  const values = recentValues<string>(capacity);
  return (s) => values.get(s, () => s);
}
