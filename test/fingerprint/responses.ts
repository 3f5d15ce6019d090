// Recorded-style responses (status, headers, body snippets) built from the markup quoted in
// /work/shared/reference/providers.md and incidents.md. Not a test file: the tests import these.

export interface Recorded {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const CF_HEADERS = { server: 'cloudflare', 'cf-ray': '8fcb3f8a0cc56750-ATL', 'content-type': 'text/html; charset=UTF-8' };

/** The branded Cloudflare 5xx page (You / Cloudflare / Host boxes; the failing box says Error). */
export function cloudflareBrandedPage(code: number, title: string, failing: 'host' | 'cloudflare' = 'host'): string {
  const status = (box: 'host' | 'cloudflare') => (box === failing ? 'Error' : 'Working');
  return `<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<head>
<title>shop.example.com | ${code}: ${title}</title>
<meta charset="UTF-8" />
<link rel="stylesheet" id="cf_styles-css" href="/cdn-cgi/styles/main.css" />
</head>
<body>
<div id="cf-wrapper">
  <div id="cf-error-details" class="p-0">
    <header class="mx-auto pt-10 lg:pt-6 lg:px-8 w-240 lg:w-full mb-8">
      <h1 class="inline-block sm:block sm:mb-2 font-light text-60 lg:text-4xl text-black-dark leading-tight mr-2">
        <span class="inline-block">${title}</span>
        <span class="code-label">Error code ${code}</span>
      </h1>
      <div>Visit <a href="https://www.cloudflare.com/5xx-error-landing?utm_source=errorcode_${code}&utm_campaign=shop.example.com" target="_blank" rel="noopener noreferrer">cloudflare.com</a> for more information.</div>
    </header>
    <div class="cf-section cf-wrapper">
      <div id="cf-browser-status" class="cf-column"><span class="cf-icon-label">You</span> <span>Browser</span> <span class="cf-status-label">Working</span></div>
      <div id="cf-cloudflare-status" class="cf-column"><span>Atlanta</span> <span>Cloudflare</span> <span class="cf-status-label">${status('cloudflare')}</span></div>
      <div id="cf-host-status" class="cf-column"><span>shop.example.com</span> <span>Host</span> <span class="cf-status-label">${status('host')}</span></div>
    </div>
    <div class="cf-error-footer cf-wrapper">
      <p class="text-13">
        <span class="cf-footer-item sm:block sm:mb-1">Cloudflare Ray ID: <strong class="font-semibold">8fcb3f8a0cc56750</strong></span>
        <span class="cf-footer-separator sm:hidden">&bull;</span>
        <span id="cf-footer-item-ip" class="cf-footer-item sm:block sm:mb-1">Your IP: 203.0.113.7</span>
        <span class="cf-footer-separator sm:hidden">&bull;</span>
        <span class="cf-footer-item sm:block sm:mb-1"><span>Performance &amp; security by</span> <a rel="noopener noreferrer" href="https://www.cloudflare.com/5xx-error-landing" id="brand_link" target="_blank">Cloudflare</a></span>
      </p>
    </div>
  </div>
</div>
</body>
</html>`;
}

/** Cloudflare's own unbranded nginx-style page (2019-07-02 WAF outage 502s, 2025-11-18 500s). */
export function cloudflareUnbranded(status: number, reason: string): string {
  return `<html>\r\n<head><title>${status} ${reason}</title></head>\r\n<body>\r\n<center><h1>${status} ${reason}</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n`;
}

/** A 1xxx page in the HTML form. */
export function cloudflare1xxxPage(code: number, title: string): string {
  return `<!DOCTYPE html><html><head><title>${title} | shop.example.com | Cloudflare</title>
<link rel="stylesheet" href="/cdn-cgi/styles/cf.errors.css" /></head><body>
<div id="cf-wrapper"><div id="cf-error-details" class="cf-error-details-wrapper">
<div class="cf-wrapper cf-header cf-error-overview">
<h1><span class="cf-error-type" data-translate="error">Error</span> <span class="cf-error-code">${code}</span></h1>
<h2 class="cf-subheadline">${title}</h2></div>
<div class="cf-error-footer">Cloudflare Ray ID: <strong>8fcb3f8a0cc51016</strong> &bull; Your IP: 203.0.113.7 &bull; Performance &amp; security by Cloudflare</div>
</div></div></body></html>`;
}

export const CF_CHALLENGE_PAGE = `<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"><meta name="robots" content="noindex,nofollow">
</head><body><div class="main-wrapper" role="main"><div class="main-content">
<noscript><div class="h2"><span id="challenge-error-text">Enable JavaScript and cookies to continue</span></div></noscript>
</div></div><script>(function(){window._cf_chl_opt={cvId: '3',cZone: "shop.example.com",cType: 'managed',cRay: '8fcb3f8a0cc56750'};
var cpo = document.createElement('script');cpo.src = '/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1?ray=8fcb3f8a0cc56750';
document.getElementsByTagName('head')[0].appendChild(cpo);}());</script></body></html>`;

/** A healthy Cloudflare-served page that merely mentions Cloudflare things (must NOT read as a challenge). */
export const CF_HEALTHY: Recorded = {
  status: 200,
  headers: {
    ...CF_HEADERS,
    'cf-cache-status': 'DYNAMIC',
    'content-security-policy': "default-src 'self'; script-src 'self' https://cdnjs.cloudflare.com https://challenges.cloudflare.com; frame-src https://challenges.cloudflare.com",
  },
  body: `<!doctype html><html><head><title>Shop</title>
<script src="https://cdnjs.cloudflare.com/ajax/libs/jquery/3.7.1/jquery.min.js"></script>
<script src="https://challenges.cloudflare.com/turnstile/v0/api.js" async defer></script>
</head><body><h1>Welcome to the shop</h1><form><div class="cf-turnstile" data-sitekey="0x4AAAAAAA"></div></form>
<script>(function(){function c(){var b=a.contentDocument||a.contentWindow.document;if(b){var d=b.createElement('script');
d.innerHTML="window.__CF$cv$params={r:'8fcb3f8a0cc56750',t:'MTcwMDAwMDAwMC4wMDAwMDA='};var a=document.createElement('script');a.nonce='';a.src='/cdn-cgi/challenge-platform/scripts/jsd/main.js';document.getElementsByTagName('head')[0].appendChild(a);";
b.getElementsByTagName('head')[0].appendChild(d)}}}());</script>
<script src="/cdn-cgi/challenge-platform/h/b/scripts/jsd/e0c2d4b5d1f6/main.js"></script>
</body></html>`,
};

export function akamaiAccessDenied(): string {
  return `<HTML><HEAD>
<TITLE>Access Denied</TITLE>
</HEAD><BODY>
<H1>Access Denied</H1>
 
You don't have permission to access "http&#58;&#47;&#47;www&#46;example&#46;com&#47;" on this server.<P>
Reference&#32;&#35;18&#46;73cfdb17&#46;1784462921&#46;702954a2
<P>https&#58;&#47;&#47;errors&#46;edgesuite&#46;net&#47;18&#46;73cfdb17&#46;1784462921&#46;702954a2</P>
</BODY>
</HTML>
`;
}

export function akamaiError(prefix: number, encoded = true): string {
  const ref = encoded ? `Reference&#32;&#35;${prefix}&#46;5c3a2f17&#46;1784462921&#46;1a2b3c4d` : `Reference #${prefix}.5c3a2f17.1784462921.1a2b3c4d`;
  return `<HTML><HEAD><TITLE>Error</TITLE></HEAD><BODY>
An error occurred while processing your request.<p>
${ref}
<P>https&#58;&#47;&#47;errors&#46;edgesuite&#46;net&#47;${prefix}&#46;5c3a2f17&#46;1784462921&#46;1a2b3c4d</P>
</BODY></HTML>`;
}

export const AKAMAI_GATEWAY_TIMEOUT = `<HTML><HEAD>
<TITLE>Gateway Timeout - In read </TITLE>
</HEAD><BODY>
<H1>Gateway Timeout</H1>
The proxy server did not receive a timely response from the upstream server.<P>
Reference&#32;&#35;1&#46;6f2a1c17&#46;1784462921&#46;0
</BODY></HTML>`;

export const AKAMAI_INVALID_URL = `<HTML><HEAD>
<TITLE>Invalid URL</TITLE>
</HEAD><BODY>
<H1>Invalid URL</H1>
The requested URL "&#91;no&#32;URL&#93;", is invalid.<p>
Reference&#32;&#35;9&#46;6f2a1c17&#46;1784462921&#46;0
</BODY></HTML>`;

export function fastlyGuru(reason: string, status = 503): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">
<html>
  <head>
    <title>${status} ${reason}</title>
  </head>
  <body>
    <h1>Error ${status} ${reason}</h1>
    <p>${reason}</p>
    <h3>Guru Mediation:</h3>
    <p>Details: cache-sea4461-SEA 1645545919 4156862784</p>
    <hr>
    <p>Varnish cache server</p>
  </body>
</html>`;
}

export const FASTLY_HEADERS = {
  'x-served-by': 'cache-sea4461-SEA',
  'x-cache': 'MISS',
  'x-timer': 'S1645545919.123456,VS0,VE15001',
  via: '1.1 varnish',
};

export function cloudfrontError(status: number, headline: string): string {
  return `<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">
<HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">
<TITLE>ERROR: The request could not be satisfied</TITLE>
</HEAD><BODY>
<H1>${status} ERROR</H1>
<H2>The request could not be satisfied.</H2>
<HR noshade size="1px">
${headline}
<BR clear="all">
<HR noshade size="1px">
<PRE>
Generated by cloudfront (CloudFront)
Request ID: 6mX1Z0pKqv0sWm2e9yYv3J0m4ZzTq0G8yXk2w1wQv5b3q9yTqS0w==
</PRE>
<ADDRESS>
</ADDRESS>
</BODY></HTML>`;
}

export const CLOUDFRONT_HEADERS = {
  server: 'CloudFront',
  'x-cache': 'Error from cloudfront',
  via: '1.1 8f22423015641505b8c857a37450d6c0.cloudfront.net (CloudFront)',
  'x-amz-cf-pop': 'FRA56-P1',
  'x-amz-cf-id': '6mX1Z0pKqv0sWm2e9yYv3J0m4ZzTq0G8yXk2w1wQv5b3q9yTqS0w==',
};

export const AFD_PAGE = `<!DOCTYPE html><html xmlns="http://www.w3.org/1999/xhtml"><head>
<meta content="text/html; charset=utf-8" http-equiv="Content-Type"/>
<title>Front Door service error</title></head><body>
<h2>Our services aren't available right now</h2>
<p>We're working to restore all services as soon as possible. Please check back soon.</p>
0aB1cDeFgHiJkLmNoPqRsTuVwXyZ=</body></html>`;

export const GOOGLE_502 = `<!DOCTYPE html>
<html lang=en>
  <meta charset=utf-8>
  <meta name=viewport content="initial-scale=1, minimum-scale=1, width=device-width">
  <title>Error 502 (Server Error)!!1</title>
  <a href=//www.google.com/><span id=logo aria-label=Google></span></a>
  <p><b>502.</b> <ins>That’s an error.</ins>
  <p>The server encountered a temporary error and could not complete your request.<p>Please try again in 30 seconds.  <ins>That’s all we know.</ins>`;
