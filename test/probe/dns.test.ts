import { readFileSync } from 'node:fs';
import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type DnsFault, type RunningDnsServer } from '../../src/lab/dns-server.js';
import type { DnsQuery, DnsType, ResolverSpec } from '../../src/model.js';
import { queryDns } from '../../src/probe/dns/index.js';

const FAULTS: Record<string, DnsFault> = {
  'servfail.fail.test': 'servfail',
  'refused.fail.test': 'refused',
  'silent.fail.test': 'silent',
  'garbage.fail.test': 'garbage',
  'big.a.test': 'truncate',
  'empty.fail.test': 'empty',
};

let server: RunningDnsServer;

function udpResolver(address: string, port: number): ResolverSpec {
  return { name: 'lab', kind: 'udp', address, port, url: null, provider: null };
}

function query(name: string, type: DnsType = 'A', resolver = udpResolver(server.host, server.port)): DnsQuery {
  return { resolver, name, type };
}

beforeAll(async () => {
  server = await startDnsServer({
    host: '127.0.0.53',
    data: {
      records: {
        'www.a.test': { CNAME: 'a.cdn.test', ttl: 120 },
        'a.cdn.test': { A: ['192.0.2.10', '192.0.2.11'], AAAA: ['2001:db8::10'], ttl: 30 },
        'big.a.test': { A: ['192.0.2.30'] },
        'shop.test': { NS: ['NS1.dns.test', 'ns2.dns.test'], A: ['192.0.2.20'] },
        'www.shop.test': { A: ['192.0.2.21'] },
        'servfail.fail.test': { A: ['192.0.2.40'] },
        'refused.fail.test': { A: ['192.0.2.40'] },
        'silent.fail.test': { A: ['192.0.2.40'] },
        'garbage.fail.test': { A: ['192.0.2.40'] },
        'empty.fail.test': { A: ['192.0.2.40'] },
      },
      zones: ['a.test', 'cdn.test', 'shop.test', 'fail.test'],
    },
    fault: (name) => FAULTS[name] ?? null,
    ede: (name) => (name === 'servfail.fail.test' ? { code: 22, text: 'No Reachable Authority' } : null),
  });
});

afterAll(async () => {
  await server.close();
});

describe('queryDns over UDP', () => {
  it('answers with TTLs and the CNAME chain, names lower-case', async () => {
    const answer = await queryDns(query('WWW.A.test.'), { timeoutMs: 2000 });
    expect(answer).toMatchObject({
      resolver: 'lab',
      name: 'www.a.test',
      type: 'A',
      outcome: 'ok',
      rcode: 'NOERROR',
      cnameChain: ['a.cdn.test'],
      values: ['192.0.2.10', '192.0.2.11'],
      zone: null,
      ede: [],
      server: `127.0.0.53:${server.port}`,
      transport: 'udp',
      error: null,
    });
    expect(answer.answers).toEqual([
      { name: 'www.a.test', type: 'CNAME', ttl: 120, data: 'a.cdn.test' },
      { name: 'a.cdn.test', type: 'A', ttl: 30, data: '192.0.2.10' },
      { name: 'a.cdn.test', type: 'A', ttl: 30, data: '192.0.2.11' },
    ]);
    expect(new Date(answer.startedAt).toISOString()).toBe(answer.startedAt);
    expect(answer.durationMs).toBeGreaterThanOrEqual(0);
    expect(answer.durationMs).toBeLessThan(2000);
  });

  it('reports NXDOMAIN', async () => {
    const answer = await queryDns(query('nosuch.a.test'), { timeoutMs: 2000 });
    expect(answer).toMatchObject({ outcome: 'nxdomain', rcode: 'NXDOMAIN', values: [], error: { code: 'NXDOMAIN' } });
  });

  it('reports SERVFAIL with the Extended DNS Error decoded', async () => {
    const answer = await queryDns(query('servfail.fail.test'), { timeoutMs: 2000 });
    expect(answer.outcome).toBe('servfail');
    expect(answer.rcode).toBe('SERVFAIL');
    expect(answer.ede).toEqual([{ code: 22, text: 'No Reachable Authority' }]);
    expect(answer.error?.code).toBe('SERVFAIL');
    expect(answer.error?.message).toContain('EDE 22: No Reachable Authority');
  });

  it('reports REFUSED', async () => {
    const answer = await queryDns(query('refused.fail.test'), { timeoutMs: 2000 });
    expect(answer).toMatchObject({ outcome: 'refused', rcode: 'REFUSED', error: { code: 'REFUSED' } });
  });

  it('reports NOERROR without records as empty', async () => {
    const answer = await queryDns(query('empty.fail.test'), { timeoutMs: 2000 });
    expect(answer).toMatchObject({ outcome: 'empty', rcode: 'NOERROR', answers: [], values: [], error: { code: 'NODATA' } });
  });

  it('reports NODATA at the end of a CNAME chain as empty, keeping the chain', async () => {
    const answer = await queryDns(query('www.shop.test', 'AAAA'), { timeoutMs: 2000 });
    expect(answer).toMatchObject({ outcome: 'empty', rcode: 'NOERROR', values: [] });
    const viaCname = await queryDns(query('www.a.test', 'AAAA'), { timeoutMs: 2000 });
    expect(viaCname).toMatchObject({ outcome: 'ok', cnameChain: ['a.cdn.test'], values: ['2001:db8::10'] });
  });

  it('times out on a silent server within the timeout, retransmitting meanwhile', async () => {
    const before = server.queries;
    const answer = await queryDns(query('silent.fail.test'), { timeoutMs: 600 });
    expect(answer).toMatchObject({ outcome: 'timeout', rcode: null, error: { code: 'ETIMEDOUT' } });
    expect(answer.durationMs).toBeGreaterThanOrEqual(550);
    expect(answer.durationMs).toBeLessThan(600 + 1000);
    // the first send and three retransmissions of the same query
    expect(server.queries - before).toBe(4);
  });

  it('sends a retransmission only when mayResend allows it (a resolver held to a pace: a limit counts datagrams)', async () => {
    const before = server.queries;
    let asked = 0;
    const answer = await queryDns(query('silent.fail.test'), { timeoutMs: 600, mayResend: () => ++asked === 2 });
    expect(answer).toMatchObject({ outcome: 'timeout', error: { code: 'ETIMEDOUT' } });
    // Asked before each of the three retransmissions; the first send is not asked about.
    expect(asked).toBe(3);
    expect(server.queries - before).toBe(2);
  });

  it('reports only-garbage replies as EBADRESP', async () => {
    const answer = await queryDns(query('garbage.fail.test'), { timeoutMs: 500 });
    expect(answer).toMatchObject({ outcome: 'network-error', error: { code: 'EBADRESP' } });
  });

  it('falls back to TCP when the UDP reply is truncated', async () => {
    const answer = await queryDns(query('big.a.test'), { timeoutMs: 2000 });
    expect(answer).toMatchObject({ outcome: 'ok', transport: 'tcp', values: ['192.0.2.30'], server: `127.0.0.53:${server.port}` });
  });

  it('finds the zone apex of a host from the SOA of an NS query', async () => {
    const answer = await queryDns(query('www.shop.test', 'NS'), { timeoutMs: 2000 });
    expect(answer).toMatchObject({ outcome: 'empty', zone: 'shop.test', values: [] });
  });

  it('returns the NS hosts at the apex', async () => {
    const answer = await queryDns(query('shop.test', 'NS'), { timeoutMs: 2000 });
    expect(answer).toMatchObject({ outcome: 'ok', zone: 'shop.test', values: ['ns1.dns.test', 'ns2.dns.test'] });
  });

  it('reports a closed UDP port as a result, not a throw', async () => {
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => probe.bind(0, '127.0.0.54', () => resolve()));
    const closedPort = probe.address().port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const answer = await queryDns(query('www.a.test', 'A', udpResolver('127.0.0.54', closedPort)), { timeoutMs: 800 });
    expect(['network-error', 'timeout']).toContain(answer.outcome);
    if (answer.outcome === 'network-error') expect(answer.error?.code).toBe('ECONNREFUSED');
  });

  it('ends a silent query at once when the run deadline aborts', async () => {
    const deadline = new AbortController();
    setTimeout(() => deadline.abort(), 100);
    const started = performance.now();
    const answer = await queryDns(query('silent.fail.test'), { timeoutMs: 10_000, signal: deadline.signal });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(answer).toMatchObject({ outcome: 'timeout', error: { code: 'DEADLINE' } });

    const already = await queryDns(query('www.a.test'), { timeoutMs: 10_000, signal: deadline.signal });
    expect(already).toMatchObject({ outcome: 'timeout', error: { code: 'DEADLINE' } });
  });

  it('returns a record, never throws, for a resolver without an address', async () => {
    const resolver = { name: 'bad', kind: 'udp', address: null, port: null, provider: null } as unknown as ResolverSpec;
    const answer = await queryDns(query('www.a.test', 'A', resolver), { timeoutMs: 500 });
    expect(answer).toMatchObject({ outcome: 'network-error', error: { code: expect.any(String) } });
  });
});

describe('queryDns against stray and forged replies', () => {
  it('ignores garbage, a wrong id and a wrong question, and takes the real reply', async () => {
    const liar = dgram.createSocket('udp4');
    liar.on('message', (message, peer) => {
      const q = dnsPacket.decode(message);
      const reply = (id: number, name: string) =>
        dnsPacket.encode({
          type: 'response',
          id,
          flags: dnsPacket.RECURSION_AVAILABLE,
          questions: [{ type: 'A', name }],
          answers: [{ type: 'A', name, ttl: 5, data: name === 'www.a.test' ? '192.0.2.99' : '203.0.113.66' }],
        });
      const send = (bytes: Buffer) => liar.send(bytes, peer.port, peer.address);
      send(Buffer.from('not dns at all'));
      send(reply(((q.id ?? 0) + 1) & 0xffff, 'www.a.test'));
      send(reply(q.id ?? 0, 'evil.test'));
      setTimeout(() => send(reply(q.id ?? 0, 'www.a.test')), 20);
    });
    await new Promise<void>((resolve) => liar.bind(0, '127.0.0.55', () => resolve()));
    try {
      const answer = await queryDns(query('www.a.test', 'A', udpResolver('127.0.0.55', liar.address().port)), {
        timeoutMs: 2000,
      });
      expect(answer).toMatchObject({ outcome: 'ok', values: ['192.0.2.99'] });
    } finally {
      liar.close();
    }
  });
});

describe('queryDns over IPv6', () => {
  it('queries a server on ::1', async (ctx) => {
    let v6: RunningDnsServer;
    try {
      v6 = await startDnsServer({ host: '::1', data: { records: { 'v6.test': { AAAA: ['2001:db8::6'] } }, zones: ['v6.test'] } });
    } catch {
      ctx.skip();
      return;
    }
    try {
      const answer = await queryDns(query('v6.test', 'AAAA', udpResolver('::1', v6.port)), { timeoutMs: 2000 });
      expect(answer).toMatchObject({ outcome: 'ok', values: ['2001:db8::6'], server: `[::1]:${v6.port}`, transport: 'udp' });
    } finally {
      await v6.close();
    }
  });
});

describe('queryDns through the system resolver', () => {
  const system: ResolverSpec = { name: 'system', kind: 'system', address: null, port: null, url: null, provider: null };

  it('resolves localhost without TTLs, from this host\'s /etc/hosts when it lists the name (hosts(5))', async () => {
    const answer = await queryDns(query('localhost', 'A', system), { timeoutMs: 3000 });
    const listed = /^[ \t]*127\.0\.0\.1[ \t]+([^#\n]*[ \t])?localhost([ \t#]|$)/m.test(readFileSync('/etc/hosts', 'utf8'));
    expect(answer).toMatchObject({ outcome: 'ok', transport: 'system', server: listed ? '/etc/hosts' : 'system', rcode: null, cnameChain: [] });
    expect(answer.values).toContain('127.0.0.1');
    expect(answer.answers.every((r) => r.ttl === null && r.type === 'A')).toBe(true);
  });

  it('declines NS queries with ENOTSUP', async () => {
    const answer = await queryDns(query('localhost', 'NS', system), { timeoutMs: 3000 });
    expect(answer).toMatchObject({ outcome: 'network-error', error: { code: 'ENOTSUP' } });
  });
});
