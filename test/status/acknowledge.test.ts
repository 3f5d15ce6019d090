// Acknowledgement from real status pages on loopback: an HTTPS Statuspage (lab server, test CA) with every
// way a page can answer or fail, and a plain node:http server for Google JSON, an RSS feed and AWS UTF-16.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acknowledgeIncidents, documentUrl } from '../../src/status/acknowledge.js';
import { fetchStatusDocument } from '../../src/status/fetch.js';
import { BUILTIN_PROVIDERS } from '../../src/fingerprint/index.js';
import { createCa } from '../../src/lab/ca.js';
import { startHttpServer, type RunningHttpServer } from '../../src/lab/http-server.js';
import type { Incident, Layer } from '../../src/model.js';

const catalog = { providers: BUILTIN_PROVIDERS };
const NOW = new Date('2026-11-22T12:00:00Z');
const HTTPS_HOST = '127.0.0.21';
const HTTP_HOST = '127.0.0.22';
const CLOSED_HOST = '127.0.0.23';

const summary = (indicator: string, incidents: unknown[] = []) =>
  JSON.stringify({ page: { url: `https://${HTTPS_HOST}` }, status: { indicator, description: 'Minor Service Outage' }, incidents, scheduled_maintenances: [] });
const cloudflareIncident = {
  name: 'Elevated 5xx errors in Frankfurt (FRA)',
  status: 'identified',
  impact: 'minor',
  created_at: '2026-11-22T11:31:00Z',
  started_at: '2026-11-22T11:28:00Z',
  shortlink: 'https://stspg.io/abc123',
};

const ca = createCa('outage-probe status test CA');
let https: RunningHttpServer;
let plain: http.Server;
let httpsBase = '';
let httpBase = '';
let closedBase = '';
const requests = new Map<string, number>();

beforeAll(async () => {
  https = await startHttpServer({
    host: HTTPS_HOST,
    tls: ca.issue([HTTPS_HOST]),
    handler: (req) => {
      const page = req.path.split('/')[1] ?? '';
      requests.set(page, (requests.get(page) ?? 0) + 1);
      const json = { 'content-type': 'application/json' };
      switch (page) {
        case 'ack':
          return { kind: 'respond', status: 200, headers: json, body: summary('minor', [cloudflareIncident]) };
        case 'quiet':
          return { kind: 'respond', status: 200, headers: json, body: summary('none') };
        case 'html':
          return { kind: 'respond', status: 200, headers: { 'content-type': 'text/html' }, body: '<!DOCTYPE html><html><body><h1>All good, probably</h1></body></html>' };
        case 'garbage':
          return { kind: 'respond', status: 200, headers: json, body: '{"status": {"indicator": "min' };
        case 'huge':
          return { kind: 'respond', status: 200, headers: json, body: `{"pad": "${'x'.repeat(2 * 1024 * 1024)}"}` };
        case 'endless':
          return { kind: 'endless' };
        case 'hang':
          return { kind: 'hang' };
        case 'moved':
          return { kind: 'redirect', status: 301, location: `https://${HTTPS_HOST}:${https.port}/ack/api/v2/summary.json` };
        case 'error':
          return { kind: 'respond', status: 503, body: 'upstream down' };
        default:
          return { kind: 'respond', status: 404, body: 'no' };
      }
    },
  });
  httpsBase = `https://${HTTPS_HOST}:${https.port}`;

  plain = http.createServer((req, res) => {
    if (req.url === '/incidents.json') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify([{ id: 'x', external_desc: 'Cloud Run errors in us-central1', begin: '2026-11-22T11:00:00Z', severity: 'high', uri: 'incidents/x' }]));
    } else if (req.url === '/rss/') {
      res.setHeader('content-type', 'application/rss+xml');
      res.end(`<?xml version="1.0"?><rss version="2.0"><channel><item><title>Elevated errors in Europe</title><pubDate>Sun, 22 Nov 2026 11:40:00 GMT</pubDate><link>https://www.fastlystatus.com/incident/1</link></item></channel></rss>`);
    } else if (req.url === '/currentevents') {
      // AWS serves this document as UTF-16 with a byte-order mark.
      const text = JSON.stringify([{ service_name: 'Amazon DynamoDB', region_name: 'us-east-1', summary: 'Increased error rates in us-east-1', date: '1795000000' }]);
      res.setHeader('content-type', 'application/json');
      res.end(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => plain.listen(0, HTTP_HOST, resolve));
  httpBase = `http://${HTTP_HOST}:${(plain.address() as AddressInfo).port}`;

  // A port that was just in use and is now closed: connection refused.
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, CLOSED_HOST, resolve));
  closedBase = `https://${CLOSED_HOST}:${(closed.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
});

afterAll(async () => {
  await https?.close();
  await new Promise<void>((resolve) => (plain ? plain.close(() => resolve()) : resolve()));
});

function incident(provider: string | null, layer: Layer = 'edge', extra: Partial<Incident> & { locations?: string[] } = {}): Incident {
  return {
    id: `provider:${provider ?? '-'}:${layer}${extra.locations ? `:${extra.locations[0]}` : ''}`,
    kind: 'provider',
    provider,
    layer,
    sites: ['a', 'b'],
    probed: 2,
    controls: ['c'],
    scope: 'full',
    confidence: 0.9,
    summary: `${provider} ${layer} incident`,
    evidence: [],
    change: null,
    since: null,
    ...extra,
  };
}

describe('documentUrl', () => {
  it("reads a Statuspage's summary under its root and any other document as given", () => {
    expect(documentUrl({ url: 'https://www.cloudflarestatus.com', kind: 'statuspage' })).toBe('https://www.cloudflarestatus.com/api/v2/summary.json');
    expect(documentUrl({ url: 'https://127.0.0.1:8443/sub/', kind: 'statuspage' })).toBe('https://127.0.0.1:8443/sub/api/v2/summary.json');
    expect(documentUrl({ url: 'https://status.cloud.google.com/incidents.json', kind: 'json' })).toBe('https://status.cloud.google.com/incidents.json');
    expect(documentUrl({ url: 'file:///etc/passwd', kind: 'json' })).toBeNull();
  });
});

describe('acknowledgeIncidents against loopback status pages', () => {
  const incidents = [
    incident('Cloudflare', 'edge', { locations: ['FRA'] } as Partial<Incident>),
    incident('Cloudflare', 'challenge'),
    incident('Vercel'),
    incident('Netlify'),
    incident('Akamai'),
    incident('Bunny CDN'),
    incident('Imperva'),
    incident('GitHub Pages'),
    incident('Fly.io'),
    incident('Heroku'),
    incident('Google', 'origin'),
    incident('Fastly'),
    incident('AWS', 'origin', { locations: ['us-east-1'] } as Partial<Incident>),
    incident('DDoS-Guard'),
    { ...incident(null, 'resolver'), kind: 'resolver' as const, id: 'resolver:-:resolver:alpha' },
  ];
  let result: Map<string, unknown>;
  let elapsedMs = 0;
  const before = JSON.stringify(incidents);

  beforeAll(async () => {
    // Overrides by catalog id or display name; the server URLs exist only now.
    const statusPages = {
      cloudflare: `${httpsBase}/ack`,
      vercel: `${httpsBase}/quiet/`,
      netlify: `${httpsBase}/html`,
      akamai: `${httpsBase}/garbage`,
      bunny: `${httpsBase}/huge`,
      imperva: `${httpsBase}/endless`,
      'GitHub Pages': `${httpsBase}/hang`,
      fly: closedBase,
      heroku: { url: `${httpsBase}/error/current-status`, kind: 'json' as const },
      google: { url: `${httpBase}/incidents.json`, kind: 'json' as const },
      fastly: { url: `${httpBase}/rss/`, kind: 'rss' as const },
      aws: { url: `${httpBase}/currentevents`, kind: 'json' as const },
    };
    const t0 = performance.now();
    result = await acknowledgeIncidents(incidents, catalog, { deadlineAt: performance.now() + 10_000, pageTimeoutMs: 1000, ca: ca.cert, statusPages, now: NOW });
    elapsedMs = performance.now() - t0;
  });

  it('acknowledged: a minor indicator and an incident with a title', () => {
    expect(result.get('provider:Cloudflare:edge:FRA')).toEqual({
      by: 'status page',
      indicator: 'minor',
      title: 'Elevated 5xx errors in Frankfurt (FRA)',
      since: '2026-11-22T11:28:00.000Z',
      url: 'https://stspg.io/abc123',
    });
  });

  it('fetches a page once per run, however many incidents its provider has', () => {
    expect(result.get('provider:Cloudflare:challenge')).toMatchObject({ by: 'status page', title: 'Elevated 5xx errors in Frankfurt (FRA)' });
    expect(requests.get('ack')).toBe(1);
  });

  it('not acknowledged yet: indicator none', () => {
    expect(result.get('provider:Vercel:edge')).toBe(false);
  });

  it('page down, hanging, HTML, garbage, huge or failing: unknown, with the reason', () => {
    const reason = (id: string) => (result.get(id) as { unknown: string }).unknown;
    expect(reason('provider:Fly.io:edge')).toMatch(/ECONNREFUSED/);
    expect(reason('provider:GitHub Pages:edge')).toMatch(/no complete answer within 1\.00s$/);
    expect(reason('provider:Netlify:edge')).toMatch(/answered an HTML page, not JSON$/);
    expect(reason('provider:Akamai:edge')).toMatch(/not valid JSON/);
    expect(reason('provider:Bunny CDN:edge')).toMatch(/body of 2 MiB is over the 1 MiB cap$/);
    expect(reason('provider:Imperva:edge')).toMatch(/body over the 1 MiB cap \(stopped reading\)$/);
    expect(reason('provider:Heroku:edge')).toMatch(/HTTP 503$/);
    expect(reason('provider:Netlify:edge')).toContain(`${httpsBase}/html/api/v2/summary.json`);
  });

  it('reads Google JSON, an RSS feed and an AWS UTF-16 document over plain HTTP', () => {
    expect(result.get('provider:Google:origin')).toMatchObject({ indicator: 'major', title: 'Cloud Run errors in us-central1', url: `${httpBase}/incidents/x` });
    expect(result.get('provider:Fastly:edge')).toMatchObject({ indicator: 'unknown', title: 'Elevated errors in Europe', since: '2026-11-22T11:40:00.000Z' });
    expect(result.get('provider:AWS:origin:us-east-1')).toMatchObject({ by: 'status page', title: 'Increased error rates in us-east-1' });
  });

  it('says so when there is no status page, and skips incidents without a provider', () => {
    expect(result.get('provider:DDoS-Guard:edge')).toEqual({ unknown: 'no status page known for DDoS-Guard' });
    expect(result.has('resolver:-:resolver:alpha')).toBe(false);
  });

  it('costs at most the page time cap in all (pages are read at once), and changes no incident', () => {
    expect(elapsedMs).toBeLessThan(2500);
    expect(JSON.stringify(incidents)).toBe(before);
  });
});

describe('the run deadline bounds the status pages', () => {
  it('cuts a hanging page at the deadline, however long the page cap', async () => {
    const t0 = performance.now();
    const result = await acknowledgeIncidents([incident('GitHub Pages')], catalog, {
      deadlineAt: performance.now() + 300,
      pageTimeoutMs: 5000,
      ca: ca.cert,
      statusPages: { 'github-pages': `${httpsBase}/hang` },
    });
    expect(performance.now() - t0).toBeLessThan(1200);
    expect(result.get('provider:GitHub Pages:edge')).toMatchObject({ unknown: expect.stringMatching(/no complete answer within \d{1,3}ms$/) });
  });

  it('does not even start a page once the deadline has passed', async () => {
    const seen = requests.get('quiet') ?? 0;
    const result = await acknowledgeIncidents([incident('Vercel')], catalog, { deadlineAt: performance.now() - 1, ca: ca.cert, statusPages: { vercel: `${httpsBase}/quiet` } });
    expect(result.get('provider:Vercel:edge')).toEqual({ unknown: `status page ${httpsBase}/quiet/api/v2/summary.json: no time left before the run deadline` });
    expect(requests.get('quiet') ?? 0).toBe(seen);
  });

  it('needs the extra CA for a loopback page with a test certificate', async () => {
    const result = await acknowledgeIncidents([incident('Cloudflare')], catalog, { deadlineAt: performance.now() + 3000, statusPages: { cloudflare: `${httpsBase}/ack` } });
    expect(result.get('provider:Cloudflare:edge')).toMatchObject({ unknown: expect.stringMatching(/CERT|certificate|SELF_SIGNED|UNABLE_TO_VERIFY/i) });
  });
});

describe('fetchStatusDocument', () => {
  it('follows a redirect and never throws on a bad URL', async () => {
    const moved = await fetchStatusDocument(`${httpsBase}/moved`, { timeoutMs: 2000, ca: ca.cert });
    expect(moved).toMatchObject({ ok: true, url: `${httpsBase}/ack/api/v2/summary.json`, status: 200 });
    await expect(fetchStatusDocument('not a url', { timeoutMs: 1000 })).resolves.toEqual({ ok: false, url: 'not a url', reason: 'not a URL' });
    await expect(fetchStatusDocument('ftp://127.0.0.1/x', { timeoutMs: 1000 })).resolves.toMatchObject({ ok: false, reason: 'not an http(s) URL' });
  });
});
