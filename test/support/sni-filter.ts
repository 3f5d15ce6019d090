// A middlebox that filters TLS by the name a client asks for, as firewalls' category blocks and national SNI filters
// do: it reads the ClientHello's server_name (RFC 6066 §3) and resets the connection for blocked names; every other
// connection is passed on to the upstream server untouched. Loopback only.

import net, { type Socket } from 'node:net';
import { assertLoopback } from '../../src/lab/http-server.js';

export interface RunningSniFilter {
  host: string;
  port: number;
  /** Names it reset, in order. */
  readonly blocked: string[];
  close(): Promise<void>;
}

/**
 * The server_name of a ClientHello record (RFC 8446 §4.1.2, RFC 6066 §3), null when there is none; undefined while
 * the record is not all there yet.
 */
export function clientHelloName(data: Buffer): string | null | undefined {
  if (data.length < 5) return undefined;
  if (data[0] !== 0x16) return null; // not a handshake record
  const end = 5 + data.readUInt16BE(3);
  if (data.length < end) return undefined;
  let at = 5;
  if (data[at] !== 0x01) return null; // not a ClientHello
  at += 4 + 2 + 32; // type, length, legacy_version, random
  at += 1 + data[at]!; // legacy_session_id
  at += 2 + data.readUInt16BE(at); // cipher_suites
  at += 1 + data[at]!; // legacy_compression_methods
  if (at + 2 > end) return null;
  const extensionsEnd = at + 2 + data.readUInt16BE(at);
  at += 2;
  while (at + 4 <= extensionsEnd) {
    const type = data.readUInt16BE(at);
    const length = data.readUInt16BE(at + 2);
    at += 4;
    if (type === 0x0000) {
      // server_name_list: its length, then entries of name_type (0 = host_name), length, name.
      let entry = at + 2;
      while (entry + 3 <= at + length) {
        const nameLength = data.readUInt16BE(entry + 1);
        if (data[entry] === 0) return data.subarray(entry + 3, entry + 3 + nameLength).toString('ascii').toLowerCase();
        entry += 3 + nameLength;
      }
      return null;
    }
    at += length;
  }
  return null;
}

export async function startSniFilter(options: { host: string; upstream: { host: string; port: number }; blocks: (name: string) => boolean }): Promise<RunningSniFilter> {
  assertLoopback(options.host);
  const sockets = new Set<Socket>();
  const blocked: string[] = [];
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const name = clientHelloName(head);
      if (name === undefined) return;
      client.off('data', onData);
      if (name !== null && options.blocks(name)) {
        blocked.push(name);
        client.resetAndDestroy();
        return;
      }
      const upstream = net.connect(options.upstream.port, options.upstream.host, () => {
        upstream.write(head);
        client.pipe(upstream).pipe(client);
      });
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
    };
    client.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, options.host, resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    host: options.host,
    port,
    blocked,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
