// A probing host starved of CPU: the real binary in a cgroup with a CPU quota (test/support/cpu-quota.ts), as a
// container under a CPU limit runs, probing healthy sites. Replies arrive, but the process cannot run to read them
// before its timeouts fire: at 3 % of a CPU a healthy world of 300 sites read as "246 down … no shared cause found",
// exit 1. Load must never become a diagnosis: timeouts while the process could not run are its own
// (util/stall-clock.ts), the sites untested, nobody blamed, and when that is most of the run the verdict says so.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { loopback, type Loopback } from '../support/loopback.js';
import { BIN } from '../support/cli.js';
import { cpuQuota, quotaSupport } from '../support/cpu-quota.js';
import { spawn } from 'node:child_process';

const SITES = 40;
/** How long a run may take before it is killed: under the starved test's own timeout (150 s). */
const RUN_LIMIT_MS = 140_000;
const EDGES = Array.from({ length: 8 }, (_, i) => `127.0.14.${i + 1}`);
const unsupported = quotaSupport();
if (unsupported) console.log(`skipping the CPU-starved host tests: ${unsupported}`);

let lab: Loopback;
let config: string;

beforeAll(async () => {
  if (unsupported) return;
  lab = loopback();
  const names = Array.from({ length: SITES }, (_, i) => `s${i + 1}.starved.test`);
  const records = Object.fromEntries(names.map((n, i) => [n, { A: [EDGES[i % EDGES.length]!] }]));
  const dns = await lab.dns({ host: '127.0.14.53', data: { zones: ['starved.test'], records } });
  const port = await lab.edges(EDGES, names, () => () => ({ kind: 'respond', status: 200, body: 'ok' }));
  config = lab.writeFile(
    'starved.yaml',
    `resolvers:\n  - { name: lab, address: "127.0.14.53:${dns.port}" }\n` +
      `defaults: { timeout: 1s, deadline: 90s, concurrency: 32, paths: [edge] }\ntls: { ca: ./ca.pem }\nsites:\n` +
      names.map((n, i) => `  - { name: s${i + 1}, url: "https://${n}:${port}/" }\n`).join(''),
  );
});

afterAll(async () => {
  await lab?.close();
});

/** The binary's check --json, in a cgroup with `percent` of one CPU (none: no quota). */
function check(percent: number | null): Promise<{ code: number | null; report: Report }> {
  const quota = percent === null ? null : cpuQuota(percent);
  if (quota && 'error' in quota) throw new Error(quota.error);
  const command = `${quota ? `echo $$ > ${quota.procs}; ` : ''}exec "${process.execPath}" "${BIN}" check --config "${config}" --json`;
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd: lab.dir, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    // Killed before the test's own timeout: a run left going would keep its cgroup, and its share of a CPU, after it.
    let killed = false;
    const killer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, RUN_LIMIT_MS);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      quota?.close();
      if (killed) return reject(new Error(`check still running after ${RUN_LIMIT_MS / 1000} s at ${percent} % of a CPU: this machine is slower than the test allows`));
      try {
        resolve({ code, report: JSON.parse(stdout) as Report });
      } catch (err) {
        reject(err);
      }
    });
  });
}

describe.skipIf(unsupported !== null)('a probing host starved of CPU', () => {
  it('at 2 % of a CPU: the timeouts are this host\'s, no site is down, nobody is blamed, and the verdict says the host could not test', async () => {
    const { code, report } = await check(2);
    const failed = report.sites.flatMap((s) => s.attempts.filter((a) => a.outcome !== 'ok'));
    expect(failed.length).toBeGreaterThan(0);
    // Every failure is a timeout the stall explains: read as this host's, not the site's.
    for (const a of failed) expect([a.error?.code, a.layer]).toEqual(['HOST_BUSY', 'local']);
    expect(report.incidents).toEqual([]);
    expect(report.sites.filter((s) => s.status === 'down' || s.status === 'degraded')).toEqual([]);
    // Most sites untested: the run says little, and says so (exit 3), rather than "ok".
    const untested = report.sites.filter((s) => s.status === 'untested').length;
    if (untested * 2 >= SITES) {
      expect([code, report.verdict]).toEqual([3, 'local-network']);
      expect(report.summary).toMatch(/^Problem on this host: this host was too busy to hear replies: /);
      expect(report.host.notes[0]).toMatch(/^nothing is blamed and most sites could not be tested from here: this process was starved of CPU/);
    } else {
      expect(code).toBe(0);
      expect(report.host.summary).toBe('this host was starved of CPU');
    }
  }, 150_000);

  it('control: the same sites with no quota are all ok, and no stall is said', async () => {
    const { code, report } = await check(null);
    expect(code).toBe(0);
    expect(report.sites.every((s) => s.status === 'ok')).toBe(true);
    expect(report.host.summary).toBeNull();
  }, 60_000);
});
