// postEvents against real loopback HTTP(S) servers: what arrives, retries with backoff, the deadline, a hanging
// receiver, answers that are final, capped replies, and the CA option.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa } from '../../src/lab/ca.js';
import { eventPayload, sampleEvent, type EventPayload } from '../../src/notify/events.js';
import { notificationProblem, notifyAll, parseWebhookUrl, postEvents } from '../../src/notify/webhook.js';
import { redactSiteUrl, redactWebhookUrl as redactUrl } from '../../src/util/redact.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

type Behaviour = (n: number, req: IncomingMessage, res: ServerResponse) => void;

let server: Server;
let base: string;
let behaviour: Behaviour = (_n, _req, res) => res.writeHead(200).end('ok');
let received: Received[] = [];
const hanging = new Set<ServerResponse>();

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body, at: performance.now() });
      behaviour(received.length, req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of hanging) res.destroy();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function reset(next: Behaviour): void {
  behaviour = next;
  received = [];
}

const payload: EventPayload = eventPayload([sampleEvent('probe-1', new Date('2026-11-22T10:00:00.000Z'))], {
  startedAt: '2026-11-22T10:00:00.000Z',
  vantage: 'probe-1',
  verdict: 'ok',
  summary: 'test',
});

const fast = { backoffMs: (n: number) => 100 * 2 ** (n - 1) };

describe('postEvents', () => {
  it('posts the JSON payload once and reports success', async () => {
    reset((_n, _req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end('ok'));
    const result = await postEvents(`${base}/hooks/T000/B000/secret`, payload, { deadlineAt: performance.now() + 3000 });
    expect(result).toEqual({ url: `${base}/hooks/…`, events: 1, ok: true, attempts: 1, error: null });
    expect(received).toHaveLength(1);
    const [r] = received;
    expect(r!.method).toBe('POST');
    expect(r!.url).toBe('/hooks/T000/B000/secret');
    expect(r!.headers['content-type']).toBe('application/json');
    expect(r!.headers['user-agent']).toMatch(/^outage-probe\//);
    expect(JSON.parse(r!.body)).toEqual(payload);
  });

  it('sends a user name and password in the URL as HTTP Basic authentication, never in the printed URL', async () => {
    reset((_n, _req, res) => res.writeHead(204).end());
    const withUser = base.replace('http://', 'http://alert%20bot:p%40ss@');
    const result = await postEvents(`${withUser}/hooks/T000/secret`, payload, { deadlineAt: performance.now() + 3000 });
    expect(result).toMatchObject({ ok: true, url: `${base}/hooks/…` });
    expect(received[0]!.headers.authorization).toBe(`Basic ${Buffer.from('alert bot:p@ss').toString('base64')}`);
    expect(received[0]!.url).toBe('/hooks/T000/secret');
  });

  it('retries a 500 with backoff, then succeeds', async () => {
    reset((n, _req, res) => res.writeHead(n === 1 ? 500 : 204).end());
    const started = performance.now();
    const result = await postEvents(`${base}/hook`, payload, { deadlineAt: started + 5000 });
    expect(result).toMatchObject({ ok: true, attempts: 2, error: null });
    expect(received).toHaveLength(2);
    const gap = received[1]!.at - received[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(240); // the first backoff is 250 ms
    expect(gap).toBeLessThan(1000);
  });

  it('always 500: retries with growing pauses, stops before the deadline, and reports the last answer', async () => {
    reset((_n, _req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('database on fire\nsecond line'));
    const started = performance.now();
    const result = await postEvents(`${base}/hook`, payload, { deadlineAt: started + 1000, ...fast });
    const elapsed = performance.now() - started;
    // attempts at ~0, ~100, ~300, ~700 ms; the next pause (800 ms) would pass the deadline
    expect(result.ok).toBe(false);
    expect(result.attempts).toBe(4);
    expect(received).toHaveLength(4);
    expect(result.error).toBe('HTTP 500: database on fire second line; no time left to retry before the run deadline');
    const gaps = received.slice(1).map((r, i) => r.at - received[i]!.at);
    expect(gaps[1]!).toBeGreaterThan(gaps[0]!);
    expect(gaps[2]!).toBeGreaterThan(gaps[1]!);
    expect(elapsed).toBeLessThan(1000);
  });

  it('a hanging receiver is cut at the deadline', async () => {
    reset((_n, _req, res) => void hanging.add(res));
    const started = performance.now();
    const result = await postEvents(`${base}/hook`, payload, { deadlineAt: started + 600 });
    const elapsed = performance.now() - started;
    expect(result).toMatchObject({ ok: false, attempts: 1 });
    expect(result.error).toMatch(/^no reply within (59\d|600)ms; no time left to retry before the run deadline$/);
    expect(elapsed).toBeGreaterThanOrEqual(550);
    expect(elapsed).toBeLessThan(1200);
  });

  it('a hanging receiver within a longer deadline: each attempt is capped, then retried', async () => {
    reset((n, _req, res) => (n === 1 ? void hanging.add(res) : res.writeHead(200).end()));
    const result = await postEvents(`${base}/hook`, payload, { deadlineAt: performance.now() + 3000, attemptTimeoutMs: 300, ...fast });
    expect(result).toMatchObject({ ok: true, attempts: 2 });
  });

  it('a 2xx whose body never ends is still a success, at once', async () => {
    reset((_n, _req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('accepted, and now I stall');
      hanging.add(res);
    });
    const started = performance.now();
    const result = await postEvents(`${base}/hook`, payload, { deadlineAt: started + 3000 });
    expect(result).toMatchObject({ ok: true, attempts: 1 });
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('a 4xx other than 408 and 429 is final: no retry', async () => {
    reset((_n, _req, res) => res.writeHead(404).end('no such hook'));
    const result = await postEvents(`${base}/hook`, payload, { deadlineAt: performance.now() + 3000, ...fast });
    expect(result).toMatchObject({ ok: false, attempts: 1, error: 'HTTP 404: no such hook' });
    expect(received).toHaveLength(1);
  });

  it('a redirect is final and named', async () => {
    reset((_n, _req, res) => res.writeHead(301, { location: '/moved/secret-token' }).end());
    const result = await postEvents(`${base}/hook`, payload, { deadlineAt: performance.now() + 3000 });
    expect(result).toMatchObject({ ok: false, attempts: 1, error: `HTTP 301: redirected to ${base}/moved/…; give the final URL` });
  });

  it('429 is retried, waiting at least Retry-After', async () => {
    reset((n, _req, res) => (n === 1 ? res.writeHead(429, { 'retry-after': '1' }).end('slow down') : res.writeHead(200).end()));
    const result = await postEvents(`${base}/hook`, payload, { deadlineAt: performance.now() + 4000, ...fast });
    expect(result).toMatchObject({ ok: true, attempts: 2 });
    expect(received[1]!.at - received[0]!.at).toBeGreaterThanOrEqual(990);
  });

  it('a refused connection is retried until the deadline, and named', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await postEvents(`http://127.0.0.1:${port}/hook`, payload, { deadlineAt: performance.now() + 500, ...fast });
    expect(result.ok).toBe(false);
    expect(result.attempts).toBeGreaterThanOrEqual(2);
    expect(result.error).toMatch(/^ECONNREFUSED/);
  });

  it('caps the reply it reads: a huge error page costs neither time nor memory', async () => {
    reset((_n, _req, res) => res.writeHead(400, { 'content-type': 'text/html' }).end('<html>'.padEnd(5 * 1024 * 1024, 'x')));
    const started = performance.now();
    const result = await postEvents(`${base}/hook`, payload, { deadlineAt: started + 3000 });
    expect(result.ok).toBe(false);
    expect(result.error!.length).toBeLessThanOrEqual(220);
    expect(performance.now() - started).toBeLessThan(1500);
  });

  it('stops at once when the run is interrupted, and never throws', async () => {
    reset((_n, _req, res) => void hanging.add(res));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    const result = await postEvents(`${base}/hook`, payload, { deadlineAt: started + 5000, signal: controller.signal });
    expect(result).toMatchObject({ ok: false, error: 'interrupted' });
    expect(performance.now() - started).toBeLessThan(1000);
    await expect(postEvents('not a url', payload, { deadlineAt: performance.now() + 100 })).resolves.toMatchObject({ ok: false, attempts: 0, url: '(not a URL)' });
  });

  it('posts to every URL at once with notifyAll, one result each, in order', async () => {
    reset((_n, req, res) => res.writeHead(req.url === '/bad' ? 403 : 200).end());
    const results = await notifyAll([`${base}/good`, `${base}/bad`], payload, { deadlineAt: performance.now() + 3000 });
    expect(results.map((r) => [r.url, r.ok])).toEqual([
      [`${base}/good`, true],
      [`${base}/bad`, false],
    ]);
    expect(notificationProblem(results[1]!)).toBe(`notify ${base}/bad: HTTP 403 (1 attempt); the run's result is unaffected`);
  });
});

describe('HTTPS webhooks with an extra CA (tls.ca)', () => {
  it('trusts the configured CA, and fails without it', async () => {
    const ca = createCa('webhook test CA');
    const pem = ca.issue(['127.0.0.1']);
    const tlsServer = createHttpsServer({ cert: pem.cert, key: pem.key }, (req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200).end());
    });
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    const url = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}/hook`;
    try {
      expect(await postEvents(url, payload, { deadlineAt: performance.now() + 3000, ca: ca.cert })).toMatchObject({ ok: true, attempts: 1 });
      const untrusted = await postEvents(url, payload, { deadlineAt: performance.now() + 300, ...fast });
      expect(untrusted.ok).toBe(false);
      expect(untrusted.error).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|unable to verify/i);
    } finally {
      tlsServer.closeAllConnections();
      await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
    }
  });
});

describe('webhook URLs', () => {
  it('redacts the secret parts for printing', () => {
    expect(redactUrl('https://hooks.slack.com/services/T000/B000/XXXXXXXX')).toBe('https://hooks.slack.com/services/…');
    expect(redactUrl('https://user:pass@example.test:8443/hook?token=abc')).toBe('https://example.test:8443/hook/…');
    expect(redactUrl('http://127.0.0.1:9000/')).toBe('http://127.0.0.1:9000/');
    expect(redactUrl('nonsense')).toBe('(not a URL)');
  });

  it('site URLs keep scheme, host, port and path; credentials go, query values are hidden', () => {
    expect(redactSiteUrl('https://user:pw@shop.test:8443/cart?token=abc&lang=en')).toBe('https://shop.test:8443/cart?token=…&lang=…');
    expect(redactSiteUrl('https://shop.test/cart')).toBe('https://shop.test/cart');
  });

  it('parseWebhookUrl accepts http(s) URLs only', () => {
    expect(parseWebhookUrl('https://hooks.slack.com/services/x')).toBeInstanceOf(URL);
    expect(parseWebhookUrl('ftp://example.test/')).toEqual({ error: expect.stringContaining('expected an http(s) URL') });
    expect(parseWebhookUrl('not a url')).toEqual({ error: expect.stringContaining('not a URL') });
    // A malformed URL is not echoed: its secret cannot be told apart from the rest.
    expect(JSON.stringify(parseWebhookUrl('http://user:pw@[bad/hooks/T0/SECRET'))).not.toMatch(/SECRET|pw/);
  });
});
