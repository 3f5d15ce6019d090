// A real Squid (src/lab/squid.ts) as the CONNECT proxy the sites are also fetched through, the real binary against
// loopback edges and a lab resolver. What Squid answers is its own: a 503 with `X-Squid-Error: ERR_CONNECT_FAIL 111`
// when the site's server refuses the connection, ERR_DNS_FAIL when Squid cannot resolve the name, a 403 by its policy.
// The proxy is blamed only when it is what fails: sites it cannot reach because they are down are the sites'.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { skipReason, toolSupport } from '../../src/lab/netns.js';
import { startSquid, type RunningSquid, type SquidOptions } from '../../src/lab/squid.js';
import { loopback, type Loopback } from '../support/loopback.js';
import { runCli } from '../support/cli.js';
import { expectValidReport } from '../support/schema.js';

const squidMissing = skipReason('a real CONNECT proxy (Squid)', toolSupport([['squid', '-v']])) !== null;

/** Sites by name: the address its name resolves to. Serving addresses have an edge; the others have nothing listening. */
const SERVING = { a: '127.0.23.1', b: '127.0.23.2', c: '127.0.23.3' };
const GONE = { x: '127.0.23.11', y: '127.0.23.12', z: '127.0.23.13' };
const ALL: Record<string, string> = { ...SERVING, ...GONE };
const host = (name: string) => `www.${name}.test`;

let lab: Loopback;
let port: number;
let resolver: number;
const proxies: RunningSquid[] = [];

beforeAll(async () => {
  if (squidMissing) return;
  lab = loopback();
  const records = Object.fromEntries(Object.entries(ALL).map(([name, address]) => [host(name), { A: [address] }]));
  resolver = (await lab.dns({ host: '127.0.23.53', data: { zones: ['test'], records } })).port;
  port = await lab.edges(Object.values(SERVING), Object.keys(records), () => () => ({ kind: 'respond', status: 200, body: 'ok' }));
});

afterAll(async () => {
  await Promise.all(proxies.splice(0).map((p) => p.close()));
  await lab?.close();
});

async function squid(options: Partial<SquidOptions> = {}): Promise<RunningSquid> {
  const hosts = Object.fromEntries(Object.entries(ALL).map(([name, address]) => [host(name), address]));
  const proxy = await startSquid({ address: '127.0.23.80', hosts, ...options });
  proxies.push(proxy);
  return proxy;
}

/**
 * Sites fetched over their edge and through the proxy (or through the proxy only, `onlyProxy`); `direct` ones over
 * their edge only.
 */
async function check(name: string, sites: string[], proxy: RunningSquid, direct: string[] = [], onlyProxy = false): Promise<{ code: number | null; report: Report }> {
  const file = lab.writeFile(
    `${name}.yaml`,
    `resolvers:
  - { name: one, address: "127.0.23.53:${resolver}" }
defaults: { timeout: 4s, deadline: 20s, paths: [${onlyProxy ? '' : 'edge, '}{ proxy: "${proxy.url}" }] }
tls: { ca: ./ca.pem }
sites:
${sites.map((n) => `  - { name: ${n}, url: "https://${host(n)}:${port}/" }`).join('\n')}
${direct.map((n) => `  - { name: ${n}, url: "https://${host(n)}:${port}/", paths: [edge] }`).join('\n')}
`,
  );
  const r = await runCli(['check', '--config', file, '--json'], { timeoutMs: 30_000 });
  expect(r.stderr).toBe('');
  const report = JSON.parse(r.stdout) as Report;
  expectValidReport(report);
  console.log(`${name}: exit ${r.code}: ${report.summary}`);
  return { code: r.code, report };
}

const proxied = (report: Report) => report.sites.flatMap((s) => s.attempts).filter((a) => a.proxy !== null);
const statuses = (report: Report) => Object.fromEntries(report.sites.map((s) => [s.name, s.status]));

describe.skipIf(squidMissing)('sites fetched through a real Squid as well', () => {
  it('control: every site answers on both paths, through the tunnel too; exit 0', async () => {
    const proxy = await squid();
    const { code, report } = await check('control', ['a', 'b', 'c'], proxy);
    expect(proxied(report).map((a) => [a.site, a.outcome])).toEqual([
      ['a', 'ok'],
      ['b', 'ok'],
      ['c', 'ok'],
    ]);
    expect(await proxy.logged(/TCP_TUNNEL\/200 .* CONNECT www\.a\.test:/)).toBe(true);
    expect(code).toBe(0);
  });

  it('two sites down (their servers refuse), the third served: Squid could not reach them either, and says so; the sites, not the proxy', async () => {
    const proxy = await squid();
    const { code, report } = await check('two-down', ['a', 'x', 'y'], proxy);
    expect(statuses(report)).toEqual({ a: 'ok', x: 'down', y: 'down' });
    expect(report.incidents.filter((i) => i.provider?.startsWith('proxy'))).toEqual([]);
    for (const site of report.sites.filter((s) => s.name !== 'a')) expect(String(site.blame?.provider)).not.toMatch(/^proxy/);
    // Squid's own answer, its 503 for a refused connection, kept in the message with what Squid says of it.
    for (const a of proxied(report).filter((a) => a.site !== 'a')) {
      expect(a.error).toEqual({ code: 'PROXY_503', message: expect.stringMatching(/^proxy refused CONNECT www\.[xy]\.test:\d+: HTTP\/1\.1 503 Service Unavailable \(X-Squid-Error: ERR_CONNECT_FAIL 111\)$/) });
      expect(a.explanation).toBe(`the proxy ${proxy.url} could not reach the site itself (PROXY_503)`);
    }
    expect(await proxy.logged(/\/503 .* CONNECT www\.x\.test:/)).toBe(true);
    expect(code).toBe(1);
  });

  it('every site refusing, directly and to Squid alike: no way out here reaches any of them; nothing is blamed, the proxy least', async () => {
    const proxy = await squid();
    const { code, report } = await check('all-down', ['x', 'y', 'z'], proxy);
    // Nothing answered but the resolver and the proxy: this network's way out (a firewall refusing for all), or every
    // site — the local-network verdict, which blames no one.
    expect(report.verdict).toBe('local-network');
    expect(report.summary).toMatch(/no HTTP response from any of 6 attempts \(3× ECONNREFUSED, 3× PROXY_503\); no provider is blamed$/);
    expect(report.incidents).toEqual([]);
    expect(code).toBe(3);
  });

  it('the sites fetched through it all down, another site (not through it) served: Squid reached none because none serves; not the proxy', async () => {
    const proxy = await squid();
    const { code, report } = await check('through-down', ['x', 'y'], proxy, ['a']);
    expect(statuses(report)).toEqual({ x: 'down', y: 'down', a: 'ok' });
    expect(report.incidents.filter((i) => i.provider?.startsWith('proxy'))).toEqual([]);
    for (const site of report.sites) expect(String(site.blame?.provider)).not.toMatch(/^proxy/);
    expect(code).toBe(1);
  });

  it('Squid cannot resolve any name (its DNS server silent): it takes the connections and answers no CONNECT in time; the proxy fails, each site answers on its own path; exit 2', async () => {
    // Squid waits for DNS up to dns_timeout (30 s by default; it answers 500 ERR_CANNOT_FORWARD at 5 s at the least).
    const proxy = await squid({ hosts: {} });
    const { code, report } = await check('proxy-dns', ['a', 'b', 'c'], proxy);
    expect(report.incidents.map((i) => [i.kind, i.provider])).toEqual([['provider', `proxy ${proxy.url}`]]);
    // It read "nothing answers at its address the way a proxy should (the proxy is down, or the way to it fails)".
    expect(report.incidents[0]!.summary).toContain(
      '(3× ETIMEDOUT): it took the connections and answered none of the CONNECT requests within the wait: it is stuck on its own way out (resolving the names, connecting onward) or hung; each answers on its other paths',
    );
    expect(statuses(report)).toEqual({ a: 'degraded', b: 'degraded', c: 'degraded' });
    expect(code).toBe(2);
  });

  it('Squid\'s policy tunnels to port 443 only, and the sites are on another: its policy, said so; exit 2', async () => {
    const proxy = await squid({ connectPorts: [443] });
    const { code, report } = await check('policy', ['a', 'b', 'c'], proxy);
    expect(report.incidents).toHaveLength(1);
    expect(report.incidents[0]!.summary).toContain('(3× PROXY_403): its policy refuses every one (403)');
    expect(await proxy.logged(/TCP_DENIED\/403 .* CONNECT www\.a\.test:/)).toBe(true);
    expect(code).toBe(2);
  });

  it('Squid the only way out, and every site refusing it: nothing could be tested here, and the summary says Squid could not reach them (not "is it running?")', async () => {
    const proxy = await squid();
    const { code, report } = await check('only-proxy', ['x', 'y', 'z'], proxy, [], true);
    expect(report.verdict).toBe('local-network');
    expect(report.summary).toBe(
      `Local network problem: every fetch goes through the proxy ${proxy.url}, which opened a tunnel for none of 3 attempts (3× PROXY_503): it could not reach any of them itself (503); no provider is blamed`,
    );
    expect(code).toBe(3);
  });

  it('Squid\'s blocklist refusing two sites, tunnelling for the third: those two degraded by its policy, said so; no proxy incident', async () => {
    const proxy = await squid({ deniedHosts: ['www.b.test', 'www.c.test'] });
    const { code, report } = await check('blocklist', ['a', 'b', 'c'], proxy);
    expect(statuses(report)).toEqual({ a: 'ok', b: 'degraded', c: 'degraded' });
    expect(report.incidents).toEqual([]);
    for (const site of report.sites.filter((s) => s.name !== 'a')) {
      expect(site.blame?.reason).toBe(`the proxy ${proxy.url} refuses a tunnel to the site by its policy (PROXY_403): a blocklist or a port it does not allow`);
    }
    expect(await proxy.logged(/TCP_DENIED\/403 .* CONNECT www\.b\.test:/)).toBe(true);
    expect(code).toBe(1);
  });
});
