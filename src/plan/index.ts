// The plan stage: what to ask and what to fetch, as data. Pure: no I/O, no clocks.
//
// plan/ owns the Plan value and the rules for deduplicating work (one query per resolver, name and type; one
// fetch per site, path and address). Each probe kind plans its own sites, and the pipeline hands those planners in.
//
// plan/ never imports config/, probe/, classify/, correlate/, fingerprint/, report/, state/, notify/, status/, merge/, lab/ or commands/.

import type { Config, DnsQuery, ProbeKindId, ResolverSpec, SiteSpec } from '../model.js';
import type { FetchPlan } from './plan.js';

export * from './plan.js';

/** Everything one site needs before any answer is known. */
export interface SitePlan {
  site: SiteSpec;
  /** The site's own questions, one per (resolver, name, type), shared with any other site asking the same. */
  queries: DnsQuery[];
  /** NS questions that start the walk to the site's zone apex (nextZoneQuery continues it from each answer). */
  zoneQueries: DnsQuery[];
  /** Fetches that need no DNS answer: the origin, each proxy, an IP-literal host. */
  fetches: FetchPlan[];
}

/** How one probe kind plans a site. */
export type SitePlanner = (site: SiteSpec, resolvers: ResolverSpec[]) => SitePlan;

export interface Plan {
  resolvers: ResolverSpec[];
  /** The sites, in config order. */
  sites: readonly SiteSpec[];
  /**
   * One site's plan, made when the site is taken: a 100,000-site run plans nothing up front, and nothing for the
   * sites its deadline overtakes.
   */
  planFor(site: SiteSpec): SitePlan;
}

export function planRun(config: Pick<Config, 'sites' | 'resolvers'>, planners: Record<ProbeKindId, SitePlanner>): Plan {
  return {
    resolvers: config.resolvers,
    sites: config.sites,
    planFor: (site) => planners[site.probe](site, config.resolvers),
  };
}
