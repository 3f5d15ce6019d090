// timedRequest's timeout and signal end the exchange while its connection is still being made. undici honours an
// abort only once connected, so a request whose host name sat in a lookup nobody answered, or whose SYNs were
// dropped, waited for undici's own 10 s connect timeout, past the caller's timeout and the run's deadline. Here the
// connection is never made at all: a connector that never calls back (no socket, nothing sent).

import { describe, expect, it } from 'vitest';
import { Agent } from 'undici';
import { timedRequest } from '../../src/util/http-client.js';

function neverConnects(): Agent {
  return new Agent({ connect: () => {} });
}

describe('timedRequest while the connection is still being made', () => {
  it('its timeout ends it at that time', async () => {
    const agent = neverConnects();
    const started = performance.now();
    const result = await timedRequest('https://never.test/', { dispatcher: agent, timeoutMs: 200 }, async () => 'read');
    expect(result).toEqual({ ok: false, stoppedBy: 'timeout', error: null });
    expect(performance.now() - started).toBeLessThan(2000);
    void agent.destroy().catch(() => undefined);
  });

  it("the caller's signal ends it at once", async () => {
    const agent = neverConnects();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const result = await timedRequest('https://never.test/', { dispatcher: agent, timeoutMs: 30_000, signal: controller.signal }, async () => 'read');
    expect(result).toEqual({ ok: false, stoppedBy: 'signal', error: null });
    expect(performance.now() - started).toBeLessThan(2000);
    void agent.destroy().catch(() => undefined);
  });
});
