// Which failed first tries could be a server refusing this run's own crowd at its address (classify/crowding.ts): what
// a per-client limit answers at once, from the server itself, and a connect that timed out (a limit that drops). A
// provider's page, a timeout once connected, a redirect's end, a proxy's answer, a status that passes: never. And
// which waited their whole time with no answer (unanswered: a server that answers so lifts the limit at its address
// while it has served nothing). Recorded responses; addresses are data, never dialled.

import { describe, expect, it } from 'vitest';
import { mayBeCrowding, unanswered } from '../../src/classify/crowding.js';
import { loadCatalog } from '../../src/fingerprint/index.js';
import { evaluateExpect } from '../../src/probe/kinds/http.js';
import type { FetchResult, RawAttempt } from '../../src/model.js';
import { fetchResult, site } from '../support/records.js';

const catalog = loadCatalog([]);

function tried(response: Partial<FetchResult>, more: Partial<RawAttempt> = {}): RawAttempt {
  const fetch = fetchResult({ headers: { server: 'nginx' }, ...response });
  return { ...fetch, id: 'shop|edge|192.0.2.10', site: 'shop', path: 'edge', resolver: 'alpha', resolvers: ['alpha'], family: 4, proxy: null, startedAt: '2026-12-07T00:00:00.000Z', expect: evaluateExpect(site().expect, fetch), selfTest: null, resamples: null, ...more };
}

describe('mayBeCrowding', () => {
  it.each([
    ['nginx limit_conn / limit_req: its own 503', { httpStatus: 503 }],
    ['a limit answered with 429', { httpStatus: 429 }],
    ['a pool of workers full behind a proxy: 502', { httpStatus: 502 }],
    ['the same: 504', { httpStatus: 504 }],
    ['a firewall connlimit refusing the connection', { httpStatus: null, error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, failedPhase: 'connect' as const }],
    ['a firewall connlimit resetting it during TLS', { httpStatus: null, error: { code: 'ECONNRESET', message: 'read ECONNRESET' }, failedPhase: 'tls' as const }],
    ['the server closing before any response', { httpStatus: null, error: { code: 'UND_ERR_SOCKET', message: 'other side closed' }, failedPhase: 'response' as const }],
    ['a connect that timed out (a limit dropping the connections over it; no server knows the site before it opens)', { httpStatus: null, error: { code: 'ETIMEDOUT', message: 'timed out' }, failedPhase: 'connect' as const }],
    ["the same in undici's words", { httpStatus: null, error: { code: 'UND_ERR_CONNECT_TIMEOUT', message: 'connect timeout' }, failedPhase: 'connect' as const }],
  ])('yes: %s', (_what, response) => {
    expect(mayBeCrowding(tried(response), catalog)).toBe(true);
  });

  it.each([
    ['a served page', { httpStatus: 200 }, {}],
    ['a 404: the server answered about the page', { httpStatus: 404 }, {}],
    ["Cloudflare's own 502 page (behind a CDN the origin never sees this client)", { httpStatus: 502, headers: { server: 'cloudflare', 'cf-ray': '8a1b2c3d4e5f6a7b-FRA' } }, {}],
    ['a timeout once connected (asking again alone would cost a whole wait each)', { httpStatus: null, error: { code: 'ETIMEDOUT', message: 'timed out' }, failedPhase: 'response' as const }, {}],
    ['a handshake that timed out', { httpStatus: null, error: { code: 'ETIMEDOUT', message: 'timed out' }, failedPhase: 'tls' as const }, {}],
    ["the run's own end during the connect", { httpStatus: null, error: { code: 'DEADLINE', message: 'the run deadline passed' }, failedPhase: 'connect' as const }, {}],
    ['this host too busy to hear the connect', { httpStatus: null, error: { code: 'HOST_BUSY', message: 'x' }, failedPhase: 'connect' as const }, {}],
    ["a connect that timed out at an address in Cloudflare's published ranges (an edge failing, not a crowd refused)", { httpStatus: null, address: '104.16.1.1', error: { code: 'ETIMEDOUT', message: 'timed out' }, failedPhase: 'connect' as const }, {}],
    ['a refused connection after the handshake began (not a connect-time refusal)', { httpStatus: null, error: { code: 'ECONNREFUSED', message: 'x' }, failedPhase: 'tls' as const }, {}],
    ['a certificate refused', { httpStatus: null, error: { code: 'CERT_HAS_EXPIRED', message: 'certificate has expired' }, failedPhase: 'tls' as const }, {}],
    ['a body cut after the response began', { httpStatus: 200, error: { code: 'ECONNRESET', message: 'x' }, failedPhase: 'body' as const }, {}],
    ['a 503 at the end of a redirect (another host may have answered)', { httpStatus: 503, redirects: [{ url: 'https://shop.test/', status: 301, location: 'https://elsewhere.test/', address: '192.0.2.10' }] }, {}],
    ['through a proxy', { httpStatus: 503 }, { proxy: 'http://127.0.0.1:3128', path: 'proxy' as const }],
    ['no address', { httpStatus: null, address: null, error: { code: 'ENOTFOUND', message: 'x' }, failedPhase: 'dns' as const }, {}],
  ])('no: %s', (_what, response, more) => {
    expect(mayBeCrowding(tried(response as Partial<FetchResult>, more), catalog)).toBe(false);
  });
});

describe('unanswered', () => {
  it.each([
    ['no connection in time (a blackholed address)', { httpStatus: null, error: { code: 'UND_ERR_CONNECT_TIMEOUT', message: 'connect timeout' }, failedPhase: 'connect' as const }],
    ['a handshake never finished', { httpStatus: null, error: { code: 'ETIMEDOUT', message: 'timed out' }, failedPhase: 'tls' as const }],
    ['a request never answered', { httpStatus: null, error: { code: 'UND_ERR_HEADERS_TIMEOUT', message: 'headers timeout' }, failedPhase: 'response' as const }],
  ])('yes: %s', (_what, response) => {
    expect(unanswered(tried(response))).toBe(true);
  });

  it.each([
    ["the run's own end (no answer said about the server)", { httpStatus: null, error: { code: 'DEADLINE', message: 'the run deadline passed' }, failedPhase: 'response' as const }],
    ['never sent', { httpStatus: null, error: { code: 'NOT_PROBED', message: 'x' }, failedPhase: null }],
    ['a response that began, then stalled (the server answered)', { httpStatus: 200, error: { code: 'UND_ERR_BODY_TIMEOUT', message: 'body timeout' }, failedPhase: 'body' as const }],
    ['a refusal', { httpStatus: null, error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, failedPhase: 'connect' as const }],
    ["the server's own 503", { httpStatus: 503 }],
    ['a served page', { httpStatus: 200 }],
  ])('no: %s', (_what, response) => {
    expect(unanswered(tried(response as Partial<FetchResult>))).toBe(false);
  });
});
