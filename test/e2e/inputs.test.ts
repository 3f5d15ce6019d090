// Unbounded input and load, through the binary: device files and FIFOs as the config or tls.ca are refused at
// once, a config with tens of thousands of problems is reported in a bounded number of lines and in linear time,
// and sites the run had no time for are "not probed", never "down".

import { execFileSync, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopback, type Loopback } from '../support/loopback.js';
import { BIN, runCli } from '../support/cli.js';
import { expectValidReport } from '../support/schema.js';
import type { Report } from '../../src/model.js';

let lab: Loopback;

beforeAll(() => {
  lab = loopback();
});

afterAll(async () => {
  await lab.close();
});

describe('input that never ends', () => {
  it('a FIFO as the config is refused at once, exit 78, one line', async () => {
    const fifo = `${lab.dir}/config.fifo`;
    execFileSync('mkfifo', [fifo]);
    const r = await runCli(['check', '--config', fifo, '--json']);
    expect(r.code).toBe(78);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/config\.fifo: cannot read the config file: .*not a regular file/)]);
  });

  it('/dev/zero as the config is refused at once, exit 78', async () => {
    const r = await runCli(['check', '--config', '/dev/zero', '--json']);
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/^\/dev\/zero: cannot read the config file: .*not a regular file/);
  });

  it('a config file larger than the documented 16 MiB is refused without reading it all', async () => {
    const big = lab.writeFile('big.yaml', `# ${'x'.repeat(17 * 1024 * 1024)}\n`);
    const r = await runCli(['check', '--config', big, '--json']);
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/big\.yaml: cannot read the config file: .*(too large|larger than)/);
  });

  it('/dev/urandom as tls.ca is a config error at its line and column', async () => {
    const file = lab.writeFile('ca-device.yaml', 'tls: { ca: /dev/urandom }\nsites:\n  - url: "https://a.test/"\n');
    const r = await runCli(['check', '--config', file, '--json']);
    expect(r.code).toBe(78);
    expect(r.stderr).toMatch(/ca-device\.yaml:1:\d+ tls\.ca: .*not a regular file/);
  });
});

describe('configs with many problems', () => {
  it('60,000 unknown keys: the first 100 problems, one line counting the rest, in linear time', async () => {
    const keys = Array.from({ length: 60_000 }, (_, i) => `  k${i}: 1\n`).join('');
    const file = lab.writeFile('unknown-keys.yaml', `defaults:\n${keys}sites:\n  - url: "https://a.test/"\n`);
    const started = performance.now();
    const r = await runCli(['check', '--config', file, '--json']);
    // Quadratic checking took 8 s for 30,000 keys, so about 34 s for these; linear takes a few.
    expect(performance.now() - started).toBeLessThan(20_000);
    expect(r.code).toBe(78);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(101);
    expect(lines[0]).toMatch(/^.*unknown-keys\.yaml:2:3 defaults\.k0: unknown key/);
    expect(lines[100]).toBe('… and 59900 more problems (fix these first)');
  }, 40_000);

  it('repeated keys are reported once each, at the repeat, with the key path', async () => {
    const file = lab.writeFile('repeats.yaml', 'defaults:\n  timeout: 1s\n  timeout: 2s\nsites:\n  - { url: "https://a.test/", url: "https://b.test/" }\n');
    const r = await runCli(['check', '--config', file, '--json']);
    expect(r.code).toBe(78);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/repeats\.yaml:3:3 defaults\.timeout: duplicate key/),
      expect.stringMatching(/repeats\.yaml:5:\d+ sites\[0\]\.url: duplicate key/),
    ]);
  });
});

describe('sites the deadline left no time for', () => {
  it('are untested ("not probed"), never down, and blame nobody', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `slow${i}.test`);
    const port = await lab.edges(['127.0.14.1'], names, () => () => ({ kind: 'respond', status: 200, body: 'ok', delayMs: 400 }));
    const sites = names.map((n) => `  - { name: ${n.split('.')[0]}, url: "https://${n}:${port}/", origin: "127.0.14.1" }`).join('\n');
    const file = lab.writeFile('queued.yaml', `defaults: { timeout: 1s, deadline: 1500ms, concurrency: 1 }\ntls: { ca: ./ca.pem }\npaths: [origin]\nsites:\n${sites}\n`);
    const r = await runCli(['check', '--config', file, '--json'], { cwd: lab.dir });
    const report = JSON.parse(r.stdout) as Report;
    expectValidReport(report);
    expect(report.complete).toBe(false);
    const notProbed = report.sites.filter((s) => s.attempts.every((a) => a.error?.code === 'NOT_PROBED'));
    expect(notProbed.length).toBeGreaterThan(5);
    for (const s of notProbed) {
      expect(s).toMatchObject({ status: 'untested', reason: expect.stringContaining('not probed') });
      expect(s.attempts.every((a) => a.layer === null && a.provider === null)).toBe(true);
    }
    expect(report.sites.filter((s) => s.status === 'ok').length).toBeGreaterThan(0);
    // Load is no diagnosis: no incident, no blamed provider, and only the one cut short in flight may count as down.
    expect(report.incidents).toEqual([]);
    expect(report.sites.filter((s) => s.status === 'down').length).toBeLessThanOrEqual(1);
    expect(report.verdict).not.toBe('local-network');
  });
});

/** Start the binary with stdin as a pipe the test holds open; `stop` sends a signal and waits for the exit. */
function startHoldingStdin(args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const exited = new Promise<{ code: number | null; stderr: string; ms: number }>((resolve) =>
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, stderr, ms: performance.now() - signalledAt });
    }),
  );
  let signalledAt = 0;
  return {
    async stop(signal: NodeJS.Signals) {
      signalledAt = performance.now();
      child.kill(signal);
      return exited;
    },
  };
}

describe('merge: reports that never end', () => {
  it('SIGTERM while stdin is still open ends it at once with exit 143, naming what was cut short', async () => {
    const run = startHoldingStdin(['merge', '-', '--json']);
    await new Promise((resolve) => setTimeout(resolve, 700));
    const r = await run.stop('SIGTERM');
    expect(r.code).toBe(143);
    expect(r.ms).toBeLessThan(2_000);
    expect(r.stderr).toContain('(stdin): interrupted before the report ended');
  });

  it('a named pipe is read to its end, even when its writer comes later; /dev/zero is refused', async () => {
    const fifo = `${lab.dir}/report.fifo`;
    execFileSync('mkfifo', [fifo]);
    const drill = await runCli(['drill', 'cloudflare-dns-2025-07-14', '--json']);
    expect(drill.code).toBe(2);
    // Asynchronously: a synchronous write to a pipe nobody reads yet would block this worker.
    setTimeout(() => void writeFile(fifo, drill.stdout), 500);
    const merged = await runCli(['merge', fifo, '--json']);
    const fromFile = await runCli(['merge', lab.writeFile('report.json', drill.stdout), '--json']);
    type Merged = { vantages: Array<{ file: string }>; incidents: unknown[] };
    const [viaPipe, viaFile] = [JSON.parse(merged.stdout) as Merged, JSON.parse(fromFile.stdout) as Merged];
    expect(viaPipe.vantages.map((v) => v.file)).toEqual([fifo]);
    expect(merged.code).toBe(fromFile.code);
    expect(viaPipe.incidents).toEqual(viaFile.incidents);
    expect(viaPipe.incidents.length).toBeGreaterThan(0);

    const zero = await runCli(['merge', '/dev/zero', '--json']);
    expect(zero.code).toBe(64);
    expect(zero.stderr).toContain('cannot read /dev/zero: not a regular file or a pipe');
  });
});
