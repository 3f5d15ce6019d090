// What to ask and what to fetch. Pure: no I/O, no clocks.
//
// DNS: one query per (resolver, name, type), shared by every site that needs it.
// Fetches: one per (site, path, address); an address returned by several resolvers is fetched once
// and credited to each of them.

import { ipFamily } from '../util/ip.js';
import { isAtOrBelow } from '../util/dns-name.js';
import type { DnsAnswer, DnsQuery, DnsType, PathKind, ResolverSpec, SiteSpec } from '../model.js';

export function dnsQuery(resolver: ResolverSpec, name: string, type: DnsType): DnsQuery {
  return { resolver, name, type };
}

/** A and AAAA for the site's host through every resolver (none when the host is an IP literal). */
export function addressQueries(site: SiteSpec, resolvers: ResolverSpec[]): DnsQuery[] {
  if (ipFamily(site.host)) return [];
  return resolvers.flatMap((r) => [dnsQuery(r, site.host, 'A'), dnsQuery(r, site.host, 'AAAA')]);
}

/**
 * NS for the host through every resolver that speaks DNS (the system resolver cannot ask for NS).
 * When the host is not a zone apex, `nextZoneQuery` walks towards the apex from each answer.
 */
export function nsQueries(site: SiteSpec, resolvers: ResolverSpec[]): DnsQuery[] {
  if (ipFamily(site.host)) return [];
  return resolvers.filter((r) => r.kind !== 'system').map((r) => dnsQuery(r, site.host, 'NS'));
}

/** The parent of a name ("www.shop.test" → "shop.test"); null at two labels or fewer. */
export function parentName(name: string): string | null {
  const labels = name.split('.');
  return labels.length > 2 ? labels.slice(1).join('.') : null;
}

/** The name and its parents up to the top-level domain, nearest first: a.b.example.com, b.example.com, … com. */
export function selfAndAncestors(name: string): string[] {
  const labels = name.split('.').filter((l) => l.length > 0);
  return labels.map((_, i) => labels.slice(i).join('.'));
}

/**
 * The zone a name belongs to, as an NS answer tells it: the owner of the NS set when the name has its own NS;
 * the SOA owner from the authority section when it has none; and when the name is a CNAME the answer speaks of
 * the target's zone (a CDN's), so the name's own zone is found from its parent instead.
 */
export function zoneFromNsAnswer(answer: DnsAnswer): { zone: string | null; final: boolean } {
  if (answer.cnameChain.length > 0) return { zone: parentName(answer.name), final: false };
  if (answer.values.length > 0) return { zone: answer.zone ?? answer.name, final: true };
  if (answer.zone && answer.zone !== answer.name) return { zone: answer.zone, final: false };
  return { zone: null, final: true };
}

/** The next NS query on the way to the zone apex, or null when this answer is the apex's NS set (or a dead end). */
export function nextZoneQuery(answer: DnsAnswer, resolver: ResolverSpec): DnsQuery | null {
  if (answer.outcome !== 'ok' && answer.outcome !== 'empty') return null;
  const { zone, final } = zoneFromNsAnswer(answer);
  return !final && zone ? dnsQuery(resolver, zone, 'NS') : null;
}

/**
 * Where the NS walk to the host's zone apex starts, given the host's address answers from the same resolver. The
 * host's own NS question (`first`) is needed only when they cannot tell: a host with a CNAME is no apex (a CNAME
 * cannot sit beside the apex's SOA and NS), so the walk starts at its parent, as it would after asking; a host
 * without a record of the type asked answers with its zone's SOA (RFC 2308 §3), whose owner is the apex when it is
 * above the host. Every site in that zone then shares one NS question a resolver instead of asking one each.
 */
export function zoneWalkStart(first: DnsQuery, addressAnswers: DnsAnswer[]): DnsQuery {
  const host = first.name;
  const own = addressAnswers.filter((a) => a.name === host && a.resolver === first.resolver.name && (a.outcome === 'ok' || a.outcome === 'empty'));
  if (own.some((a) => a.cnameChain.length > 0)) {
    const parent = parentName(host);
    return parent ? dnsQuery(first.resolver, parent, 'NS') : first;
  }
  const zone = own.find((a) => a.outcome === 'empty' && a.zone !== null && a.zone !== '' && a.zone !== host && isAtOrBelow(host, a.zone))?.zone;
  return zone ? dnsQuery(first.resolver, zone, 'NS') : first;
}

/** A fetch to make for one site. */
export interface FetchPlan {
  id: string;
  site: SiteSpec;
  path: PathKind;
  address: string | null;
  port: number | null;
  family: 4 | 6 | null;
  proxy: string | null;
  /** Resolvers credited with this address (edge path). Mutable: later answers may add credit. */
  resolvers: string[];
}

export function fetchId(site: string, path: PathKind, target: string): string {
  // Joined, not concatenated: V8 makes `a + b` a tree of string pieces (32 bytes a node, kept with the attempt to
  // the run's end) and `join` one flat string, a third smaller.
  return [site, path, target].join('|');
}

/** Split "ip", "ip:port" or "[v6]:port" into address and port. */
export function splitHostPort(value: string): { address: string; port: number | null } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (bracketed) return { address: bracketed[1]!, port: bracketed[2] ? Number(bracketed[2]) : null };
  if (ipFamily(value)) return { address: value, port: null };
  const i = value.lastIndexOf(':');
  if (i > 0 && ipFamily(value.slice(0, i)) === 4) return { address: value.slice(0, i), port: Number(value.slice(i + 1)) };
  return { address: value, port: null };
}

function familyOf(address: string): 4 | 6 | null {
  const f = ipFamily(address);
  return f === 4 || f === 6 ? f : null;
}

/** Fetches that need no DNS answer: the origin path and each proxy path. */
export function staticFetches(site: SiteSpec): FetchPlan[] {
  const plans: FetchPlan[] = [];
  if (site.paths.origin && site.origin) {
    const { address, port } = splitHostPort(site.origin);
    plans.push({
      id: fetchId(site.name, 'origin', site.origin),
      site,
      path: 'origin',
      address,
      port,
      family: familyOf(address),
      proxy: null,
      resolvers: [],
    });
  }
  for (const proxy of site.paths.proxies) {
    plans.push({ id: fetchId(site.name, 'proxy', proxy), site, path: 'proxy', address: null, port: null, family: null, proxy, resolvers: [] });
  }
  // A URL whose host is an IP literal needs no resolver: its one edge address is the host itself.
  const literal = familyOf(site.host);
  if (site.paths.edge && literal && familyAllowed(site, literal)) {
    plans.push({ id: fetchId(site.name, 'edge', site.host), site, path: 'edge', address: site.host, port: null, family: literal, proxy: null, resolvers: [] });
  }
  return plans;
}

function familyAllowed(site: SiteSpec, family: 4 | 6): boolean {
  return family === 4 ? site.paths.ipv4 : site.paths.ipv6;
}

/**
 * Edge fetches for the addresses one resolver returned, given what is already planned for the site.
 * Returns new plans to start, and credits this resolver on already planned ones (mutating their `resolvers`).
 *
 * At most `maxAddressesPerFamily` addresses per family are fetched, except that every resolver gets at least one
 * of its own addresses per family fetched: a resolver whose answers differ from the others' (GeoDNS, a poisoned
 * cache) must not go untested because another resolver filled the cap first.
 */
export function edgeFetchesFor(site: SiteSpec, resolver: string, addresses: string[], planned: FetchPlan[]): FetchPlan[] {
  if (!site.paths.edge) return [];
  const edge = planned.filter((p) => p.path === 'edge');
  const fresh: FetchPlan[] = [];
  for (const family of [4, 6] as const) {
    if (!familyAllowed(site, family)) continue;
    const mine = unique(addresses.filter((a) => familyOf(a) === family));
    if (mine.length === 0) continue;
    let covered = false;
    for (const address of mine) {
      const existing = edge.find((p) => p.address === address);
      if (existing) {
        if (!existing.resolvers.includes(resolver)) existing.resolvers.push(resolver);
        covered = true;
      }
    }
    let inFamily = edge.filter((p) => p.family === family).length + fresh.filter((p) => p.family === family).length;
    for (const address of mine) {
      if (edge.some((p) => p.address === address)) continue;
      if (inFamily >= site.maxAddressesPerFamily && covered) break;
      fresh.push({ id: fetchId(site.name, 'edge', address), site, path: 'edge', address, port: null, family, proxy: null, resolvers: [resolver] });
      inFamily += 1;
      covered = true;
    }
  }
  return fresh;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
