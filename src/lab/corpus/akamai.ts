// Akamai's generated pages: each "Reference #<cause>" the decode names, the Access Denied block (also without
// Akamai's own headers, on a site whose CNAME chain points at Akamai), Invalid URL, and pages outside the list.

import type { Layer } from '../../model.js';
import { akamai, akamaiAccessDenied, akamaiErrorPage, akamaiServerTiming, ghostHeaders } from '../personalities/akamai.js';
import { originErrorPage, originPage } from '../personalities/origin.js';
import type { CorpusEntry } from './types.js';

const REFERENCE_DECODE = 'https://gist.github.com/chrisvanpatten/dc02f0d5727369801dc7e9e6fded1837';
const ERROR_TRANSLATOR = 'https://techdocs.akamai.com/application-security/reference/get-error-translator-lookup';
const GHOST_SERVER = 'https://github.com/EnableSecurity/wafw00f/blob/master/wafw00f/plugins/kona.py';

function ref(cause: number, code: string, status: number, layer: Layer): CorpusEntry {
  return {
    id: `akamai/reference-${cause}`,
    provider: 'akamai',
    source: REFERENCE_DECODE,
    respond: (req) => akamaiErrorPage(req, status, cause),
    expect: { outcome: 'http-error', layer, provider: layer === 'site' ? null : 'Akamai', explains: `Reference #${cause} (${code})` },
  };
}

export const AKAMAI_CORPUS: CorpusEntry[] = [
  { id: 'akamai/healthy', provider: 'akamai', source: GHOST_SERVER, respond: (req) => akamai.relay(req, originPage(req.host, 'Store', req.now)), expect: { outcome: 'ok', layer: null, provider: null, explains: null } },
  {
    id: 'akamai/access-denied',
    provider: 'akamai',
    source: REFERENCE_DECODE,
    respond: (req) => akamaiAccessDenied(req),
    expect: { outcome: 'challenge', layer: 'challenge', provider: 'Akamai', explains: 'Akamai denied access (Reference #18, ACCESS_DENIED)' },
  },
  // The same block with none of Akamai's identifying headers, only the cache / edge timings: read by Akamai's
  // vocabulary because the site's CNAME chain points at Akamai, and the explanation says so.
  {
    id: 'akamai/access-denied-without-akamai-headers',
    provider: 'akamai',
    source: REFERENCE_DECODE,
    knownEdge: { provider: 'akamai', evidence: 'CNAME www.store.test.edgekey.net' },
    respond: (req) => akamaiAccessDenied(req, { 'content-type': 'text/html', 'server-timing': akamaiServerTiming(req, false) }),
    expect: { outcome: 'challenge', layer: 'challenge', provider: 'Akamai', explains: "— no Akamai header on this response; the site's CNAME chain points at Akamai (www.store.test.edgekey.net)" },
  },
  {
    id: 'akamai/referer-denied',
    provider: 'akamai',
    source: REFERENCE_DECODE,
    respond: (req) => ({ ...akamaiAccessDenied(req), body: akamaiAccessDenied(req).body.replace('&#35;18&#46;', '&#35;24&#46;') }),
    expect: { outcome: 'challenge', layer: 'challenge', provider: 'Akamai', explains: 'Reference #24, REFERER_DENIED' },
  },
  ref(1, 'READ_TIMEOUT', 504, 'origin'),
  ref(3, 'READ_ERROR', 502, 'origin'),
  ref(4, 'WRITE_ERROR', 502, 'origin'),
  // The lab's "origin refused" and "origin timed out" answers.
  { id: 'akamai/reference-6', provider: 'akamai', source: REFERENCE_DECODE, respond: (req) => akamai.originUnreachable(req, 'refused'), expect: { outcome: 'http-error', layer: 'origin', provider: 'Akamai', explains: 'Reference #6 (CONNECT_FAIL)' } },
  ref(11, 'DNS_FAIL', 503, 'origin'),
  ref(15, 'ZERO_SIZE_OBJECT', 502, 'origin'),
  ref(30, 'FWD_SSL_HANDSHAKE', 502, 'origin'),
  { id: 'akamai/reference-97', provider: 'akamai', source: REFERENCE_DECODE, respond: (req) => akamai.originUnreachable(req, 'timeout'), expect: { outcome: 'http-error', layer: 'origin', provider: 'Akamai', explains: 'Reference #97 (CONNECT_TIMEOUT)' } },
  { id: 'akamai/invalid-url', provider: 'akamai', source: REFERENCE_DECODE, respond: (req) => akamai.unknownHost(req), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: 'Invalid URL' } },
  // The lab's edge fault: Reference #9 on a 503, the cause the decode ties to configuration, not the origin.
  { id: 'akamai/edge-error', provider: 'akamai', source: REFERENCE_DECODE, respond: (req) => akamai.edgeError(req), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: 'Reference #9' } },
  {
    id: 'akamai/reference-outside-the-list',
    provider: 'akamai',
    source: ERROR_TRANSLATOR,
    respond: (req) => akamaiErrorPage(req, 503, 42),
    expect: { outcome: 'http-error', layer: 'unknown', provider: 'Akamai', explains: 'cannot tell its edge from the origin (Akamai\'s Error Translator decodes the full reference) (the page says "Reference #42")' },
  },
  {
    id: 'akamai/ghost-5xx-without-reference',
    provider: 'akamai',
    source: GHOST_SERVER,
    respond: (req) => ({ status: 503, headers: ghostHeaders(req), body: '<HTML><HEAD><TITLE>Service Unavailable</TITLE></HEAD><BODY>Service Unavailable</BODY></HTML>\n' }),
    expect: { outcome: 'http-error', layer: 'unknown', provider: 'Akamai', explains: 'without an error reference' },
  },
  { id: 'akamai/origin-500-passed-through', provider: 'akamai', source: GHOST_SERVER, respond: (req) => akamai.relay(req, originErrorPage(500, 'Internal Server Error', req.now)), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: 'passed through Akamai unchanged' } },
];
