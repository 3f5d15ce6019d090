// Reading a vantage's report for `merge`: the JSON document of `check --json`, or the NDJSON stream of
// `check --ndjson` (attempt lines, then a summary line; several runs appended to one file are several reports).
// Pure: text in, reports or one problem out. Only what the merge reads is checked; other fields pass through.

import type { Attempt, IncidentKind, Report, SiteStatus, Verdict } from '../model.js';
import { plural } from '../util/text.js';

export const READS = { report: 'outage-probe.report/v1', summary: 'outage-probe.summary/v1', attempt: 'outage-probe.attempt/v1' } as const;

export type ReadResult = { reports: Report[]; warnings: string[] } | { problem: string };

type Obj = Record<string, unknown>;

const VERDICTS: readonly Verdict[] = ['ok', 'site-failures', 'provider-incident', 'local-network'];
const STATUSES: readonly SiteStatus[] = ['ok', 'degraded', 'down', 'untested'];
const KINDS: readonly IncidentKind[] = ['provider', 'resolver', 'authoritative-dns'];
const SCHEMA_NAME = /^outage-probe\.([a-z-]+)\/v(\d+)$/;

const isObj = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The reports in one input's text; `file` names it in every message. */
export function readReports(text: string, file: string): ReadResult {
  const trimmed = text.trim();
  if (trimmed === '') return { problem: `${file}: empty; expected the output of check --json or check --ndjson` };
  const whole = parseJson(trimmed);
  if (whole.ok && isObj(whole.value) && whole.value.type !== 'summary' && whole.value.type !== 'attempt') {
    const problem = formatProblem(whole.value, 'report', file);
    if (problem) return { problem };
    const shape = reportShapeProblem(whole.value);
    if (shape) return { problem: `${file}: not a valid outage-probe report: ${shape}` };
    return { reports: [withBodySamples(whole.value as unknown as Report)], warnings: [] };
  }
  if (whole.ok && !isObj(whole.value)) return { problem: `${file}: not an outage-probe report (a JSON ${Array.isArray(whole.value) ? 'array' : typeof whole.value}, not an object)` };
  return readNdjson(trimmed, file);
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/**
 * Whether `value.schema` is the version this merge reads. A newer version gets its own message, and so do the
 * other documents outage-probe writes that are not a vantage's report.
 */
function formatProblem(value: Obj, expected: 'report' | 'summary' | 'attempt', where: string): string | null {
  const schema = value.schema;
  const named = typeof schema === 'string' ? SCHEMA_NAME.exec(schema) : null;
  const wanted = READS[expected];
  if (schema === wanted) return null;
  if (named && named[1] === expected && Number(named[2]) > 1) {
    return `${where}: made by a newer outage-probe (schema ${schema}); this one reads ${wanted}: upgrade outage-probe to merge it`;
  }
  if (named && named[1] === 'merged') return `${where}: is already a merged report (${schema}); merge the vantages' own reports instead`;
  if (named && named[1] === 'history') return `${where}: is a history line (${schema}, from --append), not a report; give the output of check --json or check --ndjson`;
  const what = typeof schema === 'string' ? `schema ${JSON.stringify(schema.slice(0, 60))}` : 'no "schema" field';
  return `${where}: not an outage-probe report (${what}); expected the output of check --json (${READS.report}) or check --ndjson`;
}

// ───────────────────────────── NDJSON ─────────────────────────────

function readNdjson(text: string, file: string): ReadResult {
  const reports: Report[] = [];
  const warnings: string[] = [];
  let pending: Obj[] = [];
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const where = `${file}:${index + 1}`;
    const parsed = parseJson(line);
    if (!parsed.ok || !isObj(parsed.value)) {
      return { problem: index === 0 ? `${file}: not JSON or NDJSON; expected the output of check --json or check --ndjson` : `${where}: not a JSON object` };
    }
    const value = parsed.value;
    if (value.type === 'attempt') {
      const problem = formatProblem(value, 'attempt', where);
      if (problem) return { problem };
      pending.push(value);
      continue;
    }
    const problem = formatProblem(value, 'summary', where);
    if (problem) return { problem };
    const assembled = fromSummary(value, pending, where);
    if ('problem' in assembled) return assembled;
    reports.push(assembled.report);
    warnings.push(...assembled.warnings);
    pending = [];
  }
  if (reports.length === 0) {
    return { problem: `${file}: an NDJSON stream without its summary line (${plural(pending.length, 'attempt line')}; was the run cut off before it ended?)` };
  }
  if (pending.length > 0) warnings.push(`${file}: ignored ${plural(pending.length, 'attempt line')} after the last summary line (a run still being written?)`);
  return { reports, warnings };
}

/** A report again from a summary line and the attempt lines before it. */
function fromSummary(summary: Obj, lines: Obj[], where: string): { report: Report; warnings: string[] } | { problem: string } {
  const { type: _type, schema: _schema, sites, ...rest } = summary;
  if (!Array.isArray(sites)) return { problem: `${where}: not a valid outage-probe summary line: sites is not a list` };
  const attempts = lines.map(({ type: _t, schema: _s, ...attempt }) => ({ bodySample: '', ...attempt }) as unknown as Attempt);
  const warnings: string[] = [];
  const rebuilt = sites.map((site: unknown) => {
    if (!isObj(site)) return site;
    const { attemptCount, ...fields } = site;
    const own = attempts.filter((a) => a.site === fields.name);
    if (typeof attemptCount === 'number' && attemptCount !== own.length) {
      warnings.push(`${where}: site ${String(fields.name)} has ${own.length} of its ${attemptCount} attempt lines`);
    }
    return { ...fields, attempts: own };
  });
  const report = { schema: READS.report, ...rest, sites: rebuilt } as Obj;
  const shape = reportShapeProblem(report);
  if (shape) return { problem: `${where}: not a valid outage-probe summary line: ${shape}` };
  return { report: report as unknown as Report, warnings };
}

function withBodySamples(report: Report): Report {
  // The JSON report leaves body samples out; the in-memory record has one.
  return { ...report, sites: report.sites.map((s) => ({ ...s, attempts: (s.attempts ?? []).map((a) => ({ ...a, bodySample: a.bodySample ?? '' })) })) };
}

// ───────────────────────────── the fields merge reads ─────────────────────────────

function reportShapeProblem(r: Obj): string | null {
  const tool = r.tool;
  if (typeof r.vantage !== 'string' || r.vantage.trim() === '') return 'vantage is not a name';
  if (typeof r.startedAt !== 'string' || !Number.isFinite(Date.parse(r.startedAt))) return 'startedAt is not a date';
  if (typeof r.durationMs !== 'number' || r.durationMs < 0) return 'durationMs is not a duration';
  if (!isObj(tool) || typeof tool.version !== 'string') return 'tool.version is missing';
  if (!VERDICTS.includes(r.verdict as Verdict)) return `verdict ${JSON.stringify(r.verdict)} is not one of ${VERDICTS.join(', ')}`;
  if (typeof r.exitCode !== 'number') return 'exitCode is not a number';
  if (typeof r.complete !== 'boolean') return 'complete is not true or false';
  if (typeof r.summary !== 'string') return 'summary is not text';
  if (!Array.isArray(r.sites)) return 'sites is not a list';
  for (const [i, site] of r.sites.entries()) {
    const problem = siteProblem(site);
    if (problem) return `sites[${i}].${problem}`;
  }
  if (!Array.isArray(r.incidents)) return 'incidents is not a list';
  for (const [i, incident] of r.incidents.entries()) {
    const problem = incidentProblem(incident);
    if (problem) return `incidents[${i}].${problem}`;
  }
  return null;
}

function siteProblem(site: unknown): string | null {
  if (!isObj(site)) return 'is not an object';
  if (typeof site.name !== 'string') return 'name is not text';
  if (typeof site.url !== 'string' || typeof site.host !== 'string') return 'url or host is not text';
  if (!STATUSES.includes(site.status as SiteStatus)) return `status ${JSON.stringify(site.status)} is not one of ${STATUSES.join(', ')}`;
  if (site.attempts !== undefined && !Array.isArray(site.attempts)) return 'attempts is not a list';
  return null;
}

const isTextList = (value: unknown): boolean => Array.isArray(value) && value.every((v) => typeof v === 'string');

function incidentProblem(incident: unknown): string | null {
  if (!isObj(incident)) return 'is not an object';
  if (typeof incident.id !== 'string') return 'id is not text';
  if (!KINDS.includes(incident.kind as IncidentKind)) return `kind ${JSON.stringify(incident.kind)} is not one of ${KINDS.join(', ')}`;
  if (typeof incident.layer !== 'string') return 'layer is not text';
  if (!isTextList(incident.sites) || !isTextList(incident.controls)) return 'sites or controls is not a list of names';
  if (typeof incident.confidence !== 'number' || typeof incident.summary !== 'string') return 'confidence or summary is missing';
  return null;
}

