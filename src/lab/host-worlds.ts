// Probing hosts in the shapes real networks take, for "it's us" tests: a small internet inside a network namespace
// (netns.ts) with public-looking addresses — public resolvers on their real addresses over UDP and DoH, the host's
// own resolver in /etc/resolv.conf, four sites on four providers' address ranges over IPv4 and IPv6 — and one
// environment on top: the host shaped (offline, one family only, outbound DNS blocked), a captive portal answering
// for every name, a TLS-inspecting proxy re-signing every site, a host whose clock runs ahead of every site's
// certificate, an IPv6 way out that loses large packets (a tunnel whose path MTU discovery is broken) or every packet
// (an address and a route leading nowhere; the IPv4 mirror too), a network answering port 53 itself and failing two
// sites' names (every plain-DNS resolver's reply is its reply; DoH passes), a company's internal sites only this host's
// resolver knows (split-horizon), a site's name pinned in this host's /etc/hosts to an address that does not serve
// it (hosts-file-pin), this host's resolver still giving a moved site the addresses of its old provider (stale-answer),
// a search domain whose wildcard record answers every site's name first (search-domain-wildcard), a first name server
// in resolv.conf that does not answer (dead-nameserver), or a public resolver operator's outage as the control that
// must stay a resolver incident.
// Everything runs inside the namespace: nothing can leave it.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, type TestCa } from './ca.js';
import { isAtOrBelow } from '../util/dns-name.js';
import { startDnsServer, type DnsZoneData, type RunningDnsServer } from './dns-server.js';
import { startHttpServer, type RunningHttpServer } from './http-server.js';
import { startCaptivePortal, startHijackingResolver, type RunningHijacker } from './interception.js';
import { addAddresses, bindFile, bindResolvConf, dnsBlocked, dropFamily, dropLargePackets, loopbackUp, shapeHost, type HostShape, type Shaping } from './netns.js';

export type HostEnvironment =
  | 'dual-stack'
  | 'ipv4-only'
  | 'ipv6-only'
  | 'offline'
  | 'dns-blocked'
  | 'captive-portal'
  | 'tls-interception'
  | 'partial-interception'
  | 'clock-ahead'
  | 'resolver-outage'
  | 'ipv6-mtu-black-hole'
  | 'ipv6-mtu-black-hole-partial'
  | 'ipv6-black-hole'
  | 'ipv4-black-hole'
  | 'dns-intercepted-failing'
  | 'split-horizon'
  | 'hosts-file-pin'
  | 'stale-answer'
  | 'search-domain-wildcard'
  | 'dead-nameserver';

/** The path MTU of the ipv6-mtu-black-hole worlds' IPv6 way out: a 6in4 tunnel's (1,500 less a 20-byte IPv4 header). */
const TUNNEL_MTU = 1480;
/** About a median page's HTML (HTTP Archive's Web Almanac puts it near 30 KB). */
const REAL_PAGE_BYTES = 30_000;

/** hosts-file-pin: this host's /etc/hosts pins one site's name to an address where nothing serves it. */
export const HOSTS_PIN = { name: 'shop.example.com', address: '127.0.0.99' } as const;

/**
 * stale-answer: this host's resolver still gives one site the addresses it had before it moved to Cloudflare —
 * Fastly's, where another customer (the news site) is served now — as a forgotten local record or a cache holding
 * an old answer does; the public resolvers give its Cloudflare addresses.
 */
export const STALE_ANSWER = { site: 'shop', formerlyAt: 'news' } as const;

/**
 * search-domain-wildcard: this host's resolv.conf searches a company's domain with ndots:5 (what the kubelet writes
 * for a pod, https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/), so getaddrinfo tries each
 * site's name (two dots) under it first (resolv.conf(5)); the company's zone has a wildcard A record for its
 * intranet (RFC 4592), which answers every such name with the intranet server, whose certificate is the company's.
 */
export const SEARCH_WILDCARD = { domain: 'corp.example', address: '10.20.0.9', ndots: 5 } as const;

/**
 * dead-nameserver: resolv.conf names first a server that no longer answers (a router replaced, a resolver
 * decommissioned, its line left in the file or still handed out by DHCP), then this host's working resolver.
 * Datagrams to it are dropped, as a host that is gone or a firewall in front of it does: no refusal comes back.
 */
export const DEAD_NAMESERVER = '192.168.1.1';

/** partial-interception: an inspection proxy with exceptions answers these sites with its own CA; the rest pass. */
const INTERCEPTED_SITES: ReadonlySet<string> = new Set(['shop', 'news']);

/** Public resolvers on the addresses their operators publish (inside the namespace only). */
const PUBLIC_RESOLVERS = [
  { name: 'cloudflare', address: '1.1.1.1', provider: 'Cloudflare' },
  { name: 'cloudflare-v6', address: '2606:4700:4700::1111', provider: 'Cloudflare' },
  { name: 'google', address: '8.8.8.8', provider: 'Google' },
  { name: 'quad9', address: '9.9.9.9', provider: 'Quad9' },
] as const;
/** Cloudflare's DoH, on an address of its own (as cloudflare-dns.com is), so a port-53 block leaves it working. */
const DOH = { name: 'cloudflare-doh', address: '104.16.249.249', provider: 'Cloudflare' } as const;
/** The host's own resolver (an ISP's or a corporate one), on both families. */
const LOCAL_RESOLVERS = ['192.168.53.53', 'fd00:53::53'];
const PORTAL = '192.0.2.200';

/** Sites on four providers: addresses from each one's published ranges, and its response headers. */
const SITES = [
  { name: 'shop', host: 'shop.example.com', v4: '104.16.10.10', v6: '2606:4700::6810:a0a', headers: { server: 'cloudflare', 'cf-ray': '8fcb3f8a0cc56750-FRA', 'cf-cache-status': 'DYNAMIC' } },
  { name: 'news', host: 'news.example.org', v4: '151.101.1.10', v6: '2a04:4e42::10', headers: { 'x-served-by': 'cache-fra-etou8220123-FRA', via: '1.1 varnish', 'x-cache': 'HIT', 'x-timer': 'S1,VS0,VE1' } },
  { name: 'bank', host: 'www.bank.example', v4: '23.32.10.10', v6: '2600:1400::10', headers: { server: 'AkamaiGHost' } },
  { name: 'blog', host: 'blog.example.net', v4: '203.0.113.10', v6: '2001:db8:10::10', headers: { server: 'nginx' } },
] as const;

/**
 * split-horizon: a company's internal sites, named under `.internal` (the top-level domain the ICANN Board reserved
 * from delegation for private use on 2024-07-29, as SSAC's SAC113 advised:
 * https://www.icann.org/en/public-comment/proceeding/proposed-top-level-domain-string-for-private-use-24-01-2024), on
 * private addresses (RFC 1918), known to this host's own resolver only — the public resolvers answer NXDOMAIN, as the
 * root zone has no such name.
 */
const INTERNAL_SITES = [
  { name: 'wiki', host: 'wiki.corp.internal', v4: '10.20.0.5' },
  { name: 'git', host: 'git.eng.internal', v4: '10.20.0.6' },
] as const;

export interface HostWorld {
  environment: HostEnvironment;
  configPath: string;
  close(): Promise<void>;
}

function zoneData(): DnsZoneData {
  const records: DnsZoneData['records'] = {};
  const zones: string[] = [];
  for (const site of SITES) {
    const zone = site.host.split('.').slice(-2).join('.');
    zones.push(zone);
    records[zone] = { ...records[zone], NS: [`ns1.${zone}`] };
    records[site.host] = { ...records[site.host], A: [site.v4], AAAA: [site.v6] };
  }
  return { records, zones };
}

/** The records of the internal zones (split-horizon): this host's resolver's own. */
function internalRecords(): DnsZoneData {
  const records: DnsZoneData['records'] = {};
  for (const site of INTERNAL_SITES) records[site.host] = { A: [site.v4] };
  return { records, zones: INTERNAL_SITES.map((s) => s.host.split('.').slice(-2).join('.')) };
}

/** A public recursive resolver's view: the sites' zones, and the root, under which any other name does not exist. */
function withRoot(data: DnsZoneData): DnsZoneData {
  return { records: { ...data.records, '': { NS: ['a.root-servers.net'] } }, zones: [...data.zones, ''] };
}

function probesYaml(caFile: string, internal: boolean): string {
  const resolvers = [
    '  - { name: system, system: true }',
    ...PUBLIC_RESOLVERS.map((r) => `  - { name: ${r.name}, address: "${r.address}", provider: ${r.provider} }`),
    `  - { name: ${DOH.name}, doh: "https://${DOH.address}/dns-query", provider: ${DOH.provider} }`,
  ];
  const sites = [...SITES, ...(internal ? INTERNAL_SITES : [])].map((s) => `  - { name: ${s.name}, url: "https://${s.host}/" }`);
  return [
    'resolvers:',
    ...resolvers,
    'defaults:',
    '  timeout: 2s',
    '  deadline: 20s',
    '  paths: [edge]',
    'sites:',
    ...sites,
    'tls:',
    `  ca: ${caFile}`,
    '',
  ].join('\n');
}

/**
 * Build the world for `environment`: call inside a namespace made by runInNamespace. `step` hears each stage as it
 * starts, so a start that never finishes says where it stopped.
 */
export async function startHostWorld(environment: HostEnvironment, step: (what: string) => void = () => {}): Promise<HostWorld> {
  step('loopback up');
  loopbackUp();
  const dir = mkdtempSync(join(tmpdir(), `outage-probe-host-${environment}-`));
  step('making the CA');
  const ca = createCa();
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, ca.cert);
  const configPath = join(dir, 'probes.yaml');
  const splitHorizon = environment === 'split-horizon';
  writeFileSync(configPath, probesYaml(caFile, splitHorizon));
  step('adding addresses');
  addAddresses([
    ...PUBLIC_RESOLVERS.map((r) => r.address),
    DOH.address,
    ...LOCAL_RESOLVERS,
    PORTAL,
    ...SITES.flatMap((s) => [s.v4, s.v6]),
    ...(splitHorizon ? INTERNAL_SITES.map((s) => s.v4) : []),
    ...(environment === 'search-domain-wildcard' ? [SEARCH_WILDCARD.address] : []),
    ...(environment === 'dead-nameserver' ? [DEAD_NAMESERVER] : []),
  ]);
  step('binding resolv.conf');
  const searching = environment === 'search-domain-wildcard';
  // dead-nameserver's file waits as glibc does with no options (resolv.conf(5): timeout:5 attempts:2): the wait every
  // program there pays on every lookup.
  const dead = environment === 'dead-nameserver';
  bindResolvConf(dead ? [DEAD_NAMESERVER, ...LOCAL_RESOLVERS] : LOCAL_RESOLVERS, { timeoutSeconds: dead ? 5 : 1, attempts: dead ? 2 : 1, ...(searching ? { search: [SEARCH_WILDCARD.domain], ndots: SEARCH_WILDCARD.ndots } : {}) });
  if (environment === 'hosts-file-pin') {
    // hosts(5): getaddrinfo reads it before DNS (nsswitch.conf `hosts: files dns`). Nothing listens at the pin.
    bindFile('/etc/hosts', `${readFileSync('/etc/hosts', 'utf8')}\n# a pin left from a migration test\n${HOSTS_PIN.address} ${HOSTS_PIN.name}\n`);
  }
  step('starting servers');

  const closers: Array<{ close(): Promise<void> | void }> = [];
  const shapings: Shaping[] = [];
  try {
    if (environment === 'captive-portal') {
      // The portal answers every name at every resolver with its own address, and every page with a redirect.
      const hijackers: RunningHijacker[] = await Promise.all(
        [...PUBLIC_RESOLVERS.map((r) => r.address), ...LOCAL_RESOLVERS].map((host) => startHijackingResolver({ host, port: 53, ipv4: PORTAL })),
      );
      closers.push(...hijackers, await startCaptivePortal({ host: PORTAL, portalName: 'portal.hotel.example', tls: ca.issue(['portal.hotel.example']) }));
    } else {
      closers.push(...(await startResolvers(ca, environment === 'dns-intercepted-failing' ? INTERCEPTOR_FAILS : null, splitHorizon, environment === 'stale-answer', searching)));
      const inspection = environment === 'tls-interception' || environment === 'partial-interception' ? createCa('Corp Inspection CA') : null;
      const issuerOf = (site: (typeof SITES)[number]) => (inspection && (environment === 'tls-interception' || INTERCEPTED_SITES.has(site.name)) ? inspection : ca);
      // The MTU worlds' pages are the size real pages are (the lab's certificates are small ECDSA ones, whose
      // handshake fits any path: a page's first full-sized packet is what the tunnel loses).
      const pageBytes = environment.startsWith('ipv6-mtu-black-hole') ? REAL_PAGE_BYTES : 0;
      closers.push(...(await startSites(issuerOf, environment === 'clock-ahead', pageBytes)));
      if (splitHorizon) closers.push(...(await startInternalSites(ca)));
      if (searching) closers.push(await startIntranet());
    }
    const shape = hostShape(environment);
    if (shape) shapings.push(shapeHost(shape));
    // The partial world's Cloudflare edge sends packets that fit the tunnel, as Cloudflare's IPv6 servers do.
    if (environment === 'ipv6-black-hole') shapings.push(dropFamily(6));
    if (environment === 'ipv4-black-hole') shapings.push(dropFamily(4));
    if (environment === 'ipv6-mtu-black-hole') shapings.push(dropLargePackets(6, TUNNEL_MTU));
    if (environment === 'ipv6-mtu-black-hole-partial') shapings.push(dropLargePackets(6, TUNNEL_MTU, SITES.filter((s) => s.name === 'shop').map((s) => s.v6)));
  } catch (err) {
    await Promise.all(closers.map((c) => c.close()));
    throw err;
  }
  return {
    environment,
    configPath,
    async close() {
      for (const s of shapings) s.undo();
      await Promise.all(closers.map((c) => c.close()));
    },
  };
}

function hostShape(environment: HostEnvironment): HostShape | null {
  switch (environment) {
    case 'ipv4-only':
    case 'ipv6-only':
    case 'offline':
      return { kind: environment };
    case 'dns-blocked':
      // The hotel or corporate network: port 53 to anything but its own resolver is dropped.
      return dnsBlocked(PUBLIC_RESOLVERS.map((r) => r.address), 'drop');
    case 'resolver-outage':
      // 2025-07-14: Cloudflare's resolver prefixes withdrawn; its DoH, on other addresses, kept answering.
      return dnsBlocked(PUBLIC_RESOLVERS.filter((r) => r.provider === 'Cloudflare').map((r) => r.address), 'drop');
    case 'dead-nameserver':
      return dnsBlocked([DEAD_NAMESERVER], 'drop');
    default:
      return null;
  }
}

/** dns-intercepted-failing: the zones the network's own resolver, answering every port-53 query, fails. */
const INTERCEPTOR_FAILS: ReadonlySet<string> = new Set(['example.com', 'example.org']);

async function startResolvers(ca: TestCa, interceptorFails: ReadonlySet<string> | null, splitHorizon = false, staleAnswer = false, searchWildcard = false): Promise<RunningDnsServer[]> {
  const sites = zoneData();
  // split-horizon: this host's resolver knows the internal zones too; the public ones answer for the whole DNS.
  const internal = internalRecords();
  let localData = splitHorizon ? { records: { ...sites.records, ...internal.records }, zones: [...sites.zones, ...internal.zones] } : sites;
  if (staleAnswer) {
    const moved = SITES.find((s) => s.name === STALE_ANSWER.site)!;
    const old = SITES.find((s) => s.name === STALE_ANSWER.formerlyAt)!;
    localData = { ...sites, records: { ...sites.records, [moved.host]: { A: [old.v4], AAAA: [old.v6] } } };
  }
  if (searchWildcard) {
    const zone = SEARCH_WILDCARD.domain;
    localData = { records: { ...localData.records, [zone]: { NS: [`ns1.${zone}`] }, [`*.${zone}`]: { A: [SEARCH_WILDCARD.address] } }, zones: [...localData.zones, zone] };
  }
  const data = splitHorizon ? withRoot(sites) : sites;
  // With interceptorFails, every plain-DNS address answers as one resolver would: the network's, intercepting port 53.
  const fault = interceptorFails ? (name: string) => ([...interceptorFails].some((zone) => isAtOrBelow(name, zone)) ? ('servfail' as const) : null) : undefined;
  const servers = [
    ...PUBLIC_RESOLVERS.map((r) => startDnsServer({ host: r.address, port: 53, data, ...(fault ? { fault } : {}) })),
    ...LOCAL_RESOLVERS.map((host) => startDnsServer({ host, port: 53, data: localData, ...(fault ? { fault } : {}) })),
  ];
  const doh = ca.issue([DOH.address]);
  servers.push(startDnsServer({ host: DOH.address, port: 53, data, doh: { cert: doh.cert, key: doh.key, port: 443 } }));
  return Promise.all(servers);
}

/** split-horizon's internal sites: plain nginx-style answers, certificates from the lab CA (a company's own CA here). */
async function startInternalSites(ca: TestCa): Promise<RunningHttpServer[]> {
  return Promise.all(
    INTERNAL_SITES.map((site) =>
      startHttpServer({ host: site.v4, port: 443, tls: ca.issue([site.host]), handler: () => ({ kind: 'respond', status: 200, headers: { 'content-type': 'text/html', server: 'nginx' }, body: `<html><title>${site.name}</title>Internal</html>` }) }),
    ),
  );
}

/** search-domain-wildcard's intranet server: the company's own certificate, from a CA this host does not trust. */
async function startIntranet(): Promise<RunningHttpServer> {
  const company = createCa('Corp Root CA');
  return startHttpServer({
    host: SEARCH_WILDCARD.address,
    port: 443,
    tls: company.issue([`*.${SEARCH_WILDCARD.domain}`]),
    handler: () => ({ kind: 'respond', status: 200, headers: { 'content-type': 'text/html', server: 'nginx' }, body: '<html><title>Intranet</title></html>' }),
  });
}

const DAY_MS = 86_400_000;

/**
 * The sites, their certificates from `issuer`. `expired`: each site's certificate ended days apart before today, as
 * every certificate looks to a host whose clock runs a year ahead (a namespace cannot set its own wall clock).
 */
async function startSites(issuerOf: (site: (typeof SITES)[number]) => TestCa, expired = false, pageBytes = 0): Promise<RunningHttpServer[]> {
  const now = Date.now();
  return Promise.all(
    SITES.flatMap((site, i) => {
      const issuer = issuerOf(site);
      const tls = expired ? issuer.issue([site.host], { notBefore: new Date(now - 400 * DAY_MS), notAfter: new Date(now - (10 + 7 * i) * DAY_MS) }) : issuer.issue([site.host]);
      return [site.v4, site.v6].map((host) =>
        startHttpServer({
          host,
          port: 443,
          tls,
          handler: () => ({ kind: 'respond', status: 200, headers: { 'content-type': 'text/html', ...site.headers }, body: `<html><title>${site.name}</title>Welcome${'<p>lorem ipsum</p>'.repeat(Math.ceil(pageBytes / 18))}</html>` }),
        }),
      );
    }),
  );
}
