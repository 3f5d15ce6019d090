// DNS over HTTPS (RFC 8484): GET with the query in `?dns=` (base64url), message id 0 so HTTP caches
// can share answers, `accept: application/dns-message`. The reply body is capped and the whole
// exchange is timed out; an HTTP status other than 200 is a network error named after the status.

import type { Agent } from 'undici';
import type { DnsType, DohResolverSpec } from '../../model.js';
import type { ResolverTransport } from './transports.js';
import { agentFor, discardBody, readCapped, timedRequest } from '../../util/http-client.js';
import { keyedLimit } from '../../util/keyed-limit.js';
import { childController } from '../../util/abort.js';
import { dohStatusCode } from '../../util/errors.js';
import { connectLookupPending } from '../../util/lookup-helper.js';
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

/** A kept-alive connection closing under a query (undici's codes): the query may not have been seen, and is sent again. */
const CONNECTION_LOST: ReadonlySet<string> = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'UND_ERR_CLOSED']);

/** No DNS message is larger (the TCP length prefix is 16 bits); anything bigger is not an answer. */
const MAX_REPLY_BYTES = 65_536;

/**
 * Connections a run opens to one DoH server at most (a browser's per-host limit for HTTP/1.1), so as many queries in
 * flight there. A burst (two queries a site, at once) opened one connection each: for the packaged 13 sites, 30 TLS
 * handshakes and 30 lookups of the server's name per server — on a network that limits a host's connections (a
 * firewall's per-source limit, a NAT's share of ports), enough to starve the sites' own fetches. HTTP/2 would carry
 * them all on one, but undici's HTTP/2 client fails every stream of a connection the server sends GOAWAY on and runs
 * one stream at a time unless pipelining is set, and a suite run with it set hung a worker once (not reproduced):
 * HTTP/1.1 it is.
 */
export const DOH_CONNECTIONS = 6;

/** How long an idle connection to a DoH server stays open: past a run's burst of queries, it holds nothing up. */
const DOH_IDLE_MS = 1_000;

/**
 * A query still unanswered at this share of its wait is asked once more on a connection of its own, the first left
 * waiting (a slow answer still counts): a kept-alive connection can go silent under queries — behind a network that
 * cuts connections after a number of bytes (Russian ISPs cut Cloudflare's at 16 KB from 2025-06-09, and a connection
 * carrying a long run's answers passes that), a NAT that forgot it while it idled — and every query sent on it would
 * wait out its whole timeout and read as the resolver failing. Whichever answers first is the answer; the other is
 * stopped, and a silent connection closes with it.
 */
const HEDGE_AT = 0.75;

/**
 * Keep-alive connections to DoH servers, by extra-CA setting, and a queue a server for queries beyond what its
 * connections carry, held back before they are sent (in undici's own queue their timeouts would run while the
 * server was never asked). A run makes its own pool and closes it when it ends, so one run finishing never closes the
 * connections of another still going in the same process. Idle sockets are unref'd by undici: a pool left open never
 * keeps the process alive.
 */
export interface DohPool {
  /**
   * Run `ask` with the agent for `url` and this CA once fewer than DOH_CONNECTIONS queries are in flight there (a
   * wait that does not count against the query's timeout: it has not been sent).
   */
  send<T>(url: URL, ca: string | null, ask: (agent: Agent) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function createDohPool(): DohPool {
  const agents = new Map<string, Agent>();
  // By CA and origin: the queries in flight there.
  const inFlight = keyedLimit(DOH_CONNECTIONS);
  return {
    send(url, ca, ask) {
      const key = ca ?? '';
      let agent = agents.get(key);
      if (!agent) {
        // One secure context per CA (util/http-client): passing `ca` per connection re-parses the whole root
        // bundle on every handshake (~15 ms each), which a burst of new connections turns into seconds.
        agent = agentFor(ca, { connectionsPerOrigin: DOH_CONNECTIONS, keepAliveTimeoutMs: DOH_IDLE_MS });
        agents.set(key, agent);
      }
      const chosen = agent;
      return inFlight(`${key} ${url.origin}`, () => ask(chosen));
    },
    async close() {
      const closing = [...agents.values()].map((agent) => agent.destroy().catch(() => undefined));
      agents.clear();
      // A connection still being made holds destroy() until undici's 10 s connect timeout: never the run's end.
      let grace: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(closing), new Promise((resolve) => (grace = setTimeout(resolve, CLOSE_GRACE_MS)))]);
      clearTimeout(grace);
    },
  };
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
  const url = dohQueryUrl(endpoint, encodeQuery(name, type, 0));
  const answer = await (options.pool ?? sharedPool).send(url, options.ca ?? null, async (agent) => {
    // Still held back when the run stopped: never sent, so no evidence about the server (as the session's own queue says).
    if (options.signal?.aborted) return null;
    const started = performance.now();
    const left = () => options.timeoutMs - (performance.now() - started);
    const ask = (dispatcher: Agent, timeoutMs: number, signal: AbortSignal) =>
      timedRequest(
        url,
        {
          headers: { accept: 'application/dns-message' },
          dispatcher,
          timeoutMs,
          signal,
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
    const firstStop = childController(options.signal);
    const first = (async () => {
      const once = await ask(agent, left(), firstStop.controller.signal);
      // A kept-alive connection can close under a query sent on it (the server's idle timeout or request limit —
      // nginx's `keepalive_requests` — racing the query): asked once more, on a new connection, within its wait.
      return !once.ok && once.stoppedBy === null && CONNECTION_LOST.has(once.error.code) && left() > 0 ? ask(agent, left(), firstStop.controller.signal) : once;
    })();
    try {
      return await hedged(first, options.timeoutMs * HEDGE_AT - (performance.now() - started), () => {
        if (options.signal?.aborted || left() <= 0) return null;
        const own = agentFor(options.ca ?? null, { connectionsPerOrigin: 1, keepAliveTimeoutMs: 1 });
        const stop = childController(options.signal);
        return {
          result: ask(own, left(), stop.controller.signal),
          stop: () => stop.controller.abort(),
          done: () => {
            stop.release();
            void own.destroy().catch(() => undefined);
          },
        };
      }, () => firstStop.controller.abort());
    } finally {
      firstStop.release();
    }
  });
  if (answer === null) return failure('timeout', 'NOT_PROBED', 'not sent: the run stopped first (its deadline, or an interrupt)', 'doh', endpoint);
  if (answer.ok) return answer.value;
  if (answer.stoppedBy === 'signal') return deadlineFailure('doh', endpoint);
  if (answer.stoppedBy === 'timeout') {
    // Still waiting for the server's own address: the server was never reached (util/errors.ts dohServerUnresolved).
    const host = new URL(endpoint).hostname;
    if (connectLookupPending(host)) return failure('network-error', 'EAI_AGAIN', `getaddrinfo gave no address for ${host} within ${Math.round(options.timeoutMs)} ms: the DoH server was never reached`, 'doh', endpoint);
    return timeoutFailure(options.timeoutMs, 'doh', endpoint);
  }
  return failure('network-error', answer.error.code, answer.error.message, 'doh', endpoint);
}

type Asked = Awaited<ReturnType<typeof timedRequest<Exchange>>>;

/**
 * `first`, or — when it has not settled `afterMs` from now — whichever of it and a second request (`start`) answers
 * first; the other is stopped. Two failures give the first's (its timeout says what the server did with the query).
 */
async function hedged(
  first: Promise<Asked>,
  afterMs: number,
  start: () => { result: Promise<Asked>; stop(): void; done(): void } | null,
  stopFirst: () => void,
): Promise<Asked> {
  let timer: NodeJS.Timeout | undefined;
  const due = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), Math.max(0, afterMs))));
  const firstSettled = first.then((r) => ({ from: 'first' as const, r }));
  const early = await Promise.race([firstSettled, due]);
  clearTimeout(timer);
  if (early) return early.r;
  const second = start();
  if (!second) return first;
  try {
    const secondSettled = second.result.then((r) => ({ from: 'second' as const, r }));
    const winner = await Promise.race([firstSettled, secondSettled]);
    if (winner.r.ok) {
      if (winner.from === 'first') second.stop();
      else stopFirst();
      return winner.r;
    }
    const other = await (winner.from === 'first' ? secondSettled : firstSettled);
    return other.r.ok ? other.r : (await firstSettled).r;
  } finally {
    second.done();
  }
}
