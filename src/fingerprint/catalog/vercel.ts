// Vercel: edge network, Firewall / Security Checkpoint, functions, Vercel DNS. Facts: providers.md §7;
// error codes from https://vercel.com/docs/errors (platform faults are INTERNAL_*).

import type { ErrorRule } from '../types.js';
import { firstGroup, provider } from './define.js';
import { ANY_5XX } from './statuses.js';

const errors: ErrorRule[] = [
  { header: { name: 'x-vercel-mitigated', pattern: '^\\s*(?:challenge|deny)\\s*$' }, layer: 'challenge', says: 'the Vercel Firewall challenged or denied the request (x-vercel-mitigated): the edge is healthy' },
  { bodyAny: ['Vercel Security Checkpoint'], layer: 'challenge', says: 'Vercel served its Security Checkpoint (bot verification) instead of content' },
  { header: { name: 'x-vercel-error', pattern: '^INTERNAL_' }, layer: 'edge', says: 'Vercel reported an INTERNAL_* error: a failure of its platform' },
  { header: { name: 'x-vercel-error', pattern: '^(?:FUNCTION_|MIDDLEWARE_|NO_RESPONSE_FROM_FUNCTION|INFINITE_LOOP_DETECTED)' }, layer: 'site', says: "Vercel reported a function or middleware error: the site's own code failed" },
  { header: { name: 'x-vercel-error', pattern: '^(?:DEPLOYMENT_|NOT_FOUND|DNS_HOSTNAME_)' }, layer: 'site', says: "Vercel reported a deployment / routing error: the site's configuration (no such deployment, disabled, paused or not found)" },
  // The same codes appear on the error page as "Code: <CODE>" when a proxy in front drops the header.
  { status: ANY_5XX, bodyAny: ['Code: INTERNAL_'], layer: 'edge', says: 'Vercel reported an INTERNAL_* error: a failure of its platform' },
  { status: ANY_5XX, layer: 'site', says: "the site's own 5xx, served by Vercel" },
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
  popHeaders: [{ header: 'x-vercel-id', read: firstGroup(/^([a-z]{3}\d{1,2})::/) }], // hnd1::fs8k9-1679151302268-…
  statusPage: { url: 'https://www.vercel-status.com', kind: 'statuspage' },
});
