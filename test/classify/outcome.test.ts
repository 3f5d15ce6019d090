import { describe, expect, it } from 'vitest';
import { attemptOutcome } from '../../src/classify/outcome.js';
import { evaluateExpect } from '../../src/probe/kinds/http.js';
import type { ExpectSpec, FetchResult } from '../../src/model.js';
import { fetchResult } from '../support/records.js';

const anyStatus: ExpectSpec = { status: [], contains: null, matches: null, maxMs: null };
const judge = (fetch: FetchResult, expect: ExpectSpec = anyStatus) => attemptOutcome(fetch, evaluateExpect(expect, fetch));

describe('attempt outcome', () => {
  const cases: [string, Partial<FetchResult>, string][] = [
    ['a 200', {}, 'ok'],
    ['a 503', { httpStatus: 503 }, 'http-error'],
    ['a refused connection', { httpStatus: null, error: { code: 'ECONNREFUSED', message: '' }, failedPhase: 'connect' }, 'connect-error'],
    ['a proxy refusing CONNECT', { httpStatus: null, error: { code: 'PROXY_403', message: '' }, failedPhase: 'proxy' }, 'connect-error'],
    ['an expired certificate', { httpStatus: null, error: { code: 'CERT_HAS_EXPIRED', message: '' }, failedPhase: 'tls' }, 'tls-error'],
    ['a TLS handshake that times out', { httpStatus: null, error: { code: 'ETIMEDOUT', message: '' }, failedPhase: 'tls' }, 'timeout'],
    ['the run deadline', { httpStatus: null, error: { code: 'DEADLINE', message: '' }, failedPhase: 'response' }, 'timeout'],
    ['no address from DNS (even if DNS timed out)', { httpStatus: null, error: { code: 'ETIMEDOUT', message: '' }, failedPhase: 'dns' }, 'dns-error'],
    ['a redirect to a host that does not resolve', { httpStatus: 302, error: { code: 'REDIRECT_DNS', message: '' }, failedPhase: 'redirect' }, 'dns-error'],
    ['a redirect loop', { httpStatus: 302, error: { code: 'REDIRECT_LOOP', message: '' }, failedPhase: 'redirect' }, 'http-error'],
    ['headers too large', { httpStatus: null, error: { code: 'UND_ERR_HEADERS_OVERFLOW', message: '' }, failedPhase: 'response' }, 'http-error'],
    ['a reset in the middle of the body', { error: { code: 'ECONNRESET', message: '' }, failedPhase: 'body' }, 'http-error'],
  ];
  it.each(cases)('%s', (_name, overrides, outcome) => {
    expect(judge(fetchResult(overrides))).toBe(outcome);
  });

  it('judges expect: status list, text, regex, time', () => {
    const expectSpec: ExpectSpec = { status: [200], contains: 'Add to cart', matches: 'price: \\d+', maxMs: 100 };
    expect(judge(fetchResult({ bodySample: 'Add to cart price: 42' }), expectSpec)).toBe('ok');
    expect(judge(fetchResult({ httpStatus: 201, bodySample: 'Add to cart price: 42' }), expectSpec)).toBe('http-error');
    const missing = evaluateExpect(expectSpec, fetchResult({ bodySample: 'Sold out', timings: { connectMs: 1, tlsMs: 1, ttfbMs: 1, totalMs: 250 } }));
    expect(missing.failures).toEqual(['body does not contain "Add to cart"', 'body does not match /price: \\d+/', 'took 250ms, over 100ms']);
    expect(attemptOutcome(fetchResult({ bodySample: 'Sold out' }), missing)).toBe('content-mismatch');
  });

  it('accepts a listed 4xx and rejects an unlisted one', () => {
    expect(judge(fetchResult({ httpStatus: 403 }), { ...anyStatus, status: [403] })).toBe('ok');
    expect(judge(fetchResult({ httpStatus: 404 }))).toBe('http-error');
  });
});
