// One server several customers' sites are served from, failing for all of them: one shared cause, said about the
// server. Recorded attempts through classify and correlate; each case has its control.

import { describe, expect, it } from 'vitest';
import { attributeRecorded } from '../support/pipeline.js';
import { decideVerdict } from '../../src/correlate/verdict.js';
import { attemptOutcome } from '../../src/classify/outcome.js';
import { evaluateExpect } from '../../src/probe/kinds/http.js';
import { loadCatalog } from '../../src/fingerprint/index.js';
import type { Attempt, DnsAnswer, FetchResult, ResolverSpec } from '../../src/model.js';
import { attempt, dnsAnswer, fetchResult, site } from '../support/records.js';
import { responses } from '../support/responses.js';

const catalog = loadCatalog([]);
const resolvers: ResolverSpec[] = [{ name: 'alpha', kind: 'udp', address: '127.0.0.53', port: 53, provider: null }];
const refused: Partial<FetchResult> = { httpStatus: null, headers: {}, bodySample: '', error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, failedPhase: 'connect', timings: { connectMs: null, tlsMs: null, ttfbMs: null, totalMs: 2 } };
const badGateway: Partial<FetchResult> = { httpStatus: 502, headers: { server: 'nginx/1.22.1' }, bodySample: '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx/1.22.1</center></body></html>' };
const RUN_BEGAN = Date.parse('2026-11-22T00:00:00.000Z');
const servedIn = (ms: number, response: Partial<FetchResult> = {}): Partial<FetchResult> => ({ ...response, timings: { connectMs: 1, tlsMs: 2, ttfbMs: ms - 1, totalMs: ms } });
const noConnection: Partial<FetchResult> = { httpStatus: null, headers: {}, bodySample: '', error: { code: 'ETIMEDOUT', message: 'attempt timed out after 3000 ms' }, failedPhase: 'connect', timings: { connectMs: null, tlsMs: null, ttfbMs: null, totalMs: 3000 } };
const neverAnswered: Partial<FetchResult> = { httpStatus: null, headers: {}, bodySample: '', error: { code: 'ETIMEDOUT', message: 'attempt timed out after 3000 ms' }, failedPhase: 'response', timings: { connectMs: 1, tlsMs: 2, ttfbMs: null, totalMs: 3000 } };
const notFound: Partial<FetchResult> = { httpStatus: 404, headers: { server: 'nginx/1.22.1' }, bodySample: '<html><head><title>404 Not Found</title></head></html>' };

/** [site, host, address, response, began]: each site's host resolved by alpha to its address, fetched there once, `began` ms into the run. */
function judge(layout: Array<[string, string, string, Partial<FetchResult>, number?]>) {
  const sites = layout.map(([name, host]) => site({ name, url: `https://${host}/` }));
  // Each host's zone as the NS walk finds it: its last two labels (one customer's names share one).
  const dns: DnsAnswer[] = layout.flatMap(([, host, address]) => {
    const zone = host.split('.').slice(-2).join('.');
    return [
      // A custom domain on GitHub Pages is a CNAME to its owner's github.io name.
      dnsAnswer({ name: host, values: [address], cnameChain: address.startsWith('185.199.') ? [`${host.split('.')[1]}.github.io`] : [] }),
      dnsAnswer({ name: host, type: 'NS', outcome: 'empty', values: [], zone }),
      dnsAnswer({ name: zone, type: 'NS', values: [`ns1.${zone}`], zone }),
    ];
  });
  const attempts: Attempt[] = layout.map(([name, host, address, response, began]) => {
    const fetch = fetchResult({ url: `https://${host}/`, ...response, address });
    const expect = evaluateExpect(site().expect, fetch);
    const startedAt = new Date(RUN_BEGAN + (began ?? 0)).toISOString();
    return attempt({ ...fetch, id: `${name}|edge|${address}`, site: name, family: address.includes(':') ? 6 : 4, startedAt, expect, outcome: attemptOutcome(fetch, expect) });
  });
  const result = attributeRecorded({ sites, resolvers }, dns, attempts, catalog, { minSites: 2 });
  return { ...result, verdict: decideVerdict(result.sites, result.local, result.incidents, result.host, result.findings) };
}

const healthy: Array<[string, string, string, Partial<FetchResult>]> = [
  ['news', 'www.news.test', '151.101.1.10', responses.fastlyOk()],
  ['docs', 'www.docs.test', '104.16.0.2', responses.cloudflareOk()],
];

describe('a shared server failing for every site it serves', () => {
  it('nothing answering at it, for sites of three customers: the server, named by its address (exit 2)', () => {
    const r = judge([['shop', 'www.shop.test', '198.51.100.7', refused], ['blog', 'blog.acme.test', '198.51.100.7', refused], ['wiki', 'wiki.other.test', '198.51.100.7', refused], ...healthy]);
    expect(r.incidents.map((i) => [i.kind, i.provider, i.layer, i.sites])).toEqual([['provider', 'server 198.51.100.7', 'network', ['shop', 'blog', 'wiki']]]);
    expect(r.incidents[0]!.summary).toMatch(/^server 198\.51\.100\.7 failing: 3 sites served from it fail there, and none is served from it in this run: nothing answers there the way a web server should \(3× ECONNREFUSED\)/);
    expect(r.incidents[0]!.controls).toEqual(['news', 'docs']);
    expect(r.verdict.exitCode).toBe(2);
  });

  it("its web server answering 502 for every one: what is behind it fails (layer origin)", () => {
    const r = judge([['shop', 'www.shop.test', '198.51.100.7', badGateway], ['blog', 'blog.acme.test', '198.51.100.7', badGateway], ...healthy]);
    expect(r.incidents.map((i) => [i.provider, i.layer])).toEqual([['server 198.51.100.7', 'origin']]);
    expect(r.incidents[0]!.summary).toMatch(/it answers 502 for every one of them: what serves them behind it fails/);
  });

  it("control: one customer's names on its own server are that customer's failure, no shared cause", () => {
    const r = judge([['www', 'www.acme.test', '198.51.100.7', refused], ['api', 'api.acme.test', '198.51.100.7', refused], ...healthy]);
    expect(r.incidents).toEqual([]);
    expect(r.verdict.exitCode).toBe(1);
  });

  it('control: a site still served from the same address leaves each failing site its own', () => {
    const r = judge([['shop', 'www.shop.test', '198.51.100.7', badGateway], ['blog', 'blog.acme.test', '198.51.100.7', badGateway], ['home', 'home.third.test', '198.51.100.7', responses.healthy()], ...healthy]);
    expect(r.incidents).toEqual([]);
  });

  it("control: a 404 is the site's own answer, not the server failing", () => {
    const r = judge([['shop', 'www.shop.test', '198.51.100.7', notFound], ['blog', 'blog.acme.test', '198.51.100.7', notFound], ...healthy]);
    expect(r.incidents).toEqual([]);
  });

  it('a hosting platform without regions (GitHub Pages) failing for every site on it: the platform, not each site', () => {
    // Two customers' custom domains, on two of its shared addresses.
    const r = judge([['shop', 'www.shop.test', '185.199.108.153', refused], ['blog', 'blog.acme.test', '185.199.109.153', refused], ...healthy]);
    expect(r.incidents.map((i) => [i.kind, i.provider, i.layer, i.sites])).toEqual([['provider', 'GitHub Pages', 'network', ['shop', 'blog']]]);
    expect(r.incidents[0]!.summary).toMatch(/^GitHub Pages failing: 2 sites served from it fail there, and none is served from it in this run/);
  });

  it('control: one site still served on the platform leaves the others their own', () => {
    const r = judge([['shop', 'www.shop.test', '185.199.108.153', refused], ['blog', 'blog.acme.test', '185.199.109.153', refused], ['home', 'home.third.test', '185.199.110.153', responses.healthy()], ...healthy]);
    expect(r.incidents).toEqual([]);
  });

  it('control: sites in a cloud region are the region rule\'s (one customer\'s server there is its finding)', () => {
    const r = judge([['shop', 'www.shop.test', '52.4.0.1', refused], ['blog', 'blog.acme.test', '52.4.0.1', refused], ...healthy]);
    expect(r.incidents.filter((i) => i.provider?.startsWith('server '))).toEqual([]);
  });
});

describe("a shared server's one address failing while its other answers", () => {
  it("is that address's incident, partial: the sites are degraded, not down", () => {
    const layout: Array<[string, string]> = [['shop', 'www.shop.test'], ['blog', 'blog.acme.test'], ['wiki', 'wiki.other.test']];
    const sites = layout.map(([name, host]) => site({ name, url: `https://${host}/` }));
    const dns: DnsAnswer[] = layout.flatMap(([, host]) => {
      const zone = host.split('.').slice(-2).join('.');
      return [dnsAnswer({ name: host, values: ['198.51.100.7'] }), dnsAnswer({ name: host, type: 'AAAA', values: ['2001:db8::7'] }), dnsAnswer({ name: host, type: 'NS', outcome: 'empty', values: [], zone }), dnsAnswer({ name: zone, type: 'NS', values: [`ns1.${zone}`], zone })];
    });
    const attempts: Attempt[] = layout.flatMap(([name, host]) =>
      (
        [
          ['198.51.100.7', responses.healthy()],
          ['2001:db8::7', refused],
        ] as const
      ).map(([address, response]) => {
        const fetch = fetchResult({ url: `https://${host}/`, ...response, address });
        const expect = evaluateExpect(site().expect, fetch);
        return attempt({ ...fetch, id: `${name}|edge|${address}`, site: name, family: address.includes(':') ? 6 : 4, expect, outcome: attemptOutcome(fetch, expect) });
      }),
    );
    const r = attributeRecorded({ sites, resolvers }, dns, attempts, catalog, { minSites: 2 });
    expect(r.incidents.map((i) => [i.provider, i.scope])).toEqual([['server 2001:db8::7', 'partial']]);
    expect(r.incidents[0]!.summary).toMatch(/^server 2001:db8::7 failing \(partial\): .*\(3× ECONNREFUSED\): this address of theirs, or the way to it, fails; each answers at another address/);
    expect(r.sites.map((s) => s.status)).toEqual(['degraded', 'degraded', 'degraded']);
    // The only IPv6 tried was that one server's: no finding about this host's IPv6 (one server is one witness).
    expect(r.host.summary).toBeNull();
  });
});

describe('an address that stops answering during the run (correlate/onset.ts)', () => {
  // 198.51.100.7 serves three customers' sites in the run's first 300 ms, then answers nothing: a fetch in flight
  // then, and three begun after, get no answer.
  const server: Array<[string, string, string, Partial<FetchResult>, number]> = [
    ['a1', 'www.a1.test', '198.51.100.7', servedIn(300), 0],
    ['a2', 'www.a2.test', '198.51.100.7', servedIn(280), 10],
    ['a3', 'www.a3.test', '198.51.100.7', servedIn(250), 40],
    ['b1', 'www.b1.test', '198.51.100.7', neverAnswered, 200],
    ['b2', 'www.b2.test', '198.51.100.7', noConnection, 310],
    ['b3', 'www.b3.test', '198.51.100.7', noConnection, 320],
    ['b4', 'www.b4.test', '198.51.100.7', noConnection, 330],
  ];
  /** Other networks' sites, each begun `began` ms into the run. */
  const others = (began: number): Array<[string, string, string, Partial<FetchResult>, number]> => [
    ['news', 'www.news.test', '151.101.1.10', servedIn(40, responses.fastlyOk()), began],
    ['docs', 'www.docs.test', '104.16.0.2', servedIn(40, responses.cloudflareOk()), began],
  ];

  it('a server: its sites served first are no control; the rest are its incident, said as stopping mid-run (exit 2)', () => {
    const r = judge([...server, ...others(500)]);
    expect(r.incidents.map((i) => [i.provider, i.layer, i.sites])).toEqual([['server 198.51.100.7', 'network', ['b1', 'b2', 'b3', 'b4']]]);
    expect(r.incidents[0]!.summary).toMatch(
      /^server 198\.51\.100\.7 failing: 4 sites served from it fail there: it stopped answering during this run — the 3 sites served there were all served by 00:00:00\.30 UTC, and none of the 4 fetches there still waiting then or begun after got an answer; the server or the way to it failed then, or it stopped answering this client \(a firewall banning it after many requests/,
    );
    expect(r.verdict.exitCode).toBe(2);
  });

  it('with nothing served elsewhere after it stopped (this host\'s way out may have gone then): no incident', () => {
    const r = judge([...server, ...others(0)]);
    expect(r.incidents).toEqual([]);
    expect(r.verdict.summary).toMatch(/^4 down .* no shared cause found/);
  });

  it('a failure over before its last site was served: a server failing now and then, no incident', () => {
    const r = judge([...server.map(([n, h, a, resp, began]): [string, string, string, Partial<FetchResult>, number] => (n === 'a3' ? [n, h, a, servedIn(250), 3_500] : [n, h, a, resp, began])), ...others(5_000)]);
    expect(r.incidents).toEqual([]);
  });

  it('control: sites whose certificate it does not hold (an answer: their own) after the others were served', () => {
    const wrongName: Partial<FetchResult> = { httpStatus: null, headers: {}, bodySample: '', error: { code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: "Hostname/IP does not match certificate's altnames" }, failedPhase: 'tls', timings: { connectMs: 1, tlsMs: null, ttfbMs: null, totalMs: 4 } };
    const after = server.filter(([n]) => n !== 'b1').map(([n, h, a, resp, began]): [string, string, string, Partial<FetchResult>, number] => [n, h, a, resp.httpStatus === null ? wrongName : resp, began]);
    const r = judge([...after, ...others(500)]);
    expect(r.incidents.filter((i) => /stopped answering/.test(i.summary))).toEqual([]);
  });

  it('a server that answers again before the run ends: its incident, said with both moments (exit 2)', () => {
    const again: Array<[string, string, string, Partial<FetchResult>, number]> = [
      ['a5', 'www.a5.test', '198.51.100.7', servedIn(60), 3_500],
      ['a6', 'www.a6.test', '198.51.100.7', servedIn(60), 3_520],
    ];
    const r = judge([...server, ...others(1_000), ...again]);
    expect(r.incidents.map((i) => [i.provider, i.layer, i.sites])).toEqual([['server 198.51.100.7', 'network', ['b1', 'b2', 'b3', 'b4']]]);
    expect(r.incidents[0]!.summary).toMatch(
      /^server 198\.51\.100\.7 failing: 4 sites served from it fail there: it stopped answering for a while during this run — the 3 sites served there before were all served by 00:00:00\.30 UTC, none of the 4 fetches there still waiting then or begun after got an answer until it answered again \(2 sites served there from 00:00:03\.50 UTC\)/,
    );
    expect(r.verdict.exitCode).toBe(2);
    // Controls: only two sites failing in the stretch (a server failing a connection now and then does that too);
    // nothing of another network served while it lasted (this host's way out may have gone then).
    expect(judge([...server.filter(([n]) => n !== 'b4'), ...others(1_000), ...again]).incidents).toEqual([]);
    expect(judge([...server, ...others(3_600), ...again]).incidents).toEqual([]);
  });

  it('control: a connection that opened late between the failures (a lossy path) — the server answered then: not a stretch', () => {
    const lateServed: Partial<FetchResult> = { timings: { connectMs: 1_000, tlsMs: 2, ttfbMs: 1_090, totalMs: 1_100 } };
    const r = judge([
      ...server.filter(([n]) => n.startsWith('a')),
      ['f1', 'www.f1.test', '198.51.100.7', noConnection, 400],
      ['l1', 'www.l1.test', '198.51.100.7', lateServed, 500],
      ['f2', 'www.f2.test', '198.51.100.7', noConnection, 2_000],
      ['f3', 'www.f3.test', '198.51.100.7', noConnection, 2_100],
      ['a5', 'www.a5.test', '198.51.100.7', servedIn(60), 5_200],
      ...others(1_000),
    ]);
    expect(r.incidents).toEqual([]);
  });

  it("one fetch begun after the last served: too little to say it stopped", () => {
    const r = judge([...server.filter(([n]) => n !== 'b3' && n !== 'b4'), ...others(500)]);
    expect(r.incidents).toEqual([]);
  });

  it("an edge address: its requests in flight and the connections it no longer took are one incident of its network, counted without the sites served before", () => {
    const fastly = server.map(([n, h, , resp, began]): [string, string, string, Partial<FetchResult>, number] => [n, h, '151.101.1.57', resp.httpStatus === null ? resp : servedIn(resp.timings!.totalMs, responses.fastlyOk()), began]);
    const r = judge([...fastly, ['docs', 'www.docs.test', '104.16.0.2', servedIn(40, responses.cloudflareOk()), 500]]);
    expect(r.incidents.map((i) => [i.provider, i.layer, [...i.sites].sort()])).toEqual([['Fastly', 'network', ['b1', 'b2', 'b3', 'b4']]]);
    expect(r.incidents[0]!.summary).toMatch(/^Fastly network incident \(partial\): 4 of 7 Fastly-fronted sites fail with .*; Fastly's 151\.101\.1\.57 stopped answering during this run — the 3 sites served there were all served by 00:00:00\.30 UTC/);
    // Without a control in time, the way out of this host is as likely: no incident of its network.
    const early = judge([...fastly, ['docs', 'www.docs.test', '104.16.0.2', servedIn(40, responses.cloudflareOk()), 0]]);
    expect(early.incidents.filter((i) => i.layer === 'network')).toEqual([]);
  });
});

describe("this host's way out gone during the run (correlate/way-out.ts)", () => {
  // Three networks serve in the run's first 300 ms; then nothing comes back from anywhere: fetches begun after at
  // each get no answer to their connection, and two customers' sites at a server whose pages take seconds were still
  // waiting for theirs (before, that server read as failing: "none is served from it in this run").
  const before: Array<[string, string, string, Partial<FetchResult>, number]> = [
    ['a1', 'www.a1.test', '198.51.100.7', servedIn(300), 0],
    ['a2', 'www.a2.test', '198.51.100.7', servedIn(250), 10],
    ['news', 'www.news.test', '151.101.1.10', servedIn(40, responses.fastlyOk()), 0],
    ['docs', 'www.docs.test', '104.16.0.2', servedIn(40, responses.cloudflareOk()), 0],
  ];
  const slowServer = (began: number, response: Partial<FetchResult> = neverAnswered): Array<[string, string, string, Partial<FetchResult>, number]> => [
    ['slow1', 'www.slow1.test', '192.0.2.44', response, began],
    ['slow2', 'app.slow2.test', '192.0.2.44', response, began],
  ];
  const after: Array<[string, string, string, Partial<FetchResult>, number]> = [
    ['b1', 'www.b1.test', '198.51.100.7', noConnection, 310],
    ['b2', 'www.b2.test', '198.51.100.7', noConnection, 320],
    ['news2', 'www.news2.test', '151.101.1.10', noConnection, 330],
    ['docs2', 'www.docs2.test', '104.16.0.2', noConnection, 340],
  ];

  it('nothing back from any network after a moment: nobody blamed, the sites waiting then or fetched after untested (exit 3)', () => {
    const r = judge([...before, ...slowServer(0), ...after]);
    expect(r.incidents).toEqual([]);
    expect(r.local.down).toBe(true);
    expect(r.local.evidence[0]).toMatch(
      /^this host's way out stopped answering during this run, at 00:00:00\.30 UTC: nothing came back from any network after it — 4 sites fetched after it at 3 networks that had answered before \(.*\) got nothing back while it lasted, not even to their connection or TLS handshake/,
    );
    expect(r.sites.filter((s) => s.status !== 'ok').map((s) => [s.name, s.status])).toEqual(['slow1', 'slow2', 'b1', 'b2', 'news2', 'docs2'].map((n) => [n, 'untested']));
    expect(r.verdict.exitCode).toBe(3);
  });

  it('fewer than half the sites caught by it: a note, those untested, the rest judged (exit 0)', () => {
    const served = Array.from({ length: 12 }, (_, i): [string, string, string, Partial<FetchResult>, number] => [`c${i}`, `www.c${i}.test`, '203.0.113.5', servedIn(100), 20 * i]);
    const r = judge([...before, ...served, ...after]);
    expect(r.local.down).toBe(false);
    expect(r.incidents).toEqual([]);
    expect(r.host.summary).toMatch(/this host's way out stopped answering at 00:00:00\.32 UTC/);
    expect(r.sites.filter((s) => s.status !== 'ok').map((s) => s.status)).toEqual(['untested', 'untested', 'untested', 'untested']);
    expect(r.verdict.exitCode).toBe(0);
  });

  it("a server whose connections went unanswered for seconds while the others answered stands: the way out's moment does not cover it", () => {
    // Its fetches began at the run's start and got no answer to their connection while three networks answered for
    // 2.5 s; the way out went after.
    const late = (ms: number): [string, string, string, Partial<FetchResult>, number][] => [...before, ...after].map(([n, h, a, resp, began]) => [n, h, a, resp.httpStatus === null ? resp : servedIn(resp.timings!.totalMs, resp), began + ms]);
    const r = judge([...slowServer(0, noConnection), ...late(2_200)]);
    expect(r.incidents.map((i) => [i.provider, i.sites])).toEqual([['server 192.0.2.44', ['slow1', 'slow2']]]);
    expect(r.host.summary ?? r.local.evidence.join()).toMatch(/way out stopped answering/);
  });

  it('a blip: nothing back for 1.8 s, then every network answering again — the sites fetched then untested, said with both moments (exit 0)', () => {
    const back = (began: number): Array<[string, string, string, Partial<FetchResult>, number]> => [
      ['a3', 'www.a3.test', '198.51.100.7', servedIn(40), began],
      ['news4', 'www.news4.test', '151.101.1.10', servedIn(40, responses.fastlyOk()), began],
      ['docs4', 'www.docs4.test', '104.16.0.2', servedIn(40, responses.cloudflareOk()), began],
      ['a4', 'www.a4.test', '198.51.100.7', servedIn(40), began + 10],
    ];
    const r = judge([...before, ...after, ...back(2_100)]);
    expect(r.incidents).toEqual([]);
    expect(r.local.down).toBe(false);
    expect(r.host.notes.join()).toMatch(/this host's way out stopped answering during this run, from 00:00:00\.30 to 00:00:02\.14 UTC \(1\.84s\): nothing came back from any network then — 4 sites fetched then at 3 networks/);
    expect(r.sites.filter((s) => s.status !== 'ok').map((s) => [s.name, s.status])).toEqual(['b1', 'b2', 'news2', 'docs2'].map((n) => [n, 'untested']));
    expect(r.verdict.exitCode).toBe(0);
    // A server dead all along, its connections' SYN sent again after the way was back (at 2.5 s, begun 1.5 s in), stays blamed.
    const dead = judge([...before, ...after, ...back(2_100), ...slowServer(1_500, noConnection)]);
    expect(dead.incidents.map((i) => [i.provider, i.sites])).toEqual([['server 192.0.2.44', ['slow1', 'slow2']]]);
  });

  it('a blip while every slot was waiting: TLS handshakes cut at three networks that served before and after — untested, said', () => {
    const handshakeCut: Partial<FetchResult> = { httpStatus: null, headers: {}, bodySample: '', error: { code: 'ETIMEDOUT', message: 'attempt timed out after 3000 ms' }, failedPhase: 'tls', timings: { connectMs: 5, tlsMs: null, ttfbMs: null, totalMs: 3000 } };
    const cut = (response: Partial<FetchResult>, began: number): Array<[string, string, string, Partial<FetchResult>, number]> => [
      ['h1', 'www.h1.test', '198.51.100.7', response, began],
      ['h2', 'www.h2.test', '151.101.1.10', response, began],
      ['h3', 'www.h3.test', '104.16.0.2', response, began],
      ['h4', 'www.h4.test', '198.51.100.7', neverAnswered, began - 100],
    ];
    const again: Array<[string, string, string, Partial<FetchResult>, number]> = [
      ['a5', 'www.a5.test', '198.51.100.7', servedIn(40), 3_300],
      ['news5', 'www.news5.test', '151.101.1.10', servedIn(40, responses.fastlyOk()), 3_300],
      ['docs5', 'www.docs5.test', '104.16.0.2', servedIn(40, responses.cloudflareOk()), 3_300],
    ];
    const r = judge([...before, ...cut(handshakeCut, 290), ...again]);
    expect(r.host.notes.join()).toMatch(/this host's way out stopped answering during this run, from 00:00:00\.30 to 00:00:03\.34 UTC \(3\.04s\): nothing came back from any network then — 3 sites fetched then at 3 networks/);
    expect(r.sites.filter((s) => s.status !== 'ok').map((s) => [s.name, s.status])).toEqual(['h1', 'h2', 'h3', 'h4'].map((n) => [n, 'untested']));
    expect(r.incidents).toEqual([]);
    // Control: pages slower than the timeout filling every slot (their requests sent, no response) are no such moment:
    // a server that is slow for a page answers its connections and handshakes.
    const slowPages = judge([...before, ...cut(neverAnswered, 290), ...again]);
    expect(slowPages.host.summary ?? '').not.toMatch(/way out/);
    expect(slowPages.sites.filter((s) => s.status !== 'ok').every((s) => s.status !== 'untested')).toBe(true);
  });

  it("a first try that timed out during it, served when asked again alone, is no limit of its server's", () => {
    const crowdedFrom = (began: number): Partial<FetchResult> =>
      ({ ...servedIn(40), crowded: { atOnce: 8, first: { httpStatus: null, error: { code: 'ETIMEDOUT', message: 'attempt timed out after 3000 ms' }, failedPhase: 'connect', startedAt: new Date(RUN_BEGAN + began).toISOString(), totalMs: 3_000 } } }) as Partial<FetchResult>;
    const back: Array<[string, string, string, Partial<FetchResult>, number]> = [
      ['news4', 'www.news4.test', '151.101.1.10', servedIn(40, responses.fastlyOk()), 2_100],
      ['docs4', 'www.docs4.test', '104.16.0.2', servedIn(40, responses.cloudflareOk()), 2_100],
      ['c1', 'www.c1.test', '203.0.113.5', servedIn(40), 2_100],
    ];
    const during = judge([...before, ...after, ...back, ['c2', 'www.c2.test', '203.0.113.5', crowdedFrom(400), 3_400]]);
    expect(during.host.notes.join()).toMatch(/way out stopped answering/);
    expect(during.host.notes.join()).not.toMatch(/limit/);
    // Control: the same first try long after the way was back reads as the server's limit.
    const after5 = judge([...before, ...after, ...back, ['c2', 'www.c2.test', '203.0.113.5', crowdedFrom(2_200), 5_300]]);
    expect(after5.host.notes.join()).toMatch(/server 203\.0\.113\.5 failed 1 fetch while this probe had up to 8 there at once/);
  });

  it('seen only in first tries: every fetch of the silence served when asked again alone — said, and no limit read into it', () => {
    // The report keeps such a fetch as what asking alone gave; its first try is `crowded.first`. Measured: after a 5 s
    // blip, four servers "limit this probe's fetches at once (each served alone)", and no silence was seen.
    const crowdedFrom = (began: number): Partial<FetchResult> =>
      ({ ...servedIn(40), crowded: { atOnce: 16, first: { httpStatus: null, error: { code: 'ETIMEDOUT', message: 'attempt timed out after 3000 ms' }, failedPhase: 'connect', startedAt: new Date(RUN_BEGAN + began).toISOString(), totalMs: 3_000 } } }) as Partial<FetchResult>;
    const r = judge([
      ...before,
      ['c1', 'www.c1.test', '203.0.113.5', servedIn(40), 100],
      ['a7', 'www.a7.test', '198.51.100.7', crowdedFrom(310), 5_500],
      ['c7', 'www.c7.test', '203.0.113.5', crowdedFrom(320), 5_510],
    ]);
    expect(r.host.notes.join()).toMatch(/this host's way out stopped answering during this run, from 00:00:00\.30 to 00:00:05\.5\d UTC .* 2 sites fetched then at 2 networks .* no site was left untested by it/);
    expect(r.host.notes.join()).not.toMatch(/limit/);
    expect(r.sites.every((s) => s.status === 'ok')).toBe(true);
  });

  it('control: only one network silent after the last answer — that address, not the way out', () => {
    const r = judge([...before, ...after.filter(([, , a]) => a === '198.51.100.7'), ['b3', 'www.b3.test', '198.51.100.7', noConnection, 330]]);
    expect(r.host.summary).toBeNull();
    expect(r.local.down).toBe(false);
  });

  it('control: a connection that opened after the others went unanswered is an answer from beyond this host: not the way out', () => {
    // Two sites at 198.51.100.7 hang once connected (opened at 0.35 s); the Fastly and Cloudflare ones begun before got nothing.
    const r = judge([...before, ...after.map(([n, h, a, resp, began]): [string, string, string, Partial<FetchResult>, number] => (a === '198.51.100.7' ? [n, h, a, neverAnswered, began + 40] : [n, h, a, resp, began]))]);
    expect(r.host.summary).toBeNull();
    expect(r.local.down).toBe(false);
    expect(r.verdict.exitCode).toBe(1);
  });

  it("control: this host's IPv6 never answering (fetched last at two networks) is no moment the way out went", () => {
    const v6 = after.map(([n, h, a, , began]): [string, string, string, Partial<FetchResult>, number] => [n, h, a === '151.101.1.10' ? '2a04:4e42::10' : '2606:4700::2', noConnection, began]);
    const r = judge([...before, ['news3', 'www.news3.test', '2a04:4e42::10', noConnection, 0], ...v6]);
    expect(r.host.summary ?? '').not.toMatch(/way out/);
    expect(r.local.evidence.join()).not.toMatch(/way out/);
  });
});
