// Bunny CDN: its own 502/504 when the origin fails, 508 for a loop, and an origin 5xx passed through.

import type { CorpusEntry } from './types.js';

const ORIGIN_ERRORS = 'https://docs.bunny.net/docs/cdn-origin-errors';
const EDGE = { server: 'BunnyCDN-DE1-1070', 'cdn-pullzone': '12345', 'cdn-requestid': '0a1b2c3d4e5f', 'content-type': 'text/html' };

export const BUNNY_CORPUS: CorpusEntry[] = [
  { id: 'bunny/healthy', provider: 'bunny', source: ORIGIN_ERRORS, respond: () => ({ status: 200, headers: EDGE, body: '<h1>Media</h1>' }), expect: { outcome: 'ok', layer: null, provider: null, explains: null } },
  { id: 'bunny/origin-502', provider: 'bunny', source: ORIGIN_ERRORS, respond: () => ({ status: 502, headers: EDGE, body: '' }), expect: { outcome: 'http-error', layer: 'origin', provider: 'Bunny CDN', explains: 'Bunny CDN answered 502/504 itself' } },
  { id: 'bunny/origin-504', provider: 'bunny', source: ORIGIN_ERRORS, respond: () => ({ status: 504, headers: EDGE, body: '' }), expect: { outcome: 'http-error', layer: 'origin', provider: 'Bunny CDN', explains: 'Bunny CDN answered 502/504 itself' } },
  { id: 'bunny/loop-508', provider: 'bunny', source: ORIGIN_ERRORS, respond: () => ({ status: 508, headers: EDGE, body: '' }), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: 'request loop' } },
  // The origin's own 502 relayed: Bunny's pull-zone header on it, the origin's server header.
  { id: 'bunny/origin-502-passed-through', provider: 'bunny', source: ORIGIN_ERRORS, respond: () => ({ status: 502, headers: { ...EDGE, server: 'nginx' }, body: 'bad gateway (upstream app)' }), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: 'passed through Bunny CDN' } },
];
