// Addresses written as "ip", "ip:port", "[v6]" or "[v6]:port" (resolver addresses, site origins, --resolver flags).

import { canonicalIp, ipFamily } from '../util/ip.js';

export interface IpAndPort {
  /** Canonical form: IPv4 dotted quad, IPv6 lower-case and compressed, without brackets. */
  address: string;
  port: number | null;
}

export type IpAndPortResult = IpAndPort | { error: 'not-ip' | 'bad-port' };

/** Parse an IP literal with an optional port; a host name is `not-ip` (no DNS happens here). */
export function parseIpAndPort(text: string): IpAndPortResult {
  const value = text.trim();
  const bracketed = /^\[([^\]]+)\](?::([^:]*))?$/.exec(value);
  if (bracketed) {
    if (ipFamily(bracketed[1]!) !== 6) return { error: 'not-ip' };
    return withPort(bracketed[1]!, bracketed[2]);
  }
  if (ipFamily(value)) return { address: canonicalIp(value), port: null };
  const colon = value.lastIndexOf(':');
  if (colon > 0 && ipFamily(value.slice(0, colon)) === 4) return withPort(value.slice(0, colon), value.slice(colon + 1));
  return { error: 'not-ip' };
}

function withPort(address: string, portText: string | undefined): IpAndPortResult {
  if (portText === undefined) return { address: canonicalIp(address), port: null };
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) return { error: 'bad-port' };
  return { address: canonicalIp(address), port };
}

export { canonicalIp };
