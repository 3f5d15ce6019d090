import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultStateFile, fileTimestamp, readState, STATE_SCHEMA, writeStateAtomic, type RunState } from '../../src/state/store.js';
import { compareRuns } from '../../src/state/transitions.js';
import { writeFileAtomic } from '../../src/util/atomic-write.js';
import { startScript, transpiled, until } from './child.js';
import { incident, report, siteReport } from './reports.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'outage-probe-state-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const NOW = new Date('2026-11-22T10:15:30.123Z');

function sampleState(): RunState {
  return compareRuns(null, report([siteReport('shop', 'down'), siteReport('blog')], [incident('Cloudflare', 'edge', ['shop'])]), NOW.toISOString()).next;
}

describe('defaultStateFile', () => {
  it('uses $XDG_STATE_HOME when it is absolute, else ~/.local/state', () => {
    expect(defaultStateFile({ XDG_STATE_HOME: '/var/state', HOME: '/home/op' })).toBe('/var/state/outage-probe/state.json');
    expect(defaultStateFile({ HOME: '/home/op' })).toBe('/home/op/.local/state/outage-probe/state.json');
    expect(defaultStateFile({ XDG_STATE_HOME: 'relative/state', HOME: '/home/op' })).toBe('/home/op/.local/state/outage-probe/state.json');
    expect(defaultStateFile({ XDG_STATE_HOME: '', HOME: '/home/op' })).toBe('/home/op/.local/state/outage-probe/state.json');
  });
});

describe('readState and writeStateAtomic', () => {
  it('a missing file is a first run: no state, no warning', () => {
    expect(readState(join(tempDir(), 'state.json'))).toEqual({ state: null, warnings: [] });
  });

  it('round-trips a state, creating the directory, leaving no temp file', () => {
    const dir = tempDir();
    const file = join(dir, 'nested', 'deeper', 'state.json');
    const state = sampleState();
    writeStateAtomic(file, state);
    expect(readState(file)).toEqual({ state, warnings: [] });
    expect(readdirSync(join(dir, 'nested', 'deeper'))).toEqual(['state.json']);
    expect(JSON.parse(readFileSync(file, 'utf8')).schema).toBe(STATE_SCHEMA);
  });

  it.each([
    ['not JSON', '{"schema": "outage-probe.state/v1", "savedAt": ', 'not valid JSON'],
    ['empty', '', 'empty'],
    ['foreign JSON', '{"hello": "world"}', 'not an outage-probe state file'],
    ['a JSON array', '[1, 2]', 'not an outage-probe state file'],
    ['damaged v1', JSON.stringify({ ...sampleState(), sites: { shop: { status: 'sideways', since: 'x', change: null } } }), 'damaged (sites.shop)'],
    ['an older schema', JSON.stringify({ ...sampleState(), schema: 'outage-probe.state/v0' }), 'older schema'],
  ])('%s is moved aside with a warning, and the run starts afresh', (_what, text, why) => {
    const dir = tempDir();
    const file = join(dir, 'state.json');
    writeFileSync(file, text);
    const result = readState(file, NOW);
    const aside = `${file}.corrupt-20261122T101530Z`;
    expect(result).toEqual({ state: null, warnings: [expect.stringContaining(why)] });
    expect((result as { warnings: string[] }).warnings[0]).toContain(`moved aside to ${aside}`);
    expect(existsSync(file)).toBe(false);
    expect(readFileSync(aside, 'utf8')).toBe(text); // kept for a post-mortem
  });

  it('a state file from a newer schema is refused and left untouched', () => {
    const file = join(tempDir(), 'state.json');
    const text = JSON.stringify({ schema: 'outage-probe.state/v2', whatever: true });
    writeFileSync(file, text);
    const result = readState(file, NOW);
    expect(result).toEqual({ refused: expect.stringContaining('newer outage-probe (state schema v2; this version reads v1)') });
    expect(readFileSync(file, 'utf8')).toBe(text);
  });

  it('an unreadable state path is refused, not moved', () => {
    const dir = tempDir();
    const file = join(dir, 'state.json');
    mkdirSync(file); // a directory where the file should be
    expect(readState(file)).toEqual({ refused: expect.stringContaining('EISDIR') });
    expect(existsSync(file)).toBe(true);
  });

  it('fileTimestamp is safe in file names', () => {
    expect(fileTimestamp(NOW)).toBe('20261122T101530Z');
  });
});

describe('writeFileAtomic', () => {
  it('replaces a file and honours the mode', () => {
    const file = join(tempDir(), 'metrics.prom');
    writeFileAtomic(file, 'old\n');
    writeFileAtomic(file, 'new\n', { mode: 0o600 });
    expect(readFileSync(file, 'utf8')).toBe('new\n');
  });

  it('removes temp files orphaned by dead writers, never a live writer\'s', async () => {
    const dir = tempDir();
    const file = join(dir, 'state.json');
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    const gone = new Promise((resolve) => child.on('exit', resolve));
    const deadPid = child.pid!;
    child.kill('SIGKILL');
    await gone;
    writeFileSync(join(dir, `.state.json.${deadPid}.0badc0de.tmp`), '{"half": ');
    writeFileSync(join(dir, `.state.json.${process.pid}.0123abcd.tmp`), 'in progress');
    writeFileSync(join(dir, `.other.json.${deadPid}.0badc0de.tmp`), 'not ours');
    writeFileAtomic(file, '{}');
    expect(readdirSync(dir).sort()).toEqual([`.other.json.${deadPid}.0badc0de.tmp`, `.state.json.${process.pid}.0123abcd.tmp`, 'state.json']);
  });

  it('leaves the target untouched when the write fails', () => {
    const dir = tempDir();
    const file = join(dir, 'state.json');
    writeFileSync(file, 'previous');
    // The directory of the target is a file: creating the temp file fails.
    expect(() => writeFileAtomic(join(file, 'inner.json'), 'x')).toThrow();
    expect(readFileSync(file, 'utf8')).toBe('previous');
  });

  it('a writer killed with SIGKILL in the middle of its write loop leaves the previous state valid', async () => {
    const dir = tempDir();
    const file = join(dir, 'state.json');
    const code = transpiled(['util/atomic-write.ts', 'util/safe-file.ts', 'util/text.ts', 'state/store.ts']);
    dirs.push(code);
    // Big states (a few MB each) so that the kill lands inside a write often.
    const script = `
import { writeStateAtomic } from './src/state/store.js';
const file = process.argv[2];
const filler = 'x'.repeat(4 * 1024 * 1024);
for (let i = 0; ; i++) {
  writeStateAtomic(file, {
    schema: 'outage-probe.state/v1', savedAt: new Date().toISOString(), lastRun: { startedAt: String(i), verdict: 'ok' },
    incidents: {}, sites: {}, stacks: { filler: [{ layer: 'edge', provider: filler, evidence: [] }] },
  });
  process.stdout.write(i + '\\n');
}
`;
    const seen: number[] = [];
    for (let round = 0; round < 6; round++) {
      const child = startScript(code, `writer${round}`, script, [file]);
      const before = child.output().split('\n').filter(Boolean).length;
      await until(() => child.output().split('\n').filter(Boolean).length >= before + 2 + round, 8000, 'a few writes');
      await new Promise((r) => setTimeout(r, 7 * round));
      child.kill('SIGKILL');
      await child.exited;
      const result = readState(file);
      expect(result).toMatchObject({ warnings: [] });
      const state = (result as { state: RunState }).state;
      expect(state.schema).toBe(STATE_SCHEMA);
      seen.push(Number(state.lastRun.startedAt));
    }
    expect(seen.every((n) => Number.isInteger(n))).toBe(true);
    // The killed writers' temp files are cleaned up by the next write.
    writeStateAtomic(file, sampleState());
    expect(readdirSync(dir)).toEqual(['state.json']);
  }, 30_000);
});
