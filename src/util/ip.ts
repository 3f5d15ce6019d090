// Whether a text is an IP address, and of which family, without compiling Node's IPv6 pattern for every host name:
// `net.isIP` tries IPv6 after IPv4, and its first IPv6 test builds a large regular expression (3.5 ms of a one-site
// check). Only a text with two colons or more can be IPv6 ("::" at least), so "1.2.3.4:53" and host names never
// reach it.

import { isIPv4, isIPv6 } from 'node:net';

/** 4, 6, or 0 when the text is not an IP address (the same answers as `net.isIP`). */
export function ipFamily(text: string): 0 | 4 | 6 {
  const colon = text.indexOf(':');
  if (colon !== -1) return colon !== text.lastIndexOf(':') && isIPv6(text) ? 6 : 0;
  return isIPv4(text) ? 4 : 0;
}

/** One spelling per address, so that lookups (well-known resolvers) and comparisons work. */
export function canonicalIp(address: string): string {
  if (ipFamily(address) !== 6) return address;
  try {
    return new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return address.toLowerCase(); // zone ids ("fe80::1%eth0") are not URL hosts
  }
}

/** "1.2.3.4", "1.2.3.4:8080", "2001:db8::1", "[2001:db8::1]:8443". */
export function formatIpAndPort(address: string, port: number | null): string {
  if (port === null) return address;
  return ipFamily(address) === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * The unspecified address ("0.0.0.0", "::"): no host on the Internet. Filtering resolvers (Pi-hole, NextDNS,
 * AdGuard, Cloudflare's 1.1.1.3) answer it for names they block, and a connection to it reaches this host itself.
 */
export function isUnspecifiedAddress(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || /^0*:(0*:)*:?0*$/.test(address) || address === '::ffff:0.0.0.0';
}

/**
 * An address no public DNS could rightly give: private IPv4 (RFC 1918), shared address space (RFC 6598, carrier NAT
 * and overlay networks such as Tailscale's), loopback, link-local; IPv6 unique local (RFC 4193), link-local, loopback.
 */
export function isPrivateAddress(address: string): boolean {
  const family = ipFamily(address);
  if (family === 4) {
    const [a, b] = address.split('.').map(Number) as [number, number];
    return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254);
  }
  if (family === 6) {
    const canonical = canonicalIp(address);
    if (canonical === '::1') return true;
    const first = parseInt(canonical.split(':')[0] || '0', 16);
    return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
  }
  return false;
}

/** This machine: 127.0.0.0/8 (RFC 1122 §3.2.1.3) or ::1 (RFC 4291 §2.5.3). */
export function isLoopbackAddress(address: string): boolean {
  const family = ipFamily(address);
  return family === 4 ? address.startsWith('127.') : family === 6 && canonicalIp(address) === '::1';
}

/**
 * An address as this host's files write it (resolv.conf, hosts): canonical, an IPv6 zone (`%eth0`) dropped; null when
 * the text is no address.
 */
export function fileAddress(text: string): string | null {
  const address = text.replace(/%.*$/, '');
  return ipFamily(address) === 0 ? null : canonicalIp(address);
}
