// Well-known public resolvers, so a report can say "Cloudflare's resolver" without the user typing it.
// Data only: add a provider by adding a row.

import type { ResolverKind, ResolverReport, ResolverSpec, SystemNameservers, LossProbe, NameserverReply, LookupsAskedAgain } from '../model.js';
import { canonicalIp, parseIpAndPort } from './address.js';
import { formatIpAndPort } from '../util/ip.js';
import { parseHttpUrl } from './values.js';
import { hostOf, hostOfUrl } from '../util/dns-name.js';

export interface PublicResolverProvider {
  provider: string;
  /**
   * The queries per second one client address may send before the operator throttles it, where it documents one:
   * a run of many names stays under it (resolverPaces), so its own load never reads as the resolver failing.
   */
  clientQpsLimit?: { qps: number; source: string };
  /** Plain DNS server addresses (IPv4 and IPv6). */
  addresses: readonly string[];
  /** Host names (or IP literals) of its DNS-over-HTTPS endpoints. */
  dohHosts: readonly string[];
}

export const PUBLIC_RESOLVERS: readonly PublicResolverProvider[] = [
  {
    provider: 'Cloudflare',
    addresses: [
      '1.1.1.1', '1.0.0.1', '2606:4700:4700::1111', '2606:4700:4700::1001',
      // 1.1.1.2 family (malware blocking) and 1.1.1.3 family (malware and adult content blocking)
      '1.1.1.2', '1.0.0.2', '2606:4700:4700::1112', '2606:4700:4700::1002',
      '1.1.1.3', '1.0.0.3', '2606:4700:4700::1113', '2606:4700:4700::1003',
    ],
    dohHosts: [
      'cloudflare-dns.com', 'one.one.one.one', '1.1.1.1', '1.0.0.1',
      'security.cloudflare-dns.com', 'family.cloudflare-dns.com', 'mozilla.cloudflare-dns.com',
    ],
  },
  {
    provider: 'Google',
    addresses: ['8.8.8.8', '8.8.4.4', '2001:4860:4860::8888', '2001:4860:4860::8844'],
    // "High query volumes from a single IPv4 address (or IPv6 /64 network prefix) may be throttled"; the default
    // limit is 1500 QPS per address (Google Public DNS for ISPs).
    clientQpsLimit: { qps: 1500, source: 'https://developers.google.com/speed/public-dns/docs/isp' },
    dohHosts: ['dns.google', 'dns.google.com', '8.8.8.8', '8.8.4.4'],
  },
  {
    provider: 'Quad9',
    addresses: [
      '9.9.9.9', '149.112.112.112', '2620:fe::fe', '2620:fe::9',
      '9.9.9.10', '149.112.112.10', '2620:fe::10', '2620:fe::fe:10',
      '9.9.9.11', '149.112.112.11', '2620:fe::11', '2620:fe::fe:11',
    ],
    dohHosts: ['dns.quad9.net', 'dns9.quad9.net', 'dns10.quad9.net', 'dns11.quad9.net', '9.9.9.9'],
  },
  {
    provider: 'OpenDNS',
    addresses: ['208.67.222.222', '208.67.220.220', '2620:119:35::35', '2620:119:53::53'],
    dohHosts: ['doh.opendns.com', 'doh.familyshield.opendns.com'],
  },
  {
    provider: 'AdGuard',
    addresses: ['94.140.14.14', '94.140.15.15', '2a10:50c0::ad1:ff', '2a10:50c0::ad2:ff'],
    dohHosts: ['dns.adguard-dns.com', 'dns.adguard.com', 'unfiltered.adguard-dns.com', 'family.adguard-dns.com'],
  },
];

// The table is written in canonical form (a test holds it to that): no canonicalIp here, whose first IPv6 address
// costs every run ~3 ms compiling Node's IPv6 pattern, even a run whose resolvers are all IPv4.
const providerByAddress = new Map(PUBLIC_RESOLVERS.flatMap((p) => p.addresses.map((a) => [a, p.provider] as const)));
const providerByDohHost = new Map(PUBLIC_RESOLVERS.flatMap((p) => p.dohHosts.map((h) => [h, p.provider] as const)));

/** The share of a documented per-client limit a run uses: the rest is this host's other traffic and the limit's own slack. */
const PACE_SHARE = 2 / 3;

/**
 * By resolver name: how fast a run may ask it, for resolvers whose operator documents a per-client limit. Keyed by
 * operator, so its resolvers share one pace (the limit is per client address, not per server address).
 */
export function resolverPaces(resolvers: readonly ResolverSpec[]): Map<string, { operator: string; qps: number }> {
  const paces = new Map<string, { operator: string; qps: number }>();
  for (const r of resolvers) {
    const limit = r.provider ? PUBLIC_RESOLVERS.find((p) => p.provider === r.provider)?.clientQpsLimit : undefined;
    if (limit) paces.set(r.name, { operator: r.provider!, qps: Math.floor(limit.qps * PACE_SHARE) });
  }
  return paces;
}

/** The operator of a well-known public resolver's plain-DNS address (canonical form), or null. */
export function resolverProviderOfAddress(address: string): string | null {
  return providerByAddress.get(canonicalIp(address)) ?? null;
}

/** The provider of a well-known public resolver, or null (the system resolver, private or unknown servers). */
export function inferResolverProvider(spec: ResolverSpec): string | null {
  if (spec.kind === 'udp' || spec.kind === 'tcp') return resolverProviderOfAddress(spec.address);
  if (spec.kind === 'doh') {
    const host = hostOfUrl(spec.url);
    if (host === null) return null;
    return providerByDohHost.get(host) ?? providerByAddress.get(canonicalIp(host)) ?? null;
  }
  return null;
}

function withProvider<S extends ResolverSpec>(spec: S): S {
  return { ...spec, provider: inferResolverProvider(spec) };
}

/** A plain-DNS resolver (UDP with TCP on truncation, or TCP only) named after its address, provider inferred. */
export function wireResolver(address: string, port: number | null, kind: 'udp' | 'tcp' = 'udp'): ResolverSpec {
  const label = formatIpAndPort(address, port === 53 ? null : port);
  return withProvider({ name: kind === 'tcp' ? `tcp-${label}` : label, kind, address, port: port ?? 53, provider: null });
}

/** A plain-DNS resolver over UDP, named after its address (the port only when not 53), provider inferred. */
export function udpResolver(address: string, port: number | null): ResolverSpec {
  return wireResolver(address, port, 'udp');
}

/** A DNS-over-HTTPS resolver named `doh-<host>`, provider inferred. */
export function dohResolver(url: URL): ResolverSpec {
  return withProvider({ name: `doh-${hostOf(url)}`, kind: 'doh', url: url.href, provider: null });
}

export function systemResolver(): ResolverSpec {
  return { name: 'system', kind: 'system', provider: null };
}

/**
 * The resolvers with the system resolver's servers filled in, and its operator when every one of them is one
 * well-known public resolver's (a provider configured for it stays).
 */
export function withSystemNameservers(resolvers: ResolverSpec[], found: SystemNameservers | null): ResolverSpec[] {
  if (found === null || !resolvers.some((r) => r.kind === 'system')) return resolvers;
  const operators = new Set(found.addresses.map(resolverProviderOfAddress));
  const [operator] = operators;
  return resolvers.map((r) => (r.kind === 'system' ? { ...r, nameservers: found, provider: r.provider ?? (operators.size === 1 ? operator ?? null : null) } : r));
}

/** The resolvers with what this host's name servers replied when asked directly (probe/dns/nameserver-asks.ts). */
export function withNameserverReplies(resolvers: ResolverSpec[], replies: NameserverReply[] | null): ResolverSpec[] {
  if (replies === null) return resolvers;
  return resolvers.map((r) => (r.kind === 'system' && r.nameservers ? { ...r, nameservers: { ...r.nameservers, replies } } : r));
}

/** The resolvers with, by name, their questions asked again (probe/dns/asking-again.ts), where some ran out of time. */
export function withLookupsAskedAgain(resolvers: ResolverSpec[], askedAgain: ReadonlyMap<string, LookupsAskedAgain> | null): ResolverSpec[] {
  if (askedAgain === null) return resolvers;
  return resolvers.map((r) => {
    const again = askedAgain.get(r.name);
    return again ? { ...r, askedAgain: again } : r;
  });
}

// ───────────────────────────── how each kind is written ─────────────────────────────

/**
 * How a resolver of each kind is written in probes.yaml (`{name, <key>: <value>}`) and on the command line
 * (`--resolver <prefix><value>`), and how that text becomes a spec. One row per transport
 * (probe/dns/transports.ts holds the other half: how it is asked).
 */
export interface ResolverSyntax {
  kind: ResolverKind;
  /** The probes.yaml key that selects this kind. */
  key: string;
  /** What the key holds, for messages and the schema. */
  valueHint: string;
  /** The --resolver prefix that selects it ("tcp:"); null for the bare form of the first row. */
  flagPrefix: string | null;
  /** The spec for the key's value, or why the value is wrong. */
  parse(value: unknown): ResolverSpec | { error: string };
}

function ipResolver(kind: 'udp' | 'tcp') {
  return (value: unknown): ResolverSpec | { error: string } => {
    const parsed = parseIpAndPort(typeof value === 'string' || typeof value === 'number' ? String(value) : '');
    if ('error' in parsed) return { error: parsed.error === 'bad-port' ? 'expected a port from 1 to 65535' : 'not an IP address' };
    return wireResolver(parsed.address, parsed.port, kind);
  };
}

export const RESOLVER_SYNTAX: readonly ResolverSyntax[] = [
  { kind: 'udp', key: 'address', valueHint: 'IP, IP:port or [v6]:port', flagPrefix: null, parse: ipResolver('udp') },
  { kind: 'tcp', key: 'tcp', valueHint: 'IP, IP:port or [v6]:port (DNS over TCP only)', flagPrefix: 'tcp:', parse: ipResolver('tcp') },
  {
    kind: 'doh',
    key: 'doh',
    valueHint: 'an https:// URL (RFC 8484)',
    flagPrefix: 'doh:',
    parse: (value) => {
      const url = typeof value === 'string' ? parseHttpUrl(value) : null;
      return url ? dohResolver(url) : { error: 'not an absolute http(s) URL' };
    },
  },
  {
    kind: 'system',
    key: 'system',
    valueHint: 'true',
    flagPrefix: 'system',
    parse: (value) => (value === true ? systemResolver() : { error: 'expected true' }),
  },
];

/** Where a resolver is reached, as a person writes it: "1.1.1.1", "tcp [2001:db8::1]:5353", the DoH URL, "system". */
export function resolverTarget(spec: ResolverSpec): string {
  switch (spec.kind) {
    case 'udp':
      return formatIpAndPort(spec.address, spec.port === 53 ? null : spec.port);
    case 'tcp':
      return `tcp ${formatIpAndPort(spec.address, spec.port === 53 ? null : spec.port)}`;
    case 'doh':
      return spec.url;
    case 'system':
      return 'system';
  }
}

/**
 * The resolver as the JSON report lists it (address and url stay separate fields there). `lossProbes`: by resolver
 * name, the loss probes the run sent (probe/dns/loss-probe.ts), reported where sent.
 */
export function resolverReport(spec: ResolverSpec, lossProbes?: ReadonlyMap<string, LossProbe>): ResolverReport {
  const lossProbe = lossProbes?.get(spec.name);
  return {
    name: spec.name,
    kind: spec.kind,
    address: spec.kind === 'udp' || spec.kind === 'tcp' ? spec.address : null,
    url: spec.kind === 'doh' ? spec.url : null,
    provider: spec.provider,
    ...(spec.kind === 'system' ? { nameservers: spec.nameservers ?? null } : {}),
    ...(lossProbe ? { lossProbe } : {}),
    ...(spec.askedAgain ? { askedAgain: spec.askedAgain } : {}),
  };
}

/** Two specs that reach the same server the same way. */
export function sameResolver(a: ResolverSpec, b: ResolverSpec): boolean {
  return resolverReport(a).kind === b.kind && resolverTarget(a) === resolverTarget(b);
}
