// Many sites of one list on one server that limits each client's requests in process: a real nginx with forty
// name-based virtual hosts proxying to a slow application server (150 ms), `limit_conn` across them per client address
// (https://nginx.org/en/docs/http/ngx_http_limit_conn_module.html; over the limit, nginx's own 503 page). With the
// run's 32 fetches at once, 32 of them went to that one server (limit_conn 10): "30 down (site11, …) of 40 sites; no shared
// cause found", exit 1 — this run's own load as the diagnosis. Now a server address gets at most
// `perAddressConcurrency` (8) at once; a server whose limit is lower still fails some, gets fewer at once from then on,
// and each such fetch is asked again alone: served, it is the site up and the limit said once, as this run's load. A
// virtual host whose application fails every request fails alone too: that site is down on its own. An nginx limiting
// each client's request rate (limit_req, 10 a second, no burst, its default 503) refuses the fetches alone too: "9 down
// … of 10 sites; no shared cause found", exit 1; the page it served, fetched again at once, is refused as well, so the
// server refuses this client now and those sites are untested from here. The real binary; loopback only.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { startNginx, type RunningNginx } from '../../src/lab/nginx.js';
import { startHttpServer, type RunningHttpServer } from '../../src/lab/http-server.js';
import { skipReason, toolSupport } from '../../src/lab/netns.js';
import { checkSitesAt, loopback, type Loopback } from '../support/loopback.js';
import { expectValidReport } from '../support/schema.js';
import { runCli } from '../support/cli.js';

const reason = skipReason('per-client connection limit (real nginx)', toolSupport([['nginx', '-v']]));
const SITES = Array.from({ length: 40 }, (_, i) => `site${i + 1}.shared${i + 1}.test`);

/** `check --json` of the forty sites (and `extra` virtual hosts) on one nginx limiting each client to `perClient` requests in process. */
async function checkLimited(lab: Loopback, server: string, perClient: number, extra: { serverName: string; upstream: string }[] = []): Promise<{ code: number | null; report: Report; nginx: RunningNginx }> {
  const app: RunningHttpServer = await startHttpServer({ host: '127.0.26.8', handler: () => ({ kind: 'respond', status: 200, body: 'app', delayMs: 150 }) });
  try {
    // The extra virtual hosts first: their fetches are among the first at the server, with the others.
    const hosts = [...extra, ...SITES.map((serverName) => ({ serverName, upstream: `127.0.26.8:${app.port}` }))];
    const nginx = await startNginx(server, hosts.map((h) => ({ ...h, tls: lab.ca.issue([h.serverName]) })), { limitConnections: { perClient, status: 503 } });
    const at = Object.fromEntries(hosts.map((h) => [h.serverName, [server, nginx.port] as [string, number]]));
    const { code, report } = await checkSitesAt(lab, '127.0.26.53', at, `limit-${perClient}.yaml`);
    expectValidReport(report);
    console.log(`limit_conn ${perClient}: exit ${code}: ${report.summary}`);
    return { code, report, nginx };
  } finally {
    await app.close();
  }
}

describe.skipIf(reason !== null)('sites on one server that limits each client\'s requests at once', () => {
  let lab: Loopback;
  const servers: RunningNginx[] = [];
  beforeAll(() => {
    lab = loopback();
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await lab?.close();
  });

  it('limit_conn 10, over what the run sends one address at once: all forty served, nothing asked again, exit 0', async () => {
    const { code, report, nginx } = await checkLimited(lab, '127.0.26.7', 10);
    servers.push(nginx);
    expect(report.sites.map((s) => s.status)).toEqual(SITES.map(() => 'ok'));
    expect(report.sites.flatMap((s) => s.attempts).filter((a) => a.crowded !== undefined)).toEqual([]);
    expect([report.summary, report.host.notes, code]).toEqual(['All 40 sites ok', [], 0]);
  }, 60_000);

  it("limit_conn 2: nginx's 503s to the crowd asked again alone and served; the limit said once as this run's load; the site whose application fails every request is down on its own", async () => {
    // The broken site's application fails every request, as slowly as the others answer: its fetch overlaps theirs.
    const failing = await startHttpServer({ host: '127.0.26.9', handler: () => ({ kind: 'respond', status: 500, body: 'application error', delayMs: 150 }) });
    const { code, report, nginx } = await checkLimited(lab, '127.0.26.10', 2, [{ serverName: 'broken.other.test', upstream: `127.0.26.9:${failing.port}` }]).finally(() => failing.close());
    servers.push(nginx);
    const status = Object.fromEntries(report.sites.map((s) => [s.name, s.status]));
    expect(status).toEqual({ ...Object.fromEntries(SITES.map((n) => [n.split('.')[0], 'ok'])), broken: 'down' });

    const crowded = report.sites.flatMap((s) => s.attempts).filter((a) => a.crowded !== undefined && a.site !== 'broken');
    expect(crowded.length).toBeGreaterThan(0);
    for (const a of crowded) {
      expect(a.crowded!.atOnce).toBeGreaterThan(2);
      expect(a.crowded!.atOnce).toBeLessThanOrEqual(8);
      expect(a.crowded!.first).toMatchObject({ httpStatus: 503, error: null });
      expect([a.outcome, a.httpStatus]).toEqual(['ok', 200]);
    }
    // The broken site: down on its own 500. Its first try came while others were at the server, so it was asked again
    // alone (500 again) and is said with the rest — unless, the order fetches reach the server not the list's under
    // load, it was alone there from the start; its first try over the limit got nginx's 503 instead.
    const broken = report.sites.find((s) => s.name === 'broken')!;
    expect(broken.attempts[0]).toMatchObject({ httpStatus: 500, outcome: 'http-error' });
    expect(broken.blame?.provider ?? null).toBeNull();
    const brokenFirst = broken.attempts[0]!.crowded?.first.httpStatus;
    if (brokenFirst !== undefined) expect([500, 503]).toContain(brokenFirst);
    const failedAlone = brokenFirst !== undefined ? '; 1 fetch failed alone too \\(broken\\), and its site is judged on that' : '';
    const got = brokenFirst === 500 ? `HTTP 503 ×${crowded.length}, HTTP 500 ×1` : 'HTTP 503';
    expect(report.host.notes).toEqual([
      expect.stringMatching(
        new RegExp(`^server 127\\.0\\.26\\.10 failed ${crowded.length + (brokenFirst !== undefined ? 1 : 0)} fetches while this probe had up to [3-8] there at once \\(${got}\\); asked again alone, ${crowded.length} (was|were) served \\(.*\\)${failedAlone} — it limits how many connections or requests one client may have at once`),
      ),
    ]);
    expect(report.incidents).toEqual([]);
    expect(report.summary).toMatch(/^1 down \(broken\) of 41 sites; no shared cause found; server 127\.0\.26\.10 limits this probe's fetches at once/);
    expect(code).toBe(1);
  }, 60_000);
});

describe('a fetch asked again alone that the run\'s end overtakes', () => {
  let lab: Loopback;
  afterAll(async () => lab?.close());

  it('keeps what its first try got: a 503 among a served fetch and one hanging to the deadline is the site down, not "not probed"', async () => {
    lab = loopback();
    const hosts = { 'fail.alpha.test': 'fail', 'ok.bravo.test': 'ok', 'hang.charlie.test': 'hang' } as const;
    const port = await lab.edges(['127.0.26.30'], Object.keys(hosts), () => (req) => {
      const what = hosts[req.host.split(':')[0] as keyof typeof hosts];
      // The 503 comes after 200 ms: the other two fetches are surely at the address meanwhile.
      return what === 'hang' ? { kind: 'hang' } : { kind: 'respond', status: what === 'ok' ? 200 : 503, body: what, delayMs: what === 'ok' ? 0 : 200 };
    });
    const dns = await lab.dns({ host: '127.0.26.31', data: { zones: ['alpha.test', 'bravo.test', 'charlie.test'], records: Object.fromEntries(Object.keys(hosts).map((h) => [h, { A: ['127.0.26.30'] }])) } });
    // The failing site's own wait (1 s) fits before the deadline (2 s): it is asked again alone, behind the hanging fetch.
    const config = lab.writeFile(
      'overtaken.yaml',
      `resolvers:
  - { name: lab, address: "127.0.26.31:${dns.port}" }
defaults: { timeout: 2s, deadline: 2s, paths: [edge] }
tls: { ca: ./ca.pem }
sites:
  - { name: fail, url: "https://fail.alpha.test:${port}/", timeout: 1s }
  - { name: ok, url: "https://ok.bravo.test:${port}/" }
  - { name: hang, url: "https://hang.charlie.test:${port}/" }
`,
    );
    const run = await runCli(['check', '--config', config, '--json'], { cwd: lab.dir });
    const report = JSON.parse(run.stdout) as Report;
    expectValidReport(report);
    console.log(`exit ${run.code}: ${report.summary}`);
    const fail = report.sites.find((s) => s.name === 'fail')!;
    expect([fail.status, fail.attempts[0]!.httpStatus, fail.attempts[0]!.crowded ?? null]).toEqual(['down', 503, null]);
    expect(report.sites.find((s) => s.name === 'ok')!.status).toBe('ok');
  }, 30_000);
});

describe.skipIf(reason !== null)('sites on one server that limits each client\'s request rate, answering 503 (nginx limit_req\'s default)', () => {
  let lab: Loopback;
  let nginx: RunningNginx;
  afterAll(async () => {
    await nginx?.close();
    await lab?.close();
  });

  it('refused alone too, and the page it served refused when fetched again at once: untested from here, said once; exit 0', async () => {
    lab = loopback();
    const names = Array.from({ length: 10 }, (_, i) => `page${i + 1}.rated${i + 1}.test`);
    // limit_req at 10 a second, no burst: the first request of a tenth of a second is served, the rest get 503.
    nginx = await startNginx('127.0.26.40', names.map((serverName) => ({ serverName, tls: lab.ca.issue([serverName]), upstream: null, body: `<html>${serverName}</html>` })), { limitRequests: { perMinute: 600, status: 503 } });
    const { code, report } = await checkSitesAt(lab, '127.0.26.41', Object.fromEntries(names.map((n) => [n, ['127.0.26.40', nginx.port] as [string, number]])), 'rated.yaml');
    expectValidReport(report);
    console.log(`limit_req 503: exit ${code}: ${report.summary}`);
    const served = report.sites.filter((s) => s.status === 'ok');
    const untested = report.sites.filter((s) => s.status === 'untested');
    expect(served.length).toBeGreaterThan(0);
    expect(served.length + untested.length).toBe(10);
    for (const site of untested) expect(site.attempts[0]).toMatchObject({ httpStatus: 503, crowded: { first: { httpStatus: 503 } } });
    // One control refused is enough (a limit on a rate lets one through now and then): a page it served, refused.
    const controls = untested.flatMap((s) => (s.attempts[0]!.crowded?.control ? [s.attempts[0]!.crowded.control] : []));
    expect(controls.length).toBeGreaterThan(0);
    for (const c of controls) expect([c.httpStatus, served.map((s) => s.name).includes(c.site)]).toEqual([503, true]);
    expect(report.host.notes).toEqual([
      expect.stringMatching(new RegExp(`^server 127\\.0\\.26\\.40 refuses this client for now: it answered ${untested.length} fetches of this run at once and again alone \\(HTTP 503\\), and page\\d+'s page, which it had served, fetched again right after one of those got HTTP 503 too — a limit on this client's request rate`)),
    ]);
    expect(report.incidents).toEqual([]);
    expect(code).toBe(0);
  }, 60_000);
});
