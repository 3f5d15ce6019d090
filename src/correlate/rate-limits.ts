// Sites that rate-limit this probe: a 429 Too Many Requests from the site's own server (or passed through by its CDN)
// says "the user has sent too many requests in a given amount of time" (RFC 6585 §4) — a limit on this client, with
// the server up and answering; an overloaded server says 503 (RFC 9110 §15.6.4). Nothing was learned about what the
// site serves others: those fetches are this host's to explain (untested), said once with what to change, never a
// site down. A provider's own rate-limit page (Cloudflare's 1015) keeps its provider's reading. Pure.

import type { Attempt } from '../model.js';
import { listNames, plural } from '../util/text.js';

interface RateLimitedSite {
  report: { name: string; attempts: Attempt[] };
}

export interface RateLimits {
  /** Ids of the fetches a site answered with its rate limit. */
  attempts: ReadonlySet<string>;
  note: string;
  short: string;
}

/** The site's own 429, as classify reads it (layer `site`: no provider's rule claimed it). */
export function rateLimited(a: Pick<Attempt, 'outcome' | 'httpStatus' | 'layer'>): boolean {
  return a.outcome === 'http-error' && a.httpStatus === 429 && a.layer === 'site';
}

export function rateLimits(sites: RateLimitedSite[]): RateLimits | null {
  // Most runs have none: looked for before anything is kept.
  if (!sites.some((s) => s.report.attempts.some(rateLimited))) return null;
  const attempts = new Set<string>();
  const names: string[] = [];
  const retry = new Set<string>();
  for (const s of sites) {
    const limited = s.report.attempts.filter(rateLimited);
    if (limited.length === 0) continue;
    names.push(s.report.name);
    for (const a of limited) {
      attempts.add(a.id);
      if (a.headers['retry-after']) retry.add(a.headers['retry-after'].slice(0, 40));
    }
  }
  const after = retry.size === 1 ? ` (Retry-After: ${[...retry][0]})` : '';
  return {
    attempts,
    note: `${plural(names.length, 'site')} rate-limit this probe${after}: ${listNames(names)} answered 429 Too Many Requests — up and answering, refusing this client for now; what they serve others was not tested. Probe them less often or with less concurrency, or have this host's address allowed`,
    short: `${plural(names.length, 'site')} rate-limit this probe (429)`,
  };
}
