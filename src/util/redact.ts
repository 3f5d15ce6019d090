// Redaction in one place: what of a URL may be printed. Reports, NDJSON lines, metrics labels and error messages
// show a site's URL as scheme, host, port and path, with any user name or password removed and query values
// replaced by "…" (the parameter names stay, so two sites that differ only in their query can still be told
// apart). Webhook URLs carry their secret in the path too (Slack's /services/T…/B…/XXXX): only the origin and the
// first path segment are shown.

const HIDDEN = '…';

/** A site URL as it may be printed: no userinfo, query values hidden. Text that is not a URL passes unchanged. */
export function redactSiteUrl(text: string): string {
  // Without "@" or "?" there is no userinfo and no query to hide: most URLs, and parsing each would cost.
  if (!text.includes('@') && !text.includes('?')) return text;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return text;
  }
  if (!url.username && !url.password && !url.search) return text;
  const query = url.search ? `?${[...url.searchParams.keys()].map((k) => `${encodeURIComponent(k)}=${HIDDEN}`).join('&')}` : '';
  return `${url.protocol}//${url.host}${url.pathname}${query}${url.hash}`;
}

/** A webhook URL as it may be printed: the origin and the first path segment only. */
export function redactWebhookUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return '(not a URL)';
  }
  const segments = url.pathname.split('/').filter(Boolean);
  const path = segments.length === 0 ? '/' : `/${segments[0]}${segments.length > 1 || url.search ? `/${HIDDEN}` : ''}`;
  return `${url.protocol}//${url.host}${path}`;
}
