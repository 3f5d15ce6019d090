// One measured attempt → its outcome. Pure. (`expect` was evaluated by the probe kind on everything it read;
// which layer and provider produced a failure is decided in classify/layer.ts, on top of this.)

import type { AttemptOutcome, ExpectResult, FetchResult, PathKind } from '../model.js';

const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'DEADLINE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ESOCKETTIMEDOUT',
]);

/**
 * The outcome, read like the sentence an SRE would say:
 * a timeout is a timeout wherever it happened; otherwise the phase that failed names it;
 * a response that arrived is judged by status first, then by content.
 */
export function attemptOutcome(fetch: Pick<FetchResult, 'error' | 'failedPhase' | 'httpStatus'> & { path?: PathKind }, expect: ExpectResult): AttemptOutcome {
  const error = fetch.error;
  if (error) {
    // No address means nothing was fetched: a DNS failure, even when the DNS query itself timed out.
    if (fetch.failedPhase === 'dns' || error.code === 'REDIRECT_DNS') return 'dns-error';
    if (TIMEOUT_CODES.has(error.code)) return 'timeout';
    switch (fetch.failedPhase) {
      case 'connect':
      case 'proxy':
        return 'connect-error';
      case 'tls':
        return 'tls-error';
      default:
        return 'http-error';
    }
  }
  if (expect.ok) return 'ok';
  const status = fetch.httpStatus;
  // A DNS check has no HTTP status: an answer that arrived but is not what was expected is a mismatch.
  const statusFailed = (status === null && fetch.path !== 'dns') || expect.failures.some((f) => f.startsWith('status '));
  return statusFailed ? 'http-error' : 'content-mismatch';
}
