// Loss probes (probe/dns/loss-probe.ts): questions a resolver answers from its cache, one datagram each, never sent
// again. A real socket server on loopback: one that never answers every fourth datagram, one that answers every
// one 800 ms late (slow is not lost), and an address where nothing listens (refused: no measure of the path).

import dgram from 'node:dgram';
import dnsPacket from 'dns-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WireResolverSpec } from '../../src/model.js';
import { LOSS_PROBES, probeLoss } from '../../src/probe/dns/loss-probe.js';

const servers: dgram.Socket[] = [];

/** A resolver on 127.0.0.1 that answers every question, `delayMs` late, except those `drop` picks by arrival order. */
async function resolverAt(name: string, behaviour: { delayMs?: number; drop?: (n: number) => boolean }): Promise<WireResolverSpec> {
  const socket = dgram.createSocket('udp4');
  let arrived = 0;
  socket.on('message', (bytes, from) => {
    const query = dnsPacket.decode(bytes);
    if (behaviour.drop?.(++arrived)) return;
    const reply = dnsPacket.encode({ type: 'response', id: query.id, flags: dnsPacket.RECURSION_AVAILABLE, questions: query.questions, answers: [{ type: 'NS', name: '.', ttl: 518400, class: 'IN', data: 'a.root-servers.net' }] });
    setTimeout(() => socket.send(reply, from.port, from.address), behaviour.delayMs ?? 0);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  servers.push(socket);
  return { name, kind: 'udp', address: '127.0.0.1', port: (socket.address() as { port: number }).port, provider: null };
}

let lossy: WireResolverSpec;
let slow: WireResolverSpec;
let nobody: WireResolverSpec;

beforeAll(async () => {
  lossy = await resolverAt('lossy', { drop: (n) => n % 4 === 0 });
  slow = await resolverAt('slow', { delayMs: 800 });
  // Its port, then nothing listening there: the kernel answers port unreachable.
  nobody = await resolverAt('nobody', {});
  servers.pop()!.close();
});

afterAll(() => {
  for (const s of servers) s.close();
});

describe('loss probes', () => {
  it('count what got no reply in its second, one datagram each; slow is not lost; a refusal measures nothing', async () => {
    const probes = await probeLoss([lossy, slow, nobody], new AbortController().signal);
    expect(probes.get('lossy')).toEqual({ sent: LOSS_PROBES, answered: LOSS_PROBES * 0.75 });
    expect(probes.get('slow')).toEqual({ sent: LOSS_PROBES, answered: LOSS_PROBES });
    expect(probes.get('nobody')).toEqual({ sent: 0, answered: 0 });
  });

  it('stop with the run: a probe cut short is not counted lost', async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 100);
    const probes = await probeLoss([slow], stop.signal);
    expect(probes.get('slow')!.sent).toBe(0);
  });
});
