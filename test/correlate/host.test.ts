// "It's us" over recorded attempts: what the probing host cannot do explains failures, blames nobody, and never
// makes a site degraded, down or part of an incident. Each case has its control, where the same failures are
// the sites' or a provider's.

import { describe, expect, it } from 'vitest';
import { decideVerdict } from '../../src/correlate/verdict.js';
import { attemptOutcome } from '../../src/classify/outcome.js';
import { loadCatalog } from '../../src/fingerprint/index.js';
import type { Attempt, CertificateInfo, DnsAnswer, FetchResult, ResolverSpec } from '../../src/model.js';
import { evaluateExpect } from '../../src/probe/kinds/http.js';
import { attributeRecorded } from '../support/pipeline.js';
import { attempt, dnsAnswer, fetchResult, site } from '../support/records.js';
import { responses } from '../support/responses.js';

const catalog = loadCatalog([]);
const udp = (name: string, address: string, provider: string | null): ResolverSpec => ({ name, kind: 'udp', address, port: 53, provider });
const system: ResolverSpec = { name: 'system', kind: 'system', provider: null };

const spec = (name: string) => site({ name, url: `https://${name}.test/` });

function fetched(siteName: string, address: string, response: Partial<FetchResult>, resolvers: string[]): Attempt {
  const fetch = fetchResult({ url: `https://${siteName}.test/`, ...response, address });
  const expect = evaluateExpect(site().expect, fetch);
  const family = address.includes(':') ? 6 : 4;
  return attempt({ ...fetch, id: `${siteName}|edge|${address}`, site: siteName, family, resolver: resolvers[0] ?? null, resolvers, expect, outcome: attemptOutcome(fetch, expect) });
}

/** A connect that failed at once, as the kernel fails it with no route for the family. */
const noRoute = (code = 'ENETUNREACH'): Partial<FetchResult> => ({
  httpStatus: null,
  headers: {},
  bodySample: '',
  error: { code, message: `connect ${code}` },
  failedPhase: 'connect',
  timings: { connectMs: null, tlsMs: null, ttfbMs: null, totalMs: 1 },
});

const timedOut: Partial<FetchResult> = { ...noRoute('ETIMEDOUT'), timings: { connectMs: null, tlsMs: null, ttfbMs: null, totalMs: 3000 } };

/** A and AAAA answers with these addresses from each resolver. */
function answers(host: string, resolvers: string[], v4: string, v6: string | null): DnsAnswer[] {
  return resolvers.flatMap((r) => [
    dnsAnswer({ resolver: r, name: host, type: 'A', values: [v4] }),
    dnsAnswer({ resolver: r, name: host, type: 'AAAA', outcome: v6 ? 'ok' : 'empty', values: v6 ? [v6] : [] }),
  ]);
}

function run(sites: ReturnType<typeof spec>[], dns: DnsAnswer[], attempts: Attempt[], resolvers: ResolverSpec[]) {
  const result = attributeRecorded({ sites, resolvers }, dns, attempts, catalog, { minSites: 2 });
  return { ...result, verdict: decideVerdict(result.sites, result.local, result.incidents, result.host) };
}

describe('a host without IPv6 (an IPv4-only container or VM)', () => {
  const names = ['cf1', 'cf2', 'fastly1', 'akamai1'];
  const resolvers = [udp('alpha', '127.0.0.53', 'Cloudflare'), udp('beta', '127.0.0.54', 'Google')];
  const okBy: Record<string, () => Partial<FetchResult>> = { cf1: () => responses.cloudflareOk(), cf2: () => responses.cloudflareOk(), fastly1: () => responses.fastlyOk(), akamai1: () => responses.akamaiOk() };
  const dns = names.flatMap((n, i) => answers(`${n}.test`, ['alpha', 'beta'], `127.0.1.${i + 1}`, `2001:db8::${i + 1}`));
  const attempts = names.flatMap((n, i) => [fetched(n, `127.0.1.${i + 1}`, okBy[n]!(), ['alpha', 'beta']), fetched(n, `2001:db8::${i + 1}`, noRoute(), ['alpha', 'beta'])]);
  const r = run(names.map(spec), dns, attempts, resolvers);

  it('says so once, marks the IPv6 attempts local, and keeps every site ok: exit 0, no incident', () => {
    expect(r.host).toMatchObject({ ipv4: 'ok', ipv6: 'no-route', summary: 'no IPv6 route here' });
    expect(r.host.notes[0]).toMatch(/^this host has no IPv6 route: IPv6 paths were not tested/);
    expect(r.sites.map((s) => s.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    for (const a of r.sites.flatMap((s) => s.attempts).filter((x) => x.family === 6)) expect(a).toMatchObject({ layer: 'local', provider: null });
    expect(r.incidents).toEqual([]);
    expect(r.verdict).toMatchObject({ verdict: 'ok', exitCode: 0 });
    expect(r.verdict.summary).toBe('All 4 sites ok; no IPv6 route here');
  });

  it('a starved process reading the refusals late (400 ms, 390 of them unable to run) still has no IPv6 route; control: as late while it could run is not "at once"', () => {
    const late = (stalled: number | undefined): Partial<FetchResult> => ({ ...noRoute(), timings: { connectMs: null, tlsMs: null, ttfbMs: null, totalMs: 400, ...(stalled === undefined ? {} : { connectStalledMs: stalled }) } });
    const readAs = (stalled: number | undefined) => {
      const tried = names.flatMap((n, i) => [fetched(n, `127.0.1.${i + 1}`, okBy[n]!(), ['alpha', 'beta']), fetched(n, `2001:db8::${i + 1}`, i === 0 ? late(stalled) : noRoute(), ['alpha', 'beta'])]);
      return run(names.map(spec), dns, tried, resolvers).host.ipv6;
    };
    expect(readAs(390)).toBe('no-route');
    expect(readAs(0)).not.toBe('no-route');
    expect(readAs(undefined)).not.toBe('no-route');
  });

  it('a site reachable only over IPv6 is untested from here, not down; with nothing else, nothing is blamed (exit 3)', () => {
    const only6 = run([spec('v6only')], answers('v6only.test', ['alpha'], '127.0.0.1', '2001:db8::9').filter((d) => d.type === 'AAAA'), [fetched('v6only', '2001:db8::9', noRoute(), ['alpha'])], resolvers);
    expect(only6.sites[0]).toMatchObject({ status: 'untested', blame: { layer: 'local', provider: null } });
    expect(only6.verdict).toMatchObject({ verdict: 'local-network', exitCode: 3 });
    expect(only6.verdict.summary).toMatch(/^Nothing could be tested from this host: this host has no IPv6 route/);
  });

  it('control: one IPv6 address refusing while other IPv6 addresses connect is the network path, not this host', () => {
    const mixed = [
      fetched('cf1', '2001:db8::1', responses.cloudflareOk(), ['alpha']),
      fetched('cf2', '2001:db8::2', noRoute('ECONNREFUSED'), ['alpha']),
      fetched('cf2', '127.0.1.2', responses.cloudflareOk(), ['alpha']),
    ];
    const m = run(['cf1', 'cf2'].map(spec), dns, mixed, resolvers);
    expect(m.host.ipv6).toBe('ok');
    expect(m.sites.find((s) => s.name === 'cf2')!.status).toBe('degraded');
  });
});

describe('a host whose IPv6 route exists but leads nowhere', () => {
  const resolvers = [udp('alpha', '127.0.0.53', null)];
  const names = ['cf1', 'fastly1', 'akamai1'];
  const okBy = [responses.cloudflareOk(), responses.fastlyOk(), responses.akamaiOk()];
  const attempts = names.flatMap((n, i) => [fetched(n, `127.0.1.${i + 1}`, okBy[i]!, ['alpha']), fetched(n, `2001:db8::${i + 1}`, timedOut, ['alpha'])]);
  const dns = names.flatMap((n, i) => answers(`${n}.test`, ['alpha'], `127.0.1.${i + 1}`, `2001:db8::${i + 1}`));

  it('IPv6 failing at every site on three providers while IPv4 serves them is this host: no incident, sites ok', () => {
    const r = run(names.map(spec), dns, attempts, resolvers);
    expect(r.host).toMatchObject({ ipv6: 'failing', summary: 'IPv6 fails at every site from here' });
    expect(r.sites.map((s) => s.status)).toEqual(['ok', 'ok', 'ok']);
    expect(r.incidents).toEqual([]);
  });

  it('control: IPv6 failing only on one provider\'s sites stays that provider\'s (the sites are degraded)', () => {
    const cfOnly = ['cf1', 'cf2', 'fastly1'];
    const cfAttempts = [
      fetched('cf1', '127.0.1.1', responses.cloudflareOk(), ['alpha']),
      fetched('cf1', '2001:db8::1', timedOut, ['alpha']),
      fetched('cf2', '127.0.1.2', responses.cloudflareOk(), ['alpha']),
      fetched('cf2', '2001:db8::2', timedOut, ['alpha']),
      fetched('fastly1', '127.0.1.3', responses.fastlyOk(), ['alpha']),
      fetched('fastly1', '2001:db8::3', responses.fastlyOk(), ['alpha']),
    ];
    const cname = (n: string) => (n.startsWith('cf') ? [`${n}.test.cdn.cloudflare.net`] : [`${n}.test.global.ssl.fastly.net`]);
    const cfDns = cfOnly.flatMap((n, i) => answers(`${n}.test`, ['alpha'], `127.0.1.${i + 1}`, `2001:db8::${i + 1}`).map((d) => ({ ...d, cnameChain: cname(n) })));
    const r = run(cfOnly.map(spec), cfDns, cfAttempts, resolvers);
    expect(r.host.ipv6).toBe('ok');
    expect(r.sites.map((s) => s.status)).toEqual(['degraded', 'degraded', 'ok']);
  });
});

// The same host with public resolvers on IPv6 addresses too (2606:4700:4700::1111, a DoH URL at an IPv6 literal):
// over a way out that carries no IPv6, they answer nothing, as the sites' IPv6 addresses do not.
describe('a host whose IPv6 route leads nowhere, asking resolvers on IPv6 addresses too', () => {
  const resolvers: ResolverSpec[] = [
    system,
    udp('cloudflare', '127.0.0.61', 'Cloudflare'),
    udp('cloudflare-v6', '2001:db8:53::1111', 'Cloudflare'),
    udp('google', '127.0.0.62', 'Google'),
    { name: 'google-doh-v6', kind: 'doh', url: 'https://[2001:db8:53::8888]/dns-query', provider: 'Google' },
  ];
  const answering = ['system', 'cloudflare', 'google'];
  const v6Resolvers = ['cloudflare-v6', 'google-doh-v6'];
  const names = ['cf1', 'fastly1', 'akamai1'];
  const okBy = [responses.cloudflareOk(), responses.fastlyOk(), responses.akamaiOk()];
  const silent = (host: string, r: string): DnsAnswer[] =>
    (['A', 'AAAA'] as const).map((type) => dnsAnswer({ resolver: r, name: host, type, outcome: 'timeout', rcode: null, values: [], error: { code: 'ETIMEDOUT', message: 'no reply' }, durationMs: 2000, transport: r.includes('doh') ? 'doh' : 'udp' }));
  const dnsFailure = (n: string, r: string) =>
    attempt({ ...fetchResult({ httpStatus: null, address: null, error: { code: 'ETIMEDOUT', message: 'no reply' }, failedPhase: 'dns', timings: { connectMs: null, tlsMs: null, ttfbMs: null, totalMs: 2000 } }), id: `${n}|edge|dns:${r}`, site: n, resolver: r, resolvers: [r], family: null, outcome: 'dns-error' });
  const dns = names.flatMap((n, i) => [...answers(`${n}.test`, answering, `127.0.1.${i + 1}`, `2001:db8::${i + 1}`), ...v6Resolvers.flatMap((r) => silent(`${n}.test`, r))]);
  const v6Fetch = (n: string, i: number, response: Partial<FetchResult>) => fetched(n, `2001:db8::${i + 1}`, response, answering);

  it("their silence is this host's IPv6 too: no resolver incident, sites ok, the resolvers named in the one note (exit 0)", () => {
    const attempts = names.flatMap((n, i) => [fetched(n, `127.0.1.${i + 1}`, okBy[i]!, answering), v6Fetch(n, i, timedOut), ...v6Resolvers.map((r) => dnsFailure(n, r))]);
    const r = run(names.map(spec), dns, attempts, resolvers);
    expect(r.host).toMatchObject({ ipv6: 'failing', blockedResolvers: [], summary: 'IPv6 fails at every site from here' });
    expect(r.host.notes).toHaveLength(1);
    expect(r.host.notes[0]).toMatch(/this host's or its network's IPv6 is broken, not the sites'; resolvers cloudflare-v6, google-doh-v6 \(IPv6\) could not be asked from here either$/);
    expect(r.incidents).toEqual([]);
    expect(r.sites.map((s) => s.status)).toEqual(['ok', 'ok', 'ok']);
    expect(r.verdict).toMatchObject({ verdict: 'ok', exitCode: 0 });
  });

  it("control: IPv6 serving the sites, the IPv6 resolvers' silence is theirs: the sites degraded through them, a resolver incident", () => {
    const attempts = names.flatMap((n, i) => [fetched(n, `127.0.1.${i + 1}`, okBy[i]!, answering), v6Fetch(n, i, okBy[i]!), ...v6Resolvers.map((r) => dnsFailure(n, r))]);
    const r = run(names.map(spec), dns, attempts, resolvers);
    expect(r.host).toMatchObject({ ipv6: 'ok', blockedResolvers: [] });
    expect(r.sites.map((s) => s.status)).toEqual(['degraded', 'degraded', 'degraded']);
    expect(r.incidents.map((i) => i.kind)).toContain('resolver');
    expect(r.incidents.flatMap((i) => i.resolvers ?? [])).toEqual(expect.arrayContaining(['cloudflare-v6']));
  });
});

// An IPv6-only host (an IPv6-only Kubernetes cluster, a mobile network) resolving through DNS64: names with only IPv4
// addresses get AAAA records in 64:ff9b::/96 (RFC 6147), and a NAT64 translator on the network carries those
// connections (RFC 6146). The addresses are published ranges' (Fastly 151.101.0.0/16, Akamai 23.0.0.0/12, AWS
// us-east-1 EC2 52.4.0.0/14), recorded data only.
describe('a host whose IPv6 path loses large packets (a path MTU black hole: connections open, nothing comes back)', () => {
  const resolvers = [udp('alpha', '127.0.0.53', null)];
  /** Connected, then the handshake never finished: the server's certificate flight is the first large packet. */
  const stalled: Partial<FetchResult> = { ...noRoute('ETIMEDOUT'), failedPhase: 'tls', timings: { connectMs: 12, tlsMs: null, ttfbMs: null, totalMs: 2000 } };
  // Two Cloudflare, two Fastly, one CloudFront and one self-hosted site, on each provider's published ranges.
  const layout: Array<[name: string, v4: string, v6: string, ok: () => Partial<FetchResult>]> = [
    ['shop', '104.16.0.1', '2606:4700::6810:1', () => responses.cloudflareOk()],
    ['docs', '104.16.0.2', '2606:4700::6810:2', () => responses.cloudflareOk()],
    ['news', '151.101.1.10', '2a04:4e42::10', () => responses.fastlyOk()],
    ['blog', '151.101.2.10', '2a04:4e42::20', () => responses.fastlyOk()],
    ['store', '13.32.0.1', '2600:9000:2000::1', () => responses.cloudfrontOk()],
    ['own', '192.0.2.10', '2001:db8::10', () => responses.healthy()],
  ];
  const names = layout.map(([n]) => n);
  const dns = layout.flatMap(([n, v4, v6]) => answers(`${n}.test`, ['alpha'], v4, v6));
  /** Each site over both families; `v6` (and `v4`) say which sites' connections stall. */
  function world(stalls: { v6: string[]; v4?: string[] }) {
    const attempts = layout.flatMap(([n, v4, v6, ok]) => [
      fetched(n, v4, stalls.v4?.includes(n) ? stalled : ok(), ['alpha']),
      fetched(n, v6, stalls.v6.includes(n) ? stalled : ok(), ['alpha']),
    ]);
    return run(names.map(spec), dns, attempts, resolvers);
  }
  const allOk = names.map(() => 'ok');

  it('IPv6 stalling after connecting at every site on four networks while IPv4 serves them: this host, said once; sites ok, exit 0', () => {
    const r = world({ v6: names });
    expect(r.host).toMatchObject({ ipv4: 'ok', ipv6: 'failing', summary: 'IPv6 stalls after connecting here (path MTU?)' });
    expect(r.host.notes[0]).toMatch(/^IPv6 connections open but nothing comes back over any of them \(6 TLS handshakes at 6 sites on 4 networks stalled until the timeout\) while IPv4 serves those sites: this host's IPv6 path loses large packets — a path MTU black hole .*ICMPv6 "Packet Too Big"/);
    expect(r.sites.map((s) => s.status)).toEqual(allOk);
    expect(r.incidents).toEqual([]);
    expect(r.findings).toEqual([]);
    expect(r.verdict).toMatchObject({ verdict: 'ok', exitCode: 0 });
  });

  it("servers that send smaller packets still answer over it (Cloudflare's): the rest is no Fastly incident, exit 0", () => {
    const r = world({ v6: ['news', 'blog', 'store', 'own'] });
    expect(r.host).toMatchObject({ ipv6: 'ok', summary: 'IPv6 stalls after connecting here (path MTU?)' });
    expect(r.host.notes[0]).toMatch(/^IPv6 connections to 4 sites on 3 networks open but nothing comes back over them \(4 TLS handshakes stalled until the timeout\) while IPv4 serves those sites and IPv6 serves others/);
    expect(r.incidents).toEqual([]);
    expect(r.sites.map((s) => s.status)).toEqual(allOk);
    expect(r.verdict.exitCode).toBe(0);
  });

  it('the mirror: IPv4 stalling while IPv6 serves is the IPv4 path ("Fragmentation Needed")', () => {
    const attempts = layout.flatMap(([n, v4, v6, ok]) => [fetched(n, v4, stalled, ['alpha']), fetched(n, v6, ok(), ['alpha'])]);
    const r = run(names.map(spec), dns, attempts, resolvers);
    expect(r.host).toMatchObject({ ipv4: 'failing', ipv6: 'ok', summary: 'IPv4 stalls after connecting here (path MTU?)' });
    expect(r.host.notes[0]).toMatch(/ICMP "Fragmentation Needed"/);
    expect(r.incidents).toEqual([]);
  });

  it("control: IPv6 stalling at one provider's sites only, the others answering over it, stays that provider's incident", () => {
    const r = world({ v6: ['news', 'blog'] });
    expect(r.host.summary).toBeNull();
    expect(r.incidents.map((i) => [i.provider, i.layer])).toEqual([['Fastly', 'tls']]);
    expect(r.verdict.exitCode).toBe(2);
  });

  it('control: stalls on both families at those networks are no property of one family (a loaded host, the servers)', () => {
    const r = world({ v6: ['news', 'blog', 'store', 'own'], v4: ['blog', 'own'] });
    expect(r.host.summary).toBeNull();
    expect(r.sites.filter((s) => s.status !== 'ok').map((s) => s.name)).toEqual(['news', 'blog', 'store', 'own']);
  });

  it("control: one network's site stalling beside its neighbour answering over IPv6 is not counted for the path", () => {
    // shop stalls while docs answers on Cloudflare; with only one other network stalling, there is no host finding.
    const r = world({ v6: ['shop', 'store'] });
    expect(r.host.summary).toBeNull();
    expect(r.sites.filter((s) => s.status !== 'ok').map((s) => s.name)).toEqual(['shop', 'store']);
  });

  it('both families stalling everywhere: the local-network verdict says connections open and nothing comes back', () => {
    const attempts = layout.flatMap(([n, v4, v6]) => [fetched(n, v4, stalled, ['alpha']), fetched(n, v6, stalled, ['alpha'])]);
    const r = run(names.map(spec), dns, attempts, resolvers);
    expect(r.verdict).toMatchObject({ verdict: 'local-network', exitCode: 3 });
    expect(r.local.evidence.join(' ')).toMatch(/every connection opened but nothing came back over any of them before the timeout: .*path MTU black hole/);
    expect(r.incidents).toEqual([]);
  });
});

describe('a network that cuts connections after a number of bytes (a throttling middlebox, as Russian ISPs did to Cloudflare in 2025)', () => {
  const resolvers = [udp('alpha', '127.0.0.53', null)];
  // Two Cloudflare, two Fastly, one CloudFront and one self-hosted site, on each provider's published ranges.
  const layout: Array<[name: string, v4: string, ok: () => Partial<FetchResult>]> = [
    ['shop', '104.16.0.1', () => responses.cloudflareOk()],
    ['docs', '104.16.0.2', () => responses.cloudflareOk()],
    ['news', '151.101.1.10', () => responses.fastlyOk()],
    ['blog', '151.101.2.10', () => responses.fastlyOk()],
    ['store', '13.32.0.1', () => responses.cloudfrontOk()],
    ['own', '192.0.2.10', () => responses.healthy()],
  ];
  const names = layout.map(([n]) => n);
  const dns = layout.flatMap(([n, v4]) => answers(`${n}.test`, ['alpha'], v4, null));
  const timings = { connectMs: 12, tlsMs: 20, ttfbMs: 60, totalMs: 3000 };
  /** Small pages arrive whole through it. */
  const whole = (ok: Partial<FetchResult>, bytes = 9_000): Partial<FetchResult> => ({ ...ok, received: { bytes, afterRequest: bytes - 4_000, stalled: null } });
  /** The head and part of the body read, then silence until the timeout. */
  const bodyStalled = (ok: Partial<FetchResult>, bytes: number): Partial<FetchResult> => ({
    ...ok,
    bodyBytes: bytes - 5_500,
    bodyTruncated: true,
    error: { code: 'ETIMEDOUT', message: 'attempt timed out after 3000 ms' },
    failedPhase: 'body',
    timings,
    received: { bytes, afterRequest: bytes - 4_000, stalled: true },
  });
  /** Part of a first TLS record arrived: nothing readable, then silence (a server sending 16 KB records). */
  const headStalled = (bytes: number): Partial<FetchResult> => ({
    httpStatus: null,
    headers: {},
    bodySample: '',
    error: { code: 'ETIMEDOUT', message: 'attempt timed out after 3000 ms' },
    failedPhase: 'response',
    timings: { ...timings, ttfbMs: null },
    received: { bytes, afterRequest: bytes - 4_000, stalled: true },
  });
  /** The head and part of the body read, then a reset injected on the way. */
  const bodyReset = (ok: Partial<FetchResult>, bytes: number): Partial<FetchResult> => ({
    ...bodyStalled(ok, bytes),
    error: { code: 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH', message: 'Response body length does not match content-length header' },
    received: { bytes, afterRequest: bytes - 4_000, stalled: null },
  });
  function world(cut: Record<string, (ok: Partial<FetchResult>) => Partial<FetchResult>>) {
    const attempts = layout.map(([n, v4, ok]) => fetched(n, v4, cut[n] ? cut[n]!(ok()) : whole(ok()), ['alpha']));
    return run(names.map(spec), dns, attempts, resolvers);
  }
  const atSixteen = {
    shop: (ok: Partial<FetchResult>) => bodyStalled(ok, 16_900),
    docs: () => headStalled(16_400),
    news: (ok: Partial<FetchResult>) => bodyReset(ok, 17_800),
    blog: (ok: Partial<FetchResult>) => bodyStalled(ok, 16_500),
  };

  it("responses stopping at one size at sites on two networks, none getting further: this host's path, said once; those sites untested, exit 0", () => {
    const r = world(atSixteen);
    expect(r.host.summary).toBe('connections cut after ~17.4 KiB here (4 sites on 2 networks)');
    expect(r.host.notes.join(' ')).toMatch(/^responses from 4 sites on 2 networks \(Cloudflare, Fastly\) began and stopped after about the same number of bytes \(16\.0–17\.4 KiB had arrived on each connection\).*Something on the way from this host cuts connections after a number of bytes/);
    expect(r.incidents).toEqual([]);
    expect(r.findings).toEqual([]);
    expect(r.sites.map((s) => [s.name, s.status])).toEqual([['shop', 'untested'], ['docs', 'untested'], ['news', 'untested'], ['blog', 'untested'], ['store', 'ok'], ['own', 'ok']]);
    expect(r.verdict).toMatchObject({ verdict: 'ok', exitCode: 0 });
  });

  it("each cut is said as what arrived, never as an edge that \"never answered\"", () => {
    const r = world({ shop: atSixteen.shop, docs: atSixteen.docs });
    const explanations = Object.fromEntries(r.sites.slice(0, 2).map((s) => [s.name, s.attempts[0]!.explanation]));
    expect(explanations.shop).toBe('Cloudflare edge 104.16.0.1 answered 200 and the body stopped after 11.1 KiB (ETIMEDOUT; 16.5 KiB had arrived on the connection)');
    expect(explanations.docs).toMatch(/^Cloudflare edge 104\.16\.0\.2 .*began to answer and the response stopped before its head could be read \(ETIMEDOUT; 16\.0 KiB had arrived on the connection\)$/);
  });

  it("at one provider's sites only: its incident is a finding — a network on the way cutting at a size looks the same from here", () => {
    const r = world({ shop: atSixteen.shop, docs: atSixteen.docs });
    expect(r.host.summary).toBeNull();
    expect(r.incidents).toEqual([]);
    expect(r.findings.map((f) => [f.provider, f.layer])).toEqual([['Cloudflare', 'edge']]);
    expect(r.findings[0]!.summary).toMatch(/Cloudflare responses cut off midway, after 16\.0–16\.5 KiB had arrived.*not an incident: each stopped at about one size and no Cloudflare response got further here/);
    expect(r.verdict).toMatchObject({ verdict: 'site-failures', exitCode: 1 });
  });

  it('control: cuts at sizes far apart are servers failing, not a size: no host finding, the provider incidents stand', () => {
    const r = world({ shop: (ok) => bodyStalled(ok, 16_000), docs: (ok) => bodyStalled(ok, 41_000), news: (ok) => bodyReset(ok, 25_000), blog: (ok) => bodyStalled(ok, 60_000) });
    expect(r.host.summary).toBeNull();
    expect(r.incidents.map((i) => [i.provider, i.layer]).sort()).toEqual([['Cloudflare', 'edge'], ['Fastly', 'edge']]);
  });

  it('control: bodies still trickling in when the time ran out are slow servers, not cut ones, whatever their sizes', () => {
    const trickling = (ok: Partial<FetchResult>, bytes: number): Partial<FetchResult> => ({ ...bodyStalled(ok, bytes), received: { bytes, afterRequest: bytes - 4_000, stalled: false } });
    const r = world({ shop: (ok) => trickling(ok, 16_900), docs: (ok) => trickling(ok, 16_400), news: (ok) => trickling(ok, 16_800), blog: (ok) => trickling(ok, 16_500) });
    expect(r.host.summary).toBeNull();
    expect(r.incidents.map((i) => i.provider).sort()).toEqual(['Cloudflare', 'Fastly']);
    expect(r.sites[0]!.attempts[0]!.explanation).toMatch(/answered 200 and its body did not finish in time/);
  });

  it("control: a longer response from one of those networks arriving whole means that network does not cut at that size", () => {
    const r = world({ shop: atSixteen.shop, news: atSixteen.news, blog: atSixteen.blog, docs: (ok) => whole(ok, 70_000) });
    expect(r.host.summary).toBeNull();
    const again = world({ shop: atSixteen.shop, docs: (ok) => whole(ok, 70_000) });
    expect(again.findings).toEqual([]);
  });
});

describe("a network that drops this host's new connections (a per-host connection limit, a full conntrack table)", () => {
  const resolvers = [udp('alpha', '127.0.0.53', null)];
  // Two CloudFront sites whose connects ran out of time, beside sites on three other networks, on published ranges.
  const layout: Array<[name: string, v4: string, ok: () => Partial<FetchResult>]> = [
    ['store', '13.32.0.1', () => responses.cloudfrontOk()],
    ['video', '13.32.0.2', () => responses.cloudfrontOk()],
    ['shop', '104.16.0.1', () => responses.cloudflareOk()],
    ['docs', '104.16.0.2', () => responses.cloudflareOk()],
    ['news', '151.101.1.10', () => responses.fastlyOk()],
    ['blog', '151.101.2.10', () => responses.fastlyOk()],
    ['own', '192.0.2.10', () => responses.healthy()],
    ['wiki', '192.0.2.20', () => responses.healthy()],
  ];
  const dns = layout.flatMap(([n, v4]) => answers(`${n}.test`, ['alpha'], v4, null));
  /** Opened at once: a round trip for the SYN, two for TLS. */
  const quick = { connectMs: 21, tlsMs: 40, ttfbMs: 90, totalMs: 95, connectStalledMs: 0 };
  /** Opened on the second SYN, sent again 1 s later, or the third at 3 s; the TLS handshake after it as quick as ever. */
  const resent = { connectMs: 2_051, tlsMs: 40, ttfbMs: 2_120, totalMs: 2_125, connectStalledMs: 0 };
  const connectTimeout: Partial<FetchResult> = { ...noRoute('ETIMEDOUT'), error: { code: 'ETIMEDOUT', message: 'connect timed out after 5000 ms' }, timings: { connectMs: null, tlsMs: null, ttfbMs: null, totalMs: 5_000 } };
  type Connect = Record<string, unknown> | 'timeout';
  function world(connects: Record<string, Connect>, fallback: Connect = quick, more: typeof layout = []) {
    const all = [...layout, ...more];
    const attempts = all.map(([n, v4, ok]) => {
      const how = connects[n] ?? fallback;
      return fetched(n, v4, how === 'timeout' ? connectTimeout : { ...ok(), timings: how as FetchResult['timings'] }, ['alpha']);
    });
    return run(all.map(([n]) => spec(n)), [...dns, ...more.flatMap(([n, v4]) => answers(`${n}.test`, ['alpha'], v4, null))], attempts, resolvers);
  }
  const cloudfrontLost = { store: 'timeout', video: 'timeout' } as const;

  it("connects timed out at one provider's sites while most connections elsewhere opened only on a SYN sent again: the way's, those sites untested, nobody blamed", () => {
    const r = world(cloudfrontLost, resent);
    expect(r.incidents).toEqual([]);
    expect(r.findings).toEqual([]);
    expect(r.host.summary).toBe('new connections dropped on the way (6 of 6 opened only on a SYN sent again)');
    expect(r.host.notes.join(' ')).toBe(
      "new connections from this host are being dropped on the way (a per-host connection limit, a full conntrack table, a rate limit, or heavy loss): 6 of 6 that opened (at 4 networks) needed their SYN sent again (2.05s to connect, each TLS handshake after it quick) and 2 at 2 sites (store, video) timed out before opening. Which connections lose is a race: those sites and their providers were not tested from here (a lower --concurrency opens fewer at once)",
    );
    expect(r.sites.map((s) => [s.name, s.status])).toEqual([['store', 'untested'], ['video', 'untested'], ...layout.slice(2).map(([n]) => [n, 'ok'])]);
    expect(r.verdict).toMatchObject({ verdict: 'ok', exitCode: 0 });
  });

  it('most sites losing their connects so: this network, exit 3, with what to check', () => {
    const r = world({ store: 'timeout', video: 'timeout', shop: 'timeout', news: 'timeout', own: 'timeout', docs: resent, blog: resent, wiki: resent });
    expect(r.incidents).toEqual([]);
    expect(r.verdict).toMatchObject({ verdict: 'local-network', exitCode: 3 });
    expect(r.verdict.summary).toMatch(/^Local network problem: new connections from this host are being dropped on the way \(.*\): 3 of 3 that opened \(at 3 networks\)/);
    expect(r.host.notes[0]).toMatch(/check the connection limit a firewall or NAT sets for it, the conntrack table/);
  });

  it('a question over DNS-over-HTTPS that timed out, at a resolver that answered the rest, is one of those dropped: its site ok', () => {
    const doh: ResolverSpec = { name: 'secure', kind: 'doh', url: 'https://doh.test/dns-query', provider: null };
    const all = [...resolvers, doh];
    const question = (n: string, type: 'A' | 'AAAA', lost: boolean) =>
      dnsAnswer({ resolver: 'secure', name: `${n}.test`, type, transport: 'doh', server: doh.url, ...(lost ? { outcome: 'timeout', rcode: null, values: [], error: { code: 'ETIMEDOUT', message: 'no reply within 5000 ms' } } : { values: type === 'A' ? [layout.find(([name]) => name === n)![1]] : [], outcome: type === 'A' ? 'ok' : 'empty' }) });
    const viaDoh = (lostAt: string[]) => {
      const dohAnswers = layout.flatMap(([n]) => [question(n, 'A', lostAt.includes(n)), question(n, 'AAAA', lostAt.includes(n))]);
      const attempts = layout.flatMap(([n, v4, ok]) => [
        fetched(n, v4, n === 'store' || n === 'video' ? connectTimeout : { ...ok(), timings: resent as FetchResult['timings'] }, ['alpha']),
        ...(lostAt.includes(n)
          ? [attempt({ ...fetchResult({ url: `https://${n}.test/`, address: null, error: { code: 'ETIMEDOUT', message: 'resolver secure gave no address' }, failedPhase: 'dns' }), id: `${n}|edge|dns:secure`, site: n, family: null, resolver: 'secure', resolvers: ['secure'], outcome: 'dns-error' })]
          : []),
      ]);
      return run(layout.map(([n]) => spec(n)), [...dns, ...dohAnswers], attempts, all);
    };
    const r = viaDoh(['shop']);
    expect(r.sites.find((s) => s.name === 'shop')!.status).toBe('ok');
    expect(r.incidents).toEqual([]);
    expect(r.host.notes.join(' ')).toMatch(/timed out before opening, as did 2 questions over DNS-over-HTTPS or TCP at resolvers that answered the rest\./);
    // Control: a DoH resolver that timed out on most of its questions is not one losing a race: its own rules judge it.
    const most = viaDoh(['shop', 'docs', 'news', 'blog', 'own']);
    expect(most.host.notes.join(' ')).not.toMatch(/questions over DNS-over-HTTPS/);
    expect(most.sites.find((s) => s.name === 'shop')!.status).not.toBe('ok');
  });

  it('one network getting through, only late, while connects at three others timed out: the way too', () => {
    const r = world({ store: 'timeout', video: 'timeout', news: 'timeout', blog: 'timeout', own: 'timeout', shop: resent, docs: resent });
    expect(r.incidents).toEqual([]);
    expect(r.findings).toEqual([]);
    expect(r.sites.filter((s) => s.status !== 'untested').map((s) => [s.name, s.status])).toEqual([['shop', 'ok'], ['docs', 'ok'], ['wiki', 'ok']]);
    expect(r.verdict.summary).toMatch(/: 2 of 3 that opened \(at 1 network\) needed their SYN sent again .* and 5 at 5 sites \(store, video, news, blog \+1 more\) timed out before opening/);
    expect(r.verdict).toMatchObject({ verdict: 'local-network', exitCode: 3 });
  });

  it('control: the other networks opened their connections at once: the provider dropping them is its incident', () => {
    const r = world(cloudfrontLost);
    expect(r.host.summary).toBeNull();
    expect(r.incidents.map((i) => [i.provider, i.layer])).toEqual([['Amazon CloudFront', 'network']]);
    expect(r.verdict.exitCode).toBe(2);
  });

  it('control: slow connects at one other network only are no sign of the way', () => {
    const one = world({ ...cloudfrontLost, shop: resent, docs: resent });
    expect(one.host.summary).toBeNull();
    expect(one.incidents.map((i) => i.provider)).toEqual(['Amazon CloudFront']);
  });

  it('control: a few connections sent again among many (a little loss) explain no outage', () => {
    const twoNetworks = { ...cloudfrontLost, shop: resent, news: resent };
    expect(world(twoNetworks).host.summary).toBe('new connections dropped on the way (2 of 6 opened only on a SYN sent again)');
    // The same two among twelve opened: under a quarter.
    const more = Array.from({ length: 6 }, (_, i): (typeof layout)[number] => [`host${i}`, `198.51.100.${i + 1}`, () => responses.healthy()]);
    const r = world(twoNetworks, quick, more);
    expect(r.host.summary).toBeNull();
    expect(r.incidents.map((i) => i.provider)).toEqual(['Amazon CloudFront']);
  });

  it("control: the failing provider's own connections sent again are no witness of the way for it", () => {
    // CloudFront's one site opened only on a SYN sent again, the other never; elsewhere one connection of six was slow.
    const r = world({ store: 'timeout', video: resent, shop: resent });
    expect(r.host.summary).toBeNull();
    expect(r.sites.find((s) => s.name === 'store')!.status).toBe('down');
  });

  it('control: a connect that took long while this process could not run, or on a path whose every round trip is long, is no SYN sent again', () => {
    const stalled = world(cloudfrontLost, { ...resent, connectStalledMs: 1_900 });
    expect(stalled.host.summary).toBeNull();
    expect(stalled.incidents.map((i) => i.provider)).toEqual(['Amazon CloudFront']);
    const far = world(cloudfrontLost, { connectMs: 1_200, tlsMs: 1_150, ttfbMs: 3_600, totalMs: 3_610, connectStalledMs: 0 });
    expect(far.host.summary).toBeNull();
    // A report from before connectStalledMs was recorded: nothing is known of the stall, so nothing is read.
    const unmeasured = world(cloudfrontLost, { connectMs: 2_051, tlsMs: 40, ttfbMs: 2_120, totalMs: 2_125 });
    expect(unmeasured.host.summary).toBeNull();
  });
});

describe("a site's name pinned in this host's /etc/hosts", () => {
  const resolvers = [system, udp('alpha', '127.0.0.53', 'Cloudflare'), udp('beta', '127.0.0.54', 'Google')];
  const layout = [
    ['shop', '104.16.10.10', () => responses.cloudflareOk()],
    ['news', '151.101.1.10', () => responses.fastlyOk()],
  ] as const;
  const refused = noRoute('ECONNREFUSED');
  /** The system resolver's answer for shop: `pin`, from the hosts file when `fromFile`; the others' the real one. */
  function world(pin: string, fromFile: boolean, pinned: Partial<FetchResult> = refused, tries = 1) {
    const dns = layout.flatMap(([n, v4]) => [
      ...answers(`${n}.test`, ['alpha', 'beta'], v4, null),
      dnsAnswer({ resolver: 'system', name: `${n}.test`, type: 'A', values: [n === 'shop' ? pin : v4], transport: 'system', server: n === 'shop' && fromFile ? '/etc/hosts' : 'system' }),
    ]);
    const throughPin = (i: number) => ({ ...fetched('shop', pin, pinned, ['system']), id: `shop|edge|${pin}#${i}` });
    const attempts = layout.flatMap(([n, v4, ok]) => (n === 'shop' ? [fetched(n, v4, ok(), ['alpha', 'beta']), ...Array.from({ length: tries }, (_, i) => throughPin(i))] : [fetched(n, v4, ok(), ['system', 'alpha', 'beta'])]));
    return run(layout.map(([n]) => spec(n)), dns, attempts, resolvers);
  }

  it('pinned to an address that does not serve it: the file, said once with the name and the address; the site ok, exit 0', () => {
    const r = world('127.0.0.99', true, refused, 2);
    expect(r.sites.map((s) => [s.name, s.status])).toEqual([['shop', 'ok'], ['news', 'ok']]);
    expect(r.incidents).toEqual([]);
    expect(r.verdict).toMatchObject({ verdict: 'ok', exitCode: 0, summary: 'All 2 sites ok; /etc/hosts pins shop.test to 127.0.0.99' });
    expect(r.host.notes).toEqual([
      "this host's /etc/hosts pins shop.test to 127.0.0.99, which does not serve it here (ECONNREFUSED), while the other resolvers give 104.16.10.10: every program on this host that looks the name up reaches the pinned address. Not the site's or its provider's fault; edit /etc/hosts (a migration test's or a staging override's leftover?)",
    ]);
  });

  it('control: the same answer from DNS (the system resolver\'s server) is that resolver\'s, as before', () => {
    const r = world('127.0.0.99', false);
    expect(r.host.summary).toBeNull();
    expect(r.sites.find((s) => s.name === 'shop')!.status).toBe('degraded');
  });

  it('control: a pin that serves the site says nothing wrong', () => {
    const r = world('104.16.10.11', true, responses.cloudflareOk());
    expect(r.host.summary).toBeNull();
    expect(r.host.notes).toEqual([]);
    expect(r.verdict.summary).toBe('All 2 sites ok');
  });
});

describe('an IPv6-only host behind NAT64 (DNS64 gives IPv4-only sites addresses in 64:ff9b::/96)', () => {
  const resolvers = [udp('alpha', 'fd00:53::53', null), udp('beta', 'fd00:53::54', null)];
  const v6Resolvers = ['alpha', 'beta'];
  /** name, its IPv4 address, its AAAA (native, or the DNS64 one), how it is served. */
  type Row = [string, string, string, Partial<FetchResult>];
  const nat64 = (v4: string) => `64:ff9b::${v4}`;
  const cloudflare = (n: number): Row => [`cf${n}`, `104.16.1.${n}`, `2606:4700::6810:1${n.toString().padStart(2, '0')}`, responses.cloudflareOk()];
  const fastly = (n: number, r: Partial<FetchResult> = responses.fastlyOk()): Row => [`fastly${n}`, `151.101.1.${n}`, nat64(`151.101.1.${n}`), r];
  const akamai = (n: number, r: Partial<FetchResult> = responses.akamaiOk()): Row => [`akamai${n}`, `23.1.1.${n}`, nat64(`23.1.1.${n}`), r];
  function world(rows: Row[], over: { v4?: Partial<FetchResult> } = {}) {
    const dns = rows.flatMap(([n, v4, v6]) => answers(`${n}.test`, v6Resolvers, v4, v6));
    // The IPv4 addresses fail at once: this host has no IPv4 route. The AAAA ones are fetched.
    const attempts = rows.flatMap(([n, v4, v6, r]) => [fetched(n, v4, over.v4 ?? noRoute(), v6Resolvers), fetched(n, v6, r, v6Resolvers)]);
    return run(rows.map(([n]) => spec(n)), dns, attempts, resolvers);
  }
  const statuses = (r: ReturnType<typeof world>) => Object.fromEntries(r.sites.map((s) => [s.name, s.status]));

  it('healthy: sites reached through the translator are served, and the provider is read from the IPv4 address inside', () => {
    const r = world([cloudflare(1), fastly(1, responses.healthy()), akamai(1)]);
    expect(r.host).toMatchObject({ ipv4: 'no-route', ipv6: 'ok', nat64: 'ok', summary: 'no IPv4 route here' });
    expect(r.verdict).toMatchObject({ verdict: 'ok', exitCode: 0 });
    // No header names Fastly here: the address does, through the translator's prefix.
    const fastlyAttempt = r.sites.find((s) => s.name === 'fastly1')!.attempts.find((a) => a.family === 6)!;
    expect(fastlyAttempt.outcome).toBe('ok');
    const edge = r.sites.find((s) => s.name === 'fastly1')!.providers.find((p) => p.layer === 'edge');
    expect(edge).toMatchObject({ provider: 'Fastly' });
    expect(edge!.evidence.join(' ')).toContain('address 64:ff9b::151.101.1.1 (NAT64 for 151.101.1.1) in 151.101.0.0/16');
  });

  it('nothing connecting through the translator, at sites on two providers, is the translator: those sites untested, nobody blamed', () => {
    const r = world([cloudflare(1), cloudflare(2), fastly(1, timedOut), fastly(2, timedOut), akamai(1, timedOut), akamai(2, timedOut)]);
    expect(r.host).toMatchObject({ ipv6: 'ok', nat64: 'failing', summary: 'no IPv4 route here; NAT64 fails here' });
    expect(r.host.notes.join(' ')).toMatch(/this network's NAT64 translator fails: nothing connected through 64:ff9b::\/96 \(4 attempts\) to 4 sites on 2 providers, while native IPv6 works here/);
    expect(statuses(r)).toEqual({ cf1: 'ok', cf2: 'ok', fastly1: 'untested', fastly2: 'untested', akamai1: 'untested', akamai2: 'untested' });
    expect(r.incidents).toEqual([]);
    expect(r.findings).toEqual([]);
    expect(r.sites.filter((s) => s.status === 'untested').every((s) => s.blame?.layer === 'local' && s.blame.provider === null)).toBe(true);
    expect(r.verdict.summary).toBe('2 of 6 sites ok; 4 untested from here: no IPv4 route here; NAT64 fails here');
    // The site's reason gives each way it could not be tested: no IPv4 route, and nothing through the translator.
    expect(r.sites.find((s) => s.name === 'fastly1')!.reason).toMatch(
      /^nothing could be tested from this host: this host has no route to IPv4 address 151\.101\.1\.1 \(ENETUNREACH\); no connection to Fastly edge 64:ff9b::151\.101\.1\.1 \(NAT64 for 151\.101\.1\.1\)/,
    );
  });

  it('every site behind the translator and nothing connecting through it: the local network, named (exit 3)', () => {
    const r = world([fastly(1, timedOut), fastly(2, timedOut), akamai(1, timedOut), akamai(2, timedOut)]);
    expect(r.verdict).toMatchObject({ verdict: 'local-network', exitCode: 3 });
    expect(r.verdict.summary).toMatch(/^Local network problem: this network's NAT64 translator fails: nothing connected through 64:ff9b::\/96/);
    expect(r.incidents).toEqual([]);
  });

  it("at one provider's sites only, the translator and that provider cannot be told apart: a finding, not an incident", () => {
    const r = world([cloudflare(1), cloudflare(2), fastly(1, timedOut), fastly(2, timedOut), fastly(3, timedOut)]);
    expect(r.host.nat64).toBe('failing');
    expect(r.incidents).toEqual([]);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ provider: 'Fastly', layer: 'network' });
    expect(r.findings[0]!.summary).toMatch(/not an incident: every failed connection went to 64:ff9b::\/96, through this network's NAT64 translator, and no connection through it opened this run/);
    expect(statuses(r)).toMatchObject({ fastly1: 'down', cf1: 'ok' });
    expect(r.verdict).toMatchObject({ verdict: 'site-failures', exitCode: 1 });
  });

  it('control: the translator serving another provider\'s IPv4-only sites, one provider failing through it is that provider\'s incident', () => {
    const r = world([cloudflare(1), fastly(1, timedOut), fastly(2, timedOut), fastly(3, timedOut), akamai(1), akamai(2)]);
    expect(r.host.nat64).toBe('ok');
    expect(r.incidents.map((i) => [i.provider, i.layer])).toEqual([['Fastly', 'network']]);
    expect(r.verdict.exitCode).toBe(2);
  });

  it('a cloud region reached only through a failing translator is a finding, not a region incident', () => {
    const aws = (n: number): Row => [`api${n}`, `52.4.${n}.1`, nat64(`52.4.${n}.1`), timedOut];
    const r = world([cloudflare(1), cloudflare(2), aws(1), aws(2), aws(3)]);
    expect(r.incidents).toEqual([]);
    const region = r.findings.find((f) => f.provider === 'AWS');
    expect(region?.summary).toMatch(/us-east-1.*not an incident: every failed connection went to 64:ff9b::\/96, through this network's NAT64 translator/);
  });

  it('no route to the NAT64 prefix at all: said at once, whatever the providers', () => {
    const r = world([cloudflare(1), fastly(1, noRoute()), fastly(2, noRoute())]);
    expect(r.host).toMatchObject({ nat64: 'no-route', summary: 'no IPv4 route here; no route to NAT64 here' });
    expect(statuses(r)).toEqual({ cf1: 'ok', fastly1: 'untested', fastly2: 'untested' });
    expect(r.findings).toEqual([]);
  });

  it('control: a native IPv6 address whose last 32 bits spell an IPv4 address is plain IPv6, and IPv6 failing counts as IPv6', () => {
    const r = world([cloudflare(1), ['own1', '198.51.100.1', '2001:db8::c633:6401', timedOut], ['own2', '198.51.100.2', '2001:db8:1::c633:6402', timedOut]]);
    expect(r.host.nat64).toBe('untested');
    expect(r.host.notes.join(' ')).not.toMatch(/NAT64/);
  });
});

describe('a host out of open files (EMFILE) even after waiting for descriptors', () => {
  const resolvers = [udp('alpha', '127.0.0.53', null)];
  const emfile: Partial<FetchResult> = { ...noRoute('EMFILE'), timings: { connectMs: null, tlsMs: null, ttfbMs: null, totalMs: 2 } };
  const names = ['cf1', 'cf2', 'fastly1'];
  const okBy = [responses.cloudflareOk(), responses.cloudflareOk(), responses.fastlyOk()];

  it('is this host: its fetches are local, the sites untested, no provider or resolver blamed', () => {
    const attempts = names.map((n, i) => fetched(n, `127.0.1.${i + 1}`, i < 2 ? emfile : okBy[i]!, ['alpha']));
    const dns = names.flatMap((n, i) => answers(`${n}.test`, ['alpha'], `127.0.1.${i + 1}`, null));
    const r = run(names.map(spec), dns, attempts, resolvers);
    expect(r.sites.map((s) => [s.name, s.status])).toEqual([['cf1', 'untested'], ['cf2', 'untested'], ['fastly1', 'ok']]);
    const a = r.sites[0]!.attempts[0]!;
    expect(a).toMatchObject({ layer: 'local', provider: null });
    expect(a.explanation).toBe('this host ran out of open files for the fetch (EMFILE; `ulimit -n`, or a lower --concurrency): not tested');
    expect(r.incidents).toEqual([]);
    expect(r.findings).toEqual([]);
  });

  it('a query this host had no socket for blames no resolver', () => {
    const failedQuery = (n: string) => dnsAnswer({ resolver: 'alpha', name: `${n}.test`, type: 'A', outcome: 'network-error', rcode: null, values: [], error: { code: 'EMFILE', message: 'socket EMFILE' } });
    // beta answers the same names: alpha would otherwise read as a resolver failing for 3 of 3 names.
    const beta = names.flatMap((n, i) => answers(`${n}.test`, ['beta'], `127.0.1.${i + 1}`, null));
    const attempts = names.map((n, i) => fetched(n, `127.0.1.${i + 1}`, okBy[i]!, ['beta']));
    const r = run(names.map(spec), [...names.map(failedQuery), ...beta], attempts, [...resolvers, udp('beta', '127.0.0.54', null)]);
    expect(r.incidents).toEqual([]);
    expect(r.findings).toEqual([]);
    expect(r.verdict.exitCode).toBe(0);
  });
});

describe('a resolver that redirects names (an ISP ad redirect, a DNS proxy answering in its name)', () => {
  const resolvers = [udp('isp', '127.0.0.53', null), udp('beta', '127.0.0.54', 'Google')];
  const names = ['shop', 'news', 'bank', 'blog'];
  const served = (i: number) => (i % 2 === 0 ? responses.cloudflareOk() : responses.fastlyOk());
  const adServer: Partial<FetchResult> = {
    ...noRoute('ERR_TLS_CERT_ALTNAME_INVALID'),
    failedPhase: 'tls',
    tls: { subject: 'CN=ads.isp.example', issuer: 'CN=Real CA', validFrom: '2026-01-01T00:00:00Z', validTo: '2027-01-01T00:00:00Z', subjectAltNames: [], authorized: false, authorizationError: 'ERR_TLS_CERT_ALTNAME_INVALID' },
    timings: { connectMs: 1, tlsMs: 2, ttfbMs: null, totalMs: 3 },
  };
  const world = (ispAnswer: (i: number) => string, ispResponse: (i: number) => Partial<FetchResult>) => {
    const dns = names.flatMap((n, i) => [...answers(`${n}.test`, ['isp'], ispAnswer(i), null), ...answers(`${n}.test`, ['beta'], `127.0.${i + 1}.1`, null)]);
    const attempts = names.flatMap((n, i) => [fetched(n, ispAnswer(i), ispResponse(i), ['isp']), fetched(n, `127.0.${i + 1}.1`, served(i), ['beta'])]);
    return run(names.map(spec), dns, attempts, resolvers);
  };

  it('one address for sites on different providers, serving none of them, while the others serve: said once, the sites ok', () => {
    const r = world(() => '10.9.9.9', () => adServer);
    expect(r.verdict).toMatchObject({ verdict: 'ok', exitCode: 0 });
    expect(r.incidents).toEqual([]);
    for (const s of r.sites) expect(s.status).toBe('ok');
    expect(r.host.summary).toBe('resolver isp redirects names to 10.9.9.9');
    expect(r.host.notes).toEqual([
      'resolver isp answers 4 sites on different providers with one IPv4 address, 10.9.9.9, which serves none of them (its certificate is for CN=ads.isp.example): that resolver, or something on this network answering in its name, redirects names; the sites were judged at the addresses other resolvers give',
    ]);
  });

  it("controls: one CDN's shared address failing, or an address that serves one of the sites, is no redirect", () => {
    // One address for two names through a resolver that gives the others their own: no redirect of every name.
    const some = world((i) => (i < 2 ? '127.0.9.9' : `127.0.${i + 1}.1`), (i) => (i < 2 ? timedOut : served(i)));
    expect(some.host.summary).toBeNull();
    expect(some.sites.filter((s) => s.status === 'degraded').map((s) => s.name)).toEqual(['shop', 'news']);
    // Two Cloudflare sites on one anycast address that fails through one resolver: Cloudflare's, not the resolver's.
    const sameEdge = run(
      ['shop', 'bank'].map(spec),
      ['shop', 'bank'].flatMap((n, i) => [...answers(`${n}.test`, ['isp'], '127.0.9.9', null), ...answers(`${n}.test`, ['beta'], `127.0.${i + 1}.1`, null)]),
      ['shop', 'bank'].flatMap((n, i) => [fetched(n, '127.0.9.9', timedOut, ['isp']), fetched(n, `127.0.${i + 1}.1`, responses.cloudflareOk(), ['beta'])]),
      resolvers,
    );
    expect(sameEdge.host.summary).toBeNull();
    expect(sameEdge.sites.map((s) => s.status)).toEqual(['degraded', 'degraded']);
    // Its one address serves one of the sites: an address that works is no redirect.
    const serving = world(() => '10.9.9.9', (i) => (i === 0 ? served(0) : adServer));
    expect(serving.host.summary).toBeNull();
    expect(serving.sites.filter((s) => s.status === 'degraded').length).toBe(3);
  });
});

describe("a redirect of one family's names only (a wildcard record with no AAAA), and this host's search list", () => {
  const names = ['shop', 'news', 'bank', 'blog'];
  const served = (i: number) => (i % 2 === 0 ? responses.cloudflareOk() : responses.fastlyOk());
  // A company's intranet server answering for a wildcard under a search domain: its own name, its own private CA.
  const intranet: Partial<FetchResult> = {
    ...noRoute('UNABLE_TO_VERIFY_LEAF_SIGNATURE'),
    failedPhase: 'tls',
    tls: { subject: 'CN=*.corp.example', issuer: 'CN=Corp Root CA', validFrom: '2026-01-01T00:00:00Z', validTo: '2027-01-01T00:00:00Z', subjectAltNames: ['*.corp.example'], authorized: false, authorizationError: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' },
    timings: { connectMs: 1, tlsMs: 2, ttfbMs: null, totalMs: 3 },
  };
  /** Through `first`, every A answer is 10.20.0.9 and every AAAA the site's own; `beta` gives the sites' own. */
  const world = (first: ResolverSpec) => {
    const resolvers = [first, udp('beta', '127.0.0.54', 'Google')];
    const v6 = (i: number) => `2001:db8::${i + 1}`;
    const dns = names.flatMap((n, i) => [...answers(`${n}.test`, [first.name], '10.20.0.9', v6(i)), ...answers(`${n}.test`, ['beta'], `127.0.${i + 1}.1`, v6(i))]);
    const attempts = names.flatMap((n, i) => [fetched(n, '10.20.0.9', intranet, [first.name]), fetched(n, `127.0.${i + 1}.1`, served(i), ['beta']), fetched(n, v6(i), served(i), [first.name, 'beta'])]);
    return run(names.map(spec), dns, attempts, resolvers);
  };
  const searching = (ndots: number): ResolverSpec => ({ ...system, nameservers: { addresses: ['192.168.1.53'], file: '/etc/resolv.conf', via: null, search: ['corp.example'], ndots } });

  it('one IPv4 address for every name through a resolver whose IPv6 answers are the sites\' own: a redirect, said once, the sites ok', () => {
    // Read per resolver across both families, its AAAA answers (the sites' own, serving) hid the redirect: four sites
    // degraded, and the intranet server's private CA read as TLS interception.
    const r = world(udp('isp', '127.0.0.53', null));
    expect(r.host.summary).toBe('resolver isp redirects names to 10.20.0.9');
    expect(r.host.notes).toEqual([
      'resolver isp answers 4 sites on different providers with one IPv4 address, 10.20.0.9, which serves none of them (its certificate is for CN=*.corp.example): that resolver, or something on this network answering in its name, redirects names; the sites were judged at the addresses other resolvers give',
    ]);
    expect(r.sites.map((s) => s.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(r.incidents).toEqual([]);
    expect(r.verdict).toMatchObject({ verdict: 'ok', exitCode: 0 });
  });

  it("this host's resolver, whose search list is tried first for these names (ndots:5): the search domain's wildcard, said with what to change", () => {
    const r = world(searching(5));
    expect(r.host.summary).toBe("this host's search domain corp.example answers every name with 10.20.0.9");
    expect(r.host.notes).toEqual([
      "resolver system, this host's own, answers 4 sites on different providers with one IPv4 address, 10.20.0.9, which serves none of them (its certificate is for CN=*.corp.example), while the other resolvers give the sites' own: its search domain (corp.example, in /etc/resolv.conf or LOCALDOMAIN) is tried first for names with fewer than 5 dots (ndots:5), and a record there — a wildcard — answers them: every program on this host that looks these names up reaches 10.20.0.9. Not the sites' or their providers' fault; the sites were judged at the addresses other resolvers give. Remove the wildcard, lower ndots, or give names with a trailing dot",
    ]);
    expect(r.sites.map((s) => s.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(r.verdict.summary).toBe("All 4 sites ok; this host's search domain corp.example answers every name with 10.20.0.9");
  });

  it('control: a search list that does not expand these names first (ndots:1) is not named as the cause', () => {
    const r = world(searching(1));
    expect(r.host.summary).toBe('resolver system redirects names to 10.20.0.9');
    expect(r.host.notes.join(' ')).not.toMatch(/search domain/);
  });
});

describe('a public resolver refusing every connection from here (a firewall blocking DNS over HTTPS, a block of its addresses)', () => {
  const doh: ResolverSpec = { name: 'cloudflare-doh', kind: 'doh', url: 'https://cloudflare-dns.com/dns-query', provider: 'Cloudflare' };
  const names = ['shop', 'news', 'bank'];
  const refused = (n: string, r: string) =>
    (['A', 'AAAA'] as const).map((type) => dnsAnswer({ resolver: r, name: `${n}.test`, type, outcome: 'network-error', rcode: null, values: [], error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' } }));
  const noAddress = (n: string, r: string) => attempt({ ...fetchResult({ httpStatus: null, address: null, error: { code: 'ECONNREFUSED', message: 'x' }, failedPhase: 'dns' }), id: `${n}|edge|dns:${r}`, site: n, resolver: r, resolvers: [r], family: null, outcome: 'dns-error' });
  const world = (refusing: ResolverSpec) => {
    const resolvers = [refusing, udp('beta', '127.0.0.54', 'Google')];
    const dns = names.flatMap((n, i) => [...refused(n, refusing.name), ...answers(`${n}.test`, ['beta'], `127.0.${i + 1}.1`, null)]);
    const attempts = names.flatMap((n, i) => [noAddress(n, refusing.name), fetched(n, `127.0.${i + 1}.1`, responses.cloudflareOk(), ['beta'])]);
    return run(names.map(spec), dns, attempts, resolvers);
  };

  it('is set aside as unusable here, said once: no resolver incident, the sites ok', () => {
    // It read as "Cloudflare resolver cloudflare-doh failing: network-error for 3 of 3 names" (confidence 0.99), exit 2.
    const r = world(doh);
    expect(r.incidents).toEqual([]);
    expect(r.host.blockedResolvers).toEqual(['cloudflare-doh']);
    expect(r.host.summary).toBe('cloudflare-doh refuses connections from here');
    expect(r.host.notes).toEqual([
      'cloudflare-doh (https://cloudflare-dns.com/dns-query) refused every connection from here at once (ECONNREFUSED), which a public resolver failing does not do (it stops answering, or answers SERVFAIL): something on the way refuses it for this host — a firewall blocking DNS over HTTPS, a block of its addresses; names were judged on the other resolvers',
    ]);
    expect(r.sites.map((s) => s.status)).toEqual(['ok', 'ok', 'ok']);
    expect(r.verdict.exitCode).toBe(0);
  });

  it("control: this host's own resolver refusing (its local server stopped) is its failure, not set aside", () => {
    const r = world({ ...udp('office', '192.168.1.53', null), local: true });
    expect(r.host.blockedResolvers).toEqual([]);
    expect(r.sites.map((s) => s.status)).toEqual(['degraded', 'degraded', 'degraded']);
  });
});

describe('a network that blocks outbound DNS to public resolvers', () => {
  const resolvers = [
    system,
    udp('cloudflare', '127.0.0.61', 'Cloudflare'),
    udp('google', '127.0.0.62', 'Google'),
    udp('quad9', '127.0.0.63', 'Quad9'),
  ];
  const names = ['shop', 'blog', 'news'];
  const silent = (host: string, r: string): DnsAnswer[] =>
    (['A', 'AAAA'] as const).map((type) => dnsAnswer({ resolver: r, name: host, type, outcome: 'timeout', rcode: null, values: [], error: { code: 'ETIMEDOUT', message: 'no reply' }, durationMs: 2000 }));
  const dnsFailure = (n: string, r: string) =>
    attempt({ ...fetchResult({ httpStatus: null, address: null, error: { code: 'ETIMEDOUT', message: 'no reply' }, failedPhase: 'dns', timings: { connectMs: null, tlsMs: null, ttfbMs: null, totalMs: 2000 } }), id: `${n}|edge|dns:${r}`, site: n, resolver: r, resolvers: [r], family: null, outcome: 'dns-error' });

  it('is this network, not three resolver operators at once: no resolver incident, sites judged on the system resolver', () => {
    const dns = names.flatMap((n, i) => [...answers(`${n}.test`, ['system'], `127.0.1.${i + 1}`, null), ...['cloudflare', 'google', 'quad9'].flatMap((r) => silent(`${n}.test`, r))]);
    const attempts = names.flatMap((n, i) => [fetched(n, `127.0.1.${i + 1}`, responses.healthy(), ['system']), ...['cloudflare', 'google', 'quad9'].map((r) => dnsFailure(n, r))]);
    const r = run(names.map(spec), dns, attempts, resolvers);
    expect(r.host.blockedResolvers).toEqual(['cloudflare', 'google', 'quad9']);
    expect(r.host.notes.join('\n')).toMatch(/this network blocks outbound plain DNS: cloudflare, google, quad9 \(3 operators\) answer nothing from here while system answers/);
    expect(r.incidents).toEqual([]);
    expect(r.sites.map((s) => s.status)).toEqual(['ok', 'ok', 'ok']);
    expect(r.verdict).toMatchObject({ verdict: 'ok', exitCode: 0 });
  });

  it('control: one operator silent while another operator answers stays one resolver incident naming both of its resolvers (1.1.1.1, 2025-07-14)', () => {
    const doh: ResolverSpec = { name: 'cloudflare-doh', kind: 'doh', url: 'https://127.0.0.65/dns-query', provider: 'Cloudflare' };
    const two = [system, udp('cloudflare', '127.0.0.61', 'Cloudflare'), udp('cloudflare-2', '127.0.0.64', 'Cloudflare'), udp('google', '127.0.0.62', 'Google'), doh];
    const dns = names.flatMap((n, i) => [...answers(`${n}.test`, ['system', 'google', 'cloudflare-doh'], `127.0.1.${i + 1}`, null), ...['cloudflare', 'cloudflare-2'].flatMap((r) => silent(`${n}.test`, r))]);
    const attempts = names.flatMap((n, i) => [fetched(n, `127.0.1.${i + 1}`, responses.healthy(), ['system', 'google', 'cloudflare-doh']), dnsFailure(n, 'cloudflare'), dnsFailure(n, 'cloudflare-2')]);
    const r = run(names.map(spec), dns, attempts, two);
    expect(r.host.blockedResolvers).toEqual([]);
    expect(r.incidents).toHaveLength(1);
    expect(r.incidents[0]).toMatchObject({ id: 'resolver:Cloudflare:resolver', kind: 'resolver', provider: 'Cloudflare', resolvers: ['cloudflare', 'cloudflare-2'], scope: 'partial', controls: ['system', 'google'] });
    expect(r.incidents[0]!.summary).toMatch(/^Cloudflare resolvers cloudflare, cloudflare-2 failing: timeout for 3 of 3 names that system, google answer; Cloudflare's cloudflare-doh answers/);
  });

  it('control: a public resolver compared only with the system resolver is a resolver incident, but an unsure one', () => {
    const one = [system, udp('cloudflare', '127.0.0.61', 'Cloudflare')];
    const dns = names.flatMap((n, i) => [...answers(`${n}.test`, ['system'], `127.0.1.${i + 1}`, null), ...silent(`${n}.test`, 'cloudflare')]);
    const attempts = names.flatMap((n, i) => [fetched(n, `127.0.1.${i + 1}`, responses.healthy(), ['system']), dnsFailure(n, 'cloudflare')]);
    const r = run(names.map(spec), dns, attempts, one);
    expect(r.incidents).toHaveLength(1);
    expect(r.incidents[0]!.confidence).toBeLessThanOrEqual(0.5);
    expect(r.incidents[0]!.evidence.join('\n')).toMatch(/a network that blocks outbound DNS would look the same/);
  });
});

// A network answering port 53 itself (a transparent DNS proxy, an ISP's interception, a firewall filtering names):
// every plain-DNS resolver's reply is its reply. Names it fails, Cloudflare's own DoH answers.
describe('a network that answers plain DNS itself, failing some names', () => {
  const doh: ResolverSpec = { name: 'cloudflare-doh', kind: 'doh', url: 'https://127.0.0.65/dns-query', provider: 'Cloudflare' };
  const resolvers = [system, udp('cloudflare', '127.0.0.61', 'Cloudflare'), udp('google', '127.0.0.62', 'Google'), udp('quad9', '127.0.0.63', 'Quad9'), doh];
  const plainResolvers = ['system', 'cloudflare', 'google', 'quad9'];
  const names = ['shop', 'news', 'bank'];
  const failed = (host: string, r: string, outcome: 'servfail' | 'nxdomain'): DnsAnswer[] =>
    (['A', 'AAAA'] as const).map((type) => dnsAnswer({ resolver: r, name: host, type, outcome, rcode: outcome === 'servfail' ? 'SERVFAIL' : 'NXDOMAIN', values: [], transport: r === 'system' ? 'system' : 'udp' }));
  const dnsFailure = (n: string, r: string, code: string) =>
    attempt({ ...fetchResult({ url: `https://${n}.test/`, httpStatus: null, address: null, error: { code, message: code }, failedPhase: 'dns', timings: { connectMs: null, tlsMs: null, ttfbMs: null, totalMs: 5 } }), id: `${n}|edge|dns:${r}`, site: n, resolver: r, resolvers: [r], family: null, outcome: 'dns-error' });
  /** `failing`: the names plain DNS fails (each resolver in `failingAt`); the DoH answers are `dohAnswer`'s. */
  function world(failing: string[], options: { outcome?: 'servfail' | 'nxdomain'; failingAt?: string[]; dohAnswer?: (host: string) => Partial<DnsAnswer>; without?: string } = {}) {
    const plainOnes = plainResolvers.filter((r) => r !== options.without);
    const failingAt = options.failingAt ?? plainOnes;
    const dns: DnsAnswer[] = [];
    const attempts: Attempt[] = [];
    names.forEach((n, i) => {
      const host = `${n}.test`;
      const fails = failing.includes(n);
      const answering = fails ? plainOnes.filter((r) => !failingAt.includes(r)) : plainOnes;
      dns.push(...answers(host, answering, `127.0.1.${i + 1}`, null));
      if (fails) for (const r of failingAt) dns.push(...failed(host, r, options.outcome ?? 'servfail'));
      dns.push(...answers(host, ['cloudflare-doh'], `127.0.1.${i + 1}`, null).map((d) => ({ ...d, transport: 'doh' as const, ...(options.dohAnswer?.(host) ?? {}) })));
      const servedBy = [...answering, ...(options.dohAnswer?.(host)?.outcome === 'servfail' ? [] : ['cloudflare-doh'])];
      if (servedBy.length > 0) attempts.push(fetched(n, `127.0.1.${i + 1}`, responses.healthy(), servedBy));
      if (fails) for (const r of failingAt) attempts.push(dnsFailure(n, r, r === 'system' ? 'EAI_AGAIN' : (options.outcome ?? 'servfail').toUpperCase()));
    });
    return run(names.map(spec), dns, attempts, resolvers.filter((r) => r.name !== options.without));
  }

  it("every plain-DNS resolver (three operators and this host's own) failing two names Cloudflare's DoH answers: this network, no resolver incident, sites ok", () => {
    const r = world(['shop', 'news']);
    expect(r.incidents).toEqual([]);
    expect(r.host.summary).toBe("this network's plain DNS fails 2 names (they resolve over DoH)");
    expect(r.host.notes).toEqual([expect.stringMatching(/^this network answers plain DNS itself: cloudflare, google, quad9 \(3 operators\) and this host's own resolver fail shop\.test, news\.test \(SERVFAIL\), which Cloudflare's own DNS-over-HTTPS answers/)]);
    expect(r.sites.map((s) => s.status)).toEqual(['ok', 'ok', 'ok']);
    expect(r.verdict).toMatchObject({ verdict: 'ok', exitCode: 0 });
  });

  it('the same with NXDOMAIN (names filtered on the way, as censoring networks do): the same reading, no "does not exist"', () => {
    const r = world(['shop', 'news'], { outcome: 'nxdomain' });
    expect(r.incidents).toEqual([]);
    expect(r.host.notes.join('\n')).toMatch(/fail shop\.test, news\.test \(NXDOMAIN\)/);
    expect(r.sites.map((s) => s.status)).toEqual(['ok', 'ok', 'ok']);
  });

  it("this host's own resolver answering them (a DoH stub of its own) is not named among those failing", () => {
    const r = world(['shop', 'news'], { failingAt: ['cloudflare', 'google', 'quad9'] });
    expect(r.incidents).toEqual([]);
    expect(r.host.notes).toEqual([expect.stringMatching(/^this network answers plain DNS itself: cloudflare, google, quad9 \(3 operators\) fail shop\.test/)]);
  });

  it("control: Cloudflare's DoH failing them too is the names' authority, not this network", () => {
    const r = world(['shop', 'news'], { dohAnswer: () => ({ outcome: 'servfail', rcode: 'SERVFAIL', values: [] }) });
    expect(r.host.summary ?? '').not.toMatch(/plain DNS/);
    expect(r.sites.map((s) => s.status)).toEqual(['down', 'down', 'ok']);
  });

  it("control: the DoH side answering from stale cache (EDE 3) is no fresh answer: the authority's trouble, not this network's", () => {
    const r = world(['shop', 'news'], { dohAnswer: () => ({ ede: [{ code: 3, text: 'Stale Answer' }] }) });
    expect(r.host.summary ?? '').not.toMatch(/plain DNS/);
    expect(r.sites.map((s) => s.status)).toEqual(['degraded', 'degraded', 'ok']);
  });

  it('control: one name only could be a cache holding it on the DoH side: not read as this network', () => {
    const r = world(['shop']);
    expect(r.host.summary ?? '').not.toMatch(/plain DNS/);
    expect(r.sites[0]!.status).toBe('degraded');
  });

  it("control: one operator's resolver failing names the others answer is that resolver's (its policy, its outage)", () => {
    const r = world(['shop', 'news'], { failingAt: ['quad9'] });
    expect(r.host.summary ?? '').not.toMatch(/plain DNS/);
    expect(r.sites.map((s) => s.status)).toEqual(['degraded', 'degraded', 'ok']);
  });

  it("control: with no plain resolver of Cloudflare's, its DoH answering says nothing about the others' transport", () => {
    const r = world(['shop', 'news'], { without: 'cloudflare' });
    expect(r.host.summary ?? '').not.toMatch(/plain DNS/);
    expect(r.sites.map((s) => s.status)).toEqual(['degraded', 'degraded', 'ok']);
  });
});

describe("names private to this network (an internal zone, a VPN's split DNS) beside public ones", () => {
  const cloudflare = udp('cloudflare', '1.1.1.1', 'Cloudflare');
  const google = udp('google', '8.8.8.8', 'Google');
  const publicSites: Array<[name: string, address: string, ok: () => Partial<FetchResult>]> = [
    ['cf1', '104.16.0.1', () => responses.cloudflareOk()],
    ['cf2', '104.16.0.2', () => responses.cloudflareOk()],
    ['fa1', '151.101.1.1', () => responses.fastlyOk()],
  ];
  /** A name public resolvers say does not exist, the way a dns-error attempt through them records it. */
  const missingThrough = (siteName: string, resolver: string): Attempt =>
    attempt({ id: `${siteName}|edge|dns:${resolver}`, site: siteName, url: `https://${siteName}.test/`, path: 'edge', address: null, family: null, resolver, resolvers: [resolver], httpStatus: null, headers: {}, bodySample: '', error: { code: 'NXDOMAIN', message: `${resolver}: nxdomain for ${siteName}.test` }, failedPhase: 'dns', outcome: 'dns-error', expect: { ok: false, failures: ['no HTTP response'] } });
  /**
   * Three public sites every resolver answers, and `internal` sites only this host's resolver answers (at those
   * addresses, each serving); `outside` say NXDOMAIN for them, with `ede` when given.
   */
  /** The public sites' answers from every one of `resolvers`, and their fetches, each serving. */
  function publicPart(resolvers: ResolverSpec[]): { dns: DnsAnswer[]; attempts: Attempt[] } {
    const names = resolvers.map((r) => r.name);
    return {
      dns: publicSites.flatMap(([n, address]) => names.map((r) => dnsAnswer({ resolver: r, name: `${n}.test`, type: 'A', values: [address] }))),
      attempts: publicSites.map(([n, address, ok]) => fetched(n, address, ok(), names)),
    };
  }
  function world(internal: Array<[name: string, address: string]>, outside: ResolverSpec[], ede: DnsAnswer['ede'] = []) {
    const resolvers = [system, ...outside];
    const { dns, attempts } = publicPart(resolvers);
    for (const [n, address] of internal) {
      dns.push(dnsAnswer({ resolver: 'system', name: `${n}.test`, type: 'A', values: [address] }));
      for (const r of outside) dns.push(dnsAnswer({ resolver: r.name, name: `${n}.test`, type: 'A', outcome: 'nxdomain', rcode: 'NXDOMAIN', values: [], ede }));
      attempts.push(fetched(n, address, responses.healthy(), ['system']), ...outside.map((r) => missingThrough(n, r.name)));
    }
    return run([...publicSites, ...internal].map(([n]) => spec(n)), dns, attempts, resolvers);
  }
  const internalZones: Array<[string, string]> = [
    ['wiki.corpa', '10.1.0.5'],
    ['git.corpb', '10.1.0.6'],
    ['ci.corpc', '100.101.0.7'],
  ];

  it("names only this host's resolver knows, that two operators say do not exist: private names, said once; no resolver incident, every site ok", () => {
    // It read as "Cloudflare resolver cloudflare failing: nxdomain for 3 of 6 names that system, google answer" and
    // Google's twin (exit 2), the internal sites degraded.
    const r = world(internalZones, [cloudflare, google]);
    expect(r.incidents).toEqual([]);
    expect(r.findings).toEqual([]);
    expect(r.sites.map((s) => s.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    expect(r.host.notes).toEqual([
      "3 names (wiki.corpa.test, git.corpb.test, ci.corpc.test) resolve only through this host's own resolver: cloudflare, google say they do not exist (NXDOMAIN) — names private to this network (an internal zone, a VPN's split DNS), which public resolvers are right not to know; not their failure",
    ]);
    expect(r.verdict).toMatchObject({ verdict: 'ok', exitCode: 0, summary: 'All 6 sites ok' });
  });

  it('one public resolver beside this host\'s: private addresses (RFC 1918, RFC 6598) say so on their own', () => {
    const r = world(internalZones, [cloudflare]);
    expect(r.incidents).toEqual([]);
    expect(r.verdict.exitCode).toBe(0);
  });

  it('control: one public resolver saying public addresses do not exist could be its own filter: its incident stands', () => {
    const r = world([['shop.corpa', '198.51.100.5'], ['blog.corpb', '198.51.100.6'], ['docs.corpc', '198.51.100.7']], [cloudflare]);
    expect(r.incidents.map((i) => [i.layer, i.provider])).toEqual([['resolver', 'Cloudflare']]);
  });

  it("control: a name another public resolver answers exists outside: the one saying NXDOMAIN fails it", () => {
    const resolvers = [system, cloudflare, google];
    const names: Array<[string, string]> = [['shop.corpa', '10.1.0.5'], ['blog.corpb', '10.1.0.6'], ['docs.corpc', '10.1.0.7']];
    const { dns, attempts } = publicPart(resolvers);
    for (const [n, address] of names) {
      dns.push(dnsAnswer({ resolver: 'system', name: `${n}.test`, type: 'A', values: [address] }), dnsAnswer({ resolver: 'google', name: `${n}.test`, type: 'A', values: [address] }));
      dns.push(dnsAnswer({ resolver: 'cloudflare', name: `${n}.test`, type: 'A', outcome: 'nxdomain', rcode: 'NXDOMAIN', values: [] }));
      attempts.push(fetched(n, address, responses.healthy(), ['system', 'google']), missingThrough(n, 'cloudflare'));
    }
    const r = run([...publicSites, ...names].map(([n]) => spec(n)), dns, attempts, resolvers);
    expect(r.host.notes).toEqual([]);
    expect(r.incidents.map((i) => [i.layer, i.provider])).toEqual([['resolver', 'Cloudflare']]);
  });

  it('control: NXDOMAIN with a policy EDE (15 "Blocked") is a decision about the name, not a private name', () => {
    const r = world(internalZones, [cloudflare, google], [{ code: 15, text: 'blocked' }]);
    expect(r.host.notes.join(' ')).not.toMatch(/private to this network/);
  });
});

describe('not the Internet at all: a captive portal, TLS interception', () => {
  const resolvers = [udp('alpha', '127.0.0.53', null), udp('beta', '127.0.0.54', null)];
  const cert = (subject: string, issuer: string, error: string): CertificateInfo => ({ subject, issuer, validFrom: '2026-01-01T00:00:00Z', validTo: '2027-01-01T00:00:00Z', subjectAltNames: [], authorized: false, authorizationError: error });
  const tlsFailure = (tls: CertificateInfo): Partial<FetchResult> => ({ ...noRoute(tls.authorizationError!), failedPhase: 'tls', tls, timings: { connectMs: 1, tlsMs: 3, ttfbMs: null, totalMs: 4 } });
  const names = ['shop', 'bank', 'news'];

  it('every name resolving to one address that shows one certificate for another name: a captive portal, named', () => {
    const portal = cert('CN=portal.hotel.example', 'CN=Hotel CA', 'ERR_TLS_CERT_ALTNAME_INVALID');
    const dns = names.flatMap((n) => answers(`${n}.test`, ['alpha', 'beta'], '10.0.0.1', null));
    const attempts = names.map((n) => fetched(n, '10.0.0.1', tlsFailure(portal), ['alpha', 'beta']));
    const r = run(names.map(spec), dns, attempts, resolvers);
    expect(r.verdict).toMatchObject({ verdict: 'local-network', exitCode: 3 });
    expect(r.verdict.summary).toMatch(/every site resolves to the same address 10\.0\.0\.1 at every resolver/);
    expect(r.local.evidence.join('\n')).toMatch(/every site presents the same certificate, for CN=portal\.hotel\.example/);
    expect(r.incidents).toEqual([]);
  });

  it('every site on every provider signed by one issuer this host does not trust: TLS interception, named', () => {
    const dns = names.flatMap((n, i) => answers(`${n}.test`, ['alpha', 'beta'], `127.0.${i + 1}.1`, null));
    const attempts = names.map((n, i) => fetched(n, `127.0.${i + 1}.1`, tlsFailure(cert(`CN=${n}.test`, 'CN=Corp Inspection CA', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY')), ['alpha', 'beta']));
    const r = run(names.map(spec), dns, attempts, resolvers);
    expect(r.verdict).toMatchObject({ verdict: 'local-network', exitCode: 3 });
    expect(r.verdict.summary).toMatch(/every site's certificate is issued by CN=Corp Inspection CA, which this host does not trust: TLS interception/);
  });

  it("every site's certificate refused for its issuer, the issuers several: this host's CA store, not the network; exit 3", () => {
    const issuers = ["CN=R11,O=Let's Encrypt,C=US", 'CN=WE1,O=Google Trust Services,C=US', 'CN=DigiCert Global G2 TLS RSA SHA256 2020 CA1,O=DigiCert Inc,C=US'];
    const dns = names.flatMap((n, i) => answers(`${n}.test`, ['alpha', 'beta'], `127.0.${i + 1}.1`, null));
    const attempts = names.map((n, i) => fetched(n, `127.0.${i + 1}.1`, tlsFailure(cert(`CN=${n}.test`, issuers[i]!, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY')), ['alpha', 'beta']));
    const r = run(names.map(spec), dns, attempts, resolvers);
    expect(r.verdict).toMatchObject({ verdict: 'local-network', exitCode: 3 });
    expect(r.local.where).toBe('host');
    expect(r.verdict.summary).toMatch(/^Problem on this host: every certificate of 3 sites on different providers is refused by this host for its issuer, and the issuers are 3 \(CN=R11,O=Let's Encrypt,C=US; .*\): unrelated sites' CAs are not all untrusted at once — this host's CA store lacks the public roots/);
    expect(r.verdict.summary).not.toMatch(/interception|intercepts/);
    expect(r.host.notes.join(' ')).toMatch(/check this host's clock .* and its CA store/);
    expect(r.incidents).toEqual([]);
  });

  it('control: the same untrusted issuers with one site served are no host fault', () => {
    const issuers = ["CN=R11,O=Let's Encrypt,C=US", 'CN=WE1,O=Google Trust Services,C=US'];
    const dns = names.flatMap((n, i) => answers(`${n}.test`, ['alpha', 'beta'], `127.0.${i + 1}.1`, null));
    const attempts = names.map((n, i) => (i < 2 ? fetched(n, `127.0.${i + 1}.1`, tlsFailure(cert(`CN=${n}.test`, issuers[i]!, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY')), ['alpha', 'beta']) : fetched(n, `127.0.${i + 1}.1`, responses.healthy(), ['alpha', 'beta'])));
    const r = run(names.map(spec), dns, attempts, resolvers);
    expect(r.local.down).toBe(false);
    expect(r.verdict.summary).not.toMatch(/CA store/);
  });

  describe('TLS intercepted for some sites only, others serving', () => {
    // Recorded attempts at addresses in the providers' published ranges (nothing is sent): the edge is read from them.
    const layout = [
      ['cf1', '104.16.0.1'],
      ['cf2', '104.16.0.2'],
      ['cf3', '104.16.0.3'],
      ['fastly1', '151.101.0.1'],
      ['fastly2', '151.101.0.2'],
    ] as const;
    const served: Record<string, () => Partial<FetchResult>> = { cf: () => responses.cloudflareOk(), fastly: () => responses.fastlyOk() };
    const runWith = (untrusted: Record<string, string>) => {
      const dns = layout.flatMap(([n, a]) => answers(`${n}.test`, ['alpha', 'beta'], a, null));
      const attempts = layout.map(([n, a]) =>
        untrusted[n] ? fetched(n, a, tlsFailure(cert(`CN=${n}.test`, untrusted[n]!, 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY')), ['alpha', 'beta']) : fetched(n, a, served[n.replace(/\d$/, '')]!(), ['alpha', 'beta']),
      );
      return run(layout.map(([n]) => spec(n)), dns, attempts, resolvers);
    };

    it('one untrusted issuer for sites on two providers: interception of those sites, said; no provider blamed', () => {
      const r = runWith({ cf1: 'CN=Corp Inspection CA', cf2: 'CN=Corp Inspection CA', fastly1: 'CN=Corp Inspection CA' });
      expect(r.incidents).toEqual([]);
      expect(r.verdict).toMatchObject({ verdict: 'ok', exitCode: 0 });
      expect(r.verdict.summary).toMatch(/^2 of 5 sites ok; 3 untested from here: TLS to 3 sites answered with certificates from CN=Corp Inspection CA, untrusted here/);
      expect(r.host.notes.join('\n')).toMatch(/3 sites on 2 providers \(Cloudflare, Fastly\) present certificates issued by CN=Corp Inspection CA, which this host does not trust: something on this network intercepts TLS for them/);
      for (const n of ['cf1', 'cf2', 'fastly1']) expect(r.sites.find((s) => s.name === n)).toMatchObject({ status: 'untested', blame: { layer: 'local', provider: null } });
    });

    it("control: one customer's names on two providers with one untrusted issuer are its own certificates, not interception", () => {
      // www.acme.test on Cloudflare and api.acme.test on Fastly, one zone (its NS walk says so): one owner's chain.
      const acme = [['www', '104.16.0.1'], ['api', '151.101.0.1'], ['ok', '104.16.0.3']] as const;
      const host = (n: string) => (n === 'ok' ? 'ok.test' : `${n}.acme.test`);
      const dns = acme.flatMap(([n, a]) => [
        ...answers(host(n), ['alpha', 'beta'], a, null),
        ...['alpha', 'beta'].map((r) => dnsAnswer({ resolver: r, name: host(n), type: 'NS', outcome: n === 'ok' ? 'ok' : 'empty', values: n === 'ok' ? ['ns1.ok.test'] : [], zone: n === 'ok' ? 'ok.test' : 'acme.test' })),
        ...(n === 'ok' ? [] : ['alpha', 'beta'].map((r) => dnsAnswer({ resolver: r, name: 'acme.test', type: 'NS', values: ['ns1.acme.test'], zone: 'acme.test' }))),
      ]);
      const attempts = acme.map(([n, a]) =>
        n === 'ok'
          ? { ...fetched(n, a, responses.cloudflareOk(), ['alpha', 'beta']), url: `https://${host(n)}/` }
          : { ...fetched(n, a, tlsFailure(cert(`CN=${host(n)}`, 'CN=Acme Internal CA', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE')), ['alpha', 'beta']), url: `https://${host(n)}/` },
      );
      const r = run(acme.map(([n]) => site({ name: n, url: `https://${host(n)}/` })), dns, attempts, resolvers);
      expect(r.host.notes.join('\n')).not.toMatch(/intercepts/);
      for (const n of ['www', 'api']) expect(r.sites.find((s) => s.name === n)).toMatchObject({ status: 'down', blame: { layer: 'tls' } });
    });

    it('control: an untrusted issuer on one provider\'s sites only stays that provider\'s TLS failure', () => {
      const r = runWith({ cf1: 'CN=Broken Intermediate', cf2: 'CN=Broken Intermediate' });
      expect(r.host.notes.join('\n')).not.toMatch(/intercepts/);
      expect(r.incidents.map((i) => [i.provider, i.layer])).toEqual([['Cloudflare', 'tls']]);
      // Its edges presented certificates: they answered something, and no location is read from a handshake.
      expect(r.incidents[0]!.summary).not.toMatch(/answered nothing/);
    });
  });

  describe("a CA store that lacks a public root (Node reading an outdated system store): those sites' chains refused here", () => {
    // Google's two sites chain to GTS Root R1; the others to other roots this host has. Addresses in published ranges.
    const layout = [
      ['google', '142.250.0.1'],
      ['youtube', '142.250.0.2'],
      ['cf1', '104.16.0.1'],
      ['fastly1', '151.101.0.1'],
    ] as const;
    const served: Record<string, () => Partial<FetchResult>> = { cf1: () => responses.cloudflareOk(), fastly1: () => responses.fastlyOk(), google: () => responses.healthy(), youtube: () => responses.healthy() };
    const gtsRoot = 'C=US, O=Google Trust Services LLC, CN=GTS Root R1';
    const refused = (n: string, publicRoot: string | null) => tlsFailure({ ...cert(`CN=${n}.test`, 'C=US, O=Google Trust Services, CN=WR2', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'), ...(publicRoot ? { publicRoot } : {}) });
    const runWith = (refusedAt: string[], publicRoot: string | null) => {
      const dns = layout.flatMap(([n, a]) => answers(`${n}.test`, ['alpha', 'beta'], a, null));
      const attempts = layout.map(([n, a]) => fetched(n, a, refusedAt.includes(n) ? refused(n, publicRoot) : served[n]!(), ['alpha', 'beta']));
      return run(layout.map(([n]) => spec(n)), dns, attempts, resolvers);
    };

    it("one provider's sites refused for a chain that leads to a public root: this host's store, said; no Google TLS incident", () => {
      const r = runWith(['google', 'youtube'], gtsRoot);
      expect(r.incidents).toEqual([]);
      expect(r.findings).toEqual([]);
      expect(r.verdict).toMatchObject({ verdict: 'ok', exitCode: 0 });
      expect(r.verdict.summary).toBe("2 of 4 sites ok; 2 untested from here: this host's CA store lacks GTS Root R1");
      expect(r.host.notes).toEqual([
        `TLS to 2 sites (google, youtube) is refused here for its issuer, though each chain leads to ${gtsRoot}, a root Node's own bundled store (Mozilla's) trusts: this process verifies with a CA store that lacks it (Node reading an outdated system store: --use-openssl-ca or a distribution's Node, SSL_CERT_FILE or SSL_CERT_DIR pointing elsewhere). Not those sites' or their providers' fault; they were not tested over TLS from here — update this host's CA store (\`update-ca-certificates\`)`,
      ]);
    });

    it('every site so, one issuer: this host (exit 3), not "TLS interception on this network"', () => {
      const r = runWith(['google', 'youtube', 'cf1', 'fastly1'], gtsRoot);
      expect(r.verdict).toMatchObject({ verdict: 'local-network', exitCode: 3 });
      expect(r.verdict.summary).toMatch(/^Problem on this host: TLS to 4 sites \(google, youtube, cf1, fastly1\) is refused here for its issuer, though each chain leads to C=US, O=Google Trust Services LLC, CN=GTS Root R1/);
      expect(r.verdict.summary).not.toMatch(/interception/);
      expect(r.host.notes[0]).toMatch(/CA store/);
    });

    it('control: the same refusals with no public root to lead to stay the provider\'s reading', () => {
      const r = runWith(['google', 'youtube'], null);
      expect(r.host.summary).toBeNull();
      expect([...r.incidents, ...r.findings].map((i) => [i.provider, i.layer])).toEqual([['Google', 'tls']]);
    });
  });

  describe("every certificate refused for its dates: this host's clock or CA store", () => {
    const dated = (n: string, validFrom: string, validTo: string, error: string) => ({ ...cert(`CN=${n}.test`, `CN=CA of ${n}`, error), validFrom, validTo });
    const runAt = (startedAt: string, certs: CertificateInfo[]) => {
      const dns = names.flatMap((n, i) => answers(`${n}.test`, ['alpha', 'beta'], `127.0.${i + 1}.1`, null));
      const attempts = names.map((n, i) => ({ ...fetched(n, `127.0.${i + 1}.1`, tlsFailure(certs[i]!), ['alpha', 'beta']), startedAt }));
      return run(names.map(spec), dns, attempts, resolvers);
    };

    it('each leaf expired by this host\'s time, on unrelated sites: the clock is ahead; nobody is blamed', () => {
      const r = runAt('2031-03-01T10:00:00.000Z', names.map((n, i) => dated(n, '2026-06-01T00:00:00Z', `2027-0${i + 1}-15T00:00:00Z`, 'CERT_HAS_EXPIRED')));
      expect(r.verdict).toMatchObject({ verdict: 'local-network', exitCode: 3 });
      expect(r.local.evidence[0]).toBe(
        "every certificate of 3 sites on different providers is refused for its dates by this host (its clock reads 2031-03-01T10:00:00.000Z): each had expired by then, the latest valid until 2027-03-15T00:00:00Z — unrelated sites' certificates do not expire together: this host's clock is probably ahead (check NTP, `timedatectl`)",
      );
      expect(r.local.evidence.join('\n')).not.toMatch(/interception/);
      expect(r.verdict.summary).toMatch(/^Problem on this host: every certificate of 3 sites/);
      expect(r.host.notes).toEqual([expect.stringMatching(/check this host's clock \(`timedatectl`, is NTP synchronised\?\) and its CA store/)]);
      expect(r.incidents).toEqual([]);
      for (const s of r.sites) expect(s.status).toBe('untested');
    });

    it('each leaf not valid yet: the clock is behind; leaves within their dates refused as expired: the CA store', () => {
      const behind = runAt('2019-05-01T00:00:00.000Z', names.map((n) => dated(n, '2026-06-01T00:00:00Z', '2027-06-01T00:00:00Z', 'CERT_NOT_YET_VALID')));
      expect(behind.verdict.exitCode).toBe(3);
      expect(behind.local.evidence[0]).toMatch(/none was valid yet, the earliest from 2026-06-01T00:00:00Z — this host's clock is probably behind/);
      // 2021-09-30: an expired root (DST Root CA X3) in old clients' stores made valid sites read as expired.
      const store = runAt('2026-12-05T00:00:00.000Z', names.map((n) => dated(n, '2026-06-01T00:00:00Z', '2027-06-01T00:00:00Z', 'CERT_HAS_EXPIRED')));
      expect(store.verdict.exitCode).toBe(3);
      expect(store.local.evidence[0]).toMatch(/the sites' own certificates are within their dates: a root or intermediate certificate this host relies on has expired — update this host's CA store/);
    });

    it('control: one site whose certificate expired while another site serves stays that site\'s own', () => {
      const dns = ['shop', 'news'].flatMap((n, i) => answers(`${n}.test`, ['alpha'], `127.0.${i + 1}.1`, null));
      const attempts = [fetched('shop', '127.0.1.1', tlsFailure(dated('shop', '2025-01-01T00:00:00Z', '2026-01-01T00:00:00Z', 'CERT_HAS_EXPIRED')), ['alpha']), fetched('news', '127.0.2.1', responses.healthy(), ['alpha'])];
      const r = run(['shop', 'news'].map(spec), dns, attempts, resolvers);
      expect(r.local.down).toBe(false);
      expect(r.sites[0]).toMatchObject({ status: 'down', blame: { layer: 'tls' } });
    });
  });

  it("control: two sites sharing one address, one of them with its own expired certificate, is that site's", () => {
    const dns = ['shop', 'blog'].flatMap((n) => answers(`${n}.test`, ['alpha'], '127.0.1.1', null));
    const attempts = [fetched('shop', '127.0.1.1', tlsFailure(cert('CN=shop.test', 'CN=Real CA', 'CERT_HAS_EXPIRED')), ['alpha']), fetched('blog', '127.0.1.1', responses.healthy(), ['alpha'])];
    const r = run(['shop', 'blog'].map(spec), dns, attempts, resolvers);
    expect(r.local.down).toBe(false);
    expect(r.sites[0]).toMatchObject({ status: 'down', blame: { layer: 'tls', provider: null } });
  });
});

describe('offline with only the system resolver', () => {
  it('getaddrinfo failing at once for every name is the local network: exit 3, not "2 down"', () => {
    const names = ['shop', 'blog'];
    const dns = names.flatMap((n) =>
      (['A', 'AAAA'] as const).map((type) => dnsAnswer({ resolver: 'system', name: `${n}.test`, type, outcome: 'network-error', rcode: null, values: [], error: { code: 'EAI_AGAIN', message: 'at once' }, transport: 'system', durationMs: 2 })),
    );
    const attempts = names.map((n) => attempt({ ...fetchResult({ httpStatus: null, address: null, error: { code: 'EAI_AGAIN', message: 'x' }, failedPhase: 'dns' }), site: n, resolver: 'system', resolvers: ['system'], outcome: 'dns-error' }));
    const r = run(names.map(spec), dns, attempts, [system]);
    expect(r.verdict).toMatchObject({ verdict: 'local-network', exitCode: 3 });
    expect(r.host.notes[0]).toMatch(/nothing is blamed and no site could be tested from here; check: is this host online/);
  });
});
