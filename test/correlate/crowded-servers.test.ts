// A server that failed fetches while this run had several there at once, and served them when each was asked again
// alone, limits each client's connections: this run's own load, said once per server; every site judged on its fetch
// made alone. Recorded attempts (the probe's asking again is test/e2e/per-client-limit.test.ts, with a real nginx);
// addresses are data, never dialled.

import { describe, expect, it } from 'vitest';
import { attributeRecorded } from '../support/pipeline.js';
import { decideVerdict } from '../../src/correlate/verdict.js';
import { attemptOutcome } from '../../src/classify/outcome.js';
import { evaluateExpect } from '../../src/probe/kinds/http.js';
import { loadCatalog } from '../../src/fingerprint/index.js';
import { crowdedServers } from '../../src/correlate/crowded-servers.js';
import type { Attempt, CrowdedTry, DnsAnswer, FetchResult, ResolverSpec } from '../../src/model.js';
import { attempt, dnsAnswer, fetchResult, site } from '../support/records.js';
import { responses } from '../support/responses.js';

const catalog = loadCatalog([]);
const resolvers: ResolverSpec[] = [{ name: 'alpha', kind: 'udp', address: '127.0.0.53', port: 53, provider: null } as ResolverSpec];
const NGINX_503: CrowdedTry['first'] = { httpStatus: 503, error: null, failedPhase: null };
const REFUSED: CrowdedTry['first'] = { httpStatus: null, error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, failedPhase: 'connect' };
const APP_ERROR = { httpStatus: 500, headers: { server: 'nginx' }, bodySample: '<html>application error</html>' };

type Fetched = [address: string, response: Partial<FetchResult>, crowded?: CrowdedTry];

function fetched(name: string, [address, response, crowded]: Fetched): Attempt {
  const fetch = fetchResult({ ...response, address });
  const expect = evaluateExpect(site().expect, fetch);
  return attempt({ ...fetch, id: `${name}|edge|${address}`, site: name, family: 4, resolver: 'alpha', resolvers: ['alpha'], expect, outcome: attemptOutcome(fetch, expect), ...(crowded ? { crowded } : {}) });
}

function run(sites: Record<string, Fetched>) {
  const specs = Object.keys(sites).map((n) => site({ name: n, url: `https://www.${n}.test/`, host: `www.${n}.test` }));
  const dns: DnsAnswer[] = Object.entries(sites).map(([n, [address]]) => dnsAnswer({ resolver: 'alpha', name: `www.${n}.test`, type: 'A', values: [address] }));
  const attempts = Object.entries(sites).map(([n, f]) => fetched(n, f));
  const result = attributeRecorded({ sites: specs, resolvers }, dns, attempts, catalog, { minSites: 2 });
  return { ...result, verdict: decideVerdict(result.sites, result.local, result.incidents, result.host, result.findings) };
}

const status = (r: ReturnType<typeof run>) => Object.fromEntries(r.sites.map((s) => [s.name, s.status]));

describe('a server limiting how many of this run\'s fetches it takes at once', () => {
  it('its 503s to the crowd, each served alone: every site up, the limit said once as this run\'s load, exit 0', () => {
    const r = run({
      shop: ['198.51.100.7', responses.healthy(), { atOnce: 6, first: NGINX_503 }],
      news: ['198.51.100.7', responses.healthy(), { atOnce: 5, first: NGINX_503 }],
      blog: ['198.51.100.7', responses.healthy()],
    });
    expect(status(r)).toEqual({ shop: 'ok', news: 'ok', blog: 'ok' });
    expect(r.host.notes).toEqual([
      "server 198.51.100.7 failed 2 fetches while this probe had up to 6 there at once (HTTP 503); asked again alone, both were served (shop, news) — it limits how many connections or requests one client may have at once (nginx's limit_conn, a firewall's connlimit, a small pool of workers behind it): this run's own load, not the sites; the run sent it fewer at once from then on — lower `perAddressConcurrency` in probes.yaml",
    ]);
    expect(r.incidents).toEqual([]);
    expect(r.verdict).toMatchObject({ exitCode: 0, summary: "All 3 sites ok; server 198.51.100.7 limits this probe's fetches at once (each served alone)" });
  });

  it('connects that timed out in the crowd, each served alone: a limit that drops, or a path that lost them; every site up', () => {
    const dropped: CrowdedTry['first'] = { httpStatus: null, error: { code: 'ETIMEDOUT', message: 'attempt timed out after 3000 ms' }, failedPhase: 'connect' };
    const r = run({
      shop: ['198.51.100.7', responses.healthy(), { atOnce: 8, first: dropped }],
      news: ['198.51.100.7', responses.healthy(), { atOnce: 8, first: dropped }],
      blog: ['198.51.100.7', responses.healthy()],
    });
    expect(status(r)).toEqual({ shop: 'ok', news: 'ok', blog: 'ok' });
    expect(r.host.notes).toEqual([
      "server 198.51.100.7 failed 2 fetches while this probe had up to 8 there at once (ETIMEDOUT at connect); asked again alone, both were served (shop, news) — it drops connections over a limit one client may have at once (a firewall's connlimit with drop), or the way to it lost those: this run's own load or the path, not the sites; the run sent it fewer at once from then on — lower `perAddressConcurrency` in probes.yaml",
    ]);
    expect(r.verdict.exitCode).toBe(0);
  });

  it('one failed alone too: that site is down on its own, said with the rest; the other served alone is up', () => {
    const r = run({
      shop: ['198.51.100.7', responses.healthy(), { atOnce: 4, first: REFUSED }],
      news: ['198.51.100.7', APP_ERROR, { atOnce: 4, first: { httpStatus: 500, error: null, failedPhase: null } }],
      blog: ['198.51.100.7', responses.healthy()],
      wiki: ['198.51.100.8', responses.healthy()],
    });
    expect(status(r)).toEqual({ shop: 'ok', news: 'down', blog: 'ok', wiki: 'ok' });
    expect(r.host.notes).toEqual([expect.stringMatching(/^server 198\.51\.100\.7 failed 2 fetches while this probe had up to 4 there at once \(connection refused ×1, HTTP 500 ×1\); asked again alone, 1 was served \(shop\); 1 fetch failed alone too \(news\), and its site is judged on that — /)]);
    expect(r.verdict).toMatchObject({ exitCode: 1 });
    expect(r.verdict.summary).toMatch(/^1 down \(news\) of 4 sites; no shared cause found; server 198\.51\.100\.7 limits this probe's fetches at once \(1 of 2 served alone\)$/);
  });

  it('none served alone: no limit is said, the sites read as their fetches alone say', () => {
    const r = run({
      shop: ['198.51.100.7', APP_ERROR, { atOnce: 3, first: NGINX_503 }],
      news: ['198.51.100.7', APP_ERROR, { atOnce: 3, first: NGINX_503 }],
      blog: ['198.51.100.9', responses.healthy()],
    });
    expect(status(r)).toEqual({ shop: 'down', news: 'down', blog: 'ok' });
    expect(r.host.notes).toEqual([]);
    expect(crowdedServers(r.sites.map((s) => ({ report: s })))).toBeNull();
  });

  it('refused alone too, and refusing the page it had served when fetched again: untested from here, said once; a site that failed alone with a control served stays down', () => {
    const limited = { httpStatus: 503, headers: { server: 'nginx' }, bodySample: '<html><title>503 Service Temporarily Unavailable</title></html>' };
    const control = { site: 'blog', httpStatus: 503, error: null, failedPhase: null };
    const r = run({
      shop: ['198.51.100.7', limited, { atOnce: 8, first: NGINX_503, control }],
      news: ['198.51.100.7', limited, { atOnce: 7, first: NGINX_503, control }],
      blog: ['198.51.100.7', responses.healthy()],
      // Let through alone by the same limit: said with the refusals, not as a limit on fetches at once.
      shop2: ['198.51.100.7', responses.healthy(), { atOnce: 6, first: NGINX_503 }],
      wiki: ['198.51.100.9', APP_ERROR, { atOnce: 2, first: { httpStatus: 500, error: null, failedPhase: null } }],
      docs: ['198.51.100.9', responses.healthy()],
    });
    expect(status(r)).toEqual({ shop: 'untested', news: 'untested', blog: 'ok', shop2: 'ok', wiki: 'down', docs: 'ok' });
    expect(r.host.notes).toEqual([
      "server 198.51.100.7 refuses this client for now: it answered 2 fetches of this run at once and again alone (HTTP 503), and blog's page, which it had served, fetched again right after one of those got HTTP 503 too — a limit on this client's request rate (nginx's limit_req answers 503 unless told otherwise), or the server failing since; not about those pages: 2 sites untested from here (shop, news); 1 other served when asked again alone (shop2). Probe them less often or with less concurrency, or have this host's address allowed",
    ]);
    expect(r.incidents).toEqual([]);
    expect(r.verdict.summary).toBe("1 down (wiki) of 6 sites; no shared cause found; 2 untested from here: server 198.51.100.7 refuses this client for now (2 sites untested)");
  });

  it('said per server', () => {
    const found = crowdedServers([
      { report: { name: 'shop', attempts: [fetched('shop', ['198.51.100.7', responses.healthy(), { atOnce: 3, first: NGINX_503 }])] } },
      { report: { name: 'news', attempts: [fetched('news', ['198.51.100.8', responses.healthy(), { atOnce: 2, first: REFUSED }])] } },
      { report: { name: 'blog', attempts: [fetched('blog', ['198.51.100.8', responses.healthy()])] } },
    ]);
    expect(found!.short).toEqual(["server 198.51.100.7 limits this probe's fetches at once (each served alone)", "server 198.51.100.8 limits this probe's fetches at once (each served alone)"]);
    expect(found!.notes.map((n) => n.slice(0, 95))).toEqual([
      'server 198.51.100.7 failed 1 fetch while this probe had up to 3 there at once (HTTP 503); asked',
      'server 198.51.100.8 failed 1 fetch while this probe had up to 2 there at once (connection refus',
    ]);
    expect(found!.notes[0]).toContain('asked again alone, it was served (shop)');
  });
});
