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

/** What to call a failed DNS answer in a short line: its outcome, or "HTTP 503" for a DoH server that said so. */
export function dnsFailureWord(answer: { outcome: string; error: ProbeError | null }): string {
  const status = /^HTTP_(\d{3})$/.exec(answer.error?.code ?? '');
  return answer.outcome === 'network-error' && status ? `HTTP ${status[1]}` : answer.outcome;
}
