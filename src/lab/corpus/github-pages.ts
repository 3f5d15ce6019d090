// GitHub Pages: the page for a host no site is bound to, and its Fastly front's synthetic page without Fastly's headers.

import type { CorpusEntry } from './types.js';

const PAGES_404 = 'https://docs.github.com/en/pages/getting-started-with-github-pages/troubleshooting-404-errors-for-github-pages-sites';
const FASTLY_COMMON_503 = 'https://docs.fastly.com/en/guides/common-503-errors';
const HEADERS = { server: 'GitHub.com', 'x-github-request-id': 'A1B2:3C4D:5E6F:7A8B:0000000', 'content-type': 'text/html; charset=utf-8' };

export const GITHUB_PAGES_CORPUS: CorpusEntry[] = [
  { id: 'github-pages/healthy', provider: 'github-pages', source: PAGES_404, respond: () => ({ status: 200, headers: HEADERS, body: '<h1>Project docs</h1>' }), expect: { outcome: 'ok', layer: null, provider: null, explains: null } },
  { id: 'github-pages/no-site', provider: 'github-pages', source: PAGES_404, respond: () => ({ status: 404, headers: HEADERS, body: "<html><head><title>Site not found &middot; GitHub Pages</title></head><body><h1>404</h1><p><strong>There isn't a GitHub Pages site here.</strong></p></body></html>" }), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: 'GitHub Pages has no site for this host name' } },
  { id: 'github-pages/synthetic-503', provider: 'github-pages', source: FASTLY_COMMON_503, respond: () => ({ status: 503, headers: HEADERS, body: '<html><head><title>503 Service Unavailable</title></head><body><h1>Error 503 Service Unavailable</h1><p>Service Unavailable</p><h3>Guru Mediation:</h3><p>Details: cache-fra-eddf8230123-FRA 1763000000 1234567</p><hr><p>Varnish cache server</p></body></html>' }), expect: { outcome: 'http-error', layer: 'unknown', provider: 'GitHub Pages', explains: "GitHub Pages' servers or the front" } },
  { id: 'github-pages/500', provider: 'github-pages', source: PAGES_404, respond: () => ({ status: 500, headers: HEADERS, body: 'Internal error' }), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: 'a 5xx from GitHub Pages' } },
];
