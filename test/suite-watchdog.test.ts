// The suite's watchdog (test/support/watchdog-reporter.ts): a worker blocked where vitest's timeouts cannot reach
// is ended at the limit, with the file, the test and the processes named, and the run fails instead of hanging.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const VITEST = fileURLToPath(new URL('../node_modules/vitest/vitest.mjs', import.meta.url));
const CONFIG = fileURLToPath(new URL('./watchdog-fixture/vitest.config.ts', import.meta.url));

it('ends a run whose worker is blocked, naming the file, the test and the blocked process', async () => {
  const started = performance.now();
  const child = spawn(process.execPath, [VITEST, 'run', '--config', CONFIG], {
    env: { ...process.env, OUTAGE_PROBE_SUITE_LIMIT_MS: '4000', NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const killer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 25_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(killer);
  expect(code, output).toBe(1);
  expect(performance.now() - started).toBeLessThan(20_000);
  expect(output).toMatch(/\[suite watchdog\] the suite has run \d+ s, past its limit of 4 s/);
  expect(output).toMatch(/blocked\.fixture\.ts: \d+ s, in /);
  expect(output).toMatch(/running (test\/watchdog-fixture\/)?blocked\.fixture\.ts: test "blocks its worker in a spawnSync that never returns"/);
  expect(output).toMatch(/\d+ \(parent \d+\): sleep 600/);
}, 30_000);
