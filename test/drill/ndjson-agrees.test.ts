// NDJSON is a contract: every attempt line says exactly what the JSON report says about that attempt, because
// both render the one classification. Checked on every drill (endpoint sites, locations, remembered nothing),
// and with --samples, where lines are written only after the site's resamples. A run that streams its attempts
// keeps no response headers and no certificate names in memory once a line is written (its report carries no
// attempts): the lines' headers are checked against a --json run's report instead.

import { describe, expect, it } from 'vitest';
import { probeAndReport } from '../../src/commands/check.js';
import { loadConfigFile } from '../../src/config/load.js';
import { loadScenarios } from '../../src/lab/scenario.js';
import { startWorld } from '../../src/lab/world.js';
import { attemptJson } from '../../src/report/json.js';
import { captureIo } from './support.js';

const scenarios = loadScenarios();

async function linesAndReport(name: string, samples: number, alsoJson = false) {
  const world = await startWorld(scenarios.find((s) => s.name === name)!);
  try {
    const config = { ...loadConfigFile(world.configPath) };
    const sampled = { ...config, attribution: { ...config.attribution, samples, intervalMs: 50 } };
    const io = captureIo();
    const report = await probeAndReport(sampled, { format: 'ndjson' }, io);
    const lines = io
      .out()
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const jsonReport = alsoJson ? await probeAndReport(sampled, { format: 'json' }, captureIo()) : null;
    return { lines, report, jsonReport };
  } finally {
    await world.close();
  }
}

const byId = (xs: Record<string, unknown>[]) => [...xs].sort((a, b) => String(a.id).localeCompare(String(b.id)));
type Cert = { subjectAltNames: string[] } | null;
const withoutHeaders = ({ headers: _headers, tls, ...rest }: Record<string, unknown>) => ({ ...rest, tls: tls === null ? null : { ...(tls as object), subjectAltNames: '(not kept)' } });

describe.each(scenarios.map((s) => [s.name] as const))('drill %s', (name) => {
  it('streams one attempt line per attempt of the JSON report, equal field by field', async () => {
    const { lines, report } = await linesAndReport(name, 1);
    const reported = report.sites.flatMap((s) => s.attempts.map((a) => JSON.parse(JSON.stringify(attemptJson(a))) as Record<string, unknown>));
    const streamed = lines.map(({ type, schema, ...attempt }) => {
      expect([type, schema]).toEqual(['attempt', 'outage-probe.attempt/v1']);
      return attempt;
    });
    expect(byId(streamed).map(withoutHeaders)).toEqual(byId(reported).map(withoutHeaders));
    // What the streaming run kept in memory: no headers and no certificate names (the lines have them).
    expect(reported.every((a) => Object.keys(a.headers as object).length === 0)).toBe(true);
    for (const line of streamed) if (line.httpStatus !== null) expect(Object.keys(line.headers as object).length).toBeGreaterThan(0);
    expect(reported.every((a) => ((a.tls as Cert)?.subjectAltNames.length ?? 0) === 0)).toBe(true);
    for (const line of streamed.filter((l) => l.tls !== null)) expect((line.tls as Cert)!.subjectAltNames.length).toBeGreaterThan(0);
  });
});

describe('headers', () => {
  it("each line carries the headers the JSON report has for that attempt (a second run: per-response values such as Date and CF-Ray aside)", async () => {
    const { lines, jsonReport } = await linesAndReport('cloudflare-2025-11-18', 1, true);
    // Names, and the values that name who answered: the same in both runs.
    const shape = (headers: unknown) => {
      const h = headers as Record<string, string>;
      return { names: Object.keys(h).sort(), server: h.server ?? null, contentType: h['content-type'] ?? null };
    };
    const reported = new Map(jsonReport!.sites.flatMap((s) => s.attempts).map((a) => [a.id, shape(a.headers)]));
    const answered = lines.filter((l) => l.httpStatus !== null);
    expect(answered.length).toBeGreaterThan(3);
    expect(answered.some((l) => shape(l.headers).server === 'cloudflare')).toBe(true);
    for (const line of answered) expect(shape(line.headers)).toEqual(reported.get(String(line.id)));
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
