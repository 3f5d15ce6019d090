// The drill lab's world: its DNS data in the providers' real naming, its resolver faults, the probes.yaml it
// writes, and its servers answering with each provider's real headers and pages. Driven with plain Node
// clients where a page's shape is checked, and with the real check pipeline for the healthy world.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { probeAndReport } from '../../src/commands/check.js';
import { loadScenario, parseScenario, type Scenario } from '../../src/lab/scenario.js';
import {
  edgeAnswer,
  failingNow,
  labAddresses,
  labConfigText,
  labDnsData,
  LabStartError,
  resolverBehaviour,
  startWorld,
  type EdgeState,
  type World,
} from '../../src/lab/world.js';
import { cloudflare } from '../../src/lab/personalities/cloudflare.js';
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
function get(world: World, address: string, host: string, path = '/', sni = host): Promise<Answer> {
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
        timeout: 2000,
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
