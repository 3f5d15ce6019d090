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
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err as Error);
      },
    );
  });
}

function noop(): void {}
