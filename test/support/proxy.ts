// A tiny HTTP CONNECT proxy for the lab and the tests. It tunnels to loopback addresses only: a target that is
// not loopback (or a name it cannot map to loopback) gets 403, so nothing can be tunnelled off the machine.
// It never asks a DNS resolver: names are mapped through `hosts` (plus "localhost").

import net, { isIP, type Socket } from 'node:net';
import { assertLoopback, isLoopback } from '../../src/lab/http-server.js';

export interface ConnectProxyOptions {
  host: string;
  port?: number;
  /** Refuse (403) targets ("host:port") for which this returns false. */
  allow?: (target: string) => boolean;
  /** Name → loopback address, for targets given by name. */
  hosts?: Record<string, string>;
}

export interface RunningProxy {
  host: string;
  port: number;
  /** Every CONNECT target asked for, in order ("host:port"). */
  readonly targets: string[];
  close(): Promise<void>;
}

const MAX_REQUEST_HEAD = 8 * 1024;

/** "host:port" or "[v6]:port" → parts; null when malformed. */
export function parseAuthority(target: string): { host: string; port: number } | null {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(target);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host: host.toLowerCase(), port };
}

function resolveLoopback(host: string, hosts: Record<string, string>): string | null {
  if (isIP(host)) return host;
  if (host === 'localhost') return '127.0.0.1';
  return hosts[host] ?? null;
}

function reply(socket: Socket, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`);
}

export async function startConnectProxy(options: ConnectProxyOptions): Promise<RunningProxy> {
  assertLoopback(options.host);
  const hosts = Object.fromEntries(Object.entries(options.hosts ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const sockets = new Set<Socket>();
  const targets: string[] = [];
  const remember = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  };

  const tunnel = (client: Socket, requestHead: string, rest: Buffer): void => {
    const [method = '', target = ''] = requestHead.split('\r\n')[0]?.split(' ') ?? [];
    if (method !== 'CONNECT') return reply(client, 405, 'Method Not Allowed');
    targets.push(target);
    const authority = parseAuthority(target);
    if (!authority) return reply(client, 400, 'Bad Request');
    if (options.allow && !options.allow(target)) return reply(client, 403, 'Forbidden');
    const address = resolveLoopback(authority.host, hosts);
    if (address === null) return reply(client, 502, 'Unknown Host');
    if (!isLoopback(address)) return reply(client, 403, 'Forbidden');

    const upstream = net.connect({ host: address, port: authority.port });
    remember(upstream);
    upstream.once('error', () => (client.writable ? reply(client, 502, 'Bad Gateway') : client.destroy()));
    upstream.once('connect', () => {
      upstream.removeAllListeners('error');
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (rest.length > 0) upstream.write(rest);
      client.pipe(upstream);
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
  };

  const server = net.createServer((client) => {
    remember(client);
    let buffered = Buffer.alloc(0);
    const onData = (data: Buffer): void => {
      buffered = Buffer.concat([buffered, data]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) {
        if (buffered.length > MAX_REQUEST_HEAD) {
          client.off('data', onData);
          reply(client, 431, 'Request Header Fields Too Large');
        }
        return;
      }
      client.off('data', onData);
      client.pause();
      tunnel(client, buffered.subarray(0, end).toString('latin1'), buffered.subarray(end + 4));
    };
    client.on('data', onData);
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: options.host, port: options.port ?? 0, exclusive: true }, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });

  let closing: Promise<void> | null = null;
  return {
    host: options.host,
    port,
    targets,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
