// The resolver transports: how a resolver of each kind is asked one question. One entry per ResolverSpec kind;
// adding a transport (DNS-over-TLS, say) is one file exporting its entry, one row here, and one row in
// config/resolvers.ts RESOLVER_SYNTAX (how people write it). Every transport answers with the same fields
// and never throws for a network condition: a timeout or a refusal is an outcome.

import type { DnsAnswer, DnsType, ResolverKind, ResolverSpec } from '../../model.js';
import type { DohPool } from './doh.js';
import { dohTransport } from './doh.js';
import { systemTransport } from './system.js';
import { tcpTransport } from './tcp.js';
import { udpTransport } from './udp.js';

/** The parts of a DnsAnswer a transport decides; absent ones default to "nothing learned". */
export type AnswerFields = Pick<DnsAnswer, 'outcome' | 'error'> &
  Partial<Pick<DnsAnswer, 'rcode' | 'answers' | 'cnameChain' | 'values' | 'zone' | 'ede' | 'authenticated'>>;

export interface TransportOptions {
  /** Per query, all retransmissions and fallbacks included. */
  timeoutMs: number;
  /** The run's deadline: when aborted, the query ends at once with outcome 'timeout', error.code 'DEADLINE'. */
  signal?: AbortSignal;
  /** Extra trusted CA (PEM), for transports over TLS. */
  ca: string | null;
  /** The run's DoH connection pool. */
  dohPool?: DohPool;
  /** Asked before each retransmission over UDP: false skips it (see ExchangeOptions). */
  mayResend?: () => boolean;
}

/** What one question produced, and who (server) answered it over which transport. */
export interface TransportAnswer {
  fields: AnswerFields;
  server: string;
  transport: ResolverKind;
}

export interface ResolverTransport<S extends ResolverSpec = ResolverSpec> {
  kind: S['kind'];
  /** Who answers, as records and reports name it: "ip:port" (brackets around IPv6), the DoH URL, "system". */
  server(spec: S): string;
  /** The record types it can ask for; null: any. getaddrinfo knows only addresses. */
  types: ReadonlySet<DnsType> | null;
  ask(spec: S, name: string, type: DnsType, options: TransportOptions): Promise<TransportAnswer>;
}

/** The spec of one kind (WireResolverSpec serves two kinds, so Extract alone would not find it). */
type SpecOf<K extends ResolverKind> = ResolverSpec extends infer S ? (S extends ResolverSpec ? (K extends S['kind'] ? S : never) : never) : never;

type TransportTable = { [K in ResolverKind]: ResolverTransport<SpecOf<K>> };

export const RESOLVER_TRANSPORTS: TransportTable = {
  udp: udpTransport,
  tcp: tcpTransport,
  doh: dohTransport,
  system: systemTransport,
};

export function transportFor<S extends ResolverSpec>(spec: S): ResolverTransport<S> {
  return RESOLVER_TRANSPORTS[spec.kind] as unknown as ResolverTransport<S>;
}
