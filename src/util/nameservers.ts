// Which name servers this host's own resolver asks, as its files say when the run starts: the system resolver
// (getaddrinfo) is a client of those servers, so when they are one public operator's (resolv.conf naming 1.1.1.1
// and 1.0.0.1), that operator failing fails this host's resolver too — one incident, not "this host's own resolver"
// beside "Cloudflare's" (config/resolvers.ts withSystemNameservers names the operator).
//
// resolv.conf(5): `nameserver <address>` lines, at most MAXNS (3) of them used, in order; lines starting with
// `#` or `;` are comments; an IPv6 address may carry a zone (`%eth0`); with no nameserver line, glibc asks the
// server on this machine. systemd-resolved.service(8): in its recommended mode /etc/resolv.conf names only its stub
// listener (127.0.0.53, or 127.0.0.54 for its proxy stub), and /run/systemd/resolve/resolv.conf lists the uplink
// servers it knows. What nsswitch.conf routes elsewhere (nss-resolve, a VPN's module) is not read: the files are
// evidence, not a model of the resolver library.

import { fileAddress } from './ip.js';
import { readTextIfAny } from './safe-file.js';
import type { SystemNameservers } from '../model.js';

export const RESOLV_CONF = '/etc/resolv.conf';
export const RESOLVED_UPLINKS = '/run/systemd/resolve/resolv.conf';
const MAXNS = 3;
const RESOLVED_STUBS = new Set(['127.0.0.53', '127.0.0.54']);

/** The servers a resolv.conf text names, canonical, zone dropped, at most MAXNS; null when it names none. */
export function parseNameservers(text: string): string[] | null {
  const servers: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^nameserver[ \t]+([^ \t#;]+)/.exec(line);
    if (!m) continue;
    const address = fileAddress(m[1]!);
    if (address !== null) servers.push(address);
    if (servers.length === MAXNS) break;
  }
  return servers.length > 0 ? servers : null;
}

/** The servers behind this host's resolver, from `files` (the real ones unless a test gives others); null when unread. */
export function readSystemNameservers(files: { resolvConf: string; resolvedUplinks: string } = { resolvConf: RESOLV_CONF, resolvedUplinks: RESOLVED_UPLINKS }): SystemNameservers | null {
  const named = parseNameservers(readTextIfAny(files.resolvConf) ?? '');
  if (named === null) return null;
  if (named.every((a) => RESOLVED_STUBS.has(a))) {
    const uplinks = parseNameservers(readTextIfAny(files.resolvedUplinks) ?? '');
    return uplinks ? { addresses: uplinks, file: files.resolvedUplinks, via: 'systemd-resolved' } : null;
  }
  return { addresses: named, file: files.resolvConf, via: null };
}
