// Dependency endpoints: any answer below 500 is up, 5xx is the provider's service failing, no address from
// any resolver is the provider's DNS failing, and an answer from someone else is not the endpoint.

import { describe, expect, it } from 'vitest';
import { classifyEndpointAttempt, endpointOutcome, expectedEndpointProvider } from '../../src/classify/endpoint.js';
import { noAddressFromAnyResolver } from '../../src/classify/dns-facts.js';
import { attemptOutcome } from '../../src/classify/outcome.js';
import { evaluateExpect } from '../../src/probe/kinds/http.js';
import { BUILTIN_PROVIDERS } from '../../src/fingerprint/index.js';
import type { Attempt, FetchResult } from '../../src/model.js';
import { attempt, dnsAnswer, fetchResult } from '../support/records.js';

const providers = BUILTIN_PROVIDERS;
const aws = providers.find((p) => p.id === 'aws')!;
const anyStatus = { status: [], contains: null, matches: null, maxMs: null };

/** Judged first as a page would be (so a 403 is an http-error), as the probe stage does. */
function endpointFetch(response: Partial<FetchResult>): Attempt {
  const fetch = fetchResult({ url: 'https://dynamodb.us-east-1.amazonaws.com/', ...response });
  const expect = evaluateExpect(anyStatus, fetch);
  return attempt({ ...fetch, site: 'dynamodb', expect, outcome: attemptOutcome(fetch, expect) });
}

const dynamoHeaders = { server: 'Server', 'x-amzn-requestid': 'ABC', 'x-amz-crc32': '123' };

describe('endpointOutcome', () => {
  it('counts any HTTP answer below 500 as up: an anonymous 403, a 400, a 404, a redirect', () => {
    for (const status of [200, 301, 400, 403, 404, 429]) {
      const a = endpointFetch({ httpStatus: status, headers: dynamoHeaders });
      if (status >= 400) expect(a.outcome).toBe('http-error'); // as a page it would have failed
      expect(endpointOutcome(a, aws, providers), String(status)).toBe('ok');
    }
  });

  it('counts 5xx as http-error and keeps outcomes without an HTTP answer', () => {
    expect(endpointOutcome(endpointFetch({ httpStatus: 503, headers: dynamoHeaders }))).toBe('http-error');
    const timedOut = endpointFetch({ httpStatus: null, error: { code: 'UND_ERR_CONNECT_TIMEOUT', message: 't' }, failedPhase: 'connect' });
    expect(endpointOutcome(timedOut)).toBe('timeout');
    const refused = endpointFetch({ httpStatus: null, error: { code: 'ECONNREFUSED', message: 'r' }, failedPhase: 'connect' });
    expect(endpointOutcome(refused)).toBe('connect-error');
  });

  it('does not count an answer another catalogued provider generated (an interceptor) as the endpoint', () => {
    const intercepted = endpointFetch({ httpStatus: 403, headers: { server: 'cloudflare', 'cf-ray': '8fcb3f8a0cc56750-FRA' } });
    expect(endpointOutcome(intercepted, aws, providers)).toBe('content-mismatch');
    // Without knowing the expected provider, any answer below 500 stands.
    expect(endpointOutcome(intercepted)).toBe('ok');
  });
});

describe('expectedEndpointProvider', () => {
  it('knows API domains, catalog suffixes and the configured provider', () => {
    expect(expectedEndpointProvider('dynamodb.us-east-1.amazonaws.com', providers)?.id).toBe('aws');
    expect(expectedEndpointProvider('abc.execute-api.eu-west-1.amazonaws.com', providers)?.id).toBe('aws');
    expect(expectedEndpointProvider('storage.googleapis.com', providers)?.id).toBe('google');
    expect(expectedEndpointProvider('api.example.com', providers)).toBeNull();
    expect(expectedEndpointProvider('api.example.com', providers, 'Fastly')?.id).toBe('fastly');
  });
});

describe('endpoint DNS', () => {
  const empty = (resolver: string) => [
    dnsAnswer({ resolver, name: 'dynamodb.us-east-1.amazonaws.com', type: 'A', outcome: 'empty', values: [] }),
    dnsAnswer({ resolver, name: 'dynamodb.us-east-1.amazonaws.com', type: 'AAAA', outcome: 'empty', values: [] }),
  ];

  it('calls no address from any resolver the provider authoritative-dns failure', () => {
    const dns = [...empty('alpha'), ...empty('beta').map((d) => (d.type === 'A' ? { ...d, outcome: 'servfail' as const } : d))];
    expect(noAddressFromAnyResolver(dns)).toBe(true);
    const dnsFailed = endpointFetch({ httpStatus: null, address: null, error: { code: 'NODATA', message: 'empty' }, failedPhase: 'dns' });
    const c = classifyEndpointAttempt(dnsFailed, dns, aws, providers);
    expect(c).toMatchObject({ outcome: 'dns-error', layer: 'authoritative-dns', provider: 'AWS' });
    expect(c!.explanation).toMatch(/empty from alpha, .*servfail.* from beta/);
  });

  it('leaves a failure at some resolvers only to the generic resolver reading, and a DNSSEC fault out', () => {
    const partial = [...empty('alpha'), dnsAnswer({ resolver: 'beta', name: 'dynamodb.us-east-1.amazonaws.com', values: ['127.0.40.1'] })];
    expect(noAddressFromAnyResolver(partial)).toBe(false);
    const dnsFailed = endpointFetch({ httpStatus: null, address: null, error: { code: 'NODATA', message: 'empty' }, failedPhase: 'dns' });
    expect(classifyEndpointAttempt(dnsFailed, partial, aws, providers)).toBeNull();
    const bogus = empty('alpha').map((d) => ({ ...d, outcome: 'servfail' as const, ede: [{ code: 6, text: 'DNSSEC Bogus' }] }));
    expect(noAddressFromAnyResolver(bogus)).toBe(false);
  });
});

describe('classifyEndpointAttempt', () => {
  it('reads a 403 as healthy and a 503 as the service failing (origin layer, the provider)', () => {
    expect(classifyEndpointAttempt(endpointFetch({ httpStatus: 403, headers: dynamoHeaders }), [], aws, providers)).toEqual({ outcome: 'ok', layer: null, provider: null, explanation: null });
    expect(classifyEndpointAttempt(endpointFetch({ httpStatus: 503, headers: dynamoHeaders }), [], aws, providers)).toMatchObject({ outcome: 'http-error', layer: 'origin', provider: 'AWS' });
  });

  it("places connection and TLS failures on the provider's network and TLS layers, and the deadline on none", () => {
    const refused = endpointFetch({ httpStatus: null, error: { code: 'ECONNREFUSED', message: 'r' }, failedPhase: 'connect' });
    expect(classifyEndpointAttempt(refused, [], aws, providers)).toMatchObject({ layer: 'network', provider: 'AWS' });
    const tls = endpointFetch({ httpStatus: null, error: { code: 'CERT_HAS_EXPIRED', message: 'x' }, failedPhase: 'tls' });
    expect(classifyEndpointAttempt(tls, [], aws, providers)).toMatchObject({ layer: 'tls', provider: 'AWS' });
    const slow = endpointFetch({ httpStatus: null, error: { code: 'UND_ERR_HEADERS_TIMEOUT', message: 'x' }, failedPhase: 'response' });
    expect(classifyEndpointAttempt(slow, [], aws, providers)).toMatchObject({ outcome: 'timeout', layer: 'origin', provider: 'AWS' });
    const cut = endpointFetch({ httpStatus: null, error: { code: 'DEADLINE', message: 'x' }, failedPhase: 'connect' });
    expect(classifyEndpointAttempt(cut, [], aws, providers)).toMatchObject({ layer: null, provider: null });
  });
});
