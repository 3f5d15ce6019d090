// NDJSON is a contract: every attempt line says exactly what the JSON report says about that attempt, because
// both render the one classification. Checked on every drill (endpoint sites, locations, remembered nothing),
// and with --samples, where lines are written only after the site's resamples.

import { describe, expect, it } from 'vitest';
import { probeAndReport } from '../../src/commands/check.js';
import { loadConfigFile } from '../../src/config/load.js';
import { loadScenarios } from '../../src/lab/scenario.js';
import { startWorld } from '../../src/lab/world.js';
import { attemptJson } from '../../src/report/json.js';
import { captureIo } from './support.js';

const scenarios = loadScenarios();

async function linesAndReport(name: string, samples: number) {
  const world = await startWorld(scenarios.find((s) => s.name === name)!);
  try {
    const config = loadConfigFile(world.configPath);
    const io = captureIo();
    const report = await probeAndReport({ ...config, attribution: { ...config.attribution, samples, intervalMs: 50 } }, { format: 'ndjson' }, io);
    const lines = io
      .out()
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    return { lines, report };
  } finally {
    await world.close();
  }
}

describe.each(scenarios.map((s) => [s.name] as const))('drill %s', (name) => {
  it('streams one attempt line per attempt of the JSON report, equal field by field', async () => {
    const { lines, report } = await linesAndReport(name, 1);
    const reported = report.sites.flatMap((s) => s.attempts.map((a) => JSON.parse(JSON.stringify(attemptJson(a))) as Record<string, unknown>));
    const streamed = lines.map(({ type, schema, ...attempt }) => {
      expect([type, schema]).toEqual(['attempt', 'outage-probe.attempt/v1']);
      return attempt;
    });
    const byId = (xs: Record<string, unknown>[]) => [...xs].sort((a, b) => String(a.id).localeCompare(String(b.id)));
    expect(byId(streamed)).toEqual(byId(reported));
  });
});

describe('with --samples', () => {
  it('the lines carry the samples the report carries', async () => {
    const { lines, report } = await linesAndReport('cloudflare-2025-11-18', 2);
    const sampled = report.sites.flatMap((s) => s.attempts).filter((a) => a.samples !== null);
    expect(sampled.length).toBeGreaterThan(0);
    for (const a of sampled) expect(lines.find((l) => l.id === a.id)!.samples).toEqual(a.samples);
  });
});
