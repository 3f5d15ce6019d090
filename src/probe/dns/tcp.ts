// DNS over TCP (RFC 1035 4.2.2 / RFC 7766): each message is preceded by its 2-byte length.
// Used when a UDP reply comes back truncated. One connection per query, always destroyed at the end.

import net from 'node:net';
import type { DnsType, WireResolverSpec } from '../../model.js';
import type { ResolverTransport } from './transports.js';
import { toProbeError } from '../../util/errors.js';
import { onAbort } from '../../util/abort.js';
import { noop } from '../../util/collections.js';
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

/** Plain DNS over TCP only (RFC 7766): for networks or servers where UDP is filtered or unwanted. */
export const tcpTransport: ResolverTransport<WireResolverSpec> = {
  kind: 'tcp',
  server: (spec) => serverLabel(spec),
  types: null,
  async ask(spec, name, type, options) {
    const exchange = await exchangeTcp(spec, name, type, options);
    return { fields: exchangeFields(exchange, name, type), server: exchange.server, transport: 'tcp' };
  },
};

export function frameTcp(message: Buffer): Buffer {
  const length = Buffer.alloc(2);
  length.writeUInt16BE(message.length);
  return Buffer.concat([length, message]);
}

export function exchangeTcp(target: WireTarget, name: string, type: DnsType, options: ExchangeOptions): Promise<Exchange> {
  const server = serverLabel(target);
  if (options.signal?.aborted) return Promise.resolve(deadlineFailure('tcp', server));

  return new Promise((resolve) => {
    const id = randomQueryId();
    const query = frameTcp(encodeQuery(name, type, id));
    let pending: Buffer = Buffer.alloc(0);
    let sawStray = false;
    let done = false;
    let stopWaiting: () => void = noop;

    const socket = net.connect({ host: target.address, port: target.port });
    const finish = (result: Exchange): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      stopWaiting();
      socket.destroy();
      resolve(result);
    };
    // A partial message at the deadline is a reply we could not read, not silence.
    const timer = setTimeout(
      () => finish(sawStray || pending.length > 0 ? badResponseFailure('tcp', server) : timeoutFailure(options.timeoutMs, 'tcp', server)),
      options.timeoutMs,
    );
    if (options.signal) stopWaiting = onAbort(options.signal, () => finish(deadlineFailure('tcp', server)));

    socket.setNoDelay(true);
    socket.on('connect', () => socket.write(query));
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= 2) {
        const length = pending.readUInt16BE(0);
        if (pending.length < 2 + length) break;
        const reply = decodeMessage(pending.subarray(2, 2 + length));
        pending = pending.subarray(2 + length);
        if (reply && answersQuery(reply, id, name, type)) {
          finish({ kind: 'reply', reply, transport: 'tcp', server });
          return;
        }
        sawStray = true;
      }
    });
    socket.on('error', (err) => {
      const error = toProbeError(err, 'ECONNRESET');
      finish(failure('network-error', error.code, error.message, 'tcp', server));
    });
    socket.on('close', () => {
      finish(
        sawStray
          ? badResponseFailure('tcp', server)
          : failure('network-error', 'ECONNRESET', 'connection closed before a reply', 'tcp', server),
      );
    });
  });
}
