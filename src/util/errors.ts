import type { ProbeError } from '../model.js';
import { safeLine } from './text.js';

/** Turn anything thrown by Node, undici or our own code into a stable, printable ProbeError. */
export function toProbeError(err: unknown, fallbackCode = 'EUNKNOWN'): ProbeError {
  if (err && typeof err === 'object') {
    const e = err as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
    // undici wraps socket errors: the cause carries the errno-style code people know (ECONNRESET ...).
    const cause = e.cause && typeof e.cause === 'object' ? (e.cause as { code?: unknown; message?: unknown }) : null;
    const code =
      (typeof e.code === 'string' && e.code) ||
      (cause && typeof cause.code === 'string' && cause.code) ||
      (typeof e.name === 'string' && e.name !== 'Error' && e.name) ||
      fallbackCode;
    const message =
      (typeof e.message === 'string' && e.message) ||
      (cause && typeof cause.message === 'string' && cause.message) ||
      String(code);
    return { code, message: safeLine(message) };
  }
  return { code: fallbackCode, message: safeLine(String(err)) };
}

/** The error code of a DoH server that answered with an HTTP status instead of a DNS message. */
export function dohStatusCode(status: number): string {
  return `HTTP_${status}`;
}

/**
 * What to call a failed DNS answer in a short line: its outcome, "HTTP 503" for a DoH server that said so, or
 * "server not found" for a DoH server this host's resolver gave no address for (it was never asked).
 */
export function dnsFailureWord(answer: { outcome: string; error: ProbeError | null; transport?: string; rcode?: string | null }): string {
  if (answer.transport !== undefined && answer.rcode !== undefined && dohServerUnresolved({ transport: answer.transport, rcode: answer.rcode, error: answer.error })) return 'server not found';
  const status = /^HTTP_(\d{3})$/.exec(answer.error?.code ?? '');
  return answer.outcome === 'network-error' && status ? `HTTP ${status[1]}` : answer.outcome;
}

/** What getaddrinfo's failures are called (Node folds EAI_NONAME and EAI_NODATA into ENOTFOUND). */
const LOOKUP_FAILURE_CODES: ReadonlySet<string> = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'ENODATA', 'EAI_NODATA', 'EAI_NONAME']);

/**
 * A DNS-over-HTTPS query that never reached its server: this host's resolver gave no address for the server's
 * name (the query's connection looked it up with getaddrinfo, as every DoH client does). That is the system
 * resolver's failure, judged on its own answers; the DoH server said nothing either way.
 */
export function dohServerUnresolved(d: { transport: string; rcode: string | null; error: ProbeError | null }): boolean {
  return d.transport === 'doh' && d.rcode === null && d.error !== null && LOOKUP_FAILURE_CODES.has(d.error.code);
}

/** The stacks withoutStacks leaves out, kept when debugging (main.ts prints the stack of an internal error then). */
const KEEP_STACKS = process.env.OUTAGE_PROBE_DEBUG === '1';

/**
 * Run `close` with stack traces off. Closing a response before its end, or a client, makes undici create an error for
 * the request, the socket and the session (RequestAbortedError, ClientDestroyedError), and Node's streams format
 * each one's stack at once (they read err.stack); nothing here reads them. Over 1,000 healthy sites (bench world,
 * CPU profiles) making and formatting undici's errors took 36-50 ms of ~2.9 s CPU, 12-14 ms after this: the rest is
 * the errors undici makes while reading (a server that closes after its answer). OUTAGE_PROBE_DEBUG=1 keeps them.
 */
export function withoutStacks(close: () => void): void {
  if (KEEP_STACKS) return close();
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    close();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/**
 * Run `work` (probing) with stack traces off throughout. Besides the closes above, undici makes an error for every
 * response whose server closes the connection after it (InformationalError "reset") and Node's streams format its
 * stack; DNS timeouts and refused connections make theirs. Over 1,000 sites (bench world, CPU profiles) errors'
 * stacks still took ~45 ms of ~2.1 s CPU. Every failure becomes a classified result from its code and message, never
 * its stack; a bug that escapes during probing is reported without its frames, and OUTAGE_PROBE_DEBUG=1 keeps them.
 */
export async function withoutStacksDuring<T>(work: () => Promise<T>): Promise<T> {
  if (KEEP_STACKS) return work();
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return await work();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
