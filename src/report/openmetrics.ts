// `--format openmetrics`: the report as OpenMetrics text for node_exporter's textfile collector (write it with
// `--output /var/lib/node_exporter/textfile/outage_probe.prom`, atomically). Every metric is a gauge, so the
// text is also valid Prometheus text format 0.0.4, which is what the textfile collector parses: the `# UNIT`
// and `# EOF` lines are comments there. Every sample carries a `vantage` label, so the files of several
// probing hosts can be told apart after aggregation.
//
// Enumerations (a site's status, the verdict) are stateset-style gauges: one sample per possible value,
// 1 for the current one, so `outage_probe_site_status{status="down"} == 1` alerts without regex matching.

import type { Attempt, Report, SiteStatus, Verdict } from '../model.js';
import { stripControl } from '../util/text.js';

const SITE_STATUSES: readonly SiteStatus[] = ['ok', 'degraded', 'down', 'untested'];
const VERDICTS: readonly Verdict[] = ['ok', 'site-failures', 'provider-incident', 'local-network'];
const PHASES = [
  ['connect', 'connectMs'],
  ['tls', 'tlsMs'],
  ['ttfb', 'ttfbMs'],
  ['total', 'totalMs'],
] as const;

export type Labels = Record<string, string>;

/** One metric family: always a gauge here, optionally with a unit. */
export interface Family {
  name: string;
  help: string;
  unit?: 'seconds';
  samples: Array<{ labels: Labels; value: number }>;
}

/** A label value as OpenMetrics wants it: control characters stripped, then backslash, quote and newline escaped. */
export function escapeLabelValue(value: string): string {
  return stripControl(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return stripControl(text).replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** Integers as integers, everything else in JavaScript's shortest round-trip form (valid OpenMetrics numbers). */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return String(value);
}

function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}

export function renderFamily(family: Family): string {
  const lines = [`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} gauge`];
  if (family.unit) lines.push(`# UNIT ${family.name} ${family.unit}`);
  for (const { labels, value } of family.samples) {
    const text = Object.entries(labels)
      .map(([k, v]) => `${k}="${escapeLabelValue(v)}"`)
      .join(',');
    lines.push(`${family.name}{${text}} ${formatValue(value)}`);
  }
  return lines.join('\n');
}

/**
 * The target of an attempt for labels: the address fetched, the proxy URL on the proxy path, or "" when
 * no resolver gave an address (then `resolver` tells the attempts apart).
 */
function attemptLabels(vantage: string, attempt: Attempt): Labels {
  return {
    vantage,
    site: attempt.site,
    path: attempt.path,
    address: attempt.address ?? attempt.proxy ?? '',
    resolver: attempt.resolver ?? '',
    // Validated when read (letters, digits, '-', at most 16): safe as a label value.
    location: attempt.location?.code ?? '',
  };
}

export function renderOpenMetrics(report: Report): string {
  const vantage = report.vantage;
  const attempts = report.sites.flatMap((s) => s.attempts);
  const incidentLabels = (i: Report['incidents'][number]): Labels => ({
    vantage,
    id: i.id,
    kind: i.kind,
    provider: i.provider ?? '',
    layer: i.layer,
    resolver: i.resolver ?? '',
  });
  const families: Family[] = [
    {
      name: 'outage_probe_info',
      help: 'Always 1; labels name the outage-probe version and the vantage point.',
      samples: [{ labels: { vantage, version: report.tool.version }, value: 1 }],
    },
    {
      name: 'outage_probe_run_timestamp_seconds',
      help: 'When the run started, in seconds since the Unix epoch (alert when it gets old: the cron job stopped).',
      unit: 'seconds',
      samples: [{ labels: { vantage }, value: seconds(Date.parse(report.startedAt)) }],
    },
    {
      name: 'outage_probe_run_duration_seconds',
      help: 'Wall time of the run.',
      unit: 'seconds',
      samples: [{ labels: { vantage }, value: seconds(report.durationMs) }],
    },
    {
      name: 'outage_probe_run_complete',
      help: '1 when the run finished, 0 when the deadline or a signal cut it short.',
      samples: [{ labels: { vantage }, value: report.complete ? 1 : 0 }],
    },
    {
      name: 'outage_probe_verdict',
      help: 'The run verdict as a stateset: 1 for the current verdict, 0 for the others.',
      samples: VERDICTS.map((verdict) => ({ labels: { vantage, verdict }, value: report.verdict === verdict ? 1 : 0 })),
    },
    {
      name: 'outage_probe_exit_code',
      help: 'The exit code of the run (0 ok, 1 site failures, 2 incident, 3 local network).',
      samples: [{ labels: { vantage }, value: report.exitCode }],
    },
    {
      name: 'outage_probe_site_up',
      help: '1 when every attempt on the site succeeded, 0 when the site is degraded or down.',
      samples: report.sites.map((s) => ({ labels: { vantage, site: s.name }, value: s.status === 'ok' ? 1 : 0 })),
    },
    {
      name: 'outage_probe_site_status',
      help: 'The site status as a stateset (ok, degraded, down): 1 for the current status, 0 for the others.',
      samples: report.sites.flatMap((s) =>
        SITE_STATUSES.map((status) => ({ labels: { vantage, site: s.name, status }, value: s.status === status ? 1 : 0 })),
      ),
    },
    {
      name: 'outage_probe_site_status_since_timestamp_seconds',
      help: 'With --state: since when the site has been ok, or failing, in seconds since the Unix epoch.',
      unit: 'seconds',
      samples: report.sites
        .filter((s) => s.since !== null && Number.isFinite(Date.parse(s.since)))
        .map((s) => ({ labels: { vantage, site: s.name }, value: seconds(Date.parse(s.since!)) })),
    },
    {
      name: 'outage_probe_attempt_success',
      help: '1 when the attempt (one site, path and address) succeeded, else 0.',
      samples: attempts.map((a) => ({ labels: attemptLabels(vantage, a), value: a.outcome === 'ok' ? 1 : 0 })),
    },
    {
      name: 'outage_probe_attempt_http_status',
      help: 'The HTTP status of the final response of the attempt (absent when no response arrived).',
      samples: attempts
        .filter((a) => a.httpStatus !== null)
        .map((a) => ({ labels: attemptLabels(vantage, a), value: a.httpStatus! })),
    },
    {
      name: 'outage_probe_attempt_duration_seconds',
      help: 'Duration of each phase of the attempt: connect and tls (first hop), ttfb (start to first response byte), total.',
      unit: 'seconds',
      samples: attempts.flatMap((a) =>
        PHASES.flatMap(([phase, key]) => {
          const ms = a.timings[key];
          return ms === null ? [] : [{ labels: { ...attemptLabels(vantage, a), phase }, value: seconds(ms) }];
        }),
      ),
    },
    {
      name: 'outage_probe_incident',
      help: '1 for each current incident: a shared provider, resolver or DNS host failing.',
      samples: report.incidents.map((i) => ({ labels: incidentLabels(i), value: 1 })),
    },
    {
      name: 'outage_probe_incident_confidence',
      help: 'Confidence (0 to 1) in each current incident.',
      samples: report.incidents.map((i) => ({ labels: incidentLabels(i), value: i.confidence })),
    },
    {
      name: 'outage_probe_incident_sites',
      help: 'Number of failing sites in each current incident.',
      samples: report.incidents.map((i) => ({ labels: incidentLabels(i), value: i.sites.length })),
    },
    {
      name: 'outage_probe_incident_acknowledged',
      help: "With --status-pages: 1 when the provider's status page acknowledges the incident, 0 when it reports all operational, absent when unknown.",
      samples: report.incidents
        .filter((i) => i.acknowledged === false || (i.acknowledged !== null && 'by' in i.acknowledged))
        .map((i) => ({ labels: incidentLabels(i), value: i.acknowledged === false ? 0 : 1 })),
    },
  ];
  return `${families.map(renderFamily).join('\n')}\n# EOF\n`;
}
