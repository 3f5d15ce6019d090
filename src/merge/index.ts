// `merge`: several vantage points' finished reports → one view of which incidents are global, regional or one
// vantage's own. Pure: no probing, only the reports' records (their classified attempts have already become
// each vantage's incidents, whose ids are stable: "provider:Cloudflare:edge" is the same claim everywhere).
//
// merge/ never imports config/, plan/, probe/, classify/, correlate/, report/, state/, notify/, status/, lab/ or commands/.

import type { Acknowledgement, Incident, Report } from '../model.js';
import { EXIT } from '../exit-codes.js';
import { plural } from '../util/text.js';
import { latestPerVantage } from './runs.js';
import { spreadOf, vantageImpairment } from './spread.js';
import {
  MERGED_SCHEMA,
  type MergedIncident,
  type MergedObservation,
  type MergedReport,
  type MergedSite,
  type MergedVantage,
  type Spread,
  type VantageRun,
} from './types.js';

export interface MergeOptions {
  /** Where the merge runs (--vantage, default the host name). */
  vantage: string;
  /** The merging tool's version. */
  version: string;
  now: Date;
}

/** The id of the incident the merge gives a vantage whose own network is down. */
export const LOCAL_INCIDENT_ID = 'local:-:local';

const SPREAD_ORDER: Record<Spread, number> = { global: 0, regional: 1, 'vantage-local': 2 };

export function mergeReports(inputs: VantageRun[], options: MergeOptions): MergedReport {
  const { runs, warnings } = latestPerVantage(inputs);
  const vantages = runs.map(vantageOf);
  const healthy = vantages.filter((v) => v.impaired === null).map((v) => v.name);
  const incidents = mergeIncidents(runs, vantages, healthy);
  const sites = mergeSites(runs);
  const notes = [
    ...warnings,
    ...vantages.filter((v) => !v.complete).map((v) => `vantage ${v.name}: its run was cut short (complete: false); unfinished attempts count as timeouts there`),
    ...(runs.length > 0 && healthy.length < 2
      ? [`only ${plural(healthy.length, 'healthy vantage')} of ${runs.length}: global and regional compare too few vantage points to mean much`]
      : []),
  ];
  return {
    schema: MERGED_SCHEMA,
    tool: { name: 'outage-probe', version: options.version },
    startedAt: options.now.toISOString(),
    vantage: options.vantage,
    vantages,
    ...mergedVerdict(vantages, incidents, sites),
    incidents,
    sites,
    warnings: notes,
  };
}

function vantageOf(run: VantageRun): MergedVantage {
  const r = run.report;
  return {
    name: r.vantage,
    file: run.file,
    startedAt: r.startedAt,
    durationMs: r.durationMs,
    tool: r.tool,
    verdict: r.verdict,
    summary: r.summary,
    exitCode: r.exitCode,
    complete: r.complete,
    impaired: vantageImpairment(r),
  };
}

// ───────────────────────────── incidents ─────────────────────────────

interface Seen {
  vantage: MergedVantage;
  incident: Incident;
  counted: boolean;
}

function mergeIncidents(runs: VantageRun[], vantages: MergedVantage[], healthy: string[]): MergedIncident[] {
  const byId = new Map<string, Seen[]>();
  runs.forEach((run, i) => {
    const vantage = vantages[i]!;
    const own = run.report.verdict === 'local-network' ? [...run.report.incidents, localIncident(run.report)] : run.report.incidents;
    for (const incident of own) {
      const counted = vantage.impaired === null && incident.controls.length > 0;
      const seen = byId.get(incident.id);
      if (seen) seen.push({ vantage, incident, counted });
      else byId.set(incident.id, [{ vantage, incident, counted }]);
    }
  });
  return [...byId.values()]
    .map((seen) => mergeIncident(seen, healthy))
    .sort(
      (a, b) =>
        SPREAD_ORDER[a.spread] - SPREAD_ORDER[b.spread] ||
        b.vantages.length - a.vantages.length ||
        b.sites.length - a.sites.length ||
        b.confidence - a.confidence,
    );
}

/** What check says of a vantage whose network is down, as an incident record of the merge. */
function localIncident(report: Report): Incident {
  const failing = report.sites.filter((s) => s.status !== 'ok').map((s) => s.name);
  return {
    id: LOCAL_INCIDENT_ID,
    kind: 'provider', // replaced by `local` in mergeIncident
    provider: null,
    layer: 'local',
    sites: failing,
    probed: report.sites.length,
    controls: [],
    scope: failing.length === report.sites.length ? 'full' : 'partial',
    locations: [],
    healthyLocations: [],
    acknowledged: null,
    // As check's own blame of a site on a host whose network is down.
    confidence: 0.9,
    summary: report.summary,
    evidence: [],
    change: null,
    since: null,
  };
}

function mergeIncident(seen: Seen[], healthy: string[]): MergedIncident {
  const counting = seen.filter((s) => s.counted);
  const spread = spreadOf(counting.length, healthy.length);
  // The combined fields come from the observations that count (all of them when none does).
  const basis = counting.length > 0 ? counting : seen;
  const first = basis[0]!.incident;
  const seenFrom = new Set(seen.map((s) => s.vantage.name));
  const vantages = basis.map((s) => s.vantage.name);
  const locations = union(basis.map((s) => s.incident.locations ?? []));
  const local = first.id === LOCAL_INCIDENT_ID;
  const merged: Omit<MergedIncident, 'summary'> = {
    id: first.id,
    kind: local ? 'local' : first.kind,
    provider: first.provider,
    layer: first.layer,
    ...(first.resolver !== undefined ? { resolver: first.resolver } : {}),
    sites: union(basis.map((s) => s.incident.sites)),
    probed: Math.max(...basis.map((s) => s.incident.probed ?? 0)),
    controls: union(basis.map((s) => s.incident.controls)),
    scope: sameOr(basis.map((s) => s.incident.scope ?? 'partial'), 'partial'),
    locations,
    healthyLocations: union(basis.map((s) => s.incident.healthyLocations ?? [])).filter((l) => !locations.includes(l)),
    acknowledged: strongestAcknowledgement(seen.map((s) => s.incident.acknowledged ?? null)),
    confidence: Math.max(...basis.map((s) => s.incident.confidence)),
    evidence: seen.map(evidenceLine),
    change: sameOr(basis.map((s) => s.incident.change ?? null), null),
    since: earliest(basis.map((s) => s.incident.since ?? null)),
    spread,
    vantages,
    notSeenFrom: healthy.filter((name) => !seenFrom.has(name)),
    alsoReportedBy: counting.length > 0 ? seen.filter((s) => !s.counted).map((s) => s.vantage.name) : [],
    observations: seen.map(observation),
  };
  return { ...merged, summary: incidentSummary(merged, healthy.length) };
}

function observation(s: Seen): MergedObservation {
  return {
    vantage: s.vantage.name,
    counted: s.counted,
    sites: s.incident.sites,
    confidence: s.incident.confidence,
    scope: s.incident.scope ?? 'partial',
    summary: s.incident.summary,
  };
}

function evidenceLine(s: Seen): string {
  const why = s.vantage.impaired ?? (s.counted ? null : 'no healthy control was seen with it there');
  return `${s.vantage.name}${why ? ` (not counted: ${why})` : ''}: ${s.incident.summary}`;
}

/** "Cloudflare edge incident", "Quad9 resolver q9 incident", "vantage c's own network". */
export function incidentLabel(incident: Pick<MergedIncident, 'kind' | 'provider' | 'layer' | 'resolver' | 'vantages'>): string {
  if (incident.kind === 'local') return `local network down at ${incident.vantages.join(', ')}`;
  const who = incident.provider ?? 'an unattributed';
  if (incident.kind === 'resolver') return `${who} resolver${incident.resolver ? ` ${incident.resolver}` : ''} incident`;
  if (incident.kind === 'authoritative-dns') return `${who} authoritative DNS incident`;
  return `${who} ${incident.layer} incident`;
}

function incidentSummary(i: Omit<MergedIncident, 'summary'>, healthy: number): string {
  const label = incidentLabel(i);
  const names = i.vantages.join(', ');
  const sites = `${plural(i.sites.length, 'site')} failing`;
  const also = i.alsoReportedBy.length > 0 ? `; also reported by ${i.alsoReportedBy.join(', ')} (not counted)` : '';
  switch (i.spread) {
    case 'global': {
      const all = i.vantages.length === healthy;
      return `${label}, global: seen from ${all ? (healthy === 1 ? 'the only healthy vantage' : `every healthy vantage`) : `${i.vantages.length} of ${healthy} healthy vantages`} (${names}); ${sites}${also} (confidence ${i.confidence})`;
    }
    case 'regional':
      return `${label}, regional: seen from ${names} but not from ${i.notSeenFrom.join(', ')}; ${sites}${also} (confidence ${i.confidence})`;
    default:
      return i.kind === 'local'
        ? `${capitalise(label)}, vantage-local: its own network is down; nothing there is blamed on a provider`
        : `${label}, vantage-local: only ${names} report${i.vantages.length === 1 ? 's' : ''} it, and ${i.vantages.length === 1 ? 'its' : 'their'} own controls fail too; ${sites} there`;
  }
}

function union(lists: string[][]): string[] {
  return [...new Set(lists.flat())];
}

function sameOr<T>(values: T[], fallback: T): T {
  return values.every((v) => v === values[0]) && values.length > 0 ? values[0]! : fallback;
}

function earliest(values: Array<string | null>): string | null {
  const dates = values.filter((v): v is string => v !== null && Number.isFinite(Date.parse(v)));
  return dates.length === 0 ? null : dates.reduce((a, b) => (Date.parse(b) < Date.parse(a) ? b : a));
}

/** Status pages speak for the provider, wherever asked from: an acknowledgement beats "all operational" beats unknown. */
function strongestAcknowledgement(values: Array<Acknowledgement | null>): Acknowledgement | null {
  const rank = (a: Acknowledgement | null) => (a === null ? 0 : a === false ? 2 : 'by' in a ? 3 : 1);
  return values.reduce<Acknowledgement | null>((best, a) => (rank(a) > rank(best) ? a : best), null);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// ───────────────────────────── sites ─────────────────────────────

function mergeSites(runs: VantageRun[]): MergedSite[] {
  const sites = new Map<string, MergedSite>();
  for (const run of runs) {
    for (const s of run.report.sites) {
      const site = sites.get(s.name) ?? { name: s.name, url: s.url, host: s.host, failingFrom: [], byVantage: [] };
      site.byVantage.push({ vantage: run.report.vantage, status: s.status, reason: s.reason ?? null, blame: s.blame ?? null });
      if (s.status !== 'ok') site.failingFrom.push(run.report.vantage);
      sites.set(s.name, site);
    }
  }
  return [...sites.values()];
}

// ───────────────────────────── verdict ─────────────────────────────

/** check's exit codes, read across vantages: 3 only when every vantage's own network is down. */
export function mergedVerdict(
  vantages: MergedVantage[],
  incidents: MergedIncident[],
  sites: MergedSite[],
): Pick<MergedReport, 'verdict' | 'summary' | 'exitCode'> {
  const shared = incidents.filter((i) => i.spread !== 'vantage-local');
  const local = incidents.filter((i) => i.spread === 'vantage-local');
  if (vantages.length > 0 && vantages.every((v) => v.verdict === 'local-network')) {
    return {
      verdict: 'local-network',
      summary: `Every vantage's own network is down (${vantages.map((v) => v.name).join(', ')}); no provider is blamed`,
      exitCode: EXIT.localNetwork,
    };
  }
  if (shared.length > 0) {
    const counts = (['global', 'regional'] as const)
      .map((spread) => [spread, shared.filter((i) => i.spread === spread).length] as const)
      .filter(([, n]) => n > 0)
      .map(([spread, n]) => `${n} ${spread}`);
    const more = shared.length > 1 || local.length > 0 ? ` (${[...counts, ...(local.length > 0 ? [`${local.length} vantage-local`] : [])].join(', ')})` : '';
    return { verdict: 'provider-incident', summary: `${shared[0]!.summary}${more}`, exitCode: EXIT.providerIncident };
  }
  const healthy = new Set(vantages.filter((v) => v.impaired === null).map((v) => v.name));
  const failing = sites.filter((s) => s.failingFrom.some((v) => healthy.has(v)));
  const impaired = vantages.filter((v) => v.impaired !== null);
  if (failing.length > 0 || impaired.length > 0) {
    const shown = failing.slice(0, 4).map((s) => `${s.name} from ${s.failingFrom.filter((v) => healthy.has(v)).join(', ')}`);
    const parts = [
      ...(failing.length > 0 ? [`${plural(failing.length, 'site')} failing (${shown.join('; ')}${failing.length > 4 ? ` +${failing.length - 4}` : ''})`] : []),
      ...impaired.map((v) => `vantage ${v.name} impaired: ${v.impaired}`),
    ];
    return { verdict: 'site-failures', summary: `${capitalise(parts.join('; '))}; no incident shared across vantages`, exitCode: EXIT.siteFailures };
  }
  return { verdict: 'ok', summary: `All ${plural(sites.length, 'site')} ok from ${plural(vantages.length, 'vantage')}`, exitCode: EXIT.ok };
}
