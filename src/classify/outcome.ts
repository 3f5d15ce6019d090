// One measured attempt → its outcome. Pure. (`expect` was evaluated by the probe kind on everything it read;
// which layer and provider produced a failure is decided in classify/layer.ts, on top of this.)

import type { AttemptOutcome, ExpectResult, FetchResult, PathKind } from '../model.js';
import { HOST_BUSY } from '../util/stall-clock.js';
import { endedByOwnDeadline } from '../util/run-deadline.js';

const TIMEOUT_CODES: ReadonlySet<string> = new Set([
  'ETIMEDOUT',
  'DEADLINE',
  'NOT_PROBED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ESOCKETTIMEDOUT',
]);

export { endedByOwnDeadline };

/** Never sent: the run's deadline came before its turn. Set aside like a site that was not on the list. */
export function notProbed(x: { error: { code: string } | null }): boolean {
  return x.error?.code === 'NOT_PROBED';
}

/**
 * A DNS question the run never sent (its deadline came first). An answer with a reply (an rcode) was sent: that is
 * read first, so a pass over a run's answers does not make each one's error to read its code (a kept answer makes
 * its standard error, with the name in its message, each time it is read: probe/dns/answer.ts).
 */
export function answerNotProbed(d: { rcode: string | null; error: { code: string } | null }): boolean {
  return d.rcode === null && notProbed(d);
}

export function deadlineExplanation(x: { error: { code: string } | null }): string {
  return notProbed(x) ? 'not probed: the run deadline came first' : 'not finished before the run deadline';
}

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

/**
 * Bytes after the request that mean a response was arriving: more than a TLS 1.3 server's session tickets (two of a
 * few hundred bytes each, sent once the handshake is done, often after the request left).
 */
const RESPONSE_BEGUN_BYTES = 2048;

/**
 * The response began to arrive and then stopped — its head read and the body broke off, or bytes of it arrived
 * that never made up a readable head (a TLS record cut short reads as nothing) — by the connection breaking, or by
 * a timeout after nothing more had arrived for the last quarter of the wait (a response still trickling in when
 * the time ran out was slow, not cut); not by this run's own deadline or a starved host. What stopped it holds the
 * connection or lies on the way to it; `received.bytes` says how far it got.
 */
export function responseCutOff(a: Pick<FetchResult, 'error' | 'failedPhase' | 'httpStatus' | 'received' | 'address'>): boolean {
  if (a.error === null || a.address === null || OWN_ENDINGS.has(a.error.code)) return false;
  if (TIMEOUT_CODES.has(a.error.code) ? a.received?.stalled !== true : !CONNECTION_ENDED.has(a.error.code)) return false;
  if (a.failedPhase === 'body') return a.httpStatus !== null;
  return a.failedPhase === 'response' && a.httpStatus === null && (a.received?.afterRequest ?? 0) >= RESPONSE_BEGUN_BYTES;
}

/**
 * The connection ended under the response (reset, closed before its length was read): not this client refusing what
 * came (a head too large, a malformed one), which says nothing about where the bytes stopped.
 */
export const CONNECTION_ENDED: ReadonlySet<string> = new Set(['ECONNRESET', 'ECONNABORTED', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'ERR_STREAM_PREMATURE_CLOSE']);

/** Endings this run made itself: its deadline, a host too busy to read (util/stall-clock.ts's HOST_BUSY). */
const OWN_ENDINGS: ReadonlySet<string> = new Set(['DEADLINE', 'NOT_PROBED', HOST_BUSY]);

/** No connection in time: the connect ran out of time, nothing came from the server (not this run's own end). */
export function connectTimedOut(x: Pick<FetchResult, 'httpStatus' | 'error' | 'failedPhase'>): boolean {
  return x.httpStatus === null && x.failedPhase === 'connect' && x.error !== null && TIMEOUT_CODES.has(x.error.code) && !endedByOwnDeadline(x);
}
