// An IPv6-only host behind NAT64, built from real parts inside a network namespace: the host has no IPv4 route
// (shapeHost ipv6-only), its resolver is Unbound with the dns64 module (RFC 6147) over an NSD hierarchy, and sites
// whose names have only A records are reached at the AAAA records Unbound synthesizes in 64:ff9b::/96.
//
// What stands for the translator (RFC 6146): the lab serves each synthesized address itself, as loopback aliases.
// A stateful NAT64 gateway is transparent to TCP and TLS — the client sees a connection to 64:ff9b::<v4> and the
// site's own answer — so this is what the probing host observes; the translator failing is its addresses dropping
// every packet (nftables, as a gateway that stopped forwarding does). Documented facts used:
// - RFC 6052 §2.1: 64:ff9b::/96 is the well-known prefix, the IPv4 address in its last 32 bits (§2.2);
// - unbound.conf(5) "DNS64 Module Options": module-config "dns64 … iterator", `dns64-prefix:` (default 64:ff9b::/96);
//   Unbound synthesizes only when the name has no AAAA record of its own;
// - the sites' IPv4 addresses are in ranges their providers publish (Cloudflare 104.16.0.0/13 and 2606:4700::/32,
//   Fastly 151.101.0.0/16, Akamai 23.32.0.0/11) and are only ever aliases inside the namespace;
// - `.test` is reserved for testing (RFC 6761 §6.2); the name servers are on unique-local addresses (RFC 4193).
// Only inside a namespace made by netns.ts: everything here listens on addresses addAddresses puts on lo.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa } from './ca.js';
import { startHttpServer, type RunningHttpServer } from './http-server.js';
import { addAddresses, bindResolvConf, loopbackUp, shapeHost, type Shaping } from './netns.js';
import { hierarchyAddresses, startRealDns, type DnsHierarchy, type RealDns } from './real-dns.js';

export type Nat64Scenario =
  /** Everything serves: IPv4-only sites through the translator, the dual-stack one natively. */
  | 'healthy'
  /** The translator forwards nothing: every synthesized address drops every packet. */
  | 'translator-down'
  /** The same, on a host whose IPv4-only sites are all on one provider (Fastly): the translator and Fastly look alike. */
  | 'translator-down-one-provider'
  /** Control: Fastly's addresses drop every packet, while the translator carries Akamai's site. */
  | 'fastly-down';

const WELL_KNOWN_PREFIX = '64:ff9b::/96';
const RESOLVER = 'fd00:53::53';

interface Nat64Site {
  name: string;
  host: string;
  zone: string;
  v4: string;
  /** Its own AAAA record, when it has one. */
  v6: string | null;
  headers: Record<string, string>;
}

export const NAT64_SITES: readonly Nat64Site[] = [
  { name: 'shop', host: 'www.shop.test', zone: 'shop.test', v4: '104.16.10.10', v6: '2606:4700::6810:a0a', headers: { server: 'cloudflare', 'cf-ray': '8fcb3f8a0cc56750-FRA' } },
  { name: 'news', host: 'www.news.test', zone: 'news.test', v4: '151.101.1.10', v6: null, headers: { 'x-served-by': 'cache-fra-etou8220123-FRA', via: '1.1 varnish', 'x-cache': 'HIT' } },
  { name: 'blog', host: 'www.blog.test', zone: 'blog.test', v4: '151.101.1.11', v6: null, headers: { 'x-served-by': 'cache-fra-etou8220124-FRA', via: '1.1 varnish', 'x-cache': 'MISS' } },
  { name: 'bank', host: 'www.bank.test', zone: 'bank.test', v4: '23.32.10.10', v6: null, headers: { server: 'AkamaiGHost' } },
];

/** The address Unbound synthesizes for an IPv4 address in the well-known prefix (RFC 6052 §2.2, a /96: the last 32 bits). */
export function synthesized(v4: string): string {
  const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number];
  return `64:ff9b::${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

export const NAT64_HIERARCHY: DnsHierarchy = {
  // Unbound serves test. itself by default, as RFC 6761 §6.2 allows (unbound.conf(5), local-zone, "test (RFC 6761)");
  // `nodefault` lets it resolve the private hierarchy's test. instead.
  resolver: { address: RESOLVER, dns64Prefix: WELL_KNOWN_PREFIX, options: ['local-zone: "test." nodefault'] },
  servers: [
    { name: 'root', address: 'fd00:53::1', zones: ['.'], hostname: 'a.root-servers.test' },
    { name: 'tld', address: 'fd00:53::2', zones: ['test'], hostname: 'a.nic.test' },
    { name: 'sitedns', address: 'fd00:53::10', zones: NAT64_SITES.map((s) => s.zone), hostname: 'ns1.sitedns.test' },
  ],
  zones: [
    { apex: '.', records: [], notes: ['A private root delegating test. only (RFC 6761 §6.2 reserves it for testing).'] },
    { apex: 'test', records: [], notes: ['The TLD; its name servers are on unique-local IPv6 addresses only, as an IPv6-only network reaches them.'] },
    ...NAT64_SITES.map((s) => ({
      apex: s.zone,
      notes: [s.v6 ? 'A dual-stack site: its own AAAA record, which DNS64 leaves alone.' : 'An IPv4-only site: no AAAA record, so the DNS64 resolver synthesizes one in 64:ff9b::/96.'],
      records: [{ name: s.host, type: 'A' as const, value: s.v4 }, ...(s.v6 ? [{ name: s.host, type: 'AAAA' as const, value: s.v6 }] : [])],
    })),
  ],
};

export interface Nat64World {
  configPath: string;
  dns: RealDns;
  close(): Promise<void>;
}

function probesYaml(caFile: string, sites: readonly Nat64Site[]): string {
  return [
    'resolvers:',
    '  - { name: system, system: true }',
    `  - { name: dns64, address: "${RESOLVER}" }`,
    'defaults:',
    '  timeout: 2s',
    '  deadline: 20s',
    '  paths: [edge]',
    'sites:',
    ...sites.map((s) => `  - { name: ${s.name}, url: "https://${s.host}/" }`),
    'tls:',
    `  ca: ${caFile}`,
    '',
  ].join('\n');
}

/** Build the world for `scenario`: call inside a namespace made by runInNamespace. */
export async function startNat64World(scenario: Nat64Scenario): Promise<Nat64World> {
  loopbackUp();
  const sites = scenario === 'translator-down-one-provider' ? NAT64_SITES.filter((s) => s.name !== 'bank') : NAT64_SITES;
  const dir = mkdtempSync(join(tmpdir(), `outage-probe-nat64-${scenario}-`));
  const ca = createCa('outage-probe NAT64 lab CA');
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, ca.cert);
  const configPath = join(dir, 'probes.yaml');
  writeFileSync(configPath, probesYaml(caFile, sites));
  const served = NAT64_SITES.flatMap((s) => [s.v4, s.v6 ?? synthesized(s.v4)].map((address) => ({ site: s, address })));
  addAddresses([...hierarchyAddresses(NAT64_HIERARCHY), ...served.map((x) => x.address)]);
  bindResolvConf([RESOLVER], { timeoutSeconds: 1, attempts: 1 });

  const servers: RunningHttpServer[] = [];
  const shapings: Shaping[] = [];
  let dns: RealDns | null = null;
  const close = async () => {
    for (const s of shapings.reverse()) s.undo();
    await Promise.all([...servers.map((s) => s.close()), dns?.close()]);
  };
  try {
    servers.push(
      ...(await Promise.all(
        served.map(({ site, address }) =>
          startHttpServer({
            host: address,
            port: 443,
            tls: ca.issue([site.host]),
            handler: () => ({ kind: 'respond', status: 200, headers: { 'content-type': 'text/html', ...site.headers }, body: `<html><title>${site.name}</title>Welcome</html>` }),
          }),
        ),
      )),
    );
    dns = await startRealDns(NAT64_HIERARCHY);
    shapings.push(shapeHost({ kind: 'ipv6-only' }));
    const dropped = scenario === 'healthy' ? [] : sites.filter((s) => !s.v6 && (scenario !== 'fastly-down' || s.name === 'news' || s.name === 'blog'));
    if (dropped.length > 0) shapings.push(shapeHost({ kind: 'block', to: dropped.map((s) => synthesized(s.v4)), how: 'drop' }));
  } catch (err) {
    await close();
    throw err;
  }
  return { configPath, dns, close };
}
