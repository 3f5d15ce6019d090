// At most `qps` sends a second on average, with bursts of up to `burst` (GCRA: each send reserves the next slot
// at once, then waits for it). For resolvers whose operator throttles a client above a documented rate
// (config/resolvers.ts resolverPaces): a run of thousands of names must not read as the resolver failing because it
// asked too fast.

import { sleep } from './time.js';

export interface Pacer {
  /** Resolves when this send may go (at once within the burst), or when `signal` aborts. */
  take(signal?: AbortSignal): Promise<void>;
  /** For a send that is not worth a wait: true, its slot taken, when the pace has room for it now; false otherwise. */
  tryTake(): boolean;
  /**
   * Sends from now on at `qps` a second. Returns when that pace is in force: the sends already given a slot keep it,
   * so the first send at the new pace comes after the last of those.
   */
  setQps(qps: number): number;
}

/** `startAt` (a performance.now() time): no send goes before it, a burst's or tryTake's included. */
export function createPacer(qps: number, burst = Math.max(1, Math.floor(qps / 4)), startAt = performance.now()): Pacer {
  let interval = 1000 / qps;
  let tolerance = (burst - 1) * interval;
  // The theoretical time of the next send.
  let next = startAt;
  const earliest = () => Math.max(next - tolerance, startAt);
  return {
    async take(signal) {
      const now = performance.now();
      next = Math.max(next, now);
      const wait = earliest() - now;
      next += interval;
      if (wait > 0) await sleep(wait, signal);
    },
    tryTake() {
      const now = performance.now();
      next = Math.max(next, now);
      if (earliest() > now) return false;
      next += interval;
      return true;
    },
    setQps(qps) {
      interval = 1000 / qps;
      tolerance = (burst - 1) * interval;
      next = Math.max(next, performance.now());
      return next;
    },
  };
}
