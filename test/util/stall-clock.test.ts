// The stall clock: how long this process could not run, and when a timeout is its own rather than the server's.

import { describe, expect, it } from 'vitest';
import { busyTimeout, HOST_BUSY, hostWasBusy, stalledMs, startStallClock } from '../../src/util/stall-clock.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
function blockFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // the event loop cannot run: as when the process is throttled or starved
  }
}

describe('stalledMs', () => {
  it('counts the time the event loop could not run, and not the time it waited idle', async () => {
    const stop = startStallClock();
    try {
      await sleep(50);
      const idleBefore = stalledMs();
      await sleep(300);
      expect(stalledMs() - idleBefore).toBeLessThan(100);
      const before = stalledMs();
      blockFor(400);
      // Counted at once, before the clock's own tick has run again.
      expect(stalledMs() - before).toBeGreaterThan(300);
    } finally {
      stop();
    }
  });

  it('reads 0 when no clock runs', () => {
    expect(stalledMs()).toBe(0);
  });
});

describe('busyTimeout', () => {
  const timeout = { code: 'ETIMEDOUT', message: 'attempt timed out after 5000 ms' };

  it('a timeout while the process could not run for half its wait or more is this host\'s', () => {
    const busy = busyTimeout(timeout, 5000, 2600);
    expect(busy?.code).toBe(HOST_BUSY);
    expect(busy?.message).toBe('attempt timed out after 5000 ms, but this host could not run for 2600 ms of those 5000 ms (starved of CPU: a CPU limit, or other work here): no reply could have been read');
    expect(hostWasBusy(busy)).toBe(true);
  });

  it('a shorter stall leaves the timeout standing; other failures are never relabelled', () => {
    expect(busyTimeout(timeout, 5000, 2400)).toBeNull();
    expect(busyTimeout({ code: 'ECONNREFUSED', message: 'x' }, 5000, 5000)).toBeNull();
    expect(busyTimeout(null, 5000, 5000)).toBeNull();
    expect(hostWasBusy(timeout)).toBe(false);
  });
});

describe('the probe session asks again once when the host was busy', () => {
  const timedOut = { code: 'ETIMEDOUT', message: 'no reply within 300 ms' };
  async function session() {
    const { createProbeSession } = await import('../../src/probe/session.js');
    return createProbeSession({ resolvers: [], run: { deadlineMs: 10_000, concurrency: 8, perHostConcurrency: 2, perAddressConcurrency: 8 }, ca: null, deadlineAt: performance.now() + 10_000 });
  }

  it('a timeout while starved is tried again, and the second try is what counts', async () => {
    const s = await session();
    let tries = 0;
    const result = await s.withDescriptors(async () => {
      tries += 1;
      if (tries === 1) {
        blockFor(350); // starved for the whole wait
        return { error: timedOut };
      }
      return { error: null };
    });
    await s.close();
    expect([tries, result.error]).toEqual([2, null]);
  });

  it('starved on both tries: HOST_BUSY; never starved: the timeout stands, asked once', async () => {
    const s = await session();
    let tries = 0;
    const busy = await s.withDescriptors(async () => {
      tries += 1;
      blockFor(350);
      return { error: timedOut };
    });
    expect([tries, busy.error?.code]).toEqual([2, HOST_BUSY]);
    tries = 0;
    const real = await s.withDescriptors(async () => {
      tries += 1;
      await sleep(350);
      return { error: timedOut };
    });
    await s.close();
    expect([tries, real.error]).toEqual([1, timedOut]);
  });

  it("a question refused without a reply (no route, not allowed) read by a blocked loop is asked once more: the answer is the unblocked one's", async () => {
    const dgram = await import('node:dgram');
    const s = await session();
    // 255.255.255.255 without SO_BROADCAST: the kernel refuses the socket's connect at once (EACCES), as it refuses an
    // address with no route (ENETUNREACH); nothing is sent.
    const resolver = { name: 'nowhere', kind: 'udp' as const, address: '255.255.255.255', port: 53, provider: null };
    const connect = dgram.Socket.prototype.connect;
    let blocked = 0;
    dgram.Socket.prototype.connect = function (this: unknown, ...args: unknown[]) {
      dgram.Socket.prototype.connect = connect;
      blocked += 1;
      const result = (connect as (...a: unknown[]) => void).apply(this, args);
      blockFor(400);
      return result;
    } as typeof connect;
    try {
      const answer = await s.resolve({ resolver, name: 'shop.test', type: 'A' }, 1000);
      expect([blocked, answer.outcome, answer.rcode, answer.error?.code]).toEqual([1, 'network-error', null, 'EACCES']);
      expect(answer.durationMs).toBeLessThan(200);
    } finally {
      dgram.Socket.prototype.connect = connect;
      await s.close();
    }
  });
});

