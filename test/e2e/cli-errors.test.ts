// The binary's behaviour on bad input and under its deadline: exact messages, documented exit codes.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopback, type Loopback } from '../support/loopback.js';
import { runCli } from '../support/cli.js';

let lab: Loopback;

beforeAll(() => {
  lab = loopback();
});
afterAll(async () => {
  await lab.close();
});

describe('bad input', () => {
  it('a config error exits 78 with file:line:column, probes nothing and prints nothing on stdout', async () => {
    const file = lab.writeFile('bad.yaml', 'defaults:\n  timout: 5s\nsites:\n  - { name: a, url: "https://127.0.0.9:1/" }\n');
    const r = await runCli(['check', '--config', file], { cwd: lab.dir });
    expect(r.code).toBe(78);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`${file}:2:3 defaults.timout: unknown key; did you mean "timeout"?\n`);
  });

  it('keeps a relative --config path as given in the error', async () => {
    lab.writeFile('neg.yaml', 'defaults: { timeout: -3s }\nsites:\n  - { url: "https://127.0.0.9:1/" }\n');
    const r = await runCli(['check', '--config', 'neg.yaml'], { cwd: lab.dir });
    expect(r.code).toBe(78);
    expect(r.stderr).toBe('neg.yaml:1:22 defaults.timeout: expected a positive duration like 500ms or 5s, got "-3s"\n');
  });

  it('a bad flag value is a usage error (64)', async () => {
    const r = await runCli(['check', 'https://127.0.0.9:1/', '--timeout', 'soon']);
    expect(r.code).toBe(64);
    expect(r.stderr).toBe('outage-probe: --timeout: expected a positive duration like 500ms or 5s, got "soon"\n');
    expect(r.stdout).toBe('');
  });

  it('a bad --resolver is a usage error (64) naming the flag', async () => {
    const r = await runCli(['check', 'https://127.0.0.9:1/', '--resolver', 'one.one.one.one']);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/--resolver/);
    expect(r.stderr).toMatch(/one\.one\.one\.one/);
  });

  it('an unknown flag is a usage error (64)', async () => {
    const r = await runCli(['check', '--jsn']);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/unknown option '--jsn'/);
  });

  it('usage errors are one stderr line', async () => {
    for (const args of [['check', '--jsn'], ['check', '--format', 'xml'], ['merge']]) {
      const r = await runCli(args);
      expect(r.code).toBe(64);
      expect(r.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^outage-probe: .*\(run with --help for usage\)$/)]);
    }
  });

  it.each([
    ['--config', ['check', '--config', '']],
    ['--state', ['check', 'https://127.0.0.9:1/', '--state', '']],
    ['--output', ['check', 'https://127.0.0.9:1/', '--output', '']],
    ['--append', ['check', 'https://127.0.0.9:1/', '--append', '']],
    ['--vantage', ['check', 'https://127.0.0.9:1/', '--vantage', '']],
    ['--notify', ['check', 'https://127.0.0.9:1/', '--notify', '']],
  ])('an empty %s is a usage error, never "the default"', async (flag, args) => {
    const r = await runCli(args, { cwd: lab.dir });
    expect(r.code).toBe(64);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`outage-probe: ${flag}: an empty value; give a value or leave the flag out (run with --help for usage)\n`);
  });

  it.each([
    [['--json', '--ndjson'], '--json and --ndjson'],
    [['--json', '--format', 'openmetrics'], '--json and --format openmetrics'],
    [['--format', 'table', '--json'], '--json and --format table'],
  ])('%j ask for two formats: a usage error', async (flags, named) => {
    const r = await runCli(['check', 'https://127.0.0.9:1/', ...flags]);
    expect(r.code).toBe(64);
    expect(r.stderr).toBe(`outage-probe: ${named} ask for different output formats; give one (run with --help for usage)\n`);
  });

  it('durations past a day are refused, in flags and in the config (timers cannot hold them)', async () => {
    const flag = await runCli(['check', 'https://127.0.0.9:1/', '--deadline', '597h']);
    expect(flag.code).toBe(64);
    expect(flag.stderr).toBe('outage-probe: --deadline: "597h" is too long: at most 24h\n');
    const file = lab.writeFile('long.yaml', 'defaults: { timeout: 2s, deadline: 600h }\nsites:\n  - { url: "https://127.0.0.9:1/" }\n');
    const config = await runCli(['check', '--config', 'long.yaml'], { cwd: lab.dir });
    expect(config.code).toBe(78);
    expect(config.stderr).toBe('long.yaml:1:36 defaults.deadline: "600h" is too long: at most 24h\n');
  });

  it('--help lists the exit codes', async () => {
    const r = await runCli(['check', '--help']);
    expect(r.code).toBe(0);
    for (const code of ['0', '1', '2', '3', '64', '78']) expect(r.stdout).toMatch(new RegExp(`^\\s+${code}  `, 'm'));
  });

  it('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});

describe('time bounds', () => {
  it('ends by the deadline when a server never answers, reporting the unfinished attempt as timeout', async () => {
    const port = await lab.edges(['127.0.7.1', '127.0.7.2'], ['hang.test', 'fine.test'], (address) => () =>
      address === '127.0.7.1' ? { kind: 'hang' } : { kind: 'respond', status: 200, body: 'ok' },
    );
    const file = lab.writeFile(
      'hang.yaml',
      `defaults: { timeout: 2s, deadline: 2s }
tls: { ca: ./ca.pem }
sites:
  - { name: hang, url: "https://hang.test:${port}/", origin: "127.0.7.1" }
  - { name: fine, url: "https://fine.test:${port}/", origin: "127.0.7.2" }
paths: [origin]
`,
    );
    // The per-attempt timeout (30 s) is far beyond the run's deadline (2 s): the deadline must win.
    const r = await runCli(['check', '--config', file, '--json', '--timeout', '30s'], { cwd: lab.dir });
    expect(r.ms).toBeLessThan(4000);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as { complete: boolean; sites: { name: string; attempts: { outcome: string; error: { code: string } | null }[] }[] };
    expect(report.complete).toBe(false);
    const hang = report.sites.find((s) => s.name === 'hang')!;
    expect(hang.attempts[0]).toMatchObject({ outcome: 'timeout', error: { code: 'DEADLINE' } });
    expect(report.sites.find((s) => s.name === 'fine')!.attempts[0]!.outcome).toBe('ok');
  });
});

describe('signals', () => {
  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('%s stops probing, prints the partial report marked incomplete, leaves no state, exits %i', async (signal, code) => {
    const port = await lab.edges(['127.0.7.9'], ['stuck.test'], () => () => ({ kind: 'hang' }));
    const file = lab.writeFile(`stuck-${signal}.yaml`, `defaults: { timeout: 20s, deadline: 30s }\ntls: { ca: ./ca.pem }\npaths: [origin]\nsites:\n  - { name: stuck, url: "https://stuck.test:${port}/", origin: "127.0.7.9" }\n`);
    const { spawn } = await import('node:child_process');
    const { BIN } = await import('../support/cli.js');
    const { existsSync } = await import('node:fs');
    const state = `${lab.dir}/state-${signal}.json`;
    const child = spawn(process.execPath, [BIN, 'check', '--config', file, '--json', '--state', state], { cwd: lab.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    await new Promise((r) => setTimeout(r, 700));
    const started = performance.now();
    child.kill(signal);
    const exit = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(exit).toBe(code);
    const report = JSON.parse(stdout) as { complete: boolean; sites: { attempts: { outcome: string }[] }[] };
    expect(report.complete).toBe(false);
    expect(report.sites[0]!.attempts[0]!.outcome).toBe('timeout');
    expect(existsSync(state)).toBe(false);
  });
});

describe('a command that never finishes', () => {
  it('exits 70 with one line when the event loop empties before it finishes, never 0 with nothing said', async () => {
    // What a wait nothing can end looks like to Node: the command's last step (flushing stdout before process.exit)
    // never calls back, and nothing else is left to run. A preload stands in for such a bug: without the guard in
    // src/main.ts, Node exits 0 with no output, which cron reads as "all ok".
    const preload = lab.writeFile(
      'stuck-flush.cjs',
      "const write = process.stdout.write.bind(process.stdout);\nprocess.stdout.write = (chunk, ...rest) => (chunk === '' ? true : write(chunk, ...rest));\n",
    );
    const r = await runCli(['providers', 'list'], { env: { NODE_OPTIONS: `--require ${preload}` } });
    expect(r.code).toBe(70);
    expect(r.stderr).toMatch(/^outage-probe: internal error, please report it with this line \(OUTAGE_PROBE_DEBUG=1 shows more\): Error: the command stopped before finishing: it was waiting on something that could never end/);
    // Control: the same command, nothing stuck, exits 0.
    expect((await runCli(['providers', 'list'])).code).toBe(0);
  });
});
