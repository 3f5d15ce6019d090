// Fastly's documented synthetic 503 reasons, one page each, on its default template (personalities/fastly.ts).

import type { Layer } from '../../model.js';
import { fastly, fastlySynthetic } from '../personalities/fastly.js';
import { originErrorPage, originPage } from '../personalities/origin.js';
import type { CorpusEntry } from './types.js';

const VCL_ERRORS = 'https://www.fastly.com/documentation/guides/vcl/errors/';
const COMMON_503 = 'https://docs.fastly.com/en/guides/common-503-errors';
const GENERATED_ERRORS = 'https://www.fastly.com/documentation/guides/concepts/errors/';

/** A synthetic 503 with `text` as its reason, read as the documented reason `documented` (the same, but for suffixes). */
function reason(slug: string, text: string, layer: Layer, source: string, documented = text): CorpusEntry {
  return {
    id: `fastly/${slug}`,
    provider: 'fastly',
    source,
    respond: (req) => fastlySynthetic(req, text),
    expect: { outcome: 'http-error', layer, provider: layer === 'site' ? null : 'Fastly', explains: `Fastly answered 503 "${documented}"` },
  };
}

export const FASTLY_CORPUS: CorpusEntry[] = [
  { id: 'fastly/healthy', provider: 'fastly', source: GENERATED_ERRORS, respond: (req) => fastly.relay(req, originPage(req.host, 'Daily News', req.now)), expect: { outcome: 'ok', layer: null, provider: null, explains: null } },
  reason('all-backends-failed', 'All backends failed or unhealthy', 'origin', VCL_ERRORS),
  // A director with a chash policy suffixes the reason with its name.
  reason('all-backends-failed-chash', 'All backends failed or unhealthy (chash)', 'origin', VCL_ERRORS, 'All backends failed or unhealthy'),
  // The lab's "origin refused" answer (personality originUnreachable).
  { id: 'fastly/backend-is-unhealthy', provider: 'fastly', source: VCL_ERRORS, respond: (req) => fastly.originUnreachable(req, 'refused'), expect: { outcome: 'http-error', layer: 'origin', provider: 'Fastly', explains: 'Fastly answered 503 "Backend is unhealthy": the edge is up' } },
  reason('no-healthy-backends', 'No healthy backends', 'origin', COMMON_503),
  reason('no-healthy-ip', 'No healthy IP available for the backend', 'origin', VCL_ERRORS),
  reason('quorum-weight', 'Quorum weight not reached', 'origin', VCL_ERRORS),
  reason('connection-refused', 'Connection refused', 'origin', COMMON_503),
  reason('connection-timed-out', 'Connection timed out', 'origin', COMMON_503),
  reason('operation-now-in-progress', 'Operation now in progress', 'origin', 'https://pubs.opengroup.org/onlinepubs/9799919799/functions/connect.html'),
  reason('max-conn', 'Backend.max_conn reached', 'origin', VCL_ERRORS),
  // The lab's "origin timed out" answer.
  { id: 'fastly/first-byte-timeout', provider: 'fastly', source: 'https://www.fastly.com/documentation/reference/vcl/variables/backend-connection/bereq-first-byte-timeout/', respond: (req) => fastly.originUnreachable(req, 'timeout'), expect: { outcome: 'http-error', layer: 'origin', provider: 'Fastly', explains: 'Fastly answered 503 "first byte timeout": the edge is up, the origin sent no response in time' } },
  reason('between-bytes-timeout', 'between bytes timeout', 'origin', VCL_ERRORS),
  reason('backend-read-error', 'backend read error', 'origin', COMMON_503),
  reason('backend-write-error', 'backend write error', 'origin', VCL_ERRORS),
  reason('illegal-vary', 'Illegal Vary header from backend', 'origin', VCL_ERRORS),
  reason('ssl-handshake', 'SSL handshake error', 'origin', VCL_ERRORS),
  reason('certificate-expired', 'certificate has expired', 'origin', VCL_ERRORS),
  reason('hostname-mismatch', "Hostname doesn't match against certificate", 'origin', VCL_ERRORS),
  reason('local-issuer', 'unable to get local issuer certificate', 'origin', VCL_ERRORS),
  reason('object-too-large', 'Response object too large', 'site', 'https://docs.fastly.com/products/network-services-resource-limits'),
  reason('header-overflow', 'Header overflow', 'site', 'https://www.fastly.com/documentation/reference/vcl/constraints-and-limitations/'),
  reason('maximum-threads', 'Maximum threads for service reached', 'unknown', VCL_ERRORS),
  reason('no-stale-object', 'No stale object available', 'unknown', VCL_ERRORS),
  {
    id: 'fastly/unknown-domain',
    provider: 'fastly',
    source: GENERATED_ERRORS,
    respond: (req) => fastly.unknownHost(req),
    expect: { outcome: 'http-error', layer: 'site', provider: null, explains: 'not on any Fastly service' },
  },
  // Fastly's own edge failing looks like this (the lab's edge fault), and so does an unparsable origin status line.
  {
    id: 'fastly/generic-service-unavailable',
    provider: 'fastly',
    source: COMMON_503,
    respond: (req) => fastly.edgeError(req),
    expect: { outcome: 'http-error', layer: 'unknown', provider: 'Fastly', explains: 'cannot tell its edge from the origin (the page says "Service Unavailable")' },
  },
  // A reason outside the documented list: unknown, quoting it, never the edge.
  {
    id: 'fastly/undocumented-reason',
    provider: 'fastly',
    source: COMMON_503,
    respond: (req) => fastlySynthetic(req, 'Backend fetch failed'),
    expect: { outcome: 'http-error', layer: 'unknown', provider: 'Fastly', explains: '(the page says "Backend fetch failed")' },
  },
  {
    id: 'fastly/origin-500-passed-through',
    provider: 'fastly',
    source: GENERATED_ERRORS,
    respond: (req) => fastly.relay(req, originErrorPage(500, 'Internal Server Error', req.now)),
    expect: { outcome: 'http-error', layer: 'site', provider: null, explains: "the origin's own 5xx, passed through Fastly" },
  },
];
