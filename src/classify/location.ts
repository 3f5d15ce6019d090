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
import { LOCATION_EVIDENCE_CHARS, safeLine, validLocationCode } from '../util/text.js';
import { REMEMBERED_PREFIX, formatAge, usableRememberedLocation, type RememberedLocations } from '../state/locations.js';
import { notProbed } from './outcome.js';

const MAX_EVIDENCE = LOCATION_EVIDENCE_CHARS;

export { validLocationCode };

// The PoP headers and the host names that name cloud regions are per-provider data: each provider's
// catalog entry holds its own (ProviderDef.popHeaders, regionHosts, fixedRegionHosts in fingerprint/catalog/).

/** Range sets mark worldwide prefixes with these instead of a region. */
const NOT_A_REGION = new Set(['global', 'unknown', '']);

function hostName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

// Asked of every site's names on every run, for every provider's domains: compared in place, no string made.
function underDomain(host: string, domain: string): boolean {
  return host.length > domain.length && host.endsWith(domain) && host.charCodeAt(host.length - domain.length - 1) === DOT;
}

const DOT = 46;

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
  // Asked of every site's names on every run, for every provider: indexed loops, and the evidence made on a match.
  const host = hostName(name);
  for (let i = 0; i < providers.length; i++) {
    const p = providers[i]!;
    const fixedHosts = p.fixedRegionHosts ?? NO_RULES;
    for (let j = 0; j < fixedHosts.length; j++) {
      if (underDomain(host, fixedHosts[j]!.suffix)) return { provider: p.name, region: fixedHosts[j]!.region, evidence: hostEvidence(host) };
    }
  }
  for (let i = 0; i < providers.length; i++) {
    const p = providers[i]!;
    const rules = p.regionHosts ?? NO_RULES;
    for (let j = 0; j < rules.length; j++) {
      const rule = rules[j]!;
      const domain = firstDomainOf(host, rule.domains);
      if (!domain) continue;
      const labels = host.slice(0, -(domain.length + 1)).split('.');
      const candidates = rule.labels === 'adjacent' ? labels.slice(-1) : [...labels].reverse();
      for (const label of candidates) {
        const region = rule.region.exec(label)?.[1];
        if (region && validLocationCode(region)) return { provider: p.name, region, evidence: hostEvidence(host) };
      }
    }
  }
  return null;
}

const NO_RULES: never[] = [];

function firstDomainOf(host: string, domains: string[]): string | null {
  for (let i = 0; i < domains.length; i++) if (underDomain(host, domains[i]!)) return domains[i]!;
  return null;
}

function hostEvidence(host: string): string {
  return `host ${safeLine(host, 120)}`;
}

/** The first of these names (the site's host, then its CNAME targets) that names a cloud region. */
export function regionFromHostNames(names: string[], providers: ProviderDef[] = BUILTIN_PROVIDERS): CloudRegion | null {
  // Asked of every answer's CNAME chain on every run, most of them empty: no iterator made for those.
  for (let i = 0; i < names.length; i++) {
    const found = regionFromHostName(names[i]!, providers);
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

const DAY_MS = 86_400_000;

/**
 * An edge attempt that carries no location of its own (a connection that failed before any header
 * arrived) takes the last location seen at its address, marked: evidence "remembered from <ISO>, <age> ago".
 * Entries older than maxAgeMs (default 7 days) are not used: anycast routes move.
 */
export function applyRememberedLocation(attempt: Attempt, remembered: RememberedLocations, now: Date = new Date(), maxAgeMs = 7 * DAY_MS): Attempt {
  if (attempt.location !== null || attempt.path !== 'edge' || !attempt.address) return attempt;
  const entry = remembered[attempt.address];
  if (!usableRememberedLocation(entry)) return attempt;
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
  // An attempt the run never made was served nowhere: it has no location, from evidence or from memory.
  return attempts.map((a) => (notProbed(a) ? a : applyRememberedLocation({ ...a, location: a.location ?? attemptLocation(a, catalog.providers, catalog.ranges, names) }, remembered, now)));
}
