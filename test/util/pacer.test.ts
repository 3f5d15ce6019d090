// Pacing queries to resolvers whose operator throttles a client above a documented rate (Google Public DNS: 1,500
// queries a second per address, https://developers.google.com/speed/public-dns/docs/isp): a run of thousands of
// names must not read as that resolver failing because it asked too fast.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPacer } from '../../src/util/pacer.js';
import { resolverPaces, udpResolver, dohResolver } from '../../src/config/resolvers.js';
import { startDnsServer, type RunningDnsServer } from '../../src/lab/dns-server.js';
import { createProbeSession } from '../../src/probe/session.js';
import type { ResolverSpec } from '../../src/model.js';

describe('createPacer', () => {
  it('lets a burst through at once, then sends at the pace', async () => {
    const pacer = createPacer(500, 10);
    const started = performance.now();
    const at: number[] = [];
    await Promise.all(Array.from({ length: 60 }, () => pacer.take().then(() => at.push(performance.now() - started))));
    at.sort((a, b) => a - b);
    expect(at[9]!).toBeLessThan(30);
    // 50 sends after the burst, at 2 ms each.
    expect(at[59]!).toBeGreaterThanOrEqual(95);
    expect(at[59]!).toBeLessThan(400);
  });

  it('tryTake takes a slot only when one is free now, and never waits', async () => {
    const pacer = createPacer(20, 1);
    expect(pacer.tryTake()).toBe(true);
    // The next slot is 50 ms away: not now.
    expect(pacer.tryTake()).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(pacer.tryTake()).toBe(true);
    // A slot taken by tryTake is one take() waits behind.
    const started = performance.now();
    await pacer.take();
    expect(performance.now() - started).toBeGreaterThanOrEqual(40);
  });

  it('setQps: the slots already given keep their times; the new pace is in force after the last of them', async () => {
    const pacer = createPacer(10, 1);
    const started = performance.now();
    const slow = Array.from({ length: 5 }, () => pacer.take());
    const inForce = pacer.setQps(1000);
    // Five slots at 100 ms each were given (the first at once): the new pace begins at the fifth's end.
    expect(inForce - started).toBeGreaterThanOrEqual(490);
    expect(inForce - started).toBeLessThan(600);
    await Promise.all(slow);
    // Ten at 1 ms each, from when the new pace is in force (at 10 a second they would take a second).
    await Promise.all(Array.from({ length: 10 }, () => pacer.take()));
    expect(performance.now() - inForce).toBeLessThan(60);
  });

  it('startAt: nothing goes before it, a burst or tryTake included; from it, the burst and the pace as usual', async () => {
    const started = performance.now();
    const pacer = createPacer(100, 5, started + 200);
    expect(pacer.tryTake()).toBe(false);
    const at: number[] = [];
    await Promise.all(Array.from({ length: 10 }, () => pacer.take().then(() => at.push(performance.now() - started))));
    at.sort((a, b) => a - b);
    expect(at[0]!).toBeGreaterThanOrEqual(199);
    // Five at once from startAt, then one each 10 ms.
    expect(at[4]!).toBeLessThan(240);
    expect(at[9]!).toBeGreaterThanOrEqual(240);
  });

  it('a signal ends the wait', async () => {
    const pacer = createPacer(1, 1);
    await pacer.take();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const started = performance.now();
    await pacer.take(controller.signal);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('resolverPaces', () => {
  it("Google's resolvers share one pace at two thirds of its documented 1,500 a second; operators documenting none are unpaced", () => {
    const resolvers = [udpResolver('8.8.8.8', null), dohResolver(new URL('https://dns.google/dns-query')), udpResolver('1.1.1.1', null), udpResolver('192.0.2.53', null)];
    expect([...resolverPaces(resolvers)]).toEqual([
      ['8.8.8.8', { operator: 'Google', qps: 1000 }],
      ['doh-dns.google', { operator: 'Google', qps: 1000 }],
    ]);
  });
});

describe('a paced resolver in the probe session', () => {
  let server: RunningDnsServer;
  beforeAll(async () => {
    const records = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`n${i}.paced.test`, { A: ['192.0.2.20'] }]));
    server = await startDnsServer({ host: '127.0.0.54', data: { records, zones: ['paced.test'] } });
  });
  afterAll(async () => {
    await server.close();
  });

  it('is asked no faster than its pace; an unpaced one is not held back', async () => {
    const lab = (name: string): ResolverSpec => ({ name, kind: 'udp', address: server.host, port: server.port, provider: null });
    const ask = async (paced: boolean) => {
      const r = lab(paced ? 'paced' : 'free');
      const session = createProbeSession({
        resolvers: [r],
        run: { deadlineMs: 10_000, concurrency: 64, perHostConcurrency: 2, perAddressConcurrency: 8 },
        ca: null,
        deadlineAt: performance.now() + 10_000,
        ...(paced ? { paces: new Map([['paced', { operator: 'Lab', qps: 200 }]]) } : {}),
      });
      const started = performance.now();
      const answers = await Promise.all(Array.from({ length: 120 }, (_, i) => session.resolve({ resolver: r, name: `n${i}.paced.test`, type: 'A' }, 2000)));
      const ms = performance.now() - started;
      await session.close();
      expect(answers.every((a) => a.outcome === 'ok')).toBe(true);
      return ms;
    };
    // 120 queries at 200 a second with a burst of 50: the last 70 take at least 350 ms.
    expect(await ask(true)).toBeGreaterThanOrEqual(340);
    expect(await ask(false)).toBeLessThan(300);
  });
});
