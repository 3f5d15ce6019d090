// Cloudflare: reverse proxy, WAF/bot layer (challenges, Turnstile) and authoritative DNS.
// Facts: /work/shared/reference/providers.md §1. The error vocabulary below follows Cloudflare's own pages:
// the 5xx family (who generated which status), the 1xxx family (what each code means) and the challenge and
// block pages; each rule names the page it comes from.

import type { ClientRefusal } from '../../model.js';
import type { ErrorRule, ErrorLayer } from '../types.js';
import { firstGroup, provider } from './define.js';
import { ANY_5XX, ANY_ERROR } from './statuses.js';

const DOCS_5XX = 'https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/';
const DOCS_1XXX = 'https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-1xxx-errors/';
const DOCS_CHALLENGE = 'https://developers.cloudflare.com/cloudflare-challenges/challenge-types/challenge-pages/';
const DOCS_DETECT_CHALLENGE = 'https://developers.cloudflare.com/cloudflare-challenges/challenge-types/challenge-pages/detect-response/';
const DOCS_ERROR_PAGES = 'https://developers.cloudflare.com/rules/custom-errors/reference/error-page-types/';

/**
 * A Cloudflare 1xxx code shown on its error page, in any of its spellings: "error code: 1020"
 * (plain text), `"error_code":1016` (JSON), "Error</span> <span class=\"cf-error-code\">1020" (HTML).
 * Word boundaries keep the code from matching inside a Ray ID (hex, e.g. "8fcb3f8a0cc51020").
 */
function cloudflareCode(codes: number[]): string {
  return String.raw`(?:error|cf-error-code)[\s\S]{0,120}?\b(?:${codes.join('|')})\b`;
}

/** Any 1xxx code in those spellings, its number in the first group (quoted when the code is not in the list). */
const ANY_1XXX_CODE = String.raw`(?:error code:?|error_code"?\s*:|cf-error-code[^>]*>)\s*(1\d{3})\b`;

/** "cloudflare" as a word on the page, not inside a host name such as cdnjs.cloudflare.com. */
const CLOUDFLARE_WORD = String.raw`\bcloudflare(?:-nginx)?\b(?![.-])`;

/** Markers of the branded 5xx/1xxx page (the one with the You / Cloudflare / Host boxes). */
const BRANDED_PAGE = ['cf-error-details', 'cf-wrapper'];

// The challenge page's own markers (the challenge-pages docs; FlareSolverr's detection list, providers.md §1).
// The orchestration script lives under /cdn-cgi/challenge-platform/h/{b|g}/orchestrate/; the JS-Detections
// script under /cdn-cgi/challenge-platform/(h/b/)scripts/jsd/ is on healthy pages too, so it is not a marker.
const CHALLENGE_MARKERS = [
  '<title>Just a moment...</title>',
  'window._cf_chl_opt',
  '/cdn-cgi/challenge-platform/h/b/orchestrate/',
  '/cdn-cgi/challenge-platform/h/g/orchestrate/',
  'cf-turnstile-response',
  'id="cf-challenge-running"',
  'Enable JavaScript and cookies to continue',
];

/** The challenge page in the state where its platform (challenges.cloudflare.com) cannot load: 2025-11-18. */
const CHALLENGE_PLATFORM_FAILING = ['Please unblock challenges.cloudflare.com to proceed'];

/** 520–526 each have their own page under the 5xx docs; 527 (Railgun, retired) only the overview. */
function originStatus(status: number, says: string): ErrorRule {
  return { status: [status], layer: 'origin', says: `Cloudflare answered ${status}: ${says}`, source: status <= 526 ? `${DOCS_5XX}error-${status}/` : DOCS_5XX };
}

/** One documented 1xxx code: what it means and which layer that puts the failure at. */
interface Code1xxx {
  code: number;
  layer: ErrorLayer;
  means: string;
  /** Statuses the code comes with, when the docs tie it to one (1016 and 1033 come on a 530). */
  status?: number[];
  /** A block that names what of the requester it refuses: its rate, or its address, network or country. */
  refuses?: ClientRefusal;
}

const BLOCK = "a block, normally the site's own security rule, not an outage";
const CONFIG = "the site's DNS or Cloudflare configuration";

// Cloudflare's 1xxx list (DOCS_1XXX): 1005–1012, 1015, 1020, 1106 are the site's own policy; 1016 / 1033 are the
// origin side; 1019, 1101, 1102 the site's Worker; 1200 the edge itself; the rest configuration.
const CODES_1XXX: Code1xxx[] = [
  { code: 1000, layer: 'site', means: `DNS points to a prohibited IP: ${CONFIG}` },
  { code: 1001, layer: 'site', means: `DNS resolution error (the host is not on a Cloudflare zone): ${CONFIG}` },
  { code: 1002, layer: 'site', means: `DNS points to a prohibited or restricted IP: ${CONFIG}` },
  { code: 1003, layer: 'site', means: `direct IP access is not allowed: ${CONFIG}` },
  { code: 1004, layer: 'site', means: `the host is not configured to serve web traffic: ${CONFIG}` },
  { code: 1005, layer: 'challenge', refuses: 'address', means: `the requester's network (ASN) is banned: ${BLOCK}` },
  { code: 1006, layer: 'challenge', refuses: 'address', means: `the requester's IP address is banned: ${BLOCK}` },
  { code: 1007, layer: 'challenge', refuses: 'address', means: `the requester's IP address is banned: ${BLOCK}` },
  { code: 1008, layer: 'challenge', refuses: 'address', means: `the requester's IP address is banned: ${BLOCK}` },
  { code: 1009, layer: 'challenge', refuses: 'address', means: `the requester's country is banned: ${BLOCK}` },
  { code: 1010, layer: 'challenge', means: `the requester's browser signature is banned: ${BLOCK}` },
  { code: 1011, layer: 'challenge', means: `hotlinking is denied: ${BLOCK}` },
  { code: 1012, layer: 'challenge', means: `access is denied: ${BLOCK}` },
  { code: 1013, layer: 'site', means: `the HTTP host name and the TLS SNI differ: ${CONFIG}` },
  { code: 1014, layer: 'site', means: `a CNAME across Cloudflare accounts is not allowed: ${CONFIG}` },
  { code: 1015, layer: 'challenge', refuses: 'rate', means: `the requester is rate limited: ${BLOCK}` },
  { code: 1016, layer: 'origin', status: [530], means: "the origin's host name does not resolve: the edge is up, the origin's DNS fails" },
  { code: 1018, layer: 'site', means: `Cloudflare could not find the host: ${CONFIG}` },
  { code: 1019, layer: 'site', means: "the site's Worker (compute) failed" },
  { code: 1020, layer: 'challenge', means: `a firewall rule denied access: ${BLOCK}` },
  { code: 1023, layer: 'site', means: `Cloudflare could not find the host: ${CONFIG}` },
  { code: 1033, layer: 'origin', status: [530], means: 'the Cloudflare Tunnel to the origin is down: the edge is up, the origin is not connected' },
  { code: 1034, layer: 'site', means: `the edge IP address is restricted: ${CONFIG}` },
  { code: 1035, layer: 'site', means: `a URL rewrite produced an invalid request: ${CONFIG}` },
  { code: 1036, layer: 'site', means: `a URL rewrite produced an invalid request: ${CONFIG}` },
  { code: 1037, layer: 'site', means: `a rewrite rule is invalid: ${CONFIG}` },
  { code: 1038, layer: 'site', means: `a header rewrite is invalid: ${CONFIG}` },
  { code: 1039, layer: 'site', means: `a header rewrite is invalid: ${CONFIG}` },
  { code: 1040, layer: 'site', means: `a header modification is invalid: ${CONFIG}` },
  { code: 1041, layer: 'site', means: `a header rewrite is invalid: ${CONFIG}` },
  { code: 1101, layer: 'site', means: "the site's Worker threw an exception" },
  { code: 1102, layer: 'site', means: "the site's Worker exceeded its resource limits" },
  { code: 1106, layer: 'challenge', refuses: 'address', means: `the requester's IP address is banned: ${BLOCK}` },
  { code: 1200, layer: 'edge', means: 'the edge hit its cache connection limit: a failure at the edge' },
];

function code1xxx(c: Code1xxx): ErrorRule {
  // The 1xxx codes at the challenge layer are all blocks of the requester (BLOCK): none is a bot check to pass.
  return { status: c.status ?? ANY_ERROR, bodyPattern: cloudflareCode([c.code]), layer: c.layer, ...(c.layer === 'challenge' ? { challenge: 'blocked' as const } : {}), ...(c.refuses ? { refuses: c.refuses } : {}), says: `Cloudflare error ${c.code}: ${c.means}`, source: DOCS_1XXX };
}

const errors: ErrorRule[] = [
  // "challenge is the only valid value" — the edge is healthy, a challenge stands in front of content.
  { header: { name: 'cf-mitigated', pattern: '^\\s*challenge\\s*$' }, bodyAny: CHALLENGE_PLATFORM_FAILING, layer: 'challenge', challenge: 'platform-failing', says: 'Cloudflare served a challenge page whose platform cannot load ("Please unblock challenges.cloudflare.com"): the challenge itself fails', source: DOCS_CHALLENGE },
  { header: { name: 'cf-mitigated', pattern: '^\\s*challenge\\s*$' }, layer: 'challenge', challenge: 'routine', says: 'Cloudflare served a challenge page (cf-mitigated: challenge); the edge itself is healthy', source: DOCS_DETECT_CHALLENGE },
  { bodyAny: CHALLENGE_PLATFORM_FAILING, layer: 'challenge', challenge: 'platform-failing', says: 'Cloudflare served a challenge page whose platform cannot load ("Please unblock challenges.cloudflare.com"): the challenge itself fails', source: DOCS_CHALLENGE },
  { bodyAny: CHALLENGE_MARKERS, layer: 'challenge', challenge: 'routine', says: 'Cloudflare served a bot / human-verification challenge page instead of content', source: DOCS_CHALLENGE },
  { status: ANY_ERROR, bodyAny: ['Sorry, you have been blocked', 'Attention Required! | Cloudflare'], layer: 'challenge', challenge: 'blocked', says: 'Cloudflare blocked the request ("Sorry, you have been blocked"): a security rule, normally the site\'s own', source: DOCS_ERROR_PAGES },

  originStatus(520, 'the edge is up, the origin returned an empty, unknown or invalid response'),
  originStatus(521, 'the edge is up, the origin refused the connection'),
  originStatus(522, 'the edge is up, the TCP connection to the origin timed out'),
  originStatus(523, 'the edge is up, the origin is unreachable (no route to it)'),
  originStatus(524, 'the edge is up and connected, the origin did not answer in time'),
  originStatus(525, 'the edge is up, the TLS handshake with the origin failed'),
  originStatus(526, 'the edge is up, the origin presented an invalid certificate'),
  originStatus(527, 'the edge is up, the Railgun connection to the origin failed'),

  ...CODES_1XXX.map(code1xxx),
  { status: [530], bodyPattern: ANY_1XXX_CODE, quote: ANY_1XXX_CODE, layer: 'unknown', says: "Cloudflare answered 530 with a 1xxx code its documentation does not list: the code names the cause, this catalog cannot place it", source: DOCS_1XXX },
  { status: [530], layer: 'unknown', says: 'Cloudflare answered 530 without a 1xxx code it documents: cannot tell its edge from the origin', source: DOCS_5XX },

  // 500/503 are Cloudflare's only when the page names Cloudflare; otherwise the origin's, passed through.
  { status: [500], bodyPattern: CLOUDFLARE_WORD, layer: 'edge', says: 'Cloudflare generated this 500/503 itself: a failure inside its edge', source: DOCS_5XX },
  { status: [503], bodyPattern: CLOUDFLARE_WORD, layer: 'edge', says: 'Cloudflare generated this 500/503 itself: a failure inside its edge', source: DOCS_5XX },
  // 502/504: the branded page relays the origin's 502/504 (its "Host" box says Error); an unbranded page is Cloudflare's own.
  { status: [502, 504], bodyAny: BRANDED_PAGE, layer: 'origin', says: 'Cloudflare relayed a 502/504 from the origin (branded page, Host box in Error): the edge is up, the origin failed', source: DOCS_5XX },
  { status: [502, 504], bodyPattern: CLOUDFLARE_WORD, layer: 'edge', says: 'Cloudflare generated this 502/504 itself (unbranded page): a failure inside its edge', source: DOCS_5XX },
  { status: ANY_5XX, layer: 'site', says: "the origin's own 5xx, passed through Cloudflare unchanged", source: DOCS_5XX },
];

export const cloudflare = provider({
  id: 'cloudflare',
  name: 'Cloudflare',
  roles: ['authoritative-dns', 'edge', 'challenge'],
  headers: [
    { header: 'cf-ray', weight: 'strong' }, // "<16 hex>-<IATA colo>", e.g. 8fcb3f8a0cc56750-ATL
    { header: 'server', pattern: '^cloudflare', weight: 'strong' }, // also the old "cloudflare-nginx"
    { header: 'cf-cache-status', weight: 'strong' },
    { header: 'cf-mitigated', weight: 'strong' },
    { header: 'cf-error-type', weight: 'strong' },
    { header: 'set-cookie', pattern: '(?:^|[\\s,;])(?:__cf_bm|cf_clearance|__cfduid)=', weight: 'weak' },
  ],
  errors,
  challengeMarkers: [...CHALLENGE_MARKERS, ...CHALLENGE_PLATFORM_FAILING],
  cnameSuffixes: ['cdn.cloudflare.net', 'pages.dev', 'workers.dev'],
  nsSuffixes: ['ns.cloudflare.com'],
  rangeSets: ['cloudflare-ipv4', 'cloudflare-ipv6'],
  // Support asks for /cdn-cgi/trace on 5xx; on 2025-12-05 it answered while "/" returned 500.
  selfTest: { path: '/cdn-cgi/trace', expect: 'colo=', locationKey: 'colo' },
  statusPage: { url: 'https://www.cloudflarestatus.com', kind: 'statuspage' },
  popHeaders: [{ header: 'cf-ray', read: firstGroup(/^[0-9a-f]{8,32}-([A-Za-z]{3})$/i) }], // 8fcb3f8a0cc56750-ATL
  apiDomains: ['cloudflare.com'],
});
