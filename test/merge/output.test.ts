// The merged report's outputs: JSON and NDJSON against schema/report.schema.json, OpenMetrics (checked by promtool
// where installed), and the table.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { mergeReports } from '../../src/merge/index.js';
import { renderMergedJson, renderMergedNdjson } from '../../src/report/merged-json.js';
import { renderMergedOpenMetrics } from '../../src/report/merged-openmetrics.js';
import { renderMergedTable } from '../../src/report/merged-table.js';
import { renderJson } from '../../src/report/json.js';
import { makeAjv, reportSchema } from '../support/schema.js';
import { cloudflareEdge, fastlyEdge, MERGE_OPTIONS, run, vantageReport } from './support.js';

const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

const merged = mergeReports(
  [
    run('eu', { down: ['shop', 'forum'], incidents: [cloudflareEdge()], version: '0.1.0' }),
    run('us', { down: ['shop', 'forum', 'news', 'chirp'], incidents: [cloudflareEdge(), fastlyEdge()], version: '0.2.0' }),
    run('ap', { verdict: 'local-network', down: ['shop', 'forum', 'news', 'chirp', 'store', 'blog'] }),
    run('ap', { verdict: 'local-network', startedAt: '2026-11-22T09:00:00.000Z', file: 'ap-old.json' }),
  ],
  MERGE_OPTIONS,
);

const ajv = makeAjv();
const problems = (ref: string, value: unknown): string[] => {
  const validate = ajv.getSchema(ref)!;
  return validate(value) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
};

describe('merged JSON', () => {
  it('is a valid outage-probe.merged/v1 document, also through the top-level oneOf', () => {
    const doc = JSON.parse(renderMergedJson(merged)) as unknown;
    expect(problems(`${reportSchema.$id}#/$defs/merged`, doc)).toEqual([]);
    expect(problems(reportSchema.$id, doc)).toEqual([]);
    expect(problems(`${reportSchema.$id}#/$defs/report`, doc)).not.toEqual([]);
  });

  it('still validates check reports through the top-level oneOf (the new shape matches nothing else)', () => {
    expect(problems(reportSchema.$id, JSON.parse(renderJson(vantageReport('eu'))))).toEqual([]);
  });

  it('the schema is closed: an unknown field is an error', () => {
    const doc = { ...(JSON.parse(renderMergedJson(merged)) as object), extra: 1 };
    expect(problems(`${reportSchema.$id}#/$defs/merged`, doc)).toContain(' must NOT have additional properties');
  });

  it('carries the merge vantage, its start time and tool version, and each vantage run with its own', () => {
    const doc = JSON.parse(renderMergedJson(merged)) as typeof merged;
    expect([doc.vantage, doc.startedAt, doc.tool.version]).toEqual(['merger', '2026-11-22T10:05:00.000Z', '9.9.9']);
    expect(doc.vantages.map((v) => [v.name, v.tool.version, v.startedAt, v.file])).toEqual([
      ['eu', '0.1.0', '2026-11-22T10:00:00.000Z', 'eu.json'],
      ['us', '0.2.0', '2026-11-22T10:00:00.000Z', 'us.json'],
      ['ap', '0.1.0', '2026-11-22T10:00:00.000Z', 'ap.json'],
    ]);
  });

  it('--ndjson writes the same document on one line', () => {
    const text = renderMergedNdjson(merged);
    expect(text.endsWith('\n')).toBe(true);
    expect(text.trimEnd().includes('\n')).toBe(false);
    expect(JSON.parse(text)).toEqual(JSON.parse(renderMergedJson(merged)));
    expect(problems(reportSchema.$id, JSON.parse(text))).toEqual([]);
  });
});

describe('merged OpenMetrics', () => {
  const text = renderMergedOpenMetrics(merged);
  const samples = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));

  it('ends with # EOF, and every sample has a vantage label', () => {
    expect(text.endsWith('\n# EOF\n')).toBe(true);
    expect(samples.length).toBeGreaterThan(20);
    for (const line of samples) expect(line).toMatch(/^outage_probe_merge_[a-z_]+\{vantage="[^"]+"/);
  });

  it('names the versions and start times of the merge and of every vantage', () => {
    expect(samples).toContain('outage_probe_merge_info{vantage="merger",version="9.9.9"} 1');
    expect(samples).toContain('outage_probe_merge_vantage_info{vantage="us",version="0.2.0"} 1');
    expect(samples).toContain('outage_probe_merge_vantage_run_timestamp_seconds{vantage="eu"} 1795341600');
    expect(samples).toContain('outage_probe_merge_timestamp_seconds{vantage="merger"} 1795341900');
    expect(samples).toContain('outage_probe_merge_vantage_counted{vantage="ap"} 0');
  });

  it('labels each incident with its spread, and says which vantages see it', () => {
    expect(samples).toContain('outage_probe_merge_incident{vantage="merger",id="provider:Cloudflare:edge",kind="provider",provider="Cloudflare",layer="edge",resolver="",spread="global"} 1');
    expect(samples).toContain('outage_probe_merge_incident_vantages{vantage="merger",id="provider:Fastly:edge",kind="provider",provider="Fastly",layer="edge",resolver="",spread="regional"} 1');
    expect(samples).toContain('outage_probe_merge_incident_seen{vantage="ap",id="local:-:local",kind="local",provider="",layer="local",resolver="",spread="vantage-local"} 0');
    expect(samples).toContain('outage_probe_merge_verdict{vantage="merger",verdict="provider-incident"} 1');
    expect(samples).toContain('outage_probe_merge_site_up{vantage="us",site="news"} 0');
  });

  it.skipIf(!has('promtool'))('passes promtool check metrics', () => {
    const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
  });
});

describe('merged table', () => {
  const text = renderMergedTable(merged, { color: false, verbose: false, width: 100 });

  it('puts the verdict first, then each incident with its spread and vantages', () => {
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^⚠ Cloudflare edge incident, global: seen from every healthy vantage \(eu, us\)/);
    expect(text).toMatch(/Incident Fastly edge incident, regional: seen from us but not from eu/);
    expect(text).toMatch(/Incident Local network down at ap, vantage-local/);
    expect(text).toMatch(/· ap \(not counted: its own network is down \(verdict local-network\)\): Local network problem/);
  });

  it('shows each site per vantage, the vantages with time, version and file, and the warnings', () => {
    expect(text).toMatch(/│ Site +│ eu +│ us +│ ap +│/);
    expect(text).toMatch(/│ news +│ ok +│ down +│ down +│/);
    expect(text).toMatch(/^ {2}us +2026-11-22T10:00:00\.000Z \(2\.00s\) · 0\.2\.0 · provider-incident · us\.json · counted$/m);
    expect(text).toMatch(/^warning vantage ap: an older run in ap-old\.json/m);
    expect(text).not.toContain('\u001b[');
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
  });

  it('with -v, lists the failing sites each vantage saw', () => {
    const verbose = renderMergedTable(merged, { color: false, verbose: true, width: 100 });
    expect(verbose).toMatch(/^ {4}us: news, chirp$/m);
  });

  it('colours only on request', () => {
    expect(renderMergedTable(merged, { color: true, verbose: false, width: 100 })).toContain('\u001b[');
  });
});
