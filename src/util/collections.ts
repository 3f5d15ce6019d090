// Grouping records by a key in one pass (spreading into a new array per record is quadratic in a group's size),
// dropping some without copying a list that loses none, and the one shared empty array records kept by the thousand
// use.

/** Records grouped once by a key, in their original order. */
export function groupBy<T, K = string>(items: Iterable<T>, key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  // An array by index: the rules group a run's every answer, and a step of an iterator is an object until V8 optimizes.
  const list = Array.isArray(items) ? (items as T[]) : [...items];
  for (let i = 0; i < list.length; i++) {
    const item = list[i]!;
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/**
 * One empty array, frozen, for records that are kept by the thousand (DNS answers, not-probed attempts): each
 * would otherwise hold an empty array of its own per field. Frozen, so code that tried to add to one would fail
 * loudly instead of changing every record at once.
 */
export const NONE: never[] = Object.freeze([]) as unknown as never[];

/** The function that does nothing: an error listener that only keeps a late error from crashing the process, a wait not yet begun. */
export function noop(): void {}

/** The items `drop` does not pick: the list itself when it picks none (a run's answers are not copied for nothing). */
export function without<T>(items: T[], drop: (item: T) => boolean): T[] {
  return items.some(drop) ? items.filter((item) => !drop(item)) : items;
}

/** The items, or NONE when there are none (or no list at all). */
export function orNone<T>(items: T[] | undefined): T[] {
  return items !== undefined && items.length > 0 ? items : NONE;
}

/** The items in groups, where items that share a key are in one group, and so are items linked through others. */
export function linkedGroups<T>(items: T[], keysOf: (item: T) => Iterable<string>): T[][] {
  const parent = items.map((_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  const holder = new Map<string, number>();
  items.forEach((item, i) => {
    for (const key of keysOf(item)) {
      const other = holder.get(key);
      if (other === undefined) holder.set(key, i);
      else parent[root(i)] = root(other);
    }
  });
  return [...groupBy(items.map((item, i) => ({ item, group: root(i) })), (x) => x.group).values()].map((g) => g.map((x) => x.item));
}

/** The value `p` (0–1) of the way up the sorted values, rounded down to one of them; 0 for none. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(p * (sorted.length - 1))] ?? 0;
}

/** The middle value (the upper of the two middles for an even count); 0 for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
