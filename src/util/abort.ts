import { noop } from './collections.js';

/**
 * `work`'s outcome, or the signal's reason if it aborts first: an await that cannot outlive a deadline.
 *
 * The abort listener goes as soon as `work` settles, so nothing that lives as long as the signal keeps what `work`
 * resolved to. (Racing against one promise made per attempt, `Promise.race([work, aborted])`, added a reaction to
 * that promise at every await, each holding what its race resolved to: every body chunk a fetch read stayed
 * reachable until the attempt ended, survived the young collections and waited for a full one. At 10,000 sites that
 * was ~60 MB of read buffers at a time; bench/findings.md.)
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  work.catch(noop); // a loser's rejection must not go unhandled
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const stopWaiting = onAbort(signal, () => reject(signal.reason as Error));
    work.then(
      (value) => {
        stopWaiting();
        resolve(value);
      },
      (err: unknown) => {
        stopWaiting();
        reject(err as Error);
      },
    );
  });
}

/**
 * A controller of its own that also aborts, with the same reason, when `parent` does — until `release` is called, so
 * waits do not pile up on a long-lived parent (the run's signal): one request's own stop beside the run's.
 */
export function childController(parent: AbortSignal | undefined): { controller: AbortController; release: () => void } {
  const controller = new AbortController();
  if (!parent) return { controller, release: noop };
  const relay = (): void => controller.abort(parent.reason);
  if (parent.aborted) {
    relay();
    return { controller, release: noop };
  }
  return { controller, release: onAbort(parent, relay) };
}

/** What waits on each signal, behind the one listener of its own it adds to the signal. */
const waitsOn = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Call `callback` once when `signal` aborts, unless the returned function is called first (it may be called any
 * number of times). Like an 'abort' listener, it is never called for a signal already aborted: look first.
 *
 * Any number of waits on one signal share one listener on it. Node's EventTarget walks a signal's listeners on every
 * add and remove, and the run's own signal has hundreds waiting on it at a time (each DNS question in flight, each
 * attempt's child signal): a DNS question's add and remove took ~4 µs there (bench/findings.md).
 */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  if (signal.aborted) return noop;
  const waits = waitsOn.get(signal) ?? waitOn(signal);
  // A function of its own per wait: a callback given twice is called twice (an EventTarget would call it once).
  const wait = (): void => callback();
  waits.add(wait);
  return () => void waits.delete(wait);
}

/** The set of waits on `signal`, and the one listener that calls them when it aborts. */
function waitOn(signal: AbortSignal): Set<() => void> {
  const waits = new Set<() => void>();
  waitsOn.set(signal, waits);
  signal.addEventListener('abort', () => {
    waitsOn.delete(signal);
    for (const wait of waits) {
      waits.delete(wait);
      try {
        wait();
      } catch (err) {
        // As a listener's error would be: reported, and the other waits still called.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }, { once: true });
  return waits;
}
