// DNSSEC failures read across resolvers and zones: whose validation fails (a resolver's own, when another resolver
// validated the same name), and which zones' signing fails together (one DNS host's, a parent zone's). Recorded
// answers through classify and correlate, the way the pipeline runs them.

import { describe, expect, it } from 'vitest';
import { attributeRecorded } from '../support/pipeline.js';
import { decideVerdict } from '../../src/correlate/verdict.js';
import { loadCatalog } from '../../src/fingerprint/index.js';
import type { Attempt, DnsAnswer, ResolverSpec } from '../../src/model.js';
import { attempt, dnsAnswer, fetchResult, site } from '../support/records.js';
import { responses } from '../support/responses.js';
import { dnssecFailureZone } from '../../src/classify/dns-facts.js';

const catalog = loadCatalog([]);
const resolver = (name: string, provider: string): ResolverSpec => ({ name, kind: 'udp', address: '127.0.0.53', port: 53, url: null, provider });
const RESOLVERS = [resolver('alpha', 'Cloudflare'), resolver('beta', 'Google')];
const BOGUS = { code: 6, text: 'DNSSEC Bogus' };
const EXPIRED = { code: 7, text: 'Signature Expired' };
const DYN = ['ns1.p16.dynect.net', 'ns2.p16.dynect.net'];
const CF_NS = ['kate.ns.cloudflare.com', 'rob.ns.cloudflare.com'];

/** A and AAAA for `host` from one resolver: an address (AD bit as given), or SERVFAIL with a DNSSEC EDE. */
function answered(r: string, host: string, how: { ad?: boolean; ede?: { code: number; text: string } }): DnsAnswer[] {
  if (how.ede) return (['A', 'AAAA'] as const).map((type) => dnsAnswer({ resolver: r, name: host, type, outcome: 'servfail', rcode: 'SERVFAIL', values: [], ede: [how.ede!] }));
  return [
    dnsAnswer({ resolver: r, name: host, type: 'A', values: ['127.0.1.1'], authenticated: how.ad ?? null }),
    dnsAnswer({ resolver: r, name: host, type: 'AAAA', outcome: 'empty', values: [], authenticated: how.ad ?? null }),
  ];
}

/** The zone's NS, as a query with checking disabled answers it even for a bogus zone. */
const nsOf = (zone: string, servers: string[]) => ['alpha', 'beta'].map((r) => dnsAnswer({ resolver: r, name: zone, type: 'NS', values: servers, zone }));
/** SOA of a name up the walk: answered, or rejected for DNSSEC. */
const soa = (name: string, rejected: boolean) =>
  ['alpha', 'beta'].map((r) => dnsAnswer({ resolver: r, name, type: 'SOA', values: [], ...(rejected ? { outcome: 'servfail', rcode: 'SERVFAIL', ede: [BOGUS] } : { outcome: 'empty' }) }));

function fetchedOk(name: string, resolvers: string[]): Attempt {
  return attempt({ ...fetchResult({ ...responses.healthy(), address: '127.0.1.1' }), id: `${name}|edge|127.0.1.1`, site: name, resolver: resolvers[0]!, resolvers, outcome: 'ok' });
}
function noAddress(name: string, r: string): Attempt {
  return attempt({ ...fetchResult({ httpStatus: null, address: null, error: { code: 'SERVFAIL', message: 'x' }, failedPhase: 'dns' }), id: `${name}|edge|dns:${r}`, site: name, resolver: r, resolvers: [r], outcome: 'dns-error' });
}

function run(sites: Array<{ name: string; host: string }>, dns: DnsAnswer[], attempts: Attempt[], resolvers = RESOLVERS) {
  const specs = sites.map((s) => site({ name: s.name, url: `https://${s.host}/` }));
  const result = attributeRecorded({ sites: specs, resolvers }, dns, attempts, catalog, { minSites: 2 });
  return { ...result, verdict: decideVerdict(result.sites, result.local, result.incidents, undefined, result.findings) };
}

describe("a resolver's own validation", () => {
  const sites = ['a', 'b', 'c'].map((n) => ({ name: n, host: `www.${n}.test` }));
  const rejectedByAlpha = (betaValidates: boolean) =>
    run(
      sites,
      sites.flatMap((s) => [...answered('alpha', s.host, { ede: EXPIRED }), ...answered('beta', s.host, { ad: betaValidates })]),
      sites.flatMap((s) => [noAddress(s.name, 'alpha'), fetchedOk(s.name, ['beta'])]),
    );

  it("rejecting names another resolver validated (AD bit) is that resolver's failure, not the zones' signing", () => {
    const r = rejectedByAlpha(true);
    expect(r.incidents.map((i) => [i.kind, i.provider, i.resolvers])).toEqual([['resolver', 'Cloudflare', ['alpha']]]);
    expect(r.incidents[0]!.summary).toMatch(/DNSSEC rejection \(EDE 7 "Signature Expired"\) of names others validate for 3 of 3 names that beta answers/);
    for (const s of r.sites) expect([s.status, s.blame?.layer, s.blame?.provider]).toEqual(['degraded', 'resolver', 'Cloudflare']);
    const rejected = r.sites[0]!.attempts.find((a) => a.resolver === 'alpha')!;
    expect(rejected).toMatchObject({ layer: 'resolver', provider: 'Cloudflare' });
    expect(rejected.explanation).toMatch(/^resolver alpha rejects www\.a\.test for DNSSEC \(EDE 7 "Signature Expired"\) while beta validated it \(AD bit\): alpha's own validation fails/);
  });

  it('with no other resolver vouching for the answers, either side may be wrong: unknown per site, a finding across zones', () => {
    const r = rejectedByAlpha(false);
    expect(r.incidents).toEqual([]);
    for (const s of r.sites) expect([s.status, s.blame?.layer, s.blame?.provider]).toEqual(['degraded', 'unknown', null]);
    expect(r.sites[0]!.blame!.reason).toMatch(/the zone's signing is broken or alpha's validation is; a validating resolver's answer would tell/);
    expect(r.findings.map((f) => [f.kind, f.provider, f.resolver, f.sites])).toEqual([['resolver', 'Cloudflare', 'alpha', ['a', 'b', 'c']]]);
    expect(r.findings[0]!.summary).toMatch(/^Possibly resolver alpha's DNSSEC validation failing: it rejects 3 of 3 names \(EDE 7 "Signature Expired"\) in 3 zones that beta answers — not an incident/);
    expect(r.verdict).toMatchObject({ verdict: 'site-failures', exitCode: 1 });
  });

  it('two validators rejecting what a third answers without validating: the zones\' signing, no resolver doubted', () => {
    const three = [...RESOLVERS, resolver('isp', 'ISP')];
    const r = run(
      sites,
      sites.flatMap((s) => [...answered('alpha', s.host, { ede: BOGUS }), ...answered('beta', s.host, { ede: BOGUS }), ...answered('isp', s.host, {})]),
      sites.flatMap((s) => [noAddress(s.name, 'alpha'), noAddress(s.name, 'beta'), fetchedOk(s.name, ['isp'])]),
      three,
    );
    expect(r.incidents.filter((i) => i.kind === 'resolver')).toEqual([]);
    expect(r.findings.filter((f) => f.kind === 'resolver')).toEqual([]);
    for (const s of r.sites) expect([s.status, s.blame?.layer, s.blame?.provider]).toEqual(['degraded', 'authoritative-dns', null]);
  });

  it('one zone rejected that way is no finding; both resolvers rejecting it is the zone\'s signing', () => {
    const one = run([sites[0]!], [...answered('alpha', 'www.a.test', { ede: BOGUS }), ...answered('beta', 'www.a.test', {})], [noAddress('a', 'alpha'), fetchedOk('a', ['beta'])]);
    expect([one.incidents, one.findings]).toEqual([[], []]);
    const both = run([sites[0]!, { name: 'ok', host: 'www.ok.test' }], [...answered('alpha', 'www.a.test', { ede: BOGUS }), ...answered('beta', 'www.a.test', { ede: BOGUS }), ...answered('alpha', 'www.ok.test', {}), ...answered('beta', 'www.ok.test', {})], [noAddress('a', 'alpha'), noAddress('a', 'beta'), fetchedOk('ok', ['alpha', 'beta'])]);
    expect(both.sites[0]!).toMatchObject({ status: 'down', blame: { layer: 'authoritative-dns', provider: null } });
    expect(both.sites[0]!.blame!.reason).toMatch(/the zone's signing is broken, not the resolver/);
  });
});

describe('zones whose signing fails together', () => {
  /** Sites whose names both resolvers reject for DNSSEC (each with its zone's NS), and resolving controls. */
  function signing(failing: Array<{ name: string; host: string; zone: string; ns: string[] }>, resolving: Array<{ name: string; host: string; zone: string; ns: string[] }>, extra: DnsAnswer[] = []) {
    const dns = [
      ...failing.flatMap((s) => [...answered('alpha', s.host, { ede: BOGUS }), ...answered('beta', s.host, { ede: BOGUS }), ...nsOf(s.zone, s.ns), ...(s.host === s.zone ? [] : nsOf(s.host, s.ns).map((d) => ({ ...d, values: [], outcome: 'empty' as const, zone: s.zone })))]),
      ...resolving.flatMap((s) => [...answered('alpha', s.host, {}), ...answered('beta', s.host, {}), ...nsOf(s.host, s.ns)]),
      ...extra,
    ];
    const attempts = [...failing.flatMap((s) => [noAddress(s.name, 'alpha'), noAddress(s.name, 'beta')]), ...resolving.map((s) => fetchedOk(s.name, ['alpha', 'beta']))];
    return run([...failing, ...resolving], dns, attempts);
  }
  const zone = (name: string, ns: string[], host = `www.${name}.test`) => ({ name, host, zone: `${name}.test`, ns });

  it('most of one DNS host\'s zones failing validation at once, while other zones resolve: that host\'s DNSSEC incident', () => {
    const r = signing([zone('a', DYN, 'a.test'), zone('b', DYN, 'b.test'), zone('c', DYN, 'c.test')], [zone('cf1', CF_NS, 'cf1.test')]);
    expect(r.incidents.map((i) => [i.kind, i.provider, i.layer, i.sites, i.controls])).toEqual([['authoritative-dns', 'Dyn', 'authoritative-dns', ['a', 'b', 'c'], ['cf1']]]);
    expect(r.incidents[0]!.summary).toMatch(/^Dyn DNSSEC incident: 3 of 3 sites on Dyn fail DNSSEC validation at every resolver \(EDE 6 "DNSSEC Bogus"\), in 3 zones \(a\.test, b\.test, c\.test\): the DNS host signs these zones/);
    for (const n of ['a', 'b', 'c']) expect(r.sites.find((s) => s.name === n)!.blame).toMatchObject({ layer: 'authoritative-dns', provider: 'Dyn' });
    expect(r.verdict).toMatchObject({ verdict: 'provider-incident', exitCode: 2 });
  });

  it("three names of one customer's zone are one zone: no incident, no finding", () => {
    const names = ['www', 'shop', 'api'].map((n) => ({ name: n, host: `${n}.acme.test`, zone: 'acme.test', ns: DYN }));
    const r = signing(names, [zone('cf1', CF_NS, 'cf1.test')]);
    expect([r.incidents, r.findings]).toEqual([[], []]);
    for (const s of r.sites.filter((x) => x.name !== 'cf1')) expect(s.blame).toMatchObject({ layer: 'authoritative-dns', provider: null });
  });

  it("a parent zone whose own keys fail (SOA rejected up to it): the parent's incident, whoever hosts the zones below", () => {
    const ru = [
      { name: 'shop', host: 'shop.acme.ru', zone: 'acme.ru', ns: CF_NS },
      { name: 'forum', host: 'www.forum.ru', zone: 'forum.ru', ns: DYN },
      { name: 'ledger', host: 'app.ledger.ru', zone: 'ledger.ru', ns: DYN },
    ];
    const walk = [...soa('ru', true), ...soa('acme.ru', true), ...soa('forum.ru', true), ...soa('ledger.ru', true)];
    const r = signing(ru, [zone('cf1', CF_NS, 'cf1.test'), zone('dyn9', DYN, 'dyn9.test')], walk);
    expect(dnssecFailureZone('www.forum.ru', walk)).toBe('ru');
    expect(r.incidents.map((i) => [i.kind, i.provider, i.sites])).toEqual([['authoritative-dns', null, ['shop', 'forum', 'ledger']]]);
    expect(r.incidents[0]!.summary).toMatch(/^DNSSEC incident \(the zone ru\): 3 of 3 sites fail DNSSEC validation .*: ru itself fails validation, and with it every zone below it/);
    // A name under .ru that still resolves shows the parent is not what fails.
    const partial = signing(ru, [zone('cf1', CF_NS, 'cf1.test'), { name: 'fine', host: 'www.fine.ru', zone: 'fine.ru', ns: DYN }], walk);
    expect(partial.incidents.filter((i) => i.provider === null)).toEqual([]);
  });

  it("every probed name under a parent failing, on different DNS hosts, with the parent answering: the parent's DS records", () => {
    const failing = [
      { name: 'shop', host: 'shop.acme.example', zone: 'acme.example', ns: CF_NS },
      { name: 'forum', host: 'www.forum.example', zone: 'forum.example', ns: DYN },
    ];
    const r = signing(failing, [zone('cf1', CF_NS, 'cf1.test')], [...soa('example', false), ...soa('acme.example', true), ...soa('forum.example', true)]);
    expect(r.incidents.map((i) => [i.provider, i.sites])).toEqual([[null, ['shop', 'forum']]]);
    expect(r.incidents[0]!.summary).toMatch(/\(the zone example\).*every probed name under example fails, on 2 different DNS hosts: example's signing or the DS records it publishes/);
  });

  it('zones on different hosts and parents failing at once: said as possibly shared, never an incident', () => {
    const r = signing([zone('a', DYN, 'a.test'), zone('b', CF_NS, 'b.test')], [zone('cf1', CF_NS, 'cf1.test'), zone('dyn2', DYN, 'dyn2.test'), zone('dyn3', DYN, 'dyn3.test')]);
    expect(r.incidents).toEqual([]);
    expect(r.findings.map((f) => [f.kind, f.provider, f.sites])).toEqual([['authoritative-dns', null, ['a', 'b']]]);
    expect(r.findings[0]!.summary).toMatch(/^Possibly shared: 2 zones \(a\.test, b\.test\) fail DNSSEC validation at every resolver at once .* — not an incident: .*they are on 2 DNS hosts \((Dyn, Cloudflare|Cloudflare, Dyn)\), none failing for most of its sites/);
    expect(r.verdict).toMatchObject({ verdict: 'site-failures', exitCode: 1 });
  });
});
