// Unbounded input and load, through the binary: device files and FIFOs as the config or tls.ca are refused at
// once, a config with tens of thousands of problems is reported in a bounded number of lines and in linear time,
// and sites the run had no time for are "not probed", never "down".

import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopback, type Loopback } from '../support/loopback.js';
import { runCli } from '../support/cli.js';
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
