/**
 * Is `name` the zone itself or a name inside it? Compared by labels: "shop.test" is below "test", "myshop.test" is
 * not below "shop.test". Both lower-case, without the trailing dot (as normalizeName leaves them).
 */
export function isAtOrBelow(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

/** A URL's host as DNS and TLS see it: lower case, IPv6 without brackets, no trailing dot. */
export function hostOf(url: URL): string {
  return url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}

/** hostOf of a URL given as text (relative to `base` when given), or null when it does not parse. */
export function hostOfUrl(url: string, base?: string): string | null {
  try {
    return hostOf(new URL(url, base));
  } catch {
    return null;
  }
}
