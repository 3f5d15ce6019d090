// A CONNECT proxy the sites are also fetched through, failing for all of them: the real binary against loopback
// edges and resolvers, the proxy either absent (nothing listens on its port) or refusing every CONNECT (403). It read
// "3 degraded (a, b, c) of 3 sites; no shared cause found", exit 1; it is the proxy's incident, named by it, exit 2.

import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { loopback, type Loopback } from '../support/loopback.js';
import { runCli } from '../support/cli.js';
import { expectValidReport } from '../support/schema.js';
import { startConnectProxy, type RunningProxy } from '../support/proxy.js';

let lab: Loopback;
let refusing: RunningProxy;
let port: number;
let resolver: number;
const NAMES = ['a', 'b', 'c'];

/** A loopback port nothing listens on: bound, then closed. */
async function closedPort(host: string): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port: free } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return free;
}

beforeAll(async () => {
  lab = loopback();
  const records = Object.fromEntries(NAMES.map((n, i) => [`www.${n}.test`, { A: [`127.0.14.${i + 1}`] }]));
  resolver = (await lab.dns({ host: '127.0.14.53', data: { zones: ['test'], records } })).port;
  port = await lab.edges(NAMES.map((_, i) => `127.0.14.${i + 1}`), Object.keys(records), () => () => ({ kind: 'respond', status: 200, body: 'ok' }));
  refusing = await startConnectProxy({ host: '127.0.14.80', allow: () => false });
});

afterAll(async () => {
  await refusing?.close();
  await lab?.close();
});

function config(name: string, proxy: string, paths = `[edge, { proxy: "${proxy}" }]`): string {
  return lab.writeFile(
    `${name}.yaml`,
    `resolvers:
  - { name: one, address: "127.0.14.53:${resolver}" }
defaults: { timeout: 2s, deadline: 15s, paths: ${paths} }
tls: { ca: ./ca.pem }
sites:
${NAMES.map((n) => `  - { name: ${n}, url: "https://www.${n}.test:${port}/" }`).join('\n')}
`,
  );
}

async function check(file: string): Promise<{ code: number | null; report: Report }> {
  const r = await runCli(['check', '--config', file, '--json'], { timeoutMs: 20_000 });
  expect(r.stderr).toBe('');
  const report = JSON.parse(r.stdout) as Report;
  expectValidReport(report);
  return { code: r.code, report };
}

describe('a proxy that opens a tunnel for none of the sites', () => {
  it('nothing listening at its address: its incident, named by it; the sites degraded by it alone', async () => {
    const proxy = `http://127.0.14.81:${await closedPort('127.0.14.81')}`;
    const { code, report } = await check(config('absent', proxy));
    expect(report.incidents.map((i) => [i.kind, i.provider, i.layer])).toEqual([['provider', `proxy ${proxy}`, 'network']]);
    expect(report.incidents[0]!.summary).toMatch(/it opened a tunnel for none of them \(3× ECONNREFUSED\).*each answers on its other paths: the proxy fails, not the sites/);
    expect(report.sites.map((s) => s.status)).toEqual(['degraded', 'degraded', 'degraded']);
    expect(report.sites.every((s) => s.blame?.provider === `proxy ${proxy}`)).toBe(true);
    expect(report.verdict).toBe('provider-incident');
    expect(code).toBe(2);
  });

  it('refusing every CONNECT (403): its policy, said so', async () => {
    const { code, report } = await check(config('refusing', `http://127.0.14.80:${refusing.port}`));
    expect(report.incidents).toHaveLength(1);
    expect(report.incidents[0]!.summary).toContain('it opened a tunnel for none of them (3× PROXY_403): its policy refuses every one (403)');
    expect(code).toBe(2);
  });

  it('the only way out, answering nothing: nothing could be tested here, and the summary names the proxy (exit 3)', async () => {
    const proxy = `http://127.0.14.81:${await closedPort('127.0.14.81')}`;
    const { code, report } = await check(config('only', proxy, `[{ proxy: "${proxy}" }]`));
    expect(report.verdict).toBe('local-network');
    expect(report.summary).toBe(
      `Local network problem: every fetch goes through the proxy ${proxy}, which opened a tunnel for none of 3 attempts (3× ECONNREFUSED): nothing answers at its address the way a proxy should (the proxy is down, or the way to it fails); no provider is blamed`,
    );
    // The advice is the proxy's, not whether this network needs one.
    expect(report.host.notes).toEqual([
      'nothing is blamed and no site could be tested from here: every fetch goes through the configured proxy; check it — is it running and reachable from this host, does it want credentials, does its policy allow these sites?',
    ]);
    expect(report.incidents).toEqual([]);
    expect(code).toBe(3);
  });
});
