// The map's JSON contract: schema/map.schema.json describes every field; a breaking change bumps the version.

import type { Dependency, DependencyLayer, ProviderChange, ServedInfo, SiteStatus } from '../model.js';

export const MAP_SCHEMA = 'outage-probe.map/v1';

export interface MapSite {
  name: string;
  url: string;
  /** The site's status in the run the map was read from (a failing site's stack may be partly unknown). */
  status: SiteStatus;
  stack: Dependency[];
  /** Layers served by exactly one provider: where one provider's failure is this site's failure. */
  singleProvider: DependencyLayer[];
  /** Layers with more than one provider (name servers at two DNS hosts, a CDN per resolver). */
  redundant: DependencyLayer[];
  /** Layers this run learned nothing about (no NS answer, no response): not the same as "none". */
  unknown: DependencyLayer[];
  served: ServedInfo;
}

export interface MapProvider {
  provider: string;
  layer: DependencyLayer;
  identified: boolean;
  /** Every site that depends on it at this layer. */
  sites: string[];
  /** sites / all sites mapped, 0..1. */
  share: number;
  /** The sites for which it is the only provider at this layer. */
  alone: string[];
}

/** If this provider failed: the sites that would go down, and those that would lose a redundant path. */
export interface BlastRadius {
  provider: string;
  /** The layers at which some site depends on it alone. */
  layers: DependencyLayer[];
  down: string[];
  /** down / all sites mapped, 0..1. */
  share: number;
  /** Sites that depend on it but have another provider at that layer. */
  degraded: string[];
  /** down share ≥ the threshold: a single point of failure for the set of sites. */
  spof: boolean;
}

/** A provider's management API (`kind: control-plane`): changes to the sites on that provider go through it. */
export interface MapControlPlane {
  name: string;
  url: string;
  provider: string;
  status: SiteStatus;
  /** The mapped sites that depend on this provider at some layer. */
  sites: string[];
}

export interface SiteMap {
  schema: typeof MAP_SCHEMA;
  tool: { name: 'outage-probe'; version: string };
  /** When the probing run started (the report's startedAt). */
  startedAt: string;
  vantage: string;
  /** probed: this command ran the check; report: read from a saved check report (file). */
  source: { kind: 'probed' | 'report'; file: string | null };
  /** --spof-threshold as a share, 0..1. */
  spofThreshold: number;
  sites: MapSite[];
  /** The config's control planes, each with the sites whose changes go through it; not counted as sites. */
  controlPlanes: MapControlPlane[];
  /** One entry per (provider, layer), most sites first. */
  providers: MapProvider[];
  /** One entry per provider some site depends on alone at a layer that can take it down, largest first. */
  blastRadius: BlastRadius[];
  /** The three largest risks, one sentence each (the table's first lines). */
  risks: string[];
  /** With --state: sites whose DNS host, edge or hosting differs from what the last check --state run saw. */
  providerChanges?: ProviderChange[];
}
