// Every drill scenario, run in-process through the real check pipeline, must come out exactly as its
// file's `expect` block says (incidents' scope, locations and status-page acknowledgement included), and
// leave nothing listening. One run goes through the built binary.
// (The CLI run needs a build: `npm test` builds first; alone, run `npx tsc -p tsconfig.json` before.)

import { describe, expect, it } from 'vitest';
import type { Incident, Report } from '../../src/model.js';
import { incidentKeys, runDrill } from '../../src/commands/drill.js';
import { loadScenarios, SCENARIOS_DIR, type ExpectedIncident } from '../../src/lab/scenario.js';
import { runCli } from '../support/cli.js';
import { captureIo, leftoverHandles, networkHandles, portFree } from './support.js';

const scenarios = loadScenarios();

/** What the report says about the details an expected incident gives, in the expectation's own terms. */
function incidentDetails(expected: ExpectedIncident, incident: Incident | undefined): Partial<Record<keyof ExpectedIncident, unknown>> {
  const ack = incident?.acknowledged;
  return {
    ...(expected.scope !== undefined ? { scope: incident?.scope } : {}),
    ...(expected.locations ? { locations: [...(incident?.locations ?? [])].sort() } : {}),
    ...(expected.healthyLocations ? { healthyLocations: [...(incident?.healthyLocations ?? [])].sort() } : {}),
    ...(expected.acknowledged !== undefined ? { acknowledged: ack === false ? false : typeof ack === 'object' && ack !== null && 'by' in ack ? true : ack } : {}),
  };
}

function expectedDetails(expected: ExpectedIncident): Partial<Record<keyof ExpectedIncident, unknown>> {
  return {
    ...(expected.scope !== undefined ? { scope: expected.scope } : {}),
    ...(expected.locations ? { locations: [...expected.locations].sort() } : {}),
    ...(expected.healthyLocations ? { healthyLocations: [...expected.healthyLocations].sort() } : {}),
    ...(expected.acknowledged !== undefined ? { acknowledged: expected.acknowledged } : {}),
  };
}

describe('the scenario files', () => {
  it('hold at least the scenarios the drill promises, each with a one-line description and a source', () => {
    expect(scenarios.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        'healthy',
        'cloudflare-2025-11-18',
        'cloudflare-dns-2025-07-14',
        'dyn-2016-10-21',
        'local-network-down',
        'origin-down',
        'cloudflare-2020-07-17',
        'aws-2025-10-20',
      ]),
    );
    for (const s of scenarios) {
      expect(s.file.startsWith(SCENARIOS_DIR)).toBe(true);
      expect(s.description).not.toContain('\n');
      expect(s.source.length).toBeGreaterThan(0);
    }
  });
});

describe.each(scenarios.map((s) => [s.name, s] as const))('drill %s', (_name, scenario) => {
  it('comes out as its expect block says, and leaves no socket behind', async () => {
    const before = networkHandles();
    const io = captureIo();
    const code = await runDrill(scenario.name, { format: 'json', resolver: [], verbose: false, color: false }, io);
    const report = JSON.parse(io.out()) as Report;
    const expected = scenario.expect;

    expect({ verdict: report.verdict, exitCode: code }).toEqual({ verdict: expected.verdict, exitCode: expected.exitCode });
    expect(report.exitCode).toBe(expected.exitCode);
    expect(incidentKeys(report.incidents)).toEqual(incidentKeys(expected.incidents));
    for (const status of ['down', 'untested'] as const) {
      const want = expected[status];
      if (want) expect([status, report.sites.filter((s) => s.status === status).map((s) => s.name).sort()]).toEqual([status, [...want].sort()]);
    }
    for (const name of expected.ok ?? []) expect([name, report.sites.find((s) => s.name === name)?.status]).toEqual([name, 'ok']);
    for (const want of expected.incidents) {
      const incident = report.incidents.find((i) => i.provider === want.provider && i.layer === want.layer);
      expect([`${want.provider}/${want.layer}`, incidentDetails(want, incident)]).toEqual([`${want.provider}/${want.layer}`, expectedDetails(want)]);
    }
    expect(report.sites.map((s) => s.name)).toEqual(scenario.sites.filter((s) => s.listed).map((s) => s.name));
    expect(io.err()).toContain(`outage-probe drill: as expected: ${expected.verdict} (exit ${expected.exitCode})`);

    expect(await leftoverHandles(before)).toEqual({});
  });
});

describe("the provider's page against the origin fetched directly", () => {
  const drill = async (name: string) => {
    const io = captureIo();
    await runDrill(name, { format: 'json', resolver: [], verbose: false, color: false }, io);
    return JSON.parse(io.out()) as Report;
  };

  it('origin-firewall: the lone 522 is blamed on the way between Cloudflare and an origin that answers here, not on the origin or Cloudflare', async () => {
    const shop = (await drill('origin-firewall')).sites.find((s) => s.name === 'shop')!;
    expect(shop.attempts.filter((a) => a.path === 'origin').map((a) => a.outcome)).toEqual(['ok']);
    expect(shop.blame).toMatchObject({ layer: 'origin', provider: null, confidence: 0.4 });
    expect(shop.blame!.reason).toMatch(/^Cloudflare answered 522: .*; yet the origin answers when fetched directly from here: what fails lies between Cloudflare and the origin/);
  });

  it('origin-down: an origin that refuses when fetched directly keeps the plain origin blame', async () => {
    const shop = (await drill('origin-down')).sites.find((s) => s.name === 'shop')!;
    expect(shop.blame).toMatchObject({ layer: 'origin', provider: null });
    expect(shop.blame!.reason).not.toMatch(/answers when fetched directly/);
  });

  it('cloudflare-2020-08-30: the incident says the origins answer directly, at three distinct addresses', async () => {
    const incident = (await drill('cloudflare-2020-08-30')).incidents[0]!;
    expect(incident.summary).toMatch(/yet the origins answer when fetched directly from here \(3 distinct addresses\)/);
    expect(incident.sites).toEqual(['shop', 'forum', 'ledger']);
  });
});

describe('two-failures-at-once: one failure does not hide another', () => {
  it('leads with the incident sites are down for, blames news on its origin with Quad9 beside it, and counts sites degraded only by Quad9 as controls', async () => {
    const io = captureIo();
    await runDrill('two-failures-at-once', { format: 'json', resolver: [], verbose: false, color: false }, io);
    const report = JSON.parse(io.out()) as Report;
    expect(report.incidents.map((i) => `${i.provider}/${i.layer}`)).toEqual(['Cloudflare/edge', 'Quad9/resolver']);
    expect(report.summary).toMatch(/^Cloudflare edge incident: /);
    expect(report.incidents[0]!.controls.sort()).toEqual(['blog', 'mag', 'store']);
    const news = report.sites.find((s) => s.name === 'news')!;
    expect(news.blame).toMatchObject({ layer: 'origin', provider: null });
    expect(news.blame!.reason).toMatch(/first byte timeout.*; besides, part of the Quad9 resolver incident$/);
    for (const name of ['mag', 'store', 'blog']) expect(report.sites.find((s) => s.name === name)!.blame).toMatchObject({ layer: 'resolver', provider: 'Quad9' });
    expect(report.summary).toMatch(/\(\+1 more incident\) \(\+1 site down outside them\)$/);
  });

  it('cloudflare-edge-and-api: the failing API the edge incident names in its evidence is not counted as down outside it', async () => {
    const io = captureIo();
    await runDrill('cloudflare-edge-and-api', { format: 'json', resolver: [], verbose: false, color: false }, io);
    const report = JSON.parse(io.out()) as Report;
    expect(report.sites.find((s) => s.kind === 'control-plane')!.status).toBe('down');
    expect(report.incidents[0]!.evidence.join('\n')).toMatch(/its control plane fails too/);
    expect(report.summary).not.toMatch(/down outside/);
  });

  it('the table keeps the count of sites down outside the incidents on the cut headline, and notes news at its origin', async () => {
    const io = captureIo();
    await runDrill('two-failures-at-once', { format: 'table', resolver: [], verbose: false, color: false }, io);
    const lines = io.out().split('\n');
    expect(lines[0]).toMatch(/^⚠ Cloudflare edge incident: /);
    expect(lines[1]).toMatch(/… \(confidence [\d.]+\) \(\+1 more incident\) \(\+1 site down outside them\)$/);
    expect(io.out()).toMatch(/^down news: origin: Fastly answered 503 "first byte timeout"/m);
    expect(io.out()).not.toMatch(/^down news: part of/m);
  });
});

describe('drill through the binary', () => {
  it('runs `drill healthy --json`: exit 0, verdict ok, and the ports it used are free again', async () => {
    const r = await runCli(['drill', 'healthy', '--json'], { timeoutMs: 20_000 });
    expect(r.signal).toBeNull(); // it exited by itself
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.verdict).toBe('ok');
    expect(report.config).toMatch(/outage-probe-lab-healthy-.*\/probes\.yaml$/);
    const port = Number(new URL(report.sites[0]!.url).port);
    expect(port).toBeGreaterThan(0);
    expect(await portFree('127.0.10.1', port)).toBe(true);
    expect(await portFree('127.0.20.1', port)).toBe(true);
    expect(await portFree('127.0.53.1', port, true)).toBe(true);
  });
});
