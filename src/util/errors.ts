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
