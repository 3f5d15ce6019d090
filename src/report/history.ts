// `--append FILE`: one NDJSON line per run, for later analysis (jq, DuckDB, a spreadsheet). The line is small
// (counts and incidents, no attempts); state/history.ts appends it. Its contract: schema/history.schema.json.

import type { Change, IncidentKind, Layer, Report, Verdict } from '../model.js';

export const HISTORY_SCHEMA = 'outage-probe.history/v1';

export interface HistoryLine {
  schema: typeof HISTORY_SCHEMA;
  tool: { name: 'outage-probe'; version: string };
  startedAt: string;
  durationMs: number;
  vantage: string;
  verdict: Verdict;
  exitCode: number;
  complete: boolean;
  counts: { sites: number; ok: number; degraded: number; down: number; untested: number; attempts: number; failedAttempts: number };
  incidents: Array<{ id: string; kind: IncidentKind; provider: string | null; layer: Layer; sites: string[]; confidence: number; change: Change | null }>;
  /** With --state: ids of the incidents of the last run that are over now. */
  resolvedIncidents: string[];
  /** Names of the sites that are not ok, with their status. */
  failing: Array<{ site: string; status: 'degraded' | 'down'; change: Change | null }>;
}

export function historyRecord(report: Report): HistoryLine {
  const count = (status: string) => report.sites.filter((s) => s.status === status).length;
  const attempts = report.sites.flatMap((s) => s.attempts);
  return {
    schema: HISTORY_SCHEMA,
    tool: report.tool,
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    vantage: report.vantage,
    verdict: report.verdict,
    exitCode: report.exitCode,
    complete: report.complete,
    counts: {
      sites: report.sites.length,
      ok: count('ok'),
      degraded: count('degraded'),
      down: count('down'),
      untested: count('untested'),
      attempts: attempts.length,
      failedAttempts: attempts.filter((a) => a.outcome !== 'ok').length,
    },
    incidents: report.incidents.map((i) => ({
      id: i.id,
      kind: i.kind,
      provider: i.provider,
      layer: i.layer,
      sites: i.sites,
      confidence: i.confidence,
      change: i.change,
    })),
    resolvedIncidents: report.resolvedIncidents.map((i) => i.id),
    failing: report.sites
      .filter((s): s is typeof s & { status: 'degraded' | 'down' } => s.status === 'degraded' || s.status === 'down')
      .map((s) => ({ site: s.name, status: s.status, change: s.change })),
  };
}

/** The run as one NDJSON line (with its newline). */
export function historyLine(report: Report): string {
  return `${JSON.stringify(historyRecord(report))}\n`;
}
