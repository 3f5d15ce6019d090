// Responses as providers really send them (shapes from shared/reference/providers.md and incidents.md),
// for classification and correlation tests over recorded attempts.

import type { FetchResult } from '../../src/model.js';

type Recorded = Pick<FetchResult, 'httpStatus' | 'headers' | 'bodySample'>;

const cfHeaders = (colo = 'FRA') => ({ server: 'cloudflare', 'cf-ray': `8fcb3f8a0cc56750-${colo}`, 'content-type': 'text/html' });

const cfBrandedPage = (host: string, code: number, title: string, failing: 'Cloudflare' | 'Host') => `<!DOCTYPE html>
<html><head><title>${host} | ${code}: ${title}</title><link rel="stylesheet" href="/cdn-cgi/styles/cf.errors.css"></head>
<body><div id="cf-wrapper"><div id="cf-error-details" class="cf-error-details-wrapper">
<h1><span class="cf-error-type">Error code ${code}</span></h1>
<div class="cf-column">You Browser Working</div>
<div class="cf-column">Frankfurt Cloudflare ${failing === 'Cloudflare' ? 'Error' : 'Working'}</div>
<div class="cf-column">${host} Host ${failing === 'Host' ? 'Error' : 'Working'}</div>
<a href="https://www.cloudflare.com/5xx-error-landing">cloudflare.com</a>
<p>Cloudflare Ray ID: <strong>8fcb3f8a0cc56750</strong> &bull; Performance &amp; security by Cloudflare</p>
</div></div></body></html>`;

export const responses = {
  healthy: (body = '<html>Welcome</html>'): Recorded => ({ httpStatus: 200, headers: { server: 'nginx' }, bodySample: body }),
  cloudflareOk: (colo = 'FRA'): Recorded => ({ httpStatus: 200, headers: { ...cfHeaders(colo), 'cf-cache-status': 'DYNAMIC' }, bodySample: '<html>Add to cart</html>' }),
  /** The edge failing itself (2025-11-18): an unbranded 500 page naming Cloudflare. */
  cloudflareEdge500: (colo = 'FRA'): Recorded => ({
    httpStatus: 500,
    headers: cfHeaders(colo),
    bodySample: '<html><head><title>500 Internal Server Error</title></head><body><center><h1>500 Internal Server Error</h1></center><hr><center>cloudflare</center></body></html>',
  }),
  cloudflare521: (host: string): Recorded => ({ httpStatus: 521, headers: cfHeaders(), bodySample: cfBrandedPage(host, 521, 'Web server is down', 'Host') }),
  cloudflare522: (host: string): Recorded => ({ httpStatus: 522, headers: cfHeaders(), bodySample: cfBrandedPage(host, 522, 'Connection timed out', 'Host') }),
  /** The origin's own 500, passed through Cloudflare unchanged. */
  cloudflarePassThrough500: (): Recorded => ({ httpStatus: 500, headers: cfHeaders(), bodySample: '<html><body><h1>Oops, our app crashed</h1></body></html>' }),
  cloudflareChallenge: (): Recorded => ({
    httpStatus: 403,
    headers: { ...cfHeaders(), 'cf-mitigated': 'challenge' },
    bodySample: '<!DOCTYPE html><html><head><title>Just a moment...</title></head><body><noscript>Enable JavaScript and cookies to continue</noscript><script>window._cf_chl_opt={};</script></body></html>',
  }),
  fastlyOk: (): Recorded => ({ httpStatus: 200, headers: { 'x-served-by': 'cache-fra-eddf8230123-FRA', 'x-cache': 'HIT', via: '1.1 varnish', 'x-timer': 'S1,VS0,VE1' }, bodySample: '<html>ok</html>' }),
  fastlyOriginTimeout: (): Recorded => ({
    httpStatus: 503,
    headers: { 'x-served-by': 'cache-sea4461-SEA', via: '1.1 varnish', 'x-cache': 'MISS' },
    bodySample: '<html><head><title>503 first byte timeout</title></head><body><h1>Error 503 first byte timeout</h1><p>first byte timeout</p><h3>Guru Mediation:</h3><p>Details: cache-sea4461-SEA 1645545919 4156862784</p><hr><p>Varnish cache server</p></body></html>',
  }),
  akamaiOk: (): Recorded => ({ httpStatus: 200, headers: { server: 'AkamaiGHost', 'x-akamai-transformed': '9 - 0 pmb=mRUM,1' }, bodySample: '<html>ok</html>' }),
  cloudfrontOk: (): Recorded => ({ httpStatus: 200, headers: { via: '1.1 abc123.cloudfront.net (CloudFront)', 'x-amz-cf-pop': 'FRA56-P1', 'x-amz-cf-id': 'abc==', 'x-cache': 'Hit from cloudfront' }, bodySample: '<html>ok</html>' }),
};
