// --samples at a server shared by many sites: a failing site's resamples are fetches of this run at that server like
// any other, so they take its address's slots and count in how many were there at once. They did not (host and global
// slots only): beside a real nginx allowing each client one connection (limit_conn 1), twenty sites whose application
// fails and twenty that serve, --samples 4 read, in two runs of three, "13 down …; 13 untested from here: server …
// refuses this client for now" or a serving site "degraded" — the resamples of the failing sites took the one
// connection while the serving sites' fetches, counted as alone there, were refused. The real binary; loopback only
// (127.0.27.x).

import { afterAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { startNginx, type RunningNginx } from '../../src/lab/nginx.js';
import { startHttpServer, type RunningHttpServer } from '../../src/lab/http-server.js';
import { skipReason, toolSupport } from '../../src/lab/netns.js';
import { loopback, type Loopback } from '../support/loopback.js';
import { expectValidReport } from '../support/schema.js';
import { runCli } from '../support/cli.js';

/** `check --json --samples N --interval 50ms` of sites `name → address` on one lab resolver, each on `port`. */
async function checkSampled(lab: Loopback, at: Record<string, string>, port: number, samples: number, defaults: string): Promise<{ code: number | null; report: Report }> {
  const names = Object.keys(at);
  const dns = await lab.dns({ host: '127.0.27.53', data: { zones: names.map((n) => n.split('.').slice(1).join('.')), records: Object.fromEntries(names.map((n) => [n, { A: [at[n]!] }])) } });
  const config = lab.writeFile(
    'sampled.yaml',
    `resolvers:
  - { name: lab, address: "127.0.27.53:${dns.port}" }
defaults: ${defaults}
tls: { ca: ./ca.pem }
sites:
${names.map((n) => `  - { name: ${n.split('.')[0]}, url: "https://${n}:${port}/" }`).join('\n')}
`,
  );
  const run = await runCli(['check', '--config', config, '--json', '--samples', String(samples), '--interval', '50ms'], { cwd: lab.dir });
  const report = JSON.parse(run.stdout) as Report;
  expectValidReport(report);
  return { code: run.code, report };
}

describe('resamples at a server address take its slots', () => {
  let lab: Loopback;
  afterAll(async () => lab?.close());

  it('with perAddressConcurrency 1, no resample is at the server beside another fetch of the run', async () => {
    lab = loopback();
    const names = Array.from({ length: 6 }, (_, i) => `f${i + 1}.failing${i + 1}.test`);
    const DELAY_MS = 300;
    const starts: number[] = [];
    // And a site served elsewhere (127.0.27.61): this host resolves and reaches more than one server.
    const port = await lab.edges(['127.0.27.60', '127.0.27.61'], [...names, 'ok.fine.test'], (address) => () => {
      if (address === '127.0.27.61') return { kind: 'respond', status: 200, body: 'ok' };
      starts.push(performance.now());
      return { kind: 'respond', status: 500, body: 'application error', delayMs: DELAY_MS };
    });
    const at = { ...Object.fromEntries(names.map((n) => [n, '127.0.27.60'])), 'ok.fine.test': '127.0.27.61' };
    const { code, report } = await checkSampled(lab, at, port, 3, '{ timeout: 2s, deadline: 20s, paths: [edge], perAddressConcurrency: 1 }');
    // Every failing site down on its 500, each probed three times.
    const failing = report.sites.filter((s) => s.name !== 'ok');
    expect(failing.map((s) => [s.status, s.attempts[0]!.httpStatus, s.attempts[0]!.samples?.failures])).toEqual(names.map(() => ['down', 500, 3]));
    expect(starts).toHaveLength(18);
    // Each request there takes DELAY_MS: starts within a shorter window were in flight together.
    const mostAtOnce = Math.max(...starts.map((t) => starts.filter((u) => u >= t && u < t + DELAY_MS - 100).length));
    expect(mostAtOnce).toBe(1);
    // Six sites of one server failing and none served there: that server's incident.
    expect(report.incidents.map((i) => i.provider)).toEqual(['server 127.0.27.60']);
    expect(code).toBe(2);
  }, 60_000);
});

const reason = skipReason('resamples at a limit_conn 1 server (real nginx)', toolSupport([['nginx', '-v']]));

describe.skipIf(reason !== null)('--samples beside a real nginx allowing each client one connection', () => {
  let lab: Loopback;
  let nginx: RunningNginx | undefined;
  const apps: RunningHttpServer[] = [];
  afterAll(async () => {
    await nginx?.close();
    await Promise.all(apps.map((a) => a.close()));
    await lab?.close();
  });

  it('the twenty failing sites down on their own 500, the twenty serving ones ok: none untested, none degraded', async () => {
    lab = loopback();
    const serving = await startHttpServer({ host: '127.0.27.38', handler: () => ({ kind: 'respond', status: 200, body: 'app', delayMs: 150 }) });
    const failing = await startHttpServer({ host: '127.0.27.39', handler: () => ({ kind: 'respond', status: 500, body: 'application error', delayMs: 150 }) });
    apps.push(serving, failing);
    // Interleaved, so the failing sites' resamples come while serving sites are still being fetched.
    const hosts = Array.from({ length: 20 }, (_, i) => [
      { serverName: `g${i + 1}.good${i + 1}.test`, upstream: `127.0.27.38:${serving.port}` },
      { serverName: `b${i + 1}.broken${i + 1}.test`, upstream: `127.0.27.39:${failing.port}` },
    ]).flat();
    nginx = await startNginx('127.0.27.40', hosts.map((h) => ({ ...h, tls: lab.ca.issue([h.serverName]) })), { limitConnections: { perClient: 1, status: 503 } });
    const { code, report } = await checkSampled(lab, Object.fromEntries(hosts.map((h) => [h.serverName, '127.0.27.40'])), nginx.port, 4, '{ timeout: 3s, deadline: 40s, paths: [edge] }');
    console.log(`limit_conn 1, --samples 4: exit ${code}: ${report.summary}`);
    const status = Object.fromEntries(report.sites.map((s) => [s.name, s.status]));
    expect(status).toEqual(Object.fromEntries(hosts.map((h) => [h.serverName.split('.')[0], h.serverName.startsWith('g') ? 'ok' : 'down'])));
    for (const site of report.sites.filter((s) => s.name.startsWith('b'))) expect([site.attempts[0]!.httpStatus, site.attempts[0]!.samples?.samples]).toEqual([500, 4]);
    expect(report.summary).toMatch(/^20 down \(b1, b2, b3, b4 \+16\) of 40 sites; no shared cause found; server 127\.0\.27\.40 limits this probe's fetches at once/);
    expect(code).toBe(1);
  }, 90_000);
});
