// GitHub Pages: static hosting served through Fastly (its Fastly headers pass through). providers.md §7.

import { provider } from './define.js';
import { ANY_5XX } from './statuses.js';

const PAGES_404 = 'https://docs.github.com/en/pages/getting-started-with-github-pages/troubleshooting-404-errors-for-github-pages-sites';
const FASTLY_COMMON_503 = 'https://docs.fastly.com/en/guides/common-503-errors';

export const githubPages = provider({
  id: 'github-pages',
  name: 'GitHub Pages',
  roles: ['origin'],
  headers: [
    { header: 'server', pattern: '^GitHub\\.com$', weight: 'strong' },
    { header: 'x-github-request-id', weight: 'weak' },
  ],
  errors: [
    { status: [404], bodyAny: ["There isn't a GitHub Pages site here."], layer: 'site', says: 'GitHub Pages has no site for this host name (custom domain not bound)', source: PAGES_404 },
    // Read by the Fastly rules first when Fastly's headers are on it; here only without them.
    { status: ANY_5XX, bodyAny: ['Guru Mediation', 'Varnish cache server'], layer: 'unknown', says: "the Fastly front of GitHub Pages generated this 5xx itself without a cause it documents: GitHub Pages' servers or the front", source: FASTLY_COMMON_503 },
    { status: ANY_5XX, layer: 'site', says: 'a 5xx from GitHub Pages', source: PAGES_404 },
  ],
  challengeMarkers: [],
  cnameSuffixes: ['github.io'],
  nsSuffixes: [],
  rangeSets: ['github-pages'],
  statusPage: { url: 'https://www.githubstatus.com', kind: 'statuspage' },
});
