// The correlate stage: classified sites → site verdicts, incidents, blame. Pure.

import type { Attempt, Config, DnsAnswer, Incident, SiteProvider, SiteReport } from '../model.js';
import type { Catalog } from '../fingerprint/index.js';
import { classifySite } from '../classify/index.js';
import { siteReports, siteStatus } from './sites.js';
import {
  authoritativeDnsIncidents,
  localNetworkDown,
  providerIncidents,
  resolverIncidents,
  type AttributionOptions,
  type SiteFacts,
} from './incidents.js';
import { siteBlame } from './blame.js';

export interface Attribution {
  sites: SiteReport[];
  incidents: Incident[];
  local: { down: boolean; evidence: string[] };
  /** The provider stack of each site, by site name (for the state file). */
  stacks: Record<string, SiteProvider[]>;
}

export function attribute(
  config: Pick<Config, 'sites' | 'resolvers'>,
  dns: DnsAnswer[],
  attempts: Attempt[],
  catalog: Catalog,
  options: AttributionOptions,
  remembered: Record<string, SiteProvider[]> = {},
): Attribution {
  const facts: SiteFacts[] = siteReports(config.sites, dns, attempts).map((report) => {
    const { attempts: classified, stack } = classifySite(report.dns, report.attempts, config.resolvers, catalog, remembered[report.name]);
    const { status, reason } = siteStatus(classified);
    return { report: { ...report, attempts: classified, status, reason, providers: stack.providers }, stack };
  });
  const local = localNetworkDown(facts, dns);
  const incidents = local.down
    ? []
    : [...resolverIncidents(facts, dns, config.resolvers, options), ...authoritativeDnsIncidents(facts, options), ...providerIncidents(facts, options)];
  const sites = facts.map((f) => ({ ...f.report, blame: siteBlame(f.report, incidents, local.down) }));
  return { sites, incidents, local, stacks: Object.fromEntries(facts.map((f) => [f.report.name, f.stack.providers])) };
}
