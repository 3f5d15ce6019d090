// Names resolvers answer only from stale cache (serve-stale, RFC 8767; EDE 3 "Stale Answer", RFC 8914 §4.4): the
// zones' authority does not answer even though the sites still work. Recorded answers through classify and
// correlate, the way the pipeline runs them.

import { describe, expect, it } from 'vitest';
import { attributeRecorded } from '../support/pipeline.js';
import { decideVerdict } from '../../src/correlate/verdict.js';
import { loadCatalog } from '../../src/fingerprint/index.js';
import type { Attempt, DnsAnswer, ResolverSpec } from '../../src/model.js';
import { attempt, dnsAnswer, fetchResult, site } from '../support/records.js';
import { responses } from '../support/responses.js';

const catalog = loadCatalog([]);
const resolver = (name: string, provider: string): ResolverSpec => ({ name, kind: 'udp', address: '127.0.0.53', port: 53, url: null, provider });
const RESOLVERS = [resolver('alpha', 'Cloudflare'), resolver('beta', 'Google')];
const STALE = { code: 3, text: 'Stale Answer' };
const DYN = ['ns1.p16.dynect.net', 'ns2.p16.dynect.net'];
const CF_NS = ['kate.ns.cloudflare.com', 'rob.ns.cloudflare.com'];

type How = 'fresh' | 'stale' | 'servfail';

/** A and AAAA for `host` from one resolver, and its zone's NS (as the resolver has it). */
function answers(r: string, host: string, how: How, ns: string[]): DnsAnswer[] {
  const ede = how === 'stale' ? [STALE] : [];
  if (how === 'servfail') {
    // As 1.1.1.1 answers an unreachable authority: SERVFAIL with EDE 22, the NS from the parent's delegation.
    const failed = (['A', 'AAAA'] as const).map((type) => dnsAnswer({ resolver: r, name: host, type, outcome: 'servfail', rcode: 'SERVFAIL', values: [], ede: [{ code: 22, text: `at delegation ${host}.` }] }));
    return [...failed, dnsAnswer({ resolver: r, name: host, type: 'NS', values: ns, zone: host })];
  }
  return [
    dnsAnswer({ resolver: r, name: host, type: 'A', values: ['127.0.1.1'], ede }),
    dnsAnswer({ resolver: r, name: host, type: 'AAAA', outcome: 'empty', values: [], ede }),
    dnsAnswer({ resolver: r, name: host, type: 'NS', values: ns, zone: host, ede }),
  ];
}

function served(name: string, r: string): Attempt {
  return attempt({ ...fetchResult({ ...responses.healthy(), address: '127.0.1.1' }), id: `${name}|edge|127.0.1.1|${r}`, site: name, resolver: r, resolvers: [r], outcome: 'ok' });
}
function noAddress(name: string, r: string): Attempt {
  return attempt({ ...fetchResult({ httpStatus: null, address: null, error: { code: 'SERVFAIL', message: 'x' }, failedPhase: 'dns' }), id: `${name}|edge|dns:${r}`, site: name, resolver: r, resolvers: [r], outcome: 'dns-error' });
}

/** Sites (name, NS) and how each resolver answers each: the fetches follow the answers. */
function run(sites: Array<{ name: string; ns: string[]; alpha: How; beta: How }>) {
  const host = (n: string) => `${n}.test`;
  const dns = sites.flatMap((s) => [...answers('alpha', host(s.name), s.alpha, s.ns), ...answers('beta', host(s.name), s.beta, s.ns)]);
  const attempts = sites.flatMap((s) => (['alpha', 'beta'] as const).map((r) => (s[r] === 'servfail' ? noAddress(s.name, r) : served(s.name, r))));
  const result = attributeRecorded({ sites: sites.map((s) => site({ name: s.name, url: `https://${host(s.name)}/` })), resolvers: RESOLVERS }, dns, attempts, catalog, { minSites: 2 });
  return { ...result, verdict: decideVerdict(result.sites, result.local, result.incidents, undefined, result.findings) };
}

const dyn = (name: string, alpha: How = 'stale', beta: How = 'stale') => ({ name, ns: DYN, alpha, beta });
const control = (name: string) => ({ name, ns: CF_NS, alpha: 'fresh' as How, beta: 'fresh' as How });

describe('answers only from stale caches', () => {
  it("every resolver answering one DNS host's zones from stale cache, others fresh: that host's DNS incident, the sites still ok", () => {
    const r = run([dyn('a'), dyn('b'), dyn('c'), control('cf1')]);
    expect(r.incidents.map((i) => [i.kind, i.provider, i.layer, i.sites, i.controls])).toEqual([['authoritative-dns', 'Dyn', 'authoritative-dns', ['a', 'b', 'c'], ['cf1']]]);
    expect(r.incidents[0]!.summary).toMatch(/^Dyn DNS incident: 3 of 3 sites on Dyn resolve only from resolvers' stale caches \(EDE 3 "Stale Answer" from alpha, beta\): their authority does not answer/);
    for (const s of r.sites) expect([s.status, s.blame]).toEqual(['ok', null]);
    expect(r.verdict).toMatchObject({ verdict: 'provider-incident', exitCode: 2 });
  });

  it('a resolver without serve-stale failing those names is right to: no resolver incident, the DNS host blamed', () => {
    const r = run([dyn('a', 'stale', 'servfail'), dyn('b', 'stale', 'servfail'), dyn('c', 'stale', 'servfail'), control('cf1')]);
    expect(r.incidents.map((i) => [i.kind, i.provider])).toEqual([['authoritative-dns', 'Dyn']]);
    expect(r.incidents[0]!.evidence.join('\n')).toMatch(/SERVFAIL from beta, which serves no stale answers/);
    for (const n of ['a', 'b', 'c']) expect(r.sites.find((s) => s.name === n)).toMatchObject({ status: 'degraded', blame: { layer: 'authoritative-dns', provider: 'Dyn' } });
  });

  it('one resolver stale while another answers fresh is that cache, not the authority; every name stale is no one host', () => {
    const oneCache = run([dyn('a', 'stale', 'fresh'), dyn('b', 'stale', 'fresh'), dyn('c', 'stale', 'fresh'), control('cf1')]);
    expect(oneCache.incidents).toEqual([]);
    // EDE 3 sits among RFC 8914's DNSSEC codes (1–12) and is none: no resolver's validation is doubted for it.
    expect(oneCache.findings).toEqual([]);
    expect(run([dyn('a'), dyn('b'), { ...control('cf1'), alpha: 'stale', beta: 'stale' }]).incidents).toEqual([]);
  });

  it('one zone answered stale is no incident; a resolver failing it alone is its authority, not that resolver', () => {
    const r = run([dyn('a'), dyn('b', 'fresh', 'fresh'), control('cf1')]);
    expect(r.incidents).toEqual([]);
    expect(r.verdict).toMatchObject({ verdict: 'ok', exitCode: 0 });
    const one = run([dyn('a', 'stale', 'servfail'), dyn('b', 'fresh', 'fresh'), control('cf1')]);
    expect(one.incidents).toEqual([]);
    const a = one.sites.find((s) => s.name === 'a')!;
    expect(a).toMatchObject({ status: 'degraded', blame: { layer: 'authoritative-dns', provider: null } });
    expect(a.blame!.reason).toMatch(/^resolver beta gave no address \(SERVFAIL\) while alpha answers a\.test only from stale cache \(EDE 3\): its authority does not answer, and beta serves no stale data/);
  });

  it("names of the host that fail outright and names answered stale are one incident: the failing one's, the stale ones in its evidence", () => {
    const r = run([dyn('a', 'servfail', 'servfail'), dyn('b', 'servfail', 'servfail'), dyn('c'), dyn('d'), control('cf1')]);
    expect(r.incidents.map((i) => [i.kind, i.provider, i.sites])).toEqual([['authoritative-dns', 'Dyn', ['a', 'b']]]);
    expect(r.incidents[0]!.evidence).toContain("answered only from resolvers' stale caches (serve-stale): c, d");
  });
});
