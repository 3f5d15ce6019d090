// The probe kinds against a lab DNS server on loopback: what each site's RawSite holds (its own answers, not its
// neighbours'), and the `probe: dns` check judged end to end through classify.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type RunningDnsServer } from '../../src/lab/dns-server.js';
import { classifySite } from '../../src/classify/index.js';
import { loadCatalog } from '../../src/fingerprint/index.js';
import type { RawSite, ResolverSpec, SiteSpec } from '../../src/model.js';
import { planRun } from '../../src/plan/index.js';
import { createProbeSession, probeSites, SITE_PLANNERS } from '../../src/probe/index.js';
import { site } from '../support/records.js';

let good: RunningDnsServer;
let broken: RunningDnsServer;
let slow: RunningDnsServer;

const records = {
  'shop.test': { NS: ['ns1.dnshost.test'], A: ['127.0.0.10'] },
  'www.shop.test': { A: ['127.0.0.10'] },
  'dual.shop.test': { A: ['127.0.0.10'], AAAA: ['::1'] },
  'other.test': { A: ['127.0.0.11'], NS: ['ns1.dnshost.test'] },
  'mail.test': { MX: [{ preference: 10, exchange: 'mx1.mail.test' }], TXT: ['v=spf1 -all'], NS: ['ns1.dnshost.test'] },
};

beforeAll(async () => {
  good = await startDnsServer({ host: '127.0.0.53', data: { records, zones: ['shop.test', 'other.test', 'mail.test'] }, authenticated: (name) => name === 'mail.test' });
  broken = await startDnsServer({ host: '127.0.0.54', data: { records, zones: ['shop.test', 'other.test', 'mail.test'] }, fault: (name) => (name === 'mail.test' ? 'servfail' : null) });
  // Address answers later than the NS walk waits for them (500 ms); NS at once.
  slow = await startDnsServer({ host: '127.0.0.55', data: { records, zones: ['shop.test', 'other.test', 'mail.test'] }, delayMs: (_name, type) => (type === 'NS' ? 0 : 800) });
});
afterAll(async () => {
  await good.close();
  await broken.close();
  await slow.close();
});

const udp = (name: string, server: RunningDnsServer): ResolverSpec => ({ name, kind: 'udp', address: server.host, port: server.port, provider: null });
const system: ResolverSpec = { name: 'system', kind: 'system', provider: null };

async function probe(sites: SiteSpec[], resolvers: ResolverSpec[]): Promise<RawSite[]> {
  const config = { sites, resolvers, run: { deadlineMs: 5000, concurrency: 8, perHostConcurrency: 2, perAddressConcurrency: 8 } };
  const session = createProbeSession({ resolvers, run: config.run, ca: null, deadlineAt: performance.now() + 5000 });
  const raw: RawSite[] = [];
  await probeSites(planRun(config, SITE_PLANNERS), session, { policy: { failed: () => false }, sampling: { samples: 1, intervalMs: 0 }, concurrency: 8, onSite: (s) => void raw.push(s) });
  await session.close();
  return raw.sort((a, b) => a.spec.name.localeCompare(b.spec.name));
}

const noPaths = { edge: false, ipv4: true, ipv6: true, origin: false, proxies: [] };
const dnsCheck = (name: string, host: string, record: SiteSpec['record'], expect: Partial<SiteSpec['expect']> = {}): SiteSpec =>
  site({ name, probe: 'dns', record, host, url: `dns:${host}?type=${record}`, paths: noPaths, expect: { ...site().expect, ...expect } });

describe('the http kind', () => {
  it("keeps each site's own answers: its host, and the NS walk to its zone apex, not a neighbour's", async () => {
    const sites = [
      site({ name: 'www', url: 'https://www.shop.test/', paths: noPaths }),
      site({ name: 'other', url: 'https://other.test/', paths: noPaths }),
      site({ name: 'dual', url: 'https://dual.shop.test/', paths: noPaths }),
    ];
    const [dual, other, www] = await probe(sites, [udp('alpha', good)]);
    // No AAAA: the NODATA answer's SOA names the apex, so the walk starts there and the host's own NS is not asked.
    expect(www!.dns.map((d) => `${d.name}/${d.type}`).sort()).toEqual(['shop.test/NS', 'www.shop.test/A', 'www.shop.test/AAAA']);
    expect(www!.dns.find((d) => d.type === 'AAAA')).toMatchObject({ outcome: 'empty', zone: 'shop.test' });
    // An apex: its SOA is its own, and its NS is asked.
    expect(other!.dns.map((d) => `${d.name}/${d.type}`).sort()).toEqual(['other.test/A', 'other.test/AAAA', 'other.test/NS']);
    // Both families answered, no SOA came: the walk asks the host's NS, then the apex's.
    expect(dual!.dns.map((d) => `${d.name}/${d.type}`).sort()).toEqual(['dual.shop.test/A', 'dual.shop.test/AAAA', 'dual.shop.test/NS', 'shop.test/NS']);
  });

  it("asks the host's own NS when its address answers are slower than the walk waits for them", async () => {
    const [www] = await probe([site({ name: 'www', url: 'https://www.shop.test/', paths: noPaths })], [udp('slow', slow)]);
    const asked = (name: string, type: string) => www!.dns.find((d) => d.name === name && d.type === type)!;
    // Had the walk waited for the AAAA answer, its SOA would have spared the host's NS.
    expect(www!.dns.map((d) => `${d.name}/${d.type}`).sort()).toEqual(['shop.test/NS', 'www.shop.test/A', 'www.shop.test/AAAA', 'www.shop.test/NS']);
    expect(asked('www.shop.test', 'AAAA')).toMatchObject({ outcome: 'empty', zone: 'shop.test' });
    expect(Date.parse(asked('www.shop.test', 'NS').startedAt)).toBeLessThan(Date.parse(asked('www.shop.test', 'AAAA').startedAt) + 800);
  });
});

describe('the question cache over a list', () => {
  it('asks a host two sites share once, and a host of one site once while it is probed', async () => {
    const before = good.queries;
    const sites = [
      site({ name: 'shop-a', url: 'https://www.shop.test/a', paths: noPaths }),
      site({ name: 'shop-b', url: 'https://www.shop.test/b', paths: noPaths }),
      site({ name: 'other', url: 'https://other.test/', paths: noPaths }),
    ];
    const resolvers = [udp('alpha', good)];
    const run = { deadlineMs: 5000, concurrency: 8, perHostConcurrency: 2, perAddressConcurrency: 8 };
    const session = createProbeSession({ resolvers, run, ca: null, deadlineAt: performance.now() + 5000 });
    // The real session, with its forget calls seen.
    const forgotten: string[] = [];
    const seen = { ...session, forget: (name: string) => (forgotten.push(name), session.forget(name)) };
    const raw: RawSite[] = [];
    await probeSites(planRun({ sites, resolvers, run }, SITE_PLANNERS), seen, { policy: { failed: () => false }, sampling: { samples: 1, intervalMs: 0 }, concurrency: 8, onSite: (s) => void raw.push(s) });
    const { dns } = await session.close();
    // Only the host one site has is forgotten, once that site is done; the shared one stays for the other site.
    expect(forgotten).toEqual(['other.test']);
    // www.shop.test A and AAAA, shop.test NS, other.test A, AAAA and NS: six questions, six answers.
    expect(good.queries - before).toBe(6);
    expect(dns).toHaveLength(6);
    const [a, b] = [raw.find((r) => r.spec.name === 'shop-a')!, raw.find((r) => r.spec.name === 'shop-b')!];
    expect(a.dns.find((d) => d.type === 'A')).toBe(b.dns.find((d) => d.type === 'A'));
  });
});

describe('the dns kind', () => {
  const catalog = loadCatalog([]);
  const judge = (raw: RawSite, resolvers: ResolverSpec[]) => classifySite(raw, { resolvers, catalog });

  it('asks every resolver that can be asked, and passes a matching answer', async () => {
    const resolvers = [udp('alpha', good), system];
    const [mx] = await probe([dnsCheck('mx', 'mail.test', 'MX', { contains: 'mx1.mail.test' })], resolvers);
    // getaddrinfo knows only addresses: the system resolver is not asked for MX.
    expect(mx!.attempts.map((a) => [a.path, a.resolver])).toEqual([['dns', 'alpha']]);
    const classified = judge(mx!, resolvers);
    expect(classified.attempts.map((a) => a.outcome)).toEqual(['ok']);
    expect(mx!.dns.find((d) => d.type === 'MX')!.values).toEqual(['10 mx1.mail.test']);
  });

  it('fails the resolver whose rcode is not the expected one, as a DNS error at that resolver', async () => {
    const resolvers = [udp('alpha', good), udp('beta', broken)];
    const [mx] = await probe([dnsCheck('mx', 'mail.test', 'MX')], resolvers);
    const classified = judge(mx!, resolvers);
    const byResolver = Object.fromEntries(classified.attempts.map((a) => [a.resolver, a]));
    expect(byResolver.alpha!.outcome).toBe('ok');
    expect(byResolver.beta).toMatchObject({ outcome: 'dns-error', layer: 'resolver', error: { code: 'SERVFAIL' } });
    expect(byResolver.beta!.expect.failures).toEqual(['rcode SERVFAIL, expected NOERROR']);
  });

  it('reads an answer without the expected text as a content mismatch, and an expected NXDOMAIN as ok', async () => {
    const resolvers = [udp('alpha', good)];
    const [gone, txt] = await probe([dnsCheck('txt', 'mail.test', 'TXT', { contains: 'include:spf.example' }), dnsCheck('gone', 'nope.shop.test', 'A', { rcode: 'NXDOMAIN' })], resolvers);
    expect(judge(txt!, resolvers).attempts[0]).toMatchObject({ outcome: 'content-mismatch', expect: { failures: ['no TXT record contains "include:spf.example"'] } });
    expect(judge(gone!, resolvers).attempts[0]!.outcome).toBe('ok');
  });

  it('wants the AD bit when the check asks for DNSSEC', async () => {
    const resolvers = [udp('alpha', good)];
    const [signed, unsigned] = await probe([dnsCheck('signed', 'mail.test', 'MX', { dnssec: true }), dnsCheck('unsigned', 'shop.test', 'A', { dnssec: true })], resolvers);
    expect(judge(signed!, resolvers).attempts[0]!.outcome).toBe('ok');
    expect(judge(unsigned!, resolvers).attempts[0]).toMatchObject({ outcome: 'content-mismatch', expect: { failures: ['not DNSSEC-validated by alpha (no AD bit)'] } });
  });
});
