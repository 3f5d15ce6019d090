// Netlify: the page for a host it serves no site for, and a site's own 5xx.

import type { CorpusEntry } from './types.js';

const UNBOUND_HOSTS = 'https://github.com/EdOverflow/can-i-take-over-xyz';
const NETLIFY_DOCS = 'https://docs.netlify.com/';
const HEADERS = { server: 'Netlify', 'x-nf-request-id': '01JD0000000000000000000000', 'content-type': 'text/plain; charset=utf-8' };

export const NETLIFY_CORPUS: CorpusEntry[] = [
  { id: 'netlify/healthy', provider: 'netlify', source: NETLIFY_DOCS, respond: () => ({ status: 200, headers: { ...HEADERS, 'content-type': 'text/html' }, body: '<html><body><h1>Docs</h1></body></html>' }), expect: { outcome: 'ok', layer: null, provider: null, explains: null } },
  { id: 'netlify/no-site', provider: 'netlify', source: UNBOUND_HOSTS, respond: () => ({ status: 404, headers: HEADERS, body: 'Not Found - Request ID: 01JD0000000000000000000000' }), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: 'Netlify has no site for this host name' } },
  { id: 'netlify/function-500', provider: 'netlify', source: NETLIFY_DOCS, respond: () => ({ status: 502, headers: HEADERS, body: 'function crashed' }), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: "the site's own 5xx, served by Netlify" } },
];
