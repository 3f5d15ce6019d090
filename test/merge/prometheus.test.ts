// Prometheus as the distributed engine, checked: the shipped alerting rules pass `promtool check rules` and their
// own unit tests (`promtool test rules`) where promtool is installed; the README's multi-region section ships the
// rules file verbatim, its CronJob's script pushes real metrics to a (loopback) Pushgateway, its prometheus.yml
// excerpt passes `promtool check config`, and its three-vantage drill demo merges as it says.

import { execFile, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadScenario } from '../../src/lab/scenario.js';
import { startWorld, type World } from '../../src/lab/world.js';
import { BIN, runShell } from '../support/cli.js';

const exec = promisify(execFile);
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

const EXAMPLES = new URL('../../examples/prometheus/', import.meta.url).pathname;
const RULES_FILE = join(EXAMPLES, 'outage-probe.rules.yml');
const RULES_TEST_FILE = join(EXAMPLES, 'outage-probe.rules.test.yml');
const RULES = readFileSync(RULES_FILE, 'utf8');

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
/** The README's "Several vantage points" section, up to the next second-level heading. */
const SECTION = /^## Several vantage points\n[\s\S]*?(?=^## |(?![\s\S]))/m.exec(README)?.[0] ?? '';
const sectionBlocks = (lang: string) => [...SECTION.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);

describe('the alerting rules file', () => {
  it('alerts on one incident from at least two vantages, confirmed by the next run', () => {
    const rules = (parseYaml(RULES) as { groups: Array<{ rules: Array<Record<string, string>> }> }).groups.flatMap((g) => g.rules);
    const alert = rules.find((r) => r.alert === 'OutageProbeProviderIncident')!;
    expect(alert.expr).toBe('outage_probe:incident_vantages:count >= 2');
    expect(alert.for).toBe('7m');
    const count = rules.find((r) => r.record === 'outage_probe:incident_vantages:count')!;
    expect(count.expr).toMatch(/count by \(id, kind, provider, layer\)/);
    expect(count.expr).toMatch(/and on \(vantage\) changes\(outage_probe_run_timestamp_seconds\[7m\]\) > 0/);
    expect(rules.map((r) => r.alert ?? r.record)).toEqual(['outage_probe:incident_vantages:count', 'OutageProbeProviderIncident', 'OutageProbeVantageOffline', 'OutageProbeVantageStale']);
  });

  it.skipIf(!has('promtool'))('passes promtool check rules', () => {
    const r = spawnSync('promtool', ['check', 'rules', RULES_FILE], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('SUCCESS: 4 rules found');
  });

  it.skipIf(!has('promtool'))('passes its unit tests: two vantages twice page; one run, one vantage, or a stopped vantage do not', () => {
    const r = spawnSync('promtool', ['test', 'rules', RULES_TEST_FILE], { encoding: 'utf8', cwd: EXAMPLES });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('SUCCESS');
  });
});

describe('the README section on several vantage points', () => {
  it('ships the rules file verbatim', () => {
    expect(SECTION, 'README.md has a "## Several vantage points" section').not.toBe('');
    const shipped = sectionBlocks('yaml').filter((b) => b.startsWith('# examples/prometheus/outage-probe.rules.yml'));
    expect(shipped).toEqual([RULES]);
  });

  it.skipIf(!has('promtool'))('its prometheus.yml excerpt passes promtool check config, with the rules next to it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'outage-probe-prometheus-'));
    try {
      const excerpt = sectionBlocks('yaml').find((b) => b.startsWith('# prometheus.yml'))!;
      writeFileSync(join(dir, 'prometheus.yml'), excerpt);
      copyFileSync(RULES_FILE, join(dir, 'outage-probe.rules.yml'));
      const r = spawnSync('promtool', ['check', 'config', join(dir, 'prometheus.yml')], { encoding: 'utf8' });
      expect(r.status, r.stdout + r.stderr).toBe(0);
      expect((parseYaml(excerpt) as { scrape_configs: Array<{ honor_labels: boolean }> }).scrape_configs[0]!.honor_labels).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('its CronJob', () => {
    let world: World;
    let pushgateway: Server;
    let gatewayUrl: string;
    const pushes: Array<{ method: string; url: string; body: string }> = [];
    let dir: string;

    beforeAll(async () => {
      world = await startWorld(loadScenario('cloudflare-2025-11-18')!);
      pushgateway = createServer((req, res) => {
        let body = '';
        req.on('data', (d: Buffer) => (body += d.toString()));
        req.on('end', () => {
          pushes.push({ method: req.method ?? '', url: req.url ?? '', body });
          res.end();
        });
      });
      await new Promise<void>((resolve) => pushgateway.listen(0, '127.0.0.9', resolve));
      gatewayUrl = `http://127.0.0.9:${(pushgateway.address() as AddressInfo).port}`;
      dir = mkdtempSync(join(tmpdir(), 'outage-probe-cronjob-'));
    });
    afterAll(async () => {
      await world?.close();
      await new Promise<void>((resolve) => (pushgateway ? pushgateway.close(() => resolve()) : resolve()));
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    const cronJob = () =>
      sectionBlocks('yaml')
        .map((b) => parseYaml(b) as Record<string, unknown>)
        .find((d) => d && d.kind === 'CronJob') as {
        apiVersion: string;
        spec: {
          schedule: string;
          concurrencyPolicy: string;
          jobTemplate: { spec: { template: { spec: { containers: Array<{ command: string[]; env: Array<{ name: string; value: string }> }> } } } };
        };
      };

    it('is a batch/v1 CronJob every 5 minutes, one vantage per region', () => {
      const job = cronJob();
      expect([job.apiVersion, job.spec.schedule, job.spec.concurrencyPolicy]).toEqual(['batch/v1', '*/5 * * * *', 'Forbid']);
      const container = job.spec.jobTemplate.spec.template.spec.containers[0]!;
      expect(container.env.map((e) => e.name)).toEqual(['VANTAGE', 'PUSHGATEWAY']);
      expect(container.command.slice(0, 2)).toEqual(['sh', '-c']);
    });

    it('runs check and PUTs its metrics to the Pushgateway under the vantage, even when sites fail', async () => {
      const container = cronJob().spec.jobTemplate.spec.template.spec.containers[0]!;
      const script = container
        .command[2]!.replaceAll('npx --yes outage-probe ', `${process.execPath} ${BIN} `)
        .replaceAll('/config/probes.yaml', world.configPath)
        .replaceAll('/tmp/outage_probe.prom', join(dir, 'outage_probe.prom'));
      const vantage = container.env.find((e) => e.name === 'VANTAGE')!.value;
      // Asynchronously: the lab and the Pushgateway live in this process and must keep answering.
      await exec('sh', ['-c', script], { env: { ...process.env, VANTAGE: vantage, PUSHGATEWAY: gatewayUrl } });
      expect(pushes.map((p) => [p.method, p.url])).toEqual([['PUT', `/metrics/job/outage-probe/vantage/${vantage}`]]);
      expect(pushes[0]!.body).toMatch(new RegExp(`^outage_probe_info\\{vantage="${vantage}",version="[^"]+"\\} 1$`, 'm'));
      expect(pushes[0]!.body).toMatch(new RegExp(`^outage_probe_run_timestamp_seconds\\{vantage="${vantage}"\\} \\d+`, 'm'));
      if (has('promtool')) {
        const check = spawnSync('promtool', ['check', 'metrics'], { input: pushes[0]!.body, encoding: 'utf8' });
        expect(check.status, check.stdout + check.stderr).toBe(0);
      }
    });
  });

  it('its three-vantage drill demo merges to a regional Cloudflare incident and an offline vantage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outage-probe-merge-demo-'));
    try {
      const lines = sectionBlocks('sh').flatMap((b) => b.split('\n')).filter((l) => l.startsWith('outage-probe '));
      expect(lines.map((l) => l.split(' ')[1])).toEqual(['drill', 'drill', 'drill', 'merge']);
      const local = (line: string) => line.replace(/^outage-probe /, `${process.execPath} ${BIN} `);
      for (const line of lines.slice(0, 3)) await runShell(local(line), { cwd: dir, timeoutMs: 20_000 });
      const merged = await runShell(`${local(lines[3]!)} --json`, { cwd: dir, timeoutMs: 20_000 });
      expect(merged.code, merged.stderr).toBe(2);
      const report = JSON.parse(merged.stdout) as { incidents: Array<{ id: string; spread: string; vantages: string[] }> };
      expect(report.incidents.map((i) => [i.id, i.spread, i.vantages])).toEqual([
        ['provider:Cloudflare:edge', 'regional', ['eu-west']],
        ['local:-:local', 'vantage-local', ['ap-south']],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
