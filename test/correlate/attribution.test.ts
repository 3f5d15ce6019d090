// Attribution over recorded attempts: every incident kind, and the controls that must blame nothing.

import { describe, expect, it } from 'vitest';
import { attributeRecorded } from '../support/pipeline.js';
import { decideVerdict } from '../../src/correlate/verdict.js';
import { attemptOutcome } from '../../src/classify/outcome.js';
import { evaluateExpect } from '../../src/probe/kinds/http.js';
import { loadCatalog } from '../../src/fingerprint/index.js';
import type { Attempt, DnsAnswer, ExpectSpec, FetchResult, ResolverSpec, SiteSpec } from '../../src/model.js';
import { attempt, dnsAnswer, fetchResult, site } from '../support/records.js';
import { responses } from '../support/responses.js';
import { corpusEntry } from '../../src/lab/corpus/index.js';
import type { EdgeRequest } from '../../src/lab/personalities/types.js';

const catalog = loadCatalog([]);
const anyStatus: ExpectSpec = { status: [], contains: null, matches: null, maxMs: null, challenge: 'fail', rcode: null, dnssec: false };

const resolver = (name: string, provider: string | null = null): ResolverSpec => ({
  name,
  kind: 'udp',
  address: '127.0.0.53',
  port: 53,
  url: null,
  provider,
});
const RESOLVERS = [resolver('alpha', 'Cloudflare'), resolver('beta', 'Google')];

/** One recorded fetch of a site through an edge address, judged as the probe stage judges it. */
function fetched(siteName: string, address: string, response: Partial<FetchResult>, overrides: Partial<Attempt> = {}): Attempt {
  const fetch = fetchResult({ ...response, address });
  const expect = evaluateExpect(anyStatus, fetch);
  return attempt({ ...fetch, id: `${siteName}|edge|${address}`, site: siteName, resolver: 'alpha', resolvers: ['alpha', 'beta'], expect, outcome: attemptOutcome(fetch, expect), ...overrides });
}

function failedFetch(siteName: string, address: string, code: string, phase: FetchResult['failedPhase'], overrides: Partial<Attempt> = {}): Attempt {
  return fetched(siteName, address, { httpStatus: null, headers: {}, bodySample: '', error: { code, message: code }, failedPhase: phase, timings: { connectMs: null, tlsMs: null, ttfbMs: null, totalMs: 5 } }, overrides);
}

const originAddresses = new Map<string, string>();
/** The site's origin fetched directly: each site's at an address of its own unless one is given. */
function originFetch(siteName: string, response: Partial<FetchResult>, address?: string): Attempt {
  if (!originAddresses.has(siteName)) originAddresses.set(siteName, `127.0.9.${originAddresses.size + 1}`);
  return fetched(siteName, address ?? originAddresses.get(siteName)!, response, { path: 'origin', resolver: null, resolvers: [], id: `${siteName}|origin` });
}

/** A and AAAA answers for a site from both resolvers, with a CNAME chain and NS set when given. */
function resolved(host: string, options: { address?: string; cname?: string[]; ns?: string[]; outcome?: DnsAnswer['outcome']; resolvers?: string[] } = {}): DnsAnswer[] {
  const outcome = options.outcome ?? 'ok';
  return (options.resolvers ?? ['alpha', 'beta']).flatMap((r) => [
    dnsAnswer({ resolver: r, name: host, type: 'A', outcome, rcode: outcome === 'ok' ? 'NOERROR' : outcome.toUpperCase(), values: outcome === 'ok' ? [options.address ?? '127.0.1.1'] : [], cnameChain: options.cname ?? [] }),
    dnsAnswer({ resolver: r, name: host, type: 'AAAA', outcome: outcome === 'ok' ? 'empty' : outcome, values: [] }),
    ...(options.ns ? [dnsAnswer({ resolver: r, name: host, type: 'NS', values: options.ns, zone: host })] : []),
  ]);
}

function run(sites: SiteSpec[], dns: DnsAnswer[], attempts: Attempt[], resolvers = RESOLVERS) {
  const result = attributeRecorded({ sites, resolvers }, dns, attempts, catalog, { minSites: 2 });
  return { ...result, verdict: decideVerdict(result.sites, result.local, result.incidents) };
}

const cf = (n: number) => `cf${n}`;
const host = (name: string) => `${name}.test`;
const spec = (name: string) => site({ name, url: `https://${host(name)}/` });

describe('a Cloudflare edge incident (2025-11-18 shape)', () => {
  const cfSites = [1, 2, 3].map(cf);
  const sites = [...cfSites, 'fastly1', 'akamai1'].map(spec);
  const attempts = [
    ...cfSites.map((s, i) => fetched(s, `127.0.10.${i + 1}`, responses.cloudflareEdge500(['FRA', 'AMS', 'LHR'][i]))),
    ...cfSites.map((s) => originFetch(s, responses.healthy())),
    fetched('fastly1', '127.0.20.1', responses.fastlyOk()),
    fetched('akamai1', '127.0.30.1', responses.akamaiOk()),
  ];
  const dns = sites.flatMap((s) => resolved(s.host));
  const result = run(sites, dns, attempts);

  it('names Cloudflare and the edge layer, with the failing sites, the controls and the corroboration', () => {
    expect(result.incidents).toHaveLength(1);
    const incident = result.incidents[0]!;
    expect(incident).toMatchObject({ kind: 'provider', provider: 'Cloudflare', layer: 'edge', sites: cfSites, probed: 3, controls: ['fastly1', 'akamai1'], scope: 'all', locations: ['AMS', 'FRA', 'LHR'] });
    expect(incident.confidence).toBeGreaterThanOrEqual(0.9);
    expect(incident.summary).toMatch(/^Cloudflare edge incident: 3 of 3 Cloudflare-fronted sites fail with Cloudflare-generated 500 pages; their origins answer directly; 2 sites on other providers are healthy/);
    expect(incident.evidence.join('\n')).toMatch(/healthy on other providers: fastly1 \(Fastly\), akamai1 \(Akamai\)/);
  });

  it('gives the verdict provider-incident and exit code 2, and blames each failing site on the incident', () => {
    expect(result.verdict).toMatchObject({ verdict: 'provider-incident', exitCode: 2 });
    const blamed = result.sites.find((s) => s.name === 'cf1')!.blame;
    expect(blamed).toMatchObject({ layer: 'edge', provider: 'Cloudflare' });
    expect(result.sites.find((s) => s.name === 'fastly1')!.blame).toBeNull();
  });

  it('records each site\'s provider stack with its evidence', () => {
    const stack = result.sites.find((s) => s.name === 'cf1')!.providers;
    expect(stack).toContainEqual(expect.objectContaining({ layer: 'edge', provider: 'Cloudflare' }));
    expect(stack.find((p) => p.layer === 'edge')!.evidence.join(' ')).toMatch(/cf-ray/);
  });

  it('classifies each failing attempt at the edge with the provider\'s own words', () => {
    const a = result.sites.find((s) => s.name === 'cf2')!.attempts.find((x) => x.path === 'edge')!;
    expect(a).toMatchObject({ layer: 'edge', provider: 'Cloudflare', outcome: 'http-error' });
    expect(a.explanation).toMatch(/Cloudflare generated this 500\/503 itself/);
  });
});

describe('controls: nothing is blamed on a provider', () => {
  it('one origin down behind a healthy Cloudflare edge (521) — the site is down, no incident', () => {
    const sites = ['shop', 'blog', 'news'].map(spec);
    const attempts = [
      fetched('shop', '127.0.10.1', responses.cloudflare521('shop.test')),
      originFetch('shop', { httpStatus: null, headers: {}, bodySample: '', error: { code: 'ECONNREFUSED', message: 'refused' }, failedPhase: 'connect' }),
      fetched('blog', '127.0.10.1', responses.cloudflareOk()),
      fetched('news', '127.0.10.2', responses.cloudflareOk('AMS')),
    ];
    const r = run(sites, sites.flatMap((s) => resolved(s.host)), attempts);
    expect(r.incidents).toEqual([]);
    expect(r.verdict).toMatchObject({ verdict: 'site-failures', exitCode: 1 });
    const shop = r.sites.find((s) => s.name === 'shop')!;
    expect(shop.status).toBe('down');
    expect(shop.blame).toMatchObject({ layer: 'origin', provider: null });
    expect(shop.attempts.find((a) => a.path === 'edge')!.explanation).toBe('Cloudflare answered 521: the edge is up, the origin refused the connection');
  });

  it('two unrelated origins down behind Cloudflare (521 and 522) still make no incident: origins are per-site', () => {
    const sites = ['shop', 'blog', 'news'].map(spec);
    const attempts = [
      fetched('shop', '127.0.10.1', responses.cloudflare521('shop.test')),
      fetched('blog', '127.0.10.1', responses.cloudflare522('blog.test')),
      fetched('news', '127.0.10.2', responses.cloudflareOk()),
    ];
    const r = run(sites, sites.flatMap((s) => resolved(s.host)), attempts);
    expect(r.incidents).toEqual([]);
    expect(r.sites.filter((s) => s.blame).map((s) => [s.name, s.blame!.layer, s.blame!.provider])).toEqual([
      ['shop', 'origin', null],
      ['blog', 'origin', null],
    ]);
  });

  it("one site's expired certificate: a tls failure of that site only", () => {
    const sites = ['shop', 'blog'].map(spec);
    const attempts = [
      failedFetch('shop', '127.0.10.1', 'CERT_HAS_EXPIRED', 'tls'),
      fetched('blog', '127.0.10.1', responses.cloudflareOk()),
    ];
    const r = run(sites, sites.flatMap((s) => resolved(s.host)), attempts);
    expect(r.incidents).toEqual([]);
    expect(r.sites[0]!.blame).toMatchObject({ layer: 'tls', provider: null });
  });

  it("one site's own 500 passed through Cloudflare: layer site, no provider", () => {
    const sites = ['shop', 'blog'].map(spec);
    const attempts = [fetched('shop', '127.0.10.1', responses.cloudflarePassThrough500()), fetched('blog', '127.0.10.2', responses.cloudflareOk())];
    const r = run(sites, sites.flatMap((s) => resolved(s.host)), attempts);
    expect(r.incidents).toEqual([]);
    expect(r.sites[0]!.attempts[0]).toMatchObject({ layer: 'site', provider: null });
    expect(r.sites[0]!.blame).toMatchObject({ layer: 'site', provider: null });
  });

  it('a site failing expect while its edge is healthy: layer site', () => {
    const shop = site({ name: 'shop', url: 'https://shop.test/', expect: { ...anyStatus, contains: 'Add to cart' } });
    const fetch = fetchResult({ ...responses.cloudflareOk(), bodySample: '<html>Sold out</html>', address: '127.0.10.1' });
    const expectResult = evaluateExpect(shop.expect, fetch);
    const a = attempt({ ...fetch, site: 'shop', expect: expectResult, outcome: attemptOutcome(fetch, expectResult) });
    const r = run([shop, spec('blog')], [...resolved('shop.test'), ...resolved('blog.test')], [a, fetched('blog', '127.0.10.2', responses.cloudflareOk())]);
    expect(r.incidents).toEqual([]);
    expect(r.sites[0]!.attempts[0]).toMatchObject({ outcome: 'content-mismatch', layer: 'site' });
    expect(r.sites[0]!.blame).toMatchObject({ layer: 'site', provider: null });
  });

  it('the probing host offline: no resolver replies, nothing connects → local-network, exit 3, no incident', () => {
    const sites = ['shop', 'blog', 'news'].map(spec);
    const dns = sites.flatMap((s) => resolved(s.host, { outcome: 'timeout' }));
    const attempts = sites.map((s) =>
      attempt({ ...fetchResult({ httpStatus: null, address: null, error: { code: 'ETIMEDOUT', message: 'x' }, failedPhase: 'dns' }), site: s.name, outcome: 'dns-error' }),
    );
    const r = run(sites, dns, attempts);
    expect(r.local.down).toBe(true);
    expect(r.incidents).toEqual([]);
    expect(r.verdict).toMatchObject({ verdict: 'local-network', exitCode: 3 });
    expect(r.verdict.summary).toMatch(/no reply from any of 2 resolvers/);
    for (const s of r.sites) expect(s.blame).toMatchObject({ layer: 'local', provider: null });
  });

  it('resolvers answer but no site on any provider accepts a connection → local-network', () => {
    const sites = ['cf1', 'fastly1'].map(spec);
    const dns = [...resolved('cf1.test', { cname: ['cf1.test.cdn.cloudflare.net'] }), ...resolved('fastly1.test', { cname: ['fastly1.test.global.ssl.fastly.net'] })];
    const attempts = [failedFetch('cf1', '127.0.10.1', 'ECONNREFUSED', 'connect'), failedFetch('fastly1', '127.0.20.1', 'ECONNREFUSED', 'connect')];
    const r = run(sites, dns, attempts);
    expect(r.verdict.verdict).toBe('local-network');
    expect(r.incidents).toEqual([]);
  });

  it('a challenge on a single site is its own rule, not an incident', () => {
    const sites = ['shop', 'blog'].map(spec);
    const attempts = [fetched('shop', '127.0.10.1', responses.cloudflareChallenge()), fetched('blog', '127.0.10.2', responses.cloudflareOk())];
    const r = run(sites, sites.flatMap((s) => resolved(s.host)), attempts);
    expect(r.incidents).toEqual([]);
    expect(r.sites[0]!.attempts[0]).toMatchObject({ outcome: 'challenge', layer: 'challenge', provider: 'Cloudflare' });
  });
});

describe('shared-provider incidents at other layers', () => {
  it('challenges on two of three Cloudflare sites, nothing remembered: a finding that says so, not an incident', () => {
    const sites = ['a', 'b', 'c', 'fastly1'].map(spec);
    const attempts = [
      fetched('a', '127.0.10.1', responses.cloudflareChallenge()),
      fetched('b', '127.0.10.2', responses.cloudflareChallenge()),
      fetched('c', '127.0.10.3', responses.cloudflareOk()),
      fetched('fastly1', '127.0.20.1', responses.fastlyOk()),
    ];
    const r = run(sites, sites.flatMap((s) => resolved(s.host)), attempts);
    expect(r.incidents).toEqual([]);
    expect(r.findings.map((i) => [i.provider, i.layer, i.sites])).toEqual([['Cloudflare', 'challenge', ['a', 'b']]]);
    expect(r.findings[0]!.summary).toMatch(/^Possibly Cloudflare challenge \(bot verification\): 2 of 3 Cloudflare-fronted sites fail with Cloudflare challenge pages .* not an incident: many Cloudflare sites challenge any client that looks like a bot; run with --state/);
    expect(r.findings[0]!.confidence).toBeLessThanOrEqual(0.4);
    expect(r.verdict.exitCode).toBe(1);
  });

  /** Two Fastly sites (by their CNAMEs) and one Cloudflare site. */
  const fastlyPair = () => ({
    sites: ['f1', 'f2', 'cf1'].map(spec),
    dns: [
      ...resolved('f1.test', { cname: ['f1.test.global.ssl.fastly.net'], address: '127.0.20.1' }),
      ...resolved('f2.test', { cname: ['f2.test.global.ssl.fastly.net'], address: '127.0.20.2' }),
      ...resolved('cf1.test'),
    ],
  });

  it('connection failures to every Fastly site while Cloudflare sites load: a Fastly network incident', () => {
    const { sites, dns } = fastlyPair();
    const attempts = [
      failedFetch('f1', '127.0.20.1', 'ETIMEDOUT', 'connect'),
      failedFetch('f2', '127.0.20.2', 'ECONNREFUSED', 'connect'),
      fetched('cf1', '127.0.10.1', responses.cloudflareOk()),
    ];
    const r = run(sites, dns, attempts);
    expect(r.incidents.map((i) => [i.provider, i.layer, i.sites])).toEqual([['Fastly', 'network', ['f1', 'f2']]]);
    expect(r.sites.find((s) => s.name === 'f1')!.providers.find((p) => p.layer === 'edge')!.evidence.join(' ')).toMatch(/fastly\.net/);
  });

  it("connections refused at once at every Fastly address while Cloudflare sites load: a finding that says a refusal is not how an edge fails, no incident", () => {
    // A firewall rule, a proxy's deny list or an ISP's block of Fastly's ranges refuses (a reset); Fastly failing
    // answers its 503 pages or stops answering.
    const { sites, dns } = fastlyPair();
    const refusedAt = (timedOut: boolean) => [
      failedFetch('f1', '127.0.20.1', timedOut ? 'ETIMEDOUT' : 'ECONNREFUSED', 'connect'),
      failedFetch('f2', '127.0.20.2', 'ECONNREFUSED', 'connect'),
      fetched('cf1', '127.0.10.1', responses.cloudflareOk()),
    ];
    const r = run(sites, dns, refusedAt(false));
    expect(r.incidents).toEqual([]);
    expect(r.findings.map((i) => [i.provider, i.layer, i.sites])).toEqual([['Fastly', 'network', ['f1', 'f2']]]);
    expect(r.findings[0]!.summary).toMatch(/^Possibly Fastly network: 2 of 2 Fastly-fronted sites fail with connection failures \(ECONNREFUSED\).* — not an incident: every connection to Fastly was refused at once \(ECONNREFUSED, at 2 addresses\), which Fastly's edge failing does not do .* a firewall rule, a proxy, an ISP's or court-ordered block of its ranges; check from another network/);
    expect(r.verdict.exitCode).toBe(1);
    // One connection timing out beside them: what Fastly failing looks like too, and the incident stands.
    expect(run(sites, dns, refusedAt(true)).incidents.map((i) => [i.provider, i.layer])).toEqual([['Fastly', 'network']]);
  });

  it('a TLS handshake timing out at a provider whose other sites cannot connect counts with their connection failures', () => {
    // An overloaded or lossy edge lets some connections open and then nothing comes back: the same broken path.
    const sites = ['f1', 'f2', 'f3', 'cf1'].map(spec);
    const dns = [
      ...['f1', 'f2', 'f3'].flatMap((n, i) => resolved(`${n}.test`, { cname: [`${n}.test.global.ssl.fastly.net`], address: `127.0.20.${i + 1}` })),
      ...resolved('cf1.test'),
    ];
    const base = [failedFetch('f1', '127.0.20.1', 'ETIMEDOUT', 'connect'), fetched('cf1', '127.0.10.1', responses.cloudflareOk())];
    const stalled = run(sites, dns, [...base, failedFetch('f2', '127.0.20.2', 'ETIMEDOUT', 'tls')]);
    expect(stalled.incidents.map((i) => [i.provider, i.layer, i.sites])).toEqual([['Fastly', 'network', ['f1', 'f2']]]);
    expect(stalled.incidents[0]!.summary).toMatch(/fail with connection failures \(ETIMEDOUT\) \(1 site\) and TLS handshakes that never finish \(ETIMEDOUT\) \(1 site\)/);
    expect(stalled.sites.find((s) => s.name === 'f2')!.blame).toMatchObject({ layer: 'network', provider: 'Fastly' });
    // A certificate the edge did present is another failure: it stays the site's own.
    const expired = run(sites, dns, [...base, failedFetch('f2', '127.0.20.2', 'CERT_HAS_EXPIRED', 'tls'), failedFetch('f3', '127.0.20.3', 'ECONNREFUSED', 'connect')]);
    expect(expired.incidents.map((i) => [i.provider, i.layer, i.sites])).toEqual([['Fastly', 'network', ['f1', 'f3']]]);
    expect(expired.sites.find((s) => s.name === 'f2')!.blame).toMatchObject({ layer: 'tls' });
  });

  describe('sites in one customer zone are one witness', () => {
    const CF_NS = ['kate.ns.cloudflare.com', 'lars.ns.cloudflare.com'];
    /** Sites by host, each with its zone's NS answer; the first `failing` get Cloudflare's own 500. */
    const cloudflareSites = (hosts: Array<[name: string, host: string, zone: string, cname?: string[]]>, failing: number) => {
      const sites = [...hosts.map(([name, h]) => site({ name, url: `https://${h}/` })), spec('fastly1')];
      const dns = [
        ...hosts.flatMap(([, h, zone, cname]) => [...resolved(h, cname ? { cname } : {}), ...['alpha', 'beta'].map((r) => dnsAnswer({ resolver: r, name: h, type: 'NS', values: CF_NS, zone }))]),
        ...resolved('fastly1.test'),
      ];
      const attempts = [
        ...hosts.map(([name], i) => fetched(name, `127.0.10.${i + 1}`, i < failing ? responses.cloudflareEdge500() : responses.cloudflareOk())),
        ...hosts.map(([name]) => originFetch(name, responses.healthy())),
        fetched('fastly1', '127.0.20.1', responses.fastlyOk()),
      ];
      return run(sites, dns, attempts);
    };

    it("three names of one customer's zone failing with Cloudflare's own 500: a finding that says so, no incident", () => {
      const r = cloudflareSites([['www', 'www.acme.test', 'acme.test'], ['api', 'api.acme.test', 'acme.test'], ['shop', 'shop.acme.test', 'acme.test'], ['forum', 'www.forum.test', 'forum.test'], ['news', 'news.test', 'news.test']], 3);
      expect(r.incidents).toEqual([]);
      expect(r.verdict).toMatchObject({ verdict: 'site-failures', exitCode: 1 });
      expect(r.findings.map((f) => [f.provider, f.layer, f.sites])).toEqual([['Cloudflare', 'edge', ['www', 'api', 'shop']]]);
      expect(r.findings[0]!.summary).toMatch(/not an incident: every one is in the zone acme\.test: one customer's configuration on Cloudflare \(its rules, workers, settings\) can do this, and Cloudflare serves 2 sites in other zones/);
      for (const n of ['www', 'api', 'shop']) expect(r.sites.find((s) => s.name === n)!.blame).toMatchObject({ layer: 'edge', provider: 'Cloudflare' });
    });

    it('the same failure across three zones is an incident; so it is across names of a platform domain, each its own customer', () => {
      const zones = cloudflareSites([['a', 'www.a.test', 'a.test'], ['b', 'www.b.test', 'b.test'], ['c', 'www.c.test', 'c.test'], ['d', 'www.d.test', 'd.test']], 3);
      expect(zones.incidents.map((i) => [i.provider, i.layer, i.sites])).toEqual([['Cloudflare', 'edge', ['a', 'b', 'c']]]);
      // pages.dev is Cloudflare's own platform domain (a catalogued suffix): its names are separate customers.
      const platform = cloudflareSites([['a', 'a.pages.dev', 'pages.dev'], ['b', 'b.pages.dev', 'pages.dev'], ['c', 'c.pages.dev', 'pages.dev'], ['d', 'www.d.test', 'd.test']], 3);
      expect(platform.incidents.map((i) => [i.provider, i.layer, i.sites])).toEqual([['Cloudflare', 'edge', ['a', 'b', 'c']]]);
    });

    it("three customers' own domains pointing at one SaaS's name on Cloudflare: that SaaS's configuration, a finding", () => {
      // A help desk serving its customers' help centres (Cloudflare for SaaS): help.a.test → customers.helpdesk.test.
      // It read as "Cloudflare edge incident (partial): 3 of 5 Cloudflare-fronted sites …", exit 2, while Cloudflare served the others.
      const saas = ['customers.helpdesk.test', 'customers.helpdesk.test.cdn.cloudflare.net'];
      const r = cloudflareSites([['a', 'help.a.test', 'a.test', saas], ['b', 'help.b.test', 'b.test', saas], ['c', 'support.c.test', 'c.test', saas], ['d', 'www.d.test', 'd.test'], ['e', 'www.e.test', 'e.test']], 3);
      expect(r.sites.filter((s) => s.status !== 'ok').map((s) => s.name)).toEqual(['a', 'b', 'c']);
      expect(r.incidents).toEqual([]);
      expect(r.verdict).toMatchObject({ verdict: 'site-failures', exitCode: 1 });
      expect(r.findings.map((f) => [f.provider, f.layer, f.sites])).toEqual([['Cloudflare', 'edge', ['a', 'b', 'c']]]);
      expect(r.findings[0]!.summary).toMatch(
        /not an incident: every one reaches Cloudflare through customers\.helpdesk\.test, another owner's name their domains point at \(a SaaS's, a hosting company's\): that owner's configuration on Cloudflare can do this, and Cloudflare serves 2 other sites/,
      );
      // Each through a name of Cloudflare's own (its partial setup's CNAME target), or a name of its own zone: three customers.
      const own = cloudflareSites([['a', 'help.a.test', 'a.test', ['help.a.test.cdn.cloudflare.net']], ['b', 'help.b.test', 'b.test', ['edge.b.test']], ['c', 'www.c.test', 'c.test'], ['d', 'www.d.test', 'd.test']], 3);
      expect(own.incidents.map((i) => [i.provider, i.layer, i.sites])).toEqual([['Cloudflare', 'edge', ['a', 'b', 'c']]]);
      // Three SaaS's names are three owners.
      const three = cloudflareSites([['a', 'help.a.test', 'a.test', ['x.saas1.test']], ['b', 'help.b.test', 'b.test', ['x.saas2.test']], ['c', 'help.c.test', 'c.test', ['x.saas3.test']], ['d', 'www.d.test', 'd.test']], 3);
      expect(three.incidents.map((i) => [i.provider, i.sites])).toEqual([['Cloudflare', ['a', 'b', 'c']]]);
    });
  });

  it('a Cloudflare edge failing on some addresses only is a partial incident, the sites degraded', () => {
    const sites = ['a', 'b', 'fastly1'].map(spec);
    const attempts = [
      fetched('a', '127.0.10.1', responses.cloudflareEdge500()),
      fetched('a', '127.0.10.2', responses.cloudflareOk('AMS')),
      fetched('b', '127.0.10.1', responses.cloudflareEdge500()),
      fetched('b', '127.0.10.2', responses.cloudflareOk('AMS')),
      fetched('fastly1', '127.0.20.1', responses.fastlyOk()),
    ];
    const r = run(sites, sites.flatMap((s) => resolved(s.host)), attempts);
    expect(r.incidents).toHaveLength(1);
    expect(r.incidents[0]).toMatchObject({ provider: 'Cloudflare', layer: 'edge', scope: 'partial' });
    expect(r.incidents[0]!.summary).toMatch(/^Cloudflare edge incident \(partial\)/);
    expect(r.sites.filter((s) => s.status === 'degraded').map((s) => s.name)).toEqual(['a', 'b']);
  });

  it('an origin-timeout page from Fastly is the origin, not Fastly', () => {
    const sites = ['f1', 'f2', 'cf1'].map(spec);
    const attempts = [
      fetched('f1', '127.0.20.1', responses.fastlyOriginTimeout()),
      fetched('f2', '127.0.20.2', responses.fastlyOriginTimeout()),
      fetched('cf1', '127.0.10.1', responses.cloudflareOk()),
    ];
    const r = run(sites, sites.flatMap((s) => resolved(s.host)), attempts);
    expect(r.incidents).toEqual([]);
    expect(r.sites[0]!.attempts[0]).toMatchObject({ layer: 'origin', provider: 'Fastly' });
  });
});

describe('DNS incidents', () => {
  it('one resolver timing out for every name that others answer is a resolver incident naming it and its provider', () => {
    const sites = ['a', 'b', 'c'].map(spec);
    const dns = sites.flatMap((s) => [...resolved(s.host, { resolvers: ['beta'] }), ...resolved(s.host, { resolvers: ['alpha'], outcome: 'timeout' })]);
    const attempts = sites.flatMap((s) => [
      fetched(s.name, '127.0.1.1', responses.healthy(), { resolver: 'beta', resolvers: ['beta'] }),
      attempt({ ...fetchResult({ httpStatus: null, address: null, error: { code: 'ETIMEDOUT', message: 'x' }, failedPhase: 'dns' }), site: s.name, resolver: 'alpha', resolvers: ['alpha'], outcome: 'dns-error' }),
    ]);
    const r = run(sites, dns, attempts);
    expect(r.incidents).toHaveLength(1);
    expect(r.incidents[0]).toMatchObject({ kind: 'resolver', layer: 'resolver', resolver: 'alpha', provider: 'Cloudflare', sites: ['a', 'b', 'c'], scope: 'full', controls: ['beta'] });
    expect(r.incidents[0]!.summary).toMatch(/^Cloudflare resolver alpha failing: timeout for 3 of 3 names that beta answers/);
    expect(r.verdict.exitCode).toBe(2);
  });

  it('the incident names as answering only the resolvers that answered every one of the failed names', () => {
    // gamma answers the controls and one of the three names, and times out on the other two: it vouches for none of
    // the three as a whole. It read "timeout for 3 of 5 names that beta, gamma answer".
    const resolvers = [...RESOLVERS, resolver('gamma', 'Quad9')];
    const failing = ['a', 'b', 'c'].map(spec);
    const answered = ['d', 'e'].map(spec);
    const dns = [
      ...failing.flatMap((s, i) => [...resolved(s.host, { resolvers: ['beta'] }), ...resolved(s.host, { resolvers: ['alpha'], outcome: 'timeout' }), ...resolved(s.host, { resolvers: ['gamma'], ...(i === 0 ? {} : { outcome: 'timeout' }) })]),
      ...answered.flatMap((s) => resolved(s.host, { resolvers: ['alpha', 'beta', 'gamma'] })),
    ];
    const attempts = [
      ...failing.flatMap((s) => [
        fetched(s.name, '127.0.1.1', responses.healthy(), { resolver: 'beta', resolvers: ['beta'] }),
        attempt({ ...fetchResult({ httpStatus: null, address: null, error: { code: 'ETIMEDOUT', message: 'x' }, failedPhase: 'dns' }), id: `${s.name}|edge|dns:alpha`, site: s.name, resolver: 'alpha', resolvers: ['alpha'], outcome: 'dns-error' }),
      ]),
      ...answered.map((s) => fetched(s.name, '127.0.1.1', responses.healthy(), { resolvers: ['alpha', 'beta', 'gamma'] })),
    ];
    const r = run([...failing, ...answered], dns, attempts, resolvers);
    expect(r.incidents.map((i) => i.summary)).toEqual([expect.stringMatching(/^Cloudflare resolver alpha failing: timeout for 3 of 5 names that beta answers /)]);
  });

  /**
   * Names failing at resolver alpha (SERVFAIL) and answered by beta, in the zones given, and names both answer. Each
   * zone has name servers of its own, unless `nameServers` gives the failing zones' and the answered zones' sets.
   */
  const alphaFailsIn = (failing: Array<[string, string]>, answered: Array<[string, string]>, nameServers: Record<string, string[]> = {}) => {
    const all = [...failing, ...answered];
    const sites = all.map(([name, hostName]) => site({ name, url: `https://${hostName}/` }));
    const serversOf = (hostName: string, zone: string) => nameServers[hostName] ?? [`ns1.${zone}`];
    const zoneNs = (hostName: string, zone: string, resolvers: string[]) => resolvers.map((r) => dnsAnswer({ resolver: r, name: hostName, type: 'NS', values: serversOf(hostName, zone), zone }));
    const dns = [
      ...failing.flatMap(([, h]) => [...resolved(h, { resolvers: ['beta'] }), ...resolved(h, { resolvers: ['alpha'], outcome: 'servfail' }), ...zoneNs(h, h.split('.').slice(1).join('.'), ['beta'])]),
      ...answered.flatMap(([, h]) => [...resolved(h), ...zoneNs(h, h.split('.').slice(1).join('.'), ['alpha', 'beta'])]),
    ];
    const attempts = [
      ...failing.flatMap(([name]) => [
        fetched(name, '127.0.1.1', responses.healthy(), { resolver: 'beta', resolvers: ['beta'] }),
        attempt({ ...fetchResult({ httpStatus: null, address: null, error: { code: 'SERVFAIL', message: 'x' }, failedPhase: 'dns' }), id: `${name}|edge|dns:alpha`, site: name, resolver: 'alpha', resolvers: ['alpha'], outcome: 'dns-error' }),
      ]),
      ...answered.map(([name]) => fetched(name, '127.0.1.1', responses.healthy())),
    ];
    return run(sites, dns, attempts);
  };

  it("one resolver failing every name of one zone while it answers other zones: that zone's servers and it disagree, a finding", () => {
    // It read as "Cloudflare resolver alpha failing: servfail for 3 of 6 names …", exit 2: alpha answers three other zones.
    const acme: Array<[string, string]> = [['www', 'www.acme.test'], ['api', 'api.acme.test'], ['shop', 'shop.acme.test']];
    const others: Array<[string, string]> = [['blog', 'blog.b.test'], ['news', 'www.news.test'], ['wiki', 'docs.wiki.test']];
    const r = alphaFailsIn(acme, others);
    expect(r.incidents).toEqual([]);
    expect(r.verdict.exitCode).toBe(1);
    expect(r.findings.map((f) => [f.kind, f.resolver, f.sites, f.confidence])).toEqual([['resolver', 'alpha', ['www', 'api', 'shop'], 0.4]]);
    expect(r.findings[0]!.summary).toBe(
      "Possibly Cloudflare resolver alpha failing: servfail for 3 of 6 names that beta answers — not an incident: every one is in the zone acme.test, and alpha answers names in 3 other zones: that zone's name servers and alpha disagree (a server of the zone failing or turning alpha away; resolvers pick different servers) (confidence 0.4)",
    );
    for (const [name] of acme) expect(r.sites.find((s) => s.name === name)!.blame).toMatchObject({ layer: 'resolver', provider: null });
    // Names of two zones failing are two witnesses: the resolver's incident.
    const twoZones = alphaFailsIn([['www', 'www.acme.test'], ['news', 'www.news.test']], [['blog', 'blog.b.test']]);
    expect(twoZones.incidents.map((i) => [i.kind, i.resolver, i.sites])).toEqual([['resolver', 'alpha', ['www', 'news']]]);
    // Every name it was asked in one zone: nothing to compare with, it stays the resolver's.
    expect(alphaFailsIn(acme, []).incidents.map((i) => [i.kind, i.resolver])).toEqual([['resolver', 'alpha']]);
  });

  it("one resolver failing every name in the zones of one DNS host while it answers names on another: that host's servers and it at odds", () => {
    // Dyn 2016-10-21 seen through one resolver: beta reached Dyn's servers, alpha did not. It read as "Cloudflare resolver alpha failing".
    const onDyn: Array<[string, string]> = [['tunes', 'www.tunes.test'], ['news', 'www.news.test'], ['wiki', 'docs.wiki.test']];
    const DYN = ['ns1.p16.dynect.net', 'ns2.p16.dynect.net'];
    const CLOUDFLARE = ['kate.ns.cloudflare.com', 'lars.ns.cloudflare.com'];
    const ns = (hosts: Array<[string, string]>, servers: string[]) => Object.fromEntries(hosts.map(([, h]) => [h, servers]));
    const others: Array<[string, string]> = [['shop', 'www.shop.test'], ['blog', 'blog.b.test']];
    const r = alphaFailsIn(onDyn, others, { ...ns(onDyn, DYN), ...ns(others, CLOUDFLARE) });
    expect(r.incidents).toEqual([]);
    expect(r.verdict.exitCode).toBe(1);
    expect(r.findings.map((f) => [f.kind, f.resolver, f.sites])).toEqual([['resolver', 'alpha', ['tunes', 'news', 'wiki']]]);
    expect(r.findings[0]!.summary).toContain(
      "not an incident: every one is in a zone on one DNS host, Dyn (3 zones), and alpha answers names on 1 other DNS host: Dyn's servers and alpha disagree (some of them failing or unreachable from alpha; resolvers reach different ones)",
    );
    // Names on two DNS hosts failing at it: the resolver's incident.
    const twoHosts = alphaFailsIn([...onDyn, ['shop', 'www.shop.test']], [['blog', 'blog.b.test']], { ...ns(onDyn, DYN), ...ns(others, CLOUDFLARE), 'blog.b.test': ['ns-389.awsdns-48.com'] });
    expect(twoHosts.incidents.map((i) => [i.kind, i.resolver])).toEqual([['resolver', 'alpha']]);
    // Every name it was asked on the one DNS host: nothing to compare with, it stays the resolver's.
    expect(alphaFailsIn(onDyn, [], ns(onDyn, DYN)).incidents.map((i) => i.resolver)).toEqual(['alpha']);
  });

  it("one resolver failing names of three zones that all lead through one SaaS's name: that name's zone and the resolver at odds", () => {
    const through = ['help.a.test', 'help.b.test', 'help.c.test'];
    const sites = [...through, 'www.d.test', 'www.e.test'].map((h) => site({ name: h.split('.')[1]!, url: `https://${h}/` }));
    const ns = (h: string, r: string) => dnsAnswer({ resolver: r, name: h, type: 'NS', values: ['ns1.dns.test'], zone: h.split('.').slice(1).join('.') });
    const dns = [
      ...through.flatMap((h) => [...resolved(h, { resolvers: ['beta'], cname: ['customers.helpdesk.test'] }), ...resolved(h, { resolvers: ['alpha'], outcome: 'servfail' }), ns(h, 'beta')]),
      ...['www.d.test', 'www.e.test'].flatMap((h) => [...resolved(h), ns(h, 'alpha'), ns(h, 'beta')]),
    ];
    const attempts = [
      ...through.flatMap((h) => {
        const name = h.split('.')[1]!;
        return [
          fetched(name, '127.0.1.1', responses.healthy(), { resolver: 'beta', resolvers: ['beta'] }),
          attempt({ ...fetchResult({ httpStatus: null, address: null, error: { code: 'SERVFAIL', message: 'x' }, failedPhase: 'dns' }), id: `${name}|edge|dns:alpha`, site: name, resolver: 'alpha', resolvers: ['alpha'], outcome: 'dns-error' }),
        ];
      }),
      fetched('d', '127.0.1.1', responses.healthy()),
      fetched('e', '127.0.1.1', responses.healthy()),
    ];
    const r = run(sites, dns, attempts);
    expect(r.incidents).toEqual([]);
    expect(r.findings.map((f) => [f.kind, f.resolver, f.sites])).toEqual([['resolver', 'alpha', ['a', 'b', 'c']]]);
    expect(r.findings[0]!.summary).toContain("not an incident: every one leads through customers.helpdesk.test, and alpha answers names in 2 other zones: that zone's name servers and alpha disagree");
  });

  it('a DNSSEC-bogus SERVFAIL from one validating resolver, another answering without validating: no resolver incident (test/correlate/dnssec.test.ts reads the rest)', () => {
    const sites = ['a', 'b'].map(spec);
    const bogus = { ede: [{ code: 6, text: 'DNSSEC Bogus' }] };
    const dns = sites.flatMap((s) => [
      ...resolved(s.host, { resolvers: ['beta'] }),
      ...resolved(s.host, { resolvers: ['alpha'], outcome: 'servfail' }).map((d) => ({ ...d, ...bogus })),
    ]);
    const attempts = sites.map((s) => fetched(s.name, '127.0.1.1', responses.healthy(), { resolvers: ['beta'], resolver: 'beta' }));
    expect(run(sites, dns, attempts).incidents).toEqual([]);
  });

  it('every resolver failing for the zones on one DNS host, while other zones resolve: an authoritative-DNS incident', () => {
    const sites = ['dyn1', 'dyn2', 'cf1'].map(spec);
    const dynNs = ['ns1.p16.dynect.net', 'ns2.p16.dynect.net'];
    const servfail = (h: string) =>
      resolved(h, { outcome: 'servfail' }).map((d) => ({ ...d, ede: [{ code: 22, text: 'No Reachable Authority' }] }));
    const dns = [
      ...servfail('dyn1.test'),
      ...servfail('dyn2.test'),
      ...['alpha', 'beta'].flatMap((r) => ['dyn1.test', 'dyn2.test'].map((h) => dnsAnswer({ resolver: r, name: h, type: 'NS', values: dynNs, zone: h }))),
      ...resolved('cf1.test', { ns: ['kate.ns.cloudflare.com', 'rob.ns.cloudflare.com'] }),
    ];
    const attempts = [
      ...['dyn1', 'dyn2'].flatMap((s) =>
        ['alpha', 'beta'].map((r) => attempt({ ...fetchResult({ httpStatus: null, address: null, error: { code: 'SERVFAIL', message: 'x' }, failedPhase: 'dns' }), site: s, resolver: r, resolvers: [r], outcome: 'dns-error' })),
      ),
      fetched('cf1', '127.0.10.1', responses.cloudflareOk()),
    ];
    const r = run(sites, dns, attempts);
    expect(r.incidents).toHaveLength(1);
    expect(r.incidents[0]).toMatchObject({ kind: 'authoritative-dns', layer: 'authoritative-dns', provider: 'Dyn', sites: ['dyn1', 'dyn2'], controls: ['cf1'] });
    expect(r.incidents[0]!.evidence.join('\n')).toMatch(/EDE 22 "No Reachable Authority"/);
    expect(r.sites.find((s) => s.name === 'dyn1')!.blame).toMatchObject({ layer: 'authoritative-dns', provider: 'Dyn' });
  });

  it("two names of one customer's zone failing at its DNS host are one zone failing, not the host", () => {
    const dynNs = ['ns1.p16.dynect.net', 'ns2.p16.dynect.net'];
    const failingName = (h: string, zone: string) => [
      ...resolved(h, { outcome: 'servfail' }).map((d) => ({ ...d, ede: [{ code: 22, text: `at delegation ${zone}.` }] })),
      ...['alpha', 'beta'].map((r) => dnsAnswer({ resolver: r, name: h, type: 'NS', values: dynNs, zone })),
    ];
    const outcome = (hosts: Array<[string, string, string]>) => {
      const sites = [...hosts.map(([name, h]) => site({ name, url: `https://${h}/` })), spec('cf1')];
      const dns = [...hosts.flatMap(([, h, zone]) => failingName(h, zone)), ...resolved('cf1.test', { ns: ['kate.ns.cloudflare.com', 'rob.ns.cloudflare.com'] })];
      const attempts = [
        ...hosts.flatMap(([name]) => ['alpha', 'beta'].map((r) => attempt({ ...fetchResult({ httpStatus: null, address: null, error: { code: 'SERVFAIL', message: 'x' }, failedPhase: 'dns' }), site: name, resolver: r, resolvers: [r], outcome: 'dns-error' }))),
        fetched('cf1', '127.0.10.1', responses.cloudflareOk()),
      ];
      return run(sites, dns, attempts);
    };
    const oneZone = outcome([['www', 'www.acme.test', 'acme.test'], ['api', 'api.acme.test', 'acme.test']]);
    expect(oneZone.sites.filter((s) => s.name !== 'cf1').map((s) => s.failingZone)).toMatchObject([{ zone: 'acme.test', own: true, provider: 'Dyn' }, { zone: 'acme.test', own: true, provider: 'Dyn' }]);
    expect(oneZone.incidents).toEqual([]);
    expect(oneZone.sites.find((s) => s.name === 'www')!.blame).toMatchObject({ layer: 'authoritative-dns' });
    const twoZones = outcome([['www', 'www.acme.test', 'acme.test'], ['shop', 'www.shop.test', 'shop.test']]);
    expect(twoZones.incidents.map((i) => [i.kind, i.provider, i.sites])).toEqual([['authoritative-dns', 'Dyn', ['www', 'shop']]]);
  });

  it("several sites' own zones failing at every resolver with no name server known: a finding, never an incident", () => {
    // As Unbound answers when a zone's servers are unreachable: SERVFAIL for every question, NS included, no EDE.
    const failingDns = (h: string) => [...resolved(h, { outcome: 'servfail' }), ...['alpha', 'beta'].map((r) => dnsAnswer({ resolver: r, name: h, type: 'NS', outcome: 'servfail', rcode: 'SERVFAIL', values: [], zone: h }))];
    const dnsError = (s: string) => ['alpha', 'beta'].map((r) => attempt({ ...fetchResult({ httpStatus: null, address: null, error: { code: 'SERVFAIL', message: 'x' }, failedPhase: 'dns' }), site: s, resolver: r, resolvers: [r], outcome: 'dns-error' }));
    const outcome = (failing: string[], extraDns: DnsAnswer[] = []) => {
      const sites = [...failing, 'cf1'].map((n) => site({ name: n, url: `https://www.${n}.test/` }));
      const dns = [...failing.flatMap((n) => failingDns(`www.${n}.test`)), ...extraDns, ...resolved('www.cf1.test')];
      return run(sites, dns, [...failing.flatMap(dnsError), fetched('cf1', '127.0.10.1', responses.cloudflareOk())]);
    };
    const r = outcome(['n1', 'n2', 'n3']);
    expect(r.incidents).toEqual([]);
    expect(r.verdict).toMatchObject({ verdict: 'site-failures', exitCode: 1 });
    expect(r.findings.map((f) => [f.kind, f.provider, f.sites, f.controls])).toEqual([['authoritative-dns', null, ['n1', 'n2', 'n3'], ['cf1']]]);
    expect(r.findings[0]!.confidence).toBeLessThanOrEqual(0.4);
    expect(r.findings[0]!.summary).toMatch(/^Possibly one DNS host failing: 3 zones \(www\.n1\.test, www\.n2\.test, www\.n3\.test\) fail at every resolver at once \(SERVFAIL\) while 1 site elsewhere resolves — not an incident: their name servers could not be learned/);
    for (const n of ['n1', 'n2', 'n3']) expect(r.sites.find((s) => s.name === n)!.blame).toMatchObject({ layer: 'authoritative-dns', provider: null });
    // One zone failing is that zone's trouble; and nothing at all resolving is no DNS host's doing.
    expect(outcome(['n1']).findings).toEqual([]);
  });

  describe("a name the public resolvers say does not exist, answered by one resolver's redirect", () => {
    const three = [...RESOLVERS, resolver('isp', 'Example ISP')];
    const nx = (r: string) => (['A', 'AAAA'] as const).map((type) => dnsAnswer({ resolver: r, name: 'gone.test', type, outcome: 'nxdomain', rcode: 'NXDOMAIN', values: [] }));
    const noName = (r: string) => attempt({ ...fetchResult({ httpStatus: null, address: null, error: { code: 'NXDOMAIN', message: 'x' }, failedPhase: 'dns' }), id: `gone|edge|dns:${r}`, site: 'gone', resolver: r, resolvers: [r], outcome: 'dns-error' });
    const viaIsp = (response: Partial<FetchResult>) => fetched('gone', '10.9.9.9', response, { id: 'gone|edge|10.9.9.9', resolver: 'isp', resolvers: ['isp'] });
    const outcome = (ispFetch: Attempt) => {
      const dns = [...nx('alpha'), ...nx('beta'), dnsAnswer({ resolver: 'isp', name: 'gone.test', type: 'A', values: ['10.9.9.9'] }), ...resolved('cf1.test', { resolvers: ['alpha', 'beta', 'isp'] })];
      const r = run([spec('gone'), spec('cf1')], dns, [noName('alpha'), noName('beta'), ispFetch, fetched('cf1', '127.0.10.1', responses.cloudflareOk(), { resolvers: ['alpha', 'beta', 'isp'] })], three);
      return r.sites.find((s) => s.name === 'gone')!;
    };

    it('its address showing another name\'s certificate: the redirect is that resolver\'s, the missing name the zone\'s', () => {
      const redirect = { subject: 'CN=search.isp.example', issuer: 'CN=Real CA', validFrom: '2026-01-01T00:00:00Z', validTo: '2027-01-01T00:00:00Z', subjectAltNames: [], authorized: false, authorizationError: 'ERR_TLS_CERT_ALTNAME_INVALID' };
      const gone = outcome(viaIsp({ httpStatus: null, headers: {}, bodySample: '', error: { code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: 'x' }, failedPhase: 'tls', tls: redirect }));
      expect(gone).toMatchObject({ status: 'down', blame: { layer: 'site', provider: null } });
      expect(gone.blame!.reason).toMatch(/^alpha, beta say gone\.test does not exist \(NXDOMAIN\), and isp's address for it is a redirect: the name is missing from its zone/);
      expect(gone.attempts.find((a) => a.resolver === 'isp')).toMatchObject({ layer: 'resolver', provider: 'Example ISP' });
      expect(gone.attempts.find((a) => a.resolver === 'isp')!.explanation).toMatch(/^resolver isp answers gone\.test, which alpha, beta say does not exist \(NXDOMAIN\), with 10\.9\.9\.9, whose certificate is for CN=search\.isp\.example: an NXDOMAIN redirect/);
    });

    it('control: a resolver that alone knows the name (an internal zone) and leads nowhere is the site down there, no redirect', () => {
      const gone = outcome(viaIsp({ httpStatus: null, headers: {}, bodySample: '', error: { code: 'ECONNREFUSED', message: 'x' }, failedPhase: 'connect' }));
      expect(gone.status).toBe('down');
      expect(gone.attempts.find((a) => a.resolver === 'isp')!.explanation ?? '').not.toMatch(/redirect/);
      expect(gone.blame!.reason).not.toMatch(/redirect/);
    });
  });

  describe("an address only some resolvers give, where a server that is not the site's answers", () => {
    // The site moved to Cloudflare; a resolver still gives the addresses it had before (a local record, an old cache,
    // a zone's name server serving an old copy), where another customer is served now.
    const four = [...RESOLVERS, resolver('isp', 'Example ISP'), resolver('quad', 'Quad9')];
    const other = { subject: 'CN=news.example', issuer: 'CN=Real CA', validFrom: '2026-01-01T00:00:00Z', validTo: '2027-01-01T00:00:00Z', subjectAltNames: ['news.example', 'www.news.example'], authorized: false, authorizationError: 'ERR_TLS_CERT_ALTNAME_INVALID' };
    const refusesTheName = { httpStatus: null, headers: {}, bodySample: '', error: { code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: 'x' }, failedPhase: 'tls' as const, tls: other };
    const answer = (r: string, address: string) => dnsAnswer({ resolver: r, name: 'shop.test', type: 'A', values: [address] });
    /** shop served at `served` through the resolvers not in `stray`, which give `strayAddress` instead. */
    const outcome = (stray: string[], strayAddress: string, strayFetch: Partial<FetchResult>, served = '104.16.10.10', servedFetch: Partial<FetchResult> = responses.cloudflareOk()) => {
      const good = four.map((r) => r.name).filter((r) => !stray.includes(r));
      const dns = [...stray.map((r) => answer(r, strayAddress)), ...good.map((r) => answer(r, served)), ...resolved('cf1.test', { resolvers: four.map((r) => r.name) })];
      const attempts = [
        fetched('shop', strayAddress, strayFetch, { resolver: stray[0]!, resolvers: stray }),
        fetched('shop', served, servedFetch, { resolver: good[0]!, resolvers: good }),
        fetched('cf1', '127.0.10.1', responses.cloudflareOk(), { resolvers: four.map((r) => r.name) }),
      ];
      const r = run([spec('shop'), spec('cf1')], dns, attempts, four);
      return { ...r, shop: r.sites.find((s) => s.name === 'shop')!, strayed: r.sites.find((s) => s.name === 'shop')!.attempts.find((a) => a.address === strayAddress)! };
    };

    it("one resolver's answer in another provider's range, its server's certificate for other names: that resolver's stale answer", () => {
      const r = outcome(['isp'], '151.101.1.10', refusesTheName);
      expect(r.strayed).toMatchObject({ layer: 'resolver', provider: 'Example ISP' });
      expect(r.strayed.explanation).toBe(
        "resolver isp's address for shop.test, 151.101.1.10 (Fastly's range), is not where it is served: whose server's certificate is for news.example, www.news.example, while alpha, beta, quad give 104.16.10.10 (Cloudflare's range), which serves it. A stale or overridden answer — the resolver's own (a local DNS record, an old cache) or a name server of the zone still serving an old copy; not the site's provider",
      );
      expect(r.shop).toMatchObject({ status: 'degraded', blame: { layer: 'resolver', provider: null } });
      expect(r.incidents).toEqual([]);
    });

    it('resolvers of two operators giving the same stray answer: the zone\'s name servers disagree, no resolver blamed', () => {
      const r = outcome(['isp', 'quad'], '151.101.1.10', refusesTheName);
      expect(r.strayed).toMatchObject({ layer: 'authoritative-dns', provider: null });
      expect(r.strayed.explanation).toMatch(/^resolvers isp, quad' address for shop\.test, 151\.101\.1\.10 \(Fastly's range\), is not where it is served: .* while alpha, beta give 104\.16\.10\.10 \(Cloudflare's range\), which serves it\. Resolvers of 2 operators hold the same stray answer, so the zone's name servers likely disagree/);
      expect(r.incidents).toEqual([]);
    });

    it('an old server in no published range (the site moved from its own server to Cloudflare), refusing TLS for the name: the same', () => {
      const r = outcome(['isp'], '203.0.113.10', { ...refusesTheName, tls: null, error: { code: 'ERR_SSL_TLSV1_UNRECOGNIZED_NAME', message: 'x' } });
      expect(r.strayed).toMatchObject({ layer: 'resolver', provider: 'Example ISP' });
      expect(r.strayed.explanation).toMatch(/^resolver isp's address for shop\.test, 203\.0\.113\.10 \(in no published range\), is not where it is served: whose server refuses TLS for the name \(ERR_SSL_TLSV1_UNRECOGNIZED_NAME\), while alpha, beta, quad give 104\.16\.10\.10 \(Cloudflare's range\)/);
    });

    it("control: two addresses in one provider's ranges are its own steering: the provider's TLS reading stays", () => {
      const r = outcome(['isp'], '104.16.20.20', refusesTheName);
      expect(r.strayed).toMatchObject({ layer: 'tls', provider: 'Cloudflare' });
      expect(r.strayed.explanation).not.toMatch(/stale|stray/);
    });

    it("control: two addresses in nobody's ranges (the site's own servers behind a global load balancer) cannot be told from a stale answer: the TLS reading stays", () => {
      const r = outcome(['isp'], '203.0.113.10', refusesTheName, '198.51.100.10', responses.healthy());
      expect(r.strayed).toMatchObject({ layer: 'tls', provider: null });
      expect(r.strayed.explanation).not.toMatch(/stale|stray/);
    });

    it('control: a stray address that refuses the connection is not shown to be another server; it is named by its own range, not as the site\'s edge', () => {
      const r = outcome(['isp'], '151.101.1.10', { httpStatus: null, headers: {}, bodySample: '', error: { code: 'ECONNREFUSED', message: 'x' }, failedPhase: 'connect' });
      expect(r.strayed).toMatchObject({ layer: 'network', provider: 'Fastly' });
      expect(r.strayed.explanation).toMatch(/Fastly edge 151\.101\.1\.10/);
      expect(r.strayed.explanation).not.toMatch(/Cloudflare/);
    });

    it("control: nowhere serving the site, nothing shows which answer is the stray one", () => {
      const r = outcome(['isp'], '151.101.1.10', refusesTheName, '104.16.10.10', responses.cloudflareEdge500('FRA'));
      expect(r.strayed.layer).toBe('tls');
      expect(r.strayed.explanation).not.toMatch(/stale|stray/);
    });
  });

  it("a connection failure at an address in a cloud's customer ranges is that address's, not the site's edge's", () => {
    const dns = [...resolved('shop.test', { address: '104.16.10.10', resolvers: ['alpha'] }), ...resolved('shop.test', { address: '3.120.0.10', resolvers: ['beta'] })];
    const attempts = [fetched('shop', '104.16.10.10', responses.cloudflareOk(), { resolvers: ['alpha'] }), failedFetch('shop', '3.120.0.10', 'ETIMEDOUT', 'connect', { resolver: 'beta', resolvers: ['beta'] })];
    const shop = run([spec('shop')], dns, attempts).sites[0]!;
    const timedOut = shop.attempts.find((a) => a.address === '3.120.0.10')!;
    expect(timedOut.provider).toBeNull();
    expect(timedOut.explanation).not.toMatch(/Cloudflare/);
    expect(timedOut.explanation).toMatch(/3\.120\.0\.10/);
  });

  it("a failure at an address on a private network is that address's: no provider's edge is there", () => {
    const dns = [...resolved('shop.test', { address: '104.16.10.10', resolvers: ['alpha'] }), ...resolved('shop.test', { address: '10.20.0.9', resolvers: ['beta'] })];
    const attempts = [fetched('shop', '104.16.10.10', responses.cloudflareOk(), { resolvers: ['alpha'] }), failedFetch('shop', '10.20.0.9', 'ECONNREFUSED', 'connect', { resolver: 'beta', resolvers: ['beta'] })];
    const refused = run([spec('shop')], dns, attempts).sites[0]!.attempts.find((a) => a.address === '10.20.0.9')!;
    expect(refused.provider).toBeNull();
    expect(refused.explanation).not.toMatch(/Cloudflare/);
    // Loopback stays the known edge's: this machine serving in front of the site (and the lab's edges).
    const lab = run([spec('shop')], resolved('shop.test'), [fetched('shop', '127.0.1.1', responses.cloudflareOk(), { id: 'shop|edge|ok' }), failedFetch('shop', '127.0.1.2', 'ECONNREFUSED', 'connect')]).sites[0]!;
    expect(lab.attempts.find((a) => a.address === '127.0.1.2')!.provider).toBe('Cloudflare');
  });

  it("one zone's own broken DNS (NXDOMAIN everywhere) is that site's problem", () => {
    const sites = ['gone', 'cf1'].map(spec);
    const dns = [...resolved('gone.test', { outcome: 'nxdomain' }), ...resolved('cf1.test')];
    const attempts = [
      attempt({ ...fetchResult({ httpStatus: null, address: null, error: { code: 'NXDOMAIN', message: 'x' }, failedPhase: 'dns' }), site: 'gone', outcome: 'dns-error' }),
      fetched('cf1', '127.0.10.1', responses.cloudflareOk()),
    ];
    const r = run(sites, dns, attempts);
    expect(r.incidents).toEqual([]);
    expect(r.verdict.verdict).toBe('site-failures');
  });
});

describe('a connection broken off after the request', () => {
  it('is the edge of the provider that fronts the site, not the site', () => {
    const sites = ['a', 'b', 'fastly1'].map(spec);
    const dns = [
      ...resolved('a.test', { cname: ['a.test.cdn.cloudflare.net'] }),
      ...resolved('b.test', { cname: ['b.test.cdn.cloudflare.net'] }),
      ...resolved('fastly1.test'),
    ];
    const attempts = [
      failedFetch('a', '127.0.10.1', 'ECONNRESET', 'response'),
      failedFetch('b', '127.0.10.2', 'ECONNRESET', 'response'),
      fetched('fastly1', '127.0.20.1', responses.fastlyOk()),
    ];
    const r = run(sites, dns, attempts);
    expect(r.sites[0]!.attempts[0]).toMatchObject({ outcome: 'http-error', layer: 'edge', provider: 'Cloudflare' });
    expect(r.sites[0]!.attempts[0]!.explanation).toMatch(/broke off the exchange after the request \(ECONNRESET\)/);
    expect(r.incidents.map((i) => [i.provider, i.layer])).toEqual([['Cloudflare', 'edge']]);
  });
});

describe('Fastly-fronted sites whose origins are down', () => {
  const request = (host: string): EdgeRequest => ({ host, path: '/', method: 'GET', userAgent: 'outage-probe/test', httpVersion: '1.1', edgeIndex: 0, pop: null, now: new Date('2026-11-22T08:00:00Z') });
  /** A corpus shape as one recorded fetch of `name`. */
  const shape = (id: string, name: string): Partial<FetchResult> => {
    const r = corpusEntry(id).respond(request(host(name)));
    return { httpStatus: r.status, headers: r.headers, bodySample: r.body };
  };
  const refused = { httpStatus: null, headers: {}, bodySample: '', error: { code: 'ECONNREFUSED', message: 'refused' }, failedPhase: 'connect' as const };
  const fastlyDns = (name: string, address: string) => resolved(host(name), { cname: [`dualstack.${name}.map.fastly.net`], address });

  it('four origins down behind Fastly (backend 503s, one with a reason Fastly does not document) make no Fastly incident', () => {
    const backend503s = ['fastly/no-healthy-backends', 'fastly/no-healthy-ip', 'fastly/operation-now-in-progress', 'fastly/undocumented-reason'];
    const names = ['f1', 'f2', 'f3', 'f4'];
    const sites = [...names, 'cf1'].map(spec);
    const dns = [...names.map((n, i) => fastlyDns(n, `127.0.11.${i + 1}`)).flat(), ...resolved('cf1.test')];
    const attempts = [
      ...names.map((n, i) => fetched(n, `127.0.11.${i + 1}`, shape(backend503s[i]!, n))),
      ...names.map((n) => originFetch(n, refused)),
      fetched('cf1', '127.0.10.1', responses.cloudflareOk()),
    ];
    const r = run(sites, dns, attempts);
    expect(r.incidents).toEqual([]);
    expect(r.verdict).toMatchObject({ verdict: 'site-failures', exitCode: 1 });
    expect(names.map((n) => r.sites.find((s) => s.name === n)!.attempts.find((a) => a.path === 'edge')).map((a) => [a!.layer, a!.provider])).toEqual([
      ['origin', 'Fastly'],
      ['origin', 'Fastly'],
      ['origin', 'Fastly'],
      ['unknown', 'Fastly'],
    ]);
    // Blame: the origins for the documented reasons, unknown (low confidence) for the undocumented one; never Fastly.
    expect(names.map((n) => r.sites.find((s) => s.name === n)!.blame).map((b) => [b!.layer, b!.provider, b!.confidence])).toEqual([
      ['origin', null, 0.9],
      ['origin', null, 0.9],
      ['origin', null, 0.9],
      ['unknown', null, 0.3],
    ]);
  });

  /** Fastly's generic 503 on each named site, each origin as fetched directly (null: no origin path), and a healthy Cloudflare site. */
  const genericOn = (names: string[], origins: Array<Partial<FetchResult> | null>, originAddress?: string) => {
    const sites = [...names, 'cf1'].map(spec);
    const dns = [...names.flatMap((n, i) => fastlyDns(n, `127.0.11.${i + 1}`)), ...resolved('cf1.test')];
    const attempts = [
      ...names.map((n, i) => fetched(n, `127.0.11.${i + 1}`, shape('fastly/generic-service-unavailable', n))),
      ...names.flatMap((n, i) => (origins[i] ? [originFetch(n, origins[i]!, originAddress)] : [])),
      fetched('cf1', '127.0.10.1', responses.cloudflareOk()),
    ];
    return run(sites, dns, attempts);
  };

  it("Fastly's generic synthetic 503 on every Fastly site, origins down when reached directly, is unknown per site: never a provider incident", () => {
    const names = ['f1', 'f2', 'f3'];
    const r = genericOn(names, [refused, refused, refused]);
    expect(r.incidents).toEqual([]);
    expect(r.verdict.exitCode).toBe(1);
    for (const n of names) {
      const site = r.sites.find((s) => s.name === n)!;
      expect(site.attempts.find((a) => a.path === 'edge')).toMatchObject({ layer: 'unknown', provider: 'Fastly' });
      expect(site.blame).toMatchObject({ layer: 'unknown', provider: null, confidence: 0.3 });
      expect(site.blame!.reason).toContain('the page says "Service Unavailable"');
    }
  });

  it("the same generic 503 with the origins answering directly is Fastly's own trouble, said to rest on that", () => {
    const names = ['f1', 'f2', 'f3'];
    const r = genericOn(names, [responses.healthy(), responses.healthy(), responses.healthy()]);
    expect(r.incidents.map((i) => [i.provider, i.layer, i.sites])).toEqual([['Fastly', 'edge', names]]);
    expect(r.incidents[0]!.summary).toMatch(/Fastly's own error pages give no documented cause, and the origins answer directly/);
    expect(r.incidents[0]!.confidence).toBeLessThan(0.9);
  });

  it("the same generic 503 with one origin server behind every site, answering directly: that server's trouble with Fastly is as likely, a finding", () => {
    // It read as a "Fastly edge incident" (confidence 0.81): one server that turns Fastly away gives every site on it the page.
    const names = ['f1', 'f2', 'f3'];
    const r = genericOn(names, [responses.healthy(), responses.healthy(), responses.healthy()], '127.0.9.99');
    expect(r.incidents).toEqual([]);
    expect(r.verdict).toMatchObject({ verdict: 'site-failures', exitCode: 1 });
    expect(r.findings.map((f) => [f.provider, f.layer, f.sites])).toEqual([['Fastly', 'unknown', names]]);
    expect(r.findings[0]!.summary).toMatch(/ — not an incident: the origins that answer here are one server, 127\.0\.9\.99: Fastly's way to it, or that server turning Fastly away, can do this \(confidence 0\.4\)$/);
    for (const n of names) expect(r.sites.find((s) => s.name === n)!.blame).toMatchObject({ layer: 'unknown', provider: null });
    // Two sites on it and one elsewhere are two servers: enough with minSites 2.
    const twoServers = run([...names, 'cf1'].map(spec), [...names.flatMap((n, i) => fastlyDns(n, `127.0.11.${i + 1}`)), ...resolved('cf1.test')], [
      ...names.map((n, i) => fetched(n, `127.0.11.${i + 1}`, shape('fastly/generic-service-unavailable', n))),
      originFetch('f1', responses.healthy(), '127.0.9.99'),
      originFetch('f2', responses.healthy(), '127.0.9.99'),
      originFetch('f3', responses.healthy(), '127.0.9.98'),
      fetched('cf1', '127.0.10.1', responses.cloudflareOk()),
    ]);
    expect(twoServers.incidents.map((i) => [i.provider, i.layer, i.sites])).toEqual([['Fastly', 'edge', names]]);
  });

  it('the same generic 503 on four Fastly sites, three origins answering directly and one refusing: the three are the Fastly edge incident', () => {
    const r = genericOn(['f1', 'f2', 'f3', 'f4'], [responses.healthy(), responses.healthy(), responses.healthy(), refused]);
    expect(r.incidents.map((i) => [i.provider, i.layer, i.sites])).toEqual([['Fastly', 'edge', ['f1', 'f2', 'f3']]]);
    expect(r.sites.find((s) => s.name === 'f4')!.blame).toMatchObject({ layer: 'unknown', provider: null });
  });

  it('the same generic 503 on three Fastly sites, two origins refusing directly and one answering: too little for the edge, no incident', () => {
    const r = genericOn(['f1', 'f2', 'f3'], [responses.healthy(), refused, refused]);
    expect(r.incidents).toEqual([]);
    expect(r.findings).toEqual([]);
  });

  it('the same generic 503 with no origin path to tell: a finding, not an incident', () => {
    const r = genericOn(['f1', 'f2', 'f3'], [null, null, null]);
    expect(r.incidents).toEqual([]);
    expect(r.findings.map((i) => [i.provider, i.layer])).toEqual([['Fastly', 'unknown']]);
    expect(r.verdict.exitCode).toBe(1);
  });
});

describe("a provider's pages blaming origins that answer directly", () => {
  const originAt = (siteName: string, address: string, response: Partial<FetchResult>) =>
    fetched(siteName, address, response, { path: 'origin', resolver: null, resolvers: [], id: `${siteName}|origin|${address}` });
  const refused = { httpStatus: null, headers: {}, bodySample: '', error: { code: 'ECONNREFUSED', message: 'refused' }, failedPhase: 'connect' as const };
  const cfSites = [1, 2, 3].map(cf);
  const sites = [...cfSites, 'fastly1', 'akamai1'].map(spec);
  const dns = sites.flatMap((s) => resolved(s.host));
  const controls = [fetched('fastly1', '127.0.20.1', responses.fastlyOk()), fetched('akamai1', '127.0.30.1', responses.akamaiOk())];
  const cf522 = cfSites.map((s, i) => fetched(s, `127.0.10.${i + 1}`, responses.cloudflare522(host(s))));

  it('three unrelated origins answering here while Cloudflare says 522 for each: the path from Cloudflare to them, one incident', () => {
    const r = run(sites, dns, [...cf522, ...cfSites.map((s, i) => originAt(s, `127.0.9.${i + 1}`, responses.healthy())), ...controls]);
    expect(r.incidents.map((i) => [i.kind, i.provider, i.layer, i.sites, i.scope])).toEqual([['provider', 'Cloudflare', 'origin', cfSites, 'all']]);
    expect(r.incidents[0]!.summary).toMatch(
      /^Cloudflare origin connection incident: 3 of 3 Cloudflare-fronted sites fail with Cloudflare's own 522 pages blaming the origin; yet the origins answer when fetched directly from here \(3 distinct addresses\); 2 sites on other providers are healthy/,
    );
    expect(r.incidents[0]!.evidence.join('\n')).toMatch(/what fails lies between Cloudflare and these origins: the way to them, or something in front of all of them/);
    expect(r.verdict).toMatchObject({ verdict: 'provider-incident', exitCode: 2 });
    for (const name of cfSites) expect(r.sites.find((s) => s.name === name)!.blame).toMatchObject({ layer: 'origin', provider: 'Cloudflare' });
  });

  it('one origin server behind all of them, answering here: its own trouble with Cloudflare (a firewall), no incident', () => {
    const r = run(sites, dns, [...cf522, ...cfSites.map((s) => originAt(s, '127.0.9.9', responses.healthy())), ...controls]);
    expect(r.incidents).toEqual([]);
    expect(r.findings).toEqual([]);
    expect(r.verdict).toMatchObject({ verdict: 'site-failures', exitCode: 1 });
    for (const name of cfSites) {
      const blame = r.sites.find((s) => s.name === name)!.blame!;
      expect(blame).toMatchObject({ layer: 'origin', provider: null, confidence: 0.4 });
      expect(blame.reason).toMatch(/^Cloudflare answered 522: .*; yet the origin answers when fetched directly from here: what fails lies between Cloudflare and the origin \(the way to it, or how the origin treats Cloudflare's requests\)$/);
    }
  });

  it('origins refusing when reached directly: what Cloudflare says stands, per site, no incident', () => {
    const r = run(sites, dns, [...cf522, ...cfSites.map((s, i) => originAt(s, `127.0.9.${i + 1}`, refused)), ...controls]);
    expect(r.incidents).toEqual([]);
    for (const name of cfSites) {
      const blame = r.sites.find((s) => s.name === name)!.blame!;
      expect(blame).toMatchObject({ layer: 'origin', provider: null });
      expect(blame.reason).not.toMatch(/answers when fetched directly/);
    }
  });

  it('an origin answering on one address and refusing on another is not an origin that answers', () => {
    const r = run(sites, dns, [
      ...cf522,
      ...cfSites.flatMap((s, i) => [originAt(s, `127.0.9.${i + 1}`, responses.healthy()), originAt(s, `127.0.8.${i + 1}`, refused)]),
      ...controls,
    ]);
    expect(r.incidents).toEqual([]);
    expect(r.sites.find((s) => s.name === 'cf1')!.blame!.reason).not.toMatch(/answers when fetched directly/);
  });

  it('two of five Cloudflare sites so failing, the other three served: a finding that says why it is not an incident', () => {
    const five = [1, 2, 3, 4, 5].map(cf);
    const all = [...five, 'fastly1'].map(spec);
    const r = run(all, all.flatMap((s) => resolved(s.host)), [
      ...cf522.slice(0, 2),
      ...five.slice(0, 2).map((s, i) => originAt(s, `127.0.9.${i + 1}`, responses.healthy())),
      ...five.slice(2).map((s, i) => fetched(s, `127.0.10.${i + 3}`, responses.cloudflareOk())),
      controls[0]!,
    ]);
    expect(r.incidents).toEqual([]);
    expect(r.findings.map((i) => [i.provider, i.layer, i.sites])).toEqual([['Cloudflare', 'origin', ['cf1', 'cf2']]]);
    expect(r.findings[0]!.summary).toMatch(/^Possibly Cloudflare origin connection: .*not an incident: only 2 of 5 Cloudflare-fronted sites fail this way; the others reach their origins/);
    expect(r.verdict.exitCode).toBe(1);
  });

  it("Fastly's documented backend reasons on three sites whose origins answer directly: a Fastly origin connection incident", () => {
    const request = (h: string): EdgeRequest => ({ host: h, path: '/', method: 'GET', userAgent: 'outage-probe/test', httpVersion: '1.1', edgeIndex: 0, pop: null, now: new Date('2026-11-22T08:00:00Z') });
    const names = ['f1', 'f2', 'f3'];
    const fastlySites = [...names, 'cf1'].map(spec);
    const fastlyDns = [...names.flatMap((n, i) => resolved(host(n), { cname: [`dualstack.${n}.map.fastly.net`], address: `127.0.11.${i + 1}` })), ...resolved('cf1.test')];
    const backend = ['fastly/no-healthy-backends', 'fastly/connection-timed-out', 'fastly/first-byte-timeout'];
    const r = run(fastlySites, fastlyDns, [
      ...names.map((n, i) => {
        const page = corpusEntry(backend[i]!).respond(request(host(n)));
        return fetched(n, `127.0.11.${i + 1}`, { httpStatus: page.status, headers: page.headers, bodySample: page.body });
      }),
      ...names.map((n, i) => originAt(n, `127.0.9.${i + 1}`, responses.healthy())),
      fetched('cf1', '127.0.10.1', responses.cloudflareOk()),
    ]);
    expect(r.incidents.map((i) => [i.provider, i.layer, i.sites])).toEqual([['Fastly', 'origin', names]]);
  });
});

describe('a failing resolver on the same run as another failure', () => {
  // alpha (Cloudflare's resolver) times out for every name; beta answers. Each site's alpha path has no address.
  const alphaSilent = (names: string[]) => [
    ...names.flatMap((n) => [...resolved(host(n), { resolvers: ['beta'], address: '127.0.1.1' }), ...resolved(host(n), { resolvers: ['alpha'], outcome: 'timeout' })]),
  ];
  const noAddressViaAlpha = (name: string) =>
    attempt({ ...fetchResult({ httpStatus: null, address: null, error: { code: 'ETIMEDOUT', message: 'x' }, failedPhase: 'dns' }), site: name, id: `${name}|edge|alpha`, resolver: 'alpha', resolvers: ['alpha'], outcome: 'dns-error' });
  const viaBeta = { resolver: 'beta', resolvers: ['beta'] };

  it('sites down behind a failing CDN are the CDN\'s, not the resolver\'s; sites degraded only by the resolver are its controls; the CDN leads', () => {
    const names = ['cf1', 'cf2', 'cf3', 'fastly1', 'akamai1'];
    const attempts = [
      ...names.map(noAddressViaAlpha),
      ...['cf1', 'cf2', 'cf3'].map((n, i) => fetched(n, `127.0.10.${i + 1}`, responses.cloudflareEdge500(), viaBeta)),
      fetched('fastly1', '127.0.20.1', responses.fastlyOk(), viaBeta),
      fetched('akamai1', '127.0.30.1', responses.akamaiOk(), viaBeta),
    ];
    const r = run(names.map(spec), alphaSilent(names), attempts);
    expect(r.incidents.map((i) => [i.kind, i.provider, i.layer])).toEqual([
      ['provider', 'Cloudflare', 'edge'],
      ['resolver', 'Cloudflare', 'resolver'],
    ]);
    expect(r.verdict.summary).toMatch(/^Cloudflare edge incident: /);
    expect(r.incidents[0]!.summary).toMatch(/2 sites on other providers are healthy/);
    for (const n of ['cf1', 'cf2', 'cf3']) expect(r.sites.find((s) => s.name === n)!.blame).toMatchObject({ layer: 'edge', provider: 'Cloudflare' });
    for (const n of ['fastly1', 'akamai1']) {
      const site = r.sites.find((s) => s.name === n)!;
      expect(site.status).toBe('degraded');
      expect(site.blame).toMatchObject({ layer: 'resolver', provider: 'Cloudflare' });
    }
  });

  it('a site down at its own origin is blamed on its origin, the resolver incident said beside it', () => {
    const names = ['a', 'b', 'c', 'news'];
    const request = (h: string): EdgeRequest => ({ host: h, path: '/', method: 'GET', userAgent: 'outage-probe/test', httpVersion: '1.1', edgeIndex: 0, pop: null, now: new Date('2026-11-22T08:00:00Z') });
    const page = corpusEntry('fastly/first-byte-timeout').respond(request(host('news')));
    const attempts = [
      ...names.map(noAddressViaAlpha),
      ...['a', 'b', 'c'].map((n) => fetched(n, '127.0.1.1', responses.healthy(), viaBeta)),
      fetched('news', '127.0.11.1', { httpStatus: page.status, headers: page.headers, bodySample: page.body }, viaBeta),
    ];
    const r = run(names.map(spec), alphaSilent(names), attempts);
    expect(r.incidents.map((i) => [i.kind, i.provider])).toEqual([['resolver', 'Cloudflare']]);
    const news = r.sites.find((s) => s.name === 'news')!;
    expect(news.status).toBe('down');
    expect(news.blame).toMatchObject({ layer: 'origin', provider: null });
    expect(news.blame!.reason).toMatch(/^Fastly answered 503 "first byte timeout": .*; besides, part of the Cloudflare resolver incident$/);
    expect(r.verdict.summary).toMatch(/^Cloudflare resolver alpha failing: .* \(\+1 site down outside it\)$/);
    expect(r.sites.find((s) => s.name === 'a')!.blame).toMatchObject({ layer: 'resolver', provider: 'Cloudflare' });
  });

  it('a name with no address, as the resolvers that replied say, is the record\'s, not a failing zone\'s: the silent resolver says nothing about it', () => {
    const names = ['a', 'b', 'empty1', 'empty2'];
    const dns = [
      ...alphaSilent(['a', 'b']),
      ...['empty1', 'empty2'].flatMap((n) => [...resolved(host(n), { resolvers: ['beta'] }).map((d) => ({ ...d, outcome: 'empty' as const, values: [] })), ...resolved(host(n), { resolvers: ['alpha'], outcome: 'timeout' })]),
    ];
    const noAddressViaBeta = (name: string) =>
      attempt({ ...fetchResult({ httpStatus: null, address: null, error: { code: 'ENODATA', message: 'x' }, failedPhase: 'dns' }), site: name, id: `${name}|edge|beta`, resolver: 'beta', resolvers: ['beta'], outcome: 'dns-error' });
    const attempts = [...names.map(noAddressViaAlpha), ...['a', 'b'].map((n) => fetched(n, '127.0.1.1', responses.healthy(), viaBeta)), ...['empty1', 'empty2'].map(noAddressViaBeta)];
    const r = run(names.map(spec), dns, attempts);
    expect(r.incidents.map((i) => i.kind)).toEqual(['resolver']);
    for (const n of ['empty1', 'empty2']) {
      const site = r.sites.find((s) => s.name === n)!;
      expect(site.failingZone).toBeNull();
      expect(site.blame).toMatchObject({ layer: 'site', provider: null });
      expect(site.blame!.reason).toMatch(/exists with no A or AAAA record \(alpha gave no reply\): the site's zone publishes no address/);
    }
  });
});

describe('control planes (kind: control-plane)', () => {
  const api = site({ name: 'cf-api', url: 'https://api.cloudflare.com/client/v4/', kind: 'control-plane', provider: 'cloudflare' });
  const pages = [spec('shop'), spec('blog')];
  const dns = [...resolved(api.host, { address: '127.0.1.9' }), ...resolved(host('shop')), ...resolved(host('blog'))];
  const servingPages = [fetched('shop', '127.0.1.1', responses.cloudflareOk()), fetched('blog', '127.0.1.1', responses.cloudflareOk())];

  it('an API answering 5xx while the edge serves: a control-plane incident that says traffic is unaffected', () => {
    const r = run([...pages, api], dns, [...servingPages, fetched('cf-api', '127.0.1.9', { httpStatus: 503, headers: { server: 'cloudflare', 'cf-ray': '8fcb3f8a0cc56750-FRA' }, bodySample: '{"success":false}' })]);
    expect(r.incidents.map((i) => [i.id, i.layer, i.sites, i.confidence])).toEqual([['provider:Cloudflare:control-plane', 'control-plane', ['cf-api'], 0.8]]);
    expect(r.incidents[0]!.summary).toContain('its edge serves your 2 sites normally: traffic is unaffected, changes will fail');
    expect(r.verdict.verdict).toBe('provider-incident');
  });

  it('a 401 or 403 from the API is up', () => {
    const r = run([...pages, api], dns, [...servingPages, fetched('cf-api', '127.0.1.9', { httpStatus: 403, headers: { server: 'cloudflare', 'cf-ray': '8fcb3f8a0cc56750-FRA' }, bodySample: '{"success":false,"errors":[{"code":10000}]}' })]);
    expect(r.incidents).toEqual([]);
    expect(r.sites.find((s) => s.name === 'cf-api')!.status).toBe('ok');
  });

  it('an API this host cannot connect to blames no provider: it stays the endpoint’s own failure', () => {
    const r = run([...pages, api], dns, [...servingPages, failedFetch('cf-api', '127.0.1.9', 'ECONNREFUSED', 'connect')]);
    expect(r.incidents).toEqual([]);
    expect(r.sites.find((s) => s.name === 'cf-api')).toMatchObject({ status: 'down', blame: { layer: 'network' } });
    expect(r.verdict.verdict).toBe('site-failures');
  });
});

describe('connections failing from here at several providers at once', () => {
  // Addresses in the providers' published ranges (recorded; nothing is sent): 104.16/13 Cloudflare, 151.101/16 Fastly,
  // 23.1/16 Akamai, 52.4/14 AWS us-east-1 (EC2).
  const NETWORKS: Record<string, [prefix: string, ok: () => Partial<FetchResult>]> = {
    cf: ['104.16.0', () => responses.cloudflareOk('FRA')],
    fy: ['151.101.0', () => responses.fastlyOk()],
    ak: ['23.1.0', () => responses.akamaiOk()],
    aw: ['52.4.0', () => responses.healthy()],
    // Servers of the sites' own (documentation addresses, RFC 5737: no provider's range).
    ow: ['198.51.100', () => responses.healthy()],
  };
  /** `total` sites of each network, in zones of their own, the first `failing` of each timing out at connect. */
  const layout = (counts: Record<string, [total: number, failing: number]>) => {
    const names = Object.entries(counts).flatMap(([net, [total]]) => Array.from({ length: total }, (_, i) => `${net}${i}`));
    const sites = names.map((n) => site({ name: n, url: `https://www.${n}.test/` }));
    const address = (n: string) => `${NETWORKS[n.slice(0, 2)]![0]}.${Number(n.slice(2)) + 1}`;
    const dns = names.flatMap((n) => [
      ...resolved(`www.${n}.test`, { address: address(n) }),
      ...['alpha', 'beta'].map((r) => dnsAnswer({ resolver: r, name: `www.${n}.test`, type: 'NS', values: ['ns1.dns.test'], zone: `${n}.test` })),
    ]);
    const attempts = names.map((n) =>
      Number(n.slice(2)) < counts[n.slice(0, 2)]![1] ? failedFetch(n, address(n), 'UND_ERR_CONNECT_TIMEOUT', 'connect') : fetched(n, address(n), NETWORKS[n.slice(0, 2)]![1]()),
    );
    return run(sites, dns, attempts);
  };

  it('are the way from this host, not three CDNs: findings that say so, no incident', () => {
    // It read as three incidents at once, "Cloudflare network incident (partial)", Fastly's and Akamai's, exit 2.
    const r = layout({ cf: [3, 2], fy: [3, 2], ak: [3, 2] });
    expect(r.incidents).toEqual([]);
    expect(r.verdict.exitCode).toBe(1);
    expect(r.findings.map((f) => [f.provider, f.layer, f.sites])).toEqual([
      ['Cloudflare', 'network', ['cf0', 'cf1']],
      ['Fastly', 'network', ['fy0', 'fy1']],
      ['Akamai', 'network', ['ak0', 'ak1']],
    ]);
    expect(r.findings[0]!.summary).toContain(
      'not an incident: connections to Fastly and Akamai fail from here at the same time (3 networks at once): the way from this host — its network dropping connections, a firewall, its uplink — is the likelier cause than all of their networks',
    );
  });

  it("count a cloud region's sites that fail only to connect, both ways", () => {
    const r = layout({ cf: [4, 3], aw: [4, 3], ak: [3, 0] });
    expect(r.incidents).toEqual([]);
    expect(r.findings.map((f) => [f.provider, f.layer, f.locations])).toEqual([
      ['Cloudflare', 'network', []],
      ['AWS', 'origin', ['us-east-1']],
    ]);
    expect(r.findings[1]!.summary).toContain('not an incident: connections to Cloudflare fail from here at the same time (2 networks at once)');
  });

  it("count sites on servers of their own failing only to connect, at independent servers and half of them or more", () => {
    // It read as "Cloudflare network incident (partial)", exit 2: self-hosted sites never counted.
    const r = layout({ cf: [3, 2], ow: [4, 3], ak: [3, 0] });
    expect(r.incidents).toEqual([]);
    expect(r.findings.map((f) => [f.provider, f.layer])).toEqual([['Cloudflare', 'network']]);
    expect(r.findings[0]!.summary).toContain('not an incident: connections to 3 self-hosted sites on 3 servers fail from here at the same time (2 networks at once)');
    // Controls: one own server down, or a third of them, is normal beside a CDN's outage.
    expect(layout({ cf: [4, 3], ow: [6, 1], ak: [3, 0] }).incidents.map((i) => [i.provider, i.layer])).toEqual([['Cloudflare', 'network']]);
    expect(layout({ cf: [4, 3], ow: [6, 2], ak: [3, 0] }).incidents.map((i) => [i.provider, i.layer])).toEqual([['Cloudflare', 'network']]);
  });

  it('leave one provider failing alone its incident, and a cloud region alone its own', () => {
    expect(layout({ cf: [4, 3], fy: [4, 0], ak: [3, 0] }).incidents.map((i) => [i.provider, i.layer])).toEqual([['Cloudflare', 'network']]);
    expect(layout({ aw: [4, 3], cf: [4, 0], ak: [3, 0] }).incidents.map((i) => [i.provider, i.layer, i.locations])).toEqual([['AWS', 'origin', ['us-east-1']]]);
    // One other site failing to connect elsewhere is normal: not enough to doubt the provider.
    expect(layout({ cf: [4, 3], fy: [4, 1], ak: [3, 0] }).incidents.map((i) => [i.provider, i.layer])).toEqual([['Cloudflare', 'network']]);
  });
});
