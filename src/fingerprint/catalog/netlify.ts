// Netlify: static / serverless hosting. Facts: providers.md §7. Netlify's default 404 sentence is
// copied into many apps, so it is not a marker; only the unbound-host page is.

import { provider } from './define.js';
import { ANY_5XX } from './statuses.js';

const UNBOUND_HOSTS = 'https://github.com/EdOverflow/can-i-take-over-xyz';
const NETLIFY_DOCS = 'https://docs.netlify.com/';

export const netlify = provider({
  id: 'netlify',
  name: 'Netlify',
  roles: ['edge', 'origin'],
  headers: [
    { header: 'server', pattern: '^Netlify', weight: 'strong' },
    { header: 'x-nf-request-id', weight: 'strong' },
  ],
  errors: [
    { status: [404], bodyAny: ['Not Found - Request ID:'], layer: 'site', says: 'Netlify has no site for this host name (domain not configured)', source: UNBOUND_HOSTS },
    { status: ANY_5XX, layer: 'site', says: "the site's own 5xx, served by Netlify", source: NETLIFY_DOCS },
  ],
  challengeMarkers: [],
  cnameSuffixes: ['netlify.app', 'netlify.com'], // apex ALIAS: apex-loadbalancer.netlify.com
  nsSuffixes: [], // Netlify DNS runs on NS1 (see the ns1 provider)
  rangeSets: ['netlify'],
  statusPage: { url: 'https://www.netlifystatus.com', kind: 'statuspage' },
});
