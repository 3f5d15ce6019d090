// Guards the load-loss bug: a resolver shared by hundreds of in-flight queries lost answers to its own
// burst. Every query here must come back ok, with its own answer, from one loopback server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDnsServer, type RunningDnsServer } from '../../src/lab/dns-server.js';
import type { ResolverSpec } from '../../src/model.js';
import { queryDns } from '../../src/probe/dns/index.js';

const COUNT = 400;
let server: RunningDnsServer;

beforeAll(async () => {
  const records: Record<string, { A: string[] }> = {};
  for (let i = 0; i < COUNT; i++) records[`n${i}.burst.test`] = { A: [`10.${(i >> 8) & 255}.${i & 255}.1`] };
  server = await startDnsServer({ host: '127.0.0.56', data: { records, zones: ['burst.test'] }, delayMs: 20 });
});

afterAll(async () => {
  await server.close();
});

describe('a burst of concurrent UDP queries', () => {
  it(`answers all ${COUNT} queries in flight at once, each with its own answer`, async () => {
    const resolver: ResolverSpec = { name: 'lab', kind: 'udp', address: server.host, port: server.port, url: null, provider: null };
    const answers = await Promise.all(
      Array.from({ length: COUNT }, (_, i) =>
        queryDns({ resolver, name: `n${i}.burst.test`, type: 'A' }, { timeoutMs: 4000 }),
      ),
    );
    const failed = answers.filter((a) => a.outcome !== 'ok');
    expect(failed.map((a) => `${a.name} ${a.outcome} ${a.error?.code}`)).toEqual([]);
    answers.forEach((a, i) => expect(a.values).toEqual([`10.${(i >> 8) & 255}.${i & 255}.1`]));
    expect(server.queries).toBeGreaterThanOrEqual(COUNT);
  });
});
