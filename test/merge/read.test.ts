// Reading reports for merge: JSON and NDJSON as check writes them (through the real renderers), and every input
// that is not one, each with a message that names the file.

import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { readReports } from '../../src/merge/read.js';
import { ndjsonAttemptLine, ndjsonSummaryLine, renderJson } from '../../src/report/json.js';
import { cloudflareEdge, vantageReport } from './support.js';

const sample = vantageReport('eu', { down: ['shop', 'forum'], incidents: [cloudflareEdge()] });
/** What survives the JSON round trip: body samples are never written. */
const written = { ...sample, sites: sample.sites.map((s) => ({ ...s, attempts: s.attempts.map((a) => ({ ...a, bodySample: '' })) })) };
const ndjson = (r: Report) => [...r.sites.flatMap((s) => s.attempts.map(ndjsonAttemptLine)), ndjsonSummaryLine(r)].join('');

function reports(text: string, file = 'eu.json'): Report[] {
  const read = readReports(text, file);
  if ('problem' in read) throw new Error(read.problem);
  return read.reports;
}

function problem(text: string, file = 'in.json'): string {
  const read = readReports(text, file);
  if (!('problem' in read)) throw new Error('expected a problem');
  return read.problem;
}

describe('readReports', () => {
  it('reads the JSON report of check --json back to the record it was made from', () => {
    const [read] = reports(renderJson(sample));
    expect(read).toEqual(written);
  });

  it('reassembles an NDJSON stream: the summary line plus the attempt lines before it', () => {
    const result = readReports(ndjson(sample), 'eu.ndjson');
    expect(result).toEqual({ reports: [written], warnings: [] });
  });

  it('reads several runs appended to one NDJSON file as several reports', () => {
    const later = vantageReport('eu', { startedAt: '2026-11-22T10:05:00.000Z' });
    const read = reports(ndjson(sample) + ndjson(later), 'eu.ndjson');
    expect(read.map((r) => [r.startedAt, r.sites[0]!.attempts.length])).toEqual([
      ['2026-11-22T10:00:00.000Z', 1],
      ['2026-11-22T10:05:00.000Z', 1],
    ]);
  });

  it('warns about attempt lines missing, or left after the last summary line', () => {
    const lines = ndjson(sample).split('\n');
    const withoutFirstAttempt = lines.slice(1).join('\n');
    const missing = readReports(withoutFirstAttempt, 'eu.ndjson');
    expect('reports' in missing && missing.warnings).toEqual(['eu.ndjson:6: site shop has 0 of its 1 attempt lines']);
    const trailing = readReports(`${ndjson(sample)}${ndjsonAttemptLine(sample.sites[0]!.attempts[0]!)}`, 'eu.ndjson');
    expect('reports' in trailing && trailing.warnings).toEqual(['eu.ndjson: ignored 1 attempt line after the last summary line (a run still being written?)']);
  });

  it('refuses an NDJSON stream without its summary line', () => {
    const attemptsOnly = sample.sites.flatMap((s) => s.attempts.map(ndjsonAttemptLine)).join('');
    expect(problem(attemptsOnly, 'cut.ndjson')).toBe('cut.ndjson: an NDJSON stream without its summary line (6 attempt lines; was the run cut off before it ended?)');
  });

  describe('a report made by a newer outage-probe', () => {
    it('names the file, the schema and what this version reads', () => {
      const v2 = JSON.stringify({ ...JSON.parse(renderJson(sample)), schema: 'outage-probe.report/v2' });
      expect(problem(v2, 'eu.json')).toBe('eu.json: made by a newer outage-probe (schema outage-probe.report/v2); this one reads outage-probe.report/v1: upgrade outage-probe to merge it');
    });

    it('the same for a newer NDJSON summary line, with its line number', () => {
      const text = ndjson(sample).replace('"schema":"outage-probe.summary/v1"', '"schema":"outage-probe.summary/v3"');
      expect(problem(text, 'eu.ndjson')).toMatch(/^eu\.ndjson:7: made by a newer outage-probe \(schema outage-probe\.summary\/v3\)/);
    });
  });

  it.each([
    ['an empty file', '', 'in.json: empty; expected the output of check --json or check --ndjson'],
    ['text', 'hello world\n', 'in.json: not JSON or NDJSON; expected the output of check --json or check --ndjson'],
    ['a JSON array', '[1, 2]', 'in.json: not an outage-probe report (a JSON array, not an object)'],
    ['a JSON object of something else', '{"name": "package", "version": "1.0.0"}', 'in.json: not an outage-probe report (no "schema" field); expected the output of check --json (outage-probe.report/v1) or check --ndjson'],
    ['another schema', '{"schema": "other/v1"}', 'in.json: not an outage-probe report (schema "other/v1"); expected the output of check --json (outage-probe.report/v1) or check --ndjson'],
    ['a merged report', '{"schema": "outage-probe.merged/v1"}', "in.json: is already a merged report (outage-probe.merged/v1); merge the vantages' own reports instead"],
    ['a history line', '{"schema": "outage-probe.history/v1", "vantage": "eu"}', 'in.json: is a history line (outage-probe.history/v1, from --append), not a report; give the output of check --json or check --ndjson'],
  ])('refuses %s with a message naming the file', (_what, text, message) => {
    expect(problem(text)).toBe(message);
  });

  it('refuses a report whose fields merge reads are broken, saying which', () => {
    const json = JSON.parse(renderJson(sample)) as Record<string, unknown>;
    const broken = (patch: Record<string, unknown>) => problem(JSON.stringify({ ...json, ...patch }));
    expect(broken({ vantage: '' })).toBe('in.json: not a valid outage-probe report: vantage is not a name');
    expect(broken({ startedAt: 'yesterday' })).toBe('in.json: not a valid outage-probe report: startedAt is not a date');
    expect(broken({ verdict: 'fine' })).toMatch(/verdict "fine" is not one of ok, site-failures/);
    expect(broken({ sites: [{ name: 'shop', url: 'https://shop.test/', host: 'shop.test', status: 'sideways' }] })).toMatch(/sites\[0\]\.status "sideways"/);
    expect(broken({ incidents: [{ id: 'x', kind: 'provider', layer: 'edge', sites: 'shop' }] })).toMatch(/incidents\[0\]\.sites or controls is not a list of names/);
  });

  it('refuses a broken line in the middle of an NDJSON stream, with its line number', () => {
    const lines = ndjson(sample).split('\n');
    lines.splice(2, 0, '{"type": "attempt", oops');
    expect(problem(lines.join('\n'), 'eu.ndjson')).toBe('eu.ndjson:3: not a JSON object');
  });
});
