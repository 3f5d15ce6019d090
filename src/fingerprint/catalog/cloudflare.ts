// Cloudflare: reverse proxy, WAF/bot layer (challenges, Turnstile) and authoritative DNS.
// Facts: /work/shared/reference/providers.md §1; who-generated-what from
// https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/
// and …/cloudflare-1xxx-errors/.

import type { ErrorRule } from '../types.js';
import { firstGroup, provider } from './define.js';
import { ANY_5XX, ANY_ERROR } from './statuses.js';

/**
 * A Cloudflare 1xxx code shown on its error page, in any of its spellings: "error code: 1020"
 * (plain text), `"error_code":1016` (JSON), "Error</span> <span class=\"cf-error-code\">1020" (HTML).
 * Word boundaries keep the code from matching inside a Ray ID (hex, e.g. "8fcb3f8a0cc51020").
 */
function cloudflareCode(codes: number[]): string {
  return String.raw`(?:error|cf-error-code)[\s\S]{0,120}?\b(?:${codes.join('|')})\b`;
}

/** "cloudflare" as a word on the page, not inside a host name such as cdnjs.cloudflare.com. */
const CLOUDFLARE_WORD = String.raw`\bcloudflare(?:-nginx)?\b(?![.-])`;

/** Markers of the branded 5xx/1xxx page (the one with the You / Cloudflare / Host boxes). */
const BRANDED_PAGE = ['cf-error-details', 'cf-wrapper'];

// https://developers.cloudflare.com/cloudflare-challenges/challenge-types/challenge-pages/ and
// FlareSolverr's detection list. The challenge orchestration script lives under
// /cdn-cgi/challenge-platform/h/{b|g}/orchestrate/; the JS-Detections script under
// /cdn-cgi/challenge-platform/(h/b/)scripts/jsd/ is on healthy pages too, so it is not a marker.
const CHALLENGE_MARKERS = [
  '<title>Just a moment...</title>',
  'window._cf_chl_opt',
  '/cdn-cgi/challenge-platform/h/b/orchestrate/',
  '/cdn-cgi/challenge-platform/h/g/orchestrate/',
  'cf-turnstile-response',
  'id="cf-challenge-running"',
  'Enable JavaScript and cookies to continue',
  // Seen when challenges.cloudflare.com itself fails (2025-11-18 incident).
  'Please unblock challenges.cloudflare.com to proceed',
];

function originStatus(status: number, says: string): ErrorRule {
  return { status: [status], layer: 'origin', says: `Cloudflare answered ${status}: ${says}` };
}

const errors: ErrorRule[] = [
  // "challenge is the only valid value" — the edge is healthy, a challenge stands in front of content.
  { header: { name: 'cf-mitigated', pattern: '^\\s*challenge\\s*$' }, layer: 'challenge', says: 'Cloudflare served a challenge page (cf-mitigated: challenge); the edge itself is healthy' },
  { bodyAny: CHALLENGE_MARKERS, layer: 'challenge', says: 'Cloudflare served a bot / human-verification challenge page instead of content' },
  { status: ANY_ERROR, bodyAny: ['Sorry, you have been blocked', 'Attention Required! | Cloudflare'], layer: 'challenge', says: 'Cloudflare blocked the request ("Sorry, you have been blocked"): a security rule, normally the site\'s own' },

  originStatus(520, 'the edge is up, the origin returned an empty, unknown or invalid response'),
  originStatus(521, 'the edge is up, the origin refused the connection'),
  originStatus(522, 'the edge is up, the TCP connection to the origin timed out'),
  originStatus(523, 'the edge is up, the origin is unreachable (no route to it)'),
  originStatus(524, 'the edge is up and connected, the origin did not answer in time'),
  originStatus(525, 'the edge is up, the TLS handshake with the origin failed'),
  originStatus(526, 'the edge is up, the origin presented an invalid certificate'),
  { status: [530], bodyPattern: cloudflareCode([1016]), layer: 'origin', says: "Cloudflare answered 530 / error 1016: the edge is up, the origin's host name does not resolve" },
  { status: [530], bodyPattern: cloudflareCode([1033]), layer: 'origin', says: 'Cloudflare answered 530 / error 1033: the edge is up, the Cloudflare Tunnel to the origin is down' },

  // 1xxx codes: the site's own policy (bans, rate limits, WAF rules) — a block, not an outage.
  { status: ANY_ERROR, bodyPattern: cloudflareCode([1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1015, 1020, 1106]), layer: 'challenge', says: "Cloudflare blocked the request with a 1xxx policy code (ban, rate limit or firewall rule): normally the site's own rule" },
  { status: ANY_ERROR, bodyPattern: cloudflareCode([1200]), layer: 'edge', says: 'Cloudflare error 1200: the edge hit its cache connection limit' },
  { status: ANY_ERROR, bodyPattern: cloudflareCode([1019, 1101, 1102]), layer: 'site', says: "Cloudflare error 1019/1101/1102: the site's own Worker failed" },
  { status: ANY_ERROR, bodyPattern: cloudflareCode([1000, 1001, 1002, 1003, 1004, 1013, 1014, 1018, 1023, 1034, 1035, 1036, 1037, 1038, 1039, 1040, 1041]), layer: 'site', says: "Cloudflare answered with a 1xxx configuration error: the site's DNS or Cloudflare setup is wrong" },
  { status: [530], layer: 'site', says: "Cloudflare answered 530 with a 1xxx code it could not place: most often the site's configuration" },

  // 500/503 are Cloudflare's only when the page names Cloudflare; otherwise the origin's, passed through.
  { status: [500, 503], bodyPattern: CLOUDFLARE_WORD, layer: 'edge', says: 'Cloudflare generated this 500/503 itself: a failure inside its edge' },
  // 502/504: the branded page relays the origin's 502/504 (its "Host" box says Error); an unbranded page is Cloudflare's own.
  { status: [502, 504], bodyAny: BRANDED_PAGE, layer: 'origin', says: 'Cloudflare relayed a 502/504 from the origin (branded page, Host box in Error): the edge is up, the origin failed' },
  { status: [502, 504], bodyPattern: CLOUDFLARE_WORD, layer: 'edge', says: 'Cloudflare generated this 502/504 itself (unbranded page): a failure inside its edge' },
  { status: ANY_5XX, layer: 'site', says: "the origin's own 5xx, passed through Cloudflare unchanged" },
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
  challengeMarkers: CHALLENGE_MARKERS,
  cnameSuffixes: ['cdn.cloudflare.net', 'pages.dev', 'workers.dev'],
  nsSuffixes: ['ns.cloudflare.com'],
  rangeSets: ['cloudflare-ipv4', 'cloudflare-ipv6'],
  // Support asks for /cdn-cgi/trace on 5xx; on 2025-12-05 it answered while "/" returned 500.
  selfTest: { path: '/cdn-cgi/trace', expect: 'colo=', locationKey: 'colo' },
  popHeaders: [{ header: 'cf-ray', read: firstGroup(/^[0-9a-f]{8,32}-([A-Za-z]{3})$/i) }], // 8fcb3f8a0cc56750-ATL
  apiDomains: ['cloudflare.com'],
  statusPage: { url: 'https://www.cloudflarestatus.com', kind: 'statuspage' },
});
