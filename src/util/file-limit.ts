// How many fetches this process can hold open at once. Each fetch is a socket, a file descriptor; the process may
// have only so many (`ulimit -n`, RLIMIT_NOFILE). Node raises its soft limit to the hard one at start, so the limit
// read here is the one that binds. A --concurrency above what it allows would make fetches fail with EMFILE — this
// host's limit read as sites failing — so the run lowers it and says so. (Fetches and queries that still meet EMFILE
// wait for others to end and try again: ProbeSession.withDescriptors, probe/session.ts.)

import { readFileSync } from 'node:fs';

/** Descriptors kept for all but fetches: stdio, the event loop's own, DNS sockets (pooled), the state and lock files. */
const RESERVED = 64;
/** A fetch may hold two at a time (a redirect's next connection while the last one closes). */
const PER_FETCH = 2;

/**
 * The open-file limit of this process, from /proc/self/limits ("Max open files  <soft>  <hard>  files"); null where
 * there is no such file (not Linux) or it says "unlimited".
 */
export function openFileLimit(read: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number | null {
  let text: string;
  try {
    text = read();
  } catch {
    return null;
  }
  const line = text.split('\n').find((l) => l.startsWith('Max open files'));
  const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
  return soft !== undefined && /^\d+$/.test(soft) ? Number(soft) : null;
}

/** The concurrency to run at, and a line for stderr when `requested` is more than the limit allows. */
export function concurrencyWithinFileLimit(requested: number, limit: number | null): { concurrency: number; warning: string | null } {
  if (limit === null) return { concurrency: requested, warning: null };
  const allowed = Math.max(1, Math.floor((limit - RESERVED) / PER_FETCH));
  if (requested <= allowed) return { concurrency: requested, warning: null };
  return {
    concurrency: allowed,
    warning: `concurrency ${requested} lowered to ${allowed}: this process may open ${limit} files (ulimit -n), and each fetch needs a socket; raise the limit to run more at once`,
  };
}

/**
 * What socket(2) and connect(2) say when this host is out of a resource of its own: its open-file limit (EMFILE, the
 * `ulimit -n` of the process), the system's file table (ENFILE), buffer space (ENOBUFS). Never the site's or the
 * network's: the probe waits for descriptors and tries again (ProbeSession.withDescriptors, probe/session.ts); one still
 * failing so is local (classify/layer.ts, correlate/host.ts).
 */
export const OUT_OF_RESOURCES_CODES: ReadonlySet<string> = new Set(['EMFILE', 'ENFILE', 'ENOBUFS']);

/** This host ran out of descriptors or buffers for the fetch or query: nothing left here, nothing learned about anyone. */
export function outOfResourcesHere(error: { code: string } | null): boolean {
  return error !== null && OUT_OF_RESOURCES_CODES.has(error.code);
}
