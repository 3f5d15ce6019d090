import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, type TestCa } from '../../src/lab/ca.js';
import { startHttpServer, type HttpBehaviour, type RunningHttpServer } from '../../src/lab/http-server.js';
import { fetchPinned, type FetchRequest } from '../../src/probe/http/fetch.js';
import { responseCutOff } from '../../src/classify/outcome.js';

// Servers that misbehave on purpose: none of them may hang the fetch, crash the process,
// or leak an unhandled error or rejection.

const SITE = 'shop.test';
const TIMEOUT_MS = 800;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

const EVIL = '\u001b[31mred\u001b]0;title\u0007';

const behaviours: Record<string, HttpBehaviour> = {
  '/hang': { kind: 'hang' },
  '/drip': { kind: 'drip', bytesPerSecond: 20 },
  '/endless': { kind: 'endless' },
  '/huge': { kind: 'huge-headers', bytes: 1024 * 1024 },
  '/evil': { kind: 'respond', status: 200, headers: { 'x-evil': EVIL }, body: `body ${EVIL}\n\tend` },
  '/c1': { kind: 'respond', status: 200, headers: { 'x-evil': '\u009b31mred\u009d title' }, body: `body ${EVIL}\n\tend` },
  '/reset': { kind: 'reset' },
  '/reset-mid-body': { kind: 'reset-mid-body' },
  '/stall': { kind: 'stall-mid-body', bytes: 4000 },
  '/utf8': { kind: 'respond', status: 200, body: 'aé€' }, // 1 + 2 + 3 bytes
  '/exact': { kind: 'respond', status: 200, body: 'abcd' },
  '/error': { kind: 'respond', status: 503, headers: { 'retry-after': '5' }, body: 'down' },
};

let ca: TestCa;
let https1: RunningHttpServer;
let https2: RunningHttpServer;
let plain: RunningHttpServer;
let tlsHang: RunningHttpServer;

function request(server: RunningHttpServer, path: string, overrides: Partial<FetchRequest> = {}): FetchRequest {
  const scheme = server === plain ? 'http' : 'https';
  return {
    url: `${scheme}://${SITE}${path}`,
    method: 'GET',
    headers: {},
    userAgent: 'outage-probe-test/1',
    target: { kind: 'address', address: server.host, port: server.port },
    timeoutMs: TIMEOUT_MS,
    bodySampleBytes: 64 * 1024,
    maxRedirects: 5,
    ca: ca.cert,
    ...overrides,
  };
}

async function timed<T>(work: Promise<T>): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  const value = await work;
  return { value, ms: performance.now() - start };
}

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  process.on('uncaughtException', onUnhandled);
  ca = createCa();
  const cert = ca.issue([SITE]);
  const handler = (req: { path: string }): HttpBehaviour => behaviours[req.path] ?? { kind: 'respond', status: 404 };
  https1 = await startHttpServer({ host: '127.0.0.20', tls: cert, handler });
  https2 = await startHttpServer({ host: '127.0.0.21', tls: { ...cert, http2: true }, handler });
  plain = await startHttpServer({ host: '127.0.0.22', handler });
  tlsHang = await startHttpServer({ host: '127.0.0.23', tls: cert, hangTls: true, handler });
});

afterAll(async () => {
  await Promise.all([https1, https2, plain, tlsHang].map((s) => s?.close()));
  // Give late socket errors a chance to surface before checking.
  await new Promise((resolve) => setTimeout(resolve, 50));
  process.off('unhandledRejection', onUnhandled);
  process.off('uncaughtException', onUnhandled);
  expect(unhandled).toEqual([]);
});

describe('fetchPinned against hostile servers', () => {
  it('times out a server that never answers, in the response phase', async () => {
    const { value, ms } = await timed(fetchPinned(request(https1, '/hang')));
    expect(value.error?.code).toBe('ETIMEDOUT');
    expect(value.failedPhase).toBe('response');
    expect(value.timings.tlsMs).not.toBeNull();
    expect(ms).toBeLessThan(TIMEOUT_MS + 1000);
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 5);
  });

  it('times out a TLS handshake that never completes, in the tls phase', async () => {
    const { value, ms } = await timed(fetchPinned(request(tlsHang, '/')));
    expect(value.error?.code).toBe('ETIMEDOUT');
    expect(value.failedPhase).toBe('tls');
    expect(value.timings.connectMs).not.toBeNull();
    expect(value.timings.tlsMs).toBeNull();
    expect(ms).toBeLessThan(TIMEOUT_MS + 1000);
  });

  it('cuts a slow drip at the timeout and reports what arrived', async () => {
    const { value, ms } = await timed(fetchPinned(request(https1, '/drip')));
    expect(value.httpStatus).toBe(200);
    expect(value.error?.code).toBe('ETIMEDOUT');
    expect(value.failedPhase).toBe('body');
    expect(value.bodyBytes).toBeGreaterThan(0);
    expect(value.bodySample).toMatch(/^x+$/);
    expect(value.bodyTruncated).toBe(true);
    expect(ms).toBeLessThan(TIMEOUT_MS + 1000);
  });

  it.each([
    ['HTTP/1.1', () => https1],
    ['HTTP/2', () => https2],
  ])('stops reading an endless body at the cap (%s)', async (_name, server) => {
    const cap = 100 * 1024;
    const { value, ms } = await timed(fetchPinned(request(server(), '/endless', { bodySampleBytes: cap, timeoutMs: 5000 })));
    expect(value.error).toBeNull();
    expect(value.bodyTruncated).toBe(true);
    expect(value.bodyBytes).toBeGreaterThanOrEqual(cap);
    expect(value.bodyBytes).toBeLessThanOrEqual(cap + 64 * 1024);
    expect(value.bodySample.length).toBe(cap);
    expect(ms).toBeLessThan(1000);
  });

  it('reads to the cap but decodes only the part it keeps (bodyKeepBytes)', async () => {
    const cap = 100 * 1024;
    const { value } = await timed(fetchPinned(request(https1, '/endless', { bodySampleBytes: cap, bodyKeepBytes: 4096, timeoutMs: 5000 })));
    expect(value.error).toBeNull();
    expect(value.bodyBytes).toBeGreaterThanOrEqual(cap);
    expect(value.bodyTruncated).toBe(true);
    expect(value.bodySample).toHaveLength(4096);
  });

  it('decodes as much as the status calls for when bodyKeepBytes is a function of it', async () => {
    const cap = 100 * 1024;
    const seen: number[] = [];
    const keepFor = (status: number) => {
      seen.push(status);
      return status < 400 ? 1000 : 9000;
    };
    const { value } = await timed(fetchPinned(request(https1, '/endless', { bodySampleBytes: cap, bodyKeepBytes: keepFor, timeoutMs: 5000 })));
    expect(seen).toEqual([200]);
    expect(value.bodyBytes).toBeGreaterThanOrEqual(cap);
    expect(value.bodySample).toHaveLength(1000);
  });

  it('rejects 1 MiB of response headers with a header overflow', async () => {
    const { value, ms } = await timed(fetchPinned(request(https1, '/huge', { timeoutMs: 5000 })));
    expect(value.error?.code).toBe('UND_ERR_HEADERS_OVERFLOW');
    expect(value.failedPhase).toBe('response');
    expect(ms).toBeLessThan(2000);
    // Plenty arrived after the request, but this client refused it: no response was cut off on the way.
    expect(value.received!.afterRequest).toBeGreaterThan(64 * 1024);
    expect(responseCutOff(value)).toBe(false);
  });

  it('honours a larger maxHeaderBytes', async () => {
    const value = await fetchPinned(request(plain, '/huge', { maxHeaderBytes: 2 * 1024 * 1024 }));
    expect(value.error).toBeNull();
    expect(value.httpStatus).toBe(200);
    // Header values are capped in the record, whatever the server sent.
    expect(JSON.stringify(value.headers).length).toBeLessThan(40 * 1024);
  });

  it('never records terminal escape codes from header values', async () => {
    // undici's parser refuses C0 controls in a header value, so the answer is a malformed response...
    const value = await fetchPinned(request(plain, '/evil'));
    expect(value.failedPhase).toBe('response');
    expect(value.error?.code).toBe('MALFORMED_RESPONSE');
    expect(JSON.stringify(value)).not.toMatch(/\\u001b|\\u0007/);
    // ...while C1 controls (the 8-bit CSI) pass the parser and are stripped from the record.
    const c1 = await fetchPinned(request(plain, '/c1'));
    expect(c1.error).toBeNull();
    expect(c1.headers['x-evil']).toBe('31mred title');
    expect(c1.bodySample).toBe('body red\n\tend');
    // JSON.stringify escapes C0 characters but leaves C1 characters raw: look for both forms.
    expect(JSON.stringify(c1)).not.toMatch(/\\u00(1b|07)|[\u0080-\u009f]/);
  });

  it('reports a reset after the request as a response-phase socket error', async () => {
    for (const server of [plain, https1]) {
      const value = await fetchPinned(request(server, '/reset'));
      expect(value.failedPhase).toBe('response');
      expect(value.error?.code).toBe('ECONNRESET');
      expect(value.httpStatus).toBeNull();
    }
  });

  it('reports a reset stream on HTTP/2', async () => {
    const value = await fetchPinned(request(https2, '/reset'));
    expect(value.failedPhase).toBe('response');
    expect(value.error?.code).toBe('ERR_HTTP2_STREAM_ERROR');
  });

  it('reports a reset mid-body in the body phase and keeps what arrived', async () => {
    const value = await fetchPinned(request(plain, '/reset-mid-body', { timeoutMs: 3000 }));
    expect(value.httpStatus).toBe(200);
    expect(value.failedPhase).toBe('body');
    expect(value.error?.code).toBe('ECONNRESET');
    expect(value.bodyBytes).toBe(1000);
    expect(value.bodySample).toBe('b'.repeat(1000));
  });

  it.each([
    ['HTTP/1.1', () => https1],
    ['HTTP/2', () => https2],
  ])('tells a body that went silent (%s) from one still trickling in when the time ran out', async (_label, server) => {
    const stalled = await fetchPinned(request(server(), '/stall'));
    expect(stalled.httpStatus).toBe(200);
    expect(stalled.error?.code).toBe('ETIMEDOUT');
    expect(stalled.failedPhase).toBe('body');
    expect(stalled.bodyBytes).toBe(4000);
    // The wire's bytes: the TLS handshake (a certificate) and the records around the head and body.
    expect(stalled.received!.bytes).toBeGreaterThan(4000 + 500);
    expect(stalled.received!.afterRequest).toBeGreaterThan(4000);
    expect(stalled.received!.afterRequest).toBeLessThan(stalled.received!.bytes);
    expect(stalled.received!.stalled).toBe(true);
    expect(responseCutOff(stalled)).toBe(true);

    const dripping = await fetchPinned(request(server(), '/drip'));
    expect(dripping.error?.code).toBe('ETIMEDOUT');
    expect(dripping.received!.stalled).toBe(false);
    expect(responseCutOff(dripping)).toBe(false);
  });

  it('counts what arrived on every connection: a whole answer, a reset mid-body, a handshake that never came', async () => {
    const whole = await fetchPinned(request(https1, '/exact'));
    expect(whole.error).toBeNull();
    expect(whole.received!.afterRequest).toBeGreaterThan(4);
    expect(whole.received!.bytes).toBeGreaterThan(whole.received!.afterRequest!);
    expect(whole.received!.stalled).toBeNull();
    expect(responseCutOff(whole)).toBe(false);

    const reset = await fetchPinned(request(plain, '/reset-mid-body', { timeoutMs: 3000 }));
    // Plain HTTP: the wire's bytes are the head and the 1,000 bytes of body.
    expect(reset.received!.bytes).toBe(reset.received!.afterRequest);
    expect(reset.received!.bytes).toBeGreaterThan(1000);
    expect(reset.received!.stalled).toBeNull();
    expect(responseCutOff(reset)).toBe(true);

    const noHandshake = await fetchPinned(request(tlsHang, '/'));
    expect(noHandshake.received).toEqual({ bytes: 0, afterRequest: null, stalled: null });
    expect(responseCutOff(noHandshake)).toBe(false);
  });

  it('keeps the status and headers of an error answer, with no error of its own', async () => {
    const value = await fetchPinned(request(https2, '/error'));
    expect(value.error).toBeNull();
    expect(value.httpStatus).toBe(503);
    expect(value.headers['retry-after']).toBe('5');
    expect(value.bodySample).toBe('down');
  });

  it('cuts the body sample on a character boundary and reports a cut exactly at the cap correctly', async () => {
    const cut = await fetchPinned(request(plain, '/utf8', { bodySampleBytes: 5 }));
    expect(cut.bodySample).toBe('aé');
    expect(cut.bodyBytes).toBe(6);
    expect(cut.bodyTruncated).toBe(true);
    const exact = await fetchPinned(request(plain, '/exact', { bodySampleBytes: 4 }));
    expect(exact.bodySample).toBe('abcd');
    expect(exact.bodyTruncated).toBe(false);
    const none = await fetchPinned(request(plain, '/exact', { bodySampleBytes: 0 }));
    expect(none.bodySample).toBe('');
    expect(none.bodyTruncated).toBe(true);
  });
});

describe('fetchPinned and the run deadline', () => {
  it('ends a hanging fetch promptly with DEADLINE when the signal aborts', async () => {
    const deadline = new AbortController();
    const pending = fetchPinned(request(https1, '/hang', { timeoutMs: 10_000, signal: deadline.signal }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const abortedAt = performance.now();
    deadline.abort();
    const value = await pending;
    expect(performance.now() - abortedAt).toBeLessThan(200);
    expect(value.error?.code).toBe('DEADLINE');
    expect(value.failedPhase).toBe('response');
  });

  it('ends a dripping body with DEADLINE and keeps the bytes that arrived', async () => {
    const deadline = new AbortController();
    setTimeout(() => deadline.abort(), 300);
    const { value, ms } = await timed(fetchPinned(request(https2, '/drip', { timeoutMs: 10_000, signal: deadline.signal })));
    expect(value.error?.code).toBe('DEADLINE');
    expect(value.failedPhase).toBe('body');
    expect(value.bodyBytes).toBeGreaterThan(0);
    expect(ms).toBeLessThan(600);
  });

  it('does not start when the deadline has already passed', async () => {
    const deadline = new AbortController();
    deadline.abort();
    const { value, ms } = await timed(fetchPinned(request(https1, '/', { signal: deadline.signal })));
    expect(value.error?.code).toBe('DEADLINE');
    expect(value.failedPhase).toBe('connect');
    expect(ms).toBeLessThan(100);
  });
});
