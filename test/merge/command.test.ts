// `merge` as a command, in-process: files and stdin in, the merged report out, exit codes, and each input
// problem as one line on stderr with exit 64.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { runMerge, type MergeCommandOptions } from '../../src/commands/merge.js';
import type { MergedReport } from '../../src/merge/types.js';
import { ndjsonAttemptLine, ndjsonSummaryLine, renderJson } from '../../src/report/json.js';
import type { Report } from '../../src/model.js';
import { captureIo } from '../drill/support.js';
import { cloudflareEdge, vantageReport } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'outage-probe-merge-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const ndjson = (r: Report) => [...r.sites.flatMap((s) => s.attempts.map(ndjsonAttemptLine)), ndjsonSummaryLine(r)].join('');
const eu = file('eu.json', renderJson(vantageReport('eu', { down: ['shop', 'forum'], incidents: [cloudflareEdge()] })));
const us = file('us.ndjson', ndjson(vantageReport('us', { down: ['shop', 'forum'], incidents: [cloudflareEdge()] })));
const ap = renderJson(vantageReport('ap'));

async function merge(inputs: string[], options: Partial<MergeCommandOptions> = {}, stdin = '') {
  const io = { ...captureIo(), stdin: Readable.from([stdin]) };
  const code = await runMerge(inputs, { format: 'json', verbose: false, color: false, ...options }, io);
  return { code, out: io.out(), err: io.err() };
}

describe('outage-probe merge (in-process)', () => {
  it('merges a JSON file, an NDJSON file and stdin; exit 2 for a global incident', async () => {
    const r = await merge([eu, us, '-'], { vantage: 'central' }, ap);
    expect(r.err).toBe('');
    expect(r.code).toBe(2);
    const merged = JSON.parse(r.out) as MergedReport;
    expect(merged.vantage).toBe('central');
    expect(merged.vantages.map((v) => [v.name, v.file])).toEqual([['eu', eu], ['us', us], ['ap', '(stdin)']]);
    expect(merged.incidents.map((i) => [i.id, i.spread, i.vantages])).toEqual([['provider:Cloudflare:edge', 'global', ['eu', 'us']]]);
  });

  it('names the merging host by its host name unless --vantage is given', async () => {
    const r = await merge([eu]);
    expect((JSON.parse(r.out) as MergedReport).vantage).toBe(hostname());
  });

  it('prints warnings on stderr and still merges: the same vantage twice keeps the later run', async () => {
    const later = file('eu-later.json', renderJson(vantageReport('eu', { startedAt: '2026-11-22T10:00:01.000Z' })));
    const r = await merge([eu, later, us]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^outage-probe merge: warning: vantage eu: the runs in .*eu\.json .* overlap in time .*keeping the later one, .*eu-later\.json\n$/);
    const merged = JSON.parse(r.out) as MergedReport;
    expect(merged.warnings).toHaveLength(1);
    expect(merged.incidents.map((i) => [i.spread, i.vantages])).toEqual([['regional', ['us']]]);
  });

  it.each([
    ['a file that is not a report', () => [eu, file('notes.txt', 'remember the milk\n')], /notes\.txt: not JSON or NDJSON/],
    ['a report from a newer outage-probe', () => [eu, file('v2.json', JSON.stringify({ ...JSON.parse(ap), schema: 'outage-probe.report/v2' }))], /v2\.json: made by a newer outage-probe \(schema outage-probe\.report\/v2\)/],
    ['a missing file', () => [eu, join(dir, 'nowhere.json')], /cannot read .*nowhere\.json: no such file/],
    ['a directory', () => [eu, dir], /cannot read .*: is a directory/],
    ['stdin twice', () => [eu, '-', '-'], /stdin \(-\) can be given once/],
    ['no input at all', () => [], /give at least one report file/],
  ])('refuses %s: exit 64, one line naming it, nothing on stdout', async (_what, inputs, message) => {
    const r = await merge(inputs());
    expect(r.code).toBe(64);
    expect(r.out).toBe('');
    expect(r.err).toMatch(message);
    expect(r.err).toMatch(/^outage-probe merge: [^\n]+\n$/);
  });

  it('names stdin (stdin) in its messages', async () => {
    const r = await merge([eu, '-'], {}, 'not a report');
    expect([r.code, r.err]).toEqual([64, 'outage-probe merge: (stdin): not JSON or NDJSON; expected the output of check --json or check --ndjson\n']);
  });

  it('reports every bad input at once', async () => {
    const r = await merge([file('a.txt', 'x'), eu, file('b.json', '{"schema":"outage-probe.merged/v1"}')]);
    expect(r.code).toBe(64);
    expect(r.err.trimEnd().split('\n')).toHaveLength(2);
  });

  it('--output writes the rendered report to a file and nothing to stdout', async () => {
    const out = join(dir, 'metrics', 'merged.prom');
    const r = await merge([eu, us], { format: 'openmetrics', output: out, vantage: 'central' });
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(readFileSync(out, 'utf8')).toMatch(/^outage_probe_merge_info\{vantage="central",version="\d+\.\d+\.\d+[^"]*"\} 1$/m);
  });

  it('writes the table by default, and one NDJSON line with --ndjson', async () => {
    const table = await merge([eu, us], { format: 'table' });
    expect(table.out).toMatch(/^⚠ Cloudflare edge incident, global/);
    const line = await merge([eu, us], { format: 'ndjson' });
    expect(line.out.split('\n')).toHaveLength(2);
    expect((JSON.parse(line.out) as MergedReport).schema).toBe('outage-probe.merged/v1');
  });
});
