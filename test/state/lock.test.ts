import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireLock, pidAlive, staleness, type HeldLock, type LockResult } from '../../src/state/lock.js';
import { startScript, transpiled, until } from './child.js';

const dirs: string[] = [];
function lockPath(): string {
  const dir = mkdtempSync(join(tmpdir(), 'outage-probe-lock-'));
  dirs.push(dir);
  return join(dir, 'state.json.lock');
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function held(result: LockResult): HeldLock {
  if (!('release' in result)) throw new Error(`expected the lock, got ${JSON.stringify(result)}`);
  return result;
}

/** A pid that certainly existed and is certainly gone: a child we started, killed and reaped. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const pid = child.pid!;
  child.kill('SIGKILL');
  await exited;
  return pid;
}

describe('acquireLock', () => {
  it('creates the lock file with pid, hostname and startedAt, and release removes it', async () => {
    const file = lockPath();
    const lock = held(await acquireLock(file, { waitMs: 0 }));
    const holder = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; hostname: string; startedAt: string };
    expect(holder).toMatchObject({ pid: process.pid, hostname: hostname() });
    expect(Date.now() - Date.parse(holder.startedAt)).toBeLessThan(5000);
    lock.release();
    expect(existsSync(file)).toBe(false);
    lock.release(); // twice is harmless
  });

  it('two attempts at once: exactly one gets the lock, the other is busy at once with a clear message', async () => {
    const file = lockPath();
    const started = performance.now();
    const [a, b] = await Promise.all([acquireLock(file, { waitMs: 0 }), acquireLock(file, { waitMs: 0 })]);
    expect(performance.now() - started).toBeLessThan(500);
    const results = [a, b];
    const winners = results.filter((r) => 'release' in r) as HeldLock[];
    const losers = results.filter((r) => 'busy' in r) as { busy: string }[];
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    expect(losers[0]!.busy).toContain(`another outage-probe run holds ${file} (pid ${process.pid} on ${hostname()}`);
    expect(losers[0]!.busy).toContain('use --wait SECONDS');
    winners[0]!.release();
  });

  it('--wait: waits for the holder to release, then takes the lock', async () => {
    const file = lockPath();
    const first = held(await acquireLock(file, { waitMs: 0 }));
    const started = performance.now();
    setTimeout(() => first.release(), 300);
    const second = held(await acquireLock(file, { waitMs: 3000, pollMs: 25 }));
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(280);
    expect(waited).toBeLessThan(1500);
    second.release();
  });

  it('--wait: gives up busy when the wait runs out', async () => {
    const file = lockPath();
    const first = held(await acquireLock(file, { waitMs: 0 }));
    const started = performance.now();
    const second = await acquireLock(file, { waitMs: 300, pollMs: 50 });
    const waited = performance.now() - started;
    expect(second).toEqual({ busy: expect.stringContaining('waited 300ms') });
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(1000);
    first.release();
  });

  it('stops waiting when the run is interrupted', async () => {
    const file = lockPath();
    const first = held(await acquireLock(file, { waitMs: 0 }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const second = await acquireLock(file, { waitMs: 10_000, pollMs: 5000, signal: controller.signal });
    expect(second).toEqual({ busy: expect.stringContaining('interrupted') });
    expect(performance.now() - started).toBeLessThan(1000);
    first.release();
  });

  it('takes over a lock left by a killed run (its pid is gone on this host)', async () => {
    const file = lockPath();
    const pid = await deadPid();
    expect(pidAlive(pid)).toBe(false);
    writeFileSync(file, JSON.stringify({ pid, hostname: hostname(), startedAt: new Date().toISOString() }));
    const lock = held(await acquireLock(file, { waitMs: 0 }));
    expect(JSON.parse(readFileSync(file, 'utf8')).pid).toBe(process.pid);
    lock.release();
    expect(existsSync(file)).toBe(false);
  });

  it('takes over a lock older than maxAgeMs even when its pid lives (a hung run, or another host)', async () => {
    const file = lockPath();
    const old = new Date(Date.now() - 2 * 3600_000).toISOString();
    writeFileSync(file, JSON.stringify({ pid: process.pid, hostname: 'elsewhere', startedAt: old }));
    const lock = held(await acquireLock(file, { waitMs: 0, maxAgeMs: 3600_000 }));
    lock.release();
  });

  it('respects a live lock from another host, and a fresh unreadable lock (being written)', async () => {
    const file = lockPath();
    writeFileSync(file, JSON.stringify({ pid: 999_999_999, hostname: 'elsewhere', startedAt: new Date().toISOString() }));
    expect(await acquireLock(file, { waitMs: 0 })).toEqual({ busy: expect.stringContaining('on elsewhere') });
    writeFileSync(file, '');
    expect(await acquireLock(file, { waitMs: 0 })).toEqual({ busy: expect.stringContaining('is taking') });
    // the same garbage, 10 s old: its writer died before writing it
    const past = (Date.now() - 10_000) / 1000;
    utimesSync(file, past, past);
    held(await acquireLock(file, { waitMs: 0 })).release();
  });

  it('release does not remove a lock that another run has taken over since', async () => {
    const file = lockPath();
    const lock = held(await acquireLock(file, { waitMs: 0 }));
    const theirs = JSON.stringify({ pid: 1, hostname: 'elsewhere', startedAt: new Date().toISOString(), token: 'theirs' });
    writeFileSync(file, theirs);
    lock.release();
    expect(readFileSync(file, 'utf8')).toBe(theirs);
  });

  it('reports a lock that cannot be created as an error, not as busy', async () => {
    const dir = lockPath(); // a path under a fresh directory…
    writeFileSync(dir, 'a file'); // …that is a file, so the lock's directory cannot exist
    expect(await acquireLock(join(dir, 'state.json.lock'), { waitMs: 0 })).toEqual({ error: expect.stringMatching(/^cannot write lock file .*: a part of its path is not a directory \((ENOTDIR|EEXIST)\)$/), unwritable: true });
  });
});

describe('staleness', () => {
  const now = Date.parse('2026-11-22T10:00:00.000Z');
  const holder = (over: object = {}) => ({ pid: process.pid, hostname: 'here', startedAt: '2026-11-22T09:59:00.000Z', token: 't', ...over });
  it('judges by pid on this host, by age everywhere', () => {
    expect(staleness({ mtimeMs: now, holder: holder() }, 3600_000, now, 'here')).toBeNull();
    expect(staleness({ mtimeMs: now, holder: holder({ hostname: 'there', pid: 999_999_999 }) }, 3600_000, now, 'here')).toBeNull();
    expect(staleness({ mtimeMs: now, holder: holder({ pid: 999_999_999 }) }, 3600_000, now, 'here')).toBe('pid 999999999 is gone');
    expect(staleness({ mtimeMs: now, holder: holder({ hostname: 'there' }) }, 30_000, now, 'here')).toBe('older than 30.0s');
    expect(staleness({ mtimeMs: now - 1000, holder: null }, 3600_000, now, 'here')).toBeNull();
    expect(staleness({ mtimeMs: now - 6000, holder: null }, 3600_000, now, 'here')).toBe('unreadable');
  });
});

describe('across processes', () => {
  const code = transpiled(['state/lock.ts', 'util/time.ts', 'util/text.ts', 'util/safe-file.ts', 'util/atomic-write.ts']);
  dirs.push(code);

  it('a run that exits without releasing leaves no lock behind', async () => {
    const file = lockPath();
    const child = startScript(code, 'exits', `
import { acquireLock } from './src/state/lock.js';
const lock = await acquireLock(process.argv[2], { waitMs: 0 });
console.log('release' in lock ? 'locked' : JSON.stringify(lock));
process.exit(0);
`, [file]);
    expect(await child.exited).toBe(0);
    expect(child.output()).toContain('locked');
    expect(existsSync(file)).toBe(false);
  });

  it('a run killed with SIGKILL leaves a lock the next run takes over', async () => {
    const file = lockPath();
    const child = startScript(code, 'killed', `
import { acquireLock } from './src/state/lock.js';
const lock = await acquireLock(process.argv[2], { waitMs: 0 });
console.log('release' in lock ? 'locked' : JSON.stringify(lock));
setInterval(() => {}, 1000);
`, [file]);
    await until(() => child.output().includes('locked'), 5000, 'the child to lock');
    expect(await acquireLock(file, { waitMs: 0 })).toEqual({ busy: expect.stringContaining(`pid ${child.pid}`) });
    child.kill('SIGKILL');
    await child.exited;
    expect(existsSync(file)).toBe(true);
    held(await acquireLock(file, { waitMs: 0 })).release();
  });

  it('six processes racing to take over one stale lock: exactly one wins', async () => {
    const file = lockPath();
    writeFileSync(file, JSON.stringify({ pid: await deadPid(), hostname: hostname(), startedAt: new Date().toISOString() }));
    const done = `${file}.done`;
    const goAt = Date.now() + 700;
    // Each racer tries once at the same instant, then holds what it got until every racer has reported.
    const racers = Array.from({ length: 6 }, (_, i) =>
      startScript(code, `racer${i}`, `
import { existsSync } from 'node:fs';
import { tryLock } from './src/state/lock.js';
while (Date.now() < ${goAt}) {}
const result = tryLock(process.argv[2]);
console.log('release' in result ? 'WON' : 'BUSY');
const wait = setInterval(() => { if (existsSync(process.argv[3])) { clearInterval(wait); if ('release' in result) result.release(); } }, 20);
`, [file, done]),
    );
    await until(() => racers.every((r) => /WON|BUSY/.test(r.output())), 10_000, 'every racer to try');
    writeFileSync(done, '');
    await Promise.all(racers.map((r) => r.exited));
    const outcomes = racers.map((r) => r.output().trim());
    expect(outcomes.filter((o) => o === 'WON'), outcomes.join(' ')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'BUSY')).toHaveLength(5);
    expect(existsSync(file)).toBe(false);
  }, 15_000);
});
