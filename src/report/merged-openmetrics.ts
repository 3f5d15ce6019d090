// `merge --format openmetrics`: the merged report as OpenMetrics text (also valid Prometheus text 0.0.4), every
// family named outage_probe_merge_* so it never collides with check's own metrics in one Prometheus. Every sample
// carries a `vantage` label: the merge's own (--vantage) on what the merge concluded, the probing vantage's on
// what one vantage saw. Enumerations are stateset-style gauges, as in check's output.

import type { Verdict } from '../model.js';
import type { MergedIncident, MergedReport } from '../merge/types.js';
import { renderFamily, type Family, type Labels } from './openmetrics.js';

const VERDICTS: readonly Verdict[] = ['ok', 'site-failures', 'provider-incident', 'local-network'];

const seconds = (iso: string) => Math.round(Date.parse(iso)) / 1000;

function incidentLabels(vantage: string, i: MergedIncident): Labels {
  return { vantage, id: i.id, kind: i.kind, provider: i.provider ?? '', layer: i.layer, resolver: i.resolver ?? '', spread: i.spread };
}

export function renderMergedOpenMetrics(merged: MergedReport): string {
  const self = merged.vantage;
  const families: Family[] = [
    {
      name: 'outage_probe_merge_info',
      help: 'Always 1; labels name the vantage where the merge ran and the outage-probe version that merged.',
      samples: [{ labels: { vantage: self, version: merged.tool.version }, value: 1 }],
    },
    {
      name: 'outage_probe_merge_timestamp_seconds',
      help: 'When the merge ran, in seconds since the Unix epoch.',
      unit: 'seconds',
      samples: [{ labels: { vantage: self }, value: seconds(merged.startedAt) }],
    },
    {
      name: 'outage_probe_merge_verdict',
      help: 'The merged verdict as a stateset: 1 for the current verdict, 0 for the others.',
      samples: VERDICTS.map((verdict) => ({ labels: { vantage: self, verdict }, value: merged.verdict === verdict ? 1 : 0 })),
    },
    {
      name: 'outage_probe_merge_exit_code',
      help: 'The exit code of the merge (0 ok, 1 site failures, 2 global or regional incident, 3 every vantage offline).',
      samples: [{ labels: { vantage: self }, value: merged.exitCode }],
    },
    {
      name: 'outage_probe_merge_vantage_info',
      help: 'Always 1 per vantage merged; labels name the vantage and the outage-probe version that probed from it.',
      samples: merged.vantages.map((v) => ({ labels: { vantage: v.name, version: v.tool.version }, value: 1 })),
    },
    {
      name: 'outage_probe_merge_vantage_run_timestamp_seconds',
      help: "When each merged vantage's run started, in seconds since the Unix epoch.",
      unit: 'seconds',
      samples: merged.vantages.map((v) => ({ labels: { vantage: v.name }, value: seconds(v.startedAt) })),
    },
    {
      name: 'outage_probe_merge_vantage_counted',
      help: "1 when the vantage's incidents count towards global and regional, 0 when it is impaired (its own network or controls fail).",
      samples: merged.vantages.map((v) => ({ labels: { vantage: v.name }, value: v.impaired === null ? 1 : 0 })),
    },
    {
      name: 'outage_probe_merge_vantage_verdict',
      help: "Each vantage's own verdict as a stateset.",
      samples: merged.vantages.flatMap((v) => VERDICTS.map((verdict) => ({ labels: { vantage: v.name, verdict }, value: v.verdict === verdict ? 1 : 0 }))),
    },
    {
      name: 'outage_probe_merge_site_up',
      help: 'Per vantage that probed it: 1 when the site was ok from there, 0 when degraded or down.',
      samples: merged.sites.flatMap((s) => s.byVantage.map((v) => ({ labels: { vantage: v.vantage, site: s.name }, value: v.status === 'ok' ? 1 : 0 }))),
    },
    {
      name: 'outage_probe_merge_incident',
      help: 'One per merged incident, labelled with its spread (global, regional, vantage-local); the value is 1.',
      samples: merged.incidents.map((i) => ({ labels: incidentLabels(self, i), value: 1 })),
    },
    {
      name: 'outage_probe_merge_incident_vantages',
      help: 'How many vantages each merged incident is seen from (counted ones; for vantage-local, the ones reporting it).',
      samples: merged.incidents.map((i) => ({ labels: incidentLabels(self, i), value: i.vantages.length })),
    },
    {
      name: 'outage_probe_merge_incident_seen',
      help: "Per vantage reporting the incident: 1 when that vantage's report counts towards the spread, 0 when it is not counted.",
      samples: merged.incidents.flatMap((i) => i.observations.map((o) => ({ labels: incidentLabels(o.vantage, i), value: o.counted ? 1 : 0 }))),
    },
  ];
  return `${families.map(renderFamily).join('\n')}\n# EOF\n`;
}
