// The DNS probe: one query → one DnsAnswer record, whatever happens on the wire. Never throws:
// timeouts, refusals and broken replies are outcomes, with the error kept alongside.

import { setMaxListeners } from 'node:events';
import type { DnsAnswer, DnsQuery } from '../../model.js';
import { toProbeError } from '../../util/errors.js';
import { safeLine } from '../../util/text.js';
import { elapsedMs } from '../../util/time.js';
import { exchangeDoh } from './doh.js';
import { lookupSystem } from './system.js';
import { exchangeUdp } from './udp.js';
import { normalizeName, replyFields, serverLabel, type DnsTransport, type Exchange } from './wire.js';

export { closeDohAgents, createDohPool, type DohPool } from './doh.js';
import type { DohPool } from './doh.js';

export interface DnsQueryOptions {
  /** Per query, all retransmissions and the TCP fallback included. */
  timeoutMs: number;
  /** The run's deadline: when aborted, the query resolves at once with outcome 'timeout', error.code 'DEADLINE'. */
  signal?: AbortSignal;
  /** Extra trusted CA (PEM) for DoH. */
  ca?: string | null;
  /** The run's DoH connection pool (see createDohPool); a shared one otherwise. */
  dohPool?: DohPool;
}

const DEFAULT_DNS_PORT = 53;

export async function queryDns(query: DnsQuery, options: DnsQueryOptions): Promise<DnsAnswer> {
  const startedAt = new Date().toISOString();
  const start = performance.now();
  const name = normalizeName(query.name);
  const resolver = query.resolver;
  // Built in one place so every record, whatever happened, has the same fields in the same order.
  const record = (fields: AnswerFields, server: string, transport: DnsTransport): DnsAnswer => ({
    resolver: resolver.name,
    name,
    type: query.type,
    outcome: fields.outcome,
    rcode: fields.rcode ?? null,
    answers: fields.answers ?? [],
    cnameChain: fields.cnameChain ?? [],
    values: fields.values ?? [],
    zone: fields.zone ?? null,
    ede: fields.ede ?? [],
    server,
    transport,
    startedAt,
    durationMs: elapsedMs(start),
    error: fields.error,
  });

  // The run's one deadline signal is shared by every query in flight, each adding an abort listener
  // for its lifetime: hundreds at once are expected, not a leak, so Node's warning at 11 is switched off.
  if (options.signal) setMaxListeners(0, options.signal);

  try {
    const exchangeOptions = { timeoutMs: Math.max(0, options.timeoutMs), signal: options.signal };
    if (resolver.kind === 'system') {
      return record(await lookupSystem(name, query.type, exchangeOptions), 'system', 'system');
    }

    let exchange: Exchange;
    if (resolver.kind === 'udp') {
      if (!resolver.address) return record(invalid(`resolver ${resolver.name} has no address`), '', 'udp');
      const target = { address: resolver.address, port: resolver.port ?? DEFAULT_DNS_PORT };
      exchange = await exchangeUdp(target, name, query.type, exchangeOptions);
    } else if (resolver.kind === 'doh') {
      if (!resolver.url) return record(invalid(`resolver ${resolver.name} has no url`), '', 'doh');
      exchange = await exchangeDoh(resolver.url, name, query.type, { ...exchangeOptions, ca: options.ca ?? null, ...(options.dohPool ? { pool: options.dohPool } : {}) });
    } else {
      return record(invalid(`unknown resolver kind ${String(resolver.kind)}`), '', 'system');
    }

    const fields: AnswerFields =
      exchange.kind === 'reply'
        ? replyFields(exchange.reply, name, query.type)
        : { outcome: exchange.outcome, error: exchange.error };
    return record(fields, exchange.server, exchange.transport);
  } catch (err) {
    // A bug, not a network condition: still a record, so one bad query cannot take the run down.
    const transport: DnsTransport = resolver.kind === 'udp' || resolver.kind === 'doh' ? resolver.kind : 'system';
    const server =
      resolver.kind === 'udp' && resolver.address
        ? serverLabel({ address: resolver.address, port: resolver.port ?? DEFAULT_DNS_PORT })
        : (resolver.url ?? '');
    return record({ outcome: 'network-error', error: toProbeError(err, 'EINTERNAL') }, server, transport);
  }
}

/** The parts of a DnsAnswer a transport decides; absent ones default to "nothing learned". */
type AnswerFields = Pick<DnsAnswer, 'outcome' | 'error'> &
  Partial<Pick<DnsAnswer, 'rcode' | 'answers' | 'cnameChain' | 'values' | 'zone' | 'ede'>>;

function invalid(message: string): AnswerFields {
  return { outcome: 'network-error', error: { code: 'EINVAL', message: safeLine(message) } };
}
