// A plain origin web server, nginx-like: no provider headers, nginx's own error pages.

import { escapeHtml, httpDate, type LabResponse } from './types.js';

export const ORIGIN_SERVER = 'nginx/1.24.0';

function originHeaders(now: Date, contentType: string): Record<string, string> {
  return { server: ORIGIN_SERVER, date: httpDate(now), 'content-type': contentType };
}

/** The site's own page. Edges relay it unchanged, so edge and origin paths show the same content. */
export function originPage(host: string, title: string, now: Date): LabResponse {
  const body = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>Welcome to ${escapeHtml(host)}.</p>
</body>
</html>
`;
  return {
    status: 200,
    headers: { ...originHeaders(now, 'text/html'), 'cache-control': 'max-age=60', 'last-modified': httpDate(new Date(now.getTime() - 3_600_000)) },
    body,
  };
}

/** nginx's built-in page for a status, e.g. 500 when the application behind it crashed. */
export function originErrorPage(status: number, reason: string, now: Date): LabResponse {
  const body = `<html>
<head><title>${status} ${reason}</title></head>
<body>
<center><h1>${status} ${reason}</h1></center>
<hr><center>${ORIGIN_SERVER}</center>
</body>
</html>
`;
  return { status, headers: originHeaders(now, 'text/html'), body };
}

export function originServerError(now: Date): LabResponse {
  return originErrorPage(500, 'Internal Server Error', now);
}

/** nginx's answer for `return 302 <location>;` (a login redirect): its built-in 302 page and the Location header. */
export function originRedirect(location: string, now: Date): LabResponse {
  const page = originErrorPage(302, 'Found', now);
  return { ...page, headers: { ...page.headers, location } };
}
