// Who serves each layer of a site: its authoritative DNS host, its edge (CDN / proxy), a challenge layer,
// its origin host — each with the evidence that matched. Pure.

import { REMEMBERED_EVIDENCE, type Attempt, type DnsAnswer, type SiteProvider } from '../model.js';
import type { ProviderDef, ProviderMatch } from '../fingerprint/types.js';
import { hostMatchesSuffix, hostsOnly, isHostingMatch, matchAddress, matchCname, matchHeaders, matchNs } from '../fingerprint/match.js';
import type { Catalog } from '../fingerprint/index.js';
import { zoneFromNsAnswer } from '../plan/plan.js';
import { NONE, orNone } from '../util/collections.js';
import { isAtOrBelow } from '../util/dns-name.js';

export interface SiteStack {
  providers: SiteProvider[];
  dnsHost: ProviderDef | null;
  edge: ProviderDef | null;
  origin: ProviderDef | null;
  /** Name servers of the site's zone, as answered (used to group DNS failures by host even when uncatalogued). */
  nameServers: string[];
  /**
   * The zone the site's name is in when that zone is one customer's (acme.com for www.acme.com and api.acme.com):
   * sites in one such zone share one owner's configuration, so they are not independent witnesses of a provider
   * failing. Null when not learned, or when the zone is a provider's platform domain (vercel.app, pages.dev), where
   * every name is a customer of its own.
   */
  zone: string | null;
  /**
   * Whether the site's addresses come through a provider's own names (a CNAME into its catalogued names, a host that
   * is one: an API gateway's, a bucket's website endpoint): an address there may serve many customers, so sites
   * sharing it need not share a server. Only looked for on a site with a failing attempt; false otherwise.
   */
  providerNamedAddresses: boolean;
  /**
   * Names on the site's CNAME chain outside its own zone that no provider catalogues: another owner's names it
   * reaches its edge through (a SaaS's target for its customers' own domains, an agency's server). Sites through one
   * such name share that owner's configuration, whatever their own zones. Only looked for on a failing site.
   */
  throughNames: string[];
}

type Evidence = Map<string, string[]>;

function addMatches(into: Evidence, matches: ProviderMatch[]): void {
  for (const m of matches) {
    const list = into.get(m.provider) ?? [];
    for (const e of m.evidence) if (!list.includes(e.detail) && list.length < 4) list.push(e.detail);
    into.set(m.provider, list);
  }
}

function inCatalogOrder(catalog: Catalog, evidence: Evidence): ProviderDef[] {
  if (evidence.size === 0) return [];
  return catalog.providers.filter((p) => evidence.has(p.id));
}

/** The NS set of the site's zone as answered by any resolver: only its zone's own (not a CNAME target's, i.e. the CDN's). */
export function zoneNameServers(dns: DnsAnswer[]): string[] {
  const apexAnswers = dns.filter((d) => d.type === 'NS' && d.outcome === 'ok' && zoneFromNsAnswer(d).final && d.values.length > 0);
  return [...new Set(apexAnswers.flatMap((d) => d.values))].sort();
}

/** The site's zone as one customer's (see SiteStack.zone), from its NS answers; null for a provider's own domain. */
export function customerZone(dns: DnsAnswer[], catalog: Catalog): string | null {
  const apex = dns.find((d) => d.type === 'NS' && d.outcome === 'ok' && d.values.length > 0 && zoneFromNsAnswer(d).final);
  const zone = apex ? zoneFromNsAnswer(apex).zone : null;
  return zone && !isProviderDomain(zone, catalog) ? zone : null;
}

/**
 * A zone a provider runs for many customers or for itself: under one of its catalogued names (x.vercel.app is in
 * vercel.app), or holding them (amazonaws.com holds execute-api.*.amazonaws.com, cloudflare.com ns.cloudflare.com).
 */
function isProviderDomain(zone: string, catalog: Catalog): boolean {
  if (!zone.includes('.')) return true;
  const domains = providerDomains(catalog);
  if (domains.holding.has(zone)) return true;
  const labels = zone.split('.');
  for (let i = 0; i < labels.length - 1; i++) if (domains.exact.has(labels.slice(i).join('.'))) return true;
  return domains.wildcards.some((suffix) => hostMatchesSuffix(zone, suffix));
}

interface ProviderDomains {
  /** Catalogued names without wildcards: a zone at or below one is the provider's. */
  exact: ReadonlySet<string>;
  /** Every catalogued name's fixed tail (right of its last wildcard label) and its parents of two labels or more. */
  holding: ReadonlySet<string>;
  wildcards: string[];
}

const domainsByCatalog = new WeakMap<Catalog, ProviderDomains>();

/** Built once a catalog: a zone is looked up per site, over every provider's names. */
function providerDomains(catalog: Catalog): ProviderDomains {
  let domains = domainsByCatalog.get(catalog);
  if (domains) return domains;
  const exact = new Set<string>();
  const holding = new Set<string>();
  const wildcards: string[] = [];
  for (const p of catalog.providers) {
    for (const suffix of [...p.cnameSuffixes, ...p.nsSuffixes, ...(p.apiDomains ?? [])]) {
      const labels = suffix.toLowerCase().replace(/^\*?\./, '').split('.');
      if (labels.some((l) => l.includes('*'))) wildcards.push(suffix);
      else exact.add(labels.join('.'));
      const fixed = labels.slice(labels.findLastIndex((l) => l.includes('*')) + 1);
      for (let i = 0; i <= fixed.length - 2; i++) holding.add(fixed.slice(i).join('.'));
    }
  }
  domains = { exact, holding, wildcards };
  domainsByCatalog.set(catalog, domains);
  return domains;
}

export function siteStack(dns: DnsAnswer[], attempts: Attempt[], catalog: Catalog, remembered: SiteProvider[] = [], rememberedNameServers: string[] = []): SiteStack {
  const providers: SiteProvider[] = [];

  // Authoritative DNS: the NS set of the site's zone, from any resolver.
  const answeredNameServers = zoneNameServers(dns);
  // When the zone's own servers cannot be reached, its NS set cannot be asked either: an earlier run's stands in.
  const nameServers = answeredNameServers.length > 0 ? answeredNameServers : [...rememberedNameServers].sort();
  const nsEvidence: Evidence = new Map();
  addMatches(nsEvidence, matchNs(nameServers, catalog.providers));
  const dnsHost = inCatalogOrder(catalog, nsEvidence).find((p) => p.roles.includes('authoritative-dns')) ?? null;
  if (dnsHost) providers.push({ layer: 'authoritative-dns', provider: dnsHost.name, evidence: nsEvidence.get(dnsHost.id)! });

  // Edge: response headers are the strongest evidence, then the CNAME chain, then the address ranges.
  const userFacing = attempts.filter((a) => a.path !== 'origin');
  const headerEvidence: Evidence = new Map();
  for (const a of userFacing) if (a.httpStatus !== null) addMatches(headerEvidence, matchHeaders(a.headers, catalog.providers));
  const dnsEvidence: Evidence = new Map();
  const chains = dns.filter((d) => d.type !== 'NS').map((d) => d.cnameChain);
  for (const chain of chains) addMatches(dnsEvidence, matchCname(chain, catalog.providers));
  // An address in a cloud's customer ranges says where the site is hosted, never who fronts it.
  const hostingEvidence: Evidence = new Map();
  for (const a of userFacing) {
    if (!a.address) continue;
    for (const m of matchAddress(a.address, catalog.ranges, catalog.providers)) addMatches(isHostingMatch(m, catalog.providers) ? hostingEvidence : dnsEvidence, [m]);
  }

  const byHeaders = inCatalogOrder(catalog, headerEvidence).filter((p) => p.roles.includes('edge'));
  const byDns = inCatalogOrder(catalog, dnsEvidence).filter((p) => p.roles.includes('edge'));
  const edge = byHeaders[0] ?? byDns[0] ?? null;
  if (edge) {
    const evidence = [...(headerEvidence.get(edge.id) ?? []), ...(dnsEvidence.get(edge.id) ?? [])].slice(0, 4);
    providers.push({ layer: 'edge', provider: edge.name, evidence });
  }

  // Challenge layer: a challenge was served, or the edge's own bot-management marks its answers.
  const challenged = attempts.find((a) => a.challenge);
  if (challenged) providers.push({ layer: 'challenge', provider: challenged.challenge!.provider, evidence: [challenged.explanation ?? 'challenge page served'] });

  // Origin host: a provider behind the edge (inner headers), or the origin path's answer and address.
  const originEvidence: Evidence = new Map();
  for (const p of byHeaders.slice(1)) originEvidence.set(p.id, headerEvidence.get(p.id)!);
  // Hosting reached with no CDN in front: a cloud's own names on the CNAME chain (a load balancer's) or its address
  // ranges, for a provider that hosts rather than fronts.
  for (const p of inCatalogOrder(catalog, dnsEvidence)) {
    if (p !== edge && hostsOnly(p)) originEvidence.set(p.id, [...(originEvidence.get(p.id) ?? []), ...dnsEvidence.get(p.id)!]);
  }
  for (const p of inCatalogOrder(catalog, hostingEvidence)) {
    if (p.roles.includes('origin')) originEvidence.set(p.id, [...(originEvidence.get(p.id) ?? []), ...hostingEvidence.get(p.id)!]);
  }
  for (const a of attempts.filter((x) => x.path === 'origin')) {
    if (a.httpStatus !== null) addMatches(originEvidence, matchHeaders(a.headers, catalog.providers));
    if (a.address) addMatches(originEvidence, matchAddress(a.address, catalog.ranges, catalog.providers));
  }
  const origin = inCatalogOrder(catalog, originEvidence).find((p) => p !== edge && (p.roles.includes('origin') || p.roles.includes('edge'))) ?? null;
  if (origin) providers.push({ layer: 'origin', provider: origin.name, evidence: originEvidence.get(origin.id)! });

  // What this run could not see (an edge that no longer answers) may still be known from the last run.
  for (const r of remembered) {
    if (providers.some((p) => p.layer === r.layer)) continue;
    providers.push({ ...r, evidence: [`${REMEMBERED_EVIDENCE}: ${r.evidence[0] ?? ''}`.trim()] });
  }
  const rememberedDef = (layer: SiteProvider['layer']) => {
    const name = providers.find((p) => p.layer === layer)?.provider;
    return catalog.providers.find((p) => p.name === name) ?? null;
  };
  // A site no catalogued provider serves (self-hosted, or not reached) has the stack many such sites share: every
  // layer found above, or remembered, is in `providers`.
  const zone = customerZone(dns, catalog);
  const { providerNamedAddresses, throughNames } = failingSiteFacts(dns, attempts, zone, catalog);
  if (providers.length === 0 && nameServers.length === 0 && zone === null && !providerNamedAddresses && throughNames.length === 0) return NO_STACK;
  return {
    // Most sites' lists of name servers, and an unreachable site's of providers, are empty: one shared empty list.
    providers: orNone(providers),
    dnsHost: dnsHost ?? rememberedDef('authoritative-dns'),
    edge: edge ?? rememberedDef('edge'),
    origin: origin ?? rememberedDef('origin'),
    nameServers: orNone(nameServers),
    zone,
    providerNamedAddresses,
    throughNames,
  };
}

const NO_STACK: SiteStack = Object.freeze({ providers: NONE, dnsHost: null, edge: null, origin: null, nameServers: NONE, zone: null, providerNamedAddresses: false, throughNames: NONE }) as SiteStack;

/** SiteStack.providerNamedAddresses: an address answer names a provider's own domain (the host or a CNAME target). */
function addressedThroughProviderNames(dns: DnsAnswer[], catalog: Catalog): boolean {
  for (const d of dns) {
    if ((d.type !== 'A' && d.type !== 'AAAA') || d.values.length === 0) continue;
    if (isProviderDomain(d.name, catalog) || d.cnameChain.some((name) => isProviderDomain(name, catalog))) return true;
  }
  return false;
}

/** SiteStack.throughNames: CNAME targets outside the site's own zone (or name) that are no provider's. */
function otherOwnersNames(dns: DnsAnswer[], zone: string | null, catalog: Catalog): string[] {
  let names: string[] | null = null;
  for (const d of dns) {
    if ((d.type !== 'A' && d.type !== 'AAAA') || d.cnameChain.length === 0) continue;
    const own = zone ?? d.name;
    for (const name of d.cnameChain) {
      if (isAtOrBelow(name, own) || isProviderDomain(name, catalog) || names?.includes(name)) continue;
      (names ??= []).push(name);
    }
  }
  return names ?? NONE;
}

const HEALTHY_SITE_FACTS = { providerNamedAddresses: false, throughNames: NONE };

/** What correlation reads of a failing site's names (providerNamedAddresses, throughNames); `zone` is its customer zone. */
export function failingSiteFacts(dns: DnsAnswer[], attempts: Attempt[], zone: string | null, catalog: Catalog): Pick<SiteStack, 'providerNamedAddresses' | 'throughNames'> {
  if (!attempts.some((a) => a.outcome !== 'ok')) return HEALTHY_SITE_FACTS;
  return { providerNamedAddresses: addressedThroughProviderNames(dns, catalog), throughNames: otherOwnersNames(dns, zone, catalog) };
}
