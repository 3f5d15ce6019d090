// Programmable loopback HTTP/HTTPS servers for the drill lab and the tests: each request is answered by a
// behaviour chosen as data (respond, redirect, hang, drip, endless, huge headers, resets).
//
// HTTP/1.1 answers are written as raw bytes on the socket, not through ServerResponse: that is what lets a
// hostile behaviour send what Node's own HTTP stack refuses to (control characters in header values, a body
// that stops short of its Content-Length). Every such answer closes the connection afterwards.

import http, { STATUS_CODES, type IncomingMessage } from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net, { isIP, type Server, type Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { isolatedNetwork } from './netns.js';

export type HttpBehaviour =
  | { kind: 'respond'; status: number; headers?: Record<string, string>; body?: string; delayMs?: number }
  | { kind: 'redirect'; status: number; location: string }
  | { kind: 'hang' } // accept, read the request, never answer
  | { kind: 'drip'; bytesPerSecond: number; status?: number } // headers, then one byte every 1000/bps ms, forever
  | { kind: 'endless'; status?: number } // stream body as fast as possible, never end
  | { kind: 'huge-headers'; bytes: number }
  | { kind: 'reset' } // reset the connection after reading the request
  | { kind: 'reset-mid-body' }
  | { kind: 'stall-mid-body'; bytes: number }; // headers (a Content-Length of 1 MiB), `bytes` of body, then silence

export interface HttpRequestInfo {
  /** Host header (HTTP/1.1) or :authority (HTTP/2). */
  host: string;
  path: string;
  method: string;
  headers: Record<string, string>;
  /** The TLS server name the client sent; null for plain HTTP or no SNI. */
  sni: string | null;
  httpVersion: '1.1' | '2';
}

export interface HttpServerOptions {
  host: string;
  port?: number;
  tls?: { cert: string; key: string; http2?: boolean };
  handler: (req: HttpRequestInfo) => HttpBehaviour;
  /** Accept TCP and never answer the TLS ClientHello (a handshake that never finishes). */
  hangTls?: boolean;
}

export interface RunningHttpServer {
  host: string;
  port: number;
  /** Requests seen so far. */
  readonly requests: number;
  /** Stop listening and destroy every open connection. */
  close(): Promise<void>;
}

const RESET_DELAY_MS = 50;
const ENDLESS_CHUNK = Buffer.alloc(16 * 1024, 'a');

/** Lab servers listen on loopback only: nothing they serve may be reachable from off the machine. */
export function isLoopback(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return address.startsWith('127.');
  if (family === 6) return address === '::1' || /^::ffff:127\./i.test(address);
  return false;
}

/**
 * Lab servers listen on loopback only; inside a network namespace whose only interface is lo (netns.ts), every
 * address is as private as loopback, so there they may listen on the public-looking aliases a test added.
 */
export function assertLoopback(host: string): void {
  if (host !== 'localhost' && !isLoopback(host) && !isolatedNetwork()) {
    throw new Error(`lab servers listen on loopback only (or on any address inside a network namespace with only lo), not ${host}`);
  }
}

// ───────────────────────────── connection bookkeeping ─────────────────────────────

interface Tracker {
  sockets: Set<Socket>;
  byPeer: Map<string, Socket>;
  cleanups: Set<() => void>;
}

const peerKey = (socket: { remoteAddress?: string | undefined; remotePort?: number | undefined }): string =>
  `${socket.remoteAddress ?? ''}|${socket.remotePort ?? ''}`;

function track(server: Server, tracker: Tracker): void {
  server.on('connection', (socket: Socket) => {
    const key = peerKey(socket);
    tracker.sockets.add(socket);
    tracker.byPeer.set(key, socket);
    socket.on('error', () => {});
    socket.on('close', () => {
      tracker.sockets.delete(socket);
      tracker.byPeer.delete(key);
    });
  });
}

/** Run `fn` later unless the server closes first. */
function later(tracker: Tracker, ms: number, fn: () => void): void {
  const timer = setTimeout(() => {
    tracker.cleanups.delete(cancel);
    fn();
  }, ms);
  const cancel = (): void => clearTimeout(timer);
  tracker.cleanups.add(cancel);
}

function every(tracker: Tracker, ms: number, fn: () => boolean): void {
  const timer = setInterval(() => {
    if (!fn()) stop();
  }, ms);
  const stop = (): void => {
    clearInterval(timer);
    tracker.cleanups.delete(stop);
  };
  tracker.cleanups.add(stop);
}

/** RST rather than FIN: reset the underlying TCP socket (TLS sockets cannot be reset themselves). */
function resetConnection(tracker: Tracker, socket: Socket): void {
  const raw = tracker.byPeer.get(peerKey(socket)) ?? socket;
  if (raw.destroyed) return;
  try {
    raw.resetAndDestroy();
  } catch {
    raw.destroy();
  }
}

// ───────────────────────────── HTTP/1.1: raw answers ─────────────────────────────

function head(status: number, headers: Record<string, string>): string {
  // CR and LF would break the framing the lab means to keep; every other byte is sent as given.
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value.replace(/[\r\n]/g, ' ')}\r\n`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Unknown'}\r\n${lines.join('')}\r\n`;
}

const chunk = (data: Buffer | string): Buffer =>
  Buffer.concat([Buffer.from(`${Buffer.byteLength(data).toString(16)}\r\n`), Buffer.from(data), Buffer.from('\r\n')]);

function answerHttp1(tracker: Tracker, req: IncomingMessage, behaviour: HttpBehaviour): void {
  const socket = req.socket;
  const isHead = req.method === 'HEAD';
  const alive = (): boolean => !socket.destroyed && socket.writable;
  switch (behaviour.kind) {
    case 'respond': {
      const send = (): void => {
        if (!alive()) return;
        const body = Buffer.from(behaviour.body ?? '');
        const headers = { 'content-length': String(body.length), connection: 'close', ...behaviour.headers };
        socket.end(Buffer.concat([Buffer.from(head(behaviour.status, headers), 'latin1'), isHead ? Buffer.alloc(0) : body]));
      };
      if (behaviour.delayMs) later(tracker, behaviour.delayMs, send);
      else send();
      return;
    }
    case 'redirect':
      socket.end(head(behaviour.status, { location: behaviour.location, 'content-length': '0', connection: 'close' }));
      return;
    case 'hang':
      return;
    case 'drip': {
      socket.write(head(behaviour.status ?? 200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked', connection: 'close' }));
      every(tracker, Math.max(1, Math.round(1000 / behaviour.bytesPerSecond)), () => alive() && (socket.write(chunk('x')), true));
      return;
    }
    case 'endless': {
      socket.write(head(behaviour.status ?? 200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked', connection: 'close' }));
      const frame = chunk(ENDLESS_CHUNK);
      const pump = (): void => {
        while (alive()) {
          if (!socket.write(frame)) {
            socket.once('drain', pump);
            return;
          }
        }
      };
      pump();
      return;
    }
    case 'huge-headers': {
      // Many 8 KiB headers rather than one giant line: closer to what a broken proxy emits.
      const headers: Record<string, string> = { 'content-length': '0', connection: 'close' };
      const line = 'h'.repeat(8 * 1024);
      for (let i = 0; i * line.length < behaviour.bytes; i++) headers[`x-huge-${i}`] = line;
      socket.end(head(200, headers));
      return;
    }
    case 'reset':
      resetConnection(tracker, socket);
      return;
    case 'reset-mid-body':
      // Keep-alive framing: the client cannot take the reset for an orderly close.
      socket.write(head(200, { 'content-type': 'text/plain', 'content-length': String(1024 * 1024) }));
      socket.write(Buffer.alloc(1000, 'b'));
      later(tracker, RESET_DELAY_MS, () => resetConnection(tracker, socket));
      return;
    case 'stall-mid-body':
      socket.write(head(200, { 'content-type': 'text/plain', 'content-length': String(1024 * 1024) }));
      socket.write(Buffer.alloc(behaviour.bytes, 'b'));
      return;
  }
}

// ───────────────────────────── HTTP/2 answers ─────────────────────────────

/** HTTP/2 refuses control characters and connection-specific headers; drop what it would refuse. */
function http2Headers(headers: Record<string, string>): Record<string, string> {
  const banned = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!banned.has(lower)) out[lower] = value.replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, '');
  }
  return out;
}

function answerHttp2(tracker: Tracker, req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, behaviour: HttpBehaviour): void {
  const stream = res.stream;
  const alive = (): boolean => !stream.destroyed && !stream.closed;
  const abortStream = (): void => {
    if (alive()) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
  };
  try {
    switch (behaviour.kind) {
      case 'respond': {
        const send = (): void => {
          if (!alive()) return;
          res.writeHead(behaviour.status, http2Headers(behaviour.headers ?? {}));
          if (req.method === 'HEAD') res.end();
          else res.end(behaviour.body ?? '');
        };
        if (behaviour.delayMs) later(tracker, behaviour.delayMs, send);
        else send();
        return;
      }
      case 'redirect':
        res.writeHead(behaviour.status, { location: behaviour.location });
        res.end();
        return;
      case 'hang':
        return;
      case 'drip':
        res.writeHead(behaviour.status ?? 200, { 'content-type': 'text/plain' });
        every(tracker, Math.max(1, Math.round(1000 / behaviour.bytesPerSecond)), () => alive() && (res.write('x'), true));
        return;
      case 'endless': {
        res.writeHead(behaviour.status ?? 200, { 'content-type': 'text/plain' });
        const pump = (): void => {
          while (alive()) {
            if (!res.write(ENDLESS_CHUNK)) {
              res.once('drain', pump);
              return;
            }
          }
        };
        pump();
        return;
      }
      case 'huge-headers': {
        const headers: Record<string, string> = {};
        const line = 'h'.repeat(8 * 1024);
        for (let i = 0; i * line.length < behaviour.bytes; i++) headers[`x-huge-${i}`] = line;
        res.writeHead(200, headers);
        res.end();
        return;
      }
      case 'reset':
        abortStream();
        return;
      case 'reset-mid-body':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(1024 * 1024) });
        res.write(Buffer.alloc(1000, 'b'));
        later(tracker, RESET_DELAY_MS, abortStream);
        return;
      case 'stall-mid-body':
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(1024 * 1024) });
        res.write(Buffer.alloc(behaviour.bytes, 'b'));
        return;
    }
  } catch {
    abortStream(); // e.g. headers larger than HTTP/2 lets us send
  }
}

// ───────────────────────────── server ─────────────────────────────

function flatHeaders(headers: NodeJS.Dict<string | string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function requestInfo(req: IncomingMessage | http2.Http2ServerRequest, sni: string | null): HttpRequestInfo {
  const headers = flatHeaders(req.headers);
  const isHttp2 = req.httpVersion === '2.0';
  return {
    host: (isHttp2 ? headers[':authority'] : headers.host) ?? headers.host ?? '',
    path: req.url ?? '/',
    method: req.method ?? 'GET',
    headers,
    sni,
    httpVersion: isHttp2 ? '2' : '1.1',
  };
}

function serverNameOf(req: IncomingMessage | http2.Http2ServerRequest): string | null {
  const socket = ('stream' in req ? req.stream.session?.socket : req.socket) as TLSSocket | undefined;
  // (The HTTP/2 session socket is a Proxy without a `has` trap: read the property, do not test for it.)
  const name: unknown = socket?.servername;
  return typeof name === 'string' && name !== '' ? name : null;
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}

/** Start a loopback server answering each request with the handler's behaviour. Throws if it cannot listen. */
export async function startHttpServer(options: HttpServerOptions): Promise<RunningHttpServer> {
  assertLoopback(options.host);
  const tracker: Tracker = { sockets: new Set(), byPeer: new Map(), cleanups: new Set() };
  let requests = 0;

  const onRequest = (req: IncomingMessage | http2.Http2ServerRequest, res: http.ServerResponse | http2.Http2ServerResponse): void => {
    requests++;
    req.on('error', () => {});
    res.on('error', () => {});
    // Answer once the request has been read in full (the behaviours say "after reading the request").
    req.resume();
    const answer = (): void => {
      let behaviour: HttpBehaviour;
      try {
        behaviour = options.handler(requestInfo(req, serverNameOf(req)));
      } catch (err) {
        behaviour = { kind: 'respond', status: 500, body: `handler failed: ${String(err)}` };
      }
      if (req.httpVersion === '2.0') answerHttp2(tracker, req as http2.Http2ServerRequest, res as http2.Http2ServerResponse, behaviour);
      else answerHttp1(tracker, req as IncomingMessage, behaviour);
    };
    if (req.complete) answer();
    else req.once('end', answer);
  };

  let server: Server;
  if (options.hangTls) {
    server = net.createServer((socket) => socket.resume());
  } else if (options.tls?.http2) {
    const h2 = http2.createSecureServer({ cert: options.tls.cert, key: options.tls.key, allowHTTP1: true }, onRequest);
    h2.on('sessionError', () => {});
    h2.on('session', (session) => session.on('error', () => {}));
    server = h2 as unknown as Server;
  } else if (options.tls) {
    server = https.createServer({ cert: options.tls.cert, key: options.tls.key }, onRequest);
  } else {
    server = http.createServer(onRequest);
  }
  server.on('tlsClientError', () => {});
  server.on('clientError', (_err: Error, socket: Socket) => socket.destroy());
  track(server, tracker);

  const port = await listen(server, options.host, options.port ?? 0);
  let closing: Promise<void> | null = null;
  return {
    host: options.host,
    port,
    get requests() {
      return requests;
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const cleanup of [...tracker.cleanups]) cleanup();
        server.close(() => resolve());
        for (const socket of tracker.sockets) socket.destroy();
      });
      return closing;
    },
  };
}
