// GitHub Pages: static hosting served through Fastly (its Fastly headers pass through). providers.md §7.

import { provider } from './define.js';
import { ANY_5XX } from './statuses.js';

export const githubPages = provider({
  id: 'github-pages',
  name: 'GitHub Pages',
  roles: ['origin'],
  headers: [
    { header: 'server', pattern: '^GitHub\\.com$', weight: 'strong' },
    { header: 'x-github-request-id', weight: 'weak' },
  ],
  errors: [
    { status: [404], bodyAny: ["There isn't a GitHub Pages site here."], layer: 'site', says: 'GitHub Pages has no site for this host name (custom domain not bound)' },
    { status: ANY_5XX, bodyAny: ['Guru Mediation', 'Varnish cache server'], layer: 'edge', says: 'the Fastly front of GitHub Pages generated this 5xx itself: a platform failure' },
    { status: ANY_5XX, layer: 'site', says: 'a 5xx from GitHub Pages' },
  ],
  challengeMarkers: [],
  cnameSuffixes: ['github.io'],
  nsSuffixes: [],
  rangeSets: ['github-pages'],
  statusPage: { url: 'https://www.githubstatus.com', kind: 'statuspage' },
});
