import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { historyLine, HISTORY_SCHEMA } from '../../src/report/history.js';
import { appendHistory } from '../../src/state/history.js';
import { compareRuns } from '../../src/state/transitions.js';
import { startScript, transpiled } from '../state/child.js';
import { incident, report, siteReport } from '../state/reports.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'outage-probe-history-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const T0 = '2026-11-22T10:00:00.000Z';

function runs() {
  const first = compareRuns(null, report([siteReport('shop', 'down'), siteReport('blog', 'degraded'), siteReport('ok1')], [incident('Cloudflare', 'edge', ['shop', 'blog'])]), T0);
  const second = compareRuns(first.next, report([siteReport('shop'), siteReport('blog'), siteReport('ok1')], [], { startedAt: '2026-11-22T10:05:00.000Z' }), '2026-11-22T10:05:00.000Z');
  return [first.report, second.report] as const;
}

describe('historyLine', () => {
  it('is one NDJSON line summarising the run', () => {
    const [outage] = runs();
    const line = historyLine(outage);
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      schema: HISTORY_SCHEMA,
      tool: outage!.tool,
      startedAt: T0,
      durationMs: 1234,
      vantage: 'probe-1',
      verdict: 'provider-incident',
      exitCode: 2,
      complete: true,
      counts: { sites: 3, ok: 1, degraded: 1, down: 1, untested: 0, attempts: 3, failedAttempts: 2 },
      incidents: [{ id: 'provider:Cloudflare:edge', kind: 'provider', provider: 'Cloudflare', layer: 'edge', sites: ['shop', 'blog'], confidence: 0.85, change: 'new' }],
      resolvedIncidents: [],
      failing: [
        { site: 'shop', status: 'down', change: 'new' },
        { site: 'blog', status: 'degraded', change: 'new' },
      ],
    });
  });

  it('is valid against schema/history.schema.json, and an untested site is counted, not listed as failing', async () => {
    const { makeAjv } = await import('../support/schema.js');
    const ajv = makeAjv();
    const validate = ajv.compile(JSON.parse(readFileSync(new URL('../../schema/history.schema.json', import.meta.url), 'utf8')) as object);
    const untested = report([siteReport('shop', 'down'), siteReport('far', 'untested')]);
    for (const run of [...runs(), untested]) {
      const line = JSON.parse(historyLine(run)) as unknown;
      expect(validate(line), JSON.stringify(validate.errors)).toBe(true);
    }
    const line = JSON.parse(historyLine(untested)) as { counts: { untested: number }; failing: Array<{ site: string }> };
    expect(line.counts.untested).toBe(1);
    expect(line.failing.map((f) => f.site)).toEqual(['shop']);
    // Closed objects: a drifted field is caught.
    expect(validate({ ...(JSON.parse(historyLine(untested)) as object), extra: 1 })).toBe(false);
  });

  it('records resolved incidents by id', () => {
    const [, recovered] = runs();
    expect(JSON.parse(historyLine(recovered))).toMatchObject({ verdict: 'ok', incidents: [], resolvedIncidents: ['provider:Cloudflare:edge'], failing: [] });
  });
});

describe('appendHistory', () => {
  it('appends one line per run, creating the file and its directory', () => {
    const file = join(tempDir(), 'logs', 'history.ndjson');
    const [outage, recovered] = runs();
    appendHistory(file, outage);
    appendHistory(file, recovered);
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => (JSON.parse(l) as { verdict: string }).verdict)).toEqual(['provider-incident', 'ok']);
  });

  it('lines of runs appending at the same time never interleave', async () => {
    const file = join(tempDir(), 'history.ndjson');
    const code = transpiled(['util/safe-file.ts', 'util/atomic-write.ts', 'util/text.ts']);
    dirs.push(code);
    const writers = 4;
    const perWriter = 150;
    const children = Array.from({ length: writers }, (_, w) =>
      startScript(code, `appender${w}`, `
import { appendToFile } from './src/util/safe-file.js';
for (let i = 0; i < ${perWriter}; i++) {
  appendToFile(process.argv[2], JSON.stringify({ writer: ${w}, i, pad: String.fromCharCode(97 + ${w}).repeat(6000 + i) }) + '\\n', 'history file');
}
`, [file]),
    );
    expect(await Promise.all(children.map((c) => c.exited))).toEqual(Array(writers).fill(0));
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(writers * perWriter);
    const seen = new Map<number, number[]>();
    for (const line of lines) {
      const entry = JSON.parse(line) as { writer: number; i: number; pad: string };
      expect(entry.pad).toBe(String.fromCharCode(97 + entry.writer).repeat(6000 + entry.i));
      seen.set(entry.writer, [...(seen.get(entry.writer) ?? []), entry.i]);
    }
    for (let w = 0; w < writers; w++) expect(seen.get(w)).toEqual(Array.from({ length: perWriter }, (_, i) => i));
  }, 20_000);
});
