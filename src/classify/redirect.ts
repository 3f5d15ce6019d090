// Where a fetch that followed redirects ended up. A site whose page sends the browser to another owner's host (a
// login service, a shared portal) depends on that host: a failure there is that host's, reached through the
// site, and says nothing about the site's own edge or origin (which answered the redirect). Pure.

import type { Attempt } from '../model.js';
import { hostOfUrl, isAtOrBelow } from '../util/dns-name.js';

type Followed = Pick<Attempt, 'url' | 'redirects' | 'failedPhase' | 'error'>;

/**
 * The host the fetch last spoke to, or was on its way to: a redirect target whose name did not resolve is where the
 * fetch failed, though it never connected there. Null when nothing was followed.
 */
function endHost(attempt: Followed): string | null {
  const last = attempt.redirects.at(-1);
  if (!last) return null;
  if (attempt.failedPhase === 'redirect' && attempt.error?.code === 'REDIRECT_DNS') return hostOfUrl(last.location, last.url);
  return hostOfUrl(attempt.url);
}

/**
 * Whether a host is the site's own: its name, a name above or below it (example.com and www.example.com), or a name
 * in the site's own zone when that zone is known to be one customer's (app.acme.com and login.acme.com).
 */
function sameOwner(siteHost: string, other: string, zone: string | null): boolean {
  return isAtOrBelow(other, siteHost) || isAtOrBelow(siteHost, other) || (zone !== null && isAtOrBelow(other, zone));
}

/**
 * The other owner's host a fetch was redirected to and ended at (see endHost), or null when it ended at the site's
 * own (sameOwner). Only a redirect that took the fetch somewhere counts: a loop or an unreadable Location is the
 * site's own answer.
 */
export function offSiteHost(attempt: Followed, siteHost: string, zone: string | null): string | null {
  if (attempt.redirects.length === 0) return null;
  if (attempt.failedPhase === 'redirect' && attempt.error?.code !== 'REDIRECT_DNS') return null;
  const host = endHost(attempt);
  return host !== null && !sameOwner(siteHost, host, zone) ? host : null;
}

/** The attempts whose answers are the site's own: those that did not end at another owner's host (a login service's). */
export function ownAnswers<T extends Followed>(attempts: T[], siteHost: string, zone: string | null): T[] {
  return attempts.some((a) => a.redirects.length > 0) ? attempts.filter((a) => offSiteHost(a, siteHost, zone) === null) : attempts;
}

/**
 * The one other owner's host every one of these attempts (a site's) ended at, or null: none did, or they ended at
 * more than one host, or some at the site's own.
 */
export function oneOffSiteHost(attempts: Followed[], siteHost: string, zone: string | null): string | null {
  let found: string | null = null;
  for (const a of attempts) {
    const host = offSiteHost(a, siteHost, zone);
    if (host === null || (found !== null && host !== found)) return null;
    found = host;
  }
  return found;
}
