// CloudFront's own error pages, by the status its troubleshooting guide explains, and AWS WAF's challenge.

import { CANNOT_CONNECT, cloudfront, cloudfrontHeaders, couldNotBeSatisfied } from '../personalities/cloudfront.js';
import { originErrorPage, originPage } from '../personalities/origin.js';
import type { CorpusEntry } from './types.js';

const GUIDE = 'https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/';
const WAF_CHALLENGE = 'https://docs.aws.amazon.com/waf/latest/developerguide/waf-captcha-and-challenge-actions.html';

export const CLOUDFRONT_CORPUS: CorpusEntry[] = [
  { id: 'cloudfront/healthy', provider: 'cloudfront', source: `${GUIDE}troubleshooting-response-errors.html`, respond: (req) => cloudfront.relay(req, originPage(req.host, 'Stream', req.now)), expect: { outcome: 'ok', layer: null, provider: null, explains: null } },
  // AWS WAF's challenge action: 202 with x-amzn-waf-action, an interstitial for browsers (empty here).
  { id: 'cloudfront/waf-challenge', provider: 'cloudfront', source: WAF_CHALLENGE, respond: (req) => ({ status: 202, headers: { ...cloudfrontHeaders(req, 'Miss'), 'x-amzn-waf-action': 'challenge', 'content-type': 'text/html' }, body: '' }), expect: { outcome: 'challenge', layer: 'challenge', provider: 'Amazon CloudFront', explains: 'x-amzn-waf-action' } },
  { id: 'cloudfront/403', provider: 'cloudfront', source: `${GUIDE}http-403-permission-denied.html`, respond: (req) => cloudfront.unknownHost(req), expect: { outcome: 'challenge', layer: 'challenge', provider: 'Amazon CloudFront', explains: 'CloudFront refused the request' } },
  { id: 'cloudfront/502', provider: 'cloudfront', source: `${GUIDE}http-502-bad-gateway.html`, respond: (req) => cloudfront.originUnreachable(req, 'refused'), expect: { outcome: 'http-error', layer: 'origin', provider: 'Amazon CloudFront', explains: 'CloudFront answered 502 itself' } },
  { id: 'cloudfront/504', provider: 'cloudfront', source: `${GUIDE}http-504-gateway-timeout.html`, respond: (req) => cloudfront.originUnreachable(req, 'timeout'), expect: { outcome: 'http-error', layer: 'origin', provider: 'Amazon CloudFront', explains: 'CloudFront answered 504 itself' } },
  { id: 'cloudfront/503', provider: 'cloudfront', source: `${GUIDE}http-503-service-unavailable.html`, respond: (req) => couldNotBeSatisfied(req, 503, [CANNOT_CONNECT]), expect: { outcome: 'http-error', layer: 'edge', provider: 'Amazon CloudFront', explains: 'CloudFront answered 503 itself' } },
  { id: 'cloudfront/origin-500-passed-through', provider: 'cloudfront', source: `${GUIDE}troubleshooting-response-errors.html`, respond: (req) => cloudfront.relay(req, originErrorPage(500, 'Internal Server Error', req.now)), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: 'passed through CloudFront unchanged' } },
];
