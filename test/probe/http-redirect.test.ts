import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, type TestCa } from '../../src/lab/ca.js';
import { startHttpServer, type HttpBehaviour, type HttpRequestInfo, type RunningHttpServer } from '../../src/lab/http-server.js';
import { startConnectProxy, type RunningProxy } from '../support/proxy.js';
import { fetchPinned, type FetchRequest } from '../../src/probe/http/fetch.js';

const SITE = 'shop.test';
const OTHER = 'other.test';
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

let ca: TestCa;
let shop: RunningHttpServer; // https shop.test on 127.0.0.30
let shopHttp: RunningHttpServer; // http shop.test on 127.0.0.30
let other: RunningHttpServer; // https other.test on 127.0.0.31
let proxy: RunningProxy;
const seen: Array<{ server: string } & HttpRequestInfo> = [];

function shopRoutes(req: HttpRequestInfo): HttpBehaviour {
  const path = req.path;
  if (path === '/a') return { kind: 'redirect', status: 301, location: '/b' };
  if (path === '/b') return { kind: 'redirect', status: 302, location: `https://${SITE}/c?x=1` };
  if (path === '/loop1') return { kind: 'redirect', status: 302, location: '/loop2' };
  if (path === '/loop2') return { kind: 'redirect', status: 307, location: '/loop1' };
  if (path.startsWith('/n/')) return { kind: 'redirect', status: 302, location: `/n/${Number(path.slice(3)) + 1}` };
  if (path === '/to-other') return { kind: 'redirect', status: 308, location: `https://${OTHER}:${other.port}/landing` };
  if (path === '/to-nowhere') return { kind: 'redirect', status: 302, location: 'https://nowhere.test/' };
  if (path === '/see-other') return { kind: 'redirect', status: 303, location: '/c' };
  if (path === '/bad-location') return { kind: 'redirect', status: 302, location: 'javascript:alert(1)' };
  return { kind: 'respond', status: 200, body: `${req.method} ${req.host}${path} sni=${req.sni}` };
}

function record(server: string, routes: (req: HttpRequestInfo) => HttpBehaviour) {
  return (req: HttpRequestInfo): HttpBehaviour => {
    seen.push({ server, ...req });
    return routes(req);
  };
}

function request(url: string, overrides: Partial<FetchRequest> = {}): FetchRequest {
  return {
    url,
    method: 'GET',
    headers: {},
    userAgent: 'outage-probe-test/1',
    target: { kind: 'address', address: '127.0.0.30', port: shop.port },
    timeoutMs: 3000,
    bodySampleBytes: 4096,
    maxRedirects: 5,
    ca: ca.cert,
    ...overrides,
  };
}

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  ca = createCa();
  shop = await startHttpServer({ host: '127.0.0.30', tls: ca.issue([SITE]), handler: record('shop', shopRoutes) });
  shopHttp = await startHttpServer({
    host: '127.0.0.30',
    handler: record('shop-http', (req) => ({ kind: 'redirect', status: 301, location: `https://${SITE}:${shop.port}${req.path}` })),
  });
  other = await startHttpServer({
    host: '127.0.0.31',
    tls: { ...ca.issue([OTHER]), http2: true },
    handler: record('other', (req) =>
      req.path === '/back'
        ? { kind: 'redirect', status: 302, location: `https://${SITE}:${shop.port}/c` }
        : { kind: 'respond', status: 200, body: `landed ${req.host} sni=${req.sni}` },
    ),
  });
  proxy = await startConnectProxy({ host: '127.0.0.32', hosts: { [SITE]: '127.0.0.30', [OTHER]: '127.0.0.31' } });
});

afterAll(async () => {
  await Promise.all([shop, shopHttp, other, proxy].map((s) => s?.close()));
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

describe('fetchPinned: redirects', () => {
  it('follows same-host redirects (relative and absolute) on the pinned address and port', async () => {
    const result = await fetchPinned(request(`https://${SITE}/a`));
    expect(result.error).toBeNull();
    expect(result.httpStatus).toBe(200);
    expect(result.url).toBe(`https://${SITE}/c?x=1`);
    expect(result.bodySample).toBe(`GET ${SITE}/c?x=1 sni=${SITE}`);
    expect(result.redirects).toEqual([
      { url: `https://${SITE}/a`, status: 301, location: '/b', address: '127.0.0.30' },
      { url: `https://${SITE}/b`, status: 302, location: `https://${SITE}/c?x=1`, address: '127.0.0.30' },
    ]);
    expect(result.address).toBe('127.0.0.30');
  });

  it('connects to the address resolveRedirectHost gives for another host', async () => {
    const asked: string[] = [];
    const result = await fetchPinned(
      request(`https://${SITE}/to-other`, {
        resolveRedirectHost: async (host) => {
          asked.push(host);
          return host === OTHER ? '127.0.0.31' : null;
        },
      }),
    );
    expect(asked).toEqual([OTHER]);
    expect(result.error).toBeNull();
    expect(result.bodySample).toBe(`landed ${OTHER}:${other.port} sni=${OTHER}`);
    expect(result.httpVersion).toBe('2');
    expect(result.url).toBe(`https://${OTHER}:${other.port}/landing`);
    expect(result.address).toBe('127.0.0.30'); // the first hop's
    expect(result.tls?.subjectAltNames).toEqual([OTHER]); // the last handshake's
    expect(result.redirects).toEqual([{ url: `https://${SITE}/to-other`, status: 308, location: `https://${OTHER}:${other.port}/landing`, address: '127.0.0.30' }]);
  });

  it('returns to the first pinned address when a redirect comes back to the site', async () => {
    const asked: string[] = [];
    const result = await fetchPinned(
      request(`https://${OTHER}/back`, {
        target: { kind: 'address', address: '127.0.0.31', port: other.port },
        resolveRedirectHost: async (host) => (asked.push(host), host === SITE ? '127.0.0.30' : null),
      }),
    );
    expect(result.error).toBeNull();
    expect(asked).toEqual([SITE]);
    expect(result.redirects[0]?.address).toBe('127.0.0.31');
    expect(result.bodySample).toBe(`GET ${SITE}:${shop.port}/c sni=${SITE}`);
  });

  it('fails in the redirect phase when the new host cannot be resolved', async () => {
    const result = await fetchPinned(request(`https://${SITE}/to-nowhere`, { resolveRedirectHost: async () => null }));
    expect(result.failedPhase).toBe('redirect');
    expect(result.error?.code).toBe('REDIRECT_DNS');
    expect(result.httpStatus).toBe(302);
    expect(result.redirects).toHaveLength(1);
    const noResolver = await fetchPinned(request(`https://${SITE}/to-nowhere`));
    expect(noResolver.error?.code).toBe('REDIRECT_DNS');
    const throwing = await fetchPinned(request(`https://${SITE}/to-nowhere`, { resolveRedirectHost: () => Promise.reject(new Error('boom')) }));
    expect(throwing.error?.code).toBe('REDIRECT_DNS');
  });

  it('detects a redirect loop', async () => {
    const result = await fetchPinned(request(`https://${SITE}/loop1`));
    expect(result.failedPhase).toBe('redirect');
    expect(result.error?.code).toBe('REDIRECT_LOOP');
    expect(result.httpStatus).toBe(307);
    expect(result.redirects.map((r) => r.status)).toEqual([302, 307]);
  });

  it('stops after maxRedirects', async () => {
    const result = await fetchPinned(request(`https://${SITE}/n/1`, { maxRedirects: 3 }));
    expect(result.failedPhase).toBe('redirect');
    expect(result.error?.code).toBe('TOO_MANY_REDIRECTS');
    expect(result.httpStatus).toBe(302);
    expect(result.url).toBe(`https://${SITE}/n/4`);
    expect(result.redirects).toHaveLength(4);
  });

  it('does not follow at all when maxRedirects is 0', async () => {
    const result = await fetchPinned(request(`https://${SITE}/a`, { maxRedirects: 0 }));
    expect(result.error).toBeNull();
    expect(result.httpStatus).toBe(301);
    expect(result.headers.location).toBe('/b');
    expect(result.redirects).toEqual([]);
  });

  it('turns POST into GET on 303', async () => {
    const result = await fetchPinned(request(`https://${SITE}/see-other`, { method: 'POST' }));
    expect(result.error).toBeNull();
    expect(result.bodySample).toBe(`GET ${SITE}/c sni=${SITE}`);
    expect(seen.some((r) => r.path === '/see-other' && r.method === 'POST')).toBe(true);
  });

  it('rejects a Location that is not http(s)', async () => {
    const result = await fetchPinned(request(`https://${SITE}/bad-location`));
    expect(result.failedPhase).toBe('redirect');
    expect(result.error?.code).toBe('REDIRECT_INVALID');
  });

  it('follows http → https on the same host to the same address', async () => {
    const result = await fetchPinned(request(`http://${SITE}/c`, { target: { kind: 'address', address: '127.0.0.30', port: shopHttp.port } }));
    expect(result.error).toBeNull();
    expect(result.url).toBe(`https://${SITE}:${shop.port}/c`);
    expect(result.redirects[0]).toMatchObject({ status: 301, address: '127.0.0.30' });
    expect(result.tls?.authorized).toBe(true);
  });

  it('follows redirects through the same proxy', async () => {
    const before = proxy.targets.length;
    const result = await fetchPinned(
      request(`https://${SITE}:${shop.port}/to-other`, { target: { kind: 'proxy', proxyUrl: `http://127.0.0.32:${proxy.port}` } }),
    );
    expect(result.error).toBeNull();
    expect(result.bodySample).toBe(`landed ${OTHER}:${other.port} sni=${OTHER}`);
    expect(result.redirects[0]?.address).toBeNull();
    expect(proxy.targets.slice(before)).toEqual([`${SITE}:${shop.port}`, `${OTHER}:${other.port}`]);
  });

  it('counts redirect hops within the one attempt timeout', async () => {
    const result = await fetchPinned(request(`https://${SITE}/n/1`, { maxRedirects: 1000, timeoutMs: 150 }));
    expect(result.error?.code).toBe('ETIMEDOUT');
    expect(result.redirects.length).toBeGreaterThan(1);
    expect(result.timings.totalMs).toBeLessThan(1150);
  });
});
