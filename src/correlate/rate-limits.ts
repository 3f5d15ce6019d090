// Sites and resolvers that rate-limit this probe. A 429 Too Many Requests says "the user has sent too many requests
// in a given amount of time" (RFC 6585 §4) — a limit on this client, with the server up and answering; an overloaded
// server says 503 (RFC 9110 §15.6.4). From a site's own server (or passed through by its CDN): nothing was learned
// about what the site serves others, so those fetches are this host's to explain (untested), said once with what to
// change, never a site down; a provider's own rate-limit page (Cloudflare's 1015) keeps its provider's reading. From a
// DNS-over-HTTPS resolver (Google Public DNS documents 429 as a client sending too many queries,
// https://developers.google.com/speed/public-dns/docs/doh): the names it would not answer are judged on the other
// resolvers, never a resolver failing — this run's own load is no diagnosis. Pure.

import type { Attempt, DnsAnswer } from '../model.js';
import { dohStatusCode } from '../util/errors.js';
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

const DOH_TOO_MANY = dohStatusCode(429);

/** A DNS-over-HTTPS question its resolver refused with 429 Too Many Requests. */
export function dohRateLimited(d: Pick<DnsAnswer, 'error'>): boolean {
  return d.error?.code === DOH_TOO_MANY;
}

export interface ResolverRateLimits {
  /** The resolvers that answered 429 to some of this run's questions. */
  resolvers: ReadonlySet<string>;
  notes: string[];
  short: string[];
}

export function resolverRateLimits(dns: DnsAnswer[]): ResolverRateLimits | null {
  if (!dns.some(dohRateLimited)) return null;
  const byResolver = new Map<string, { limited: number; asked: number }>();
  for (const d of dns) {
    const counts = byResolver.get(d.resolver) ?? byResolver.set(d.resolver, { limited: 0, asked: 0 }).get(d.resolver)!;
    counts.asked += 1;
    if (dohRateLimited(d)) counts.limited += 1;
  }
  const limiting = [...byResolver].filter(([, c]) => c.limited > 0);
  return {
    resolvers: new Set(limiting.map(([name]) => name)),
    notes: limiting.map(
      ([name, c]) =>
        `resolver ${name} rate-limits this host: it answered HTTP 429 Too Many Requests to ${c.limited} of ${plural(c.asked, 'question')} — this run asked it more than it allows, not a resolver failing; those names were judged on the other resolvers (a lower --concurrency asks it less at once)`,
    ),
    short: limiting.map(([name]) => `resolver ${name} rate-limits this host (HTTP 429)`),
  };
}
