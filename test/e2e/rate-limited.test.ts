// Sites that rate-limit the probe are up: a real nginx serving three sites' virtual hosts with one limit on each
// client's requests across them (limit_req, 1 a minute, `limit_req_status 429`), so the probe's first fetch there is
// served and the next two get nginx's own 429 page. It read as "2 down (…) of 4 sites; the site answered 429", exit 1;
// RFC 6585 §4 makes 429 a limit on this client: those sites are untested from here, said once with what to change.
// A DNS-over-HTTPS resolver answering 429 once this run has asked it more than it allows read as "Resolver … failing:
// HTTP 429 for 5 of 8 names that one answer", exit 2: the names are judged on the other resolver.
// Cloudflare's own pages saying the same at its edge — 1015 "You are being rate limited", 1006 "your IP address has
// been banned" (written from its 1xxx docs, src/lab/corpus/cloudflare.ts) — read as those sites down, exit 1: now
// untested from here, each said once.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { startNginx, type RunningNginx } from '../../src/lab/nginx.js';
import { skipReason, toolSupport } from '../../src/lab/netns.js';
import { checkSitesAt, loopback, type Loopback } from '../support/loopback.js';
import { runCli } from '../support/cli.js';
import { expectValidReport } from '../support/schema.js';
import { corpusEntry } from '../../src/lab/corpus/index.js';

const reason = skipReason('rate-limited sites (real nginx)', toolSupport([['nginx', '-v']]));
const LIMITED = ['shop.alpha.test', 'blog.bravo.test', 'wiki.charlie.test'];

let lab: Loopback;
let nginx: RunningNginx;
let report: Report;
let code: number | null;

describe.skipIf(reason !== null)('sites whose server rate-limits this probe', () => {
  beforeAll(async () => {
    lab = loopback();
    nginx = await startNginx(
      '127.0.24.7',
      LIMITED.map((serverName) => ({ serverName, tls: lab.ca.issue([serverName]), upstream: null, body: `<html>${serverName}</html>` })),
      { limitRequests: { perMinute: 1, status: 429 } },
    );
    const healthy = await lab.edges(['127.0.24.20'], ['elsewhere.hotel.test'], () => () => ({ kind: 'respond', status: 200, body: 'ok' }));
    const at: Record<string, [string, number]> = {
      ...Object.fromEntries(LIMITED.map((n) => [n, ['127.0.24.7', nginx.port] as [string, number]])),
      'elsewhere.hotel.test': ['127.0.24.20', healthy],
    };
    ({ code, report } = await checkSitesAt(lab, '127.0.24.53', at, 'limited.yaml'));
    expectValidReport(report);
    console.log(`exit ${code}: ${report.summary}`);
  }, 60_000);

  afterAll(async () => {
    await nginx?.close();
    await lab?.close();
  });

  it("nginx served the first fetch and refused the next two with its own 429: those two untested, the limit said once, exit 0", () => {
    const limited = report.sites.filter((s) => LIMITED.includes(s.host));
    const served = limited.filter((s) => s.status === 'ok');
    const refused = limited.filter((s) => s.status === 'untested');
    expect([served.length, refused.length]).toEqual([1, 2]);
    for (const site of refused) {
      const [attempt] = site.attempts;
      expect([attempt!.httpStatus, attempt!.headers.server]).toEqual([429, expect.stringMatching(/^nginx/)]);
      expect(attempt!.explanation).toBe('the site rate-limits this probe (429 Too Many Requests): it answers, and refuses this client for now');
    }
    expect(report.sites.find((s) => s.name === 'elsewhere')!.status).toBe('ok');
    expect(report.host.notes).toEqual([expect.stringMatching(new RegExp(`^2 sites rate-limit this probe: ${refused.map((s) => s.name).join(', ')} answered 429 Too Many Requests — up and answering`))]);
    expect(report.summary).toBe('2 of 4 sites ok; 2 untested from here: 2 sites rate-limit this probe (429)');
    expect(report.incidents).toEqual([]);
    expect(code).toBe(0);
  });
});

describe('a DNS-over-HTTPS resolver that rate-limits this host', () => {
  let doh: Loopback;
  afterAll(async () => doh?.close());

  it('answers its first six questions and 429 to the rest: not a resolver failing; the names judged on the other resolver, exit 0', async () => {
    doh = loopback();
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const records = Object.fromEntries(names.map((n, i) => [`www.${n}.test`, { A: [`127.0.25.${i + 1}`] }]));
    const plain = await doh.dns({ host: '127.0.25.53', data: { zones: ['test'], records } });
    let served = 0;
    const limiting = await doh.dns({ host: '127.0.25.54', data: { zones: ['test'], records }, doh: doh.ca.issue(['127.0.25.54']), dohStatus: () => ((served += 1) > 6 ? 429 : null) });
    const port = await doh.edges(names.map((_, i) => `127.0.25.${i + 1}`), Object.keys(records), () => () => ({ kind: 'respond', status: 200, body: 'ok' }));
    const config = doh.writeFile(
      'doh.yaml',
      `resolvers:
  - { name: plain, address: "127.0.25.53:${plain.port}" }
  - { name: limiting, doh: "${limiting.dohUrl}" }
defaults: { timeout: 3s, deadline: 15s, paths: [edge] }
tls: { ca: ./ca.pem }
sites:
${names.map((n) => `  - { name: ${n}, url: "https://www.${n}.test:${port}/" }`).join('\n')}
`,
    );
    const run = await runCli(['check', '--config', config, '--json'], { cwd: doh.dir });
    const report = JSON.parse(run.stdout) as Report;
    expectValidReport(report);
    console.log(`exit ${run.code}: ${report.summary}`);
    const limited = report.sites.flatMap((s) => s.dns).filter((d) => d.resolver === 'limiting' && d.error?.code === 'HTTP_429');
    expect(limited.length).toBeGreaterThanOrEqual(5);
    expect(report.incidents).toEqual([]);
    expect(report.sites.map((s) => s.status)).toEqual(names.map(() => 'ok'));
    expect(report.host.notes).toEqual([expect.stringMatching(/^resolver limiting rate-limits this host: it answered HTTP 429 Too Many Requests to \d+ of \d+ questions — this run asked it more than it allows, not a resolver failing; those names were judged on the other resolvers/)]);
    expect(report.summary).toBe('All 8 sites ok; resolver limiting rate-limits this host (HTTP 429)');
    expect(run.code).toBe(0);
  });
});

describe("Cloudflare's own page refusing this probe for its rate or its address", () => {
  let edge: Loopback;
  afterAll(async () => edge?.close());

  it('1015 (rate limited) and 1006 (IP address banned), written from the 1xxx docs: untested from here, each said once; exit 0', async () => {
    edge = loopback();
    const pages: Record<string, string> = { 'shop.alpha.test': 'cloudflare/1015', 'news.bravo.test': 'cloudflare/1006' };
    const port = await edge.edges(['127.0.25.60', '127.0.25.61'], ['shop.alpha.test', 'news.bravo.test', 'blog.charlie.test'], () => (req) => {
      const page = pages[req.host.split(':')[0]!];
      if (!page) return { kind: 'respond', status: 200, body: 'ok' };
      const r = corpusEntry(page).respond({ host: req.host, path: req.path, method: req.method, userAgent: req.headers['user-agent'] ?? '', httpVersion: req.httpVersion, edgeIndex: 0, pop: null, now: new Date() });
      return { kind: 'respond', status: r.status, headers: r.headers, body: r.body };
    });
    const at: Record<string, [string, number]> = { 'shop.alpha.test': ['127.0.25.60', port], 'news.bravo.test': ['127.0.25.60', port], 'blog.charlie.test': ['127.0.25.61', port] };
    const { code, report } = await checkSitesAt(edge, '127.0.25.63', at, 'cloudflare-refusals.yaml');
    expectValidReport(report);
    console.log(`exit ${code}: ${report.summary}`);
    expect(Object.fromEntries(report.sites.map((s) => [s.host, s.status]))).toEqual({ 'shop.alpha.test': 'untested', 'news.bravo.test': 'untested', 'blog.charlie.test': 'ok' });
    expect(report.sites.flatMap((s) => s.attempts.map((a) => a.challenge?.refuses ?? null))).toEqual(['rate', 'address', null]);
    expect(report.host.notes).toEqual([
      expect.stringMatching(/^1 site behind Cloudflare rate-limits this probe: shop answered Cloudflare's own page \(Cloudflare error 1015: the requester is rate limited\)/),
      expect.stringMatching(/^1 site behind Cloudflare refuses this host's address: news answered Cloudflare's own page \(Cloudflare error 1006: the requester's IP address is banned\)/),
    ]);
    expect(report.incidents).toEqual([]);
    expect(report.findings).toEqual([]);
    expect(code).toBe(0);
  });
});
