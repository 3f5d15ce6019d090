// The drill lab's world: its DNS data in the providers' real naming (per resolver where the scenario says),
// its resolver faults, the probes.yaml it writes, its servers answering with each provider's real headers and
// pages (an AWS load balancer's among them), a PoP whose packets are dropped, and the providers' status pages.
// Driven with plain Node clients where a page's shape is checked, and with the real check pipeline for the
// healthy world.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { probeAndReport } from '../../src/commands/check.js';
import { queryDns } from '../../src/probe/dns/index.js';
import { dnsQuery } from '../../src/plan/plan.js';
import { acknowledgementFrom, parseStatusDocument } from '../../src/status/statuspage.js';
import { loadScenario, parseScenario, type Scenario } from '../../src/lab/scenario.js';
import {
  answeredAddresses,
  edgeAnswer,
  failingNow,
  labAddresses,
  labConfigText,
  labDnsData,
  LabStartError,
  resolverBehaviour,
  startWorld,
  statusPageUrl,
  type EdgeState,
  type World,
} from '../../src/lab/world.js';
import { cloudflare } from '../../src/lab/personalities/cloudflare.js';
import { personality } from '../../src/lab/personalities/index.js';
import type { HttpRequestInfo } from '../../src/lab/http-server.js';
import { captureIo, leftoverHandles, networkHandles, portFree } from '../drill/support.js';

function scenario(name: string): Scenario {
  const s = loadScenario(name);
  if (!s) throw new Error(`no scenario ${name}`);
  return s;
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** GET https://host:port/path from one lab address, with the host as SNI and Host, trusting the lab CA. */
function get(world: World, address: string, host: string, path = '/', sni = host, timeoutMs = 2000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: address,
        port: world.port,
        path,
        servername: sni,
        headers: { host: `${host}:${world.port}`, 'user-agent': 'lab-test' },
        ca: caOf(world),
        agent: false,
        timeout: timeoutMs,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string>, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const caCache = new Map<string, string>();
function caOf(world: World): string {
  const ca = caCache.get(world.caPath) ?? readFileSync(world.caPath, 'utf8');
  caCache.set(world.caPath, ca);
  return ca;
}

function connect(address: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
  });
}

/** Does a TLS handshake with `address` finish within `waitMs`? */
function handshake(address: string, port: number, servername: string, waitMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: address, port, servername, rejectUnauthorized: false });
    const timer = setTimeout(() => done('no handshake'), waitMs);
    const done = (result: string) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    socket.once('secureConnect', () => done('secure'));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? 'error'));
  });
}

describe('the lab plan (pure)', () => {
  const healthy = scenario('healthy');
  const addresses = labAddresses(healthy);
  const data = labDnsData(healthy, addresses);

  it('gives resolvers, each provider and each origin their own loopback addresses, never 127.0.0.1', () => {
    expect(addresses.resolvers.get('cloudflare')).toBe('127.0.53.1');
    expect(addresses.edges.get('cloudflare')).toEqual(['127.0.10.1', '127.0.10.2', '127.0.10.3']);
    expect(addresses.edges.get('fastly')).toEqual(['127.0.11.1', '127.0.11.2', '127.0.11.3']);
    const all = [...addresses.resolvers.values(), ...[...addresses.edges.values()].flat(), ...addresses.origins.values()];
    expect(new Set(all).size).toBe(all.length);
    for (const a of all) expect(a).toMatch(/^127\.0\.\d+\.\d+$/);
    expect(all).not.toContain('127.0.0.1');
  });

  it("writes DNS data in the providers' real naming", () => {
    expect(data.records['shop.acme.test']).toMatchObject({ CNAME: 'shop.acme.test.cdn.cloudflare.net' });
    expect(data.records['shop.acme.test.cdn.cloudflare.net']?.A).toEqual(addresses.edges.get('cloudflare'));
    expect(data.records['acme.test']?.NS).toEqual(['kate.ns.cloudflare.com', 'lars.ns.cloudflare.com']);
    expect(data.records['tunes.test']?.NS?.[0]).toBe('ns1.p16.dynect.net');
    // Akamai: host → host.edgekey.net → eNNNN.a.akamaiedge.net → A
    const edgekey = data.records['www.tunes.test']?.CNAME;
    expect(edgekey).toBe('www.tunes.test.edgekey.net');
    expect(data.records[edgekey!]?.CNAME).toMatch(/^e\d{4}\.a\.akamaiedge\.net$/);
    expect(data.records['www.tickets.test']?.CNAME).toMatch(/^d[0-9a-z]{13}\.cloudfront\.net$/);
    expect(data.records['www.news.test']?.CNAME).toMatch(/\.map\.fastly\.net$/);
    // An apex site holds the edge addresses itself, next to its NS set.
    expect(data.records['chirp.test']).toMatchObject({ NS: expect.any(Array), A: addresses.edges.get('fastly') });
    // A site without a provider points at its origin.
    expect(data.records['blog.plain.test']?.A).toEqual([addresses.origins.get('blog')]);
  });

  it('makes every resolver fail the failing DNS host’s zones with SERVFAIL + EDE 22, but still answer NS', () => {
    const dyn = scenario('dyn-2016-10-21');
    for (const r of dyn.resolvers) {
      const b = resolverBehaviour(dyn, r.name);
      expect(b.fault('chirp.test', 'A')).toBe('servfail');
      expect(b.fault('www.tunes.test', 'AAAA')).toBe('servfail');
      expect(b.ede('www.tunes.test', 'A')).toEqual({ code: 22, text: 'at delegation tunes.test.' });
      expect(b.fault('chirp.test', 'NS')).toBeNull();
      expect(b.fault('shop.acme.test', 'A')).toBeNull();
      expect(b.ede('shop.acme.test', 'A')).toBeNull();
    }
  });

  it('makes a silent resolver silent for every name, and only that one', () => {
    const dns = scenario('cloudflare-dns-2025-07-14');
    expect(resolverBehaviour(dns, 'cloudflare').fault('shop.acme.test', 'A')).toBe('silent');
    expect(resolverBehaviour(dns, 'cloudflare-secondary').fault('anything.test', 'NS')).toBe('silent');
    expect(resolverBehaviour(dns, 'google').fault('shop.acme.test', 'A')).toBeNull();
    expect(resolverBehaviour(dns, 'cloudflare-doh').fault('shop.acme.test', 'A')).toBeNull();
  });

  it('flaps deterministically from the first request: failing first, then recovering', () => {
    const flapping = { periodMs: 1000, failFraction: 0.5 };
    expect(failingNow(flapping, 0)).toBe(true);
    expect(failingNow(flapping, 499)).toBe(true);
    expect(failingNow(flapping, 500)).toBe(false);
    expect(failingNow(flapping, 999)).toBe(false);
    expect(failingNow(flapping, 1000)).toBe(true);
    expect(failingNow(null, 123_456)).toBe(true);
  });

  it('hangs, fails the self-test when told to, and flaps on the clock of the first request', async () => {
    const base = healthy;
    const request = (path: string): HttpRequestInfo => ({ host: 'shop.acme.test:443', path, method: 'GET', headers: {}, sni: 'shop.acme.test', httpVersion: '2' });
    const stateWith = (fault: Scenario['faults']['edges'][string]): EdgeState => ({
      scenario: { ...base, faults: { ...base.faults, edges: { cloudflare: fault } } },
      sitesByHost: new Map(base.sites.map((s) => [s.host, s])),
      clock: { firstRequestAt: null },
    });
    expect(edgeAnswer(stateWith({ fault: 'hang', flapping: null, selfTest: 'ok' }), cloudflare, 0, request('/'))).toEqual({ kind: 'hang' });
    expect(edgeAnswer(stateWith({ fault: 'hang', flapping: null, selfTest: 'ok' }), cloudflare, 0, request('/cdn-cgi/trace'))).toEqual({ kind: 'hang' });
    const deadTrace = edgeAnswer(stateWith({ fault: 'edge-5xx', flapping: null, selfTest: 'fail' }), cloudflare, 0, request('/cdn-cgi/trace'));
    expect(deadTrace).toMatchObject({ kind: 'respond', status: 500 });

    const flapping = stateWith({ fault: 'edge-5xx', flapping: { periodMs: 1000, failFraction: 0.5 }, selfTest: 'ok' });
    expect(edgeAnswer(flapping, cloudflare, 0, request('/'))).toMatchObject({ status: 500 });
    await new Promise((r) => setTimeout(r, 600)); // 0.6 of the period: recovered until 1.0
    expect(edgeAnswer(flapping, cloudflare, 0, request('/'))).toMatchObject({ status: 200 });
    await new Promise((r) => setTimeout(r, 500)); // 1.1: failing again until 1.5
    expect(edgeAnswer(flapping, cloudflare, 0, request('/'))).toMatchObject({ status: 500 });
  });

  it('writes a probes.yaml that loads like a user’s: lab resolvers with providers, CA, origins, provider ranges', () => {
    const text = labConfigText(healthy, addresses, 4443);
    expect(text).toContain('- { extends: cloudflare, ranges: ["127.0.10.0/24"] }');
    expect(text).toContain('tls: { ca: ./ca.pem }');
    const config = parseConfig(text.replace('tls: { ca: ./ca.pem }\n', ''), '/lab/probes.yaml');
    expect(config.resolvers.map((r) => [r.name, r.kind, r.provider])).toEqual([
      ['cloudflare', 'udp', 'Cloudflare'],
      ['google', 'udp', 'Google'],
      ['quad9', 'udp', 'Quad9'],
      ['cloudflare-doh', 'doh', 'Cloudflare'],
    ]);
    expect(config.resolvers[0]).toMatchObject({ address: '127.0.53.1', port: 4443 });
    expect(config.resolvers[3]?.url).toBe('https://127.0.53.4:4443/dns-query');
    const shop = config.sites.find((s) => s.name === 'shop')!;
    expect(shop).toMatchObject({ url: 'https://shop.acme.test:4443/', origin: '127.0.20.1:4443', timeoutMs: 2000 });
    expect(config.run.deadlineMs).toBe(15_000);
  });

  it('rejects a scenario that names what does not exist, saying where', () => {
    const bad = {
      name: 'bad',
      description: 'x',
      source: 'x',
      resolvers: [{ name: 'r' }],
      dnsHosts: { h: ['ns1.h.example'] },
      sites: [{ name: 's', host: 's.example.test', edge: 'nosuchcdn', dns: 'nope' }],
      faults: { origins: { ghost: 'down' }, edges: {} },
      expect: { verdict: 'ok', exitCode: 0 },
    };
    expect(() => parseScenario(bad, '/x/bad.yaml')).toThrow(/sites\[0\]\.edge: expected one of .*cloudflare.*sites\[0\]\.dns: no DNS host named "nope".*faults\.origins\.ghost: not in the scenario/s);
  });
});

describe('per-resolver answers, named PoPs, load balancers and endpoints (pure)', () => {
  const backbone = scenario('cloudflare-2020-07-17');
  const backboneAddresses = labAddresses(backbone);
  const aws = scenario('aws-2025-10-20');
  const awsAddresses = labAddresses(aws);

  it('gives each named PoP one address, and each resolver only the PoPs its clients land on', () => {
    expect(backboneAddresses.edges.get('cloudflare')).toEqual(['127.0.10.1', '127.0.10.2', '127.0.10.3']);
    expect(Object.fromEntries(backboneAddresses.pops)).toEqual({ '127.0.10.1': 'ATL', '127.0.10.2': 'ZRH', '127.0.10.3': 'SIN' });
    const target = (resolver: string | null, name: string) => labDnsData(backbone, backboneAddresses, resolver).records[name]?.A;
    expect(target('alpha', 'shop.acme.test.cdn.cloudflare.net')).toEqual(['127.0.10.1']);
    expect(target('beta', 'shop.acme.test.cdn.cloudflare.net')).toEqual(['127.0.10.2']);
    expect(target('gamma', 'app.ledger.test.cdn.cloudflare.net')).toEqual(['127.0.10.3']);
    expect(target(null, 'shop.acme.test.cdn.cloudflare.net')).toEqual(['127.0.10.1', '127.0.10.2', '127.0.10.3']);
    // Providers the resolver says nothing about: every address, from every resolver.
    expect(target('alpha', 'dualstack.www-news.map.fastly.net')).toEqual(['127.0.11.1', '127.0.11.2', '127.0.11.3']);
    const shop = backbone.sites.find((s) => s.name === 'shop')!;
    expect(answeredAddresses(backbone, backboneAddresses, shop, 'gamma')).toEqual(['127.0.10.3']);
    expect(backbone.faults.pops).toEqual({ cloudflare: { ATL: 'blackhole' } });
  });

  it('gives each site on a load balancer its own two addresses, behind a name that carries its region', () => {
    expect(awsAddresses.siteEdges.get('api')).toEqual(['127.0.14.1', '127.0.14.2']);
    expect(awsAddresses.siteEdges.get('billing')).toEqual(['127.0.14.9', '127.0.14.10']);
    expect(awsAddresses.edges.get('aws')).toHaveLength(10);
    const data = labDnsData(aws, awsAddresses, 'google');
    const lb = data.records['api.shop.test']?.CNAME;
    expect(lb).toMatch(/^api-shop-\d{10}\.us-east-1\.elb\.amazonaws\.com$/);
    expect(data.records[lb!]?.A).toEqual(['127.0.14.1', '127.0.14.2']);
    expect(data.records['www.billing.test']?.CNAME).toMatch(/^www-billing-\d{10}\.eu-west-1\.elb\.amazonaws\.com$/);
    expect(data.zones).toEqual(expect.arrayContaining(['elb.amazonaws.com', 'amazonaws.com']));
  });

  it('keeps an empty record empty: the chain stays, no address at its end; an endpoint holds no CNAME and no address', () => {
    const data = labDnsData(aws, awsAddresses, 'quad9');
    const lb = data.records['app.ledger.test']?.CNAME;
    expect(lb).toMatch(/\.us-east-1\.elb\.amazonaws\.com$/);
    expect(data.records[lb!]).toEqual({});
    expect(data.records['dynamodb.us-east-1.amazonaws.com']).toEqual({});
  });

  it('writes the endpoint and the status pages into probes.yaml, loadable like a user’s', () => {
    const text = labConfigText(aws, awsAddresses, 4443);
    expect(text).toContain('- { name: dynamodb, url: "https://dynamodb.us-east-1.amazonaws.com:4443/", kind: endpoint }');
    expect(text).toContain('- { name: api, url: "https://api.shop.test:4443/" }'); // no origin: a private target
    expect(text).toContain('- { extends: aws, ranges: ["127.0.14.0/24"] }');
    const config = parseConfig(text.replace('tls: { ca: ./ca.pem }\n', ''), '/lab/probes.yaml');
    expect(config.statusPages).toEqual({ aws: statusPageUrl('127.0.30.1', 4443) });
    expect(config.sites.find((s) => s.name === 'dynamodb')).toMatchObject({ kind: 'endpoint', host: 'dynamodb.us-east-1.amazonaws.com', origin: null });
    expect(parseConfig(labConfigText(backbone, backboneAddresses, 4443).replace('tls: { ca: ./ca.pem }\n', ''), '/lab/p.yaml').statusPages).toEqual({
      cloudflare: 'https://127.0.30.1:4443/api/v2/summary.json',
    });
  });

  it('rejects PoPs, regions, endpoints and acknowledgements the lab cannot stand behind, saying where', () => {
    const base = {
      name: 'bad',
      description: 'x',
      source: 'x',
      dnsHosts: { h: ['ns1.h.example'] },
      expect: { verdict: 'ok', exitCode: 0 },
    };
    const problems = (data: object): string => {
      try {
        parseScenario({ ...base, ...data }, '/x/bad.yaml');
        return '';
      } catch (err) {
        return (err as Error).message;
      }
    };
    const site = { name: 's', host: 's.example.test', edge: 'cloudflare', dns: 'h' };
    expect(problems({ resolvers: [{ name: 'r' }], sites: [site], pops: { cloudflare: ['XXX'] } })).toContain('pops.cloudflare: unknown PoP "XXX"');
    expect(problems({ resolvers: [{ name: 'r', pops: { cloudflare: ['ATL'] } }], sites: [site] })).toContain('resolvers[0].pops.cloudflare: give the provider\'s PoPs first');
    expect(problems({ resolvers: [{ name: 'r' }], sites: [site], pops: { cloudflare: ['ATL'] }, faults: { pops: { cloudflare: { ZRH: 'blackhole' } } } })).toContain(
      "faults.pops.cloudflare.ZRH: not one of the provider's PoPs (ATL)",
    );
    expect(problems({ resolvers: [{ name: 'r' }], sites: [{ ...site, edge: 'aws' }] })).toContain('sites[0].region: a site on AWS names its region');
    expect(problems({ resolvers: [{ name: 'r' }], sites: [{ ...site, kind: 'endpoint', host: 'api.example.com', edge: 'aws', region: 'us-east-1' }] })).toContain(
      'sites[0].host: an endpoint of AWS lives under amazonaws.com',
    );
    expect(problems({ resolvers: [{ name: 'r' }], sites: [{ ...site, host: 'www.example.com' }] })).toContain('lab sites live under .test');
    expect(
      problems({ resolvers: [{ name: 'r' }], sites: [site], expect: { verdict: 'ok', exitCode: 0, incidents: [{ provider: 'Cloudflare', layer: 'edge', acknowledged: true }] } }),
    ).toContain('expect.incidents[0].acknowledged: needs a status page for Cloudflare');
    expect(problems({ resolvers: [{ name: 'r' }], sites: [site], statusPages: { fastly: { indicator: 'none' } } })).toContain('statusPages.fastly: not a provider of the scenario');
    expect(problems({ resolvers: [{ name: 'r' }], sites: [{ ...site, redirectTo: 'ghost' }] })).toContain('sites.s.redirectTo: no site named "ghost"');
    const target = { name: 't', host: 't.example.test', edge: 'cloudflare', dns: 'h', listed: false };
    expect(problems({ resolvers: [{ name: 'r' }], sites: [{ ...site, redirectTo: 't' }, { ...target, redirectTo: 's' }] })).toContain('sites.s.redirectTo: a site redirects to another that serves its own page');
    expect(problems({ resolvers: [{ name: 'r' }], sites: [site, target], expect: { verdict: 'ok', exitCode: 0, ok: ['t'] } })).toContain('expect.ok');
    const balancer = { name: 'lb', host: 'help.a.test', edge: 'aws', region: 'us-east-1', dns: 'h' };
    expect(problems({ resolvers: [{ name: 'r' }], sites: [{ ...site, sharesEdgeWith: 's' }] })).toContain("sites[0].sharesEdgeWith: only a site on a provider that gives each site its own addresses");
    expect(problems({ resolvers: [{ name: 'r' }], sites: [balancer, { ...balancer, name: 'b', host: 'help.b.test', sharesEdgeWith: 'ghost' }] })).toContain('sites.b.sharesEdgeWith: no site named "ghost"');
    expect(problems({ resolvers: [{ name: 'r' }], sites: [balancer, { ...balancer, name: 'b', host: 'help.b.test', region: 'eu-west-1', sharesEdgeWith: 'lb' }] })).toContain('sites.b.sharesEdgeWith: lb is not on aws in eu-west-1');
    expect(problems({ resolvers: [{ name: 'r' }], sites: [balancer, { ...balancer, name: 'b', host: 'b.test', sharesEdgeWith: 'lb' }] })).toContain('sites.b.sharesEdgeWith: a zone apex cannot hold the CNAME');
  });
});

describe("sites sharing one customer's load balancer (pure)", () => {
  const saas = scenario('one-load-balancer');
  const addresses = labAddresses(saas);

  it('get its addresses and its name at the end of their CNAME chains', () => {
    const alpha = addresses.siteEdges.get('alpha-help')!;
    expect(alpha).toHaveLength(2);
    expect(addresses.siteEdges.get('bravo-support')).toEqual(alpha);
    expect(addresses.siteEdges.get('charlie-help')).toEqual(alpha);
    expect(addresses.siteEdges.get('shop-api')).not.toEqual(alpha);
    const records = labDnsData(saas, addresses).records;
    const target = (host: string) => records[host]?.CNAME;
    expect(target('help.alpha.test')).toMatch(/\.us-east-1\.elb\.amazonaws\.com$/);
    expect(target('support.bravo.test')).toBe(target('help.alpha.test'));
    expect(target('api.shop.test')).not.toBe(target('help.alpha.test'));
    expect(records[target('help.alpha.test')!]?.A).toEqual(alpha);
  });
});

describe('a site that redirects to a host the config does not list (pure)', () => {
  const login = scenario('shared-login-host');
  const addresses = labAddresses(login);
  const state: EdgeState = { scenario: login, sitesByHost: new Map(login.sites.map((s) => [s.host, s])), clock: { firstRequestAt: null } };
  const request = (host: string) => ({ host: `${host}:4443`, path: '/', method: 'GET', headers: {}, sni: host, httpVersion: '1.1' as const });

  it('is served with a 302 to that host on the same port, through its own edge', () => {
    const answer = edgeAnswer(state, personality('akamai')!, 0, request('app.crm.test'));
    expect(answer).toMatchObject({ kind: 'respond', status: 302, headers: { location: 'https://login.idp.test:4443/login?next=https%3A%2F%2Fapp.crm.test%2F', 'akamai-grn': expect.any(String) } });
  });

  it('leads to a host the lab serves and resolves, but probes.yaml does not name', () => {
    expect(labConfigText(login, addresses, 4443)).not.toContain('login.idp.test');
    expect(labDnsData(login, addresses).records['login.idp.test']).toBeDefined();
  });
});

describe('a running world', () => {
  let baseline: Record<string, number>;
  let world: World;
  let faulty: World;

  beforeAll(async () => {
    baseline = networkHandles();
    world = await startWorld(scenario('healthy'));
    const base = scenario('healthy');
    // One world with a fault per provider, to look at each provider's failure pages.
    faulty = await startWorld({
      ...base,
      name: 'faulty',
      faults: {
        ...base.faults,
        edges: { cloudfront: { fault: 'edge-5xx', flapping: null, selfTest: 'ok' } },
        sites: {
          shop: { fault: 'edge-5xx', flapping: null, selfTest: 'ok' },
          forum: { fault: 'challenge-fail', flapping: null, selfTest: 'ok' },
        },
        origins: { ledger: 'down', news: 'down', store: 'timeout', tunes: 'down', blog: '5xx' },
      },
    });
  });

  afterAll(async () => {
    await world?.close();
    await faulty?.close();
  });

  it('answers the real check pipeline: every site of the healthy world is ok', async () => {
    const config = parseConfig(world.configText, world.configPath);
    const io = captureIo();
    const report = await probeAndReport(config, { format: 'json' }, io);
    expect(report.verdict).toBe('ok');
    expect(report.exitCode).toBe(0);
    expect(report.sites.map((s) => [s.name, s.status])).toEqual(world.scenario.sites.map((s) => [s.name, 'ok']));
    // Edge paths through every resolver, and the origin path for every site.
    const shop = report.sites.find((s) => s.name === 'shop')!;
    expect(shop.attempts.filter((a) => a.path === 'edge').map((a) => a.address).sort()).toEqual(['127.0.10.1', '127.0.10.2', '127.0.10.3']);
    expect(shop.attempts.find((a) => a.path === 'origin')?.outcome).toBe('ok');
  });

  it("sends each provider's real headers on healthy pages", async () => {
    const cf = await get(world, '127.0.10.2', 'shop.acme.test');
    expect(cf.status).toBe(200);
    expect(cf.headers.server).toBe('cloudflare');
    expect(cf.headers['cf-ray']).toMatch(/^[0-9a-f]{16}-[A-Z]{3}$/);
    expect(cf.headers['cf-cache-status']).toBe('DYNAMIC');
    expect(cf.body).toContain('Acme Shop');

    const fastly = await get(world, '127.0.11.1', 'www.news.test');
    expect(fastly.headers.via).toBe('1.1 varnish');
    expect(fastly.headers['x-served-by']).toMatch(/^cache-[a-z]{3}\d+-[A-Z]{3}$/);
    expect(fastly.headers['x-timer']).toMatch(/^S\d+\.\d+,VS0,VE\d+$/);

    const akamai = await get(world, '127.0.12.1', 'www.store.test');
    expect(akamai.headers['akamai-grn']).toMatch(/^0\.[0-9a-f]{8}\.\d+\.[0-9a-f]{8}$/);
    expect(akamai.headers['server-timing']).toContain('ak_p');

    const cloudfront = await get(world, '127.0.13.3', 'media.stream.test');
    expect(cloudfront.headers.via).toMatch(/^1\.1 [0-9a-f]{32}\.cloudfront\.net \(CloudFront\)$/);
    expect(cloudfront.headers['x-amz-cf-pop']).toMatch(/^[A-Z]{3}\d+-[A-Z]\d$/);
    expect(cloudfront.headers['x-cache']).toBe('Miss from cloudfront');

    const origin = await get(world, '127.0.20.11', 'blog.plain.test');
    expect(origin.headers.server).toMatch(/^nginx\//);
    expect(origin.headers['cf-ray']).toBeUndefined();
  });

  it('varies the colo per edge address', async () => {
    const colos = await Promise.all(['127.0.10.1', '127.0.10.2', '127.0.10.3'].map(async (a) => (await get(world, a, 'shop.acme.test')).headers['cf-ray']!.split('-')[1]));
    expect(new Set(colos).size).toBe(3);
  });

  it("serves Cloudflare's own 500 page for an edge fault, and /cdn-cgi/trace still answers", async () => {
    const page = await get(faulty, '127.0.10.1', 'shop.acme.test');
    expect(page.status).toBe(500);
    expect(page.headers.server).toBe('cloudflare');
    expect(page.headers['cf-ray']).toMatch(/^[0-9a-f]{16}-[A-Z]{3}$/);
    expect(page.body).toContain('<title>shop.acme.test | 500: Internal server error</title>');
    expect(page.body).toContain('id="cf-error-details"');
    expect(page.body).toContain('Error code 500');
    expect(page.body).toMatch(/Cloudflare<\/a><\/h3>\s*<span class="leading-1.3 text-2xl text-red-error">Error/); // the Cloudflare box fails
    expect(page.body).toContain(`Cloudflare Ray ID: <strong class="font-semibold">${page.headers['cf-ray']!.split('-')[0]}</strong>`);
    expect(page.body).toContain('Performance &amp; security by');

    const trace = await get(faulty, '127.0.10.1', 'shop.acme.test', '/cdn-cgi/trace');
    expect(trace.status).toBe(200);
    expect(trace.body).toMatch(/^fl=.*\nh=shop\.acme\.test\n/);
    expect(trace.body).toMatch(/\ncolo=[A-Z]{3}\n/);
  });

  it('serves the challenge page whose Turnstile cannot load', async () => {
    const page = await get(faulty, '127.0.10.3', 'www.forum.test');
    expect(page.status).toBe(403);
    expect(page.headers['cf-mitigated']).toBe('challenge');
    expect(page.body).toContain('<title>Just a moment...</title>');
    expect(page.body).toContain('Please unblock challenges.cloudflare.com to proceed.');
    expect(page.body).toContain('/cdn-cgi/challenge-platform/');
  });

  it('answers 521 from a healthy Cloudflare edge when the origin refuses, and the origin really refuses', async () => {
    const page = await get(faulty, '127.0.10.2', 'app.ledger.test');
    expect(page.status).toBe(521);
    expect(page.body).toContain('Error code 521');
    expect(page.body).toMatch(/Host\s*<\/h3>\s*<span class="leading-1.3 text-2xl text-red-error">Error/);
    expect(await connect('127.0.20.3', faulty.port)).toBe('ECONNREFUSED');
  });

  it("answers Fastly's Guru Mediation, Akamai's entity-encoded Reference #, CloudFront's could-not-be-satisfied", async () => {
    const fastly = await get(faulty, '127.0.11.1', 'www.news.test');
    expect(fastly.status).toBe(503);
    expect(fastly.body).toContain('Guru Mediation:');
    expect(fastly.body).toMatch(/Details: cache-[a-z]{3}\d+-[A-Z]{3} \d+ \d+/);
    expect(fastly.body).toContain('Varnish cache server');

    const akamaiDown = await get(faulty, '127.0.12.1', 'www.tunes.test');
    expect(akamaiDown.status).toBe(503);
    expect(akamaiDown.headers.server).toBe('AkamaiGHost');
    expect(akamaiDown.body).toMatch(/Reference&#32;&#35;6&#46;[0-9a-f]{8}&#46;\d+&#46;[0-9a-f]{8}/);
    const akamaiTimeout = await get(faulty, '127.0.12.2', 'www.store.test');
    expect(akamaiTimeout.body).toContain('Reference&#32;&#35;97&#46;');

    const cloudfront = await get(faulty, '127.0.13.1', 'media.stream.test');
    expect(cloudfront.status).toBe(503);
    expect(cloudfront.headers.server).toBe('CloudFront');
    expect(cloudfront.headers['x-cache']).toBe('Error from cloudfront');
    expect(cloudfront.body).toContain('<TITLE>ERROR: The request could not be satisfied</TITLE>');
    expect(cloudfront.body).toContain('Generated by cloudfront (CloudFront)');

    const unknown = await get(faulty, '127.0.11.2', 'not-on-fastly.test', '/', 'www.news.test');
    expect(unknown.status).toBe(500);
    expect(unknown.body).toContain('Fastly error: unknown domain: not-on-fastly.test');
  });

  it("relays an origin's own 5xx unchanged, and a timing-out origin accepts but never completes TLS", async () => {
    const direct = await get(faulty, '127.0.20.11', 'blog.plain.test');
    expect(direct.status).toBe(500);
    expect(direct.body).toContain('<center>nginx/');
    expect(await connect('127.0.20.8', faulty.port)).toBe('connected');
    expect(await handshake('127.0.20.8', faulty.port, 'www.store.test', 400)).toBe('no handshake');
    expect(await handshake('127.0.20.9', faulty.port, 'www.tickets.test', 2000)).toBe('secure');
  });

  it('leaves no listening socket behind once closed', async () => {
    await world.close();
    await faulty.close();
    expect(await leftoverHandles(baseline)).toEqual({});
    expect(await portFree('127.0.10.1', world.port)).toBe(true);
    expect(await portFree('127.0.53.1', world.port, true)).toBe(true);
  });
});

describe('running worlds with named PoPs, load balancers and status pages', () => {
  let baseline: Record<string, number>;
  let backbone: World;
  let aws: World;

  beforeAll(async () => {
    baseline = networkHandles();
    backbone = await startWorld(scenario('cloudflare-2020-07-17'));
    aws = await startWorld(scenario('aws-2025-10-20'));
  });

  afterAll(async () => {
    await backbone?.close();
    await aws?.close();
  });

  const resolve = async (world: World, resolverAddress: string, name: string) => {
    const resolver = { name: 'lab', kind: 'udp' as const, address: resolverAddress, port: world.port, url: null, provider: null };
    return queryDns(dnsQuery(resolver, name, 'A'), { timeoutMs: 1000 });
  };

  it("answers each resolver's clients with their own PoP's address", async () => {
    const [alpha, beta, gamma] = await Promise.all(['127.0.53.1', '127.0.53.2', '127.0.53.3'].map((r) => resolve(backbone, r, 'shop.acme.test')));
    expect([alpha!.values, beta!.values, gamma!.values]).toEqual([['127.0.10.1'], ['127.0.10.2'], ['127.0.10.3']]);
    expect(alpha!.cnameChain).toEqual(['shop.acme.test.cdn.cloudflare.net']);
    expect((await resolve(backbone, '127.0.53.1', 'www.news.test')).values).toEqual(['127.0.11.1', '127.0.11.2', '127.0.11.3']);
  });

  it('serves from the named colo: cf-ray and /cdn-cgi/trace say ZRH or SIN', async () => {
    const zrh = await get(backbone, '127.0.10.2', 'shop.acme.test');
    expect(zrh.status).toBe(200);
    expect(zrh.headers['cf-ray']).toMatch(/^[0-9a-f]{16}-ZRH$/);
    const trace = await get(backbone, '127.0.10.3', 'www.forum.test', '/cdn-cgi/trace');
    expect(trace.body).toMatch(/\ncolo=SIN\n/);
    expect(trace.body).toMatch(/\nloc=SG\n/);
  });

  it('drops the packets of a blackholed PoP: a connection to ATL never completes', async () => {
    const attempt = await new Promise<string>((resolve) => {
      const socket = net.connect({ host: '127.0.10.1', port: backbone.port });
      const timer = setTimeout(() => (socket.destroy(), resolve('still connecting')), 700);
      socket.once('connect', () => (clearTimeout(timer), socket.destroy(), resolve('connected')));
      socket.once('error', (err: NodeJS.ErrnoException) => (clearTimeout(timer), resolve(err.code ?? 'error')));
    });
    expect(attempt).toBe('still connecting');
  });

  it("serves Cloudflare's status page as Statuspage JSON over HTTPS, acknowledging a network incident", async () => {
    const url = new URL(statusPageUrl('127.0.30.1', backbone.port));
    const summary = await get(backbone, url.hostname, url.hostname, url.pathname);
    expect(summary.status).toBe(200);
    expect(summary.headers['content-type']).toMatch(/^application\/json/);
    const doc = JSON.parse(summary.body) as { status: { indicator: string }; incidents: Array<{ name: string; status: string; components: Array<{ name: string; status: string }> }> };
    expect(doc.status.indicator).toBe('minor');
    expect(doc.incidents[0]).toMatchObject({ name: 'Cloudflare network performance issues', status: 'identified' });
    expect(doc.incidents[0]!.components[0]).toEqual(expect.objectContaining({ name: 'Atlanta, GA, United States - (ATL)', status: 'degraded_performance' }));
    // check's own reader takes it as it comes.
    const parsed = parseStatusDocument('statuspage', summary.body, url.href, { now: new Date() });
    expect('reading' in parsed && acknowledgementFrom(parsed.reading, ['ATL', 'network'])).toMatchObject({ by: 'status page', indicator: 'minor', title: 'Cloudflare network performance issues' });
    const status = await get(backbone, url.hostname, url.hostname, '/api/v2/status.json');
    expect(JSON.parse(status.body)).toMatchObject({ status: { indicator: 'minor', description: 'Minor Service Outage' } });
    expect((await get(backbone, url.hostname, url.hostname, '/nothing-here')).status).toBe(404);
  });

  it("serves AWS's page saying all is well: not acknowledged", async () => {
    const url = new URL(statusPageUrl('127.0.30.1', aws.port));
    const summary = await get(aws, url.hostname, url.hostname, url.pathname);
    const parsed = parseStatusDocument('json', summary.body, url.href, { now: new Date() });
    expect('reading' in parsed && acknowledgementFrom(parsed.reading)).toBe(false);
    expect(JSON.parse(summary.body)).toMatchObject({ status: { indicator: 'none', description: 'All Systems Operational' }, incidents: [] });
  });

  it("answers as an AWS load balancer: the target's page with AWSALB cookies, its own 162-byte 503, Unknown Host elsewhere", async () => {
    const billing = await get(aws, '127.0.14.9', 'www.billing.test');
    expect(billing.status).toBe(200);
    expect(billing.headers.server).toMatch(/^nginx\//); // the target's, relayed
    expect(String(billing.headers['set-cookie'])).toMatch(/^AWSALB=[A-Za-z0-9+/=]+; Expires=.*; Path=\/, AWSALBCORS=/);
    expect(billing.body).toContain('Billing');

    const api = await get(aws, '127.0.14.2', 'api.shop.test');
    expect(api.status).toBe(503);
    expect(api.headers.server).toBe('awselb/2.0');
    expect(api.body).toContain('<title>503 Service Temporarily Unavailable</title>');
    expect(Buffer.byteLength(api.body)).toBe(162);

    const elsewhere = await get(aws, '127.0.14.1', 'www.billing.test');
    expect(elsewhere).toMatchObject({ status: 503, body: 'Unknown Host' });
    await expect(get(aws, '127.0.14.3', 'orders.market.test', '/', 'orders.market.test', 500)).rejects.toThrow('timeout');
  });

  it('resolves the empty records to nothing from every resolver, the CNAME chain kept', async () => {
    const answers = await Promise.all(['127.0.53.1', '127.0.53.2', '127.0.53.3'].map((r) => resolve(aws, r, 'dynamodb.us-east-1.amazonaws.com')));
    expect(answers.map((a) => [a.outcome, a.rcode, a.values])).toEqual(Array(3).fill(['empty', 'NOERROR', []]));
    const ledger = await resolve(aws, '127.0.53.2', 'app.ledger.test');
    expect(ledger).toMatchObject({ outcome: 'empty', values: [] });
    expect(ledger.cnameChain[0]).toMatch(/\.us-east-1\.elb\.amazonaws\.com$/);
  });

  it('leaves nothing behind once closed: the blackhole address refuses again', async () => {
    await backbone.close();
    await aws.close();
    expect(await leftoverHandles(baseline)).toEqual({});
    expect(await connect('127.0.10.1', backbone.port)).toBe('ECONNREFUSED');
    expect(await portFree('127.0.30.1', aws.port)).toBe(true);
  });
});

describe('worlds that start little or nothing', () => {
  it('starts nothing when the local network is down: every address refuses', async () => {
    const before = networkHandles();
    const w = await startWorld(scenario('local-network-down'));
    try {
      expect(w.port).toBeGreaterThan(0);
      expect(await connect('127.0.10.1', w.port)).toBe('ECONNREFUSED');
      expect(await connect('127.0.53.4', w.port)).toBe('ECONNREFUSED');
      expect(await connect('127.0.20.1', w.port)).toBe('ECONNREFUSED');
    } finally {
      await w.close();
    }
    expect(await leftoverHandles(before)).toEqual({});
  });

  it('does not start a refusing provider’s edges', async () => {
    const base = scenario('healthy');
    const w = await startWorld({ ...base, faults: { ...base.faults, edges: { fastly: { fault: 'refuse', flapping: null, selfTest: 'ok' } } } });
    try {
      expect(await connect('127.0.11.1', w.port)).toBe('ECONNREFUSED');
      expect(await connect('127.0.10.1', w.port)).toBe('connected');
    } finally {
      await w.close();
    }
  });

  it('refuses a port already in use with a clear message, leaving nothing running', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.10.1', port: 0 }, resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    const before = networkHandles();
    try {
      const err = await startWorld(scenario('healthy'), { port }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LabStartError);
      expect((err as Error).message).toBe(
        `cannot start the lab: 127.0.10.1:${port} is already in use (give another --port, or none to pick a free one)`,
      );
      expect(await leftoverHandles(before)).toEqual({});
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('writes into a given directory and keeps it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lab-dir-test-'));
    const w = await startWorld(scenario('local-network-down'), { dir });
    expect(w.configPath).toBe(join(dir, 'probes.yaml'));
    await w.close();
    expect(existsSync(join(dir, 'probes.yaml'))).toBe(true);
    expect(existsSync(join(dir, 'ca.pem'))).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });
});
