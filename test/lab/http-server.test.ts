import http2 from 'node:http2';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, type TestCa } from '../../src/lab/ca.js';
import { startHttpServer, type HttpBehaviour, type HttpRequestInfo, type RunningHttpServer } from '../../src/lab/http-server.js';
import { startConnectProxy, type RunningProxy } from '../support/proxy.js';

// The lab servers are driven here with plain sockets, not with the probe's fetch, so a bug in one
// cannot hide a bug in the other.

interface Exchange {
  data: Buffer;
  error: string | null;
  closed: boolean;
  ms: number;
}

/** Send `payload` on a fresh socket and collect what comes back until close, error or `waitMs`. */
function exchange(socket: net.Socket, payload: string, waitMs = 1000, stopAfterBytes = Infinity): Promise<Exchange> {
  const start = performance.now();
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let error: string | null = null;
    const finish = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ data: Buffer.concat(chunks), error, closed, ms: performance.now() - start });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      size += d.length;
      if (size >= stopAfterBytes) finish(false);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => (error = err.code ?? err.message));
    socket.on('close', () => finish(true));
    socket.write(payload);
  });
}

const get = (path: string, host = 'shop.test'): string => `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nX-Test: yes\r\n\r\n`;

function connect(server: { host: string; port: number }): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: server.host, port: server.port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

function headOf(data: Buffer): string {
  const end = data.indexOf('\r\n\r\n');
  return data.subarray(0, end === -1 ? data.length : end).toString('latin1');
}

let ca: TestCa;
const requests: HttpRequestInfo[] = [];
const routes: Record<string, HttpBehaviour> = {
  '/ok': { kind: 'respond', status: 201, headers: { 'x-lab': 'yes', server: 'lab' }, body: 'hello' },
  '/slow': { kind: 'respond', status: 200, body: 'late', delayMs: 150 },
  '/moved': { kind: 'redirect', status: 302, location: '/ok' },
  '/hang': { kind: 'hang' },
  '/drip': { kind: 'drip', bytesPerSecond: 20 },
  '/endless': { kind: 'endless' },
  '/huge': { kind: 'huge-headers', bytes: 256 * 1024 },
  '/reset': { kind: 'reset' },
  '/reset-mid-body': { kind: 'reset-mid-body' },
};
const handler = (req: HttpRequestInfo): HttpBehaviour => {
  requests.push(req);
  return routes[req.path] ?? { kind: 'respond', status: 404, body: 'no route' };
};
let plain: RunningHttpServer;
let secure: RunningHttpServer;
let secureH2: RunningHttpServer;
const extra: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  ca = createCa();
  plain = await startHttpServer({ host: '127.0.0.45', handler });
  secure = await startHttpServer({ host: '127.0.0.46', tls: ca.issue(['shop.test']), handler });
  secureH2 = await startHttpServer({ host: '127.0.0.47', tls: { ...ca.issue(['shop.test']), http2: true }, handler });
});

afterAll(async () => {
  await Promise.all([plain, secure, secureH2, ...extra].map((s) => s?.close()));
});

describe('startHttpServer: behaviours over HTTP/1.1', () => {
  it('responds with the given status, headers and body, and tells the handler about the request', async () => {
    const before = plain.requests;
    const { data, closed } = await exchange(await connect(plain), get('/ok'));
    const text = data.toString();
    expect(text).toMatch(/^HTTP\/1\.1 201 Created\r\n/);
    expect(text).toContain('x-lab: yes\r\n');
    expect(text).toContain('content-length: 5\r\n');
    expect(text.endsWith('\r\n\r\nhello')).toBe(true);
    expect(closed).toBe(true);
    expect(plain.requests).toBe(before + 1);
    expect(requests.at(-1)).toMatchObject({ host: 'shop.test', path: '/ok', method: 'GET', sni: null, httpVersion: '1.1' });
    expect(requests.at(-1)?.headers['x-test']).toBe('yes');
  });

  it('waits delayMs before answering', async () => {
    const { data, ms } = await exchange(await connect(plain), get('/slow'));
    expect(data.toString()).toContain('late');
    expect(ms).toBeGreaterThanOrEqual(140);
  });

  it('redirects', async () => {
    const { data } = await exchange(await connect(plain), get('/moved'));
    expect(headOf(data)).toMatch(/^HTTP\/1\.1 302 Found\r\n/);
    expect(headOf(data)).toContain('location: /ok');
  });

  it('hangs without answering', async () => {
    const { data, closed } = await exchange(await connect(plain), get('/hang'), 300);
    expect(data.length).toBe(0);
    expect(closed).toBe(false);
  });

  it('drips one byte at a time', async () => {
    const { data } = await exchange(await connect(plain), get('/drip'), 400);
    const body = data.subarray(data.indexOf('\r\n\r\n') + 4).toString();
    const bytes = (body.match(/\r\nx\r\n/g) ?? []).length + (body.startsWith('1\r\nx') ? 1 : 0);
    expect(headOf(data)).toContain('transfer-encoding: chunked');
    expect(bytes).toBeGreaterThanOrEqual(3);
    expect(bytes).toBeLessThanOrEqual(10);
  });

  it('streams an endless body fast', async () => {
    const { data, ms, closed } = await exchange(await connect(plain), get('/endless'), 3000, 4 * 1024 * 1024);
    expect(data.length).toBeGreaterThanOrEqual(4 * 1024 * 1024);
    expect(closed).toBe(false);
    expect(ms).toBeLessThan(2000);
  });

  it('sends huge headers', async () => {
    const { data } = await exchange(await connect(plain), get('/huge'));
    expect(headOf(data).length).toBeGreaterThanOrEqual(256 * 1024);
    expect(data.indexOf('\r\n\r\n')).toBeGreaterThan(0);
  });

  it('resets the connection after reading the request', async () => {
    const { data, error } = await exchange(await connect(plain), get('/reset'));
    expect(data.length).toBe(0);
    expect(error).toBe('ECONNRESET');
  });

  it('resets in the middle of the body', async () => {
    const { data, error } = await exchange(await connect(plain), get('/reset-mid-body'));
    expect(headOf(data)).toContain(`content-length: ${1024 * 1024}`);
    expect(data.length - data.indexOf('\r\n\r\n') - 4).toBe(1000);
    expect(error).toBe('ECONNRESET');
  });

  it('answers an unknown path through the handler (404 here)', async () => {
    const { data } = await exchange(await connect(plain), get('/nope'));
    expect(data.toString()).toMatch(/^HTTP\/1\.1 404 /);
  });
});

describe('startHttpServer: TLS and HTTP/2', () => {
  function tlsExchange(server: RunningHttpServer, servername: string, path: string): Promise<Exchange> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: server.host, port: server.port, servername, ca: ca.cert, ALPNProtocols: ['http/1.1'] }, () => {
        socket.off('error', reject); // from here on, errors are part of the exchange
        exchange(socket, get(path, servername)).then(resolve, reject);
      });
      socket.once('error', reject);
    });
  }

  it('serves HTTPS and reports the SNI to the handler', async () => {
    const { data } = await tlsExchange(secure, 'shop.test', '/ok');
    expect(data.toString()).toContain('hello');
    expect(requests.at(-1)).toMatchObject({ sni: 'shop.test', host: 'shop.test', httpVersion: '1.1' });
  });

  it('resets a TLS connection at the TCP level', async () => {
    const { error } = await tlsExchange(secure, 'shop.test', '/reset');
    expect(error).toBe('ECONNRESET');
  });

  it('serves HTTP/2 and HTTP/1.1 on the same secure port', async () => {
    const session = http2.connect(`https://shop.test:${secureH2.port}`, {
      ca: ca.cert,
      createConnection: () => tls.connect({ host: secureH2.host, port: secureH2.port, servername: 'shop.test', ca: ca.cert, ALPNProtocols: ['h2'] }),
    });
    session.on('error', () => {});
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const stream = session.request({ ':path': '/ok' });
      let status = 0;
      let body = '';
      stream.on('response', (headers) => (status = Number(headers[':status'])));
      stream.on('data', (d: Buffer) => (body += d.toString()));
      stream.on('end', () => resolve({ status, body }));
      stream.on('error', reject);
    });
    session.close();
    expect(status).toBe(201);
    expect(body).toBe('hello');
    expect(requests.at(-1)).toMatchObject({ httpVersion: '2', sni: 'shop.test', host: `shop.test:${secureH2.port}` });
    const { data } = await tlsExchange(secureH2, 'shop.test', '/ok');
    expect(data.toString()).toMatch(/^HTTP\/1\.1 201 /);
  });

  it('can accept TCP and never answer the TLS handshake', async () => {
    const server = await startHttpServer({ host: '127.0.0.48', tls: ca.issue(['shop.test']), hangTls: true, handler });
    extra.push(server);
    const outcome = await new Promise<string>((resolve) => {
      const socket = tls.connect({ host: server.host, port: server.port, servername: 'shop.test', ca: ca.cert }, () => resolve('handshake'));
      socket.on('error', () => resolve('error'));
      setTimeout(() => {
        socket.destroy();
        resolve('still waiting');
      }, 300);
    });
    expect(outcome).toBe('still waiting');
  });
});

describe('startHttpServer: lifecycle and safety', () => {
  it('close() destroys open connections, including hanging ones', async () => {
    const server = await startHttpServer({ host: '127.0.0.49', handler });
    const socket = await connect(server);
    const pending = exchange(socket, get('/hang'), 5000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const start = performance.now();
    await server.close();
    expect(performance.now() - start).toBeLessThan(500);
    const { closed } = await pending;
    expect(closed).toBe(true);
    await expect(connect(server)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('refuses to listen anywhere but loopback', async () => {
    await expect(startHttpServer({ host: '0.0.0.0', handler })).rejects.toThrow(/loopback/);
    await expect(startHttpServer({ host: '::', handler })).rejects.toThrow(/loopback/);
    await expect(startConnectProxy({ host: '0.0.0.0' })).rejects.toThrow(/loopback/);
  });
});

describe('startConnectProxy', () => {
  let proxy: RunningProxy;
  beforeAll(async () => {
    proxy = await startConnectProxy({
      host: '127.0.0.50',
      hosts: { 'shop.test': '127.0.0.45', 'evil.test': '192.0.2.10' },
      allow: (target) => !target.startsWith('blocked.test'),
    });
    extra.push(proxy);
  });

  const connectVia = (target: string, then = ''): Promise<Exchange> =>
    connect(proxy).then((socket) => exchange(socket, `CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n\r\n${then}`, 1000));

  it('tunnels to a loopback target named through its host table', async () => {
    const { data } = await connectVia(`shop.test:${plain.port}`, get('/ok'));
    const text = data.toString();
    expect(text).toMatch(/^HTTP\/1\.1 200 Connection Established\r\n\r\nHTTP\/1\.1 201 Created/);
    expect(text).toContain('hello');
    expect(proxy.targets).toContain(`shop.test:${plain.port}`);
  });

  it('tunnels to a loopback IP literal', async () => {
    const { data } = await connectVia(`127.0.0.45:${plain.port}`, get('/ok'));
    expect(data.toString()).toContain('hello');
  });

  it('refuses targets that are not loopback, by address or by name', async () => {
    expect(headOf((await connectVia('192.0.2.1:443')).data)).toMatch(/^HTTP\/1\.1 403 /);
    expect(headOf((await connectVia('[2001:db8::1]:443')).data)).toMatch(/^HTTP\/1\.1 403 /);
    expect(headOf((await connectVia('evil.test:443')).data)).toMatch(/^HTTP\/1\.1 403 /);
  });

  it('refuses what allow() refuses, unknown names and other methods', async () => {
    expect(headOf((await connectVia('blocked.test:443')).data)).toMatch(/^HTTP\/1\.1 403 /);
    expect(headOf((await connectVia('unknown.test:443')).data)).toMatch(/^HTTP\/1\.1 502 /);
    expect(headOf((await connectVia('no-port')).data)).toMatch(/^HTTP\/1\.1 400 /);
    const { data } = await exchange(await connect(proxy), get('/'));
    expect(headOf(data)).toMatch(/^HTTP\/1\.1 405 /);
  });

  it('answers 502 when the loopback target refuses', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.45', resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    expect(headOf((await connectVia(`127.0.0.45:${port}`)).data)).toMatch(/^HTTP\/1\.1 502 /);
  });
});
