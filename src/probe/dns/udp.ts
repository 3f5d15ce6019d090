// Plain DNS over UDP, built to stay exact under load: hundreds of queries may be in flight against one resolver.
// node:dns's Resolver, one socket for everything, was measured losing 6–40 % of answers to its own burst; a socket
// per query lost none but cost a socket's creation and close per question (a tenth of the CPU of a 1,000-site run).
// So each server gets a small pool of sockets, each connected to it (the kernel then drops datagrams from anyone
// else, and reports ICMP port unreachable as ECONNREFUSED), each with a large receive buffer and at most
// PENDING_PER_SOCKET queries in flight, told apart by a random id and the question; every query retransmits the same
// bytes until its time is up. Measured against a socket per query (bench/findings.md): 9 % less CPU, no answer lost
// at concurrency 1,024.

import dgram from 'node:dgram';
import type { DnsType, WireResolverSpec } from '../../model.js';
import type { ResolverTransport } from './transports.js';
import { toProbeError } from '../../util/errors.js';
import { onAbort } from '../../util/abort.js';
import { noop } from '../../util/collections.js';
import { ipFamily } from '../../util/ip.js';
import { exchangeTcp } from './tcp.js';
import {
  answersQuery,
  badResponseFailure,
  deadlineFailure,
  decodeMessage,
  encodeQuery,
  exchangeFields,
  failure,
  randomQueryId,
  serverLabel,
  timeoutFailure,
  type Exchange,
  type ExchangeOptions,
  type WireTarget,
} from './wire.js';

/** Room for a burst of stray datagrams without dropping the real reply (the kernel caps it at rmem_max). */
const RECEIVE_BUFFER_BYTES = 1 << 20;
/**
 * Retransmit at these fractions of the timeout when no reply has come: four sends. On a path that loses one datagram
 * in five each way (a third of exchanges), three sends left 1 query in 20 unanswered and four leave 1 in 70, measured
 * in a namespace as "resolver X gave no address" for a site or two of 13 on every run, and none in most.
 */
const RETRANSMIT_AT = [0.25, 0.5, 0.75];
/** The share of its timeout after which a query unanswered is sent again. */
export const FIRST_RETRANSMIT = RETRANSMIT_AT[0]!;

/** Plain DNS over UDP, asked again over TCP when the reply is truncated. */
export const udpTransport: ResolverTransport<WireResolverSpec> = {
  kind: 'udp',
  server: (spec) => serverLabel(spec),
  types: null,
  async ask(spec, name, type, options) {
    const exchange = await exchangeUdp(spec, name, type, options);
    return { fields: exchangeFields(exchange, name, type), server: exchange.server, transport: exchange.transport };
  },
};

/** One query over UDP; a truncated reply (TC bit) is asked again over TCP within the same time budget. */
export async function exchangeUdp(
  target: WireTarget,
  name: string,
  type: DnsType,
  options: ExchangeOptions,
): Promise<Exchange> {
  const started = performance.now();
  const result = await exchangeUdpOnce(target, name, type, options);
  if (result.kind !== 'reply' || !result.reply.flag_tc) return result;
  const timeLeft = options.timeoutMs - (performance.now() - started);
  if (timeLeft <= 0) return timeoutFailure(options.timeoutMs, 'tcp', serverLabel(target));
  return exchangeTcp(target, name, type, { ...options, timeoutMs: timeLeft });
}

// ───────────────────────────── the socket pool ─────────────────────────────
// A datagram that cannot be decoded is charged to every query waiting on its socket (only that server sends there);
// a decodable one whose id no query waits for is a late reply to a finished query, and ignored. A socket error (an
// ICMP port unreachable, a failed connect) ends every query waiting on that socket.

const PENDING_PER_SOCKET = 48;
const MAX_SOCKETS_PER_SERVER = 16;
const IDLE_CLOSE_MS = 1000;

interface Waiting {
  name: string;
  type: DnsType;
  sawStray: boolean;
  reply(reply: NonNullable<ReturnType<typeof decodeMessage>>): void;
  error(err: unknown): void;
}

interface SharedSocket {
  socket: dgram.Socket;
  /** Resolves once connected: null, or the connect error (the socket is then dropped from its pool). */
  connected: Promise<unknown>;
  waiting: Map<number, Waiting>;
  idle: NodeJS.Timeout | null;
  broken: boolean;
  /** Close it and take it out of its pool. */
  drop(): void;
}

const pools = new Map<string, SharedSocket[]>();

function openShared(target: WireTarget, key: string): SharedSocket {
  const socket = dgram.createSocket({ type: ipFamily(target.address) === 6 ? 'udp6' : 'udp4' });
  socket.unref();
  const shared: SharedSocket = { socket, connected: Promise.resolve(null), waiting: new Map(), idle: null, broken: false, drop: () => drop() };
  const fail = (err: unknown): void => {
    for (const w of [...shared.waiting.values()]) w.error(err);
  };
  const drop = (): void => {
    shared.broken = true;
    const pool = pools.get(key);
    if (pool) pools.set(key, pool.filter((x) => x !== shared));
    if (shared.idle) clearTimeout(shared.idle);
    try {
      socket.close();
    } catch {
      // already closed
    }
  };
  socket.on('error', fail);
  socket.on('message', (message: Buffer) => {
    const reply = decodeMessage(message);
    if (!reply) {
      for (const w of shared.waiting.values()) w.sawStray = true;
      return;
    }
    const waiting = shared.waiting.get(reply.id ?? -1);
    if (!waiting) return;
    if (answersQuery(reply, reply.id!, waiting.name, waiting.type)) waiting.reply(reply);
    else waiting.sawStray = true;
  });
  shared.connected = new Promise((resolve) => {
    socket.connect(target.port, target.address, (err?: Error) => {
      if (err) {
        fail(err);
        drop();
        resolve(err);
        return;
      }
      try {
        socket.setRecvBufferSize(RECEIVE_BUFFER_BYTES);
      } catch {
        // not permitted here: retransmissions cover what a small buffer drops
      }
      resolve(null);
    });
  });
  return shared;
}

/** The least busy socket to the server, a new one while all are busy and the pool has room. */
function sharedSocketFor(target: WireTarget): SharedSocket {
  const key = serverLabel(target);
  const pool = pools.get(key) ?? [];
  pools.set(key, pool);
  let best: SharedSocket | null = null;
  for (const s of pool) if (!best || s.waiting.size < best.waiting.size) best = s;
  if (best && (best.waiting.size < PENDING_PER_SOCKET || pool.length >= MAX_SOCKETS_PER_SERVER)) return best;
  const fresh = openShared(target, key);
  pool.push(fresh);
  return fresh;
}

/** One datagram, never sent again, and its reply within the timeout: a measure of the path, not a question (loss-probe.ts). */
export function sendUdpOnce(target: WireTarget, name: string, type: DnsType, options: ExchangeOptions): Promise<Exchange> {
  return exchangeUdpOnce(target, name, type, options, []);
}

/** One question over UDP, sent again as any question is, and its first reply (truncated or not: no fallback to TCP). */
export function askUdp(target: WireTarget, name: string, type: DnsType, options: ExchangeOptions): Promise<Exchange> {
  return exchangeUdpOnce(target, name, type, options);
}

function exchangeUdpOnce(target: WireTarget, name: string, type: DnsType, options: ExchangeOptions, retransmitAt: readonly number[] = RETRANSMIT_AT): Promise<Exchange> {
  const server = serverLabel(target);
  if (options.signal?.aborted) return Promise.resolve(deadlineFailure('udp', server));
  const shared = sharedSocketFor(target);
  if (shared.idle) {
    clearTimeout(shared.idle);
    shared.idle = null;
  }
  let id = randomQueryId();
  while (shared.waiting.has(id)) id = randomQueryId();
  const query = encodeQuery(name, type, id);

  return new Promise((resolve) => {
    const timers: NodeJS.Timeout[] = [];
    let done = false;
    let stopWaiting: () => void = noop;
    const finish = (result: Exchange): void => {
      if (done) return;
      done = true;
      for (const timer of timers) clearTimeout(timer);
      stopWaiting();
      shared.waiting.delete(id);
      if (shared.waiting.size === 0 && !shared.broken) {
        shared.idle = setTimeout(() => shared.drop(), IDLE_CLOSE_MS);
        shared.idle.unref();
      }
      resolve(result);
    };
    const networkError = (err: unknown): void => {
      const error = toProbeError(err, 'ENETWORK');
      const message = error.code === 'ECONNREFUSED' ? `port unreachable: nothing listens on ${server}/udp` : error.message;
      finish(failure('network-error', error.code, message, 'udp', server));
    };
    const waiting: Waiting = {
      name,
      type,
      sawStray: false,
      reply: (reply) => finish({ kind: 'reply', reply, transport: 'udp', server }),
      error: networkError,
    };
    shared.waiting.set(id, waiting);
    const send = (): void => {
      if (done) return;
      try {
        shared.socket.send(query, (err) => {
          if (err) networkError(err);
        });
      } catch (err) {
        networkError(err);
      }
    };
    void shared.connected.then((err) => {
      if (done || err) return;
      send();
      const resend = (): void => {
        if (options.mayResend === undefined || options.mayResend()) send();
      };
      for (const fraction of retransmitAt) timers.push(setTimeout(resend, options.timeoutMs * fraction));
    });
    timers.push(
      setTimeout(() => finish(waiting.sawStray ? badResponseFailure('udp', server) : timeoutFailure(options.timeoutMs, 'udp', server)), options.timeoutMs),
    );
    if (options.signal && !done) stopWaiting = onAbort(options.signal, () => finish(deadlineFailure('udp', server)));
  });
}
