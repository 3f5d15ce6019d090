// Imperva: its block page (403, an Incapsula incident ID) and its branded 5xx, which names no cause.

import type { CorpusEntry } from './types.js';

const WAFW00F = 'https://github.com/EnableSecurity/wafw00f/blob/master/wafw00f/plugins/incapsula.py';
const HEADERS = { 'x-iinfo': '10-12345678-0 0NNN RT(1763000000000 0) q(0 -1 -1 -1) r(0 -1)', 'x-cdn': 'Imperva', 'content-type': 'text/html' };

export const IMPERVA_CORPUS: CorpusEntry[] = [
  { id: 'imperva/healthy', provider: 'imperva', source: WAFW00F, respond: () => ({ status: 200, headers: { ...HEADERS, 'set-cookie': 'visid_incap_123=abc; path=/' }, body: '<h1>Shop</h1>' }), expect: { outcome: 'ok', layer: null, provider: null, explains: null } },
  { id: 'imperva/blocked', provider: 'imperva', source: WAFW00F, respond: () => ({ status: 403, headers: HEADERS, body: '<html><head><title>Request Rejected</title></head><body>Request unsuccessful. Incapsula incident ID: 0000000000000000000-000000000000000000</body></html>' }), expect: { outcome: 'challenge', layer: 'challenge', provider: 'Imperva', explains: 'Imperva blocked the request' } },
  { id: 'imperva/branded-5xx', provider: 'imperva', source: WAFW00F, respond: () => ({ status: 503, headers: HEADERS, body: '<html><body><h1>Service unavailable</h1><iframe src="/_Incapsula_Resource?CWUDNSAI=1"></iframe> Powered by Incapsula</body></html>' }), expect: { outcome: 'http-error', layer: 'unknown', provider: 'Imperva', explains: 'without a documented cause' } },
  { id: 'imperva/origin-500-passed-through', provider: 'imperva', source: WAFW00F, respond: () => ({ status: 500, headers: HEADERS, body: 'origin stack trace' }), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: 'passed through Imperva unchanged' } },
];
