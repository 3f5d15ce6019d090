// Akamai's edge: healthy answers keep the origin's headers and add `akamai-grn` and `server-timing: ak_p`;
// pages Akamai generates itself come from `server: AkamaiGHost` with a "Reference #<cause>.<hex>.<epoch>.<hex>"
// line, HTML-entity-encoded as the real ones are (providers.md §2). The reference prefix names the cause:
// 6 connect failed, 97 connect timeout (origin side), 9 no configuration for the host.

import { httpDate, popFor, randomHex, stableToken, type EdgePersonality, type EdgeRequest, type LabResponse } from './types.js';

/** The edge machine's own address, as it appears in GRNs (hex of an address inside Akamai's network). */
const GHOSTS = ['17d3a8c2', '5f2c4a17', '3ad41c09', '6012bb4e'] as const;

/** Characters Akamai writes as numeric entities in its error pages. */
function entities(text: string): string {
  return text.replace(/[ #.:/\[\]]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function reference(req: EdgeRequest, cause: number): string {
  return `${cause}.${popFor(GHOSTS, req.edgeIndex)}.${Math.floor(req.now.getTime() / 1000)}.${randomHex(4)}`;
}

function grn(req: EdgeRequest): string {
  return `0.${popFor(GHOSTS, req.edgeIndex)}.${Math.floor(req.now.getTime() / 1000)}.${randomHex(4)}`;
}

/** Headers on pages the edge generates itself. */
export function ghostHeaders(req: EdgeRequest): Record<string, string> {
  return {
    server: 'AkamaiGHost',
    'mime-version': '1.0',
    'content-type': 'text/html',
    expires: httpDate(req.now),
    'cache-control': 'max-age=0, no-cache, no-store',
    pragma: 'no-cache',
    date: httpDate(req.now),
    'akamai-grn': grn(req),
  };
}

/** Akamai's generic error template with a "Reference #<cause>.…" line, entity-encoded. */
export function akamaiErrorPage(req: EdgeRequest, status: number, cause: number): LabResponse {
  const ref = reference(req, cause);
  const body = `<HTML><HEAD><TITLE>Error</TITLE></HEAD><BODY>
An error occurred while processing your request.<p>
${entities(`Reference #${ref}`)}
<P>${entities(`https://errors.edgesuite.net/${ref}`)}</P>
</BODY></HTML>
`;
  return { status, headers: ghostHeaders(req), body };
}

/** The "Access Denied" page of a WAF / bot / access rule: 403 with Reference #18 (ACCESS_DENIED). */
export function akamaiAccessDenied(req: EdgeRequest, headers: Record<string, string> = ghostHeaders(req)): LabResponse {
  const ref = reference(req, 18);
  const url = `https://${req.host}${req.path}`;
  const body = `<HTML><HEAD>
<TITLE>Access Denied</TITLE>
</HEAD><BODY>
<H1>Access Denied</H1>

You don't have permission to access "${entities(url)}" on this server.<P>
${entities(`Reference #${ref}`)}
<P>${entities(`https://errors.edgesuite.net/${ref}`)}</P>
</BODY>
</HTML>
`;
  return { status: 403, headers, body };
}

/** server-timing as Akamai's edge adds it to what it relays: cache status, edge and origin time, and ak_p. */
export function akamaiServerTiming(req: EdgeRequest, withAkP = true): string {
  const ms = 1 + (req.now.getTime() % 30);
  const akP = `, ak_p; desc="${req.now.getTime()}_${parseInt(popFor(GHOSTS, req.edgeIndex), 16)}_${parseInt(randomHex(4), 16)}_${ms + 20}_${ms}_0_0_-";dur=1`;
  return `cdn-cache; desc=MISS, edge; dur=${ms}, origin; dur=${ms + 20}${withAkP ? akP : ''}`;
}

export const akamai: EdgePersonality = {
  id: 'akamai',
  name: 'Akamai',
  zones: ['edgekey.net', 'akamaiedge.net'],
  cnameChain: (host) => [`${host}.edgekey.net`, `e${1000 + (parseInt(stableToken(host, 4, '0123456789'), 10) % 9000)}.a.akamaiedge.net`],

  relay(req, origin) {
    return {
      status: origin.status,
      headers: { ...origin.headers, date: httpDate(req.now), 'akamai-grn': grn(req), 'server-timing': akamaiServerTiming(req) },
      body: origin.body,
    };
  },
  // No public prefix names a fault inside the edge itself; 9 is the one that does not blame the origin.
  edgeError: (req) => akamaiErrorPage(req, 503, 9),
  originUnreachable: (req, trouble) => akamaiErrorPage(req, 503, trouble === 'refused' ? 6 : 97),
  unknownHost(req) {
    const ref = reference(req, 9);
    return {
      status: 400,
      headers: ghostHeaders(req),
      body: `<HTML><HEAD>
<TITLE>Invalid URL</TITLE>
</HEAD><BODY>
<H1>Invalid URL</H1>
The requested URL "${entities('[no URL]')}", is invalid.<p>
${entities(`Reference #${ref}`)}
</BODY></HTML>
`,
    };
  },
};
