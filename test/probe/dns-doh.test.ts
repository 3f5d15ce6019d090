import { loopbackTls } from '../support/tls.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type RunningDnsServer } from '../../src/lab/dns-server.js';
import type { DnsQuery, DnsType, ResolverSpec } from '../../src/model.js';
import { closeDohAgents, queryDns } from '../../src/probe/dns/index.js';

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
