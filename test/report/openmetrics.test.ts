import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { escapeLabelValue, renderOpenMetrics } from '../../src/report/openmetrics.js';
import { compareRuns } from '../../src/state/transitions.js';
import { attempt } from '../support/records.js';
import { CLOUDFLARE_STACK, incident, report, siteReport } from '../state/reports.js';

const T0 = '2026-11-22T10:00:00.000Z';

function sampleReport() {
  const hostile = siteReport('we"ird\\site\nname\u001b[31m', 'ok');
  const proxied = siteReport('proxied', 'down', {
    attempts: [
      attempt({ id: 'proxied|proxy|http://127.0.0.1:3128', site: 'proxied', path: 'proxy', address: null, proxy: 'http://127.0.0.1:3128', resolver: null, resolvers: [], outcome: 'timeout', httpStatus: null, timings: { connectMs: 2, tlsMs: null, ttfbMs: null, totalMs: 2000 } }),
      attempt({ id: 'proxied|edge|dns:alpha', site: 'proxied', address: null, resolver: 'alpha', outcome: 'dns-error', httpStatus: null, timings: { connectMs: null, tlsMs: null, ttfbMs: null, totalMs: 0 } }),
    ],
  });
  const r = report(
    [siteReport('shop', 'down'), siteReport('blog', 'degraded', { providers: CLOUDFLARE_STACK }), hostile, proxied],
    [incident('Cloudflare', 'edge', ['shop', 'blog']), incident('Quad9', 'resolver', ['shop'], { id: 'resolver:Quad9:resolver:q9', kind: 'resolver', resolver: 'q9', confidence: 0.7 })],
  );
  return compareRuns(null, r, T0).report;
}

const text = renderOpenMetrics(sampleReport());
const lines = text.trimEnd().split('\n');
const samples = lines.filter((l) => !l.startsWith('#'));
const sample = (name: string, labels: string) => samples.find((l) => l.startsWith(`${name}{`) && l.includes(labels));

describe('renderOpenMetrics', () => {
  it('ends with # EOF, and declares every family with HELP and TYPE gauge before its samples', () => {
    expect(text.endsWith('\n# EOF\n')).toBe(true);
    const families = new Map<string, string[]>();
    let current = '';
    for (const line of lines.slice(0, -1)) {
      const meta = /^# (HELP|TYPE|UNIT) (\S+) ?(.*)$/.exec(line);
      if (meta) {
        if (meta[1] === 'HELP') {
          expect(families.has(meta[2]!), `${meta[2]} declared once`).toBe(false);
          current = meta[2]!;
          families.set(current, []);
        } else {
          expect(meta[2]).toBe(current);
          if (meta[1] === 'TYPE') expect(meta[3]).toBe('gauge');
          if (meta[1] === 'UNIT') expect(current.endsWith(`_${meta[3]}`)).toBe(true);
        }
        continue;
      }
      const name = /^([a-z_]+)\{/.exec(line)![1]!;
      expect(name, 'samples stay with their family').toBe(current);
      families.get(current)!.push(line);
    }
    expect([...families.keys()].every((n) => n.startsWith('outage_probe_'))).toBe(true);
    expect([...families.keys()]).toEqual(expect.arrayContaining([
      'outage_probe_site_up', 'outage_probe_site_status', 'outage_probe_attempt_success', 'outage_probe_attempt_duration_seconds',
      'outage_probe_incident', 'outage_probe_incident_confidence', 'outage_probe_run_duration_seconds', 'outage_probe_run_complete',
      'outage_probe_verdict', 'outage_probe_info',
    ]));
  });

  it('puts a vantage label on every sample, and no label set twice in a family', () => {
    expect(samples.every((l) => l.includes('{vantage="probe-1"'))).toBe(true);
    const keys = samples.map((l) => l.replace(/ [^ ]+$/, ''));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('site up, status stateset and since', () => {
    expect(sample('outage_probe_site_up', 'site="shop"')).toMatch(/ 0$/);
    expect(sample('outage_probe_site_up', 'site="blog"')).toMatch(/ 0$/);
    expect(samples.filter((l) => l.startsWith('outage_probe_site_status{') && l.includes('site="blog"'))).toEqual([
      'outage_probe_site_status{vantage="probe-1",site="blog",status="ok"} 0',
      'outage_probe_site_status{vantage="probe-1",site="blog",status="degraded"} 1',
      'outage_probe_site_status{vantage="probe-1",site="blog",status="down"} 0',
      'outage_probe_site_status{vantage="probe-1",site="blog",status="untested"} 0',
    ]);
    expect(sample('outage_probe_site_status_since_timestamp_seconds', 'site="shop"')).toMatch(/ 1795341600$/);
    expect(sample('outage_probe_verdict', 'verdict="provider-incident"')).toMatch(/ 1$/);
    expect(samples.filter((l) => l.startsWith('outage_probe_verdict{') && l.endsWith(' 1'))).toHaveLength(1);
  });

  it('per-attempt success, status and phase durations in seconds; missing phases are left out', () => {
    expect(sample('outage_probe_attempt_success', 'site="shop",path="edge",address="127.0.0.10",resolver="alpha"')).toMatch(/ 0$/);
    expect(sample('outage_probe_attempt_duration_seconds', 'site="shop",path="edge",address="127.0.0.10",resolver="alpha",location="",phase="ttfb"')).toMatch(/ 0\.005$/);
    expect(sample('outage_probe_attempt_duration_seconds', 'site="proxied",path="proxy",address="http://127.0.0.1:3128",resolver="",location="",phase="total"')).toMatch(/ 2$/);
    expect(sample('outage_probe_attempt_duration_seconds', 'path="proxy",address="http://127.0.0.1:3128",resolver="",location="",phase="tls"')).toBeUndefined();
    expect(sample('outage_probe_attempt_success', 'site="proxied",path="edge",address="",resolver="alpha"')).toMatch(/ 0$/);
    expect(sample('outage_probe_attempt_http_status', 'site="shop"')).toMatch(/ 503$/);
    expect(sample('outage_probe_attempt_http_status', 'site="proxied"')).toBeUndefined();
  });

  it('incident gauges by provider, layer and kind', () => {
    expect(sample('outage_probe_incident', 'id="provider:Cloudflare:edge",kind="provider",provider="Cloudflare",layer="edge",resolver=""')).toMatch(/ 1$/);
    expect(sample('outage_probe_incident_confidence', 'kind="resolver",provider="Quad9",layer="resolver",resolver="q9"')).toMatch(/ 0\.7$/);
    expect(sample('outage_probe_incident_sites', 'provider="Cloudflare"')).toMatch(/ 2$/);
  });

  it('run duration, completeness and info', () => {
    expect(sample('outage_probe_run_duration_seconds', '')).toBe('outage_probe_run_duration_seconds{vantage="probe-1"} 1.234');
    expect(sample('outage_probe_run_complete', '')).toMatch(/ 1$/);
    expect(sample('outage_probe_info', '')).toBe('outage_probe_info{vantage="probe-1",version="0.1.0"} 1');
    expect(renderOpenMetrics({ ...sampleReport(), complete: false })).toContain('outage_probe_run_complete{vantage="probe-1"} 0');
  });

  it('escapes label values (backslash, quote, newline) and strips control characters', () => {
    expect(sample('outage_probe_site_up', 'site="we\\"ird\\\\site name"')).toMatch(/ 1$/);
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
    expect(escapeLabelValue('a\\b"c')).toBe('a\\\\b\\"c');
    expect(escapeLabelValue('x\u0007y\u001b[2Jz')).toBe('xyz');
  });

  it('a report without sites or incidents still renders every family (empty ones with HELP and TYPE only)', () => {
    const empty = renderOpenMetrics(report([]));
    expect(empty).toContain('# TYPE outage_probe_incident gauge\n# HELP outage_probe_incident_confidence');
    expect(empty.endsWith('# EOF\n')).toBe(true);
  });
});

const promtool = spawnSync('promtool', ['--version']).status === 0;
const pythonClient = spawnSync('python3', ['-c', 'import prometheus_client.openmetrics.parser'], { env: { ...process.env, PATH: `/usr/bin:${process.env.PATH}` } }).status === 0;

describe('validated by the Prometheus tools, where installed', () => {
  it.skipIf(!promtool)('promtool check metrics accepts it (Prometheus text format, as the textfile collector parses it)', () => {
    const result = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it.skipIf(!promtool)('promtool rejects broken text (the check is real)', () => {
    const result = spawnSync('promtool', ['check', 'metrics'], { input: 'outage_probe_x{site="a} 1\n', encoding: 'utf8' });
    expect(result.status).not.toBe(0);
  });

  it.skipIf(!pythonClient)('the OpenMetrics reference parser (prometheus_client) accepts it', () => {
    const script = 'import sys\nfrom prometheus_client.openmetrics.parser import text_string_to_metric_families as p\nprint(sum(len(f.samples) for f in p(sys.stdin.read())))';
    const result = spawnSync('python3', ['-c', script], { input: text, encoding: 'utf8', env: { ...process.env, PATH: `/usr/bin:${process.env.PATH}` } });
    expect(result.stderr).toBe('');
    expect(Number(result.stdout.trim())).toBe(samples.length);
  });
});
