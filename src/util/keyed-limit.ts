// At most N tasks at once per key (a host, a resolver), with no bookkeeping left behind for a key that has none running: a run
// over 100,000 hosts kept one p-limit instance (its queue and ten closures, ~1.3 KB) per host to its end.

export type KeyedLimit = <T>(key: string, work: () => Promise<T>) => Promise<T>;

/**
 * A waiting task, in a linked queue: a list of 100,000 sites on one host (or a resolver's queries) waits in one, and
 * an array's shift() is linear in its length (100,000 waiters took 3 s to let through).
 */
interface Waiter {
  start: () => void;
  next: Waiter | null;
}

interface Busy {
  active: number;
  first: Waiter | null;
  last: Waiter | null;
}

export function keyedLimit(slots: number): KeyedLimit {
  const busy = new Map<string, Busy>();
  return async (key, work) => {
    let entry = busy.get(key);
    if (!entry) busy.set(key, (entry = { active: 0, first: null, last: null }));
    const held = entry;
    if (held.active < slots) held.active += 1;
    // A finishing task hands its slot straight to the first waiter, so `active` stays as it was.
    else {
      await new Promise<void>((start) => {
        const waiter: Waiter = { start, next: null };
        if (held.last) held.last.next = waiter;
        else held.first = waiter;
        held.last = waiter;
      });
    }
    try {
      return await work();
    } finally {
      const next = held.first;
      if (next) {
        held.first = next.next;
        if (!held.first) held.last = null;
        next.start();
      } else if (--held.active === 0) busy.delete(key);
    }
  };
}
