// Builders for recorded attempts and DNS answers, for the pure stages' tests.

import type { Attempt, DnsAnswer, FetchResult, SiteSpec } from '../../src/model.js';

export function site(overrides: Partial<SiteSpec> = {}): SiteSpec {
  const url = overrides.url ?? `https://${overrides.name ?? 'shop'}.test/`;
  return {
    name: 'shop',
    probe: 'http',
    record: 'A',
    kind: 'site',
    provider: null,
    url,
    host: new URL(url).hostname.replace(/^\[|\]$/g, ''),
    method: 'GET',
    headers: {},
    expect: { status: [], contains: null, matches: null, maxMs: null, challenge: 'fail', rcode: null, dnssec: false },
    origin: null,
    timeoutMs: 2000,
    paths: { edge: true, ipv4: true, ipv6: true, origin: true, proxies: [] },
    maxAddressesPerFamily: 4,
    userAgent: 'outage-probe/test',
    bodySampleBytes: 65536,
    maxRedirects: 5,
    ...overrides,
  };
}

export function fetchResult(overrides: Partial<FetchResult> = {}): FetchResult {
  return {
    url: 'https://shop.test/',
    address: '127.0.0.10',
    port: 443,
    httpStatus: 200,
    httpVersion: '1.1',
    headers: {},
    bodySample: 'hello',
    bodyBytes: 5,
    bodyTruncated: false,
    redirects: [],
    tls: null,
    timings: { connectMs: 1, tlsMs: 2, ttfbMs: 5, totalMs: 6 },
    received: null,
    error: null,
    failedPhase: null,
    ...overrides,
  };
}

export function attempt(overrides: Partial<Attempt> = {}): Attempt {
  return {
    ...fetchResult(),
    id: 'shop|edge|127.0.0.10',
    site: 'shop',
    path: 'edge',
    resolver: 'alpha',
    resolvers: ['alpha'],
    family: 4,
    proxy: null,
    startedAt: '2026-11-22T00:00:00.000Z',
    outcome: 'ok',
    expect: { ok: true, failures: [] },
    layer: null,
    provider: null,
    explanation: null,
    location: null,
    selfTest: null,
    samples: null,
    challenge: null,
    ...overrides,
  };
}

export function dnsAnswer(overrides: Partial<DnsAnswer> = {}): DnsAnswer {
  return {
    resolver: 'alpha',
    name: 'shop.test',
    type: 'A',
    outcome: 'ok',
    rcode: 'NOERROR',
    answers: [],
    cnameChain: [],
    values: ['127.0.0.10'],
    zone: null,
    ede: [],
    authenticated: null,
    server: '127.0.0.53:53',
    transport: 'udp',
    startedAt: '2026-11-22T00:00:00.000Z',
    durationMs: 1,
    error: null,
    ...overrides,
  };
}
