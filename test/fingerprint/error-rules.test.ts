// Who generated a status: every provider error-rule semantic, on recorded-style responses.
import { describe, it, expect } from 'vitest';
import { BUILTIN_PROVIDERS } from '../../src/fingerprint/catalog/index.js';
import { explainRule, isChallengePage, matchErrorRule } from '../../src/fingerprint/match.js';
import type { ProviderDef } from '../../src/fingerprint/types.js';
import {
  AFD_PAGE,
  AKAMAI_GATEWAY_TIMEOUT,
  AKAMAI_INVALID_URL,
  CF_CHALLENGE_PAGE,
  CF_HEADERS,
  CF_HEALTHY,
  CLOUDFRONT_HEADERS,
  FASTLY_HEADERS,
  GOOGLE_502,
  akamaiAccessDenied,
  akamaiError,
  cloudflare1xxxPage,
  cloudflareBrandedPage,
  cloudflareUnbranded,
  cloudfrontError,
  fastlyGuru,
} from './responses.js';

function provider(id: string): ProviderDef {
  const p = BUILTIN_PROVIDERS.find((x) => x.id === id);
  if (!p) throw new Error(`no provider ${id}`);
  return p;
}

function layerOf(id: string, status: number | null, headers: Record<string, string>, body: string): string | null {
  return matchErrorRule(provider(id), status, headers, body)?.layer ?? null;
}

describe('Cloudflare', () => {
  const cf = provider('cloudflare');

  it('cf-mitigated: challenge is a challenge, whatever the status', () => {
    const rule = matchErrorRule(cf, 403, { ...CF_HEADERS, 'cf-mitigated': 'challenge' }, CF_CHALLENGE_PAGE);
    expect(rule?.layer).toBe('challenge');
    expect(rule?.says).toMatch(/cf-mitigated/);
    expect(layerOf('cloudflare', 200, { ...CF_HEADERS, 'cf-mitigated': 'challenge' }, '')).toBe('challenge');
  });

  it('challenge page markers without the header are a challenge (legacy 503 "Just a moment...")', () => {
    expect(layerOf('cloudflare', 503, CF_HEADERS, CF_CHALLENGE_PAGE)).toBe('challenge');
    expect(isChallengePage({ headers: CF_HEADERS, body: CF_CHALLENGE_PAGE }, cf)).toBe(true);
  });

  it.each([
    ['window._cf_chl_opt', '<script>window._cf_chl_opt={cType:"managed"}</script>'],
    ['orchestrate script', '<script src="/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1?ray=1"></script>'],
    ['turnstile response field', '<input type="hidden" name="cf-turnstile-response" id="cf-chl-widget_response">'],
    ['challenges.cloudflare.com failing to load (2025-11-18)', '<p>Please unblock challenges.cloudflare.com to proceed.</p>'],
  ])('marker %s reads as a challenge', (_name, body) => {
    expect(layerOf('cloudflare', 403, CF_HEADERS, body)).toBe('challenge');
    expect(isChallengePage({ headers: CF_HEADERS, body }, cf)).toBe(true);
  });

  it('a healthy page that mentions Cloudflare (CSP with cdnjs, Turnstile widget, JS-detections script) is not a challenge', () => {
    expect(isChallengePage(CF_HEALTHY, cf)).toBe(false);
    expect(matchErrorRule(cf, CF_HEALTHY.status, CF_HEALTHY.headers, CF_HEALTHY.body)).toBeNull();
  });

  it('a challenge marker without any Cloudflare header is not a Cloudflare challenge page', () => {
    const blogPost = '<article>Scrapers look for window._cf_chl_opt and "Just a moment..." titles</article>';
    expect(isChallengePage({ headers: { server: 'nginx' }, body: blogPost }, cf)).toBe(false);
  });

  it.each([
    [520, 'Web server is returning an unknown error', 'empty, unknown or invalid'],
    [521, 'Web server is down', 'the edge is up, the origin refused the connection'],
    [522, 'Connection timed out', 'timed out'],
    [523, 'Origin is unreachable', 'unreachable'],
    [524, 'A timeout occurred', 'did not answer in time'],
    [525, 'SSL handshake failed', 'TLS handshake'],
    [526, 'Invalid SSL certificate', 'invalid certificate'],
  ])('%i is the origin behind a working edge', (code, title, says) => {
    const rule = matchErrorRule(cf, code, CF_HEADERS, cloudflareBrandedPage(code, title));
    expect(rule?.layer).toBe('origin');
    expect(rule?.says).toContain(`Cloudflare answered ${code}`);
    expect(rule?.says).toContain(says);
  });

  it('530 with 1016 (origin DNS) or 1033 (Tunnel) is the origin, in HTML, plain and JSON forms', () => {
    expect(matchErrorRule(cf, 530, CF_HEADERS, cloudflare1xxxPage(1016, 'Origin DNS error'))?.says).toMatch(/1016.*does not resolve/);
    expect(layerOf('cloudflare', 530, CF_HEADERS, 'error code: 1016')).toBe('origin');
    expect(layerOf('cloudflare', 530, CF_HEADERS, '{"error_code":1016,"error_name":"origin_dns_error","retryable":false}')).toBe('origin');
    expect(matchErrorRule(cf, 530, CF_HEADERS, cloudflare1xxxPage(1033, 'Cloudflare Tunnel error'))?.says).toMatch(/Tunnel/);
  });

  it('a 1xxx code inside a Ray ID does not count (530 / 1001 with Ray ID …1016 is configuration, not origin DNS)', () => {
    const body = cloudflare1xxxPage(1001, 'DNS resolution error'); // its Ray ID ends in 1016
    expect(body).toContain('8fcb3f8a0cc51016');
    expect(layerOf('cloudflare', 530, CF_HEADERS, body)).toBe('site');
  });

  it.each([1005, 1006, 1007, 1008, 1009, 1010, 1011, 1012, 1015, 1020])('policy code %i is the security layer (site rule), not an outage', (code) => {
    expect(layerOf('cloudflare', code === 1015 ? 429 : 403, CF_HEADERS, `error code: ${code}`)).toBe('challenge');
    expect(layerOf('cloudflare', 403, CF_HEADERS, cloudflare1xxxPage(code, 'Access denied'))).toBe('challenge');
  });

  it('"Sorry, you have been blocked" is a security block', () => {
    const body = '<h1 data-translate="block_headline">Sorry, you have been blocked</h1><h2>You are unable to access shop.example.com</h2>Cloudflare Ray ID: 8fcb3f8a0cc56750';
    expect(layerOf('cloudflare', 403, CF_HEADERS, body)).toBe('challenge');
  });

  it('1200 is the edge', () => {
    expect(layerOf('cloudflare', 429, CF_HEADERS, 'error code: 1200')).toBe('edge');
  });

  it.each([1001, 1004, 1014, 1018, 1023, 1034])('configuration code %i is the site', (code) => {
    expect(layerOf('cloudflare', code === 1001 ? 530 : 409, CF_HEADERS, `error code: ${code}`)).toBe('site');
  });

  it('500 / 503 whose page names Cloudflare are the edge (2025-11-18, 2025-12-05)', () => {
    expect(layerOf('cloudflare', 500, CF_HEADERS, cloudflareUnbranded(500, 'Internal Server Error'))).toBe('edge');
    expect(layerOf('cloudflare', 500, CF_HEADERS, cloudflareBrandedPage(500, 'Internal server error', 'cloudflare'))).toBe('edge');
    expect(layerOf('cloudflare', 503, CF_HEADERS, cloudflareUnbranded(503, 'Service Temporarily Unavailable'))).toBe('edge');
  });

  it('500 from the origin passes through as site, even if it loads a script from cdnjs.cloudflare.com', () => {
    const body = '<html><head><script src="https://cdnjs.cloudflare.com/ajax/libs/jquery/3.7.1/jquery.min.js"></script></head><body>Internal Server Error (Rails)</body></html>';
    expect(layerOf('cloudflare', 500, CF_HEADERS, body)).toBe('site');
  });

  it('branded 502/504 relays the origin (Host box in Error); unbranded 502 mentioning cloudflare is the edge (2019-07-02)', () => {
    const relayed = matchErrorRule(cf, 502, CF_HEADERS, cloudflareBrandedPage(502, 'Bad gateway'));
    expect(relayed?.layer).toBe('origin');
    expect(relayed?.says).toMatch(/Host box/);
    expect(layerOf('cloudflare', 504, CF_HEADERS, cloudflareBrandedPage(504, 'Gateway time-out'))).toBe('origin');
    expect(layerOf('cloudflare', 502, CF_HEADERS, cloudflareUnbranded(502, 'Bad Gateway'))).toBe('edge');
    expect(layerOf('cloudflare', 504, CF_HEADERS, cloudflareUnbranded(504, 'Gateway Time-out'))).toBe('edge');
  });

  it('a 5xx without any Cloudflare marker is the site, and that rule is the last one', () => {
    expect(layerOf('cloudflare', 502, CF_HEADERS, '<html><body><h1>502 Bad Gateway</h1><hr>nginx/1.24.0</body></html>')).toBe('site');
    expect(layerOf('cloudflare', 503, CF_HEADERS, 'Service Unavailable')).toBe('site');
    const last = cf.errors[cf.errors.length - 1]!;
    expect(last.layer).toBe('site');
    expect(last.status).toContain(599);
    expect(Object.keys(last).sort()).toEqual(['layer', 'says', 'source', 'status']);
  });

  it('a healthy 200 or a 404 matches no rule', () => {
    expect(layerOf('cloudflare', 200, CF_HEADERS, '<h1>ok</h1>')).toBeNull();
    expect(layerOf('cloudflare', 404, CF_HEADERS, '<h1>Not found</h1>')).toBeNull();
  });
});

describe('Fastly', () => {
  it.each(['first byte timeout', 'backend read error', 'Backend is unhealthy', 'All backends failed or unhealthy', 'connection refused', 'connection timed out'])(
    '503 Guru Mediation with "%s" is the origin',
    (reason) => {
      expect(layerOf('fastly', 503, FASTLY_HEADERS, fastlyGuru(reason))).toBe('origin');
    },
  );

  it('500 "unknown domain" is the site (host on no service)', () => {
    const body = 'Fastly error: unknown domain: shop.example.com. Please check that this domain has been added to a service.';
    expect(matchErrorRule(provider('fastly'), 500, FASTLY_HEADERS, body)?.layer).toBe('site');
    expect(matchErrorRule(provider('fastly'), 500, FASTLY_HEADERS, body)?.says).toMatch(/not on any Fastly service/);
  });

  // Fastly's docs: the generic "Service Unavailable" can be an unparsable origin status line, the service's own
  // VCL error or Fastly itself; a reason outside its list names nothing Fastly documents. Neither is the edge.
  it('a Guru Mediation page with the generic or an undocumented reason is unknown at Fastly, quoting the reason; a plain 5xx is the site', () => {
    expect(layerOf('fastly', 503, FASTLY_HEADERS, fastlyGuru('Service Unavailable'))).toBe('unknown');
    expect(layerOf('fastly', 500, FASTLY_HEADERS, fastlyGuru('Internal Server Error', 500))).toBe('unknown');
    const rule = matchErrorRule(provider('fastly'), 503, FASTLY_HEADERS, fastlyGuru('Backend fetch went sideways'))!;
    expect(rule.layer).toBe('unknown');
    expect(explainRule(rule, fastlyGuru('Backend fetch went sideways'))).toMatch(/cannot tell its edge from the origin \(the page says "Backend fetch went sideways"\)$/);
    expect(layerOf('fastly', 503, FASTLY_HEADERS, '{"error":"maintenance"}')).toBe('site');
  });
});

describe('Akamai', () => {
  const ghost = { server: 'AkamaiGHost', 'content-type': 'text/html' };

  it('entity-encoded "Access Denied" Reference #18 is the security layer', () => {
    const rule = matchErrorRule(provider('akamai'), 403, ghost, akamaiAccessDenied());
    expect(rule?.layer).toBe('challenge');
    expect(rule?.says).toMatch(/#18/);
    expect(isChallengePage({ headers: ghost, body: akamaiAccessDenied() }, provider('akamai'))).toBe(true);
  });

  it.each([1, 3, 4, 6, 11, 15, 30, 97])('Reference #%i is the origin (entity-encoded and plain)', (prefix) => {
    const rule = matchErrorRule(provider('akamai'), 503, ghost, akamaiError(prefix));
    expect(rule?.layer).toBe('origin');
    expect(rule?.says).toContain(`Reference #${prefix} `);
    expect(layerOf('akamai', 503, ghost, akamaiError(prefix, false))).toBe('origin');
  });

  it('the 504 "Gateway Timeout - In read" page (Reference #1) is the origin, not #18 or #15', () => {
    expect(matchErrorRule(provider('akamai'), 504, ghost, AKAMAI_GATEWAY_TIMEOUT)?.says).toMatch(/READ_TIMEOUT/);
  });

  it('Reference #9 Invalid URL is the site (no configuration for the host)', () => {
    expect(layerOf('akamai', 400, ghost, AKAMAI_INVALID_URL)).toBe('site');
  });

  it('AkamaiGHost-generated 5xx with no reference, or a reference outside the decoded list, is unknown; an origin 5xx passed through is the site', () => {
    expect(layerOf('akamai', 503, ghost, '<HTML><BODY>Service Unavailable</BODY></HTML>')).toBe('unknown');
    const unlisted = akamaiError(42);
    expect(layerOf('akamai', 503, ghost, unlisted)).toBe('unknown');
    expect(explainRule(matchErrorRule(provider('akamai'), 503, ghost, unlisted)!, unlisted)).toMatch(/\(the page says "Reference #42"\)$/);
    expect(layerOf('akamai', 500, { server: 'Apache', 'akamai-grn': '0.05313217.1567801841.1457a3' }, 'Internal Server Error')).toBe('site');
  });
});

describe('Amazon CloudFront and AWS', () => {
  it('"could not be satisfied" 502/504 is the origin, 503 the edge, 403 a block', () => {
    expect(layerOf('cloudfront', 502, CLOUDFRONT_HEADERS, cloudfrontError(502, "CloudFront wasn't able to connect to the origin."))).toBe('origin');
    expect(layerOf('cloudfront', 504, CLOUDFRONT_HEADERS, cloudfrontError(504, 'We can\'t connect to the server for this app or website at this time.'))).toBe('origin');
    expect(layerOf('cloudfront', 503, CLOUDFRONT_HEADERS, cloudfrontError(503, 'The Lambda function associated with the CloudFront distribution was throttled.'))).toBe('edge');
    expect(layerOf('cloudfront', 403, CLOUDFRONT_HEADERS, cloudfrontError(403, 'Request blocked.'))).toBe('challenge');
    expect(layerOf('cloudfront', 500, { 'x-amz-cf-id': 'abc==' }, 'app error')).toBe('site');
  });

  it('AWS WAF challenge (202) and CAPTCHA (405) are challenges', () => {
    expect(layerOf('cloudfront', 202, { ...CLOUDFRONT_HEADERS, 'x-amzn-waf-action': 'challenge' }, '')).toBe('challenge');
    expect(layerOf('aws', 405, { 'x-amzn-waf-action': 'captcha' }, '<html>captcha</html>')).toBe('challenge');
    expect(isChallengePage({ headers: { 'x-amzn-waf-action': 'challenge' }, body: '' }, provider('aws'))).toBe(true);
  });

  it('ELB 502/503/504 (server: awselb/2.0) is the origin (its targets)', () => {
    const elb = { server: 'awselb/2.0', 'content-type': 'text/html' };
    expect(matchErrorRule(provider('aws'), 503, elb, '<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n</body>\r\n</html>\r\n')?.says).toMatch(/no healthy target/);
    expect(layerOf('aws', 502, elb, '<html><head><title>502 Bad Gateway</title></head></html>')).toBe('origin');
    expect(layerOf('aws', 504, elb, '')).toBe('origin');
  });

  it('API Gateway integration failures are the origin (backend)', () => {
    const apigw = { 'x-amz-apigw-id': 'Ab1CdEfGhIjKlM=', 'x-amzn-requestid': 'c0ffee', 'x-amzn-errortype': 'InternalServerErrorException' };
    expect(layerOf('aws', 502, apigw, '{"message": "Internal server error"}')).toBe('origin');
    expect(layerOf('aws', 504, apigw, '{"message": "Endpoint request timed out"}')).toBe('origin');
    expect(layerOf('aws', 500, apigw, '{"type":"INTEGRATION_FAILURE"}')).toBe('origin');
  });

  it('S3 NoSuchBucket is the site', () => {
    expect(layerOf('aws', 404, { server: 'AmazonS3' }, '<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>')).toBe('site');
  });
});

describe('Azure Front Door', () => {
  const afd = { 'x-azure-ref': '0aB1cDeFgHiJkLmNoPqRsTuVwXyZ', 'x-cache': 'CONFIG_NOCACHE' };

  it('x-azure-internalerror is the edge', () => {
    expect(layerOf('azure-front-door', 503, { ...afd, 'x-azure-internalerror': '0x80131500' }, AFD_PAGE)).toBe('edge');
  });

  // Front Door shows the same page for an origin timeout, an origin certificate problem and its own trouble.
  it('its "Our services aren\'t available right now" page with a 5xx names no cause: unknown at Front Door', () => {
    expect(layerOf('azure-front-door', 503, afd, AFD_PAGE)).toBe('unknown');
    expect(layerOf('azure-front-door', 502, afd, AFD_PAGE)).toBe('unknown');
  });

  it('504 is an origin timeout; 503 OriginInvalidResponse is the origin', () => {
    expect(layerOf('azure-front-door', 504, afd, AFD_PAGE)).toBe('origin');
    expect(layerOf('azure-front-door', 503, afd, 'ErrorInfo: OriginInvalidResponse')).toBe('origin');
  });

  it('400 with its page is an unrouted host name (site), and an origin 500 is the site', () => {
    expect(layerOf('azure-front-door', 400, afd, AFD_PAGE)).toBe('site');
    expect(layerOf('azure-front-door', 500, afd, 'Exception in app')).toBe('site');
  });
});

describe('Google', () => {
  // Google's docs: a load balancer's own 5xx and a backend's relayed one differ only in its logs.
  it('the GFE "That’s an error" 502/503 is unknown at Google, naming both readings', () => {
    const rule = matchErrorRule(provider('google'), 502, { server: 'Google Frontend' }, GOOGLE_502);
    expect(rule?.layer).toBe('unknown');
    expect(rule?.says).toMatch(/Load Balancer whose backends fail/);
    expect(layerOf('google', 503, {}, GOOGLE_502.replace(/’/g, '&rsquo;'))).toBe('unknown');
    expect(layerOf('google', 503, {}, GOOGLE_502.replace(/’/g, "'"))).toBe('unknown');
  });

  it('any other 5xx is the site', () => {
    expect(layerOf('google', 500, { server: 'Google Frontend' }, 'Traceback (most recent call last)')).toBe('site');
  });
});

describe('Vercel', () => {
  const v = { server: 'Vercel', 'x-vercel-id': 'hnd1::fs8k9-1679151302268-044a719e1f27' };

  it('x-vercel-mitigated: challenge and the Security Checkpoint are challenges', () => {
    expect(layerOf('vercel', 403, { ...v, 'x-vercel-mitigated': 'challenge' }, '')).toBe('challenge');
    expect(layerOf('vercel', 429, v, '<title>Vercel Security Checkpoint</title>')).toBe('challenge');
    expect(isChallengePage({ headers: v, body: '<title>Vercel Security Checkpoint</title>' }, provider('vercel'))).toBe(true);
  });

  it('INTERNAL_* is the edge; FUNCTION_* / MIDDLEWARE_* / NO_RESPONSE_FROM_FUNCTION and DEPLOYMENT_* / NOT_FOUND are the site', () => {
    expect(layerOf('vercel', 500, { ...v, 'x-vercel-error': 'INTERNAL_FUNCTION_INVOCATION_FAILED' }, '')).toBe('edge');
    expect(layerOf('vercel', 500, v, 'An error occurred. Code: INTERNAL_UNEXPECTED_ERROR ID: hnd1::abc')).toBe('edge');
    for (const code of ['FUNCTION_INVOCATION_FAILED', 'FUNCTION_INVOCATION_TIMEOUT', 'MIDDLEWARE_INVOCATION_FAILED', 'NO_RESPONSE_FROM_FUNCTION', 'DEPLOYMENT_NOT_FOUND', 'DEPLOYMENT_PAUSED', 'NOT_FOUND']) {
      expect(layerOf('vercel', 502, { ...v, 'x-vercel-error': code }, `Code: ${code}`), code).toBe('site');
    }
  });
});

describe('WAF specialists and CDNs', () => {
  it('Imperva: incident ID with 403 is a block; its branded 5xx names no cause, so it is unknown', () => {
    const h = { 'x-iinfo': '10-12345678-0 0NNN RT(1700000000000 0) q(0 -1 -1 -1) r(0 -1)', 'x-cdn': 'Imperva' };
    expect(layerOf('imperva', 403, h, 'Request unsuccessful. Incapsula incident ID: 1234000560012345678-123456789012345678')).toBe('challenge');
    expect(layerOf('imperva', 503, h, '<iframe src="/_Incapsula_Resource?CWUDNSAI=1"></iframe> Powered by Incapsula')).toBe('unknown');
    expect(layerOf('imperva', 500, h, 'origin stack trace')).toBe('site');
  });

  it('Sucuri: block page is a block, x-sucuri-id with 502/503/504 the origin', () => {
    const h = { server: 'Sucuri/Cloudproxy', 'x-sucuri-id': '11005' };
    expect(layerOf('sucuri', 403, h, '<title>Sucuri WebSite Firewall - Access Denied</title><link rel="stylesheet" href="https://cdn.sucuri.net/sucuri-firewall-block.css">')).toBe('challenge');
    expect(layerOf('sucuri', 502, h, 'Bad Gateway')).toBe('origin');
    expect(layerOf('sucuri', 504, h, '')).toBe('origin');
  });

  it('Bunny: 502/504 from server BunnyCDN-* is the origin', () => {
    expect(layerOf('bunny', 502, { server: 'BunnyCDN-DE1-1070' }, '')).toBe('origin');
    expect(layerOf('bunny', 504, { server: 'BunnyCDN-DE1-1070', 'cdn-pullzone': '12345' }, '')).toBe('origin');
    expect(layerOf('bunny', 502, { 'cdn-pullzone': '12345', server: 'nginx' }, '')).toBe('site');
  });

  it('DDoS-Guard: its challenge page is a challenge', () => {
    const h = { server: 'ddos-guard', 'set-cookie': '__ddg1_=abc; Path=/' };
    const body = '<!DOCTYPE html><html><head><title>DDoS-Guard</title></head><body><div id="link-ddg"></div></body></html>';
    expect(layerOf('ddos-guard', 403, h, body)).toBe('challenge');
    expect(isChallengePage({ headers: h, body }, provider('ddos-guard'))).toBe(true);
  });
});
