import { describe, expect, it } from 'vitest';
import { addressQueries, edgeFetchesFor, nextZoneQuery, nsQueries, splitHostPort, staticFetches, zoneWalkStart, type FetchPlan } from '../../src/plan/plan.js';
import type { DnsQuery, ResolverSpec } from '../../src/model.js';
import { dnsAnswer, site } from '../support/records.js';

const resolver = (name: string, kind: ResolverSpec['kind'] = 'udp'): ResolverSpec => ({
  name,
  kind,
  address: kind === 'udp' ? '127.0.0.53' : null,
  port: kind === 'udp' ? 53 : null,
  url: null,
  provider: null,
});

describe('DNS plan', () => {
  it('asks A and AAAA through every resolver, NS only through resolvers that speak DNS', () => {
    const resolvers = [resolver('alpha'), resolver('sys', 'system')];
    const asked = (q: DnsQuery | null) => (q ? `${q.resolver.name}|${q.name}|${q.type}` : null);
    expect(addressQueries(site(), resolvers).map(asked)).toEqual([
      'alpha|shop.test|A',
      'alpha|shop.test|AAAA',
      'sys|shop.test|A',
      'sys|shop.test|AAAA',
    ]);
    expect(nsQueries(site(), resolvers).map(asked)).toEqual(['alpha|shop.test|NS']);
  });

  it('asks nothing for an IP-literal URL and plans its one edge fetch directly', () => {
    const literal = site({ url: 'https://127.0.0.9:8443/' });
    expect(addressQueries(literal, [resolver('alpha')])).toEqual([]);
    expect(staticFetches(literal).map((p) => [p.path, p.address])).toEqual([['edge', '127.0.0.9']]);
  });

  it('follows the SOA to the zone apex when the host has no NS of its own', () => {
    const hostNs = dnsAnswer({ type: 'NS', name: 'www.shop.test', values: [], zone: 'shop.test', outcome: 'empty' });
    expect(nextZoneQuery(hostNs, resolver('alpha'))).toMatchObject({ resolver: { name: 'alpha' }, name: 'shop.test', type: 'NS' });
    const apexNs = dnsAnswer({ type: 'NS', name: 'shop.test', values: ['ns1.dnshost.test'], zone: 'shop.test' });
    expect(nextZoneQuery(apexNs, resolver('alpha'))).toBeNull();
  });

  it("asks the parent when the host is a CNAME, whose NS answer speaks of the CDN's zone", () => {
    const cnamed = dnsAnswer({ type: 'NS', name: 'www.shop.test', cnameChain: ['www.shop.test.cdn.cloudflare.net'], values: ['ns1.cloudflare.net'], zone: 'cloudflare.net' });
    expect(nextZoneQuery(cnamed, resolver('alpha'))).toMatchObject({ resolver: { name: 'alpha' }, name: 'shop.test', type: 'NS' });
  });

  it('stops when the resolver failed', () => {
    expect(nextZoneQuery(dnsAnswer({ type: 'NS', outcome: 'servfail', values: [], zone: null }), resolver('alpha'))).toBeNull();
  });
});

describe('where the walk to the zone apex starts', () => {
  const alpha = resolver('alpha');
  const hostNs: DnsQuery = { resolver: alpha, name: 'www.shop.test', type: 'NS' };
  const start = (...answers: Parameters<typeof dnsAnswer>[0][]) => {
    const q = zoneWalkStart(hostNs, answers.map((a) => dnsAnswer({ name: 'www.shop.test', ...a })));
    return `${q.resolver.name}|${q.name}|${q.type}`;
  };

  it("at the zone the SOA of a NODATA answer names, when it is above the host: the host's own NS is not asked", () => {
    expect(start({ type: 'A' }, { type: 'AAAA', outcome: 'empty', values: [], zone: 'shop.test' })).toBe('alpha|shop.test|NS');
  });

  it('at the parent when the host is a CNAME (no apex has one), whatever zone the answer names: the CDN target\'s', () => {
    expect(start({ type: 'A', cnameChain: ['www.shop.test.cdn.example'], zone: null })).toBe('alpha|shop.test|NS');
    expect(start({ type: 'AAAA', outcome: 'empty', values: [], cnameChain: ['www.shop.test.cdn.example'], zone: 'cdn.example' })).toBe('alpha|shop.test|NS');
  });

  it("at the host's own NS when the answers cannot tell", () => {
    // Both families answered: no SOA came with them.
    expect(start({ type: 'A' }, { type: 'AAAA', values: ['2001:db8::1'] })).toBe('alpha|www.shop.test|NS');
    // The host is the apex itself (its own SOA), or the SOA is not above it (a resolver making things up).
    expect(start({ type: 'AAAA', outcome: 'empty', values: [], zone: 'www.shop.test' })).toBe('alpha|www.shop.test|NS');
    expect(start({ type: 'AAAA', outcome: 'empty', values: [], zone: 'other.test' })).toBe('alpha|www.shop.test|NS');
    expect(start({ type: 'AAAA', outcome: 'empty', values: [], zone: 'hop.test' })).toBe('alpha|www.shop.test|NS');
    // Failures, an NXDOMAIN, or another resolver's answers.
    expect(start({ type: 'A', outcome: 'servfail', rcode: 'SERVFAIL', values: [] }, { type: 'AAAA', outcome: 'timeout', rcode: null, values: [] })).toBe('alpha|www.shop.test|NS');
    expect(start({ type: 'A', outcome: 'nxdomain', rcode: 'NXDOMAIN', values: [], zone: 'shop.test' })).toBe('alpha|www.shop.test|NS');
    expect(start({ resolver: 'beta', type: 'AAAA', outcome: 'empty', values: [], zone: 'shop.test' })).toBe('alpha|www.shop.test|NS');
    expect(start()).toBe('alpha|www.shop.test|NS');
  });
});

describe('edge fetch plan', () => {
  it('fetches an address once and credits every resolver that returned it', () => {
    const s = site();
    const planned: FetchPlan[] = [];
    planned.push(...edgeFetchesFor(s, 'alpha', ['127.0.0.10', '127.0.0.11'], planned));
    const more = edgeFetchesFor(s, 'beta', ['127.0.0.11'], planned);
    expect(more).toEqual([]);
    expect(planned.map((p) => [p.address, p.resolvers])).toEqual([
      ['127.0.0.10', ['alpha']],
      ['127.0.0.11', ['alpha', 'beta']],
    ]);
  });

  it('caps addresses per family but never leaves a resolver with different answers untested', () => {
    const s = site({ maxAddressesPerFamily: 2 });
    const planned: FetchPlan[] = [];
    planned.push(...edgeFetchesFor(s, 'alpha', ['127.0.0.1', '127.0.0.2', '127.0.0.3'], planned));
    expect(planned).toHaveLength(2);
    const geo = edgeFetchesFor(s, 'beta', ['127.0.0.7', '127.0.0.8'], planned);
    expect(geo.map((p) => p.address)).toEqual(['127.0.0.7']);
    expect(geo[0]!.resolvers).toEqual(['beta']);
  });

  it('keeps to the allowed families', () => {
    const v4only = site({ paths: { edge: true, ipv4: true, ipv6: false, origin: false, proxies: [] } });
    expect(edgeFetchesFor(v4only, 'alpha', ['127.0.0.1', '::1'], []).map((p) => p.family)).toEqual([4]);
  });

  it('plans origin and proxy paths without DNS', () => {
    const s = site({ origin: '[::1]:8443', paths: { edge: true, ipv4: true, ipv6: true, origin: true, proxies: ['http://127.0.0.1:3128'] } });
    expect(staticFetches(s).map((p) => [p.path, p.address, p.port, p.proxy])).toEqual([
      ['origin', '::1', 8443, null],
      ['proxy', null, null, 'http://127.0.0.1:3128'],
    ]);
  });

  it('splits addresses with ports', () => {
    expect(splitHostPort('127.0.0.1:8443')).toEqual({ address: '127.0.0.1', port: 8443 });
    expect(splitHostPort('::1')).toEqual({ address: '::1', port: null });
    expect(splitHostPort('[::1]:53')).toEqual({ address: '::1', port: 53 });
  });
});
