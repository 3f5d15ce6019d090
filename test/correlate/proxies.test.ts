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

function run(proxyAnswer: (i: number) => Partial<FetchResult>, proxy = PROXY, names = NAMES) {
  const sites = names.map((n) => site({ name: n, url: `https://www.${n}.test/`, paths: { edge: true, ipv4: true, ipv6: true, origin: false, proxies: [proxy] } as never }));
  const dns: DnsAnswer[] = names.map((n, i) => dnsAnswer({ resolver: 'alpha', name: `www.${n}.test`, type: 'A', values: [ADDRESSES[i]!] }));
  const attempts = names.flatMap((n, i) => [fetched(n, ADDRESSES[i]!, SERVED[i]!), fetched(n, null, proxyAnswer(i), proxy)]);
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
    expect(run(() => atProxy('PROXY_502')).incidents[0]!.summary).toContain('it cannot reach any of them itself (502): its own way out fails');
  });

  it('controls: a proxy that tunnels for one site leaves each failure to its site; one site through it is no shared cause', () => {
    const some = run((i) => (i === 0 ? SERVED[0]! : atProxy('PROXY_502')));
    expect(some.incidents).toEqual([]);
    expect(some.sites[0]!.status).toBe('ok');
    const one = run(() => atProxy('ECONNREFUSED'), PROXY, ['shop']);
    expect(one.incidents).toEqual([]);
  });
});
