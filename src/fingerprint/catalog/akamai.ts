// Akamai: CDN edge (AkamaiGHost), Bot Manager / WAF, Edge DNS. Facts: providers.md §2.
// Error pages are HTML-entity encoded ("Reference&#32;&#35;18&#46;…"); markers below are matched after
// decoding. Every page Akamai generates carries "Reference #<cause>.<hex>.<epoch>.<hex>" (its Error
// Translator decodes the whole string); the first field names the cause. Akamai publishes the cause names as
// its simulateErrorCode values (ERR_ACCESS_DENIED, ERR_CONNECT_FAIL …); which number carries which name is an
// unofficial decode (REFERENCE_DECODE below), so a number outside it is read as `unknown`, never as the edge.

import type { ErrorRule } from '../types.js';
import { provider } from './define.js';
import { ANY_5XX } from './statuses.js';

const ERROR_TRANSLATOR = 'https://techdocs.akamai.com/application-security/reference/get-error-translator-lookup';
const REFERENCE_DECODE = 'https://gist.github.com/chrisvanpatten/dc02f0d5727369801dc7e9e6fded1837';
/** `server: AkamaiGHost` on the responses Akamai's edge generates itself (providers.md §2, wafw00f's Akamai plugin). */
const GHOST_SERVER = 'https://github.com/EnableSecurity/wafw00f/blob/master/wafw00f/plugins/kona.py';

/** "Reference #6." — the dot keeps #1 from matching #18 or #15. */
function reference(prefix: number): string {
  return `Reference #${prefix}.`;
}

/** Any reference; the first group ("Reference #42") is quoted when its cause is not in the list. */
const ANY_REFERENCE = String.raw`(Reference #\d{1,3})\.[0-9a-f]{4,}\.`;

function originReference(prefix: number, code: string, what: string): ErrorRule {
  return { bodyAny: [reference(prefix)], layer: 'origin', says: `Akamai error Reference #${prefix} (${code}): the edge is up, ${what}`, source: REFERENCE_DECODE };
}

const errors: ErrorRule[] = [
  { bodyAny: [reference(18)], layer: 'challenge', challenge: 'blocked', says: "Akamai denied access (Reference #18, ACCESS_DENIED): a WAF, bot or access rule, normally the site's own", source: REFERENCE_DECODE },
  { bodyAny: [reference(24)], layer: 'challenge', challenge: 'blocked', says: "Akamai denied access (Reference #24, REFERER_DENIED): the site's referer rule", source: REFERENCE_DECODE },
  originReference(1, 'READ_TIMEOUT', 'the origin did not answer in time'),
  originReference(3, 'READ_ERROR', 'reading from the origin failed'),
  originReference(4, 'WRITE_ERROR', 'sending to the origin failed'),
  originReference(6, 'CONNECT_FAIL', 'the origin refused or reset the connection'),
  originReference(11, 'DNS_FAIL', "the origin's host name does not resolve"),
  originReference(15, 'ZERO_SIZE_OBJECT', 'the origin sent an empty response'),
  originReference(30, 'FWD_SSL_HANDSHAKE', 'the TLS handshake with the origin failed'),
  originReference(97, 'CONNECT_TIMEOUT', 'connecting to the origin timed out'),
  { bodyAny: [reference(9), '<TITLE>Invalid URL</TITLE>'], layer: 'site', says: 'Akamai answered "Invalid URL" (Reference #9): no Akamai configuration for this host name', source: REFERENCE_DECODE },
  // Reference #27 (CLIENT_ABORT) is the client hanging up: never an answer a client receives, so no rule.
  { bodyPattern: ANY_REFERENCE, quote: ANY_REFERENCE, layer: 'unknown', says: 'Akamai generated this page with an error reference whose cause is not in the decoded list: cannot tell its edge from the origin (Akamai\'s Error Translator decodes the full reference)', source: ERROR_TRANSLATOR },
  { status: ANY_5XX, header: { name: 'server', pattern: '^AkamaiGHost' }, layer: 'unknown', says: 'Akamai (AkamaiGHost) generated this 5xx itself without an error reference: the cause is not named, edge or origin', source: GHOST_SERVER },
  { status: ANY_5XX, layer: 'site', says: "the origin's own 5xx, passed through Akamai unchanged", source: GHOST_SERVER },
];

export const akamai = provider({
  id: 'akamai',
  name: 'Akamai',
  roles: ['authoritative-dns', 'edge', 'challenge'],
  headers: [
    { header: 'server', pattern: '^AkamaiGHost', weight: 'strong' }, // on Akamai-generated responses
    { header: 'akamai-grn', weight: 'strong' },
    { header: 'x-akamai-transformed', weight: 'strong' },
    { header: 'x-akamai-request-id', weight: 'strong' },
    { header: 'x-cache', pattern: 'AkamaiGHost|akamaitechnologies', weight: 'strong' }, // with Pragma debug on
    { header: 'server-timing', pattern: '\\bak_p\\b', weight: 'strong' },
    { header: 'set-cookie', pattern: '(?:^|[\\s,;])(?:_abck|ak_bmsc|bm_sz|bm_sv|akacd_[^=]*)=', weight: 'weak' },
    { header: 'x-cache', pattern: '^TCP_', weight: 'weak' }, // Azure uses the same vocabulary
  ],
  errors,
  challengeMarkers: [reference(18)],
  cnameSuffixes: [
    'edgekey.net', 'akamaiedge.net', 'edgesuite.net', 'akamai.net', 'akamaized.net', 'akamaihd.net',
    'srip.net', 'edgekey-staging.net', 'edgesuite-staging.net', 'akadns.net',
  ],
  nsSuffixes: ['akam.net'], // Edge DNS (verify)
  // The blocks of its documented Origin IP ACL: Akamai-owned space its edges answer from too. Akamai servers
  // inside ISP networks are in none of them, so an address outside them is no evidence against Akamai.
  rangeSets: ['akamai'],
  statusPage: { url: 'https://www.akamaistatus.com', kind: 'statuspage' },
});
