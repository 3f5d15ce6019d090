// `outage-probe drill` as a person or a script uses it: --list, a wrong name, a port in use, --serve with
// the served probes.yaml used by `check --config`, and Ctrl-C / SIGTERM ending everything.
// (Runs the built binary: `npm test` builds first; alone, run `npx tsc -p tsconfig.json` before.)

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { BIN, runCli } from '../support/cli.js';
import { portFree } from './support.js';

const SIX = ['healthy', 'cloudflare-2025-11-18', 'cloudflare-dns-2025-07-14', 'dyn-2016-10-21', 'local-network-down', 'origin-down'];

interface Served {
  stdout: () => string;
  stderr: () => string;
  line: (prefix: string) => Promise<string>;
  signal: (name: NodeJS.Signals) => void;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Start the binary and let the test read its output as it comes. */
function start(args: string[]): Served {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const waiters: (() => void)[] = [];
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    waiters.splice(0).forEach((w) => w());
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      waiters.splice(0).forEach((w) => w());
      resolve({ code, signal });
    }),
  );
  const line = async (prefix: string): Promise<string> => {
    for (;;) {
      const found = stdout.split('\n').find((l) => l.trimStart().startsWith(prefix));
      if (found) return found.trimStart().slice(prefix.length).trim();
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited without "${prefix}": ${stderr}`);
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return { stdout: () => stdout, stderr: () => stderr, line, signal: (name) => child.kill(name), exited };
}

describe('drill --list and bad input', () => {
  it('lists every scenario with a one-line description and the source it replays', async () => {
    const r = await runCli(['drill', '--list']);
    expect(r.code).toBe(0);
    for (const name of SIX) expect(r.stdout).toMatch(new RegExp(`^  ${name} +\\S.*\\n +replays: \\S+`, 'm'));
    expect(r.stdout).toContain('replays: https://blog.cloudflare.com/18-november-2025-outage/');
  });

  it('names the known scenarios for an unknown one, with exit 64', async () => {
    const r = await runCli(['drill', 'cloudflare-2025-11-81']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('unknown scenario "cloudflare-2025-11-81" (did you mean cloudflare-2025-11-18?)');
    for (const name of SIX) expect(r.stderr).toContain(name);
    expect(r.stdout).toBe('');
  });

  it('asks for a scenario when none is given', async () => {
    const r = await runCli(['drill']);
    expect(r.code).toBe(64);
    expect(r.stderr).toContain('give a scenario name, or --list');
  });

  it('says which address and port are taken and exits 1, leaving nothing running', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.10.2', port: 0 }, resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = await runCli(['drill', 'healthy', '--port', String(port)]);
      expect(r.signal).toBeNull();
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`cannot start the lab: 127.0.10.2:${port} is already in use`);
      expect(await portFree('127.0.10.1', port)).toBe(true);
      expect(await portFree('127.0.53.1', port, true)).toBe(true);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});

describe('drill --serve', () => {
  it('serves a lab that check --config can probe, until SIGTERM ends it with nothing left', async () => {
    const served = start(['drill', 'healthy', '--serve']);
    const configPath = await served.line('config:');
    const caPath = await served.line('ca:');
    const port = Number(await served.line('port:'));
    expect(existsSync(configPath)).toBe(true);
    expect(dirname(caPath)).toBe(dirname(configPath));

    const check = await runCli(['check', '--config', configPath, '--json']);
    expect(check.code).toBe(0);
    const report = JSON.parse(check.stdout) as Report;
    expect(report.verdict).toBe('ok');
    expect(report.sites.length).toBeGreaterThanOrEqual(6);

    served.signal('SIGTERM');
    const end = await served.exited;
    expect(end).toEqual({ code: 143, signal: null });
    expect(existsSync(dirname(configPath))).toBe(false);
    expect(await portFree('127.0.10.1', port)).toBe(true);
    expect(await portFree('127.0.53.1', port, true)).toBe(true);
  });

  it('tears a running drill down on Ctrl-C (SIGINT): exit 130, a partial report, nothing left', async () => {
    const port = await freeLoopbackPort();
    // The silent resolvers keep this drill busy for about a second: long enough to interrupt it.
    const run = start(['drill', 'cloudflare-dns-2025-07-14', '--json', '--port', String(port)]);
    await new Promise((r) => setTimeout(r, 700));
    run.signal('SIGINT');
    const end = await run.exited;
    expect(end).toEqual({ code: 130, signal: null });
    if (run.stdout() !== '') expect((JSON.parse(run.stdout()) as Report).complete).toBe(false);
    expect(await portFree('127.0.10.1', port)).toBe(true);
    expect(await portFree('127.0.53.3', port, true)).toBe(true);
  });
});

/** A port free on the lab's addresses right now (so the test knows the drill's port up front). */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host: '127.0.10.1', port: 0 }, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe('the headline', () => {
  it('of an incident is at most two lines at 100 columns, keeps its confidence, and the block below says it all', async () => {
    const table = await runCli(['drill', 'cloudflare-2020-07-17']);
    const json = await runCli(['drill', 'cloudflare-2020-07-17', '--json']);
    const report = JSON.parse(json.stdout) as Report;
    const lines = table.stdout.split('\n');
    const contextAt = lines.findIndex((l) => / · \d+ sites? · /.test(l));
    expect(contextAt).toBeLessThanOrEqual(2);
    expect(lines.slice(0, contextAt).every((l) => [...l].length <= 100)).toBe(true);
    expect(lines[contextAt - 1]).toMatch(/… \(confidence [\d.]+\)$/);
    // The full summary, every location included, is in the incident block, once.
    const block = table.stdout.replace(/\n {2}(?!·)/g, ' ');
    expect(report.incidents[0]!.summary.length).toBeGreaterThan(200);
    expect(block.split(`Incident ${report.incidents[0]!.summary}`)).toHaveLength(2);
  });
});

describe('the README on drill flags', () => {
  it('every flag it says drill takes is accepted, and the cron flags it says are check-only are refused', async () => {
    const readme = (await import('node:fs')).readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const said = /`drill`\s+takes `check`'s report flags \(([^)]*)\)/.exec(readme.replace(/\n/g, ' '))![1]!;
    const flags = [...said.matchAll(/`(-[-\w]+)`/g)].map((m) => m[1]!);
    expect(flags.length).toBeGreaterThan(10);
    const help = (await runCli(['drill', '--help'])).stdout;
    // An option's own line in --help: "  -v, --verbose …" or "  --timeout <duration> …".
    const option = (flag: string) => new RegExp(`^ +(-\\w, )?${flag}( |$)`, 'm');
    for (const flag of flags) expect(help, flag).toMatch(flag === '-v' ? /^ +-v, --verbose/m : option(flag));
    for (const cron of ['--state', '--quiet', '--output', '--append']) expect(help, cron).not.toMatch(option(cron));
    for (const timeline of ['--timeline', '--notify', '--failure-threshold', '--success-threshold', '--reminder-interval']) expect(help, timeline).toMatch(option(timeline));
  });
});
