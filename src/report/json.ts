// The JSON contract: `Report` as documented in schema/report.schema.json.
// Body samples stay in memory for fingerprinting; the report carries only their size.

import type { Attempt, Report } from '../model.js';

export type AttemptJson = Omit<Attempt, 'bodySample'>;

export function attemptJson(attempt: Attempt): AttemptJson {
  const { bodySample: _omitted, ...rest } = attempt;
  return rest;
}

export function reportJson(report: Report): unknown {
  return {
    ...report,
    sites: report.sites.map((s) => ({ ...s, attempts: s.attempts.map(attemptJson) })),
  };
}

export function renderJson(report: Report): string {
  return `${JSON.stringify(reportJson(report), null, 2)}\n`;
}

/** NDJSON: one `attempt` line as each attempt completes, then one `summary` line (the report without attempts). */
export function ndjsonAttemptLine(attempt: Attempt): string {
  return `${JSON.stringify({ type: 'attempt', schema: 'outage-probe.attempt/v1', ...attemptJson(attempt) })}\n`;
}

export function ndjsonSummaryLine(report: Report): string {
  const { sites, schema: _reportSchema, ...rest } = report;
  const summary = {
    type: 'summary',
    schema: 'outage-probe.summary/v1',
    ...rest,
    sites: sites.map(({ attempts, ...site }) => ({ ...site, attemptCount: attempts.length })),
  };
  return `${JSON.stringify(summary)}\n`;
}
