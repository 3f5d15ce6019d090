// Fly.io: application hosting behind the Fly proxy. providers.md §7. Fly's proxy error codes
// (PUxx, PPxx) appear in the customer's logs, not in responses (https://fly.io/docs/reference/error-codes/),
// so no edge rule is possible here.

import { provider } from './define.js';
import { ANY_5XX } from './statuses.js';

export const fly = provider({
  id: 'fly',
  name: 'Fly.io',
  roles: ['edge', 'origin'],
  headers: [
    { header: 'server', pattern: '^Fly/', weight: 'strong' },
    { header: 'fly-request-id', weight: 'strong' },
    { header: 'via', pattern: '\\bfly\\.io\\b', weight: 'weak' },
  ],
  errors: [{ status: ANY_5XX, layer: 'site', says: "the app's own 5xx, served by Fly.io", source: 'https://fly.io/docs/reference/error-codes/' }],
  challengeMarkers: [],
  cnameSuffixes: ['fly.dev'],
  nsSuffixes: [],
  rangeSets: [],
  statusPage: { url: 'https://status.flyio.net', kind: 'statuspage' },
});
