// Asking again what a resolver dropped under the run's load (probe/dns/asking-again.ts), against a limit counted per
// second as unbound 1.17 counts `ip-ratelimit` (unbound.conf(5): "queries accepted per IP address … More queries are
// completely dropped"; without ip-ratelimit-backoff, the current second's count is the rate, the dropped queries
// counted too; `ip-ratelimit-factor: 0` lets none of them through). The real unbound is tried end to end in
// test/netns/rate-limited-resolver.test.ts; here the moment the first pace is set within the limit's second is chosen.

import { describe, expect, it } from 'vitest';
import type { DnsAnswer } from '../../src/model.js';
import { createAskingAgain } from '../../src/probe/dns/asking-again.js';
import { dnsAnswer } from '../support/records.js';

const LIMIT = 20;
const WAIT_MS = 400;

/** One client's queries counted in each second of the wall clock; beyond LIMIT in a second, dropped. */
function perSecondLimit(): { send(): boolean } {
  let second = -1;
  let count = 0;
  return {
    send() {
      const now = Math.floor(Date.now() / 1_000);
      if (now !== second) [second, count] = [now, 0];
      count += 1;
      return count <= LIMIT;
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const answered = (name: string): DnsAnswer => dnsAnswer({ resolver: 'corp', name, values: ['203.0.113.80'] });
const ranOut = (name: string, waitedMs: number): DnsAnswer =>
  dnsAnswer({ resolver: 'corp', name, outcome: 'timeout', rcode: null, values: [], durationMs: waitedMs, error: { code: 'ETIMEDOUT', message: 'no reply' } });

function askingAgain() {
  return createAskingAgain({ signal: new AbortController().signal, msLeft: () => 60_000, othersReplied: async () => true });
}

/** Early in a fresh second of the wall clock, the run's first flood: the limit's first LIMIT answered, the rest lost. */
async function flood(limit: { send(): boolean }, asking: ReturnType<typeof askingAgain>, questions: number): Promise<string[]> {
  await sleep(1_000 - (Date.now() % 1_000) + 5);
  const lost: string[] = [];
  for (let i = 1; i <= questions; i += 1) {
    const name = `s${i}.list.example`;
    if (limit.send()) await asking.settle(answered(name), async () => answered(name), 5_000);
    else lost.push(name);
  }
  return lost;
}

describe('asking again behind a limit on each second', () => {
  it("the first asks again do not go out in the second the run's flood spent: each is answered, the drop is proven", async () => {
    const limit = perSecondLimit();
    const asking = askingAgain();
    const lost = (await flood(limit, asking, LIMIT + 10)).slice(0, 4);
    // Those lost run out of time while that second is still going (here at once): they are asked again.
    const ask = (name: string) => async (waitMs: number) => (limit.send() ? answered(name) : (await sleep(waitMs), ranOut(name, waitMs)));
    const settled = await Promise.all(lost.map((name) => asking.settle(ranOut(name, WAIT_MS), ask(name), WAIT_MS)));
    // Before: the pace began at once, the four asks went out in the spent second and were lost, the resolver was asked
    // no more again, and the four stood as timeouts (asked 4, answered 0).
    expect(settled.map((a) => `${a.name}: ${a.outcome}`)).toEqual(lost.map((name) => `${name}: ok`));
    expect(asking.report()?.get('corp')).toMatchObject({ ranOut: 4, asked: 4, answered: 4 });
  });

  it('a resolver failing what the others answer still costs the run about one wait, the spent second added', async () => {
    const asking = askingAgain();
    const limit = perSecondLimit();
    const lost = (await flood(limit, asking, LIMIT + 10)).slice(0, 8);
    const started = performance.now();
    const settled = await Promise.all(lost.map((name) => asking.settle(ranOut(name, WAIT_MS), async (waitMs) => (await sleep(waitMs), ranOut(name, waitMs)), WAIT_MS)));
    const tookMs = performance.now() - started;
    expect(settled.every((a) => a.outcome === 'timeout')).toBe(true);
    const record = asking.report()?.get('corp');
    expect(record).toMatchObject({ ranOut: 8, answered: 0 });
    // Four at once, each lost once: no more asks again (ASKED_AGAIN_IN_VAIN), nor a pace left behind.
    expect(record!.asked).toBeLessThanOrEqual(4);
    expect(tookMs).toBeLessThan(1_000 + 2 * WAIT_MS + 500);
  });
});
