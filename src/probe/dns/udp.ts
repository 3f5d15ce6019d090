// Plain DNS over UDP, built to stay exact under load: hundreds of queries may be in flight against
// one resolver. A shared socket (node:dns Resolver) was measured losing 6–40 % of answers to its own
// burst on these machines, while a socket per query lost none. So each query gets its own socket,
// connected to the server (the kernel then drops datagrams from anyone else, and reports ICMP port
// unreachable as ECONNREFUSED), a random id, a check of id + question on every reply, and
// retransmissions of the same bytes on the same socket until the query's time is up.

import dgram from 'node:dgram';
import net from 'node:net';
import type { DnsType, WireResolverSpec } from '../../model.js';
import type { ResolverTransport } from './transports.js';
import { toProbeError } from '../../util/errors.js';
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
/** Retransmit at these fractions of the timeout when no reply has come. */
const RETRANSMIT_AT = [0.25, 0.5];

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

function exchangeUdpOnce(target: WireTarget, name: string, type: DnsType, options: ExchangeOptions): Promise<Exchange> {
  const server = serverLabel(target);
  if (options.signal?.aborted) return Promise.resolve(deadlineFailure('udp', server));

  return new Promise((resolve) => {
    const id = randomQueryId();
    const query = encodeQuery(name, type, id);
    const timers: NodeJS.Timeout[] = [];
    let sawStray = false;
    let done = false;

    const socket = dgram.createSocket({ type: net.isIPv6(target.address) ? 'udp6' : 'udp4' });
    const finish = (result: Exchange): void => {
      if (done) return;
      done = true;
      for (const timer of timers) clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      // The 'error' listener stays: a late error on a closing socket must not become an uncaught exception.
      try {
        socket.close();
      } catch {
        // already closed
      }
      resolve(result);
    };
    const onAbort = (): void => finish(deadlineFailure('udp', server));
    const networkError = (err: unknown): void => {
      const error = toProbeError(err, 'ENETWORK');
      // On a connected socket the kernel reports an ICMP port unreachable as ECONNREFUSED.
      const message = error.code === 'ECONNREFUSED' ? `port unreachable: nothing listens on ${server}/udp` : error.message;
      finish(failure('network-error', error.code, message, 'udp', server));
    };
    const send = (): void => {
      if (done) return;
      try {
        socket.send(query, (err) => {
          if (err) networkError(err);
        });
      } catch (err) {
        // Sending on a socket that is not (or no longer) connected throws synchronously.
        networkError(err);
      }
    };

    socket.on('error', networkError);
    socket.on('message', (message: Buffer) => {
      const reply = decodeMessage(message);
      if (reply && answersQuery(reply, id, name, type)) finish({ kind: 'reply', reply, transport: 'udp', server });
      else sawStray = true;
    });
    // connect() reports its own failure (ENETUNREACH with no route, EAFNOSUPPORT without the family,
    // EACCES/EPERM from a firewall) to this callback, not to 'error': the socket is then unconnected.
    socket.connect(target.port, target.address, (err?: Error) => {
      if (done) return;
      if (err) {
        networkError(err);
        return;
      }
      try {
        socket.setRecvBufferSize(RECEIVE_BUFFER_BYTES);
      } catch {
        // not permitted here: the default buffer still holds the one reply we wait for
      }
      send();
      for (const fraction of RETRANSMIT_AT) timers.push(setTimeout(send, options.timeoutMs * fraction));
    });
    timers.push(
      setTimeout(
        () => finish(sawStray ? badResponseFailure('udp', server) : timeoutFailure(options.timeoutMs, 'udp', server)),
        options.timeoutMs,
      ),
    );
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
