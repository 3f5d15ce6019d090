// A fetch through a CONNECT proxy that got no tunnel: did the proxy fail, or did it say it could not reach the site?
// A proxy's 5xx to CONNECT is its report on the way beyond it — Squid answers 503 with `X-Squid-Error:
// ERR_CONNECT_FAIL 111` when the site's server refused its connection, ERR_DNS_FAIL or 500 ERR_CANNOT_FORWARD when
// it could not resolve the name (RFC 9110 §15.6: 502 and 504 are a gateway's words for what is behind it; RFC 9209
// §2.3 lists a proxy's reasons, dns_error to connection_refused). A proxy that took the TCP connection and answered
// no CONNECT within the wait is waiting on the same things (Squid waits dns_timeout, 30 s, and connect_timeout, 1
// minute, by default) or is hung. Either says nothing against the proxy while the site fails on its own paths too:
// it fails for the proxy as it does for everyone. A refused or unanswered connection to the proxy's own address, a
// 407 (credentials), a 403 (its policy) or a reply no proxy gives are the proxy's whatever the site does. Pure.

import type { Attempt } from '../model.js';

export type ProxyFailure =
  /** The proxy itself: unreachable, wanting credentials, refusing by policy, answering nonsense. */
  | 'proxy'
  /** What lies beyond it: it answered 5xx (it could not reach the site) or took the connection and never answered. */
  | 'beyond';

/** Whether a failed fetch through a proxy failed at the proxy or beyond it; null for any other attempt. */
export function proxyFailure(a: Pick<Attempt, 'path' | 'failedPhase' | 'outcome' | 'error' | 'received'>): ProxyFailure | null {
  if (a.path !== 'proxy' || a.failedPhase !== 'proxy' || a.outcome === 'ok') return null;
  if (/^PROXY_5\d\d$/.test(a.error?.code ?? '')) return 'beyond';
  return proxyUnanswered(a) ? 'beyond' : 'proxy';
}

/** The TCP connection to the proxy opened, and nothing came back to CONNECT before the attempt's wait ran out. */
export function proxyUnanswered(a: Pick<Attempt, 'outcome' | 'received'>): boolean {
  return a.outcome === 'timeout' && a.received !== null && a.received.bytes === 0;
}
