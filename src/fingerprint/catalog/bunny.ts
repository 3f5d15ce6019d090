// Bunny CDN. providers.md §8; origin-error meanings from Bunny's cdn-origin-errors docs.

import { firstGroup, provider } from './define.js';
import { ANY_5XX } from './statuses.js';

const BUNNY_SERVER = { name: 'server', pattern: '^BunnyCDN-' }; // BunnyCDN-{PoP}-{ServerID}

const ORIGIN_ERRORS = 'https://docs.bunny.net/docs/cdn-origin-errors';

export const bunny = provider({
  id: 'bunny',
  name: 'Bunny CDN',
  roles: ['edge'],
  headers: [
    { header: 'server', pattern: '^BunnyCDN', weight: 'strong' },
    { header: 'cdn-pullzone', weight: 'strong' },
    { header: 'cdn-requestid', weight: 'strong' },
  ],
  errors: [
    { status: [502, 504], header: BUNNY_SERVER, layer: 'origin', says: 'Bunny CDN answered 502/504 itself: the edge is up, the origin could not be resolved, reached or timed out', source: ORIGIN_ERRORS },
    { status: [508], header: BUNNY_SERVER, layer: 'site', says: 'Bunny CDN detected a request loop (508): the pull zone points back at itself', source: ORIGIN_ERRORS },
    { status: ANY_5XX, layer: 'site', says: "the origin's own 5xx, passed through Bunny CDN", source: ORIGIN_ERRORS },
  ],
  challengeMarkers: [],
  cnameSuffixes: ['b-cdn.net'],
  nsSuffixes: [],
  rangeSets: ['bunny', 'bunny-ipv6'],
  popHeaders: [{ header: 'server', read: firstGroup(/^BunnyCDN-([A-Za-z0-9]{1,8})-\d+$/) }], // BunnyCDN-DE1-123
  statusPage: { url: 'https://status.bunny.net', kind: 'statuspage' },
});
