// Pins how each host shape of src/lab/netns.ts fails a TCP connect, a UDP exchange and getaddrinfo, as its
// SHAPE_FAILURES table says: the rules for "this host has no IPv6" or "this network blocks DNS" will be written
// against these errors, so a kernel or helper change that alters them must fail here first.
// Each case runs in a fresh namespace where DNS servers listen on 1.1.1.1, 2606:4700:4700::1111, 127.0.0.53 and
// ::1 (port 53): the public-looking ones are loopback aliases inside the namespace, so nothing leaves the machine.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { dnsBlocked, namespaceSupport, nftablesSupport, runInNamespace, SHAPE_FAILURES, shapeKey, skipReason, type BlockMethod, type HostShape } from '../../src/lab/netns.js';

const PROBE = fileURLToPath(new URL('./inside/shape-probe.mjs', import.meta.url));
const V4 = '1.1.1.1';
const V6 = '2606:4700:4700::1111';
const LOOPBACK_V4 = '127.0.0.53';
const LOOPBACK_V6 = '::1';
const TARGETS = [V4, V6, LOOPBACK_V4, LOOPBACK_V6];
/** Long enough that a reject arriving after TCP's first SYN retransmission (~1 s, IPv6) is not read as a timeout. */
const PROBE_TIMEOUT_MS = 3000;

interface ProbeResult {
  tcp: Record<string, string>;
  udp: Record<string, string>;
  getaddrinfo: { result: string; ms: number };
  resolvTimeoutMs: number;
}

async function probe(shape: HostShape | null, nameserver: string): Promise<ProbeResult> {
  const run = await runInNamespace(PROBE, { args: [JSON.stringify({ shape, targets: TARGETS, nameserver, probeTimeoutMs: PROBE_TIMEOUT_MS })], timeoutMs: 30_000 });
  expect(run.error).toBeUndefined();
  return run.value as ProbeResult;
}

const family = (address: string): 4 | 6 => (address.includes(':') ? 6 : 4);

/** Every target answers unless affected; affected ones fail exactly as SHAPE_FAILURES says. */
function expectShape(result: ProbeResult, shape: HostShape, affected: string[]): void {
  const measured = SHAPE_FAILURES[shapeKey(shape)];
  for (const target of TARGETS) {
    const hit = affected.includes(target);
    expect({ target, tcp: result.tcp[target] }).toEqual({ target, tcp: hit ? measured.tcp[family(target)] : 'ok' });
    expect({ target, udp: result.udp[target] }).toEqual({ target, udp: hit ? measured.udp[family(target)] : 'ok' });
  }
  expect(result.getaddrinfo.result).toBe('EAI_AGAIN');
  if (measured.getaddrinfo === 'EAI_AGAIN at once') expect(result.getaddrinfo.ms).toBeLessThan(result.resolvTimeoutMs * 0.75);
  else expect(result.getaddrinfo.ms).toBeGreaterThanOrEqual(result.resolvTimeoutMs * 0.9);
}

const reason = skipReason('network-namespace shape tests', namespaceSupport());
const nftReason = reason ?? skipReason('nftables block tests', nftablesSupport());

describe.skipIf(reason !== null)('host shapes in a network namespace', () => {
  it('control: unshaped, every server is reached over TCP and UDP, and getaddrinfo resolves through 1.1.1.1', async () => {
    const result = await probe(null, V4);
    for (const target of TARGETS) expect([target, result.tcp[target], result.udp[target]]).toEqual([target, 'ok', 'ok']);
    expect(result.getaddrinfo.result).toBe('192.0.2.80');
  });

  it('loopback-down (a fresh namespace): even 127.0.0.53 and ::1 fail', async () => {
    const shape: HostShape = { kind: 'loopback-down' };
    expectShape(await probe(shape, V4), shape, TARGETS);
  });

  it('offline: every destination but loopback has no route; the local resolver address still answers', async () => {
    const shape: HostShape = { kind: 'offline' };
    expectShape(await probe(shape, V4), shape, [V4, V6]);
  });

  it('ipv4-only: IPv6 destinations fail, ::1 and IPv4 work', async () => {
    const shape: HostShape = { kind: 'ipv4-only' };
    expectShape(await probe(shape, V6), shape, [V6]);
  });

  it('ipv6-disabled: every IPv6 address, ::1 included, is gone', async () => {
    const shape: HostShape = { kind: 'ipv6-disabled' };
    expectShape(await probe(shape, V6), shape, [V6, LOOPBACK_V6]);
  });

  it('ipv6-only: IPv4 destinations fail, 127.0.0.0/8 and IPv6 work', async () => {
    const shape: HostShape = { kind: 'ipv6-only' };
    expectShape(await probe(shape, V4), shape, [V4]);
  });

  for (const how of ['local-prohibit', 'no-route'] satisfies BlockMethod[]) {
    it(`DNS blocked (${how}, by a routing rule): port 53 of the public resolvers fails, the local resolver answers`, async () => {
      const shape = dnsBlocked([V4, V6], how);
      expectShape(await probe(shape, V4), shape, [V4, V6]);
    });
  }

  describe.skipIf(nftReason !== null)('blocks made with nftables', () => {
    for (const how of ['drop', 'reject', 'admin-prohibited', 'local-drop'] satisfies BlockMethod[]) {
      it(`DNS blocked (${how}): port 53 of the public resolvers fails, the local resolver answers`, async () => {
        const shape = dnsBlocked([V4, V6], how);
        expectShape(await probe(shape, V4), shape, [V4, V6]);
      });
    }

    it('a block on port 53 leaves other ports of the same address alone', async () => {
      const run = await runInNamespace(fileURLToPath(new URL('./inside/port-scope.mjs', import.meta.url)), { timeoutMs: 30_000 });
      expect(run.error).toBeUndefined();
      expect(run.value).toEqual({ port53: 'timeout', port443: 'ok', afterUndo: 'ok' });
    });
  });
});
