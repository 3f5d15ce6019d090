// Everything a site depends on, layer by layer, with every provider at each layer (not only the one attribution
// leads with): the input of `outage-probe map`. Where siteStack() answers "who served this failure?", this
// answers "who could take this site down?", so it keeps alternatives — name servers at two DNS hosts, different
// CDNs from different resolvers — because an alternative is what makes a layer redundant.
//
// Read from the same evidence as the stack: NS answers (authoritative DNS), response headers, then CNAME chains
// and address ranges per resolver (edge), challenge pages (challenge), origin-path answers and inner headers
// (hosting, with the region where the address ranges or the provider's headers tell), and the certificate
// each edge presented (TLS issuer). Pure.

import type { Attempt, Dependency, DnsAnswer, ServedInfo } from '../model.js';
import type { ProviderDef, ProviderMatch } from '../fingerprint/types.js';
import { hostsOnly, isHostingMatch, matchAddress, matchCname, matchHeaders, matchNs } from '../fingerprint/match.js';
import type { Catalog } from '../fingerprint/index.js';
import { nat64Of } from '../fingerprint/ranges/trie.js';
import { zoneFromNsAnswer } from '../plan/plan.js';

const MAX_EVIDENCE = 4;

class Found {
  private readonly byProvider = new Map<string, { evidence: string[]; resolvers: Set<string> }>();

  add(matches: ProviderMatch[], resolver: string | null = null): void {
    for (const m of matches) this.addOne(m.provider, m.evidence.map((e) => e.detail), resolver);
  }

  addOne(provider: string, evidence: string[], resolver: string | null = null): void {
    const entry = this.byProvider.get(provider) ?? { evidence: [], resolvers: new Set<string>() };
    for (const e of evidence) if (!entry.evidence.includes(e) && entry.evidence.length < MAX_EVIDENCE) entry.evidence.push(e);
    if (resolver !== null) entry.resolvers.add(resolver);
    this.byProvider.set(provider, entry);
  }

  has(provider: string): boolean {
    return this.byProvider.has(provider);
  }

  get(provider: string) {
    return this.byProvider.get(provider);
  }
}

function defsWithRole(catalog: Catalog, found: Found, role: ProviderDef['roles'][number]): ProviderDef[] {
  return catalog.providers.filter((p) => found.has(p.id) && p.roles.includes(role));
}

/** "ns1.example.net" → "example.net": the organisation behind name servers no catalog entry knows. */
function nameServerOwner(host: string): string {
  const labels = host.replace(/\.$/, '').toLowerCase().split('.');
  return labels.slice(-2).join('.');
}

function authoritativeDns(dns: DnsAnswer[], catalog: Catalog): Dependency[] {
  const apex = dns.filter((d) => d.type === 'NS' && d.outcome === 'ok' && zoneFromNsAnswer(d).final && d.values.length > 0);
  const nameServers = [...new Set(apex.flatMap((d) => d.values.map((v) => v.replace(/\.$/, '').toLowerCase())))].sort();
  const found = new Found();
  found.add(matchNs(nameServers, catalog.providers));
  const known = defsWithRole(catalog, found, 'authoritative-dns');
  const deps: Dependency[] = known.map((p) => dependency('authoritative-dns', p.name, true, found.get(p.id)!.evidence));
  // Name servers no provider claims are a dependency too (often the site's own): one entry per organisation.
  const claimed = new Set(known.flatMap((p) => found.get(p.id)!.evidence));
  const unclaimed = nameServers.filter((ns) => !claimed.has(`NS ${ns}`));
  const owners = new Map<string, string[]>();
  for (const ns of unclaimed) owners.set(nameServerOwner(ns), [...(owners.get(nameServerOwner(ns)) ?? []), `NS ${ns}`]);
  for (const [owner, evidence] of owners) deps.push(dependency('authoritative-dns', `${owner} name servers`, false, evidence.slice(0, MAX_EVIDENCE)));
  return deps;
}

/** Edge providers per resolver: what the answers each resolver gave lead to, by headers first, then DNS. */
function edges(dns: DnsAnswer[], attempts: Attempt[], catalog: Catalog): Dependency[] {
  const userFacing = attempts.filter((a) => a.path !== 'origin' && a.path !== 'proxy');
  const resolvers = [...new Set([...dns.filter((d) => d.type === 'A' || d.type === 'AAAA').map((d) => d.resolver), ...userFacing.flatMap((a) => a.resolvers)])];
  const found = new Found();
  for (const resolver of resolvers) {
    const fromHeaders = new Found();
    for (const a of userFacing) if (a.httpStatus !== null && a.resolvers.includes(resolver)) fromHeaders.add(matchHeaders(a.headers, catalog.providers));
    const headerEdges = defsWithRole(catalog, fromHeaders, 'edge');
    if (headerEdges.length > 0) {
      // The outermost proxy (catalog order puts edges before the platforms behind them) is this resolver's edge.
      const outer = headerEdges[0]!;
      found.addOne(outer.id, fromHeaders.get(outer.id)!.evidence, resolver);
      continue;
    }
    const fromDns = new Found();
    for (const d of dns) {
      if (d.resolver !== resolver || (d.type !== 'A' && d.type !== 'AAAA') || d.outcome !== 'ok') continue;
      fromDns.add(matchCname(d.cnameChain, catalog.providers));
      for (const address of d.values) fromDns.add(matchAddress(address, catalog.ranges, catalog.providers).filter((m) => !isHostingMatch(m, catalog.providers)));
    }
    const dnsEdge = defsWithRole(catalog, fromDns, 'edge')[0];
    if (dnsEdge) found.addOne(dnsEdge.id, fromDns.get(dnsEdge.id)!.evidence, resolver);
  }
  return defsWithRole(catalog, found, 'edge').map((p) => {
    const entry = found.get(p.id)!;
    return { ...dependency('edge', p.name, true, entry.evidence), resolvers: [...entry.resolvers].sort() };
  });
}

function challenges(attempts: Attempt[]): Dependency[] {
  const byProvider = new Map<string, string>();
  for (const a of attempts) if (a.challenge && !byProvider.has(a.challenge.provider)) byProvider.set(a.challenge.provider, a.explanation ?? 'challenge page served');
  return [...byProvider].map(([provider, evidence]) => dependency('challenge', provider, true, [evidence]));
}

/** Hosting behind the edge: origin-path answers and addresses, and platforms whose headers show through the edge. */
function hosting(attempts: Attempt[], catalog: Catalog, edgeNames: Set<string>): Dependency[] {
  const found = new Found();
  const regions = new Map<string, string>();
  for (const a of attempts) {
    if (a.httpStatus !== null) found.add(matchHeaders(a.headers, catalog.providers));
    if (a.address) {
      // The origin path's address, or a user-facing one that no edge fronts: in a cloud's customer ranges, or in
      // the ranges of a provider that only hosts (as stack.ts reads the hosting layer).
      const matches = matchAddress(a.address, catalog.ranges, catalog.providers).filter((m) => a.path === 'origin' || isHostingMatch(m, catalog.providers) || hostsOnlyId(m.provider, catalog));
      found.add(matches);
      const range = matches.length > 0 ? catalog.ranges.lookup(a.address) : null;
      if (range?.region) regions.set(range.provider, range.region);
    }
    if (a.location?.kind === 'region') {
      const def = catalog.providers.find((p) => p.name === a.location!.provider);
      if (def) regions.set(def.id, a.location.code);
    }
  }
  return defsWithRole(catalog, found, 'origin')
    .filter((p) => !edgeNames.has(p.name))
    .map((p) => ({ ...dependency('origin', p.name, true, found.get(p.id)!.evidence), region: regions.get(p.id) ?? null }));
}

function hostsOnlyId(providerId: string, catalog: Catalog): boolean {
  const def = catalog.providers.find((p) => p.id === providerId);
  return def !== undefined && hostsOnly(def);
}

/** "CN=R11, O=Let's Encrypt, C=US" → "Let's Encrypt"; the CN when there is no organisation. */
export function issuerName(issuer: string): string {
  const field = (key: string) => new RegExp(`(?:^|[,/\\n]\\s*)${key}=([^,/\\n]+)`).exec(issuer)?.[1]?.trim() ?? null;
  return field('O') ?? field('CN') ?? issuer.trim();
}

function tlsIssuers(attempts: Attempt[]): Dependency[] {
  const byIssuer = new Map<string, Set<string>>();
  for (const a of attempts) {
    if (a.path === 'origin' || !a.tls) continue;
    const name = issuerName(a.tls.issuer);
    byIssuer.set(name, (byIssuer.get(name) ?? new Set()).add(`issuer ${a.tls.issuer}`));
  }
  return [...byIssuer].map(([name, evidence]) => dependency('tls-issuer', name, true, [...evidence].slice(0, MAX_EVIDENCE)));
}

function dependency(layer: Dependency['layer'], provider: string, identified: boolean, evidence: string[]): Dependency {
  return { layer, provider, identified, evidence, resolvers: null, region: null };
}

/**
 * Every provider the site depends on at each layer, in layer order (DNS, edge, challenge, hosting, TLS issuer). What
 * a fetch got at another owner's host a redirect took it to (a login service's) is that host's, not the site's: its
 * headers and certificate say nothing about who serves the site (`attempts` are the site's own: ownAnswers).
 */
export function siteDependencies(dns: DnsAnswer[], attempts: Attempt[], catalog: Catalog): Dependency[] {
  const edgeDeps = edges(dns, attempts, catalog);
  return [
    ...authoritativeDns(dns, catalog),
    ...edgeDeps,
    ...challenges(attempts),
    ...hosting(attempts, catalog, new Set(edgeDeps.map((d) => d.provider))),
    ...tlsIssuers(attempts),
  ];
}

/**
 * What the site serves, as this run saw it: IPv6 and the HTTP versions negotiated. An address in a NAT64 prefix is a
 * DNS64 resolver's, made for a name with no IPv6 address of its own (RFC 6147 §5.1): it says the site has none.
 */
export function servedInfo(dns: DnsAnswer[], attempts: Attempt[]): ServedInfo {
  const userFacing = attempts.filter((a) => a.path !== 'origin' && a.path !== 'proxy');
  const native = (address: string | null) => address !== null && nat64Of(address) === null;
  const aaaa = dns.some((d) => d.type === 'AAAA' && d.outcome === 'ok' && d.values.some(native));
  const v6 = userFacing.filter((a) => a.family === 6 && native(a.address));
  const ipv6: ServedInfo['ipv6'] =
    v6.some((a) => a.httpStatus !== null) ? 'served'
    : aaaa && v6.length > 0 ? 'published-unreachable'
    : aaaa ? 'published'
    : dns.some((d) => d.type === 'AAAA' && d.outcome === 'ok') ? 'not-published'
    : 'unknown';
  const versions = [...new Set(userFacing.map((a) => a.httpVersion).filter((v): v is string => v !== null))].sort().reverse();
  return { ipv6, httpVersions: versions };
}
