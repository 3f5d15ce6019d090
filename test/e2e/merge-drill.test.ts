// A drill with three vantage points: three loopback labs of the same world, probed by the real check pipeline
// under three vantage names, then merged by the built binary. eu sees Cloudflare's edge fail; us sees the same
// and, regionally, Fastly's edge too; ap's own network is down. The merge must call Cloudflare global, Fastly
// regional (us, not eu) and ap vantage-local, and leave nothing listening.
// (The CLI runs need a build: `npm test` builds first; alone, run `npx tsc -p tsconfig.json` before.)

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import type { MergedReport } from '../../src/merge/types.js';
import { loadCheckConfig, probeAndReport } from '../../src/commands/check.js';
import { ndjsonSummaryLine, renderJson } from '../../src/report/json.js';
import { renderOpenMetrics } from '../../src/report/openmetrics.js';
import { loadScenario, type EdgeFault, type Scenario, type ScenarioFaults } from '../../src/lab/scenario.js';
import { startWorld, type World } from '../../src/lab/world.js';
import { TOOL_VERSION } from '../../src/version.js';
import { BIN, runCli, runShell } from '../support/cli.js';
import { makeAjv, reportSchema } from '../support/schema.js';
import { captureIo, leftoverHandles, networkHandles } from '../drill/support.js';

const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const healthy = loadScenario('healthy')!;
const edge5xx: EdgeFault = { fault: 'edge-5xx', flapping: null, selfTest: 'ok' };
// Fastly's own 503 pages do not say whether its edge or the origin failed (its docs: the generic reason can be
// either), so they read `unknown` and make no incident. An edge that takes the request and never answers does
// say it: that is Fastly's edge failing here.
const edgeHangs: EdgeFault = { fault: 'hang', flapping: null, selfTest: 'ok' };

function variant(name: string, faults: Partial<ScenarioFaults>): Scenario {
  return { ...healthy, name, faults: { ...healthy.faults, ...faults } };
}

const VANTAGES = [
  { name: 'eu', scenario: variant('merge-eu', { edges: { cloudflare: edge5xx } }), format: 'json' as const },
  { name: 'us', scenario: variant('merge-us', { edges: { cloudflare: edge5xx, fastly: edgeHangs } }), format: 'json' as const },
  { name: 'ap', scenario: variant('merge-ap', { network: 'down' }), format: 'ndjson' as const },
];

const dir = mkdtempSync(join(tmpdir(), 'outage-probe-merge-drill-'));
const files: string[] = [];
const reports: Report[] = [];
let before: Record<string, number>;

beforeAll(async () => {
  before = networkHandles();
  const worlds: World[] = [];
  try {
    // One after another: each lab picks its own free port on the same loopback addresses.
    for (const v of VANTAGES) worlds.push(await startWorld(v.scenario));
    // Probed one after another too: probe/run.ts closes every cached DoH agent when a run ends, which would cut
    // off the DoH queries of a run still going in the same process.
    const runs: Array<{ report: Report; text: string }> = [];
    for (const [i, v] of VANTAGES.entries()) {
      const options = { format: v.format, resolver: [], verbose: false, color: false, vantage: v.name };
      const config = loadCheckConfig([], { ...options, config: worlds[i]!.configPath });
      const io = captureIo();
      const report = await probeAndReport(config, options, io);
      // Exactly what `check --json` / `check --ndjson` print: NDJSON attempt lines went out during the run.
      runs.push({ report, text: v.format === 'json' ? renderJson(report) : io.out() + ndjsonSummaryLine(report) });
    }
    runs.forEach(({ report, text }, i) => {
      const path = join(dir, `${VANTAGES[i]!.name}.${VANTAGES[i]!.format}`);
      writeFileSync(path, text);
      files.push(path);
      reports.push(report);
    });
  } finally {
    await Promise.all(worlds.map((w) => w.close()));
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('three vantages, merged', () => {
  it('each lab came out as its vantage should see it, and nothing is left listening', async () => {
    expect(reports.map((r) => [r.vantage, r.verdict, r.incidents.map((i) => i.id).sort()])).toEqual([
      ['eu', 'provider-incident', ['provider:Cloudflare:edge']],
      ['us', 'provider-incident', ['provider:Cloudflare:edge', 'provider:Fastly:edge']],
      ['ap', 'local-network', []],
    ]);
    expect(readFileSync(files[2]!, 'utf8').trim().split('\n').length).toBeGreaterThan(1); // attempt lines, then the summary
    expect(await leftoverHandles(before)).toEqual({});
  });

  it("every vantage's report, NDJSON summary and metrics carry its vantage, its run's start time and the tool version", () => {
    for (const [i, report] of reports.entries()) {
      const lines = readFileSync(files[i]!, 'utf8').trim().split('\n');
      const doc = JSON.parse(VANTAGES[i]!.format === 'json' ? lines.join('\n') : lines.at(-1)!) as Report;
      expect([doc.vantage, doc.startedAt, doc.tool.version]).toEqual([VANTAGES[i]!.name, report.startedAt, TOOL_VERSION]);
      const samples = renderOpenMetrics(report).split('\n').filter((l) => l !== '' && !l.startsWith('#'));
      for (const line of samples) expect(line).toMatch(new RegExp(`^outage_probe_[a-z_]+\\{vantage="${VANTAGES[i]!.name}"`));
      expect(samples).toContain(`outage_probe_info{vantage="${VANTAGES[i]!.name}",version="${TOOL_VERSION}"} 1`);
      expect(samples).toContain(`outage_probe_run_timestamp_seconds{vantage="${VANTAGES[i]!.name}"} ${Date.parse(report.startedAt) / 1000}`);
    }
  });

  it('merge --json through the binary: Cloudflare global, Fastly regional (us), ap vantage-local; exit 2', async () => {
    const r = await runCli(['merge', ...files, '--json', '--vantage', 'central'], { timeoutMs: 15_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(2);
    const merged = JSON.parse(r.stdout) as MergedReport;
    const validate = makeAjv().getSchema(reportSchema.$id)!;
    expect(validate(merged), JSON.stringify(validate.errors)).toBe(true);

    expect(merged.incidents.map((i) => [i.id, i.spread, i.vantages, i.notSeenFrom])).toEqual([
      ['provider:Cloudflare:edge', 'global', ['eu', 'us'], []],
      ['provider:Fastly:edge', 'regional', ['us'], ['eu']],
      ['local:-:local', 'vantage-local', ['ap'], ['eu', 'us']],
    ]);
    expect(merged).toMatchObject({ verdict: 'provider-incident', exitCode: 2, vantage: 'central', tool: { version: TOOL_VERSION } });
    expect(merged.vantages.map((v) => [v.name, v.startedAt, v.tool.version, v.verdict, v.impaired === null])).toEqual(
      reports.map((rep) => [rep.vantage, rep.startedAt, TOOL_VERSION, rep.verdict, rep.verdict !== 'local-network']),
    );
    const news = merged.sites.find((s) => s.name === 'news')!;
    expect(news.byVantage.map((v) => [v.vantage, v.status])).toEqual([['eu', 'ok'], ['us', 'down'], ['ap', 'untested']]);
  });

  it('the table names each spread, and the OpenMetrics carry vantage labels and versions (promtool where installed)', async () => {
    const table = await runCli(['merge', ...files], { timeoutMs: 15_000 });
    expect(table.code).toBe(2);
    expect(table.stdout).toMatch(/^⚠ Cloudflare edge incident, global: seen from every healthy vantage \(eu, us\)/);
    expect(table.stdout).toMatch(/Fastly edge incident, regional: seen from us but not from eu/);
    expect(table.stdout).toMatch(/Local network down at ap, vantage-local/);

    const metrics = await runCli(['merge', ...files, '--format', 'openmetrics', '--vantage', 'central'], { timeoutMs: 15_000 });
    expect(metrics.stdout).toContain(`outage_probe_merge_info{vantage="central",version="${TOOL_VERSION}"} 1`);
    expect(metrics.stdout).toContain(`outage_probe_merge_vantage_info{vantage="ap",version="${TOOL_VERSION}"} 1`);
    expect(metrics.stdout).toMatch(/^outage_probe_merge_incident\{vantage="central",id="provider:Fastly:edge",.*spread="regional"\} 1$/m);
    if (has('promtool')) {
      const check = spawnSync('promtool', ['check', 'metrics'], { input: metrics.stdout, encoding: 'utf8' });
      expect(check.status, check.stdout + check.stderr).toBe(0);
    }
  });

  it('reads a report from stdin (-) too', async () => {
    const r = await runShell(`${process.execPath} ${BIN} merge ${files[0]!} - ${files[2]!} --json < ${files[1]!}`, { timeoutMs: 15_000 });
    expect(r.code).toBe(2);
    const merged = JSON.parse(r.stdout) as MergedReport;
    expect(merged.vantages.map((v) => [v.name, v.file])).toEqual([['eu', files[0]], ['us', '(stdin)'], ['ap', files[2]]]);
    expect(merged.incidents[0]!.spread).toBe('global');
  });
});
