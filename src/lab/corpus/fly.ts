// Fly.io: its proxy's error codes stay in the app's logs, so a 5xx through it reads as the app's own.

import type { CorpusEntry } from './types.js';

const ERROR_CODES = 'https://fly.io/docs/reference/error-codes/';
const HEADERS = { server: 'Fly/5fbdd4bf4 (2026-11-01)', 'fly-request-id': '01JD00000000000000000000-fra', via: '1.1 fly.io', 'content-type': 'text/html' };

export const FLY_CORPUS: CorpusEntry[] = [
  { id: 'fly/healthy', provider: 'fly', source: ERROR_CODES, respond: () => ({ status: 200, headers: HEADERS, body: '<h1>app</h1>' }), expect: { outcome: 'ok', layer: null, provider: null, explains: null } },
  { id: 'fly/app-502', provider: 'fly', source: ERROR_CODES, respond: () => ({ status: 502, headers: HEADERS, body: '' }), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: "the app's own 5xx, served by Fly.io" } },
];
