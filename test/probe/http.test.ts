import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, selfSigned, type TestCa } from '../../src/lab/ca.js';
import { startHttpServer, type HttpRequestInfo, type RunningHttpServer } from '../../src/lab/http-server.js';
import { startConnectProxy, type RunningProxy } from '../support/proxy.js';
import { fetchPinned, type FetchRequest } from '../../src/probe/http/fetch.js';
import { startStallClock } from '../../src/util/stall-clock.js';

// `shop.test` and friends are in the reserved .test TLD (RFC 6761): nothing anywhere resolves them,
// so a fetch that succeeds proves the name was never looked up.
const SITE = 'shop.test';

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

/** Run `work` with the event loop blocked for `ms` right after its first socket connect is started. */
async function blockingAfterConnect<T>(ms: number, work: () => Promise<T>): Promise<T> {
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    net.Socket.prototype.connect = connect;
    const socket = (connect as (...a: unknown[]) => net.Socket).apply(this, args);
    const until = performance.now() + ms;
    while (performance.now() < until);
    return socket;
  } as typeof connect;
  try {
    return await work();
  } finally {
    net.Socket.prototype.connect = connect;
  }
}

const echo = (req: HttpRequestInfo) =>
  ({
    kind: 'respond',
    status: 200,
    headers: { 'content-type': 'application/json', server: 'lab' },
    body: JSON.stringify({ host: req.host, sni: req.sni, version: req.httpVersion, path: req.path, method: req.method, headers: req.headers }),
  }) as const;

let ca: TestCa;
const servers: RunningHttpServer[] = [];
const proxies: RunningProxy[] = [];
let h1: RunningHttpServer; // https, HTTP/1.1 only, 127.0.0.2
let h2: RunningHttpServer; // https with HTTP/2, 127.0.0.3
let plain: RunningHttpServer; // http, 127.0.0.4
let byIp: RunningHttpServer; // https, cert for the IP itself, 127.0.0.5
let delayed: RunningHttpServer; // https, 50 ms delay, 127.0.0.6

async function start(options: Parameters<typeof startHttpServer>[0]): Promise<RunningHttpServer> {
  const server = await startHttpServer(options);
  servers.push(server);
  return server;
}

function request(overrides: Partial<FetchRequest> & Pick<FetchRequest, 'url' | 'target'>): FetchRequest {
  return {
    method: 'GET',
    headers: {},
    userAgent: 'outage-probe-test/1',
    timeoutMs: 3000,
    bodySampleBytes: 64 * 1024,
    maxRedirects: 5,
    ca: ca.cert,
    ...overrides,
  };
}

async function closedPort(host: string): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function canBindIpv6(): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(0, '::1', () => server.close(() => resolve(true)));
  });
}
const ipv6 = await canBindIpv6();

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  ca = createCa();
  const siteCert = ca.issue([SITE, 'www.shop.test']);
  h1 = await start({ host: '127.0.0.2', tls: siteCert, handler: echo });
  h2 = await start({ host: '127.0.0.3', tls: { ...siteCert, http2: true }, handler: echo });
  plain = await start({ host: '127.0.0.4', handler: echo });
  byIp = await start({ host: '127.0.0.5', tls: ca.issue(['127.0.0.5']), handler: echo });
  delayed = await start({
    host: '127.0.0.6',
    tls: siteCert,
    handler: () => ({ kind: 'respond', status: 200, body: 'slow but fine', delayMs: 50 }),
  });
});

afterAll(async () => {
  await Promise.all([...servers, ...proxies].map((s) => s.close()));
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
  expect(unhandled).toEqual([]);
});

describe('fetchPinned: pinned HTTPS', () => {
  it('connects to the pinned address with the site name as SNI and Host, over HTTP/1.1', async () => {
    const result = await fetchPinned(
      request({ url: `https://${SITE}/echo?q=1`, target: { kind: 'address', address: '127.0.0.2', port: h1.port }, headers: { 'x-probe': 'yes' } }),
    );
    expect(result.error).toBeNull();
    expect(result.failedPhase).toBeNull();
    expect(result.httpStatus).toBe(200);
    expect(result.httpVersion).toBe('1.1');
    expect(result.address).toBe('127.0.0.2');
    expect(result.port).toBe(h1.port);
    expect(result.url).toBe(`https://${SITE}/echo?q=1`);
    const seen = JSON.parse(result.bodySample);
    expect(seen).toMatchObject({ host: SITE, sni: SITE, version: '1.1', path: '/echo?q=1', method: 'GET' });
    expect(seen.headers['user-agent']).toBe('outage-probe-test/1');
    expect(seen.headers['x-probe']).toBe('yes');
    expect(result.headers['content-type']).toBe('application/json');
    expect(result.headers.server).toBe('lab');
    expect(result.bodyBytes).toBe(Buffer.byteLength(result.bodySample));
    expect(result.bodyTruncated).toBe(false);
  });

  it('records timings in order', async () => {
    const result = await fetchPinned(request({ url: `https://${SITE}/`, target: { kind: 'address', address: '127.0.0.2', port: h1.port } }));
    const t = result.timings;
    expect(t.connectMs).not.toBeNull();
    expect(t.tlsMs).not.toBeNull();
    expect(t.ttfbMs).not.toBeNull();
    expect(t.connectMs!).toBeGreaterThanOrEqual(0);
    expect(t.tlsMs!).toBeGreaterThan(0);
    expect(t.ttfbMs!).toBeGreaterThanOrEqual(t.connectMs! + t.tlsMs!);
    expect(t.totalMs).toBeGreaterThanOrEqual(t.ttfbMs!);
  });

  it("says how much of the connect this process could not run: a connect read late is not the network's", async () => {
    const stopClock = startStallClock();
    try {
      const calm = await fetchPinned(request({ url: `https://${SITE}/`, target: { kind: 'address', address: '127.0.0.2', port: h1.port } }));
      expect(calm.timings.connectStalledMs).toBeGreaterThanOrEqual(0);
      expect(calm.timings.connectStalledMs!).toBeLessThanOrEqual(calm.timings.connectMs!);
      // The loop blocked just after the SYN is sent: the kernel opens the connection at once, and this process hears
      // of it only once the loop runs again, 400 ms later.
      const late = (await blockingAfterConnect(400, () => fetchPinned(request({ url: `https://${SITE}/`, target: { kind: 'address', address: '127.0.0.2', port: h1.port } })))).timings;
      expect(late.connectMs!).toBeGreaterThanOrEqual(400);
      expect(late.connectStalledMs!).toBeGreaterThanOrEqual(300);
      expect(late.connectStalledMs!).toBeLessThanOrEqual(late.connectMs!);
    } finally {
      stopClock();
    }
  });

  it("says it of a connect that failed too: the kernel's instant refusal, read late by a blocked loop, is not the network's slowness", async () => {
    const stopClock = startStallClock();
    const closed = await closedPort('127.0.0.2');
    try {
      const refused = await blockingAfterConnect(400, () => fetchPinned(request({ url: `https://${SITE}/`, target: { kind: 'address', address: '127.0.0.2', port: closed } })));
      expect([refused.error?.code, refused.failedPhase, refused.timings.connectMs]).toEqual(['ECONNREFUSED', 'connect', null]);
      expect(refused.timings.totalMs).toBeGreaterThanOrEqual(400);
      expect(refused.timings.connectStalledMs!).toBeGreaterThanOrEqual(300);
      expect(refused.timings.connectStalledMs!).toBeLessThanOrEqual(refused.timings.totalMs);
    } finally {
      stopClock();
    }
  });

  it('records the certificate', async () => {
    const result = await fetchPinned(request({ url: `https://${SITE}/`, target: { kind: 'address', address: '127.0.0.2', port: h1.port } }));
    expect(result.tls).not.toBeNull();
    expect(result.tls!.subject).toBe(`CN=${SITE}`);
    expect(result.tls!.issuer).toBe('CN=outage-probe lab CA');
    expect(result.tls!.subjectAltNames).toEqual([SITE, 'www.shop.test']);
    expect(result.tls!.authorized).toBe(true);
    expect(result.tls!.authorizationError).toBeNull();
    expect(Date.parse(result.tls!.validTo)).toBeGreaterThan(Date.now());
    expect(Date.parse(result.tls!.validFrom)).toBeLessThan(Date.now());
    expect(result.tls!.validTo).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('keeps one record of a certificate for every fetch that was served it and judged it alike', async () => {
    const fetchAs = (url: string) => fetchPinned(request({ url, target: { kind: 'address', address: '127.0.0.2', port: h1.port } }));
    const [first, second, www] = [await fetchAs(`https://${SITE}/`), await fetchAs(`https://${SITE}/again`), await fetchAs('https://www.shop.test/')];
    expect(second.tls).toBe(first.tls);
    expect(www.tls).toBe(first.tls);
    // The same certificate for a name it does not cover: judged otherwise, so a record of its own.
    const other = await fetchAs('https://other.test/');
    expect(other.error?.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(other.tls).not.toBe(first.tls);
    expect(other.tls).toEqual({ ...first.tls, authorized: false, authorizationError: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(first.tls!.authorized).toBe(true);
  });

  it('uses HTTP/2 when the server negotiates it', async () => {
    const result = await fetchPinned(request({ url: `https://${SITE}/h2`, target: { kind: 'address', address: '127.0.0.3', port: h2.port } }));
    expect(result.error).toBeNull();
    expect(result.httpVersion).toBe('2');
    expect(JSON.parse(result.bodySample)).toMatchObject({ host: SITE, sni: SITE, version: '2', path: '/h2' });
  });

  it('reads a sample of a long body over HTTP/1.1 and HTTP/2 and leaves the stack-trace limit as it was', async () => {
    // The body is cut short and the client closed with stack traces off (withoutStacks); the limit must come back.
    const before = Error.stackTraceLimit;
    for (const [address, port] of [['127.0.0.2', h1.port], ['127.0.0.3', h2.port]] as const) {
      const result = await fetchPinned(request({ url: `https://${SITE}/long`, target: { kind: 'address', address, port }, bodySampleBytes: 16 }));
      expect(result.error).toBeNull();
      expect(result.bodyTruncated).toBe(true);
    }
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error('after').stack).toMatch(/\n\s+at /);
  });

  it('fetches plain http:// without TLS', async () => {
    const result = await fetchPinned(request({ url: `http://${SITE}/plain`, target: { kind: 'address', address: '127.0.0.4', port: plain.port } }));
    expect(result.error).toBeNull();
    expect(result.httpStatus).toBe(200);
    expect(result.httpVersion).toBe('1.1');
    expect(result.tls).toBeNull();
    expect(result.timings.tlsMs).toBeNull();
    expect(JSON.parse(result.bodySample)).toMatchObject({ host: SITE, sni: null, path: '/plain' });
  });

  it("takes the port from the URL when the target names none, and sends it in Host", async () => {
    const result = await fetchPinned(request({ url: `http://${SITE}:${plain.port}/p`, target: { kind: 'address', address: '127.0.0.4' } }));
    expect(result.error).toBeNull();
    expect(result.port).toBe(plain.port);
    expect(JSON.parse(result.bodySample).host).toBe(`${SITE}:${plain.port}`);
  });

  it('sends no SNI for an IP-literal URL and checks the IP against the certificate', async () => {
    const result = await fetchPinned(request({ url: `https://127.0.0.5:${byIp.port}/`, target: { kind: 'address', address: '127.0.0.5' } }));
    expect(result.error).toBeNull();
    expect(result.tls!.authorized).toBe(true);
    expect(result.tls!.subjectAltNames).toEqual(['127.0.0.5']);
    expect(JSON.parse(result.bodySample)).toMatchObject({ sni: null, host: `127.0.0.5:${byIp.port}` });
  });

  it('sends HEAD and reads no body', async () => {
    const result = await fetchPinned(request({ url: `https://${SITE}/`, method: 'HEAD', target: { kind: 'address', address: '127.0.0.2', port: h1.port } }));
    expect(result.error).toBeNull();
    expect(result.httpStatus).toBe(200);
    expect(result.bodyBytes).toBe(0);
    expect(result.bodyTruncated).toBe(false);
  });

  it('keeps 200 concurrent fetches against one server all ok', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        fetchPinned(request({ url: `https://${SITE}/n/${i}`, timeoutMs: 10_000, target: { kind: 'address', address: '127.0.0.6', port: delayed.port } })),
      ),
    );
    const failures = results.filter((r) => r.error !== null || r.httpStatus !== 200);
    expect(failures.map((r) => r.error)).toEqual([]);
    expect(results.every((r) => r.bodySample === 'slow but fine')).toBe(true);
    expect(delayed.requests).toBeGreaterThanOrEqual(200);
  });

  it.skipIf(!ipv6)('fetches a pinned IPv6 address (::1)', async () => {
    const server = await start({ host: '::1', tls: ca.issue([SITE]), handler: echo });
    const result = await fetchPinned(request({ url: `https://${SITE}/v6`, target: { kind: 'address', address: '::1', port: server.port } }));
    expect(result.error).toBeNull();
    expect(result.address).toBe('::1');
    expect(JSON.parse(result.bodySample)).toMatchObject({ host: SITE, sni: SITE, path: '/v6' });
  });
});

describe('fetchPinned: certificate and connection failures', () => {
  it('reports an expired certificate as a tls failure and still describes it', async () => {
    const expired = ca.issue([SITE], { notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    const server = await start({ host: '127.0.0.7', tls: expired, handler: echo });
    const result = await fetchPinned(request({ url: `https://${SITE}/`, target: { kind: 'address', address: '127.0.0.7', port: server.port } }));
    expect(result.failedPhase).toBe('tls');
    expect(result.error?.code).toBe('CERT_HAS_EXPIRED');
    expect(result.httpStatus).toBeNull();
    expect(result.tls).not.toBeNull();
    expect(result.tls!.authorized).toBe(false);
    expect(result.tls!.authorizationError).toBe('CERT_HAS_EXPIRED');
    expect(Date.parse(result.tls!.validTo)).toBeLessThan(Date.now());
    expect(result.tls!.subject).toBe(`CN=${SITE}`);
    expect(result.timings.tlsMs).not.toBeNull();
    expect(server.requests).toBe(0);
  });

  it('reports a self-signed certificate', async () => {
    const server = await start({ host: '127.0.0.8', tls: selfSigned([SITE]), handler: echo });
    const result = await fetchPinned(request({ url: `https://${SITE}/`, target: { kind: 'address', address: '127.0.0.8', port: server.port } }));
    expect(result.failedPhase).toBe('tls');
    expect(result.error?.code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(result.tls?.issuer).toBe(`CN=${SITE}`);
  });

  it('reports a certificate for another name', async () => {
    const server = await start({ host: '127.0.0.9', tls: ca.issue(['other.test']), handler: echo });
    const result = await fetchPinned(request({ url: `https://${SITE}/`, target: { kind: 'address', address: '127.0.0.9', port: server.port } }));
    expect(result.failedPhase).toBe('tls');
    expect(result.error?.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(result.tls?.subjectAltNames).toEqual(['other.test']);
    expect(result.tls?.authorized).toBe(false);
  });

  it('reports a chain to an untrusted CA', async () => {
    const result = await fetchPinned(request({ url: `https://${SITE}/`, ca: null, target: { kind: 'address', address: '127.0.0.2', port: h1.port } }));
    expect(result.failedPhase).toBe('tls');
    expect(result.error?.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    // The lab's CA is in no public store: the refusal is no missing public root (util/public-roots.ts).
    expect(result.tls!.publicRoot).toBeUndefined();
  });

  it('reports a refused connection in the connect phase', async () => {
    const port = await closedPort('127.0.0.10');
    const result = await fetchPinned(request({ url: `https://${SITE}/`, target: { kind: 'address', address: '127.0.0.10', port } }));
    expect(result.failedPhase).toBe('connect');
    expect(result.error?.code).toBe('ECONNREFUSED');
    expect(result.timings.connectMs).toBeNull();
    // Of the failed connect's own time, how much this process could not run (none here).
    expect(result.timings.connectStalledMs).toBe(0);
    expect(result.httpStatus).toBeNull();
  });

  it('reports a server that is not TLS as a tls failure', async () => {
    const result = await fetchPinned(request({ url: `https://${SITE}/`, target: { kind: 'address', address: '127.0.0.4', port: plain.port } }));
    expect(result.failedPhase).toBe('tls');
    expect(result.error?.code).toMatch(/^ERR_SSL_|^ECONNRESET$/);
  });

  it('turns bad input into a result, not an exception', async () => {
    const bad = await fetchPinned(request({ url: 'not a url', target: { kind: 'address', address: '127.0.0.2' } }));
    expect(bad.error?.code).toBe('ERR_INVALID_URL');
    const ftp = await fetchPinned(request({ url: 'ftp://shop.test/', target: { kind: 'address', address: '127.0.0.2' } }));
    expect(ftp.error?.code).toBe('UNSUPPORTED_PROTOCOL');
    const proxy = await fetchPinned(request({ url: `https://${SITE}/`, target: { kind: 'proxy', proxyUrl: 'socks5://127.0.0.1:1' } }));
    expect(proxy.failedPhase).toBe('proxy');
    expect(proxy.error?.code).toBe('PROXY_URL_INVALID');
  });
});

describe('fetchPinned: through an HTTP CONNECT proxy', () => {
  it('tunnels HTTPS through the proxy, which resolves the host', async () => {
    const proxy = await startConnectProxy({ host: '127.0.0.11', hosts: { [SITE]: '127.0.0.2' } });
    proxies.push(proxy);
    const result = await fetchPinned(
      request({ url: `https://${SITE}:${h1.port}/via-proxy`, target: { kind: 'proxy', proxyUrl: `http://127.0.0.11:${proxy.port}` } }),
    );
    expect(result.error).toBeNull();
    expect(result.httpStatus).toBe(200);
    expect(result.address).toBeNull();
    expect(result.tls?.authorized).toBe(true);
    expect(JSON.parse(result.bodySample)).toMatchObject({ sni: SITE, host: `${SITE}:${h1.port}`, path: '/via-proxy' });
    expect(proxy.targets).toEqual([`${SITE}:${h1.port}`]);
    expect(result.timings.connectMs).not.toBeNull();
  });

  it('tunnels plain HTTP and HTTP/2 through the proxy', async () => {
    const proxy = await startConnectProxy({ host: '127.0.0.11', hosts: { [SITE]: '127.0.0.4', 'www.shop.test': '127.0.0.3' } });
    proxies.push(proxy);
    const proxyUrl = `http://127.0.0.11:${proxy.port}`;
    const http = await fetchPinned(request({ url: `http://${SITE}:${plain.port}/p`, target: { kind: 'proxy', proxyUrl } }));
    expect(http.error).toBeNull();
    expect(JSON.parse(http.bodySample).path).toBe('/p');
    const viaH2 = await fetchPinned(request({ url: `https://www.shop.test:${h2.port}/two`, target: { kind: 'proxy', proxyUrl } }));
    expect(viaH2.error).toBeNull();
    expect(viaH2.httpVersion).toBe('2');
    expect(JSON.parse(viaH2.bodySample)).toMatchObject({ sni: 'www.shop.test', path: '/two' });
  });

  it('reports a proxy that cannot reach the site (502) in the proxy phase', async () => {
    const proxy = await startConnectProxy({ host: '127.0.0.11' });
    proxies.push(proxy);
    const result = await fetchPinned(request({ url: `https://missing.test/`, target: { kind: 'proxy', proxyUrl: `http://127.0.0.11:${proxy.port}` } }));
    expect(result.failedPhase).toBe('proxy');
    expect(result.error?.code).toBe('PROXY_502');
    expect(proxy.targets).toEqual(['missing.test:443']);
  });

  it('reports a proxy that refuses CONNECT with 403 in the proxy phase', async () => {
    const proxy = await startConnectProxy({ host: '127.0.0.12', allow: () => false });
    proxies.push(proxy);
    const result = await fetchPinned(request({ url: `https://${SITE}/`, target: { kind: 'proxy', proxyUrl: `http://127.0.0.12:${proxy.port}` } }));
    expect(result.failedPhase).toBe('proxy');
    expect(result.error?.code).toBe('PROXY_403');
    expect(result.httpStatus).toBeNull();
  });

  it('reports an unreachable proxy in the proxy phase', async () => {
    const port = await closedPort('127.0.0.12');
    const result = await fetchPinned(request({ url: `https://${SITE}/`, target: { kind: 'proxy', proxyUrl: `http://127.0.0.12:${port}` } }));
    expect(result.failedPhase).toBe('proxy');
    expect(result.error?.code).toBe('ECONNREFUSED');
  });
});
