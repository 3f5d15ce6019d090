// Where each attempt was served, from the provider's own evidence: the PoP in its response headers
// (cf-ray, x-amz-cf-pop, x-served-by ...), the colo= line of its self-test, or the cloud region named by
// the host names (dynamodb.us-east-1.amazonaws.com) and by the published range the address falls in.
// Pure. Codes come from the network, so every one is checked before it can reach a terminal or a metric
// label: letters, digits and '-' only, at most 16 characters; anything else is dropped, never cleaned up.
//
// Code conventions: a PoP is named by the provider's own code, in the provider's own case
// (Cloudflare colo "FRA", Fastly "FRA", Bunny "DE1", Vercel "hnd1", Sucuri "11005"). CloudFront's
// x-amz-cf-pop "FRA56-P1" is one of several edge sites in a metro: the code is the airport part "FRA"
// (so it lines up with the other CDNs' codes); the full value stays in `evidence`.
// A cloud region is named as the cloud names it ("us-east-1", "europe-west1", "westeurope").

import type { Attempt, AttemptLocation, DnsAnswer } from '../model.js';
import type { ProviderDef, RangeMatch } from '../fingerprint/types.js';
import type { RangeIndex } from '../fingerprint/ranges/trie.js';
import { BUILTIN_PROVIDERS } from '../fingerprint/catalog/index.js';
import { safeLine } from '../util/text.js';

const MAX_CODE_LENGTH = 16;
const MAX_EVIDENCE = 160;

/** A location code that may be shown and used as a label: [A-Za-z0-9-], 1 to 16 characters. */
export function validLocationCode(text: string): boolean {
  return text.length > 0 && text.length <= MAX_CODE_LENGTH && /^[A-Za-z0-9-]+$/.test(text);
}

// The PoP headers and the host names that name cloud regions are per-provider data: each provider's
// catalog entry holds its own (ProviderDef.popHeaders, regionHosts, fixedRegionHosts in fingerprint/catalog/).

/** Range sets mark worldwide prefixes with these instead of a region. */
const NOT_A_REGION = new Set(['global', 'unknown', '']);

function hostName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

function underDomain(host: string, domain: string): boolean {
  return host.endsWith(`.${domain}`);
}

export interface CloudRegion {
  /** Display name of the cloud, e.g. "AWS". */
  provider: string;
  region: string;
  evidence: string;
}

function displayName(id: string, providers: ProviderDef[]): string {
  return providers.find((p) => p.id === id)?.name ?? BUILTIN_PROVIDERS.find((p) => p.id === id)?.name ?? id;
}

/** The cloud region one host name names, e.g. dynamodb.us-east-1.amazonaws.com → AWS us-east-1. */
export function regionFromHostName(name: string, providers: ProviderDef[] = BUILTIN_PROVIDERS): CloudRegion | null {
  const host = hostName(name);
  const evidence = `host ${safeLine(host, 120)}`;
  for (const p of providers) {
    const fixed = p.fixedRegionHosts?.find((f) => underDomain(host, f.suffix));
    if (fixed) return { provider: p.name, region: fixed.region, evidence };
  }
  for (const p of providers) {
    for (const rule of p.regionHosts ?? []) {
      const domain = rule.domains.find((d) => underDomain(host, d));
      if (!domain) continue;
      const labels = host.slice(0, -(domain.length + 1)).split('.');
      const candidates = rule.labels === 'adjacent' ? labels.slice(-1) : [...labels].reverse();
      for (const label of candidates) {
        const region = rule.region.exec(label)?.[1];
        if (region && validLocationCode(region)) return { provider: p.name, region, evidence };
      }
    }
  }
  return null;
}

/** The first of these names (the site's host, then its CNAME targets) that names a cloud region. */
export function regionFromHostNames(names: string[], providers: ProviderDef[] = BUILTIN_PROVIDERS): CloudRegion | null {
  for (const name of names) {
    const found = regionFromHostName(name, providers);
    if (found) return found;
  }
  return null;
}

/** The cloud region of a published prefix (AWS ip-ranges.json `region`, Google cloud.json `scope` ...). */
export function regionFromRange(match: RangeMatch | null, providers: ProviderDef[] = BUILTIN_PROVIDERS): CloudRegion | null {
  if (!match || match.region === null || NOT_A_REGION.has(match.region.toLowerCase()) || !validLocationCode(match.region)) return null;
  const where = [match.region, match.service].filter(Boolean).join(', ');
  return { provider: displayName(match.provider, providers), region: match.region, evidence: `in ${match.prefix} (${safeLine(where, 60)})` };
}

// ───────────────────────────── one attempt ─────────────────────────────

function location(provider: string, code: string | null, kind: AttemptLocation['kind'], evidence: string): AttemptLocation | null {
  if (code === null || !validLocationCode(code)) return null;
  return { provider, code, kind, evidence: safeLine(evidence, MAX_EVIDENCE) };
}

function fromHeaders(attempt: Attempt, provider: ProviderDef): AttemptLocation | null {
  if (attempt.httpStatus === null) return null;
  for (const marker of provider.popHeaders ?? []) {
    const value = attempt.headers[marker.header];
    if (value === undefined) continue;
    const found = location(provider.name, marker.read(value), 'pop', `header ${marker.header}: ${value}`);
    if (found) return found;
  }
  return null;
}

/** The self-test's key=value line (Cloudflare's "colo=FRA"), read for the provider whose self-test path it fetched. */
function fromSelfTest(attempt: Attempt, providers: ProviderDef[]): AttemptLocation | null {
  const test = attempt.selfTest;
  if (!test?.location) return null;
  let path: string;
  try {
    path = new URL(test.url).pathname;
  } catch {
    return null;
  }
  for (const p of providers) {
    const key = p.selfTest?.locationKey;
    if (!key || p.selfTest!.path !== path) continue;
    const prefix = `${key}=`;
    if (!test.location.startsWith(prefix)) continue;
    return location(p.name, test.location.slice(prefix.length).trim(), 'pop', `self-test ${p.selfTest!.path}: ${test.location}`);
  }
  return null;
}

function attemptHost(attempt: Attempt): string[] {
  try {
    return [new URL(attempt.url).hostname.replace(/^\[|\]$/g, '')];
  } catch {
    return [];
  }
}

/**
 * Where this attempt was served, or null when no provider says. In order: a PoP header of the provider
 * the attempt is attributed to, then of the other providers in catalog order (outermost proxy first),
 * then the self-test's location line, then the cloud region named by the host names (the URL's host,
 * then `names`: the site's CNAME chain), then the region of the published prefix holding the address.
 */
export function attemptLocation(attempt: Attempt, providers: ProviderDef[], rangeIndex: RangeIndex | null, names: string[] = []): AttemptLocation | null {
  const own = attempt.provider ? providers.find((p) => p.name === attempt.provider) : undefined;
  for (const p of own ? [own, ...providers.filter((x) => x !== own)] : providers) {
    const found = fromHeaders(attempt, p);
    if (found) return found;
  }
  const tested = fromSelfTest(attempt, providers);
  if (tested) return tested;
  const named = regionFromHostNames([...attemptHost(attempt), ...names], providers);
  if (named) return location(named.provider, named.region, 'region', `${named.evidence} names region ${named.region}`);
  if (attempt.address && rangeIndex) {
    const ranged = regionFromRange(rangeIndex.lookup(attempt.address), providers);
    if (ranged) return location(ranged.provider, ranged.region, 'region', `address ${attempt.address} ${ranged.evidence}`);
  }
  return null;
}

/** Every CNAME target in a site's DNS answers, in the order first seen (the `names` of attemptLocation). */
export function cnameTargets(dns: DnsAnswer[]): string[] {
  return [...new Set(dns.flatMap((d) => d.cnameChain))];
}

// ───────────────────────────── remembered locations (--state) ─────────────────────────────

export interface RememberedLocation {
  location: AttemptLocation;
  /** When the location was last seen first-hand (the attempt's startedAt, ISO 8601). */
  seenAt: string;
}

/** By edge address. */
export type RememberedLocations = Record<string, RememberedLocation>;

export interface RememberOptions {
  now?: Date;
  /** Forget what was last seen longer ago than this (default 30 days). */
  maxAgeMs?: number;
  /** Keep at most this many addresses, newest first (default 2000). */
  maxEntries?: number;
}

const DAY_MS = 86_400_000;
const REMEMBERED_PREFIX = 'remembered from ';

/** A location filled in from an earlier run rather than seen in this one. */
export function isRememberedLocation(location: AttemptLocation | null): boolean {
  return location !== null && location.evidence.startsWith(REMEMBERED_PREFIX);
}

/** A remembered entry read back from the state file is untrusted input: check its shape and its code. */
function usableEntry(value: unknown): value is RememberedLocation {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as { location?: unknown; seenAt?: unknown };
  const loc = entry.location as Partial<AttemptLocation> | undefined;
  return (
    typeof entry.seenAt === 'string' &&
    Number.isFinite(Date.parse(entry.seenAt)) &&
    typeof loc === 'object' &&
    loc !== null &&
    typeof loc.provider === 'string' &&
    typeof loc.code === 'string' &&
    validLocationCode(loc.code) &&
    (loc.kind === 'pop' || loc.kind === 'region') &&
    typeof loc.evidence === 'string'
  );
}

/**
 * The memory for the next run: what this run saw first-hand on the edge path (by address) over what was
 * remembered before. Remembered locations are never re-remembered, so an entry's seenAt is always a
 * first-hand sighting; entries older than maxAgeMs are dropped and the newest maxEntries kept.
 */
export function rememberLocations(prev: RememberedLocations, attempts: Attempt[], options: RememberOptions = {}): RememberedLocations {
  const now = (options.now ?? new Date()).getTime();
  const maxAge = options.maxAgeMs ?? 30 * DAY_MS;
  const next = new Map<string, RememberedLocation>();
  for (const [address, entry] of Object.entries(prev ?? {})) {
    if (usableEntry(entry) && now - Date.parse(entry.seenAt) <= maxAge) {
      next.set(address, { location: { ...entry.location, provider: safeLine(entry.location.provider, 60), evidence: safeLine(entry.location.evidence, MAX_EVIDENCE) }, seenAt: entry.seenAt });
    }
  }
  for (const a of attempts) {
    if (a.path !== 'edge' || !a.address || !a.location || isRememberedLocation(a.location) || !validLocationCode(a.location.code)) continue;
    const seen = next.get(a.address);
    if (seen && Date.parse(seen.seenAt) > Date.parse(a.startedAt)) continue;
    next.set(a.address, { location: a.location, seenAt: a.startedAt });
  }
  const newest = [...next].sort((x, y) => Date.parse(y[1].seenAt) - Date.parse(x[1].seenAt)).slice(0, options.maxEntries ?? 2000);
  return Object.fromEntries(newest);
}

/** "45s", "12m", "3h05m", "2d4h". */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${h % 24}h`;
}

/**
 * An edge attempt that carries no location of its own (a connection that failed before any header
 * arrived) takes the last location seen at its address, marked: evidence "remembered from <ISO>, <age> ago".
 * Entries older than maxAgeMs (default 7 days) are not used: anycast routes move.
 */
export function applyRememberedLocation(attempt: Attempt, remembered: RememberedLocations, now: Date = new Date(), maxAgeMs = 7 * DAY_MS): Attempt {
  if (attempt.location !== null || attempt.path !== 'edge' || !attempt.address) return attempt;
  const entry = remembered[attempt.address];
  if (!usableEntry(entry)) return attempt;
  const age = now.getTime() - Date.parse(entry.seenAt);
  if (age > maxAgeMs || age < 0) return attempt;
  const evidence = `${REMEMBERED_PREFIX}${entry.seenAt}, ${formatAge(age)} ago (${entry.location.evidence})`;
  return { ...attempt, location: { ...entry.location, provider: safeLine(entry.location.provider, 60), evidence: safeLine(evidence, MAX_EVIDENCE + 60) } };
}

/**
 * The whole step for one site's classified attempts: locate each from its own evidence, then fill what is
 * still missing from memory. `dns` is the site's DNS answers (for its CNAME chain).
 */
export function locateAttempts(
  attempts: Attempt[],
  dns: DnsAnswer[],
  catalog: { providers: ProviderDef[]; ranges: RangeIndex | null },
  remembered: RememberedLocations = {},
  now: Date = new Date(),
): Attempt[] {
  const names = cnameTargets(dns);
  return attempts.map((a) => applyRememberedLocation({ ...a, location: a.location ?? attemptLocation(a, catalog.providers, catalog.ranges, names) }, remembered, now));
}
