// Cloudflare's documented error and challenge pages: the branded 5xx page for each 52x and relayed 502/504,
// its own unbranded 5xx, every 1xxx code (plain-text, HTML and JSON forms), the block page, the challenge page
// routine and with its platform failing, and healthy pages that merely mention Cloudflare.

import type { Layer } from '../../model.js';
import {
  cloudflare,
  cloudflareChallenge,
  cloudflareErrorResponse,
  cloudflareHeaders,
  NO_STORE,
  type ErrorPage,
} from '../personalities/cloudflare.js';
import { originErrorPage, originPage } from '../personalities/origin.js';
import { escapeHtml, HTML, randomHex, type EdgeRequest, type LabResponse } from '../personalities/types.js';
import type { CorpusEntry } from './types.js';

const DOCS_5XX = 'https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-5xx-errors/';
const DOCS_1XXX = 'https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-1xxx-errors/';
const DOCS_CHALLENGE = 'https://developers.cloudflare.com/cloudflare-challenges/challenge-types/challenge-pages/';
const DOCS_DETECT_CHALLENGE = 'https://developers.cloudflare.com/cloudflare-challenges/challenge-types/challenge-pages/detect-response/';
const DOCS_ERROR_PAGES = 'https://developers.cloudflare.com/rules/custom-errors/reference/error-page-types/';

function withHeaders(req: EdgeRequest, status: number, body: string, contentType = HTML): LabResponse {
  return { status, headers: { ...cloudflareHeaders(req, randomHex(8)), 'content-type': contentType, ...NO_STORE }, body };
}

/** Cloudflare's own minimal page, as its docs describe the 500/502/503/504 it generates: it names cloudflare. */
function unbranded(req: EdgeRequest, status: number, reason: string): LabResponse {
  return withHeaders(req, status, `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n`);
}

/** A 1xxx code in its HTML form: "Error" and the code in the cf-error-code span, the Ray ID in the footer. */
function html1xxx(req: EdgeRequest, status: number, code: number, title: string): LabResponse {
  const rayId = randomHex(8);
  const body = `<!DOCTYPE html><html><head><title>${escapeHtml(title)} | ${escapeHtml(req.host)} | Cloudflare</title>
<link rel="stylesheet" href="/cdn-cgi/styles/cf.errors.css" /></head><body>
<div id="cf-wrapper"><div id="cf-error-details" class="cf-error-details-wrapper">
<h1><span class="cf-error-type">Error</span> <span class="cf-error-code">${code}</span></h1>
<h2 class="cf-subheadline">${escapeHtml(title)}</h2>
<div class="cf-error-footer">Cloudflare Ray ID: <strong>${rayId}</strong> &bull; Performance &amp; security by Cloudflare</div>
</div></div></body></html>`;
  return { status, headers: { ...cloudflareHeaders(req, rayId), 'content-type': HTML, ...NO_STORE }, body };
}

function page(code: number, title: string, failing: ErrorPage['failing']): ErrorPage {
  return { code, title, failing, happened: `${title}.`, ownerAdvice: 'Check the origin web server and its logs.' };
}

function branded(code: number, title: string, layer: Layer, explains: string, source = `${DOCS_5XX}error-${code}/`): CorpusEntry {
  return {
    id: `cloudflare/${code}`,
    provider: 'cloudflare',
    source,
    respond: (req) => cloudflareErrorResponse(req, page(code, title, layer === 'edge' ? 'cloudflare' : 'host')),
    expect: { outcome: 'http-error', layer, provider: layer === 'site' ? null : 'Cloudflare', explains },
  };
}

/** [code, status, title as the docs name it, expected layer]. Plain-text form unless noted in `form`. */
const CODES: Array<[number, number, string, Layer]> = [
  [1000, 403, 'DNS points to prohibited IP', 'site'],
  [1001, 530, 'DNS resolution error', 'site'],
  [1002, 403, 'DNS points to Prohibited IP', 'site'],
  [1003, 403, 'Direct IP access not allowed', 'site'],
  [1004, 403, 'Host not configured to serve web traffic', 'site'],
  [1005, 403, 'Access denied: banned ASN', 'challenge'],
  [1006, 403, 'Access denied: your IP address has been banned', 'challenge'],
  [1007, 403, 'Access denied: your IP address has been banned', 'challenge'],
  [1008, 403, 'Access denied: your IP address has been banned', 'challenge'],
  [1009, 403, 'Access denied: country or region banned', 'challenge'],
  [1010, 403, 'The owner of this website has banned your access based on your browser\'s signature', 'challenge'],
  [1011, 403, 'Access denied (hotlinking denied)', 'challenge'],
  [1012, 403, 'Access denied', 'challenge'],
  [1013, 400, 'HTTP hostname and TLS SNI hostname mismatch', 'site'],
  [1014, 403, 'CNAME Cross-User Banned', 'site'],
  [1015, 429, 'You are being rate limited', 'challenge'],
  [1016, 530, 'Origin DNS error', 'origin'],
  [1018, 404, 'Could not find host', 'site'],
  [1019, 500, 'Compute server error', 'site'],
  [1020, 403, 'Access denied', 'challenge'],
  [1023, 404, 'Could not find host', 'site'],
  [1033, 530, 'Cloudflare Tunnel error', 'origin'],
  [1034, 409, 'Edge IP restricted', 'site'],
  [1035, 400, 'Invalid request rewrite (invalid URI path)', 'site'],
  [1036, 400, 'Invalid request rewrite (maximum length exceeded)', 'site'],
  [1037, 500, 'Invalid rewrite rule (failed to evaluate expression)', 'site'],
  [1038, 500, 'Invalid request header rewrite', 'site'],
  [1039, 500, 'Invalid request header rewrite', 'site'],
  [1040, 500, 'Invalid request header modification', 'site'],
  [1041, 500, 'Invalid request header rewrite', 'site'],
  [1101, 500, 'Worker threw exception', 'site'],
  [1102, 503, 'Worker exceeded resource limits', 'site'],
  [1106, 403, 'Access denied: your IP address has been banned', 'challenge'],
  [1200, 429, 'Cache connection limit', 'edge'],
];

function code1xxx([code, status, title, layer]: (typeof CODES)[number]): CorpusEntry {
  return {
    id: `cloudflare/${code}`,
    provider: 'cloudflare',
    source: DOCS_1XXX,
    // Both documented spellings: the HTML page for odd codes, the plain "error code: NNNN" for even ones.
    respond: (req) => (code % 2 === 1 ? html1xxx(req, status, code, title) : withHeaders(req, status, `error code: ${code}`, 'text/plain; charset=UTF-8')),
    expect: { outcome: layer === 'challenge' ? 'challenge' : 'http-error', layer, provider: layer === 'site' ? null : 'Cloudflare', explains: `Cloudflare error ${code}:` },
  };
}

export const CLOUDFLARE_CORPUS: CorpusEntry[] = [
  { id: 'cloudflare/healthy', provider: 'cloudflare', source: DOCS_5XX, respond: (req) => cloudflare.relay(req, originPage(req.host, 'Acme Shop', req.now)), expect: { outcome: 'ok', layer: null, provider: null, explains: null } },
  // A healthy page that loads Turnstile and the JS-Detections script: challenge markers it must not match.
  {
    id: 'cloudflare/healthy-with-turnstile-widget',
    provider: 'cloudflare',
    source: DOCS_CHALLENGE,
    respond: (req) =>
      cloudflare.relay(req, {
        ...originPage(req.host, 'Sign in', req.now),
        body: `<!doctype html><html><head><title>Sign in</title><script src="https://challenges.cloudflare.com/turnstile/v0/api.js" async defer></script></head>
<body><form><div class="cf-turnstile" data-sitekey="0x4AAAAAAA"></div></form><script src="/cdn-cgi/challenge-platform/scripts/jsd/main.js"></script></body></html>`,
      }),
    expect: { outcome: 'ok', layer: null, provider: null, explains: null },
  },
  // The routine challenge: a bot check in front of content, the edge healthy.
  { id: 'cloudflare/challenge', provider: 'cloudflare', source: DOCS_DETECT_CHALLENGE, respond: (req) => cloudflareChallenge(req, false), expect: { outcome: 'challenge', layer: 'challenge', provider: 'Cloudflare', explains: 'cf-mitigated: challenge' } },
  // The lab's challenge fault: the page whose platform cannot load (2025-11-18).
  { id: 'cloudflare/challenge-platform-failing', provider: 'cloudflare', source: DOCS_CHALLENGE, respond: (req) => cloudflare.challengeFailure!(req), expect: { outcome: 'challenge', layer: 'challenge', provider: 'Cloudflare', explains: 'whose platform cannot load' } },
  // Without the cf-mitigated header (older challenge pages, a 503 "Just a moment...").
  { id: 'cloudflare/challenge-without-header', provider: 'cloudflare', source: DOCS_CHALLENGE, respond: (req) => { const r = cloudflareChallenge(req, false); const { 'cf-mitigated': _m, ...headers } = r.headers; return { ...r, status: 503, headers }; }, expect: { outcome: 'challenge', layer: 'challenge', provider: 'Cloudflare', explains: 'bot / human-verification challenge page' } },
  { id: 'cloudflare/challenge-platform-failing-without-header', provider: 'cloudflare', source: DOCS_CHALLENGE, respond: (req) => { const r = cloudflareChallenge(req, true); const { 'cf-mitigated': _m, ...headers } = r.headers; return { ...r, headers }; }, expect: { outcome: 'challenge', layer: 'challenge', provider: 'Cloudflare', explains: 'whose platform cannot load' } },
  {
    id: 'cloudflare/blocked',
    provider: 'cloudflare',
    source: DOCS_ERROR_PAGES,
    respond: (req) => withHeaders(req, 403, `<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head><body><div class="cf-wrapper cf-header cf-error-overview"><h1 data-translate="block_headline">Sorry, you have been blocked</h1><h2 class="cf-subheadline"><span data-translate="unable_to_access">You are unable to access</span> ${escapeHtml(req.host)}</h2></div></body></html>`),
    expect: { outcome: 'challenge', layer: 'challenge', provider: 'Cloudflare', explains: 'Sorry, you have been blocked' },
  },
  branded(520, 'Web server is returning an unknown error', 'origin', 'Cloudflare answered 520: the edge is up'),
  // The lab's "origin refused" / "origin timed out" answers.
  { id: 'cloudflare/521', provider: 'cloudflare', source: `${DOCS_5XX}error-521/`, respond: (req) => cloudflare.originUnreachable(req, 'refused'), expect: { outcome: 'http-error', layer: 'origin', provider: 'Cloudflare', explains: 'Cloudflare answered 521: the edge is up, the origin refused the connection' } },
  { id: 'cloudflare/522', provider: 'cloudflare', source: `${DOCS_5XX}error-522/`, respond: (req) => cloudflare.originUnreachable(req, 'timeout'), expect: { outcome: 'http-error', layer: 'origin', provider: 'Cloudflare', explains: 'Cloudflare answered 522: the edge is up, the TCP connection to the origin timed out' } },
  branded(523, 'Origin is unreachable', 'origin', 'Cloudflare answered 523'),
  branded(524, 'A timeout occurred', 'origin', 'Cloudflare answered 524'),
  branded(525, 'SSL handshake failed', 'origin', 'Cloudflare answered 525'),
  branded(526, 'Invalid SSL certificate', 'origin', 'Cloudflare answered 526'),
  branded(527, 'Railgun Listener to origin error', 'origin', 'Cloudflare answered 527', DOCS_5XX),
  branded(502, 'Bad gateway', 'origin', 'Cloudflare relayed a 502/504 from the origin', DOCS_5XX),
  { ...branded(504, 'Gateway time-out', 'origin', 'Cloudflare relayed a 502/504 from the origin', DOCS_5XX), id: 'cloudflare/504-relayed' },
  // The lab's edge fault: the branded 500 with the Cloudflare box in Error.
  { id: 'cloudflare/500', provider: 'cloudflare', source: DOCS_5XX, respond: (req) => cloudflare.edgeError(req), expect: { outcome: 'http-error', layer: 'edge', provider: 'Cloudflare', explains: 'Cloudflare generated this 500/503 itself' } },
  { id: 'cloudflare/503-unbranded', provider: 'cloudflare', source: DOCS_5XX, respond: (req) => unbranded(req, 503, 'Service Temporarily Unavailable'), expect: { outcome: 'http-error', layer: 'edge', provider: 'Cloudflare', explains: 'Cloudflare generated this 500/503 itself' } },
  { id: 'cloudflare/502-unbranded', provider: 'cloudflare', source: DOCS_5XX, respond: (req) => unbranded(req, 502, 'Bad Gateway'), expect: { outcome: 'http-error', layer: 'edge', provider: 'Cloudflare', explains: 'Cloudflare generated this 502/504 itself' } },
  { id: 'cloudflare/504-unbranded', provider: 'cloudflare', source: DOCS_5XX, respond: (req) => unbranded(req, 504, 'Gateway Time-out'), expect: { outcome: 'http-error', layer: 'edge', provider: 'Cloudflare', explains: 'Cloudflare generated this 502/504 itself' } },
  ...CODES.map(code1xxx),
  // The JSON form of 1016, and a 530 with a code the docs do not list (quoted), and one with no code at all.
  { id: 'cloudflare/1016-json', provider: 'cloudflare', source: DOCS_1XXX, respond: (req) => withHeaders(req, 530, '{"error_code":1016,"error_name":"origin_dns_error","retryable":false}', 'application/json'), expect: { outcome: 'http-error', layer: 'origin', provider: 'Cloudflare', explains: "Cloudflare error 1016: the origin's host name does not resolve" } },
  { id: 'cloudflare/530-unlisted-code', provider: 'cloudflare', source: DOCS_1XXX, respond: (req) => withHeaders(req, 530, 'error code: 1999', 'text/plain; charset=UTF-8'), expect: { outcome: 'http-error', layer: 'unknown', provider: 'Cloudflare', explains: '(the page says "1999")' } },
  { id: 'cloudflare/530-without-code', provider: 'cloudflare', source: DOCS_5XX, respond: (req) => withHeaders(req, 530, '<html><body>Origin error</body></html>'), expect: { outcome: 'http-error', layer: 'unknown', provider: 'Cloudflare', explains: 'Cloudflare answered 530 without a 1xxx code' } },
  { id: 'cloudflare/origin-500-passed-through', provider: 'cloudflare', source: DOCS_5XX, respond: (req) => cloudflare.relay(req, originErrorPage(500, 'Internal Server Error', req.now)), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: "the origin's own 5xx, passed through Cloudflare" } },
];
