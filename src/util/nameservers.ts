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
//
// It also reads how getaddrinfo expands a name before asking (resolv.conf(5)): the `search` list (or the obsolete
// `domain`, the last of the two winning; with neither, the domain part of this host's name), and `options ndots:n`
// (default 1, at most 15): a name with fewer than n dots is tried under each search domain first, and only then as
// it is. LOCALDOMAIN replaces the search list and RES_OPTIONS amends the options, per process. A search domain that
// answers every name (a wildcard record) then answers the sites' names on this host.

import { hostname } from 'node:os';
import { fileAddress } from './ip.js';
import { readTextIfAny } from './safe-file.js';
import type { SystemNameservers } from '../model.js';

export const RESOLV_CONF = '/etc/resolv.conf';
export const RESOLVED_UPLINKS = '/run/systemd/resolve/resolv.conf';
const MAXNS = 3;
/** resolv.conf(5): "The value for this option is silently capped to 15." */
const MAX_NDOTS = 15;
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

/** How getaddrinfo expands a name before asking, as the file (and this process's environment) say. */
export interface SearchList {
  search: string[];
  ndots: number;
}

/**
 * The search list and ndots a resolv.conf text sets, with LOCALDOMAIN and RES_OPTIONS from `env` applied and, with no
 * `search` or `domain` line, the domain part of `host` (this host's name) as the list. `ndots`: when the caller has
 * read the options already.
 */
export function parseSearchList(text: string, env: Record<string, string | undefined> = {}, host = '', ndots = parseOptions(text, env).ndots): SearchList {
  let search: string[] | null = null;
  for (const line of text.split('\n')) {
    if (/^[#;]/.test(line)) continue;
    const [key, ...values] = line.trim().split(/[ \t]+/);
    if (key === 'search') search = values;
    else if (key === 'domain') search = values.slice(0, 1);
  }
  if (env.LOCALDOMAIN !== undefined) search = env.LOCALDOMAIN.split(/[ \t]+/);
  if (search === null) search = host.includes('.') ? [host.slice(host.indexOf('.') + 1)] : [];
  const domains = search.map((d) => d.toLowerCase().replace(/\.$/, '')).filter((d) => d.length > 0 && !d.startsWith('#') && !d.startsWith(';'));
  return { search: [...new Set(domains)], ndots };
}

/** How long and in which order getaddrinfo waits for the servers, and ndots, as the `options` lines and RES_OPTIONS say. */
export interface ResolverOptions {
  ndots: number;
  /** Seconds it waits for a server before the next (`timeout:n`, at most 30). */
  timeout: number;
  /** `rotate`: it starts at the next server each time, not always at the first. */
  rotate: boolean;
}

/** resolv.conf(5)'s defaults: ndots 1, timeout 5 s (RES_TIMEOUT), no rotation. */
const DEFAULT_OPTIONS: ResolverOptions = { ndots: 1, timeout: 5, rotate: false };
/** resolv.conf(5): timeout's "maximum allowed value is 30". */
const MAX_TIMEOUT = 30;

/** The options a resolv.conf text sets, then RES_OPTIONS from `env` amending them (resolv.conf(5)). */
export function parseOptions(text: string, env: Record<string, string | undefined> = {}): ResolverOptions {
  const options = { ...DEFAULT_OPTIONS };
  const apply = (words: string[]) => {
    for (const word of words) {
      const m = /^(ndots|timeout):(\d+)$/.exec(word);
      if (m?.[1] === 'ndots') options.ndots = Math.min(MAX_NDOTS, Number(m[2]));
      else if (m?.[1] === 'timeout') options.timeout = Math.min(MAX_TIMEOUT, Number(m[2]));
      else if (word === 'rotate') options.rotate = true;
    }
  };
  for (const line of text.split('\n')) {
    const [key, ...values] = line.trim().split(/[ \t]+/);
    if (key === 'options') apply(values);
  }
  if (env.RES_OPTIONS !== undefined) apply(env.RES_OPTIONS.split(/[ \t]+/));
  return options;
}

/** Whether getaddrinfo tries `name` under the search domains before asking it as it is. */
export function searchedFirst(name: string, list: SearchList): boolean {
  if (list.search.length === 0 || name.endsWith('.')) return false;
  let dots = 0;
  for (const c of name) if (c === '.') dots += 1;
  return dots < list.ndots;
}

interface SystemFiles {
  resolvConf: string;
  resolvedUplinks: string;
  /** This host's name (its domain part is the search list when the file sets none); none when absent. */
  hostname?: string;
  /** LOCALDOMAIN and RES_OPTIONS; none when absent. */
  env?: Record<string, string | undefined>;
}

/** The servers behind this host's resolver, from `files` (the real ones unless a test gives others); null when unread. */
export function readSystemNameservers(files: SystemFiles = { resolvConf: RESOLV_CONF, resolvedUplinks: RESOLVED_UPLINKS, hostname: hostname(), env: process.env }): SystemNameservers | null {
  const text = readTextIfAny(files.resolvConf) ?? '';
  const named = parseNameservers(text);
  if (named === null) return null;
  // The search list is glibc's, read from the file it reads, whoever the servers are (systemd-resolved writes it).
  const { ndots, timeout, rotate } = parseOptions(text, files.env);
  const list = parseSearchList(text, files.env, files.hostname, ndots);
  const searching = list.search.length > 0 ? { search: list.search, ndots } : {};
  const waiting = { ...(timeout !== DEFAULT_OPTIONS.timeout ? { timeout } : {}), ...(rotate ? { rotate } : {}) };
  if (named.every((a) => RESOLVED_STUBS.has(a))) {
    const uplinks = parseNameservers(readTextIfAny(files.resolvedUplinks) ?? '');
    return uplinks ? { addresses: uplinks, file: files.resolvedUplinks, via: 'systemd-resolved', ...searching } : null;
  }
  return { addresses: named, file: files.resolvConf, via: null, ...searching, ...waiting };
}
