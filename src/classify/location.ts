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

const MAX_EVIDENCE = LOCATION_EVIDENCE_CHARS;

export { validLocationCode };

// ───────────────────────────── PoP markers (data) ─────────────────────────────

interface HeaderMarker {
  /** ProviderDef.id whose header this is. */
  provider: string;
  header: string;
  kind: AttemptLocation['kind'];
  /** The location code in the header's value, or null when the value is not the documented shape. */
  read: (value: string) => string | null;
}

const first = (re: RegExp) => (value: string) => re.exec(value.trim())?.[1] ?? null;

/** Fastly lists every cache that handled the request, shield first; the last one is the edge the client hit. */
function lastFastlyPop(value: string): string | null {
  const caches = value.split(',').map((v) => v.trim()).filter((v) => v.startsWith('cache-'));
  const edge = caches[caches.length - 1];
  return edge ? (/-([A-Za-z]{3})$/.exec(edge)?.[1] ?? null) : null;
}

/** providers.md: one marker per provider that tells where it served the request. */
const HEADER_MARKERS: HeaderMarker[] = [
  { provider: 'cloudflare', header: 'cf-ray', kind: 'pop', read: first(/^[0-9a-f]{8,32}-([A-Za-z]{3})$/i) }, // 8fcb3f8a0cc56750-ATL
  { provider: 'cloudfront', header: 'x-amz-cf-pop', kind: 'pop', read: first(/^([A-Za-z]{3})\d{1,3}(?:-[A-Za-z0-9]{1,4})?$/) }, // FRA56-P1
  { provider: 'fastly', header: 'x-served-by', kind: 'pop', read: lastFastlyPop }, // cache-lcy19240-LCY, cache-fra-eddf8230123-FRA
  { provider: 'bunny', header: 'server', kind: 'pop', read: first(/^BunnyCDN-([A-Za-z0-9]{1,8})-\d+$/) }, // BunnyCDN-DE1-123
  { provider: 'vercel', header: 'x-vercel-id', kind: 'pop', read: first(/^([a-z]{3}\d{1,2})::/) }, // hnd1::fs8k9-1679151302268-…
  { provider: 'sucuri', header: 'x-sucuri-id', kind: 'pop', read: first(/^(\d{1,8})$/) }, // 11005
];

// ───────────────────────────── cloud regions from host names (data) ─────────────────────────────

const AWS_REGION = /(?:^|-)((?:us-gov|us-iso|us-isob|us|eu|ap|sa|ca|me|af|il|mx|cn)-(?:central|north|south|east|west|northeast|northwest|southeast|southwest)-\d{1,2})$/;
const GCP_REGION = /^((?:us|europe|asia|australia|northamerica|southamerica|me|africa)-[a-z]+\d{1,2})(?:-|$)/;
const AZURE_REGION = /^([a-z]+\d?)$/;

interface RegionHostRule {
  provider: string;
  /** The domain under which a label names the region. */
  domains: string[];
  /** Which label to read: any label below the domain (rightmost match wins), or only the one right below it. */
  labels: 'any' | 'adjacent';
  region: RegExp;
}

const REGION_HOSTS: RegionHostRule[] = [
  // dynamodb.us-east-1.amazonaws.com, x.us-east-1.elb.amazonaws.com, x.execute-api.eu-west-1.amazonaws.com,
  // s3-website-us-east-1.amazonaws.com, x.lambda-url.us-east-1.on.aws, env.us-east-1.elasticbeanstalk.com
  { provider: 'aws', domains: ['amazonaws.com', 'amazonaws.com.cn', 'on.aws', 'elasticbeanstalk.com', 'awsapprunner.com'], labels: 'any', region: AWS_REGION },
  // us-central1-project.cloudfunctions.net, svc-123.us-central1.run.app, us-central1-aiplatform.googleapis.com
  { provider: 'google', domains: ['cloudfunctions.net', 'run.app', 'googleapis.com', 'pkg.dev'], labels: 'any', region: GCP_REGION },
  // vm.westeurope.cloudapp.azure.com, app.westeurope.azurecontainerapps.io
  { provider: 'azure', domains: ['cloudapp.azure.com', 'azurecontainerapps.io'], labels: 'adjacent', region: AZURE_REGION },
];

/** EC2's public DNS in us-east-1 has no region label: ec2-1-2-3-4.compute-1.amazonaws.com. */
const FIXED_REGION_HOSTS: Array<{ provider: string; suffix: string; region: string }> = [
  { provider: 'aws', suffix: 'compute-1.amazonaws.com', region: 'us-east-1' },
];

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
  for (const fixed of FIXED_REGION_HOSTS) {
    if (underDomain(host, fixed.suffix)) return { provider: displayName(fixed.provider, providers), region: fixed.region, evidence: `host ${safeLine(host, 120)}` };
  }
  for (const rule of REGION_HOSTS) {
    const domain = rule.domains.find((d) => underDomain(host, d));
    if (!domain) continue;
    const labels = host.slice(0, -(domain.length + 1)).split('.');
    const candidates = rule.labels === 'adjacent' ? labels.slice(-1) : [...labels].reverse();
    for (const label of candidates) {
      const region = rule.region.exec(label)?.[1];
      if (region && validLocationCode(region)) {
        return { provider: displayName(rule.provider, providers), region, evidence: `host ${safeLine(host, 120)}` };
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
  for (const marker of HEADER_MARKERS.filter((m) => m.provider === provider.id)) {
    const value = attempt.headers[marker.header];
    if (value === undefined) continue;
    const found = location(provider.name, marker.read(value), marker.kind, `header ${marker.header}: ${value}`);
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
  return attempts.map((a) => applyRememberedLocation({ ...a, location: a.location ?? attemptLocation(a, catalog.providers, catalog.ranges, names) }, remembered, now));
}
