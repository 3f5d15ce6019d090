// One fetch → its outcome and the result of the site's `expect`. Pure.
// (Which layer and provider produced a failure is decided in classify/layer.ts, on top of this.)

import type { AttemptOutcome, ExpectResult, ExpectSpec, FetchResult } from '../model.js';

const TIMEOUT_CODES = new Set([
  'ETIMEDOUT',
  'DEADLINE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ESOCKETTIMEDOUT',
]);

/** Did the fetch meet the site's expectations? Only judged when a response arrived. */
export function evaluateExpect(expect: ExpectSpec, fetch: FetchResult): ExpectResult {
  const failures: string[] = [];
  const status = fetch.httpStatus;
  if (status === null) return { ok: false, failures: ['no HTTP response'] };
  if (expect.status.length > 0) {
    if (!expect.status.includes(status)) failures.push(`status ${status} not in [${expect.status.join(', ')}]`);
  } else if (status >= 400) {
    failures.push(`status ${status}`);
  }
  if (expect.contains !== null && !fetch.bodySample.includes(expect.contains)) {
    failures.push(`body does not contain ${JSON.stringify(expect.contains)}${fetch.bodyTruncated ? ' (in the sampled part)' : ''}`);
  }
  if (expect.matches !== null && !new RegExp(expect.matches).test(fetch.bodySample)) {
    failures.push(`body does not match /${expect.matches}/`);
  }
  if (expect.maxMs !== null && fetch.timings.totalMs > expect.maxMs) {
    failures.push(`took ${Math.round(fetch.timings.totalMs)}ms, over ${expect.maxMs}ms`);
  }
  return { ok: failures.length === 0, failures };
}

/**
 * The outcome, read like the sentence an SRE would say:
 * a timeout is a timeout wherever it happened; otherwise the phase that failed names it;
 * a response that arrived is judged by status first, then by content.
 */
export function attemptOutcome(fetch: FetchResult, expect: ExpectResult): AttemptOutcome {
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
  const statusFailed = status === null || expect.failures.some((f) => f.startsWith('status '));
  return statusFailed ? 'http-error' : 'content-mismatch';
}
