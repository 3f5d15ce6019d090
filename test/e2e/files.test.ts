// Nothing lost, nothing written through: files the run cannot write never cost its report, a planted symbolic
// link is refused, a stale lock whose pid was reused is taken over, and a signal while waiting for the lock still
// prints the (empty) partial report. Full and read-only file systems are in test/netns/files.test.ts.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopback, type Loopback } from '../support/loopback.js';
import { BIN, runCli } from '../support/cli.js';
import { expectValidReport } from '../support/schema.js';

let lab: Loopback;
let config: string;

beforeAll(async () => {
  lab = loopback();
  const port = await lab.edges(['127.0.13.1'], ['fine.test'], () => () => ({ kind: 'respond', status: 200, headers: { server: 'nginx' }, body: 'ok' }));
  config = lab.writeFile('files.yaml', `defaults: { timeout: 2s, deadline: 10s }\ntls: { ca: ./ca.pem }\npaths: [origin]\nsites:\n  - { name: fine, url: "https://fine.test:${port}/", origin: "127.0.13.1" }\n`);
});

afterAll(async () => {
  await lab.close();
});

const check = (...args: string[]) => runCli(['check', '--config', config, ...args], { cwd: lab.dir });

describe('files the run cannot write', () => {
  it('--append at a planted symbolic link: refused, the link target untouched, the report printed, exit 74', async () => {
    const victim = `${lab.dir}/victim.txt`;
    writeFileSync(victim, 'root:x:0:0\n');
    symlinkSync(victim, `${lab.dir}/history.ndjson`);
    const r = await check('--json', '--append', `${lab.dir}/history.ndjson`);
    expect(readFileSync(victim, 'utf8')).toBe('root:x:0:0\n');
    expect(r.code).toBe(74);
    expectValidReport(JSON.parse(r.stdout));
    expect(JSON.parse(r.stdout).verdict).toBe('ok');
    expect(r.stderr).toMatch(/^outage-probe: cannot write history file \(--append\) .*history\.ndjson: it is a symbolic link, which outage-probe does not follow \(ELOOP\)$/m);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('--output naming a directory: the report comes on stdout instead, one stderr line, exit 74', async () => {
    mkdirSync(`${lab.dir}/out-dir`);
    const r = await check('--json', '--output', `${lab.dir}/out-dir`);
    expect(r.code).toBe(74);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'ok', exitCode: 0 });
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^outage-probe: cannot write report \(--output\) .*out-dir: it is a directory \(EISDIR\); the report follows on stdout$/)]);
  });

  it('--append under a regular file: one stderr line, the report printed with its verdict', async () => {
    writeFileSync(`${lab.dir}/plain-file`, 'x');
    const r = await check('--json', '--append', `${lab.dir}/plain-file/history.ndjson`);
    expect(r.code).toBe(74);
    expect(JSON.parse(r.stdout).verdict).toBe('ok');
    expect(r.stderr).toMatch(/cannot write history file \(--append\) .*: a part of its path is not a directory \((ENOTDIR|EEXIST)\)/);
  });

  it('--state under a regular file: probing runs without state, the report is printed, exit 74', async () => {
    writeFileSync(`${lab.dir}/not-a-dir`, 'x');
    const r = await check('--json', '--state', `${lab.dir}/not-a-dir/state.json`);
    expect(r.code).toBe(74);
    expect(JSON.parse(r.stdout)).toMatchObject({ verdict: 'ok', state: null });
    expect(r.stderr).toMatch(/cannot write lock file .*not-a-dir\/state\.json\.lock: a part of its path is not a directory/);
    expect(r.stderr).toMatch(/probing without state/);
  });
});

describe('a reader that stops reading', () => {
  it('stdout closed before the report (`| head`): no internal error, exit is the verdict', async () => {
    // A drill's report is larger than what a pipe buffers, so writes after the closed read end fail with EPIPE.
    const child = spawn(process.execPath, [BIN, 'drill', 'healthy', '--json'], { cwd: lab.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).not.toMatch(/internal error|EPIPE/);
    expect(stderr).toMatch(/as expected: ok \(exit 0\)/);
    expect(code).toBe(0);
  });
});

describe('secrets in site URLs', () => {
  it('the table header counts in the singular when there is one ("1 site · 1 resolver · 1 attempt")', async () => {
    const r = await check();
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/ · 1 site · 1 resolver · 1 attempt · /);
  });

  it('userinfo and query values never appear in the table, JSON, NDJSON or metrics', async () => {
    const port = new URL(readFileSync(config, 'utf8').match(/https:\/\/fine\.test:(\d+)\//)![0]).port;
    const secretConfig = lab.writeFile('secret.yaml', `defaults: { timeout: 2s, deadline: 10s }\ntls: { ca: ./ca.pem }\npaths: [origin]\nsites:\n  - { name: fine, url: "https://robot:hunter2@fine.test:${port}/status?token=s3cr3t-t0ken", origin: "127.0.13.1" }\n`);
    for (const format of [['--json'], ['--ndjson'], ['-v'], ['--format', 'openmetrics']]) {
      const r = await runCli(['check', '--config', secretConfig, ...format], { cwd: lab.dir });
      expect(r.code).toBe(0);
      expect(r.stdout + r.stderr).not.toMatch(/hunter2|s3cr3t|robot/);
    }
    const report = JSON.parse((await runCli(['check', '--config', secretConfig, '--json'], { cwd: lab.dir })).stdout) as { sites: { url: string; attempts: { url: string }[] }[] };
    expect(report.sites[0]!.url).toBe(`https://fine.test:${port}/status?token=…`);
    expect(report.sites[0]!.attempts[0]!.url).toBe(`https://fine.test:${port}/status?token=…`);
  });
});

describe('the lock', () => {
  it('a stale lock whose pid now belongs to another live process is taken over at once', async () => {
    const unrelated = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const state = `${lab.dir}/reused.json`;
      // As a run that died long ago left it: same host, its pid now reused by `sleep`, another process identity.
      writeFileSync(`${state}.lock`, `${JSON.stringify({ pid: unrelated.pid, hostname: hostname(), startedAt: new Date().toISOString(), token: 'old', process: 'another-boot:1' })}\n`);
      const r = await check('--json', '--state', state);
      expect(r.stderr).not.toMatch(/holds/);
      expect(r.code).toBe(0);
      expect(existsSync(state)).toBe(true);
    } finally {
      unrelated.kill();
    }
  });

  it('SIGINT while waiting for the lock: the empty partial report, exitCode 130 in it and for the process', async () => {
    const state = `${lab.dir}/held.json`;
    writeFileSync(`${state}.lock`, `${JSON.stringify({ pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), token: 'held' })}\n`);
    const child = spawn(process.execPath, [BIN, 'check', '--config', config, '--json', '--state', state, '--wait', '20'], { cwd: lab.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise((r) => setTimeout(r, 800));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(130);
    const report = JSON.parse(stdout) as { complete: boolean; exitCode: number };
    expectValidReport(report);
    expect(report).toMatchObject({ complete: false, exitCode: 130 });
    expect(stderr).toMatch(/stopped waiting \(interrupted\)/);
  });
});
