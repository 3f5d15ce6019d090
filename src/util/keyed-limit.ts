// At most N tasks at once per key (a host), with no bookkeeping left behind for a key that has none running: a run
// over 100,000 hosts kept one p-limit instance (its queue and ten closures, ~1.3 KB) per host to its end.

export type KeyedLimit = <T>(key: string, work: () => Promise<T>) => Promise<T>;

export function keyedLimit(slots: number): KeyedLimit {
  const busy = new Map<string, { active: number; waiting: (() => void)[] }>();
  return async (key, work) => {
    let entry = busy.get(key);
    if (!entry) busy.set(key, (entry = { active: 0, waiting: [] }));
    const held = entry;
    if (held.active < slots) held.active += 1;
    // A finishing task hands its slot straight to the first waiter, so `active` stays as it was.
    else await new Promise<void>((resolve) => held.waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = held.waiting.shift();
      if (next) next();
      else if (--held.active === 0) busy.delete(key);
    }
  };
}
