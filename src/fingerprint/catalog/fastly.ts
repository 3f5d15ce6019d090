// Fastly: Varnish-based CDN edge. Facts: providers.md §3. Fastly-generated errors are synthetic 503s whose
// reason (obj.response) names the cause; the default page carries it in its title and heading, on the
// Varnish "Guru Mediation" template (HTTP/2 drops the reason phrase, so the page is read, not the status line).
// Almost every documented reason is about the backend (the origin): a Fastly 503 is the origin's trouble
// unless its reason says otherwise, and a reason Fastly does not document is `unknown`, never the edge.

import type { ErrorLayer, ErrorRule } from '../types.js';
import { provider } from './define.js';
import { ANY_5XX } from './statuses.js';

const VCL_ERRORS = 'https://www.fastly.com/documentation/guides/vcl/errors/';
const COMMON_503 = 'https://docs.fastly.com/en/guides/common-503-errors';
const GENERATED_ERRORS = 'https://www.fastly.com/documentation/guides/concepts/errors/';
const FIRST_BYTE_TIMEOUT = 'https://www.fastly.com/documentation/reference/vcl/variables/backend-connection/bereq-first-byte-timeout/';
const CONSTRAINTS = 'https://www.fastly.com/documentation/reference/vcl/constraints-and-limitations/';
/** "Operation now in progress" is the system's text for EINPROGRESS from connect(): the backend connection never completed. */
const CONNECT_EINPROGRESS = 'https://pubs.opengroup.org/onlinepubs/9799919799/functions/connect.html';

/** The default synthetic error template. */
const SYNTHETIC_PAGE = 'Guru Mediation|Varnish cache server';

/** The reason on the template's heading ("Error 503 first byte timeout"), quoted when it is not documented. */
const REASON = String.raw`Error\s+\d{3}\s+([^<\r\n]{1,80})`;

/** Fastly lists every cache that handled the request, shield first; the last one is the edge the client hit. */
function lastCachePop(value: string): string | null {
  const caches = value.split(',').map((v) => v.trim()).filter((v) => v.startsWith('cache-'));
  const edge = caches[caches.length - 1];
  return edge ? (/-([A-Za-z]{3})$/.exec(edge)?.[1] ?? null) : null;
}

/** One documented obj.response of a Fastly-generated 503. */
interface Reason {
  reason: string;
  layer: ErrorLayer;
  means: string;
  source: string;
}

const BACKEND = 'the edge is up';

const REASONS: Reason[] = [
  // The backend (origin) is down or failing its health check.
  { reason: 'All backends failed or unhealthy', layer: 'origin', means: `${BACKEND}, every backend of the director is unhealthy or failed`, source: VCL_ERRORS },
  { reason: 'Backend is unhealthy', layer: 'origin', means: `${BACKEND}, the health check marks the origin down`, source: VCL_ERRORS },
  { reason: 'No healthy backends', layer: 'origin', means: `${BACKEND}, no backend passes its health check`, source: COMMON_503 },
  { reason: 'No healthy IP available for the backend', layer: 'origin', means: `${BACKEND}, none of the origin host name's addresses is healthy`, source: VCL_ERRORS },
  { reason: 'Quorum weight not reached', layer: 'origin', means: `${BACKEND}, too few of the director's backends are healthy`, source: VCL_ERRORS },
  // Connecting to the backend.
  { reason: 'Connection refused', layer: 'origin', means: `${BACKEND}, the origin refused the connection`, source: COMMON_503 },
  { reason: 'Connection timed out', layer: 'origin', means: `${BACKEND}, connecting to the origin timed out`, source: COMMON_503 },
  { reason: 'Operation now in progress', layer: 'origin', means: `${BACKEND}, the connection to the origin never completed (the system's EINPROGRESS, reported while connecting)`, source: CONNECT_EINPROGRESS },
  { reason: 'Backend.max_conn reached', layer: 'origin', means: `${BACKEND}, the origin's connection limit is used up`, source: VCL_ERRORS },
  // Talking to the backend.
  { reason: 'first byte timeout', layer: 'origin', means: `${BACKEND}, the origin sent no response in time (15 s by default)`, source: FIRST_BYTE_TIMEOUT },
  { reason: 'between bytes timeout', layer: 'origin', means: `${BACKEND}, the origin stalled in the middle of its response`, source: VCL_ERRORS },
  { reason: 'backend read error', layer: 'origin', means: `${BACKEND}, reading the origin's response failed or timed out`, source: COMMON_503 },
  { reason: 'backend write error', layer: 'origin', means: `${BACKEND}, sending the request to the origin failed`, source: VCL_ERRORS },
  { reason: 'Illegal Vary header from backend', layer: 'origin', means: `${BACKEND}, the origin sent an invalid Vary header`, source: VCL_ERRORS },
  // TLS to the backend.
  { reason: 'SSL handshake error', layer: 'origin', means: `${BACKEND}, the TLS handshake with the origin failed`, source: VCL_ERRORS },
  { reason: 'certificate has expired', layer: 'origin', means: `${BACKEND}, the origin's certificate has expired`, source: VCL_ERRORS },
  { reason: "Hostname doesn't match against certificate", layer: 'origin', means: `${BACKEND}, the origin's certificate does not name the host`, source: VCL_ERRORS },
  { reason: 'unable to get local issuer certificate', layer: 'origin', means: `${BACKEND}, the origin's certificate chain is incomplete`, source: VCL_ERRORS },
  // The service's own configuration or limits.
  { reason: 'Response object too large', layer: 'site', means: "the object exceeds Fastly's cache size limit for the service (its configuration)", source: 'https://docs.fastly.com/products/network-services-resource-limits' },
  { reason: 'Header overflow', layer: 'site', means: 'the request or response carries more headers than the service allows', source: CONSTRAINTS },
  // Documented, but the documentation leaves the layer open.
  { reason: 'Maximum threads for service reached', layer: 'unknown', means: 'too many requests of the service are in flight on one cache node; slow origins usually cause it, Fastly documents no single cause', source: VCL_ERRORS },
  { reason: 'No stale object available', layer: 'unknown', means: 'the service asked to serve stale content (normally after a backend failure) and none was cached', source: VCL_ERRORS },
];

function synthetic(r: Reason): ErrorRule {
  return { status: [503], bodyPattern: SYNTHETIC_PAGE, bodyAny: [r.reason], layer: r.layer, says: `Fastly answered 503 "${r.reason}": ${r.means}`, source: r.source };
}

const errors: ErrorRule[] = [
  ...REASONS.map(synthetic),
  { status: [500], body: ['Fastly error: unknown domain'], layer: 'site', says: 'Fastly answered "unknown domain": this host name is not on any Fastly service (configuration)', source: GENERATED_ERRORS },
  // The generic reason ("Service Unavailable") and any other: an unparsable origin status line, the service's
  // own VCL `error` without a reason, or Fastly itself (COMMON_503) — the page does not say which.
  { status: ANY_5XX, bodyPattern: SYNTHETIC_PAGE, quote: REASON, layer: 'unknown', says: 'Fastly generated this 5xx itself (Varnish synthetic page) with a reason it does not document as a backend or edge error: cannot tell its edge from the origin', source: COMMON_503 },
  { status: ANY_5XX, layer: 'site', says: "the origin's own 5xx, passed through Fastly unchanged", source: GENERATED_ERRORS },
];

export const fastly = provider({
  id: 'fastly',
  name: 'Fastly',
  roles: ['edge'],
  headers: [
    { header: 'x-fastly-request-id', weight: 'strong' },
    { header: 'fastly-debug-path', weight: 'strong' },
    { header: 'x-served-by', pattern: '(?:^|[\\s,])cache-[a-z0-9]+-[a-z]{3}', weight: 'weak' },
    { header: 'x-cache', pattern: '^(?:HIT|MISS)(?:\\s*,\\s*(?:HIT|MISS))*$', weight: 'weak' },
    { header: 'x-cache-hits', weight: 'weak' },
    { header: 'x-timer', pattern: '^S\\d+\\.\\d+,VS\\d', weight: 'weak' },
    { header: 'via', pattern: '\\bvarnish\\b', weight: 'weak' },
    { header: 'vary', pattern: '\\bFastly-SSL\\b', weight: 'weak' },
  ],
  errors,
  challengeMarkers: [],
  cnameSuffixes: ['fastly.net', 'fastlylb.net', 'edgecompute.app'],
  nsSuffixes: [],
  rangeSets: ['fastly'],
  statusPage: { url: 'https://www.fastlystatus.com/rss/', kind: 'rss' },
  popHeaders: [{ header: 'x-served-by', read: lastCachePop }], // cache-lcy19240-LCY, cache-fra-eddf8230123-FRA
});
