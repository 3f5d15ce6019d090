// Vercel: edge network, Firewall / Security Checkpoint, functions, Vercel DNS. Facts: providers.md §7.
// Vercel names every error its platform generates in `x-vercel-error` (and as "Code: <CODE>" on the page);
// its error list (https://vercel.com/docs/errors) groups the codes by what failed. INTERNAL_* are the
// platform's own faults; a code outside the documented families is `unknown`, never the edge.

import type { ErrorLayer, ErrorRule } from '../types.js';
import { firstGroup, provider } from './define.js';
import { ANY_5XX } from './statuses.js';

const ERRORS = 'https://vercel.com/docs/errors';
const FIREWALL = 'https://vercel.com/docs/vercel-firewall';

/** A family of x-vercel-error codes: a pattern over the code, and what it means. */
interface CodeFamily {
  codes: string;
  layer: ErrorLayer;
  says: string;
}

const FAMILIES: CodeFamily[] = [
  { codes: 'INTERNAL_[A-Z_]+', layer: 'edge', says: 'Vercel reported an INTERNAL_* error: a failure of its platform' },
  // The external origin a rewrite proxies to (ROUTER_EXTERNAL_TARGET_CONNECTION_ERROR, _HANDSHAKE_ERROR, _ERROR).
  { codes: 'ROUTER_EXTERNAL_TARGET_[A-Z_]+', layer: 'origin', says: 'Vercel could not get an answer from the external origin a rewrite sends this path to: the edge is up, that origin failed' },
  { codes: '(?:EDGE_)?FUNCTION_[A-Z_]+|MIDDLEWARE_[A-Z_]+|MICROFRONTENDS_[A-Z_]+|NO_RESPONSE_FROM_FUNCTION|BODY_NOT_A_STRING_FROM_FUNCTION|INFINITE_LOOP_DETECTED|SANDBOX_[A-Z_]+', layer: 'site', says: "Vercel reported a function or middleware error: the site's own code failed" },
  { codes: 'DEPLOYMENT_[A-Z_]+|NOT_FOUND|RESOURCE_NOT_FOUND|DNS_HOSTNAME_[A-Z_]+|ROUTER_CANNOT_MATCH|ROUTER_TOO_MANY_HAS_SELECTIONS|TOO_MANY_FILESYSTEM_CHECKS|TOO_MANY_FORKS|FALLBACK_BODY_TOO_LARGE', layer: 'site', says: "Vercel reported a deployment / routing error: the site's configuration (no such deployment, disabled, paused, not found or a routing rule)" },
  { codes: 'INVALID_[A-Z_]+|MALFORMED_[A-Z_]+|REQUEST_HEADER_TOO_LARGE|URL_TOO_LONG|RANGE_[A-Z_]+|TOO_MANY_RANGES', layer: 'site', says: 'Vercel rejected the request itself (invalid, malformed or too large): not an outage' },
];

function family(f: CodeFamily): ErrorRule {
  return { header: { name: 'x-vercel-error', pattern: `^\\s*(?:${f.codes})\\s*$` }, layer: f.layer, says: f.says, source: ERRORS };
}

const errors: ErrorRule[] = [
  { header: { name: 'x-vercel-mitigated', pattern: '^\\s*challenge\\s*$' }, layer: 'challenge', challenge: 'routine', says: 'the Vercel Firewall challenged the request (x-vercel-mitigated): the edge is healthy', source: FIREWALL },
  { header: { name: 'x-vercel-mitigated', pattern: '^\\s*deny\\s*$' }, layer: 'challenge', challenge: 'blocked', says: 'the Vercel Firewall denied the request (x-vercel-mitigated: deny): a rule of the site turned this requester away; the edge is healthy', source: FIREWALL },
  { bodyAny: ['Vercel Security Checkpoint'], layer: 'challenge', challenge: 'routine', says: 'Vercel served its Security Checkpoint (bot verification) instead of content', source: FIREWALL },
  ...FAMILIES.map(family),
  { header: { name: 'x-vercel-error' }, quote: 'Code:\\s*([A-Z][A-Z0-9_]{2,60})', layer: 'unknown', says: 'Vercel named an error code its documentation does not list: cannot tell its edge from the site', source: ERRORS },
  // The same codes appear on the error page as "Code: <CODE>" when a proxy in front drops the header.
  { status: ANY_5XX, bodyAny: ['Code: INTERNAL_'], layer: 'edge', says: 'Vercel reported an INTERNAL_* error: a failure of its platform', source: ERRORS },
  { status: ANY_5XX, layer: 'site', says: "the site's own 5xx, served by Vercel", source: ERRORS },
];

export const vercel = provider({
  id: 'vercel',
  name: 'Vercel',
  roles: ['authoritative-dns', 'edge', 'challenge', 'origin'],
  headers: [
    { header: 'server', pattern: '^Vercel$', weight: 'strong' },
    { header: 'x-vercel-id', weight: 'strong' }, // e.g. hnd1::fs8k9-1679151302268-044a719e1f27
    { header: 'x-vercel-cache', weight: 'strong' },
    { header: 'x-vercel-error', weight: 'strong' },
    { header: 'x-vercel-mitigated', weight: 'strong' },
  ],
  errors,
  challengeMarkers: ['Vercel Security Checkpoint'],
  cnameSuffixes: ['vercel-dns-0.com', 'vercel-dns.com', 'vercel.app'],
  nsSuffixes: ['vercel-dns.com'],
  rangeSets: ['vercel'],
  statusPage: { url: 'https://www.vercel-status.com', kind: 'statuspage' },
  popHeaders: [{ header: 'x-vercel-id', read: firstGroup(/^([a-z]{3}\d{1,2})::/) }], // hnd1::fs8k9-1679151302268-…
});
