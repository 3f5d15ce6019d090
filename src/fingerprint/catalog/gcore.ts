// Gcore CDN. providers.md §8; IP lists from https://gcore.com/docs/api-reference/cdn.

import { provider } from './define.js';
import { ANY_5XX } from './statuses.js';

export const gcore = provider({
  id: 'gcore',
  name: 'Gcore',
  roles: ['edge'],
  headers: [
    { header: 'x-id', pattern: '-gc\\d+$', weight: 'strong' },
    { header: 'x-id-fe', pattern: '-gc\\d+$', weight: 'strong' },
  ],
  // Gcore documents no page of its own for edge or origin failures: a 5xx is read as passed through.
  errors: [{ status: ANY_5XX, layer: 'site', says: "the origin's own 5xx, passed through Gcore", source: 'https://gcore.com/docs/cdn' }],
  challengeMarkers: [],
  cnameSuffixes: ['gcdn.co'],
  nsSuffixes: [],
  rangeSets: ['gcore'],
});
