// Vercel: its Firewall's challenge and Security Checkpoint, and one code from each documented x-vercel-error family.

import { originPage } from '../personalities/origin.js';
import type { EdgeRequest, LabResponse } from '../personalities/types.js';
import type { Layer } from '../../model.js';
import type { CorpusEntry } from './types.js';

const ERRORS = 'https://vercel.com/docs/errors';
const FIREWALL = 'https://vercel.com/docs/vercel-firewall';

function vercelHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { server: 'Vercel', 'x-vercel-id': 'fra1::iad1::8k9fs-1763000000000-0a1b2c3d4e5f', 'content-type': 'text/plain; charset=utf-8', ...extra };
}

/** Vercel's error page: the status line, "Code: <CODE>" and "ID: <x-vercel-id>". */
function errorPage(status: number, code: string, withHeader = true): LabResponse {
  const headers = vercelHeaders(withHeader ? { 'x-vercel-error': code } : {});
  return { status, headers, body: `${status}: ${code.replace(/_/g, ' ')}\nCode: ${code}\nID: ${headers['x-vercel-id']}\n` };
}

function coded(status: number, code: string, layer: Layer, explains: string): CorpusEntry {
  return {
    id: `vercel/${code.toLowerCase().replace(/_/g, '-')}`,
    provider: 'vercel',
    source: ERRORS,
    respond: () => errorPage(status, code),
    expect: { outcome: 'http-error', layer, provider: layer === 'site' ? null : 'Vercel', explains },
  };
}

const healthy = (req: EdgeRequest): LabResponse => {
  const page = originPage(req.host, 'App', req.now);
  return { ...page, headers: { ...page.headers, ...vercelHeaders({ 'x-vercel-cache': 'HIT', 'content-type': 'text/html; charset=utf-8' }) } };
};

export const VERCEL_CORPUS: CorpusEntry[] = [
  { id: 'vercel/healthy', provider: 'vercel', source: ERRORS, respond: healthy, expect: { outcome: 'ok', layer: null, provider: null, explains: null } },
  { id: 'vercel/firewall-challenge', provider: 'vercel', source: FIREWALL, respond: () => ({ status: 429, headers: vercelHeaders({ 'x-vercel-mitigated': 'challenge' }), body: '' }), expect: { outcome: 'challenge', layer: 'challenge', provider: 'Vercel', explains: 'x-vercel-mitigated' } },
  // providers.md: x-vercel-mitigated is challenge or deny, with 403 or 429.
  { id: 'vercel/firewall-deny', provider: 'vercel', source: FIREWALL, respond: () => ({ status: 403, headers: vercelHeaders({ 'x-vercel-mitigated': 'deny' }), body: '' }), expect: { outcome: 'challenge', layer: 'challenge', provider: 'Vercel', explains: 'x-vercel-mitigated: deny' } },
  { id: 'vercel/security-checkpoint', provider: 'vercel', source: FIREWALL, respond: () => ({ status: 403, headers: vercelHeaders({ 'content-type': 'text/html; charset=utf-8' }), body: '<!DOCTYPE html><html><head><title>Vercel Security Checkpoint</title></head><body><p>We\'re verifying your browser</p></body></html>' }), expect: { outcome: 'challenge', layer: 'challenge', provider: 'Vercel', explains: 'Security Checkpoint' } },
  coded(500, 'INTERNAL_FUNCTION_INVOCATION_FAILED', 'edge', 'Vercel reported an INTERNAL_* error'),
  coded(502, 'ROUTER_EXTERNAL_TARGET_CONNECTION_ERROR', 'origin', 'external origin a rewrite sends this path to'),
  coded(500, 'FUNCTION_INVOCATION_FAILED', 'site', 'function or middleware error'),
  coded(504, 'EDGE_FUNCTION_INVOCATION_TIMEOUT', 'site', 'function or middleware error'),
  coded(502, 'NO_RESPONSE_FROM_FUNCTION', 'site', 'function or middleware error'),
  coded(404, 'DEPLOYMENT_NOT_FOUND', 'site', 'deployment / routing error'),
  coded(503, 'DEPLOYMENT_PAUSED', 'site', 'deployment / routing error'),
  coded(502, 'DNS_HOSTNAME_RESOLVE_FAILED', 'site', 'deployment / routing error'),
  coded(414, 'URL_TOO_LONG', 'site', 'rejected the request itself'),
  coded(503, 'SOMETHING_NEW_FAILED', 'unknown', '(the page says "SOMETHING_NEW_FAILED")'),
  // The platform's code on the page, with the header dropped by a proxy in front.
  { id: 'vercel/internal-code-on-page', provider: 'vercel', source: ERRORS, respond: () => errorPage(500, 'INTERNAL_UNEXPECTED_ERROR', false), expect: { outcome: 'http-error', layer: 'edge', provider: 'Vercel', explains: 'Vercel reported an INTERNAL_* error' } },
  { id: 'vercel/app-500', provider: 'vercel', source: ERRORS, respond: () => ({ status: 500, headers: vercelHeaders(), body: 'Internal Server Error (from the app)' }), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: "the site's own 5xx, served by Vercel" } },
];
