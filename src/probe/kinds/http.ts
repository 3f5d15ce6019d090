// The http probe kind: resolve the site's host through every resolver, fetch every edge address any of them
// returned (as soon as each answer arrives: no waiting for the slowest resolver), plus the origin and proxy
// paths, each pinned to its address with the site's SNI and Host. Its `expect` (status, body text, time) is
// evaluated here on the whole body sample, which is then cut to what fingerprinting reads.

import type { CrowdedTry, DnsAnswer, DnsQuery, ExpectResult, ExpectSpec, FetchResult, ProbeError, RawAttempt, RawSite, ResolverSpec, SampleResult, SiteSpec } from '../../model.js';
import { addressQueries, dnsQuery, edgeFetchesFor, fetchId, nextZoneQuery, nsQueries, selfAndAncestors, staticFetches, zoneWalkStart, type FetchPlan, type SitePlan } from '../../plan/index.js';
import { queryDns } from '../dns/index.js';
import { emptyFetchResult, fetchPinned, type FetchRequest } from '../http/fetch.js';
import type { AddressAnswer } from '../address-slots.js';
import { msLeft, whyStopped, type ProbeSession } from '../session.js';
import type { ProbeKind, ProbePolicy, SelfTestSpec } from './types.js';
import { groupBy, NONE } from '../../util/collections.js';
import { isoNow } from '../../util/time.js';
import { endedByOwnDeadline } from '../../util/run-deadline.js';
import { isUnspecifiedAddress } from '../../util/ip.js';

export const httpKind: ProbeKind = {
  id: 'http',
  plan: planHttpSite,
  probe: probeHttpSite,
  notProbed: (site, signal) => notProbedSite(site, 'edge', signal),
  again: probeHttpAgain,
};

export function planHttpSite(site: SiteSpec, resolvers: ResolverSpec[]): SitePlan {
  return { site, queries: addressQueries(site, resolvers), zoneQueries: nsQueries(site, resolvers), fetches: staticFetches(site) };
}

// ───────────────────────────── expect ─────────────────────────────

/** Did the fetch meet the site's expectations? Only judged when a response arrived. */
export function evaluateExpect(expect: ExpectSpec, fetch: FetchResult): ExpectResult {
  const failures: string[] = [];
  const status = fetch.httpStatus;
  if (status === null) return { ok: false, failures: ['no HTTP response'] };
  if (!statusPasses(expect, status)) failures.push(expect.status.length > 0 ? `status ${status} not in [${expect.status.join(', ')}]` : `status ${status}`);
  if (expect.contains !== null && !fetch.bodySample.includes(expect.contains)) {
    failures.push(`body does not contain ${JSON.stringify(expect.contains)}${fetch.bodyTruncated ? ' (in the sampled part)' : ''}`);
  }
  if (expect.matches !== null && !new RegExp(expect.matches).test(fetch.bodySample)) {
    failures.push(`body does not match /${expect.matches}/`);
  }
  if (expect.maxMs !== null && fetch.timings.totalMs > expect.maxMs) {
    failures.push(`took ${Math.round(fetch.timings.totalMs)}ms, over ${expect.maxMs}ms`);
  }
  return { ok: failures.length === 0, failures };
}

/**
 * How much of the body an attempt keeps once `expect` has been judged: enough for the fingerprint catalog to
 * read an error or challenge page (their markers sit at the top), not the whole sample. A run over ten thousand
 * sites must not hold ten thousand 64 KiB samples until the end.
 */
export const KEPT_BODY_OK = 4 * 1024;
export const KEPT_BODY_FAILED = 32 * 1024;

/** The status `expect` accepts: the listed ones, or anything below 400 when none is listed. */
function statusPasses(expect: ExpectSpec, status: number): boolean {
  return expect.status.length > 0 ? expect.status.includes(status) : status < 400;
}

/**
 * How much of a body to decode, decided when its status arrives: all of the sample when `expect` reads the body,
 * else what keptBody would keep of it: an answer whose status passes is not decoded past what a passing attempt
 * keeps (it can still fail on time or a broken body, and keeps that much then).
 */
function bodyKeepBytes(expect: ExpectSpec, sampleBytes: number): number | ((status: number) => number) {
  if (expectReadsBody(expect)) return sampleBytes;
  return (status) => (statusPasses(expect, status) ? KEPT_BODY_OK : KEPT_BODY_FAILED);
}

function expectReadsBody(expect: ExpectSpec): boolean {
  return expect.contains !== null || expect.matches !== null;
}

function keptBody(sample: string, passed: boolean): string {
  const limit = passed ? KEPT_BODY_OK : KEPT_BODY_FAILED;
  // A copy, not a slice: a V8 slice would keep the whole sample alive.
  return sample.length <= limit ? sample : Buffer.from(sample.slice(0, limit), 'utf8').toString('utf8');
}

/** The raw record of one fetch: `expect` judged on the whole sample, the body then cut to what is kept. */
export function rawAttempt(plan: FetchPlan, fetch: FetchResult, startedAt: string): RawAttempt {
  const expect = evaluateExpect(plan.site.expect, fetch);
  return {
    id: plan.id,
    site: plan.site.name,
    path: plan.path,
    resolver: plan.resolvers[0] ?? null,
    resolvers: plan.resolvers,
    family: plan.family,
    proxy: plan.proxy,
    startedAt,
    ...fetch,
    expect,
    bodySample: keptBody(fetch.bodySample, expect.ok && fetch.error === null),
    selfTest: null,
    resamples: null,
  };
}

// ───────────────────────────── probing ─────────────────────────────

export async function probeHttpSite(plan: SitePlan, session: ProbeSession, policy: ProbePolicy): Promise<RawSite> {
  const site = plan.site;
  const siteAnswers: Promise<DnsAnswer>[] = [];
  const ask = (query: DnsQuery) => {
    const answer = session.resolve(query, site.timeoutMs);
    siteAnswers.push(answer);
    return answer;
  };
  const fetches: FetchPlan[] = [...plan.fetches];
  const running: Promise<RawAttempt>[] = fetches.map((f) => runFetch(f, session, policy));
  const dnsFailures: RawAttempt[] = [];

  // Each resolver's answers for the host, asked at once: its fetches and its NS walk both start from them.
  const byResolver = groupBy(plan.queries, (q) => q.resolver.name);
  const addressAnswers = new Map([...byResolver].map(([name, queries]) => [name, Promise.all(queries.map(ask))] as const));
  const perResolver = [...byResolver.values()].map(async (queries) => {
    const resolver = queries[0]!.resolver;
    const answers = await addressAnswers.get(resolver.name)!;
    const given = answers.flatMap((a) => (a.outcome === 'ok' && familyAllowed(site, a.type) ? a.values : []));
    // The unspecified address is a filtering resolver's "blocked": never connected to (that would reach this host).
    const addresses = given.filter((a) => !isUnspecifiedAddress(a));
    if (addresses.length === 0 && given.length > 0) {
      if (site.paths.edge) dnsFailures.push(dnsFailureAttempt(site, resolver, answers, { code: 'BLOCKED', message: `${resolver.name} answers ${given[0]} for ${site.host}` }));
      return;
    }
    if (addresses.length === 0) {
      if (site.paths.edge) dnsFailures.push(dnsFailureAttempt(site, resolver, answers.filter((a) => familyAllowed(site, a.type))));
      // A working resolver that gave no address: learn where the name breaks. A recursive resolver waiting on an
      // unreachable authority often outlasts our timeout, so a timeout counts when the resolver answers other
      // questions; one that has answered nothing this run would only cost more timeouts.
      if (!answers.some((a) => a.outcome === 'ok') && (answers.some((a) => a.rcode !== null) || session.heardFrom(resolver.name))) await walkChain(site.host, resolver, ask);
      return;
    }
    const fresh = edgeFetchesFor(site, resolver.name, addresses, fetches);
    fetches.push(...fresh);
    running.push(...fresh.map((f) => runFetch(f, session, policy)));
  });
  const zoneWalks = plan.zoneQueries.map(async (q) => walkToZoneApex(await zoneWalkFirst(q, addressAnswers.get(q.resolver.name), site.timeoutMs), ask));
  await Promise.all([...perResolver, ...zoneWalks]);

  // The site's DNS stage is over, so resolver credit is final; the fetches started meanwhile finish now.
  const attempts = [...dnsFailures, ...(await Promise.all(running))];
  return { spec: site, dns: await Promise.all(siteAnswers), attempts };
}

/** Only addresses of a family the site's paths allow are fetched; none of them is a DNS failure for this site. */
function familyAllowed(site: SiteSpec, type: DnsAnswer['type']): boolean {
  return type === 'A' ? site.paths.ipv4 : type === 'AAAA' ? site.paths.ipv6 : false;
}

const MAX_CHAIN_HOPS = 8;
/** SOA questions up from a failing hop: its own name and at most this many parents. */
const MAX_ZONE_STEPS = 5;

/**
 * Where a name that gave no address breaks, through one resolver: CNAME hop by hop (one question per hop, shared
 * by every site through the run's cache), then, from the first hop whose question fails, SOA of it and its
 * parents at once, so the deepest zone that still answers shows which one below it fails. The getaddrinfo
 * resolver cannot ask either question.
 */
export async function walkChain(host: string, resolver: ResolverSpec, ask: (q: DnsQuery) => Promise<DnsAnswer>): Promise<void> {
  if (resolver.kind === 'system') return;
  const seen = new Set<string>();
  let name = host;
  for (let hop = 0; hop < MAX_CHAIN_HOPS && !seen.has(name); hop += 1) {
    seen.add(name);
    const answer = await ask(dnsQuery(resolver, name, 'CNAME'));
    const next = answer.cnameChain[0];
    if (answer.rcode === 'NOERROR' && next) {
      name = next;
      continue;
    }
    if (answer.rcode !== 'NOERROR' && answer.rcode !== 'NXDOMAIN') {
      await Promise.all(selfAndAncestors(name).slice(0, MAX_ZONE_STEPS + 1).map((zone) => ask(dnsQuery(resolver, zone, 'SOA'))));
    }
    return;
  }
}

/** How long the NS walk waits for the host's address answers (zoneWalkStart) before asking the host's own NS. */
const ZONE_WALK_WAIT_MS = 500;

/**
 * The walk's first NS question, from the same resolver's address answers for the host when they come in time. A
 * resolver slower than that (a timeout coming, an authority it waits on) is asked the host's NS as soon as the
 * wait ends, so a failing site's walk is late by at most the wait.
 */
async function zoneWalkFirst(first: DnsQuery, answers: Promise<DnsAnswer[]> | undefined, timeoutMs: number): Promise<DnsQuery> {
  if (!answers) return first;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(resolve, Math.min(ZONE_WALK_WAIT_MS, timeoutMs / 4), null);
  });
  const arrived = await Promise.race([answers, late]);
  clearTimeout(timer);
  return arrived ? zoneWalkStart(first, arrived) : first;
}

/** NS questions towards the zone apex: at most a few steps (a CNAME'd host, then the SOA's zone). */
export async function walkToZoneApex(first: DnsQuery, ask: (q: DnsQuery) => Promise<DnsAnswer>): Promise<void> {
  let answer = await ask(first);
  for (let step = 0; step < 4; step += 1) {
    const next = nextZoneQuery(answer, first.resolver);
    if (!next) break;
    answer = await ask(next);
  }
}

async function runFetch(plan: FetchPlan, session: ProbeSession, policy: ProbePolicy): Promise<RawAttempt> {
  session.planned();
  const answer = addressAnswer(policy);
  const first = await session.fetchAt(plan.site.host, plan.address, () => fetchAttempt(plan, session, policy), answer);
  session.finished();
  const address = plan.address;
  if (address === null || first.atOnce < 2 || session.signal.aborted || !policy.mayBeCrowding?.(first.result)) return first.result;
  // Failed while this run had others at that server: fewer at once there from now on, and this one asked again alone
  // where the server serves this run (one failing every fetch is not crowded) while a whole wait still fits. One that
  // got no answer (a connect that timed out) only where the server served some fetch since it began: one that served
  // only before may be gone since, and each such ask would cost a whole wait.
  session.crowdedAt(address, first.wave, first.atOnce);
  const since = answer(first.result) === 'silent' ? first.startedAt : -Infinity;
  if (!(await session.servesAt(address, since)) || session.signal.aborted || msLeft(session.deadlineAt) <= plan.site.timeoutMs) return first.result;
  // Refused alone too, the way a limit answers: the page the server served last is fetched again at once, still alone
  // there. Refused as well, the server refuses this client now — a limit on its rate — whatever the page. Not after
  // no answer at all alone: that server stopped answering (stoppedAnsweringAt), which a control would only wait for.
  const refused = (a: RawAttempt) => policy.failed(a) && policy.mayBeCrowding?.(a) === true;
  const fetchAgain = () => fetchAttempt(plan, session, policy);
  const again = await session.fetchAt(
    plan.site.host,
    address,
    async () => {
      // One asked alone before it got no answer there (a server gone dark after serving): not worth a whole wait.
      if (session.stoppedAnsweringAt(address)) return { attempt: null, control: null };
      const attempt = await fetchAgain();
      const control = session.lastServedAt<RawAttempt>(address);
      return { attempt, control: control && refused(attempt) && answer(attempt) !== 'silent' && !session.signal.aborted ? await control() : null };
    },
    (r) => (r.attempt ? answer(r.attempt) : 'failed'),
    true,
    fetchAgain,
  );
  const { attempt, control: checked } = again.result;
  // The run's end overtook it (waiting for its turn alone, or on the way), or it was not asked: the first try stands.
  if (attempt === null || endedByOwnDeadline(attempt)) return first.result;
  const { httpStatus, error, failedPhase } = first.result;
  const crowded: CrowdedTry = { atOnce: first.atOnce, first: { httpStatus, error, failedPhase, startedAt: first.result.startedAt, totalMs: first.result.timings.totalMs } };
  if (checked && refused(checked)) crowded.control = { site: checked.site, httpStatus: checked.httpStatus, error: checked.error, failedPhase: checked.failedPhase };
  return { ...attempt, crowded };
}

/** What the server at a fetch's address did with it, for the address's slots (probe/address-slots.ts). */
function addressAnswer(policy: ProbePolicy): (attempt: RawAttempt) => AddressAnswer {
  return (attempt) => (!policy.failed(attempt) ? 'served' : policy.unanswered?.(attempt) ? 'silent' : 'failed');
}

/** One fetch of the plan, its provider's health endpoint fetched too when the provider's answer failed. */
async function fetchAttempt(plan: FetchPlan, session: ProbeSession, policy: ProbePolicy): Promise<RawAttempt> {
  let startedAt = isoNow();
  // Out of descriptors here (the open-file limit under a large --concurrency) is no answer from anyone: fetched
  // again once another fetch has ended (session.withDescriptors). What still fails so is local.
  const fetch = session.signal.aborted
    ? notStarted(plan, session.signal)
    : await session.withDescriptors(() => {
        startedAt = isoNow();
        return fetchPinned(fetchRequest(plan, session));
      });
  const attempt = rawAttempt(plan, fetch, startedAt);
  const spec = attempt.address && !session.signal.aborted ? (policy.selfTestFor?.(attempt) ?? null) : null;
  return spec ? { ...attempt, selfTest: await selfTest(plan, spec, session) } : attempt;
}

/** Fetch the provider's health endpoint through the same address, with the site's Host and SNI. */
async function selfTest(plan: FetchPlan, spec: SelfTestSpec, session: ProbeSession) {
  const url = new URL(spec.path, plan.site.url).href;
  const result = await fetchPinned({ ...fetchRequest(plan, session), url, method: 'GET', headers: {}, maxRedirects: 0, bodySampleBytes: 8192 });
  const ok = result.error === null && result.httpStatus === 200 && result.bodySample.includes(spec.expect);
  const line = spec.locationKey ? result.bodySample.split('\n').find((l) => l.startsWith(`${spec.locationKey}=`)) : undefined;
  return { url, ok, httpStatus: result.httpStatus, location: line ? line.trim().slice(0, 40) : null, error: result.error };
}

export function fetchRequest(plan: FetchPlan, session: Pick<ProbeSession, 'resolvers' | 'resolve' | 'signal' | 'ca'>, signal: AbortSignal = session.signal): FetchRequest {
  const site = plan.site;
  // A redirect to another host is resolved through the same resolver that led to this edge
  // (or the first configured one for origin paths), never silently through the system resolver.
  const resolverName = plan.resolvers[0];
  const resolver = session.resolvers.find((r) => r.name === resolverName) ?? session.resolvers[0];
  const resolveRedirectHost = async (host: string): Promise<string | null> => {
    if (!resolver) return null;
    const answer = await session.resolve(dnsQuery(resolver, host, plan.family === 6 ? 'AAAA' : 'A'), site.timeoutMs);
    return answer.outcome === 'ok' ? (answer.values[0] ?? null) : null;
  };
  return {
    url: site.url,
    method: site.method,
    headers: site.headers,
    userAgent: site.userAgent,
    target:
      plan.path === 'proxy'
        ? { kind: 'proxy', proxyUrl: plan.proxy! }
        : { kind: 'address', address: plan.address!, ...(plan.port !== null ? { port: plan.port } : {}) },
    timeoutMs: site.timeoutMs,
    signal,
    bodySampleBytes: site.bodySampleBytes,
    // Only `expect` reads past what an attempt keeps for fingerprinting: the rest is counted, not decoded.
    bodyKeepBytes: bodyKeepBytes(site.expect, site.bodySampleBytes),
    maxRedirects: site.maxRedirects,
    ca: session.ca,
    resolveRedirectHost,
  };
}

function defaultPort(url: string): number {
  const u = new URL(url);
  return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
}

/** A fetch the deadline (or a signal) overtook before it could start: reported, never dropped. */
function notStarted(plan: FetchPlan, signal: AbortSignal): FetchResult {
  return {
    ...emptyFetchResult(plan.site.url, plan.address, plan.port ?? defaultPort(plan.site.url)),
    error: { code: 'NOT_PROBED', message: `not started: ${whyStopped(signal)}` },
    failedPhase: plan.address === null && plan.proxy === null ? 'dns' : 'connect',
  };
}

/**
 * A site whose turn came after the run stopped: one attempt saying so, and no DNS question asked. Cheap on
 * purpose, so ten thousand sites left at the deadline cost milliseconds, not the run's deadline again.
 */
export function notProbedSite(site: SiteSpec, path: 'edge' | 'dns', signal: AbortSignal): RawSite {
  const plan: FetchPlan = { id: fetchId(site.name, path, 'not-probed'), site, path, address: null, port: null, family: null, proxy: null, resolvers: NONE };
  const record = rawAttempt(plan, { ...notStarted(plan, signal), failedPhase: 'dns' }, isoNow());
  // The parts every such record has alike are shared (and frozen: nothing may change them): a long list's
  // thousands of not-probed sites are kept until the report is written, and each copy is garbage to collect.
  const shared = notProbedParts(record.error!.message);
  return { spec: site, dns: NONE, attempts: [{ ...record, ...shared }] };
}

const sharedNotProbed = new Map<string, Pick<RawAttempt, 'headers' | 'redirects' | 'timings' | 'error' | 'expect'>>();

function notProbedParts(message: string): Pick<RawAttempt, 'headers' | 'redirects' | 'timings' | 'error' | 'expect'> {
  let parts = sharedNotProbed.get(message);
  if (!parts) {
    parts = Object.freeze({
      headers: Object.freeze({}),
      redirects: NONE,
      timings: Object.freeze({ connectMs: null, tlsMs: null, ttfbMs: null, totalMs: 0 }),
      error: Object.freeze({ code: 'NOT_PROBED', message }),
      expect: Object.freeze({ ok: false, failures: Object.freeze(['no HTTP response']) as unknown as string[] }),
    });
    sharedNotProbed.set(message, parts);
  }
  return parts;
}

/**
 * When a resolver returned no address for the site, there is nothing to fetch through it; the site
 * still gets one edge attempt for that resolver, so every (resolver, site) pair has a result: what failed,
 * or `error` when the caller says why (a filtering resolver's block).
 */
function dnsFailureAttempt(site: SiteSpec, resolver: ResolverSpec, answers: DnsAnswer[], error?: ProbeError): RawAttempt {
  const failed = answers.find((a) => a.outcome !== 'ok' && a.outcome !== 'empty') ?? answers[0];
  const outcome = failed?.outcome ?? 'empty';
  const code = failed?.error?.code ?? (outcome === 'empty' ? 'NODATA' : outcome.toUpperCase());
  const message = failed?.error?.message ?? `${resolver.name}: ${outcome} for ${site.host}`;
  const fetch: FetchResult = {
    ...emptyFetchResult(site.url, null, defaultPort(site.url)),
    error: error ?? { code, message },
    failedPhase: 'dns',
    timings: { connectMs: null, tlsMs: null, ttfbMs: null, totalMs: Math.max(0, ...answers.map((a) => a.durationMs)) },
  };
  const plan: FetchPlan = { id: fetchId(site.name, 'edge', `dns:${resolver.name}`), site, path: 'edge', address: null, port: null, family: null, proxy: null, resolvers: [resolver.name] };
  return rawAttempt(plan, fetch, failed?.startedAt ?? isoNow());
}

// ───────────────────────────── --samples ─────────────────────────────

/**
 * Probe one attempt again, the same way: a resolver that gave no address is asked again; a fetch is repeated within
 * its address's slots, counted there with the run's other fetches (a resample beside them is part of the crowd).
 */
export async function probeHttpAgain(attempt: RawAttempt, site: SiteSpec, session: ProbeSession, policy: ProbePolicy): Promise<SampleResult> {
  if (attempt.address === null && attempt.path === 'edge') {
    const resolver = session.resolvers.find((r) => r.name === attempt.resolver);
    if (!resolver) return sampleOf(attempt);
    // Asked directly, not through the run's cache, which would hand back the first answer.
    const answers = await session.withFetchSlot(site.host, () =>
      Promise.all((['A', 'AAAA'] as const).map((t) => queryDns(dnsQuery(resolver, site.host, t), { timeoutMs: site.timeoutMs, ca: session.ca, signal: session.signal }))),
    );
    const ok = answers.some((a) => a.outcome === 'ok' && a.values.some((v) => !isUnspecifiedAddress(v)));
    return ok ? { httpStatus: null, error: null, failedPhase: null, expect: { ok: true, failures: [] } } : sampleOf(attempt);
  }
  const plan: FetchPlan = {
    id: attempt.id,
    site,
    path: attempt.path,
    address: attempt.address,
    port: attempt.path === 'origin' ? attempt.port : null,
    family: attempt.family,
    proxy: attempt.proxy,
    resolvers: attempt.resolvers,
  };
  const fetchAgain = async () => {
    const startedAt = isoNow();
    return rawAttempt(plan, await fetchPinned(fetchRequest(plan, session)), startedAt);
  };
  const { result } = await session.fetchAt(site.host, plan.address, fetchAgain, addressAnswer(policy));
  return sampleOf(result);
}

function sampleOf(result: Pick<RawAttempt, 'httpStatus' | 'error' | 'failedPhase' | 'expect'>): SampleResult {
  return { httpStatus: result.httpStatus, error: result.error, failedPhase: result.failedPhase, expect: result.expect };
}
