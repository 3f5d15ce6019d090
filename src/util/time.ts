import { onAbort } from './abort.js';
import { noop } from './collections.js';

/** Milliseconds since `start` (a performance.now() reading), rounded to 0.1 ms. */
export function elapsedMs(start: number): number {
  return elapsedTenthsMs(start) / 10;
}

/** The same in tenths of a millisecond: a small integer, which V8 keeps in a record's field without a box. */
export function elapsedTenthsMs(start: number): number {
  return Math.round((performance.now() - start) * 10);
}

/** Parse "500ms", "3s", "1.5s", "2m" or a bare number of milliseconds; null when not a duration. */
export function parseDuration(text: string | number): number | null {
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? text : null;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2] ?? 'ms';
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000;
  return Math.round(n * factor);
}

/** A moment (epoch ms) as a UTC clock reading to the hundredth of a second: "21:42:04.43". */
export function clockUtc(ms: number): string {
  return new Date(ms).toISOString().slice(11, 22);
}

/** "850ms", "3.2s", "2m05s" — short and scannable. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)}s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

/** Resolve after `ms`, or at once when `signal` aborts (never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    let stopWaiting: () => void = noop;
    function done() {
      clearTimeout(timer);
      stopWaiting();
      resolve();
    }
    if (signal?.aborted) done();
    else if (signal) stopWaiting = onAbort(signal, done);
  });
}

let lastMs = Number.NaN;
let lastIso = '';

/**
 * `new Date().toISOString()`, the same string for every record made within one millisecond: a run keeps one start
 * time per DNS answer and attempt (nine a site), most of them made in the same millisecond as their neighbours.
 */
export function isoNow(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastIso = new Date(now).toISOString();
  }
  return lastIso;
}
