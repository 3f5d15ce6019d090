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

/** Why a proxy opened a tunnel for none of these attempts, in a few words, from what it (or the way to it) answered. */
export function whyNoTunnel(attempts: Pick<Attempt, 'path' | 'failedPhase' | 'outcome' | 'error' | 'received'>[]): string {
  const codes = new Set(attempts.map((a) => a.error?.code ?? a.outcome));
  const only = codes.size === 1 ? [...codes][0]! : null;
  const beyond = attempts.every((a) => proxyFailure(a) === 'beyond');
  if (only === 'PROXY_407') return 'it wants credentials (407 Proxy Authentication Required)';
  if (only === 'PROXY_403') return 'its policy refuses every one (403)';
  if (beyond && attempts.every(proxyUnanswered)) {
    return 'it took the connections and answered none of the CONNECT requests within the wait: it is stuck on its own way out (resolving the names, connecting onward) or hung';
  }
  // Neutral: whether its way onward fails or the sites do is for their other paths to say.
  if (beyond) return `it could not reach any of them itself (${only?.startsWith('PROXY_') ? only.slice(6) : 'its 5xx, or no answer'})`;
  if (only !== null && !only.startsWith('PROXY_')) return 'nothing answers at its address the way a proxy should (the proxy is down, or the way to it fails)';
  return 'it breaks off or answers what no proxy should';
}

/** One failed fetch through the proxy, in words: why that tunnel did not open. */
export function noTunnelWords(a: Pick<Attempt, 'path' | 'failedPhase' | 'outcome' | 'error' | 'received' | 'proxy'>): string {
  const code = a.error?.code ?? a.outcome;
  if (proxyUnanswered(a)) return `the proxy ${a.proxy} took the connection and answered no CONNECT within the wait (${code})`;
  if (proxyFailure(a) === 'beyond') return `the proxy ${a.proxy} could not reach the site itself (${code})`;
  if (code === 'PROXY_403') return `the proxy ${a.proxy} refuses a tunnel to the site by its policy (${code}): a blocklist or a port it does not allow`;
  if (code === 'PROXY_407') return `the proxy ${a.proxy} wants credentials (${code})`;
  return `the proxy ${a.proxy} would not open a tunnel (${code})`;
}
