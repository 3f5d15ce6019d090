// The DNS probe: one query → one DnsAnswer record, whatever happens on the wire. Never throws:
// timeouts, refusals and broken replies are outcomes, with the error kept alongside. How each kind of
// resolver is asked is its transport's business (transports.ts).

import { setMaxListeners } from 'node:events';
import type { DnsAnswer, DnsQuery } from '../../model.js';
import { toProbeError } from '../../util/errors.js';
import { elapsedTenthsMs, isoNow } from '../../util/time.js';
import { orNone } from '../../util/collections.js';
import { normalizeName } from './wire.js';
import { keptAnswer } from './answer.js';
import { transportFor, type AnswerFields } from './transports.js';
import type { DohPool } from './doh.js';

export { closeDohAgents, createDohPool, type DohPool } from './doh.js';
export { RESOLVER_TRANSPORTS, transportFor } from './transports.js';
export { FIRST_RETRANSMIT } from './udp.js';
export { probeLoss, PROBE_WAIT_MS } from './loss-probe.js';
export { askNameservers, NAMESERVER_WAIT_MS } from './nameserver-asks.js';
export { createAskingAgain } from './asking-again.js';

export interface DnsQueryOptions {
  /** Per query, all retransmissions and the TCP fallback included. */
  timeoutMs: number;
  /** The run's deadline: when aborted, the query resolves at once with outcome 'timeout', error.code 'DEADLINE'. */
  signal?: AbortSignal;
  /** Extra trusted CA (PEM) for DoH. */
  ca?: string | null;
  /** The run's DoH connection pool (see createDohPool); a shared one otherwise. */
  dohPool?: DohPool;
  /** Asked before each retransmission over UDP: false skips it (see ExchangeOptions). */
  mayResend?: () => boolean;
}

export async function queryDns(query: DnsQuery, options: DnsQueryOptions): Promise<DnsAnswer> {
  const startedAt = isoNow();
  const start = performance.now();
  const name = normalizeName(query.name);
  const resolver = query.resolver;
  const transport = transportFor(resolver);
  let server = '';
  try {
    server = transport.server(resolver);
  } catch {
    // a malformed spec: the query below fails the same way and is recorded
  }
  // Built in one place so every record, whatever happened, has the same fields in the same order.
  const record = (fields: AnswerFields, answeredBy: string = server, via: DnsAnswer['transport'] = resolver.kind): DnsAnswer =>
    keptAnswer(
      { resolver: resolver.name, name, server: answeredBy, startedAt, durationTenthsMs: elapsedTenthsMs(start) },
      {
        type: query.type,
        outcome: fields.outcome,
        rcode: fields.rcode ?? null,
        // Most answers have no CNAME, no EDE, and half have no records: one shared empty list for each of those.
        answers: orNone(fields.answers),
        cnameChain: orNone(fields.cnameChain),
        values: orNone(fields.values),
        zone: fields.zone ?? null,
        ede: orNone(fields.ede),
        authenticated: fields.authenticated ?? null,
        transport: via,
        error: fields.error,
      },
    );

  // The run's one deadline signal is shared by every query in flight, each adding an abort listener
  // for its lifetime: hundreds at once are expected, not a leak, so Node's warning at 11 is switched off.
  if (options.signal) setMaxListeners(0, options.signal);

  if (transport.types && !transport.types.has(query.type)) {
    return record({ outcome: 'network-error', error: { code: 'ENOTSUP', message: `resolver ${resolver.name} cannot be asked for ${query.type} records` } });
  }
  try {
    const answer = await transport.ask(resolver, name, query.type, {
      timeoutMs: Math.max(0, options.timeoutMs),
      ca: options.ca ?? null,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.dohPool ? { dohPool: options.dohPool } : {}),
      ...(options.mayResend ? { mayResend: options.mayResend } : {}),
    });
    return record(answer.fields, answer.server, answer.transport);
  } catch (err) {
    // A bug, not a network condition: still a record, so one bad query cannot take the run down.
    return record({ outcome: 'network-error', error: toProbeError(err, 'EINTERNAL') });
  }
}
