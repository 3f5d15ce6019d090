// A CONNECT proxy the config tunnels through, opening a tunnel for none of its sites: the proxy's incident, named by
// it, never each site's ("4 degraded; no shared cause found", exit 1, as it read). Recorded attempts; addresses in
// published ranges (Cloudflare, Fastly, Akamai) are data, never dialled.

import { describe, expect, it } from 'vitest';
import { attributeRecorded } from '../support/pipeline.js';
import { decideVerdict } from '../../src/correlate/verdict.js';
import { attemptOutcome } from '../../src/classify/outcome.js';
import { evaluateExpect } from '../../src/probe/kinds/http.js';
import { loadCatalog } from '../../src/fingerprint/index.js';
import { blamedOn, type Attempt, type DnsAnswer, type ExpectSpec, type FetchResult, type ResolverSpec } from '../../src/model.js';
import { attempt, dnsAnswer, fetchResult, site } from '../support/records.js';
import { responses } from '../support/responses.js';

const catalog = loadCatalog([]);
const anyStatus: ExpectSpec = { status: [], contains: null, matches: null, maxMs: null, challenge: 'fail', rcode: null, dnssec: false };
const resolvers: ResolverSpec[] = [{ name: 'alpha', kind: 'udp', address: '127.0.0.53', port: 53, provider: null } as ResolverSpec];
const PROXY = 'http://127.0.0.9:3128';
const NAMES = ['shop', 'news', 'bank', 'blog'];
const ADDRESSES = ['104.16.0.1', '151.101.0.1', '23.1.0.1', '198.51.100.1'];
const SERVED = [responses.cloudflareOk(), responses.fastlyOk(), responses.akamaiOk(), responses.healthy()];

function fetched(siteName: string, address: string | null, response: Partial<FetchResult>, proxy: string | null = null): Attempt {
  const fetch = fetchResult({ ...response, address });
  const expect = evaluateExpect(anyStatus, fetch);
  const path = proxy ? 'proxy' : 'edge';
  return attempt({ ...fetch, id: `${siteName}|${path}|${address ?? proxy}`, path, proxy, family: address ? 4 : null, site: siteName, resolver: proxy ? null : 'alpha', resolvers: proxy ? [] : ['alpha'], expect, outcome: attemptOutcome(fetch, expect) });
}

/** The proxy's answer to CONNECT, or the way to it failing (`code` not PROXY_…): phase proxy, no HTTP response. */
const atProxy = (code: string): Partial<FetchResult> =>
  ({ httpStatus: null, headers: {}, bodySample: '', error: { code, message: `proxy: ${code}` }, failedPhase: 'proxy', timings: { connectMs: null, tlsMs: null, ttfbMs: null, totalMs: 3 } }) as Partial<FetchResult>;

/** The site's own server refusing the connection: its edge path fails too. */
const refusedHere: Partial<FetchResult> = { httpStatus: null, headers: {}, bodySample: '', error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, failedPhase: 'connect', timings: { connectMs: null, tlsMs: null, ttfbMs: null, totalMs: 2 } } as Partial<FetchResult>;

/** The proxy took the connection and never answered CONNECT: the attempt's own timeout, nothing received. */
const unansweredCONNECT: Partial<FetchResult> = {
  ...atProxy('ETIMEDOUT'),
  received: { bytes: 0, afterRequest: null, stalled: null },
  timings: { connectMs: null, tlsMs: null, ttfbMs: null, totalMs: 4000 },
} as Partial<FetchResult>;

function run(proxyAnswer: (i: number) => Partial<FetchResult>, proxy = PROXY, names = NAMES, edgeAnswer: (i: number) => Partial<FetchResult> = (i) => SERVED[i]!) {
  const sites = names.map((n) => site({ name: n, url: `https://www.${n}.test/`, paths: { edge: true, ipv4: true, ipv6: true, origin: false, proxies: [proxy] } as never }));
  const dns: DnsAnswer[] = names.map((n, i) => dnsAnswer({ resolver: 'alpha', name: `www.${n}.test`, type: 'A', values: [ADDRESSES[i]!] }));
  const attempts = names.flatMap((n, i) => [fetched(n, ADDRESSES[i]!, edgeAnswer(i)), fetched(n, null, proxyAnswer(i), proxy)]);
  const result = attributeRecorded({ sites, resolvers }, dns, attempts, catalog, { minSites: 2 });
  return { ...result, verdict: decideVerdict(result.sites, result.local, result.incidents, result.host, result.findings) };
}

describe('a proxy that opens a tunnel for none of its sites', () => {
  it('refusing connections: its incident, the sites degraded by it alone, exit 2', () => {
    const r = run(() => atProxy('ECONNREFUSED'));
    expect(r.incidents.map((i) => [i.kind, i.provider, i.layer, i.scope])).toEqual([['provider', `proxy ${PROXY}`, 'network', 'full']]);
    expect(r.incidents[0]!.summary).toMatch(
      /^proxy http:\/\/127\.0\.0\.9:3128 failing: 4 sites tunnelled through it fail there: it opened a tunnel for none of them \(4× ECONNREFUSED\): nothing answers at its address the way a proxy should .*; each answers on its other paths: the proxy fails, not the sites/,
    );
    expect(r.findings).toEqual([]);
    expect(r.sites.map((s) => s.status)).toEqual(['degraded', 'degraded', 'degraded', 'degraded']);
    for (const s of r.sites) expect(blamedOn(s.blame!, r.incidents[0]!)).toBe(true);
    expect(r.verdict).toMatchObject({ verdict: 'provider-incident', exitCode: 2 });
  });

  it('wanting credentials, or refusing every one by its policy: said so', () => {
    expect(run(() => atProxy('PROXY_407')).incidents[0]!.summary).toContain('it wants credentials (407 Proxy Authentication Required)');
    expect(run(() => atProxy('PROXY_403')).incidents[0]!.summary).toContain('its policy refuses every one (403)');
    expect(run(() => atProxy('PROXY_502')).incidents[0]!.summary).toContain('it could not reach any of them itself (502); each answers on its other paths: the proxy fails, not the sites');
  });

  it('controls: a proxy that tunnels for one site leaves each failure to its site; one site through it is no shared cause', () => {
    const some = run((i) => (i === 0 ? SERVED[0]! : atProxy('PROXY_502')));
    expect(some.incidents).toEqual([]);
    expect(some.sites[0]!.status).toBe('ok');
    const one = run(() => atProxy('ECONNREFUSED'), PROXY, ['shop']);
    expect(one.incidents).toEqual([]);
  });

  it('its connections taken and no CONNECT answered within the wait: stuck on its own way out or hung, not "nothing answers at its address"', () => {
    const r = run(() => unansweredCONNECT);
    expect(r.incidents.map((i) => i.provider)).toEqual([`proxy ${PROXY}`]);
    expect(r.incidents[0]!.summary).toContain('(4× ETIMEDOUT): it took the connections and answered none of the CONNECT requests within the wait: it is stuck on its own way out');
    expect(r.sites[0]!.attempts.find((a) => a.path === 'proxy')!.explanation).toBe(`the proxy ${PROXY} took the connection and answered no CONNECT within the wait (ETIMEDOUT)`);
  });
});

describe('a proxy that could not reach sites that are down on their own paths too', () => {
  // Squid answers 503 (X-Squid-Error: ERR_CONNECT_FAIL 111) when the site's server refuses it, as it refuses us.
  it('its 5xx, or no answer, for sites whose own paths fail too: the sites, not the proxy (it read as the proxy "failing, whatever the sites do", exit 2)', () => {
    for (const answer of [atProxy('PROXY_503'), atProxy('PROXY_502'), unansweredCONNECT]) {
      const r = run(() => answer, PROXY, NAMES, () => refusedHere);
      expect(r.incidents).toEqual([]);
      for (const s of r.sites) expect(String(s.blame?.provider)).not.toMatch(/^proxy/);
      expect(r.sites[0]!.attempts.find((a) => a.path === 'proxy')!.explanation).toMatch(/could not reach the site itself|answered no CONNECT/);
    }
  });

  it('the proxy failing for its own sake (refused, 407, 403) stays its incident whatever the sites do', () => {
    for (const code of ['ECONNREFUSED', 'PROXY_407', 'PROXY_403']) {
      const r = run(() => atProxy(code), PROXY, NAMES, (i) => (i === 0 ? SERVED[0]! : refusedHere));
      expect(r.incidents.map((i) => i.provider)).toEqual([`proxy ${PROXY}`]);
      expect(r.incidents[0]!.summary).toMatch(/failing: 4 sites tunnelled through it fail there: .*; 1 of them answers on other paths: the proxy fails, not the sites/);
    }
  });

  it('some sites served on their edge, one down there too: the proxy failing for the served ones, the down one left to itself', () => {
    const r = run(() => atProxy('PROXY_503'), PROXY, NAMES, (i) => (i === 3 ? refusedHere : SERVED[i]!));
    expect(r.incidents.map((i) => i.provider)).toEqual([`proxy ${PROXY}`]);
    expect(r.incidents[0]!.summary).toMatch(/^proxy http:\/\/127\.0\.0\.9:3128 failing: 3 sites tunnelled through it fail there: it opened a tunnel for none of them \(3× PROXY_503\): it could not reach any of them itself \(503\)/);
    expect(r.incidents[0]!.summary).toContain('each answers on its other paths');
    const blog = r.sites.find((s) => s.name === 'blog')!;
    expect(blog.status).toBe('down');
    expect(String(blog.blame?.provider)).not.toMatch(/^proxy/);
    // One served and three down: one site is no shared cause.
    const one = run(() => atProxy('PROXY_503'), PROXY, NAMES, (i) => (i === 0 ? SERVED[0]! : refusedHere));
    expect(one.incidents).toEqual([]);
  });
});
