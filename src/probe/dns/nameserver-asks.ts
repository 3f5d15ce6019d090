// This host's name servers, each asked directly. getaddrinfo asks the servers resolv.conf names in order, and waits
// for each silent one its whole timeout before asking the next (resolv.conf(5): timeout, 5 s by default): a dead
// first server makes every lookup on this host slow while every answer still comes. Its answers alone cannot say
// which server is silent (it reports neither who answered nor how often it asked), so each server is asked the
// question every recursive resolver answers from its cache — the root's name servers — and a reply of any kind,
// a refusal included, says it answers. The session asks them only once an answer of this host's resolver came late
// or not at all: a healthy run never pays for them.

import type { NameserverReply } from '../../model.js';
import { askUdp } from './udp.js';
import { rcodeName } from './wire.js';

/** How long a server is given: twice the first wait of the lookups' own glibc (util/lookup-helper.ts), sent four times in it. */
export const NAMESERVER_WAIT_MS = 2_000;

/** Each address's reply, in the order given. */
export function askNameservers(addresses: readonly string[], options: { timeoutMs: number; signal: AbortSignal }): Promise<NameserverReply[]> {
  return Promise.all(
    addresses.map(async (address): Promise<NameserverReply> => {
      const started = performance.now();
      const exchange = await askUdp({ address, port: 53 }, '.', 'NS', options);
      const ms = Math.round(performance.now() - started);
      return exchange.kind === 'reply' ? { address, rcode: rcodeName(exchange.reply), ms, error: null } : { address, rcode: null, ms, error: exchange.error.code };
    }),
  );
}
