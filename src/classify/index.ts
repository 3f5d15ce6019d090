// The classify stage: the one place where an attempt is judged. For each site it reads who serves each layer
// (the stack), then decides every attempt's outcome, layer, provider and explanation, the dependency-endpoint
// reading, and where the provider served it (location, from this run or from memory). Every output — the table,
// JSON, NDJSON lines, metrics — renders what this stage decided. Pure.
//
// It reads the fingerprint catalog and what the state file remembers (handed in as Memory).
//
// classify/ never imports config/, probe/, correlate/, report/, notify/, status/, merge/, lab/ or commands/.

import type { Attempt, CertificateInfo, ChainHop, ChallengeSeen, ClientRefusal, Delegation, DnsAnswer, ExpectResult, FailingZone, RawAttempt, RawSite, ResolverSpec, SampleStats, ServedBaseline, SiteProvider, SiteSpec } from '../model.js';
import type { Catalog } from '../fingerprint/index.js';
import type { SelfTest } from '../fingerprint/types.js';
import type { RememberedLocations } from '../state/locations.js';
import { classifyEndpointAttempt, expectedEndpointProvider } from './endpoint.js';
import { describeFailingZone, everyResolverSaysNxdomain, everyResolverSaysUnspecified, failingZoneOf, noAddressReading, nxdomainRedirectors, siteChain, withoutWord } from './delegation.js';
import { dnssecFailureWords, isDnssecFailure, onlyStaleAnswers, policyBlockWords, refusesThisClient, rejectedDespiteValidation, validatingResolvers } from './dns-facts.js';
import { redactSiteUrl } from '../util/redact.js';
import { dohServerUnresolved } from '../util/errors.js';
import { hostOfUrl } from '../util/dns-name.js';
import { NONE, orNone } from '../util/collections.js';
import { recentValues } from '../util/recent.js';
import { classifyAttempt, respondingProviders } from './layer.js';
import { locateAttempts } from './location.js';
import { attemptOutcome } from './outcome.js';
import { customerZone, siteStack, type SiteStack } from './stack.js';
import { offSiteHost } from './redirect.js';
import { strayAnswerReadings } from './stray-answer.js';
import { keptTimings } from './timings.js';

/** What earlier runs left in the state file: used where this run cannot see (an edge that no longer answers). */
export interface Memory {
  stacks?: Record<string, SiteProvider[]>;
  locations?: RememberedLocations;
  /** By site: what it served on its last healthy-looking run (its content, or a challenge to this probe). */
  served?: Record<string, ServedBaseline>;
  /** By site: what its last resolving run learned of its delegation (CNAME chain after its host, name servers). */
  delegations?: Record<string, Delegation>;
  now?: Date;
}

export interface ClassifyContext {
  resolvers: ResolverSpec[];
  catalog: Catalog;
  memory?: Memory;
}

export interface ClassifiedSite {
  spec: SiteSpec;
  dns: DnsAnswer[];
  attempts: Attempt[];
  stack: SiteStack;
  chain: ChainHop[];
  failingZone: FailingZone | null;
}

export function classifySite(raw: RawSite, context: ClassifyContext): ClassifiedSite {
  const { catalog, memory = {} } = context;
  const remembered = memory.stacks?.[raw.spec.name] ?? [];
  const measured = raw.attempts.map(withOutcome);
  const delegation = memory.delegations?.[raw.spec.name];
  const offSite = offSiteHosts(raw.spec.host, raw.dns, measured, catalog);
  // Who serves the site is read from its own hosts' answers: a redirect target's headers are another owner's.
  const own = (list: Attempt[]) => (offSite.size === 0 ? list : list.filter((a) => !offSite.has(a.id)));
  const before = siteStack(raw.dns, own(measured), catalog, remembered, delegation?.nameServers);
  const resolverProviders = providersByResolver(context.resolvers);
  const edgeEvidence = before.providers.find((p) => p.layer === 'edge')?.evidence ?? [];
  const siteContext = { edge: before.edge, edgeEvidence, origin: before.origin, resolverProviders };
  const spec = raw.spec;
  const served = memory.served?.[spec.name] ?? null;
  const chain = siteChain(spec.host, raw.dns, delegation?.chain ?? []);
  const failingZone = failingZoneOf(spec.host, raw.dns, chain, { catalog, dnsHost: before.dnsHost });
  let attempts = measured.map((a) => {
    const elsewhere = offSite.get(a.id);
    if (elsewhere !== undefined) return atOffSiteHost(a, elsewhere, spec, served, catalog, resolverProviders);
    const { challengeKind, challengeRefuses, ...reading } = classifyAttempt(a, siteContext, catalog);
    return withChallenge(withDelegation({ ...a, ...reading }, spec, raw.dns, failingZone, catalog), challengeKind ?? null, spec, served, challengeRefuses);
  });
  if ((spec.kind === 'endpoint' || spec.kind === 'control-plane') && spec.expect.status.length === 0) {
    // An API endpoint is up when its provider answers at all (a 403 to an anonymous request is healthy).
    const expected = expectedEndpointProvider(spec.host, catalog.providers, spec.provider);
    attempts = attempts.map((a) => ({ ...a, ...(classifyEndpointAttempt(a, raw.dns, expected, catalog.providers) ?? {}) }));
    if (spec.kind === 'control-plane') attempts = attempts.map((a) => asControlPlane(a, expected?.name ?? spec.provider));
  }
  attempts = withNxdomainRedirect(attempts, spec.host, raw.dns, resolverProviders);
  attempts = withStrayAnswers(attempts, spec.host, raw.dns, catalog, resolverProviders);
  attempts = locateAttempts(attempts, raw.dns, catalog, memory.locations ?? {}, memory.now ?? new Date());
  // Classification may reveal a challenge layer; the stack is read again with it (nothing else it reads changed).
  const stack = attempts.some((a) => a.challenge) ? siteStack(raw.dns, own(attempts), catalog, remembered, delegation?.nameServers) : before;
  return { spec, dns: raw.dns, attempts, stack, chain, failingZone };
}

/**
 * What a run keeps of a classified site until its report: everything but the bodies (nothing after classification
 * reads one), every list at its own length, and the timings in a compact form (classify/timings.ts). Lists filled
 * one push at a time (a fetch's resolvers, a hop's answering resolvers) hold room for seventeen: over a long list
 * of sites that room is most of a record.
 *
 * `streamed`: each attempt was already written in full as its site finished (NDJSON), and the report carries none,
 * so its response headers and its certificate's names are not kept either: after classification only renderers of
 * attempts read them (and `map`, which streams nothing); the rules read a certificate's subject, issuer and whether
 * it verified. A real site's headers are often most of its attempt, and a CDN's certificate may name hundreds.
 */
export function retainedSite(site: ClassifiedSite, options: { streamed?: boolean } = {}): ClassifiedSite {
  const headersKept = options.streamed !== true;
  const url = site.spec.url;
  return {
    ...site,
    // An attempt with neither (a site the deadline overtook: a long list's most) is kept as it is.
    attempts: site.attempts.map((a) =>
      a.bodySample === '' && a.resolvers.length === 0 && (headersKept || (isEmpty(a.headers) && (a.tls === null || a.tls.subjectAltNames.length === 0)))
        ? a
        : {
            ...a,
            bodySample: '',
            resolvers: sharedNames(a.resolvers),
            // The fetched URL is most often the site's own, spelled alike: one string for both.
            url: a.url === url ? url : a.url,
            redirects: orNone(a.redirects),
            expect: a.expect.ok && a.expect.failures.length === 0 ? PASSED : a.expect,
            timings: keptTimings(a.timings),
            ...(headersKept ? {} : { headers: NO_HEADERS, tls: a.tls && withoutNames(a.tls) }),
          },
    ),
    chain: site.chain.map((h) => ({ ...h, answeredBy: sharedNames(h.answeredBy), failedAt: h.failedAt.length === 0 ? NONE : h.failedAt.slice() })),
  };
}

const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** Every passed expectation reads alike. */
const PASSED: ExpectResult = Object.freeze({ ok: true, failures: NONE });

// Lists of resolver names (who a fetch used, who answered for a hop): a run has a handful of distinct ones, and every
// site holds a few. Kept once each, frozen; a list filled one push at a time would also hold room for seventeen.
const recentNameLists = recentValues<string[]>(64);

function sharedNames(names: string[]): string[] {
  if (names.length === 0) return NONE;
  return recentNameLists.get(names.join('\u0000'), () => Object.freeze(names.slice()) as string[]);
}

// A certificate many attempts share (the probe keeps one record a certificate seen recently: probe/http/connect.ts)
// keeps one copy without names.
const unnamedCertificates = new WeakMap<CertificateInfo, CertificateInfo>();

function withoutNames(cert: CertificateInfo): CertificateInfo {
  if (cert.subjectAltNames.length === 0) return cert;
  let unnamed = unnamedCertificates.get(cert);
  if (!unnamed) unnamedCertificates.set(cert, (unnamed = { ...cert, subjectAltNames: NONE }));
  return unnamed;
}

function isEmpty(headers: Record<string, string>): boolean {
  for (const _name in headers) return false;
  return true;
}

const resolverProviderMaps = new WeakMap<ResolverSpec[], Record<string, string | null>>();

/** Each resolver's operator by resolver name: made once per run's resolver list, not once per site. */
function providersByResolver(resolvers: ResolverSpec[]): Record<string, string | null> {
  let map = resolverProviderMaps.get(resolvers);
  if (!map) resolverProviderMaps.set(resolvers, (map = Object.fromEntries(resolvers.map((r) => [r.name, r.provider]))));
  return map;
}

/**
 * The attempts that ended at another owner's host (classify/redirect.ts), by attempt id: the host they ended at.
 * Most sites follow no redirect, and their zone is not looked up.
 */
function offSiteHosts(host: string, dns: DnsAnswer[], attempts: Attempt[], catalog: Catalog): ReadonlyMap<string, string> {
  if (!attempts.some((a) => a.redirects.length > 0)) return NO_OFF_SITE;
  const zone = customerZone(dns, catalog);
  const found = new Map<string, string>();
  for (const a of attempts) {
    const elsewhere = offSiteHost(a, host, zone);
    if (elsewhere !== null) found.set(a.id, elsewhere);
  }
  return found;
}

const NO_OFF_SITE: ReadonlyMap<string, string> = new Map();

/**
 * An attempt that a redirect took to another owner's host: a success is the site's (its page leads there and that
 * works), a failure is read as that host's — by whoever answered there, never by the site's own edge — and says so.
 */
function atOffSiteHost(a: Attempt, elsewhere: string, spec: SiteSpec, served: ServedBaseline | null, catalog: Catalog, resolverProviders: Record<string, string | null>): Attempt {
  const hop = a.redirects.at(-1)!;
  const at = `at ${elsewhere}, where ${spec.host} redirects (${hop.status} from ${hop.url})`;
  // The target's name gave no address: why (missing, its DNS failing, one resolver failing) is not known from here.
  if (a.error?.code === 'REDIRECT_DNS') return { ...a, layer: 'unknown', provider: null, explanation: `${at}: no address for ${elsewhere} (${a.error.message})` };
  const { challengeKind, challengeRefuses, ...reading } = classifyAttempt(a, { edge: null, edgeEvidence: [], origin: null, resolverProviders, offSiteHost: elsewhere }, catalog);
  const read = withChallenge({ ...a, ...reading }, challengeKind ?? null, spec, served, challengeRefuses);
  if (read.outcome === 'ok') return read;
  const said = read.explanation ?? a.error?.message ?? (a.httpStatus !== null ? `answered ${a.httpStatus}` : a.outcome);
  return { ...read, explanation: `${at}: ${said}` };
}

/**
 * A control plane's own failure (its API answered 5xx, or took the request and never answered) is the
 * provider's control plane, not a hosting failure; DNS, network and TLS failures keep their reading.
 */
function asControlPlane(a: Attempt, provider: string | null): Attempt {
  if (a.layer !== 'origin' || provider === null) return a;
  const said = a.httpStatus !== null ? `answered ${a.httpStatus}` : 'accepted the request and never answered in time';
  return { ...a, layer: 'control-plane', provider, explanation: `${provider}'s control plane ${said}: its API fails; changes fail, traffic is another question` };
}

/**
 * A resolver that gave no address is not at fault when none of them can: the name breaks at a zone's authority
 * (placed by classify/delegation.ts), or does not exist at all. Failures that say something else (no route to the
 * resolver) keep their reading.
 */
function withDelegation(a: Attempt, spec: SiteSpec, dns: DnsAnswer[], failingZone: FailingZone | null, catalog: Catalog): Attempt {
  if (a.outcome !== 'dns-error' || a.layer !== 'resolver') return a;
  const host = spec.host;
  const own = dns.filter((d) => d.resolver === a.resolver && d.name === host);
  // A DoH resolver never asked: this host's resolver gave no address for its server's name. Nothing was learned about
  // the name or the DoH resolver; the system resolver's own answers speak for it.
  const unasked = own.find(dohServerUnresolved);
  if (unasked && !own.some((d) => (d.type === 'A' || d.type === 'AAAA') && d.values.length > 0)) {
    return { ...a, layer: 'local', provider: null, explanation: `resolver ${a.resolver} was not asked: this host's resolver gave no address for its server ${hostOfUrl(unasked.server) ?? unasked.server} (${unasked.error!.code}): not tested` };
  }
  const policy = own.map(policyBlockWords).find((w) => w !== null);
  if (policy) {
    return { ...a, explanation: `resolver ${a.resolver} withholds ${host} by its policy (${policy}): a blocklist or filter's decision about the name, not a failure of the resolver or the site` };
  }
  if (own.some(refusesThisClient)) {
    return { ...a, explanation: `resolver ${a.resolver} refuses this client (EDE 18 "Prohibited"): it serves other networks, not this host` };
  }
  const dnssec = own.find(isDnssecFailure);
  if (dnssec) {
    const said = dnssecFailureWords(dnssec)!;
    const answering = (validated: boolean) => [...new Set(dns.filter((d) => d.name === host && d.outcome === 'ok' && d.resolver !== a.resolver && (d.authenticated === true) === validated).map((d) => d.resolver))];
    if (rejectedDespiteValidation(dnssec, validatingResolvers(dns))) {
      return { ...a, explanation: `resolver ${a.resolver} rejects ${host} for DNSSEC (${said}) while ${answering(true).join(', ')} validated it (AD bit): ${a.resolver}'s own validation fails (a wrong clock, a stale trust anchor), not the zone's signing` };
    }
    // Others answer without vouching for the answer (no AD bit: they may not validate at all), and no other resolver
    // rejects it (two validators agreeing would be the zone's signing): either side may be wrong.
    const unvalidated = answering(false);
    if (unvalidated.length > 0 && !dns.some((d) => d.name === host && d.resolver !== a.resolver && isDnssecFailure(d))) {
      return { ...a, layer: 'unknown', provider: null, explanation: `resolver ${a.resolver} rejects ${host} for DNSSEC (${said}) while ${unvalidated.join(', ')} answer it without validating (no AD bit): the zone's signing is broken or ${a.resolver}'s validation is; a validating resolver's answer would tell` };
    }
    return { ...a, layer: 'authoritative-dns', provider: null, explanation: `resolver ${a.resolver} validates DNSSEC and rejects ${host} (${said}): the zone's signing is broken, not the resolver` };
  }
  if (failingZone) {
    return { ...a, layer: 'authoritative-dns', provider: failingZone.provider, explanation: `no resolver gives an address for ${host}: ${describeFailingZone(host, failingZone)} (${failingZone.evidence[0]})` };
  }
  const stale = a.error?.code === 'BLOCKED' ? [] : onlyStaleAnswers(host, dns);
  if (stale.length > 0) {
    return { ...a, layer: 'authoritative-dns', provider: null, explanation: `resolver ${a.resolver} gave no address (${a.error?.code ?? 'no answer'}) while ${stale.join(', ')} ${stale.length === 1 ? 'answers' : 'answer'} ${host} only from stale cache (EDE 3): its authority does not answer, and ${a.resolver} serves no stale data` };
  }
  if (a.error?.code === 'BLOCKED' && everyResolverSaysUnspecified(host, dns)) {
    return { ...a, layer: 'site', provider: null, explanation: `every resolver answers ${host} with the unspecified address only${withoutWord(host, dns)}: its zone points it nowhere (a parked or retired name), not a resolver's filter` };
  }
  if (everyResolverSaysNxdomain(host, dns)) {
    return { ...a, layer: 'site', provider: null, explanation: `every resolver says ${host} does not exist (NXDOMAIN)${withoutWord(host, dns)}: the name is missing from its zone, not a resolver's fault` };
  }
  const empty = noAddressReading(host, dns, (['A', 'AAAA'] as const).filter((t) => (t === 'A' ? spec.paths.ipv4 : spec.paths.ipv6)), catalog);
  return empty ? { ...a, ...empty } : a;
}

/**
 * A name most resolvers say does not exist, which one resolver answers with an address showing another name's
 * certificate (nxdomainRedirectors): the fetch through it is that resolver's redirect, and the NXDOMAIN is the
 * zone's word — the name is missing, not the page at the redirect's address broken.
 */
function withNxdomainRedirect(attempts: Attempt[], host: string, dns: DnsAnswer[], resolverProviders: Record<string, string | null>): Attempt[] {
  const redirecting = nxdomainRedirectors(host, dns, attempts);
  if (redirecting.size === 0) return attempts;
  const saying = [...new Set(dns.filter((d) => d.name === host && d.outcome === 'nxdomain').map((d) => d.resolver))].join(', ');
  const by = [...redirecting].join(', ');
  return attempts.map((a) => {
    if (a.outcome === 'dns-error' && a.error?.code === 'NXDOMAIN') {
      return { ...a, layer: 'site', provider: null, explanation: `${saying} say ${host} does not exist (NXDOMAIN), and ${by}'s address for it is a redirect: the name is missing from its zone, not a resolver's fault` };
    }
    if (a.path !== 'edge' || a.address === null || !a.resolvers.every((r) => redirecting.has(r))) return a;
    return {
      ...a,
      layer: 'resolver',
      provider: resolverProviders[a.resolvers[0]!] ?? null,
      explanation: `resolver ${a.resolvers.join(', ')} answers ${host}, which ${saying} say does not exist (NXDOMAIN), with ${a.address}, whose certificate is for ${a.tls!.subject}: an NXDOMAIN redirect (an ISP's search or ad page, a DNS proxy), not the site`,
    };
  });
}

/** Fetches that went to an address only some resolvers give, where a server that is not the site's answered (stray-answer.ts). */
function withStrayAnswers(attempts: Attempt[], host: string, dns: DnsAnswer[], catalog: Catalog, resolverProviders: Record<string, string | null>): Attempt[] {
  const readings = strayAnswerReadings(host, dns, attempts, catalog, resolverProviders);
  if (readings.size === 0) return attempts;
  return attempts.map((a) => {
    const reading = readings.get(a.id);
    return reading ? { ...a, ...reading } : a;
  });
}

/**
 * A challenge where content should be: expected (and so no failure) when the site's config says a challenge is
 * fine, or when its last healthy-looking run was challenged too (many sites challenge every data-centre client,
 * on every run); a routine challenge or a block of this probe, never a failing challenge platform.
 */
function withChallenge(a: Attempt, kind: ChallengeSeen['kind'] | null, spec: SiteSpec, before: ServedBaseline | null, refuses?: ClientRefusal): Attempt {
  if (a.outcome !== 'challenge' || a.provider === null || kind === null) return a;
  const expected = kind !== 'platform-failing' && (spec.expect.challenge === 'ok' || before === 'challenge');
  const challenge: ChallengeSeen = { provider: a.provider, kind, expected, before, ...(kind === 'blocked' && refuses ? { refuses } : {}) };
  if (!expected) return { ...a, challenge };
  const why = spec.expect.challenge === 'ok' ? 'the site expects it (expect.challenge: ok)' : 'as on its last healthy-looking run';
  return { ...a, outcome: 'ok', layer: null, explanation: `${a.provider} ${kind === 'blocked' ? 'turned this probe away' : 'challenged this probe'}, ${why}: not a failure`, challenge };
}

/** The attempt with its outcome as measured (before any provider knowledge), and its samples' outcomes. */
function withOutcome(raw: RawAttempt): Attempt {
  const outcome = attemptOutcome(raw, raw.expect);
  // Written out field by field (the compiler checks none is missed): copying a record of thirty fields with rest
  // and spread syntax cost more than the rest of classification on a run over 100,000 sites.
  // What every output shows of the URLs: no credentials, no query values (util/redact.ts).
  const attempt: Attempt = {
    id: raw.id,
    site: raw.site,
    path: raw.path,
    resolver: raw.resolver,
    resolvers: raw.resolvers,
    family: raw.family,
    proxy: raw.proxy,
    startedAt: raw.startedAt,
    url: redactSiteUrl(raw.url),
    address: raw.address,
    port: raw.port,
    httpStatus: raw.httpStatus,
    httpVersion: raw.httpVersion,
    headers: raw.headers,
    bodySample: raw.bodySample,
    bodyBytes: raw.bodyBytes,
    bodyTruncated: raw.bodyTruncated,
    redirects: raw.redirects.length === 0 ? raw.redirects : raw.redirects.map((r) => ({ ...r, url: redactSiteUrl(r.url), location: redactSiteUrl(r.location) })),
    tls: raw.tls,
    timings: raw.timings,
    received: raw.received,
    error: raw.error,
    failedPhase: raw.failedPhase,
    expect: raw.expect,
    selfTest: raw.selfTest ? { ...raw.selfTest, url: redactSiteUrl(raw.selfTest.url) } : null,
    outcome,
    layer: null,
    provider: null,
    explanation: null,
    location: null,
    samples: sampleStats(raw, outcome),
    challenge: null,
  };
  if (raw.crowded) attempt.crowded = raw.crowded;
  return attempt;
}

function sampleStats(raw: RawAttempt, first: Attempt['outcome']): SampleStats | null {
  if (!raw.resamples || raw.resamples.length === 0) return null;
  const outcomes = [first, ...raw.resamples.map((r) => attemptOutcome({ ...r, path: raw.path }, r.expect))];
  const failures = outcomes.filter((o) => o !== 'ok').length;
  return { samples: outcomes.length, failures, failureRate: Math.round((failures / outcomes.length) * 100) / 100, outcomes };
}

// ───────────────────────────── what the probe stage asks of classify ─────────────────────────────

export { mayBeCrowding, unanswered } from './crowding.js';

/** Did this attempt fail, as measured? (--samples probes it again.) */
export function attemptFailed(raw: RawAttempt): boolean {
  return attemptOutcome(raw, raw.expect) !== 'ok';
}

/** A failed attempt answered by a provider with a health endpoint (Cloudflare's /cdn-cgi/trace) gets it fetched. */
export function selfTestFor(raw: RawAttempt, catalog: Catalog): SelfTest | null {
  if (!attemptFailed(raw)) return null;
  return respondingProviders(raw, catalog).find((p) => p.selfTest)?.selfTest ?? null;
}
