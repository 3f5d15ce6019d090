// This host's own resolver (getaddrinfo) beside the public ones. When /etc/resolv.conf names one operator's servers
// (util/nameservers.ts), that operator failing fails it too: one incident, not "this host's own resolver
// failing" leading beside the operator's. When its servers answer when asked directly, what fails is on this host.
// And DoH servers are found through it: when it gives no address for their names, they were never asked.
// Recorded answers through classify and correlate, the way the pipeline runs them.

import { describe, expect, it } from 'vitest';
import { attributeRecorded } from '../support/pipeline.js';
import { decideVerdict } from '../../src/correlate/verdict.js';
import { loadCatalog } from '../../src/fingerprint/index.js';
import { withSystemNameservers } from '../../src/config/resolvers.js';
import type { Attempt, DnsAnswer, ResolverSpec, SystemNameservers } from '../../src/model.js';
import { attempt, dnsAnswer, fetchResult, site } from '../support/records.js';
import { responses } from '../support/responses.js';

const catalog = loadCatalog([]);
const wire = (name: string, provider: string, address: string): ResolverSpec => ({ name, kind: 'udp', address, port: 53, provider });
const doh = (name: string, provider: string, url: string): ResolverSpec => ({ name, kind: 'doh', url, provider });
const SYSTEM: ResolverSpec = { name: 'system', kind: 'system', provider: null };
const PUBLIC = [wire('cloudflare', 'Cloudflare', '1.1.1.1'), wire('google', 'Google', '8.8.8.8'), wire('quad9', 'Quad9', '9.9.9.9')];
const NAMES = ['shop', 'blog', 'docs', 'wiki'];
const asksCloudflare: SystemNameservers = { addresses: ['1.1.1.1', '1.0.0.1'], file: '/etc/resolv.conf', via: null };

type Failure = { outcome: DnsAnswer['outcome']; code: string; transport?: DnsAnswer['transport'] };
const TIMEOUT: Failure = { outcome: 'timeout', code: 'ETIMEDOUT' };

/**
 * Every name asked of every resolver; those in `failing` fail the names in `failingNames` (all, unless given) as given,
 * the others answer with an address that serves.
 */
function run(resolvers: ResolverSpec[], failing: Record<string, Failure>, failingNames: readonly string[] = NAMES) {
  const dns = NAMES.flatMap((n, i) =>
    resolvers.flatMap((r): DnsAnswer[] => {
      const f = failingNames.includes(n) ? failing[r.name] : undefined;
      const transport = r.kind === 'doh' ? 'doh' : r.kind === 'system' ? 'system' : 'udp';
      // A DoH answer names its server by its URL, as the probe records it.
      const server = r.kind === 'doh' ? { server: r.url } : {};
      if (f) return (['A', 'AAAA'] as const).map((type) => dnsAnswer({ resolver: r.name, name: `${n}.test`, type, outcome: f.outcome, rcode: null, values: [], error: { code: f.code, message: f.code }, transport, ...server }));
      return [dnsAnswer({ resolver: r.name, name: `${n}.test`, type: 'A', values: [`127.0.1.${i + 1}`], transport }), dnsAnswer({ resolver: r.name, name: `${n}.test`, type: 'AAAA', outcome: 'empty', values: [], transport })];
    }),
  );
  const attempts = NAMES.flatMap((n, i): Attempt[] => {
    const failingHere = failingNames.includes(n) ? failing : {};
    const answering = resolvers.map((r) => r.name).filter((r) => !failingHere[r]);
    return [
      attempt({ ...fetchResult({ ...responses.healthy(), address: `127.0.1.${i + 1}` }), id: `${n}|edge|127.0.1.${i + 1}`, site: n, resolver: answering[0]!, resolvers: answering, outcome: 'ok' }),
      ...Object.entries(failingHere).map(([r, f]) =>
        attempt({ ...fetchResult({ httpStatus: null, address: null, error: { code: f.code, message: f.code }, failedPhase: 'dns' }), id: `${n}|edge|dns:${r}`, site: n, resolver: r, resolvers: [r], outcome: 'dns-error' }),
      ),
    ];
  });
  const result = attributeRecorded({ sites: NAMES.map((n) => site({ name: n, url: `https://${n}.test/` })), resolvers }, dns, attempts, catalog, { minSites: 2 });
  return { ...result, verdict: decideVerdict(result.sites, result.local, result.incidents, result.host, result.findings) };
}

describe("this host's resolver asking a public operator's servers", () => {
  it('the operator dark: one incident naming its resolver and this host\'s, led by the operator (it read as two, "this host\'s own resolver" first)', () => {
    const r = run(withSystemNameservers([SYSTEM, ...PUBLIC], asksCloudflare), { system: TIMEOUT, cloudflare: TIMEOUT });
    expect(r.incidents.map((i) => [i.id, i.provider, i.resolvers])).toEqual([['resolver:Cloudflare:resolver', 'Cloudflare', ['cloudflare', 'system']]]);
    const [incident] = r.incidents;
    expect(incident!.summary).toBe("Cloudflare resolver cloudflare and this host's own resolver (system, which asks 1.1.1.1, 1.0.0.1) failing: timeout for 4 of 4 names that google, quad9 answer (confidence 0.99)");
    expect(incident!.evidence).toContain('system (getaddrinfo → 1.1.1.1, 1.0.0.1, from /etc/resolv.conf): timeout for shop.test, blog.test, docs.test, wiki.test');
    expect(incident!.evidence).toContain("this host's own resolver asks Cloudflare's 1.1.1.1, 1.0.0.1: it fails with them, not on its own");
    expect(r.verdict.summary).toBe(incident!.summary);
  });

  it('control: with its servers unknown, it stays its own incident beside the operator\'s', () => {
    const r = run([SYSTEM, ...PUBLIC], { system: TIMEOUT, cloudflare: TIMEOUT });
    expect(r.incidents.map((i) => [i.provider, i.resolvers])).toEqual([
      [null, ['system']],
      ['Cloudflare', ['cloudflare']],
    ]);
  });

  it("only this host's resolver failing while its server answers when asked directly: this host's, the operator unnamed", () => {
    const r = run(withSystemNameservers([SYSTEM, ...PUBLIC], asksCloudflare), { system: TIMEOUT });
    expect(r.incidents.map((i) => [i.id, i.provider, i.resolvers])).toEqual([['resolver:-:resolver:system', null, ['system']]]);
    expect(r.incidents[0]!.summary).toMatch(/^This host's own resolver \(system: getaddrinfo → 1\.1\.1\.1, 1\.0\.0\.1, from \/etc\/resolv\.conf\) failing: timeout for 4 of 4 names that cloudflare, google, quad9 answer/);
    expect(r.incidents[0]!.evidence).toContain("its servers answer when asked directly (as cloudflare): what fails is between getaddrinfo and them (nsswitch.conf, resolv.conf's options, a local firewall), on this host");
  });

  it("behind systemd-resolved, whose uplinks are the operator's: the same one incident, the stub named in its evidence", () => {
    const viaStub: SystemNameservers = { addresses: ['1.1.1.1'], file: '/run/systemd/resolve/resolv.conf', via: 'systemd-resolved' };
    const r = run(withSystemNameservers([SYSTEM, ...PUBLIC], viaStub), { system: TIMEOUT, cloudflare: TIMEOUT });
    expect(r.incidents.map((i) => i.resolvers)).toEqual([['cloudflare', 'system']]);
    expect(r.incidents[0]!.evidence).toContain('system (getaddrinfo → systemd-resolved → 1.1.1.1, from /run/systemd/resolve/resolv.conf): timeout for shop.test, blog.test, docs.test, wiki.test');
  });
});

describe('DoH servers whose names this host\'s resolver does not resolve', () => {
  const DOH = [doh('cloudflare-doh', 'Cloudflare', 'https://cloudflare-dns.com/dns-query'), doh('google-doh', 'Google', 'https://dns.google/dns-query')];
  const unresolved: Failure = { outcome: 'network-error', code: 'EAI_AGAIN', transport: 'doh' };

  it('were never asked: said once and set aside, not "this network blocks DNS-over-HTTPS", not the DoH resolvers failing', () => {
    const r = run([SYSTEM, PUBLIC[1]!, PUBLIC[2]!, ...DOH], { 'cloudflare-doh': unresolved, 'google-doh': unresolved });
    expect(r.incidents).toEqual([]);
    expect(r.host.blockedResolvers).toEqual(['cloudflare-doh', 'google-doh']);
    expect(r.host.notes).toEqual([
      "cloudflare-doh, google-doh could not be asked: this host's resolver gave no address for their servers (cloudflare-dns.com, dns.google), which DNS-over-HTTPS needs to reach them; names were judged on the other resolvers",
    ]);
    expect(r.host.summary).toBe("DoH servers' names do not resolve here");
    for (const s of r.sites) expect([s.name, s.status]).toEqual([s.name, 'ok']);
  });

  it("one lookup of a DoH server's name lost here and there: that site is not degraded, the resolver not asked for it", () => {
    const r = run([SYSTEM, PUBLIC[1]!, PUBLIC[2]!, ...DOH], { 'google-doh': unresolved }, ['blog']);
    expect(r.incidents).toEqual([]);
    for (const s of r.sites) expect([s.name, s.status]).toEqual([s.name, 'ok']);
    const unasked = r.sites.find((s) => s.name === 'blog')!.attempts.find((a) => a.resolver === 'google-doh')!;
    expect(unasked).toMatchObject({ layer: 'local', provider: null, explanation: "resolver google-doh was not asked: this host's resolver gave no address for its server dns.google (EAI_AGAIN): not tested" });
    // The DoH resolver answered the other names: it is usable here, and not listed as one this host cannot use.
    expect(r.host.blockedResolvers).toEqual([]);
  });

  it('control: DoH servers that were reached and answered nothing are still read as this network blocking DoH', () => {
    const r = run([SYSTEM, PUBLIC[1]!, PUBLIC[2]!, ...DOH], { 'cloudflare-doh': { ...TIMEOUT, transport: 'doh' }, 'google-doh': { ...TIMEOUT, transport: 'doh' } });
    expect(r.host.notes).toEqual([expect.stringMatching(/^this network blocks outbound DNS-over-HTTPS: cloudflare-doh, google-doh/)]);
  });
});
