// Fastly's edge: `via: 1.1 varnish`, `x-served-by: cache-<pop><node>-<POP>`, `x-cache`, `x-timer`; its errors are
// synthetic 503s whose reason (e.g. "first byte timeout") names the cause, on the Varnish "Guru Mediation" page
// with `Details: cache-<pop>…` (providers.md §3). A well-formed origin error passes through unchanged.
// Its "edge error" is the generic synthetic 503 ("Service Unavailable"): what a failing Fastly edge shows, and,
// as Fastly documents, indistinguishable from an origin sending a broken status line (the catalog reads it
// `unknown`). The corpus (lab/corpus/fastly.ts) serves every documented reason through fastlySynthetic.

import { escapeHtml, httpDate, popOf, randomHex, type EdgePersonality, type EdgeRequest, type LabResponse, type Pop } from './types.js';

const POPS: readonly Pop[] = [
  { code: 'FRA', city: 'Frankfurt', country: 'DE' },
  { code: 'IAD', city: 'Ashburn', country: 'US' },
  { code: 'LCY', city: 'London', country: 'GB' },
  { code: 'SEA', city: 'Seattle', country: 'US' },
  { code: 'NRT', city: 'Tokyo', country: 'JP' },
];

/** The cache node that answered, e.g. cache-fra19131-FRA: stable per edge address. */
function cacheNode(req: EdgeRequest): string {
  const pop = popOf(POPS, req).code;
  return `cache-${pop.toLowerCase()}${19_120 + req.edgeIndex * 7}-${pop}`;
}

function timer(now: Date): string {
  return `S${(now.getTime() / 1000).toFixed(6)},VS0,VE${1 + (now.getTime() % 40)}`;
}

/** The headers Fastly's edge puts on everything it sends. */
export function fastlyHeaders(req: EdgeRequest): Record<string, string> {
  return {
    date: httpDate(req.now),
    via: '1.1 varnish',
    'accept-ranges': 'bytes',
    age: '0',
    'x-served-by': cacheNode(req),
    'x-cache': 'MISS',
    'x-cache-hits': '0',
    'x-timer': timer(req.now),
    'x-fastly-request-id': randomHex(20),
  };
}

/** Fastly's default synthetic error: obj.status is always 503, obj.response says why. */
export function fastlySynthetic(req: EdgeRequest, reason: string): LabResponse {
  const seconds = Math.floor(req.now.getTime() / 1000);
  const xid = parseInt(randomHex(4), 16);
  const body = `<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN"
 "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html>
  <head>
    <title>503 ${escapeHtml(reason)}</title>
  </head>
  <body>
    <h1>Error 503 ${escapeHtml(reason)}</h1>
    <p>${escapeHtml(reason)}</p>
    <h3>Guru Mediation:</h3>
    <p>Details: ${cacheNode(req)} ${seconds} ${xid}</p>
    <hr>
    <p>Varnish cache server</p>
  </body>
</html>
`;
  return {
    status: 503,
    headers: { ...fastlyHeaders(req), server: 'Varnish', 'retry-after': '0', 'content-type': 'text/html; charset=utf-8' },
    body,
  };
}

export const fastly: EdgePersonality = {
  id: 'fastly',
  name: 'Fastly',
  zones: ['fastly.net'],
  // Customers point at a per-service map name, e.g. dualstack.reddit.map.fastly.net.
  cnameChain: (host) => [`dualstack.${host.split('.').slice(0, -1).join('-')}.map.fastly.net`],
  pops: POPS.map((p) => p.code),

  relay(req, origin) {
    const { date: _date, ...originHeaders } = origin.headers;
    return { status: origin.status, headers: { ...originHeaders, ...fastlyHeaders(req) }, body: origin.body };
  },
  edgeError: (req) => fastlySynthetic(req, 'Service Unavailable'),
  originUnreachable: (req, trouble) => fastlySynthetic(req, trouble === 'refused' ? 'Backend is unhealthy' : 'first byte timeout'),
  unknownHost(req) {
    return {
      status: 500,
      headers: { ...fastlyHeaders(req), 'content-type': 'text/plain; charset=utf-8' },
      body: `Fastly error: unknown domain: ${req.host}. Please check that this domain has been added to a service.\n\nDetails: ${cacheNode(req)}\n`,
    };
  },
};

