// DNS over HTTPS (RFC 8484): GET with the query in `?dns=` (base64url), message id 0 so HTTP caches
// can share answers, `accept: application/dns-message`. The reply body is capped and the whole
// exchange is timed out; an HTTP status other than 200 is a network error named after the status.

import type { Agent } from 'undici';
import type { DnsType, DohResolverSpec } from '../../model.js';
import type { ResolverTransport } from './transports.js';
import { agentFor, discardBody, readCapped, timedRequest } from '../../util/http-client.js';
import { dohStatusCode } from '../../util/errors.js';
import { connectLookupPending } from '../../util/lookup-helper.js';
import { hostOf } from '../../util/dns-name.js';
import { noop } from '../../util/collections.js';
import {
  answersQuery,
  badResponseFailure,
  base64url,
  deadlineFailure,
  decodeMessage,
  encodeQuery,
  exchangeFields,
  failure,
  timeoutFailure,
  type Exchange,
  type ExchangeOptions,
} from './wire.js';

/** How long closing a pool waits for its connections to close (only connections still being made take longer). */
const CLOSE_GRACE_MS = 250;

/** A shared connection closing under a query (undici's codes): the query may not have been seen, and is sent again. */
const CONNECTION_LOST: ReadonlySet<string> = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'UND_ERR_CLOSED']);

/** No DNS message is larger (the TCP length prefix is 16 bits); anything bigger is not an answer. */
const MAX_REPLY_BYTES = 65_536;

/**
 * Queries in flight at once on one HTTP/2 connection to a DoH server: under the streams servers commonly allow at
 * once (SETTINGS_MAX_CONCURRENT_STREAMS, RFC 9113 §6.5.2: nginx's default 128; RFC 9113 §5.1.2 recommends no fewer
 * than 100), so no query waits on the server's limit or meets its refusal.
 */
const DOH_STREAMS = 64;

/**
 * Queries in flight at once to one HTTP/2 DoH server: what its one connection carries. More would wait inside undici
 * with their timeouts running (a second connection from undici's pool takes its share only a round later, measured),
 * so the pool holds them back before they are sent.
 */
export const DOH_IN_FLIGHT = DOH_STREAMS;

/**
 * Connections a run opens to an HTTP/1.1-only DoH server at most (a browser's per-host limit): that many queries in
 * flight. Over HTTP/2, which public DoH servers speak (RFC 8484 §5.2 recommends it), one connection carries
 * DOH_STREAMS of them.
 */
export const DOH_HTTP1_CONNECTIONS = 6;

/**
 * Keep-alive connections to DoH servers, by extra-CA setting, and each server's first query sent alone, the rest
 * once its connection is made: as streams on that one connection when it is HTTP/2, else over up to
 * DOH_HTTP1_CONNECTIONS.
 * A burst (two queries a site, at once) opened one connection each: for the packaged 13 sites, 30 TLS handshakes
 * and 30 lookups of the server's name per server — on a network that limits a host's connections (a firewall's
 * per-source limit, a NAT's share of ports), enough to starve the sites' own fetches. A run makes its own pool and
 * closes it when it ends, so one run finishing never closes the connections of another still going in the same
 * process. Idle sockets are unref'd by undici: a pool left open never keeps the process alive.
 */
export interface DohPool {
  /**
   * The agent for a query to `url` with this CA, once the server's first query has its connection (waiting at most
   * `timeoutMs`, which `waitedMs` tells: null when it had none by then) and fewer queries than its connections carry
   * are in flight there (a wait that does not count: the query has not been sent); `settled` to call when the query
   * has settled. Null too when `signal` aborts first.
   */
  take(url: URL, ca: string | null, timeoutMs: number, signal: AbortSignal | undefined): Promise<{ agent: Agent; settled(): void; waitedMs: number } | null>;
  close(): Promise<void>;
}

interface CaAgents {
  /** Streams on one connection a server: each server's first query, and all of an HTTP/2 server's. */
  multiplexed: Agent;
  /** Up to DOH_HTTP1_CONNECTIONS connections a server, one query each at a time. */
  parallel: Agent;
  /** By host name: the protocol its first connection agreed on. */
  protocols: Map<string, string | null>;
}

export function createDohPool(): DohPool {
  const byCa = new Map<string, CaAgents>();
  /** By CA and origin: settles when the first query's connection is made, or the query has settled without one. */
  const firsts = new Map<string, Promise<void>>();
  /** By host name: what opens its servers' gates when a connection to it is made. */
  const opening = new Map<string, Array<() => void>>();
  /** By CA and origin, once the first connection told the protocol: the queries it may still carry at once. */
  const inFlight = new Map<string, InFlight>();
  const agentsFor = (ca: string | null): CaAgents => {
    const key = ca ?? '';
    let agents = byCa.get(key);
    if (!agents) {
      const protocols = new Map<string, string | null>();
      const connected = (host: string, protocol: string | null) => {
        protocols.set(host, protocol);
        for (const open of opening.get(host) ?? []) open();
        opening.delete(host);
      };
      // One secure context per CA (util/http-client): passing `ca` per connection re-parses the whole root
      // bundle on every handshake (~15 ms each), which a burst of new connections turns into seconds.
      agents = {
        multiplexed: agentFor(ca, { connectionsPerOrigin: 1, pipelining: DOH_STREAMS, allowH2: true, onConnected: connected }),
        parallel: agentFor(ca, { connectionsPerOrigin: DOH_HTTP1_CONNECTIONS }),
        protocols,
      };
      byCa.set(key, agents);
    }
    return agents;
  };
  return {
    async take(url, ca, timeoutMs, signal) {
      const agents = agentsFor(ca);
      const key = `${ca ?? ''} ${url.origin}`;
      const host = hostOf(url);
      const first = firsts.get(key);
      if (!first) {
        let open = noop;
        firsts.set(key, new Promise<void>((resolve) => (open = resolve)));
        opening.set(host, [...(opening.get(host) ?? []), open]);
        return { agent: agents.multiplexed, settled: open, waitedMs: 0 };
      }
      const began = performance.now();
      if (!(await waited(first, timeoutMs, signal))) return null;
      const waitedMs = performance.now() - began;
      const http2 = agents.protocols.get(host) === 'h2';
      let queue = inFlight.get(key);
      if (!queue) inFlight.set(key, (queue = { free: http2 ? DOH_STREAMS : DOH_HTTP1_CONNECTIONS, waiting: [] }));
      if (!(await slot(queue, signal))) return null;
      const held = queue;
      return { agent: http2 ? agents.multiplexed : agents.parallel, settled: () => release(held), waitedMs };
    },
    async close() {
      const closing = [...byCa.values()].flatMap((agents) => [agents.multiplexed, agents.parallel]).map((agent) => agent.destroy().catch(() => undefined));
      byCa.clear();
      // A connection still being made holds destroy() until undici's 10 s connect timeout: never the run's end.
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(closing), new Promise((resolve) => (grace = setTimeout(resolve, CLOSE_GRACE_MS)))]);
      clearTimeout(grace);
    },
  };
}

/** Queries a DoH server may still take at once, and those waiting for one of them to settle. */
interface InFlight {
  free: number;
  waiting: Array<() => void>;
}

/** Wait for a free place (no time limit: the query's wait starts once sent), or until `signal` aborts: whether one came. */
function slot(queue: InFlight, signal: AbortSignal | undefined): Promise<boolean> {
  if (queue.free > 0) {
    queue.free -= 1;
    return Promise.resolve(true);
  }
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const start = () => {
      signal?.removeEventListener('abort', aborted);
      resolve(true);
    };
    const aborted = () => {
      const at = queue.waiting.indexOf(start);
      if (at >= 0) queue.waiting.splice(at, 1);
      resolve(false);
    };
    queue.waiting.push(start);
    signal?.addEventListener('abort', aborted, { once: true });
  });
}

/** A query settled: its place goes to the first waiting, else back. */
function release(queue: InFlight): void {
  const next = queue.waiting.shift();
  if (next) next();
  else queue.free += 1;
}

/** Wait for `first` for up to `ms`, or until `signal` aborts: whether it came first. */
function waited(first: Promise<void>, ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (came: boolean) => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', aborted);
      resolve(came);
    };
    const aborted = () => done(false);
    const timer = setTimeout(() => done(false), Math.max(1, ms));
    signal?.addEventListener('abort', aborted, { once: true });
    void first.then(() => done(true));
  });
}

/** For callers outside a run (a one-off query). */
const sharedPool = createDohPool();

/** Close the shared pool's connections (tests do, to leave no socket behind). */
export function closeDohAgents(): Promise<void> {
  return sharedPool.close();
}

/** The GET URL for a query: the endpoint (an RFC 8484 `{?dns}` template suffix is accepted) plus `?dns=`. */
export function dohQueryUrl(endpoint: string, message: Buffer): URL {
  const url = new URL(endpoint.replace(/\{\?dns\}$/, ''));
  url.searchParams.set('dns', base64url(message));
  return url;
}

/** DNS-over-HTTPS through the run's connection pool. */
export const dohTransport: ResolverTransport<DohResolverSpec> = {
  kind: 'doh',
  server: (spec) => spec.url,
  types: null,
  async ask(spec, name, type, options) {
    const exchange = await exchangeDoh(spec.url, name, type, { timeoutMs: options.timeoutMs, ca: options.ca, ...(options.signal ? { signal: options.signal } : {}), ...(options.dohPool ? { pool: options.dohPool } : {}) });
    return { fields: exchangeFields(exchange, name, type), server: exchange.server, transport: 'doh' };
  },
};

export async function exchangeDoh(
  endpoint: string,
  name: string,
  type: DnsType,
  options: ExchangeOptions & { ca?: string | null; pool?: DohPool },
): Promise<Exchange> {
  if (options.signal?.aborted) return deadlineFailure('doh', endpoint);
  const pool = options.pool ?? sharedPool;
  const url = dohQueryUrl(endpoint, encodeQuery(name, type, 0));
  const turn = await pool.take(url, options.ca ?? null, options.timeoutMs, options.signal);
  if (!turn) return notAnswered(endpoint, options);
  // The wait for the server's first connection counts against this query's timeout, as waiting for its own would.
  const started = performance.now() - turn.waitedMs;
  const ask = (timeoutMs: number) =>
    timedRequest(
      url,
      {
        headers: { accept: 'application/dns-message' },
        dispatcher: turn.agent,
        timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
      },
      async (response): Promise<Exchange> => {
        if (response.statusCode !== 200) {
          discardBody(response.body);
          return failure('network-error', dohStatusCode(response.statusCode), `DoH server answered HTTP ${response.statusCode}`, 'doh', endpoint);
        }
        const bytes = await readCapped(response.body, MAX_REPLY_BYTES);
        if (!bytes) return failure('network-error', 'EBADRESP', `DoH reply larger than ${MAX_REPLY_BYTES} bytes`, 'doh', endpoint);
        const reply = decodeMessage(bytes);
        if (!reply || !answersQuery(reply, 0, name, type)) return badResponseFailure('doh', endpoint);
        return { kind: 'reply', reply, transport: 'doh', server: endpoint };
      },
    );
  const left = () => options.timeoutMs - (performance.now() - started);
  let answer: Awaited<ReturnType<typeof ask>>;
  try {
    answer = await ask(left());
    // A connection several queries share can close under them: undici fails every query on an HTTP/2 connection the
    // server sends GOAWAY on (its request limit, a restart: RFC 9113 §6.8 lets the client send the unprocessed ones
    // again, as browsers do). Asked once more, on a new connection, within what is left of the wait.
    if (!answer.ok && answer.stoppedBy === null && CONNECTION_LOST.has(answer.error.code) && left() > 0) answer = await ask(left());
  } finally {
    turn.settled();
  }
  if (answer.ok) return answer.value;
  if (answer.stoppedBy === 'signal') return deadlineFailure('doh', endpoint);
  if (answer.stoppedBy === 'timeout') return notAnswered(endpoint, options);
  return failure('network-error', answer.error.code, answer.error.message, 'doh', endpoint);
}

/** No answer within the timeout, or the run's deadline came first. */
function notAnswered(endpoint: string, options: ExchangeOptions): Exchange {
  if (options.signal?.aborted) return deadlineFailure('doh', endpoint);
  // Still waiting for the server's own address: the server was never reached (util/errors.ts dohServerUnresolved).
  const host = new URL(endpoint).hostname;
  if (connectLookupPending(host)) return failure('network-error', 'EAI_AGAIN', `getaddrinfo gave no address for ${host} within ${Math.round(options.timeoutMs)} ms: the DoH server was never reached`, 'doh', endpoint);
  return timeoutFailure(options.timeoutMs, 'doh', endpoint);
}
