import dgram from 'node:dgram';
import https from 'node:https';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import type { DecodedPacket } from 'dns-packet';
import { loopbackTls } from '../support/tls.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  resolveFromData,
  startDnsServer,
  type DnsFault,
  type DnsZoneData,
  type RunningDnsServer,
} from '../../src/lab/dns-server.js';

const DATA: DnsZoneData = {
  records: {
    'www.a.test': { CNAME: 'a.cdn.test', ttl: 120 },
    'a.cdn.test': { A: ['192.0.2.10'], ttl: 30 },
    'shop.test': { NS: ['ns1.dns.test', 'ns2.dns.test'] },
    'www.shop.test': { A: ['192.0.2.20'] },
    'deep.below.shop.test': { A: ['192.0.2.21'] },
    'loop1.shop.test': { CNAME: 'loop2.shop.test' },
    'loop2.shop.test': { CNAME: 'loop1.shop.test' },
    'dangling.shop.test': { CNAME: 'gone.shop.test' },
    'many.shop.test': { A: Array.from({ length: 30 }, (_, i) => `198.51.100.${i + 1}`) },
    'outside.example': { A: ['192.0.2.99'] },
  },
  zones: ['a.test', 'cdn.test', 'shop.test'],
};

// ───────────────────────────── raw clients (no product code on the client side) ─────────────────────────────

function queryBytes(name: string, type: 'A' | 'AAAA' | 'NS' | 'SOA', edns: boolean, id = 4242): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name }],
    additionals: edns
      ? [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }]
      : [],
  });
}

type Reply = DecodedPacket & { rcode: string };

/** The raw reply datagram, or null when none arrives within `waitMs`. */
function udpExchange(host: string, port: number, message: Buffer, waitMs = 1000): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
    const done = (value: Buffer | null) => {
      clearTimeout(timer);
      socket.close();
      resolve(value);
    };
    const timer = setTimeout(() => done(null), waitMs);
    socket.on('message', (bytes) => done(bytes));
    socket.send(message, port, host);
  });
}

async function udpQuery(server: RunningDnsServer, message: Buffer): Promise<Reply> {
  const bytes = await udpExchange(server.host, server.port, message);
  if (!bytes) throw new Error('no UDP reply');
  return dnsPacket.decode(bytes) as Reply;
}

function tcpQueries(server: RunningDnsServer, messages: Buffer[]): Promise<Reply[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, server.host);
    const replies: Reply[] = [];
    let pending = Buffer.alloc(0);
    socket.on('connect', () => socket.write(Buffer.concat(messages.map((m) => dnsPacket.streamEncode(dnsPacket.decode(m))))));
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const length = pending.readUInt16BE(0);
        replies.push(dnsPacket.decode(pending.subarray(2, 2 + length)) as Reply);
        pending = pending.subarray(2 + length);
      }
      if (replies.length === messages.length) {
        socket.destroy();
        resolve(replies);
      }
    });
    socket.on('error', reject);
  });
}

function dohRequest(
  url: string,
  ca: string,
  init: { method: 'GET' | 'POST'; body?: Buffer },
): Promise<{ status: number; type: string | undefined; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method: init.method, ca, headers: { 'content-type': 'application/dns-message' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}


// ───────────────────────────── answering from data (pure) ─────────────────────────────

describe('resolveFromData', () => {
  it('follows a CNAME chain to the addresses', () => {
    const r = resolveFromData('WWW.a.test.', 'A', DATA);
    expect(r.rcode).toBe('NOERROR');
    expect(r.answers.map((a) => [a.type, a.name, (a as { data: unknown }).data])).toEqual([
      ['CNAME', 'www.a.test', 'a.cdn.test'],
      ['A', 'a.cdn.test', '192.0.2.10'],
    ]);
  });

  it('answers NXDOMAIN with the SOA of the enclosing zone', () => {
    const r = resolveFromData('nosuch.shop.test', 'A', DATA);
    expect(r.rcode).toBe('NXDOMAIN');
    expect(r.authorities.map((a) => [a.type, a.name])).toEqual([['SOA', 'shop.test']]);
  });

  it('answers NODATA with the SOA when the name exists but not the type, or only has names below it', () => {
    for (const name of ['www.shop.test', 'below.shop.test']) {
      const r = resolveFromData(name, 'NS', DATA);
      expect(r.rcode).toBe('NOERROR');
      expect(r.answers).toEqual([]);
      expect(r.authorities.map((a) => [a.type, a.name])).toEqual([['SOA', 'shop.test']]);
    }
  });

  it('answers a name that does not exist from the wildcard at its closest encloser (RFC 4592 §3.3.1), the owner being the name asked', () => {
    const data: DnsZoneData = { records: { '*.corp.test': { A: ['10.20.0.9'] }, 'www.corp.test': { A: ['10.20.0.1'] }, 'x.sub.corp.test': { A: ['10.20.0.2'] } }, zones: ['corp.test'] };
    const r = resolveFromData('shop.example.com.corp.test', 'A', data);
    expect(r.rcode).toBe('NOERROR');
    expect(r.answers.map((a) => [a.type, a.name, (a as { data: unknown }).data])).toEqual([['A', 'shop.example.com.corp.test', '10.20.0.9']]);
    // No AAAA at the wildcard: NODATA. A name that exists, or whose closest encloser (an empty non-terminal) has no
    // wildcard, is not synthesised.
    expect(resolveFromData('shop.example.com.corp.test', 'AAAA', data)).toMatchObject({ rcode: 'NOERROR', answers: [] });
    expect(resolveFromData('www.corp.test', 'A', data).answers.map((a) => (a as { data: unknown }).data)).toEqual(['10.20.0.1']);
    expect(resolveFromData('y.sub.corp.test', 'A', data).rcode).toBe('NXDOMAIN');
  });

  it('answers NS and SOA at the apex', () => {
    expect(resolveFromData('shop.test', 'NS', DATA).answers.map((a) => (a as { data: unknown }).data)).toEqual([
      'ns1.dns.test',
      'ns2.dns.test',
    ]);
    expect(resolveFromData('shop.test', 'SOA', DATA).answers.map((a) => a.type)).toEqual(['SOA']);
  });

  it('refuses names outside its data and zones, but answers records it holds outside zones', () => {
    expect(resolveFromData('www.elsewhere.example', 'A', DATA).rcode).toBe('REFUSED');
    expect(resolveFromData('outside.example', 'A', DATA).rcode).toBe('NOERROR');
  });

  it('stops at CNAME loops and reports a dangling target as NXDOMAIN with the chain', () => {
    const loop = resolveFromData('loop1.shop.test', 'A', DATA);
    expect(loop.answers.map((a) => a.type)).toEqual(['CNAME', 'CNAME']);
    const dangling = resolveFromData('dangling.shop.test', 'A', DATA);
    expect(dangling.rcode).toBe('NXDOMAIN');
    expect(dangling.answers.map((a) => a.type)).toEqual(['CNAME']);
  });
});

// ───────────────────────────── the running server ─────────────────────────────

describe('startDnsServer', () => {
  let server: RunningDnsServer;
  let tls: { cert: string; key: string; ca: string };
  let fault: DnsFault | null = null;
  let http = 0;

  beforeAll(async () => {
    tls = loopbackTls();
    server = await startDnsServer({
      host: '127.0.0.1',
      data: DATA,
      fault: () => fault,
      delayMs: (name) => (name === 'www.shop.test' ? 150 : 0),
      ede: (name) => (name === 'a.cdn.test' ? { code: 3, text: 'Stale Answer' } : null),
      dohStatus: () => (http ? http : null),
      doh: tls,
    });
  });

  afterAll(async () => {
    await server.close();
  });

  it('listens on UDP and TCP at one port and counts the queries', async () => {
    const before = server.queries;
    const udp = await udpQuery(server, queryBytes('www.a.test', 'A', true));
    const [tcp] = await tcpQueries(server, [queryBytes('www.a.test', 'A', true)]);
    for (const reply of [udp, tcp!]) {
      expect(reply.id).toBe(4242);
      expect(reply.type).toBe('response');
      expect(reply.flag_rd && reply.flag_ra).toBe(true);
      expect(reply.answers?.map((a) => a.type)).toEqual(['CNAME', 'A']);
    }
    expect(server.queries - before).toBe(2);
  });

  it('attaches an EDE only when the query carries EDNS', async () => {
    const withEdns = await udpQuery(server, queryBytes('a.cdn.test', 'A', true));
    const opt = withEdns.additionals?.find((a) => a.type === 'OPT') as { options: Array<{ code: number; data: Buffer }> };
    const ede = opt.options.find((o) => o.code === 15)!;
    expect(ede.data.readUInt16BE(0)).toBe(3);
    expect(ede.data.subarray(2).toString('utf8')).toBe('Stale Answer');

    const without = await udpQuery(server, queryBytes('a.cdn.test', 'A', false));
    expect(without.additionals ?? []).toEqual([]);
    expect(without.answers?.map((a) => a.type)).toEqual(['A']);
  });

  it('truncates over UDP and answers in full over TCP for the truncate fault', async () => {
    fault = 'truncate';
    try {
      const udp = await udpQuery(server, queryBytes('a.cdn.test', 'A', true));
      expect(udp.flag_tc).toBe(true);
      expect(udp.answers).toEqual([]);
      const [tcp] = await tcpQueries(server, [queryBytes('a.cdn.test', 'A', true)]);
      expect(tcp!.flag_tc).toBe(false);
      expect(tcp!.answers?.map((a) => (a as { data: unknown }).data)).toEqual(['192.0.2.10']);
    } finally {
      fault = null;
    }
  });

  it('truncates an answer larger than 512 bytes for a query without EDNS', async () => {
    const classic = await udpQuery(server, queryBytes('many.shop.test', 'A', false));
    expect(classic.flag_tc).toBe(true);
    const edns = await udpQuery(server, queryBytes('many.shop.test', 'A', true));
    expect(edns.flag_tc).toBe(false);
    expect(edns.answers).toHaveLength(30);
  });

  it('applies rcode faults, read afresh on every query', async () => {
    const rcodes: string[] = [];
    for (const f of ['servfail', 'nxdomain', 'refused', 'empty', null] as const) {
      fault = f;
      rcodes.push((await udpQuery(server, queryBytes('www.a.test', 'A', true))).rcode);
    }
    fault = null;
    expect(rcodes).toEqual(['SERVFAIL', 'NXDOMAIN', 'REFUSED', 'NOERROR', 'NOERROR']);
  });

  it('stays silent, or answers garbage from its own port, on request', async () => {
    fault = 'silent';
    try {
      const before = server.queries;
      expect(await udpExchange(server.host, server.port, queryBytes('www.a.test', 'A', true), 300)).toBeNull();
      expect(server.queries - before).toBe(1);
      fault = 'garbage';
      const garbage = await udpExchange(server.host, server.port, queryBytes('www.a.test', 'A', true));
      expect(garbage).not.toBeNull();
      let matches = false;
      try {
        const decoded = dnsPacket.decode(garbage!);
        matches = decoded.id === 4242 && decoded.questions?.[0]?.name === 'www.a.test';
      } catch {
        matches = false;
      }
      expect(matches).toBe(false);
    } finally {
      fault = null;
    }
  });

  it('delays replies as told', async () => {
    const started = performance.now();
    const reply = await udpQuery(server, queryBytes('www.shop.test', 'A', true));
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(reply.answers?.length).toBe(1);
  });

  it('answers several queries pipelined on one TCP connection', async () => {
    const replies = await tcpQueries(server, [
      queryBytes('www.a.test', 'A', true, 1),
      queryBytes('nosuch.a.test', 'A', true, 2),
      queryBytes('shop.test', 'NS', false, 3),
    ]);
    expect(replies.map((r) => [r.id, r.rcode]).sort()).toEqual([
      [1, 'NOERROR'],
      [2, 'NXDOMAIN'],
      [3, 'NOERROR'],
    ]);
  });

  it('serves DoH by GET and POST, and HTTP errors on request', async () => {
    expect(server.dohUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/dns-query$/);
    const message = queryBytes('www.a.test', 'A', true, 0);
    const get = await dohRequest(`${server.dohUrl}?dns=${message.toString('base64url')}`, tls.ca, { method: 'GET' });
    expect(get.status).toBe(200);
    expect(get.type).toBe('application/dns-message');
    expect((dnsPacket.decode(get.body).answers ?? []).map((a) => a.type)).toEqual(['CNAME', 'A']);

    const post = await dohRequest(server.dohUrl!, tls.ca, { method: 'POST', body: message });
    expect(post.status).toBe(200);
    expect(dnsPacket.decode(post.body).answers?.length).toBe(2);

    const elsewhere = await dohRequest(server.dohUrl!.replace('/dns-query', '/other'), tls.ca, { method: 'GET' });
    expect(elsewhere.status).toBe(404);

    http = 503;
    try {
      const failing = await dohRequest(`${server.dohUrl}?dns=${message.toString('base64url')}`, tls.ca, { method: 'GET' });
      expect(failing.status).toBe(503);
    } finally {
      http = 0;
    }
  });

  it('closes promptly with queries still waiting on a delay', async () => {
    const slow = await startDnsServer({ host: '127.0.0.57', data: DATA, delayMs: 5000 });
    const pending = udpExchange(slow.host, slow.port, queryBytes('www.a.test', 'A', true), 400);
    await new Promise((r) => setTimeout(r, 50));
    const started = performance.now();
    await slow.close();
    expect(performance.now() - started).toBeLessThan(500);
    expect(await pending).toBeNull();
    expect(slow.queries).toBe(1);
  });
});

describe('startDnsServer on IPv6', () => {
  it('serves ::1', async (ctx) => {
    let server: RunningDnsServer;
    try {
      server = await startDnsServer({ host: '::1', data: DATA });
    } catch {
      ctx.skip();
      return;
    }
    try {
      const reply = await udpQuery(server, queryBytes('www.a.test', 'A', true));
      expect(reply.answers?.length).toBe(2);
    } finally {
      await server.close();
    }
  });
});
