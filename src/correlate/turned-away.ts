// Sites and resolvers that turn this probe away, up and answering: what they serve others was not tested, and this
// run says so once, never a site down or a resolver failing.
// - 429 Too Many Requests: "the user has sent too many requests in a given amount of time" (RFC 6585 §4) — a limit
//   on this client; an overloaded server says 503 (RFC 9110 §15.6.4).
// - 451 Unavailable For Legal Reasons: "denying access to the resource as a consequence of a legal demand" (RFC 7725
//   §3) — a decision about where this client is (a site blocking a region, a court order in this host's country).
// From a site's own server (or passed through by its CDN, classify's layer `site`): those fetches are this host's to
// explain, untested. A provider's own page that names what of this client it refuses — its rate (Cloudflare's 1015),
// or its address, network or country (1005–1009, 1106;
// https://developers.cloudflare.com/support/troubleshooting/http-status-codes/cloudflare-1xxx-errors/) — is the same
// statement at the edge: the edge is up and answering, the site untested from here; said once per provider. A block
// that names no such thing (a firewall rule, "you have been blocked") keeps its reading (correlate/incidents.ts
// requesterBlockedFindings). From a DNS-over-HTTPS resolver (Google Public DNS documents 429 as a client sending too many queries,
// https://developers.google.com/speed/public-dns/docs/doh): the names it would not answer are judged on the other
// resolvers — this run's own load is no diagnosis. Pure.

import type { Attempt, ClientRefusal, DnsAnswer } from '../model.js';
import { dohStatusCode } from '../util/errors.js';
import { listNames, plural } from '../util/text.js';

interface TurnedAwaySite {
  report: { name: string; attempts: Attempt[] };
}

export interface TurnedAway {
  /** Ids of the fetches a site turned away. */
  attempts: ReadonlySet<string>;
  notes: string[];
  short: string[];
}

/** Each status a site turns a client away with, and how the run says it. */
const REFUSALS: ReadonlyArray<{ status: number; note: (sites: string, one: boolean, names: string, header: string) => string; short: (sites: string, one: boolean) => string; header: string }> = [
  {
    status: 429,
    header: 'retry-after',
    note: (sites, one, names, after) =>
      `${sites} rate-limit${one ? 's' : ''} this probe${after ? ` (Retry-After: ${after})` : ''}: ${names} answered 429 Too Many Requests — up and answering, refusing this client for now; what ${one ? 'it serves' : 'they serve'} others was not tested. Probe ${one ? 'it' : 'them'} less often or with less concurrency, or have this host's address allowed`,
    short: (sites, one) => `${sites} rate-limit${one ? 's' : ''} this probe (429)`,
  },
  {
    status: 451,
    header: 'link',
    note: (sites, one, names) =>
      `${sites} refuse${one ? 's' : ''} this host for legal reasons: ${names} answered 451 Unavailable For Legal Reasons — a legal demand about where this host is (a site blocking a region, a court order here), not an outage; what ${one ? 'it serves' : 'they serve'} elsewhere was not tested. Probe ${one ? 'it' : 'them'} from a vantage where ${one ? 'it serves' : 'they serve'} (\`merge\` joins the reports)`,
    short: (sites) => `${sites} unavailable here for legal reasons (451)`,
  },
];

/** A site's own answer turning this client away (classify's layer `site`: no provider's rule claimed it). */
export function turnedAwayStatus(a: Pick<Attempt, 'outcome' | 'httpStatus' | 'layer'>): number | null {
  if (a.outcome !== 'http-error' || a.layer !== 'site' || a.httpStatus === null) return null;
  return REFUSALS.some((r) => r.status === a.httpStatus) ? a.httpStatus : null;
}

/** A provider's page refusing this client for its rate or its address (classify: the challenge's `refuses`), not expected. */
export function providerRefusal(a: Pick<Attempt, 'outcome' | 'challenge'>): ClientRefusal | null {
  const c = a.challenge;
  return a.outcome === 'challenge' && c !== null && c.kind === 'blocked' && !c.expected && c.refuses !== undefined ? c.refuses : null;
}

/** How the run says a provider's refusals of one kind, once. */
const PROVIDER_REFUSALS: Record<ClientRefusal, { note: (sites: string, one: boolean, provider: string, names: string, said: string) => string; short: (sites: string, one: boolean, provider: string) => string }> = {
  rate: {
    note: (sites, one, provider, names, said) =>
      `${sites} behind ${provider} rate-limit${one ? 's' : ''} this probe: ${names} answered ${provider}'s own page (${said}) — its edge is up and answering, refusing this client for now; what ${one ? 'it serves' : 'they serve'} others was not tested. Probe ${one ? 'it' : 'them'} less often or with less concurrency, or have this host's address allowed`,
    short: (sites, _one, provider) => `${sites} rate-limited by ${provider} for this probe`,
  },
  address: {
    note: (sites, one, provider, names, said) =>
      `${sites} behind ${provider} refuse${one ? 's' : ''} this host's address: ${names} answered ${provider}'s own page (${said}) — a ban of this host's address, network or country, normally by the site's own rule, not an outage; what ${one ? 'it serves' : 'they serve'} others was not tested. Probe ${one ? 'it' : 'them'} from a vantage ${one ? 'it does' : 'they do'} not ban (\`merge\` joins the reports), or have this host's address allowed`,
    short: (sites, one, provider) => `${sites} behind ${provider} ban${one ? 's' : ''} this host's address`,
  },
};

export function turnedAway(sites: TurnedAwaySite[]): TurnedAway | null {
  // Most runs have none: looked for before anything is kept.
  if (!sites.some((s) => s.report.attempts.some((a) => turnedAwayStatus(a) !== null || providerRefusal(a) !== null))) return null;
  const attempts = new Set<string>();
  const notes: string[] = [];
  const short: string[] = [];
  for (const refusal of REFUSALS) {
    const names: string[] = [];
    const headers = new Set<string>();
    for (const s of sites) {
      const refused = s.report.attempts.filter((a) => turnedAwayStatus(a) === refusal.status);
      if (refused.length === 0) continue;
      names.push(s.report.name);
      for (const a of refused) {
        attempts.add(a.id);
        const value = a.headers[refusal.header];
        if (value) headers.add(value.slice(0, 40));
      }
    }
    if (names.length === 0) continue;
    const sitesWord = plural(names.length, 'site');
    const one = names.length === 1;
    notes.push(refusal.note(sitesWord, one, listNames(names), headers.size === 1 ? [...headers][0]! : ''));
    short.push(refusal.short(sitesWord, one));
  }
  // A provider's refusals, by provider and by what they refuse.
  const byProvider = new Map<string, { refuses: ClientRefusal; provider: string; names: string[]; said: Set<string> }>();
  for (const s of sites) {
    for (const a of s.report.attempts) {
      const refuses = providerRefusal(a);
      if (refuses === null) continue;
      attempts.add(a.id);
      const key = `${a.challenge!.provider}|${refuses}`;
      const entry = byProvider.get(key) ?? byProvider.set(key, { refuses, provider: a.challenge!.provider, names: [], said: new Set() }).get(key)!;
      if (!entry.names.includes(s.report.name)) entry.names.push(s.report.name);
      // The page's own words, to its first reason ("Cloudflare error 1015: the requester is rate limited").
      if (a.explanation) entry.said.add(a.explanation.split(': ').slice(0, 2).join(': '));
    }
  }
  for (const { refuses, provider, names, said } of byProvider.values()) {
    const sitesWord = plural(names.length, 'site');
    notes.push(PROVIDER_REFUSALS[refuses].note(sitesWord, names.length === 1, provider, listNames(names), [...said].slice(0, 2).join('; ')));
    short.push(PROVIDER_REFUSALS[refuses].short(sitesWord, names.length === 1, provider));
  }
  return { attempts, notes, short };
}

const DOH_TOO_MANY = dohStatusCode(429);

/** A DNS-over-HTTPS question its resolver refused with 429 Too Many Requests. */
export function dohRateLimited(d: Pick<DnsAnswer, 'error'>): boolean {
  return d.error?.code === DOH_TOO_MANY;
}

export interface ResolverRateLimits {
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
    notes: limiting.map(
      ([name, c]) =>
        `resolver ${name} rate-limits this host: it answered HTTP 429 Too Many Requests to ${c.limited} of ${plural(c.asked, 'question')} — this run asked it more than it allows, not a resolver failing; those names were judged on the other resolvers (a lower --concurrency asks it less at once)`,
    ),
    short: limiting.map(([name]) => `resolver ${name} rate-limits this host (HTTP 429)`),
  };
}
