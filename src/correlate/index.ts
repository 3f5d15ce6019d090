// The correlate stage: classified sites → site verdicts, incidents, blame. Pure.

import type { Attempt, Config, DnsAnswer, Incident, SiteProvider, SiteReport, SiteSpec } from '../model.js';
import type { Catalog } from '../fingerprint/index.js';
import { classifySite } from '../classify/index.js';
import { classifyEndpointAttempt, expectedEndpointProvider } from '../classify/endpoint.js';
import { locateAttempts, type RememberedLocations } from '../classify/location.js';
import { siteReports, siteStatus } from './sites.js';
import {
  authoritativeDnsIncidents,
  localNetworkDown,
  providerIncidents,
  resolverIncidents,
  type AttributionOptions,
  type SiteFacts,
} from './incidents.js';
import { regionIncidents } from './regions.js';
import { scopeByLocation } from './locations.js';
import { incidentsBySite, siteBlame } from './blame.js';

export interface Attribution {
  sites: SiteReport[];
  incidents: Incident[];
  local: { down: boolean; evidence: string[] };
  /** The provider stack of each site, by site name (for the state file). */
  stacks: Record<string, SiteProvider[]>;
}

/** What earlier runs left in the state file: used where this run cannot see (an edge that no longer answers). */
export interface Memory {
  stacks?: Record<string, SiteProvider[]>;
  locations?: RememberedLocations;
  now?: Date;
}

export function attribute(
  config: Pick<Config, 'sites' | 'resolvers'>,
  dns: DnsAnswer[],
  attempts: Attempt[],
  catalog: Catalog,
  options: AttributionOptions,
  memory: Memory = {},
): Attribution {
  const specs = new Map(config.sites.map((s) => [s.name, s]));
  const facts: SiteFacts[] = siteReports(config.sites, dns, attempts).map((report) => {
    const spec = specs.get(report.name)!;
    const { attempts: classified, stack } = classifySite(report.dns, report.attempts, config.resolvers, catalog, memory.stacks?.[report.name]);
    const judged = spec.kind === 'endpoint' && spec.expect.status.length === 0 ? asEndpoint(spec, classified, report.dns, catalog) : classified;
    const located = locateAttempts(judged, report.dns, catalog, memory.locations ?? {}, memory.now ?? new Date());
    const { status, reason } = siteStatus(located);
    return { report: { ...report, attempts: located, status, reason, providers: stack.providers }, stack };
  });
  const local = localNetworkDown(facts, dns);
  const shared = local.down
    ? []
    : [...resolverIncidents(facts, dns, config.resolvers, options), ...authoritativeDnsIncidents(facts, options), ...providerIncidents(facts, options)];
  // A cloud region's hosting failing shows as unrelated per-site errors: only sites no other incident explains count.
  const regions = local.down ? [] : regionIncidents(facts, { ...options, explained: shared.flatMap((i) => i.sites) });
  const incidents = [...shared, ...regions].map((incident) => withLocations(incident, facts));
  const bySite = incidentsBySite(incidents);
  const sites = facts.map((f) => ({ ...f.report, blame: siteBlame(f.report, bySite, local.down) }));
  return { sites, incidents, local, stacks: Object.fromEntries(facts.map((f) => [f.report.name, f.stack.providers])) };
}

/** An API endpoint is up when its provider answers at all (a 403 to an anonymous request is healthy). */
function asEndpoint(spec: SiteSpec, attempts: Attempt[], dns: DnsAnswer[], catalog: Catalog): Attempt[] {
  const expected = expectedEndpointProvider(spec.host, catalog.providers, spec.provider);
  return attempts.map((a) => {
    const reading = classifyEndpointAttempt(a, dns, expected, catalog.providers);
    return reading ? { ...a, ...reading } : a;
  });
}

/** Where the incident's failures were seen: failing and healthy locations, and the scope they imply. */
function withLocations(incident: Incident, facts: SiteFacts[]): Incident {
  const scoped = scopeByLocation(incident, facts);
  if (!scoped.summaryClause) return incident;
  const summary = incident.summary.replace(/ \(confidence [\d.]+\)$/, (tail) => `; ${scoped.summaryClause}${tail}`);
  return {
    ...incident,
    summary,
    locations: scoped.locations,
    healthyLocations: scoped.healthyLocations,
    // Some sites or samples failing stays partial, whatever the locations say.
    scope: incident.scope === 'partial' ? 'partial' : scoped.scope,
    evidence: [...incident.evidence, ...scoped.evidence],
  };
}
