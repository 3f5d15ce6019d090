// Cloud-region incidents: several sites or endpoints hosted in one region of one cloud fail at once, each
// in its own way (a timeout, a 5xx from its own load balancer, no DNS answer), while the same cloud's other
// regions and other providers serve. Pure; reads classified SiteFacts as incidents.ts does.
//
// The rule, with its guards against false blame:
//   - a site's region comes from its attempts' region locations (host names, published prefixes) or from
//     its host and CNAME names; a site with two regions in its evidence is left out (it cannot be placed);
//   - a site counts as failing in its region only for failures the hosting can cause: origin- or site-layer
//     answers, connection/TLS failures to addresses with no other provider in front, the region's own
//     provider's errors, or no address from any resolver. Challenges, content mismatches, another provider's
//     edge failures, a single resolver's failures, and sites already explained by another incident do not count;
//   - at least max(2, minSites) sites fail, and at least half of the region's sites; they are as many independent
//     witnesses: sites in one customer's zone are one, and so are sites whose failures went to one server (one
//     address: a cloud's address is one customer's machine or load balancer, however many names point at it;
//     where the addresses come through the provider's own names, an API gateway's or a bucket's endpoint, the
//     name that holds them). Failing sites that fall short only by that are a finding, not an incident;
//   - at least one healthy control elsewhere, and most sites outside the region are healthy (else it is us);
//   - the same cloud's other regions are not failing as well (that would be the cloud, not the region).
// Kind 'provider' at layer 'origin' (the hosting), with the region in the id and in `locations`, so that two
// regions of one cloud are two incidents: "provider:AWS:origin:us-east-1".

import { noAddressFromAnyResolver } from '../classify/dns-facts.js';
import type { Attempt, DnsAnswer } from '../model.js';
import { connectionSpreadShortfall, FINDING_CONFIDENCE, incidentId, tentativeSummary, translatorShortfall, userFacingFailures, witnessKeys, witnessLabel, type AttributionOptions, type SiteFacts } from './incidents.js';
import type { LocatedIncident } from './locations.js';
import { regionFromHostName, regionFromHostNames, validLocationCode, type CloudRegion } from '../classify/location.js';
import { joinAnd, listNames, plural } from '../util/text.js';
import { groupBy, linkedGroups } from '../util/collections.js';
import type { Incident } from '../model.js';

export interface RegionOptions extends AttributionOptions {
  /** Sites already inside another incident: neither failures nor controls here. */
  explained?: string[];
  /** Providers whose connections fail from here at enough sites (incidents.ts, ProviderFailures.connectionTrouble). */
  connectionTrouble?: readonly string[];
}

export interface SiteRegion {
  provider: string;
  region: string;
  evidence: string;
}

const round2 = (x: number) => Math.round(Math.min(0.99, Math.max(0, x)) * 100) / 100;

/** The most confidence a region incident can have: it rests on per-site failures with no shared marker. */
const MAX_CONFIDENCE = 0.8;

/** The one cloud region a site is hosted in, or null when nothing names one or the evidence disagrees. */
export function siteRegion(site: SiteFacts): SiteRegion | null {
  // Asked of every site of a run: one region is kept as it is found, and a second one ends the search.
  let found: SiteRegion | null = null;
  for (const a of site.report.attempts) {
    const loc = a.location;
    if (loc?.kind !== 'region' || !validLocationCode(loc.code)) continue;
    if (found !== null && (found.provider !== loc.provider || found.region !== loc.code)) return null;
    // The last attempt's evidence for the region stands.
    found = { provider: loc.provider, region: loc.code, evidence: loc.evidence };
  }
  const named = regionFromHostName(site.report.host) ?? regionOfCnameTargets(site.report.dns);
  if (named === null) return found;
  if (found === null) return { provider: named.provider, region: named.region, evidence: `${named.evidence} names region ${named.region}` };
  return found.provider === named.provider && found.region === named.region ? found : null;
}

/** The first CNAME target the site's answers name, in order, that names a cloud region (asked of every site). */
function regionOfCnameTargets(dns: DnsAnswer[]): CloudRegion | null {
  for (let i = 0; i < dns.length; i++) {
    const found = regionFromHostNames(dns[i]!.cnameChain);
    if (found) return found;
  }
  return null;
}


/** Why a failing attempt is the hosting region's doing, in a few words; null when it is not evidence of that. */
function regionalFailure(a: Attempt, region: SiteRegion, dns: DnsAnswer[]): string | null {
  if (a.outcome === 'ok' || a.outcome === 'challenge' || a.outcome === 'content-mismatch' || a.layer === null) return null;
  // However its name failed to give an address (no answer, an empty record, a failing authority), it is said once.
  if (a.outcome === 'dns-error') return noAddressFromAnyResolver(dns) ? 'no DNS answer' : null;
  switch (a.layer) {
    case 'origin':
    case 'site':
      if (a.httpStatus !== null) return a.provider ? `${a.provider} ${a.httpStatus}` : `HTTP ${a.httpStatus}`;
      return a.outcome === 'timeout' ? 'timeout' : (a.error?.code ?? a.outcome);
    case 'network':
    case 'tls':
      // A connection to an address in the region, not to a CDN in front of it.
      if (a.provider !== null && a.provider !== region.provider) return null;
      if (a.outcome === 'timeout') return a.failedPhase === 'tls' ? 'TLS timeout' : 'connect timeout';
      return a.error?.code ?? a.outcome;
    case 'edge':
      return a.provider === region.provider ? `${a.provider} ${a.httpStatus ?? a.outcome}` : null;
    default:
      return null;
  }
}

interface Placed {
  site: SiteFacts;
  region: SiteRegion;
  /** What failed, e.g. ["timeout", "AWS 503"]; empty when the site is healthy or fails for other reasons. */
  failures: string[];
  /** The servers those failures went to (serverOf). */
  servers: string[];
  /** Every one of those failures is a connection or handshake that failed (no answer at all). */
  connectionOnly: boolean;
}

function place(site: SiteFacts): Placed | null {
  const region = siteRegion(site);
  if (!region) return null;
  if (site.report.status === 'ok') return { site, region, failures: [], servers: [], connectionOnly: false };
  const failures = new Set<string>();
  const servers = new Set<string>();
  let connectionOnly = true;
  for (const a of site.report.attempts) {
    const failure = site.explained.has(a.id) ? null : regionalFailure(a, region, site.report.dns);
    if (failure === null) continue;
    failures.add(failure);
    if (a.layer !== 'network' && a.layer !== 'tls') connectionOnly = false;
    const server = serverOf(a, site);
    if (server !== null) servers.add(server);
  }
  return { site, region, failures: [...failures], servers: [...servers], connectionOnly };
}

/**
 * The server a failing attempt went to: its address, one customer's machine or load balancer in a cloud — unless the
 * site's addresses come through the provider's own names (an API gateway's, a bucket's website endpoint), where one
 * address serves many customers and the name that holds it is the customer's. Null when it reached no address.
 */
function serverOf(a: Attempt, site: SiteFacts): string | null {
  if (a.address === null) return null;
  if (!site.stack.providerNamedAddresses) return a.address;
  const answer = site.report.dns.find((d) => (d.type === 'A' || d.type === 'AAAA') && d.values.includes(a.address!));
  return answer ? (answer.cnameChain.at(-1) ?? answer.name) : site.report.host;
}

/** The failing sites as independent witnesses (witnessGroups), and those failing at one server are one too. */
function independentWitnesses(down: Placed[]): Placed[][] {
  return linkedGroups(down, (p) => [...witnessKeys(p.site), ...p.servers.map((server) => `server ${server}`)]);
}

/** Why failing sites that share servers or zones are not a region failing. */
function sharedStackShortfall(groups: Placed[][], region: string, minSites: number): string {
  if (groups.length > 1) return `they come down to ${groups.length} independent servers or customer zones, fewer than ${minSites}`;
  const members = groups[0]!;
  const common = members[0]!.servers.filter((server) => members.every((p) => p.servers.includes(server)));
  if (common.length > 0) return `every one fails at ${listNames(common, 3)}: one server or load balancer of one customer in ${region}, not the region`;
  const shared = witnessLabel(members.map((p) => p.site));
  if (shared.kind === 'zone') return `every one is in the zone ${shared.name}: one customer's stack in ${region} can do this`;
  if (shared.kind === 'through') return `every one leads through ${shared.name}, another owner's name their domains point at: that owner's stack in ${region} can do this`;
  const servers = [...new Set(members.flatMap((p) => p.servers))];
  return `they share servers (${listNames(servers, 3)}) or customer zones: one customer's stack in ${region} can do this`;
}

const failing = (p: Placed) => p.failures.length > 0;
const healthy = (s: SiteFacts) => s.report.status === 'ok';

export interface RegionFailures {
  incidents: LocatedIncident[];
  /** Sites of a region failing together that share one customer's servers or zone: said, not alerted on. */
  findings: Incident[];
}

/** The regions failing sites place, each with its members. */
function placedRegions(sites: SiteFacts[]): { placed: Placed[]; groups: Map<string, Placed[]> } {
  const placed = sites.map(place).filter((p): p is Placed => p !== null);
  return { placed, groups: groupBy(placed, (p) => `${p.region.provider}|${p.region.region}`) };
}

/** A region whose failing sites there fail only to connect, at `minSites` independent witnesses or more, as "AWS us-east-1". */
function connectionTroubleIn(down: Placed[], minSites: number): string | null {
  return down.length > 0 && down.every((p) => p.connectionOnly) && independentWitnesses(down).length >= minSites ? `${down[0]!.region.provider} ${down[0]!.region.region}` : null;
}

/** The regions whose sites fail only to connect (read by the provider rule: connections failing at several at once are the way from here). */
export function regionConnectionTrouble(sites: SiteFacts[], options: AttributionOptions): string[] {
  if (!sites.some((s) => s.report.status !== 'ok')) return [];
  const minSites = Math.max(2, options.minSites);
  return [...placedRegions(sites).groups.values()].map((members) => connectionTroubleIn(members.filter(failing), minSites)).filter((r): r is string => r !== null);
}

export function regionIncidents(sites: SiteFacts[], options: RegionOptions): RegionFailures {
  const explained = new Set(options.explained ?? []);
  const considered = sites.filter((s) => !explained.has(s.report.name));
  const { placed, groups } = placedRegions(considered);
  const minSites = Math.max(2, options.minSites);
  const troubled = [...(options.connectionTrouble ?? []), ...[...groups.values()].map((members) => connectionTroubleIn(members.filter(failing), minSites)).filter((r): r is string => r !== null)];
  const incidents: LocatedIncident[] = [];
  const findings: Incident[] = [];
  for (const members of groups.values()) {
    const { provider, region } = members[0]!.region;
    const down = members.filter(failing);
    if (down.length < minSites || down.length / members.length < 0.5) continue;
    // Names in one customer's zone, or on one server of theirs, are one witness: that customer's own stack can fail them all.
    const independent = independentWitnesses(down);

    const sameCloud = placed.filter((p) => p.region.provider === provider && p.region.region !== region);
    const sameCloudDown = sameCloud.filter(failing);
    if (sameCloudDown.length > 0 && sameCloudDown.length / sameCloud.length >= 0.5) continue; // the cloud, not one region
    const inRegion = new Set(members.map((m) => m.site));
    const elsewhere = considered.filter((s) => !inRegion.has(s));
    const controls = elsewhere.filter(healthy);
    if (controls.length === 0 || controls.length / elsewhere.length < 0.5) continue; // could be us

    const sameCloudHealthy = sameCloud.filter((p) => healthy(p.site));
    const inSameCloud = new Set(sameCloud.map((p) => p.site));
    const otherProviders = controls.filter((s) => !inSameCloud.has(s));
    const healthyRegions = [...new Set(sameCloudHealthy.map((p) => p.region.region))].sort();
    const fraction = down.length / members.length;
    const degraded = down.filter((p) => p.site.report.status === 'degraded');
    const confidence = round2(
      Math.min(
        MAX_CONFIDENCE,
        0.35 + 0.2 * fraction + (down.length >= 3 ? 0.05 : 0) + (sameCloudHealthy.length > 0 ? 0.1 : 0) + (otherProviders.length > 0 ? 0.05 : 0) - (degraded.length === down.length ? 0.1 : 0),
      ),
    );
    const kinds = [...new Set(down.flatMap((p) => p.failures))];
    const partial = down.length < members.length || degraded.length > 0;
    const clauses = [
      `${down.length} of ${plural(members.length, 'site')} hosted in ${provider} ${region} fail${down.length === 1 ? 's' : ''} (${kinds.join(', ')})`,
      sameCloudHealthy.length > 0 ? `${plural(sameCloudHealthy.length, 'site')} in ${provider} ${joinAnd(healthyRegions)} ${sameCloudHealthy.length === 1 ? 'is' : 'are'} healthy` : `no site in another ${provider} region to compare with`,
      otherProviders.length > 0 ? `${plural(otherProviders.length, 'site')} on other providers ${otherProviders.length === 1 ? 'is' : 'are'} healthy` : null,
    ].filter(Boolean);
    const incident: LocatedIncident = {
      id: incidentId('provider', provider, 'origin', region),
      change: null,
      since: null,
      acknowledged: null,
      kind: 'provider',
      provider,
      layer: 'origin',
      sites: down.map((p) => p.site.report.name),
      probed: members.length,
      controls: controls.map((s) => s.report.name),
      scope: partial ? 'partial' : 'full',
      confidence,
      summary: `${provider} ${region} region incident${partial ? ' (partial)' : ''}: ${clauses.join('; ')} (confidence ${confidence})`,
      evidence: [
        ...down.map((p) => `${p.site.report.name}: ${p.failures.join(', ')} (${p.region.evidence})`),
        ...members.filter((m) => !failing(m)).map((m) => `${m.site.report.name} in ${region}: ${m.site.report.status}`),
        sameCloudHealthy.length > 0 ? `healthy in other ${provider} regions: ${sameCloudHealthy.map((p) => `${p.site.report.name} (${p.region.region})`).join(', ')}` : null,
        otherProviders.length > 0 ? `healthy on other providers: ${otherProviders.map((s) => s.report.name).join(', ')}` : null,
      ].filter((x): x is string => x !== null),
      locations: [region],
      healthyLocations: healthyRegions,
    };
    const spread = down.every((p) => p.connectionOnly) && troubled.length >= 2;
    const translator = translatorShortfall(down.flatMap((p) => userFacingFailures(p.site)), sites);
    if (independent.length >= minSites && !spread && !translator) {
      incidents.push({ ...incident, evidence: [...incident.evidence, 'each site fails in its own way; no provider marker ties them together, hence the lower confidence'] });
      continue;
    }
    const why = independent.length < minSites ? sharedStackShortfall(independent, region, minSites) : (translator ?? connectionSpreadShortfall(`${provider} ${region}`, troubled));
    const cappedConfidence = Math.min(confidence, FINDING_CONFIDENCE);
    findings.push({ ...incident, confidence: cappedConfidence, summary: tentativeSummary(incident, why), evidence: [...incident.evidence, `not an incident: ${why}`] });
  }
  const order = (a: Incident, b: Incident) => b.sites.length - a.sites.length || b.confidence - a.confidence;
  return { incidents: incidents.sort(order), findings: findings.sort(order) };
}
