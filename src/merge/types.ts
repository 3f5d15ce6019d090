// The records of `outage-probe merge`: several vantage points' reports in, one merged report out.
// The JSON output (schema "outage-probe.merged/v1", $defs/merged in schema/report.schema.json) is a
// serialisation of `MergedReport`; change both together.

import type { Blame, Incident, IncidentKind, Report, SiteStatus, Verdict } from '../model.js';

export const MERGED_SCHEMA = 'outage-probe.merged/v1';

/** One vantage point's run, as read from its report file. */
export interface VantageRun {
  /** Where it was read from: the path given, or "(stdin)". */
  file: string;
  report: Report;
}

/**
 * How far an incident reaches (see merge/spread.ts for the exact rule):
 * `global`: seen from (nearly) every healthy vantage; `regional`: from some, named;
 * `vantage-local`: only from vantages whose own controls fail too.
 */
export type Spread = 'global' | 'regional' | 'vantage-local';

export interface MergedVantage {
  name: string;
  file: string;
  startedAt: string;
  durationMs: number;
  tool: Report['tool'];
  verdict: Verdict;
  summary: string;
  exitCode: number;
  complete: boolean;
  /** Why this vantage's incidents do not count towards global or regional; null when they do. */
  impaired: string | null;
}

/** One vantage's view of one incident. */
export interface MergedObservation {
  vantage: string;
  /** False when the vantage is impaired, or the incident had no controls there. */
  counted: boolean;
  sites: string[];
  confidence: number;
  scope: Incident['scope'];
  summary: string;
}

/**
 * The same incident id across vantages, with the incident fields combined over the observations that count
 * (all of them for vantage-local): sites, controls and locations are unions, confidence the highest, probed the most.
 */
export interface MergedIncident extends Omit<Incident, 'kind' | 'resolver'> {
  /** `local`: a vantage whose own network is down (check's local-network verdict), which check reports without an incident. */
  kind: IncidentKind | 'local';
  resolver?: string;
  spread: Spread;
  /** global and regional: the vantages that see it and count; vantage-local: the vantages that report it. */
  vantages: string[];
  /** Healthy vantages that do not see it. */
  notSeenFrom: string[];
  /** global and regional: impaired vantages that report it too (not counted). */
  alsoReportedBy: string[];
  observations: MergedObservation[];
}

export interface MergedSiteView {
  vantage: string;
  status: SiteStatus;
  reason: string | null;
  blame: Blame | null;
}

export interface MergedSite {
  name: string;
  url: string;
  host: string;
  /** Vantages from which the site is degraded or down. */
  failingFrom: string[];
  /** Its status from each vantage that probed it, in vantage order. */
  byVantage: MergedSiteView[];
}

export interface MergedReport {
  schema: typeof MERGED_SCHEMA;
  tool: Report['tool'];
  /** When the merge ran. */
  startedAt: string;
  /** Where the merge ran (--vantage, default the host name). */
  vantage: string;
  /** The runs merged (one per vantage name), in the order given. */
  vantages: MergedVantage[];
  verdict: Verdict;
  summary: string;
  exitCode: number;
  /** Global first, then regional, then vantage-local. */
  incidents: MergedIncident[];
  /** Every site any vantage probed, in order of first appearance. */
  sites: MergedSite[];
  /** Problems with the inputs that did not stop the merge (a vantage given twice, an old run …). */
  warnings: string[];
}
