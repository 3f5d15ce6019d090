// Where a name breaks: recorded answers (as resolvers send them) through the chain and failing-zone rules.
// Names here are invented per test; the rules must hold for any layout.

import { describe, expect, it } from 'vitest';
import { everyResolverSaysNoData, everyResolverSaysNxdomain, failingZoneOf, noAddressReading, siteChain, withoutWord } from '../../src/classify/delegation.js';
import { loadCatalog } from '../../src/fingerprint/index.js';
import type { DnsAnswer, DnsOutcome, ExtendedDnsError } from '../../src/model.js';
import { dnsAnswer } from '../support/records.js';

const catalog = loadCatalog([]);
const akamai = catalog.providers.find((p) => p.id === 'akamai')!;
const RCODE: Record<DnsOutcome, string | null> = { ok: 'NOERROR', empty: 'NOERROR', nxdomain: 'NXDOMAIN', servfail: 'SERVFAIL', refused: 'REFUSED', timeout: null, 'network-error': null };

function ask(resolver: string, name: string, type: DnsAnswer['type'], outcome: DnsOutcome, extra: Partial<DnsAnswer> = {}): DnsAnswer {
  return dnsAnswer({ resolver, name, type, outcome, rcode: RCODE[outcome], values: [], ...extra });
}
const cname = (resolver: string, name: string, target: string) => ask(resolver, name, 'CNAME', 'empty', { cnameChain: [target] });
const noAddress = (resolver: string, host: string, outcome: DnsOutcome, ede: ExtendedDnsError[] = []) => [ask(resolver, host, 'A', outcome, { ede }), ask(resolver, host, 'AAAA', outcome, { ede })];

describe('a CDN zone on the chain fails at every resolver', () => {
  const host = 'www.fabrikam.example';
  const dns = ['r1', 'r2', 'r3'].flatMap((r) => [
    ...noAddress(r, host, 'servfail'),
    cname(r, host, 'www.fabrikam.example.edgekey.net'),
    cname(r, 'www.fabrikam.example.edgekey.net', 'e9.b.akamaiedge.net'),
    ask(r, 'e9.b.akamaiedge.net', 'CNAME', 'servfail'),
    ask(r, 'e9.b.akamaiedge.net', 'SOA', 'servfail'),
    ask(r, 'b.akamaiedge.net', 'SOA', 'servfail'),
    ask(r, 'akamaiedge.net', 'SOA', 'servfail'),
    ask(r, 'net', 'SOA', 'ok', { values: ['a.gtld-servers.net nstld.verisign-grs.com 1 900'], zone: 'net' }),
  ]);
  const chain = siteChain(host, dns);
  const fz = failingZoneOf(host, dns, chain, { catalog, dnsHost: null });

  it('walks the chain hop by hop, and marks the first hop every resolver fails', () => {
    expect(chain.map((h) => [h.name, h.target, h.answeredBy.length, h.failedAt.length])).toEqual([
      [host, 'www.fabrikam.example.edgekey.net', 3, 0],
      ['www.fabrikam.example.edgekey.net', 'e9.b.akamaiedge.net', 3, 0],
      ['e9.b.akamaiedge.net', null, 0, 3],
    ]);
  });

  it('places the failure at the highest parent that still fails below the one that answers SOA, and names its operator', () => {
    expect(fz).toMatchObject({ zone: 'akamaiedge.net', hop: 'e9.b.akamaiedge.net', provider: akamai.name, own: false });
    expect(fz!.evidence.join("\n")).toMatch(/SOA of akamaiedge\.net fails at r1, r2, r3 while SOA of net answers/);
  });
});

describe('the site’s own zone fails', () => {
  const host = 'app.northwind.example';
  it('SOA up from the host: the zone under the answering parent is the site’s own, and its DNS host is named', () => {
    const dns = ['r1', 'r2'].flatMap((r) => [
      ...noAddress(r, host, 'servfail'),
      ask(r, host, 'CNAME', 'servfail'),
      ask(r, host, 'SOA', 'servfail'),
      ask(r, 'northwind.example', 'SOA', 'servfail'),
      ask(r, 'example', 'SOA', 'ok', { zone: 'example', values: ['x'] }),
    ]);
    const fz = failingZoneOf(host, dns, siteChain(host, dns), { catalog, dnsHost: akamai });
    expect(fz).toMatchObject({ zone: 'northwind.example', hop: host, own: true, provider: akamai.name });
  });

  it('a timeout at one resolver and SERVFAIL at another still fail everywhere; with no SOA, the EDE text names the zone', () => {
    const dns = [
      ...noAddress('r1', host, 'timeout'),
      ...noAddress('r2', host, 'servfail', [{ code: 22, text: 'At delegation northwind.example for app.northwind.example/a' }]),
      ask('r2', 'example', 'NS', 'ok', { values: ['ns.tld.example'], zone: 'example' }),
    ];
    const fz = failingZoneOf(host, dns, siteChain(host, dns), { catalog, dnsHost: null });
    expect(fz).toMatchObject({ zone: 'northwind.example', own: true, provider: null });
    expect(fz!.evidence.join('\n')).toMatch(/EDE 22 names it/);
  });
});

describe('what is not a failing zone', () => {
  const host = 'shop.contoso.example';
  it('one resolver resolving the name makes it a resolver question, not the authority', () => {
    const dns = [...noAddress('r1', host, 'servfail'), ask('r2', host, 'A', 'ok', { values: ['192.0.2.1'] }), ask('r2', host, 'AAAA', 'empty')];
    expect(failingZoneOf(host, dns, siteChain(host, dns), { catalog, dnsHost: null })).toBeNull();
  });

  it('a DNSSEC error keeps its own treatment', () => {
    const dns = ['r1', 'r2'].flatMap((r) => noAddress(r, host, 'servfail', [{ code: 6, text: 'DNSSEC Bogus' }]));
    expect(failingZoneOf(host, dns, siteChain(host, dns), { catalog, dnsHost: null })).toBeNull();
  });

  it('nothing answered anywhere (every question timed out): could be the resolvers or this host, so nothing is placed', () => {
    const dns = ['r1', 'r2'].flatMap((r) => [...noAddress(r, host, 'timeout'), ask(r, host, 'CNAME', 'timeout'), ask(r, 'example', 'SOA', 'timeout')]);
    expect(failingZoneOf(host, dns, siteChain(host, dns), { catalog, dnsHost: null })).toBeNull();
  });

  it('NOERROR with no address from every resolver is the name having no address, not a failing authority', () => {
    const dns = ['r1', 'r2'].flatMap((r) => [...noAddress(r, host, 'empty'), ask(r, 'example', 'SOA', 'ok', { zone: 'example', values: ['x'] })]);
    expect(failingZoneOf(host, dns, siteChain(host, dns), { catalog, dnsHost: akamai })).toBeNull();
    expect(everyResolverSaysNoData(host, dns, ['A', 'AAAA'])).toBe(true);
    // A SERVFAIL is a resolver saying it could not get the authority's answer: not every resolver saying "no data".
    const mixed = [...noAddress('r1', host, 'empty'), ...noAddress('r2', host, 'servfail')];
    expect(everyResolverSaysNoData(host, mixed, ['A', 'AAAA'])).toBe(false);
    expect(withoutWord(host, mixed)).toBe('');
  });

  it('a resolver that never replied, or refused, says nothing about the zone: the NODATA of those that did stands', () => {
    for (const silence of ['timeout', 'refused', 'network-error'] as const) {
      const dns = [...noAddress('r1', host, 'empty'), ...noAddress('r2', host, silence), ask('r1', 'example', 'SOA', 'ok', { zone: 'example', values: ['x'] })];
      expect(everyResolverSaysNoData(host, dns, ['A', 'AAAA'])).toBe(true);
      expect(failingZoneOf(host, dns, siteChain(host, dns), { catalog, dnsHost: akamai })).toBeNull();
      expect(withoutWord(host, dns)).toBe(' (r2 gave no reply)');
    }
    // Nobody replying is not "no data": that stays for the failing-zone and resolver rules.
    const silent = ['r1', 'r2'].flatMap((r) => noAddress(r, host, 'timeout'));
    expect(everyResolverSaysNoData(host, silent, ['A', 'AAAA'])).toBe(false);
    // The same for NXDOMAIN: the name is missing, as the resolvers that replied say.
    const missing = [...noAddress('r1', host, 'nxdomain'), ...noAddress('r2', host, 'timeout')];
    expect(everyResolverSaysNxdomain(host, missing)).toBe(true);
    expect(failingZoneOf(host, missing, siteChain(host, missing), { catalog, dnsHost: akamai })).toBeNull();
  });

  it('an empty record at the end of a CNAME into a catalogued provider names that provider’s DNS', () => {
    const target = 'app-ledger-1234.us-east-1.elb.amazonaws.com';
    const dns = ['r1', 'r2'].flatMap((r) => [ask(r, host, 'A', 'empty', { cnameChain: [target] }), ask(r, host, 'AAAA', 'empty', { cnameChain: [target] })]);
    const reading = noAddressReading(host, dns, ['A', 'AAAA'], catalog);
    expect(reading).toMatchObject({ layer: 'authoritative-dns', provider: 'AWS' });
    expect(reading!.explanation).toBe(`every resolver follows ${host} to ${target} and finds no A or AAAA record there: AWS's DNS publishes no address for it, not a resolver's fault`);
    expect(noAddressReading(host, [...dns, ask('r3', host, 'A', 'ok', { values: ['192.0.2.1'] })], ['A', 'AAAA'], catalog)).toBeNull();
  });

  it('NXDOMAIN from every resolver is the name missing, not a failing authority', () => {
    const dns = ['r1', 'r2'].flatMap((r) => noAddress(r, host, 'nxdomain'));
    expect(failingZoneOf(host, dns, siteChain(host, dns), { catalog, dnsHost: null })).toBeNull();
    expect(everyResolverSaysNxdomain(host, dns)).toBe(true);
  });
});

describe('memory', () => {
  it('a chain an earlier run saw is kept, marked remembered, where this run could not walk it (getaddrinfo)', () => {
    const host = 'cdn.tailspin.example';
    const dns = [...noAddress('system', host, 'servfail'), ask('r1', host, 'A', 'servfail'), cname('r1', host, 'tailspin.edge-provider.example')];
    const chain = siteChain(host, dns, ['tailspin.edge-provider.example', 'x1.edge-provider.example']);
    expect(chain.map((h) => [h.name, h.remembered])).toEqual([
      [host, false],
      ['tailspin.edge-provider.example', false],
      ['x1.edge-provider.example', true],
    ]);
    expect(chain[0]!.failedAt.map((f) => f.resolver)).toEqual(['system']);
  });
});
