// Well-known public resolvers, so a report can say "Cloudflare's resolver" without the user typing it.
// Data only: add a provider by adding a row.

import type { ResolverSpec } from '../model.js';
import { canonicalIp, formatIpAndPort } from './address.js';
import { hostOf } from './values.js';

export interface PublicResolverProvider {
  provider: string;
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

const providerByAddress = new Map(PUBLIC_RESOLVERS.flatMap((p) => p.addresses.map((a) => [canonicalIp(a), p.provider] as const)));
const providerByDohHost = new Map(PUBLIC_RESOLVERS.flatMap((p) => p.dohHosts.map((h) => [h, p.provider] as const)));

/** The provider of a well-known public resolver, or null (the system resolver, private or unknown servers). */
export function inferResolverProvider(spec: Pick<ResolverSpec, 'kind' | 'address' | 'url'>): string | null {
  if (spec.kind === 'udp' && spec.address) return providerByAddress.get(canonicalIp(spec.address)) ?? null;
  if (spec.kind === 'doh' && spec.url) {
    let host: string;
    try {
      host = new URL(spec.url).hostname;
    } catch {
      return null;
    }
    host = host.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
    return providerByDohHost.get(host) ?? providerByAddress.get(canonicalIp(host)) ?? null;
  }
  return null;
}

/** A plain-DNS resolver named after its address (the port only when not 53), provider inferred. */
export function udpResolver(address: string, port: number | null): ResolverSpec {
  const spec: ResolverSpec = {
    name: formatIpAndPort(address, port === 53 ? null : port),
    kind: 'udp',
    address,
    port: port ?? 53,
    url: null,
    provider: null,
  };
  return { ...spec, provider: inferResolverProvider(spec) };
}

/** A DNS-over-HTTPS resolver named `doh-<host>`, provider inferred. */
export function dohResolver(url: URL): ResolverSpec {
  const spec: ResolverSpec = { name: `doh-${hostOf(url)}`, kind: 'doh', address: null, port: null, url: url.href, provider: null };
  return { ...spec, provider: inferResolverProvider(spec) };
}
