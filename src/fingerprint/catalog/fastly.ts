// Fastly: Varnish-based CDN edge. Facts: providers.md §3;
// https://www.fastly.com/documentation/guides/vcl/errors (Fastly-generated errors are 503 with the
// reason in obj.response; HTTP/2 drops the reason phrase, so the page title is read instead).

import type { ErrorRule } from '../types.js';
import { provider } from './define.js';
import { ANY_5XX } from './statuses.js';

/** Fastly lists every cache that handled the request, shield first; the last one is the edge the client hit. */
function lastCachePop(value: string): string | null {
  const caches = value.split(',').map((v) => v.trim()).filter((v) => v.startsWith('cache-'));
  const edge = caches[caches.length - 1];
  return edge ? (/-([A-Za-z]{3})$/.exec(edge)?.[1] ?? null) : null;
}

const BACKEND_REASONS = [
  'first byte timeout',
  'backend read error',
  'Backend is unhealthy',
  'All backends failed',
  'connection refused',
  'connection timed out',
];

const errors: ErrorRule[] = [
  { status: [503], body: ['Guru Mediation'], bodyAny: BACKEND_REASONS, layer: 'origin', says: 'Fastly answered 503 (Guru Mediation, backend error): the edge is up, the origin failed or timed out' },
  { status: [500], body: ['Fastly error: unknown domain'], layer: 'site', says: 'Fastly answered "unknown domain": this host name is not on any Fastly service (configuration)' },
  { status: ANY_5XX, bodyAny: ['Guru Mediation', 'Varnish cache server'], layer: 'edge', says: 'Fastly generated this 5xx itself (Varnish synthetic page, no backend cause named): a failure at its edge' },
  { status: ANY_5XX, layer: 'site', says: "the origin's own 5xx, passed through Fastly unchanged" },
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
  popHeaders: [{ header: 'x-served-by', read: lastCachePop }], // cache-lcy19240-LCY, cache-fra-eddf8230123-FRA
  statusPage: { url: 'https://www.fastlystatus.com/rss/', kind: 'rss' },
});
