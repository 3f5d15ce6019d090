import { loopbackTls } from '../support/tls.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type RunningDnsServer } from '../../src/lab/dns-server.js';
import type { DnsQuery, DnsType, ResolverSpec } from '../../src/model.js';
import { closeDohAgents, queryDns } from '../../src/probe/dns/index.js';
import { createDohPool, DOH_CONNECTIONS, exchangeDoh } from '../../src/probe/dns/doh.js';
import { createProbeSession } from '../../src/probe/session.js';

let server: RunningDnsServer;
let ca: string;

function dohQuery(name: string, type: DnsType = 'A', url = server.dohUrl!): DnsQuery {
  const resolver: ResolverSpec = { name: 'lab-doh', kind: 'doh', address: null, port: null, url, provider: null };
  return { resolver, name, type };
}

beforeAll(async () => {
  const tls = loopbackTls();
  ca = tls.ca;
  server = await startDnsServer({
    host: '127.0.0.1',
    data: {
      records: {
        'www.a.test': { CNAME: 'a.cdn.test', ttl: 120 },
        'a.cdn.test': { A: ['192.0.2.10'], ttl: 30 },
        'servfail.a.test': { A: ['192.0.2.1'] },
        'http500.a.test': { A: ['192.0.2.1'] },
        'silent.a.test': { A: ['192.0.2.1'] },
        'garbage.a.test': { A: ['192.0.2.1'] },
      },
      zones: ['a.test', 'cdn.test'],
    },
    fault: (name) =>
      name === 'servfail.a.test' ? 'servfail' : name === 'silent.a.test' ? 'silent' : name === 'garbage.a.test' ? 'garbage' : null,
    ede: (name) => (name === 'servfail.a.test' ? { code: 22, text: 'No Reachable Authority' } : null),
    dohStatus: (name) => (name === 'http500.a.test' ? 500 : null),
    doh: tls,
  });
});

afterAll(async () => {
  await closeDohAgents();
  await server.close();
});

describe('queryDns over DoH', () => {
  it('answers with TTLs and the CNAME chain', async () => {
    const answer = await queryDns(dohQuery('www.a.test'), { timeoutMs: 3000, ca });
    expect(answer).toMatchObject({
      outcome: 'ok',
      rcode: 'NOERROR',
      transport: 'doh',
      server: server.dohUrl,
      cnameChain: ['a.cdn.test'],
      values: ['192.0.2.10'],
      error: null,
    });
    expect(answer.answers.map((r) => r.ttl)).toEqual([120, 30]);
  });

  it('reports SERVFAIL with its EDE', async () => {
    const answer = await queryDns(dohQuery('servfail.a.test'), { timeoutMs: 3000, ca });
    expect(answer).toMatchObject({ outcome: 'servfail', rcode: 'SERVFAIL', ede: [{ code: 22, text: 'No Reachable Authority' }] });
  });

  it('reports an HTTP 500 from the endpoint as a network error named after the status', async () => {
    const answer = await queryDns(dohQuery('http500.a.test'), { timeoutMs: 3000, ca });
    expect(answer).toMatchObject({ outcome: 'network-error', rcode: null, error: { code: 'HTTP_500' } });
  });

  it('times out when the server does not answer', async () => {
    const answer = await queryDns(dohQuery('silent.a.test'), { timeoutMs: 500, ca });
    expect(answer).toMatchObject({ outcome: 'timeout', error: { code: 'ETIMEDOUT' } });
    expect(answer.durationMs).toBeLessThan(500 + 1000);
  });

  it('reports a body that is not a DNS message as EBADRESP', async () => {
    const answer = await queryDns(dohQuery('garbage.a.test'), { timeoutMs: 3000, ca });
    expect(answer).toMatchObject({ outcome: 'network-error', error: { code: 'EBADRESP' } });
  });

  it('fails the TLS handshake without the extra CA', async () => {
    const answer = await queryDns(dohQuery('www.a.test'), { timeoutMs: 3000 });
    expect(answer.outcome).toBe('network-error');
    expect(answer.error?.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE'); // the lab CA is not in Node's bundle
  });

  it('ends at once when the run deadline aborts', async () => {
    const deadline = new AbortController();
    setTimeout(() => deadline.abort(), 100);
    const started = performance.now();
    const answer = await queryDns(dohQuery('silent.a.test'), { timeoutMs: 10_000, signal: deadline.signal, ca });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(answer).toMatchObject({ outcome: 'timeout', error: { code: 'DEADLINE' } });
  });

  it('reports a refused connection as a network error', async () => {
    const answer = await queryDns(dohQuery('www.a.test', 'A', 'https://127.0.0.1:1/dns-query'), { timeoutMs: 2000, ca });
    expect(answer).toMatchObject({ outcome: 'network-error', error: { code: 'ECONNREFUSED' } });
  });

  it('answers 100 concurrent queries', async () => {
    const answers = await Promise.all(
      Array.from({ length: 100 }, () => queryDns(dohQuery('www.a.test'), { timeoutMs: 5000, ca })),
    );
    expect(answers.filter((a) => a.outcome !== 'ok')).toEqual([]);
  });
});

// A burst of queries to one DoH server (two a site, at once, in a run) opened one connection each: 30 TLS handshakes
// a server for the packaged 13 sites, enough on a network limiting a host's connections to starve its fetches.
describe('connections to a DoH server under a burst of queries', () => {
  const names = Array.from({ length: 20 }, (_, i) => `n${i}.burst.test`);
  const records = Object.fromEntries(names.map((n) => [n, { A: ['192.0.2.20'] }]));

  async function burst(options: { closeAtRequest?: number; silentFromRequest?: number; waves?: number; timeoutMs?: number } = {}) {
    const tls = loopbackTls('127.0.0.78');
    const lab = await startDnsServer({
      host: '127.0.0.78',
      data: { records, zones: ['burst.test'] },
      doh: { ...tls, ...(options.closeAtRequest ? { closeAtRequest: options.closeAtRequest } : {}), ...(options.silentFromRequest ? { silentFromRequest: options.silentFromRequest } : {}) },
    });
    const pool = createDohPool();
    try {
      const answers: Array<Awaited<ReturnType<typeof exchangeDoh>>> = [];
      for (let wave = 0; wave < (options.waves ?? 1); wave++) {
        answers.push(...(await Promise.all(names.flatMap((n) => (['A', 'AAAA'] as const).map((type) => exchangeDoh(lab.dohUrl!, n, type, { timeoutMs: options.timeoutMs ?? 4000, ca: tls.ca, pool }))))));
      }
      return { answers, connections: lab.dohConnections() };
    } finally {
      await pool.close();
      await lab.close();
    }
  }

  it('40 queries at once: every one answered over at most DOH_CONNECTIONS connections', async () => {
    const { answers, connections } = await burst();
    expect(answers.map((a) => a.kind)).toEqual(Array(40).fill('reply'));
    expect(connections.length).toBeGreaterThan(1);
    expect(connections.length).toBeLessThanOrEqual(DOH_CONNECTIONS);
    expect(connections.every((p) => p === 'http/1.1')).toBe(true);
  });

  it('a kept-alive connection closed by the server just as a query is sent on it: the query is sent again, none lost', async () => {
    const { answers, connections } = await burst({ closeAtRequest: 5, waves: 2 });
    expect(answers.map((a) => a.kind)).toEqual(Array(80).fill('reply'));
    expect(connections.length).toBeGreaterThan(DOH_CONNECTIONS);
  });

  it('kept-alive connections that go silent after three answers (a network cutting connections at a size): each query left on one is asked again on a connection of its own, none lost', async () => {
    const { answers, connections } = await burst({ silentFromRequest: 4, waves: 2, timeoutMs: 1000 });
    expect(answers.map((a) => (a.kind === 'reply' ? 'reply' : a.error.code))).toEqual(Array(80).fill('reply'));
    // Six pooled connections could carry 18 answers: the rest came over connections opened for them.
    expect(connections.length).toBeGreaterThan(DOH_CONNECTIONS);
  }, 20_000);
});

describe('a run asking a DoH resolver more at once than its connections carry', () => {
  // --concurrency 512: 1,024 queries in flight a resolver, for plain DNS. Each answer takes 0.3 s: queued inside
  // undici behind six connections, the last would wait several rounds before being sent, past its 1 s.
  it('the rest wait before they are sent, so a slow server answers every one and never holds more than its connections carry', async () => {
    const tls = loopbackTls('127.0.0.79');
    const names = Array.from({ length: 40 }, (_, i) => `q${i}.many.test`);
    const lab = await startDnsServer({
      host: '127.0.0.79',
      data: { records: Object.fromEntries(names.map((n) => [n, { A: ['192.0.2.30'] }])), zones: ['many.test'] },
      delayMs: 300,
      doh: tls,
    });
    const resolver: ResolverSpec = { name: 'lab-doh', kind: 'doh', address: null, port: null, url: lab.dohUrl!, provider: null };
    const session = createProbeSession({ resolvers: [resolver], run: { deadlineMs: 20_000, concurrency: 512, perHostConcurrency: 4, perAddressConcurrency: 8 }, ca: tls.ca, deadlineAt: performance.now() + 20_000 });
    try {
      const answers = await Promise.all(names.map((name) => session.resolve({ resolver, name, type: 'A' }, 1000)));
      expect(answers.filter((a) => a.outcome !== 'ok').map((a) => a.error?.code)).toEqual([]);
      expect(lab.dohPeakInFlight()).toBeLessThanOrEqual(DOH_CONNECTIONS);
      expect(lab.dohPeakInFlight()).toBeGreaterThan(DOH_CONNECTIONS / 2);
    } finally {
      await session.close();
      await lab.close();
    }
  }, 30_000);
});

describe('queries held back when the run stops', () => {
  it('were never sent: NOT_PROBED, while those in flight end as cut by the deadline', async () => {
    const tls = loopbackTls('127.0.0.79');
    const names = Array.from({ length: DOH_CONNECTIONS + 2 }, (_, i) => `h${i}.held.test`);
    const lab = await startDnsServer({
      host: '127.0.0.79',
      data: { records: Object.fromEntries(names.map((n) => [n, { A: ['192.0.2.40'] }])), zones: ['held.test'] },
      delayMs: 3000,
      doh: tls,
    });
    const pool = createDohPool();
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 300);
    try {
      const answers = await Promise.all(names.map((n) => exchangeDoh(lab.dohUrl!, n, 'A', { timeoutMs: 5000, ca: tls.ca, pool, signal: stop.signal })));
      const codes = answers.map((a) => (a.kind === 'reply' ? 'reply' : a.error.code));
      expect(codes.filter((c) => c === 'DEADLINE')).toHaveLength(DOH_CONNECTIONS);
      expect(codes.filter((c) => c === 'NOT_PROBED')).toHaveLength(2);
    } finally {
      await pool.close();
      await lab.close();
    }
  });
});
