// Gcore: no documented page of its own; a 5xx through it reads as the origin's.

import type { CorpusEntry } from './types.js';

const HEADERS = { 'x-id': 'fr5-up-e1-gc31', 'x-id-fe': 'fr5-up-e1-gc31', 'content-type': 'text/html' };

export const GCORE_CORPUS: CorpusEntry[] = [
  { id: 'gcore/healthy', provider: 'gcore', source: 'https://gcore.com/docs/cdn', respond: () => ({ status: 200, headers: HEADERS, body: '<h1>Game</h1>' }), expect: { outcome: 'ok', layer: null, provider: null, explains: null } },
  { id: 'gcore/origin-503-passed-through', provider: 'gcore', source: 'https://gcore.com/docs/cdn', respond: () => ({ status: 503, headers: HEADERS, body: 'maintenance' }), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: 'passed through Gcore' } },
];
