// How a run keeps an attempt's phase timings to its report. Pure.

import type { Timings } from '../model.js';

/** Marks a phase that did not happen (a duration is never negative). */
const NO_PHASE = -1;

/**
 * Timings held as whole tenths of a millisecond: V8 keeps a small integer in the field itself, where a fraction
 * is a separate 16-byte number: 64 B less for every healthy attempt a long list keeps to its report. Reads as the
 * Timings it was made from, and prints the same fields in the same order.
 */
class KeptTimings implements Timings {
  readonly #connect: number;
  readonly #tls: number;
  readonly #ttfb: number;
  readonly #total: number;
  readonly #connectStalled: number;

  constructor(connect: number, tls: number, ttfb: number, total: number, connectStalled: number) {
    this.#connect = connect;
    this.#tls = tls;
    this.#ttfb = ttfb;
    this.#total = total;
    this.#connectStalled = connectStalled;
  }

  get connectMs(): number | null {
    return this.#connect === NO_PHASE ? null : this.#connect / 10;
  }
  get tlsMs(): number | null {
    return this.#tls === NO_PHASE ? null : this.#tls / 10;
  }
  get ttfbMs(): number | null {
    return this.#ttfb === NO_PHASE ? null : this.#ttfb / 10;
  }
  get totalMs(): number {
    return this.#total / 10;
  }
  get connectStalledMs(): number | undefined {
    return this.#connectStalled === NO_PHASE ? undefined : this.#connectStalled / 10;
  }

  toJSON(): Timings {
    const stalled = this.connectStalledMs;
    return { connectMs: this.connectMs, tlsMs: this.tlsMs, ttfbMs: this.ttfbMs, totalMs: this.totalMs, ...(stalled === undefined ? {} : { connectStalledMs: stalled }) };
  }
}

/**
 * The timings as a run keeps them: compact when every phase is a whole number of tenths of a millisecond (what
 * the probe measures: util/time.ts), else as given, so a read never differs from what was measured.
 */
export function keptTimings(timings: Timings): Timings {
  if (timings instanceof KeptTimings) return timings;
  const connect = tenths(timings.connectMs);
  const tls = tenths(timings.tlsMs);
  const ttfb = tenths(timings.ttfbMs);
  const total = tenths(timings.totalMs);
  const connectStalled = tenths(timings.connectStalledMs ?? null);
  if (connect === null || tls === null || ttfb === null || total === null || total === NO_PHASE || connectStalled === null) return timings;
  return new KeptTimings(connect, tls, ttfb, total, connectStalled);
}

/** A phase's duration in whole tenths (NO_PHASE for none), or null when tenths would not give it back exactly. */
function tenths(ms: number | null): number | null {
  if (ms === null) return NO_PHASE;
  const t = Math.round(ms * 10);
  // Small enough to stay an unboxed integer (V8's small integers are 31 bits), and read back as the same number.
  return t >= 0 && t < 2 ** 30 && t / 10 === ms ? t : null;
}
