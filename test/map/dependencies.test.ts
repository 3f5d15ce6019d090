// classify/dependencies.ts and map/build.ts over recorded answers: every provider at every layer, alternatives
// kept (DNS at two hosts, a CDN per resolver), the CA, hosting with its region, and the blast radius they make.

import { describe, expect, it } from 'vitest';
import { issuerName, servedInfo, siteDependencies } from '../../src/classify/dependencies.js';
import { loadCatalog } from '../../src/fingerprint/index.js';
import { buildMap, renderDot, renderMermaid } from '../../src/map/index.js';
import type { Attempt, DnsAnswer, Report, SiteReport } from '../../src/model.js';
import { attempt, dnsAnswer } from '../support/records.js';
import { parseMermaid } from '../support/mermaid.js';

const catalog = loadCatalog();

const ns = (name: string, servers: string[], resolver = 'alpha'): DnsAnswer => dnsAnswer({ resolver, name, type: 'NS', values: servers, zone: name });
const CLOUDFLARE_HEADERS = { server: 'cloudflare', 'cf-ray': '8f1e2d3c4b5a6978-FRA' };
const FASTLY_HEADERS = { 'x-served-by': 'cache-fra19120-FRA', 'x-fastly-request-id': 'a6b016b30ba62f837e765d3cbfe483c9f012f9ba', 'x-cache': 'MISS' };
const tls = (issuer: string) => ({ subject: 'CN=shop.test', issuer, validFrom: '2026-01-01T00:00:00.000Z', validTo: '2027-01-01T00:00:00.000Z', subjectAltNames: ['shop.test'], authorized: true, authorizationError: null });

describe('siteDependencies', () => {
  it('name servers at two DNS hosts are two providers at one layer; unclaimed ones are named by their domain', () => {
    const deps = siteDependencies([ns('shop.test', ['kate.ns.cloudflare.com', 'ns-389.awsdns-48.com', 'ns1.shop-own.example'])], [], catalog);
    expect(deps.filter((d) => d.layer === 'authoritative-dns').map((d) => [d.provider, d.identified])).toEqual([
      ['Cloudflare', true],
      ['AWS', true],
      ['shop-own.example name servers', false],
    ]);
  });

  it('a different CDN from each resolver is multi-CDN, each CDN naming the resolvers that led to it', () => {
    const attempts: Attempt[] = [
      attempt({ address: '127.0.0.10', resolvers: ['alpha', 'gamma'], httpStatus: 200, httpVersion: '2', headers: CLOUDFLARE_HEADERS }),
      attempt({ address: '127.0.0.20', resolvers: ['beta'], httpStatus: 200, httpVersion: '1.1', headers: FASTLY_HEADERS }),
    ];
    const dns = [dnsAnswer({ resolver: 'alpha', values: ['127.0.0.10'] }), dnsAnswer({ resolver: 'beta', values: ['127.0.0.20'] }), dnsAnswer({ resolver: 'gamma', values: ['127.0.0.10'] })];
    const edges = siteDependencies(dns, attempts, catalog).filter((d) => d.layer === 'edge');
    expect(edges.map((d) => [d.provider, d.resolvers])).toEqual([
      ['Cloudflare', ['alpha', 'gamma']],
      ['Fastly', ['beta']],
    ]);
    expect(servedInfo(dns, attempts)).toEqual({ ipv6: 'unknown', httpVersions: ['2', '1.1'] });
  });

  it("a DNS64 resolver's AAAA (64:ff9b::/96) is no IPv6 of the site's: served through NAT64, it does not publish IPv6", () => {
    const aaaa = (values: string[]) => dnsAnswer({ resolver: 'alpha', type: 'AAAA', values });
    const over6 = (address: string) => attempt({ address, family: 6, httpStatus: 200, httpVersion: '2', headers: FASTLY_HEADERS });
    expect(servedInfo([aaaa(['64:ff9b::9765:10a'])], [over6('64:ff9b::9765:10a')]).ipv6).toBe('not-published');
    // Control: a native address is the site's own IPv6, served.
    expect(servedInfo([aaaa(['2a04:4e42::10'])], [over6('2a04:4e42::10')]).ipv6).toBe('served');
  });

  it('with no response, the edge is read from the CNAME chain each resolver returned', () => {
    const dns = [dnsAnswer({ resolver: 'alpha', cnameChain: ['shop.test.cdn.cloudflare.net'], values: ['127.0.0.10'] })];
    const failed = attempt({ address: '127.0.0.10', httpStatus: null, outcome: 'connect-error' });
    expect(siteDependencies(dns, [failed], catalog).filter((d) => d.layer === 'edge').map((d) => [d.provider, d.evidence])).toEqual([
      ['Cloudflare', ['CNAME shop.test.cdn.cloudflare.net']],
    ]);
  });

  it('the CA is the issuer organisation (the CN without one); the origin path names no CA of the edge', () => {
    expect(issuerName("C=US, O=Let's Encrypt, CN=R11")).toBe("Let's Encrypt");
    expect(issuerName('CN=outage-probe lab CA 1')).toBe('outage-probe lab CA 1');
    const deps = siteDependencies([], [attempt({ tls: tls('O=Google Trust Services, CN=WE1') }), attempt({ path: 'origin', tls: tls("O=Let's Encrypt, CN=R11") })], catalog);
    expect(deps.filter((d) => d.layer === 'tls-issuer').map((d) => d.provider)).toEqual(['Google Trust Services']);
  });

  it("a site served straight from a cloud's published ranges is hosted there, in the prefix's region; a customer range is never an edge", () => {
    for (const [address, provider, region] of [['34.1.208.7', 'Google', 'africa-south1'], ['15.181.232.9', 'AWS', 'us-east-1']] as const) {
      const dns = [dnsAnswer({ resolver: 'alpha', values: [address] })];
      const deps = siteDependencies(dns, [attempt({ address, resolvers: ['alpha'], httpStatus: 200, headers: { server: 'nginx' } })], catalog);
      expect(deps.filter((d) => d.layer === 'edge')).toEqual([]);
      expect(deps.filter((d) => d.layer === 'origin').map((d) => [d.provider, d.region])).toEqual([[provider, region]]);
    }
    // Google's own space (goog.json) is its edge.
    const gfe = siteDependencies([dnsAnswer({ resolver: 'alpha', values: ['142.250.1.1'] })], [attempt({ address: '142.250.1.1', resolvers: ['alpha'], httpStatus: 200, headers: { server: 'nginx' } })], catalog);
    expect(gfe.filter((d) => d.layer === 'edge').map((d) => d.provider)).toEqual(['Google']);
  });

  it('hosting behind the edge from the origin path, with the region its headers name', () => {
    const origin = attempt({
      path: 'origin',
      httpStatus: 200,
      headers: { server: 'awselb/2.0', 'set-cookie': 'AWSALB=abc; Path=/', 'x-amz-cf-pop': 'x' },
      location: { provider: 'AWS', code: 'us-east-1', kind: 'region', evidence: 'test' },
    });
    const hosting = siteDependencies([], [origin], catalog).filter((d) => d.layer === 'origin');
    expect(hosting.map((d) => [d.provider, d.region])).toEqual([['AWS', 'us-east-1']]);
  });
});

function siteReport(name: string, dns: DnsAnswer[], attempts: Attempt[]): SiteReport {
  return { name, url: `https://${name}.test/`, host: `${name}.test`, status: 'ok', reason: null, providers: [], blame: null, change: null, since: null, chain: [], failingZone: null, dns, attempts };
}

function report(sites: SiteReport[]): Report {
  return { startedAt: '2026-12-04T00:00:00.000Z', vantage: 'lab', sites } as unknown as Report;
}

describe('pictures', () => {
  it('escape what the network named: a quote or a bracket in a label cannot end it early (Mermaid’s parser agrees)', async () => {
    const hostile = siteReport('x"];evil[', [ns('x.test', ['kate.ns.cloudflare.com'])], []);
    const map = buildMap(report([hostile]), catalog, { spofThreshold: 0.25, source: { kind: 'probed', file: null }, version: 'test' });
    expect(renderMermaid(map)).toContain('    s0["x#34;];evil["]');
    expect(renderMermaid(map)).not.toContain('x"];evil[');
    expect(renderDot(map)).toContain('s0 [label="x\\"];evil["];');
    expect(await parseMermaid(renderMermaid(map))).toEqual({ ok: true, type: 'flowchart-v2' });
  });
});

describe('buildMap', () => {
  const cf = (name: string, servers = ['kate.ns.cloudflare.com']) =>
    siteReport(name, [ns(`${name}.test`, servers)], [attempt({ site: name, httpStatus: 200, headers: CLOUDFLARE_HEADERS })]);
  const fastly = (name: string) => siteReport(name, [ns(`${name}.test`, ['ns-389.awsdns-48.com'])], [attempt({ site: name, httpStatus: 200, headers: FASTLY_HEADERS })]);
  const sites = [cf('a'), cf('b'), cf('c', ['kate.ns.cloudflare.com', 'ns-389.awsdns-48.com']), fastly('d')];
  const options = { spofThreshold: 0.25, source: { kind: 'report' as const, file: 'r.json' }, version: 'test' };

  it('counts each provider per layer, and who depends on it alone', () => {
    const map = buildMap(report(sites), catalog, options);
    const row = (provider: string, layer: string) => map.providers.find((p) => p.provider === provider && p.layer === layer);
    expect(row('Cloudflare', 'edge')).toMatchObject({ sites: ['a', 'b', 'c'], share: 0.75, alone: ['a', 'b', 'c'] });
    expect(row('Cloudflare', 'authoritative-dns')).toMatchObject({ sites: ['a', 'b', 'c'], alone: ['a', 'b'] });
    expect(row('AWS', 'authoritative-dns')).toMatchObject({ sites: ['c', 'd'], alone: ['d'] });
    expect(map.sites.find((s) => s.name === 'c')).toMatchObject({ singleProvider: ['edge'], redundant: ['authoritative-dns'] });
  });

  it('the blast radius is the sites a provider is alone for at some layer; a redundant one is degraded, not down', () => {
    const map = buildMap(report(sites), catalog, options);
    const cloudflare = map.blastRadius.find((r) => r.provider === 'Cloudflare')!;
    expect(cloudflare).toMatchObject({ layers: ['authoritative-dns', 'edge'], down: ['a', 'b', 'c'], share: 0.75, degraded: [], spof: true });
    const aws = map.blastRadius.find((r) => r.provider === 'AWS')!;
    expect(aws).toMatchObject({ layers: ['authoritative-dns'], down: ['d'], degraded: ['c'], share: 0.25, spof: true });
    expect(map.risks[0]).toBe('If Cloudflare fails (DNS + edge): 3 of 4 sites go down (75 %): a, b, c');
    // A higher threshold leaves only Cloudflare as a single point of failure.
    const strict = buildMap(report(sites), catalog, { ...options, spofThreshold: 0.5 });
    expect(strict.blastRadius.filter((r) => r.spof).map((r) => r.provider)).toEqual(['Cloudflare']);
  });

  it("does not take a login host's CDN and CA, where a site redirects, for the site's own", () => {
    // The site answers 302 to login.idp.test, a Cloudflare-fronted host whose certificate Let's Encrypt issued; the
    // site's own name points at Fastly. It read as the site on Cloudflare, a single point of failure at its edge.
    const redirected = attempt({
      site: 'app',
      url: 'https://login.idp.test/login',
      address: '151.101.1.1',
      httpStatus: 200,
      headers: CLOUDFLARE_HEADERS,
      tls: tls("O=Let's Encrypt, CN=R11"),
      redirects: [{ url: 'https://app.test/', status: 302, location: 'https://login.idp.test/login', address: '151.101.1.1' }],
    });
    const app = siteReport('app', [ns('app.test', ['ns-389.awsdns-48.com']), dnsAnswer({ name: 'app.test', cnameChain: ['app.test.global.prod.fastly.net'], values: ['151.101.1.1'] })], [redirected]);
    const map = buildMap(report([app]), catalog, options);
    const site = map.sites.find((s) => s.name === 'app')!;
    expect(site.stack.filter((d) => d.layer === 'edge').map((d) => d.provider)).toEqual(['Fastly']);
    expect(site.stack.some((d) => d.provider === 'Cloudflare' || d.layer === 'tls-issuer')).toBe(false);
    expect(site.unknown).toEqual(['tls-issuer']);
  });

  it('says so when no provider takes a site down alone, and leaves unknown what the run could not learn', () => {
    const redundant = siteReport('r', [ns('r.test', ['kate.ns.cloudflare.com', 'ns-389.awsdns-48.com'])], [
      attempt({ resolvers: ['alpha'], httpStatus: 200, headers: CLOUDFLARE_HEADERS, tls: tls('O=Google Trust Services, CN=WE1') }),
      attempt({ resolvers: ['beta'], address: '127.0.0.20', httpStatus: 200, headers: FASTLY_HEADERS, tls: tls('O=GlobalSign nv-sa, CN=GlobalSign Atlas R3 DV TLS CA 2025 Q1') }),
    ]);
    const dark = { ...siteReport('dark', [dnsAnswer({ outcome: 'timeout', values: [], rcode: null })], [attempt({ httpStatus: null, outcome: 'dns-error', tls: null })]), status: 'down' as const };
    const map = buildMap(report([redundant, dark]), catalog, options);
    expect(map.risks).toEqual(['No single provider takes any site down on its own: every layer seen has an alternative; 1 of 2 sites not fully mapped this run: dark']);
    expect(map.sites.find((s) => s.name === 'dark')).toMatchObject({ stack: [], unknown: ['authoritative-dns', 'edge', 'tls-issuer'] });
  });
});
