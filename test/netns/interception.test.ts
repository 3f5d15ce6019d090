// The captive-portal primitives (src/lab/interception.ts) on public-looking addresses inside a namespace: every
// name at every "public resolver" resolves to the portal, and the portal answers any site with its own
// certificate and a redirect to its login page. Also: outside a namespace, lab servers still refuse such addresses.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startHijackingResolver } from '../../src/lab/interception.js';
import { isolatedNetwork, namespaceSupport, runInNamespace, skipReason } from '../../src/lab/netns.js';

describe('lab servers on the host', () => {
  it.skipIf(isolatedNetwork())('refuse a public-looking address outside a namespace', async () => {
    await expect(startHijackingResolver({ host: '1.1.1.1', port: 0, ipv4: '192.0.2.200' })).rejects.toThrow(/loopback only/);
  });
});

const reason = skipReason('captive-portal tests', namespaceSupport());

describe.skipIf(reason !== null)('a captive portal inside a network namespace', () => {
  it('answers every name at every resolver with the portal address, and every site with its certificate and a 302 to its login', async () => {
    const run = await runInNamespace(fileURLToPath(new URL('./inside/captive-portal.mjs', import.meta.url)), { timeoutMs: 30_000 });
    expect(run.error).toBeUndefined();
    const value = run.value as { answers: Array<{ a: string[]; aaaaRcode: string; aaaa: number }>; fetched: unknown };
    expect(value.answers).toHaveLength(6);
    for (const answer of value.answers) expect(answer).toMatchObject({ a: ['192.0.2.200'], aaaaRcode: 'NOERROR', aaaa: 0 });
    expect(value.fetched).toEqual({ status: 302, location: 'https://portal.hotel.example/login', certificate: 'portal.hotel.example' });
  });
});
