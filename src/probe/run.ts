// The probe stage: the only place that touches the network. It sends the planned DNS queries,
// turns answers into edge fetches as they arrive (no waiting for the slowest resolver), runs every fetch
// under the global and per-host limits, and ends by the run's deadline whatever the servers do.
// It judges nothing beyond the outcome of each attempt; sites and incidents are the correlate stage's.

import pLimit, { type LimitFunction } from 'p-limit';
import type { Attempt, Config, DnsAnswer, DnsQuery, FetchResult, ResolverSpec, SelfTestResult, SiteSpec } from '../model.js';
import {
  addressQueries,
  dnsQuery,
  edgeFetchesFor,
  fetchId,
  nsQueries,
  staticFetches,
  nextZoneQuery,
  type FetchPlan,
} from '../plan/plan.js';
import { attemptOutcome, evaluateExpect } from '../classify/outcome.js';
import { createDohPool, queryDns } from './dns/index.js';
import { emptyFetchResult, fetchPinned } from './http/fetch.js';

export interface ProbeHooks {
  /** Called once per attempt, after the site's DNS stage is complete (so its resolver credit is final). */
  onAttempt?: (attempt: Attempt) => void;
  /** Called once per site when all its queries and attempts (self-tests included) are done. */
  onSite?: (site: SiteSpec, attempts: Attempt[], dns: DnsAnswer[]) => void;
  /** Called whenever a DNS query or a fetch finishes. */
  onProgress?: (done: number, planned: number) => void;
}

export interface ProbeOptions {
  /** Absolute time (performance.now() scale) by which everything must be finished. */
  deadlineAt: number;
  /** Aborted on SIGINT/SIGTERM: stop at once and report what is known. */
  signal?: AbortSignal;
  hooks?: ProbeHooks;
  /** DNS queries in flight at most (each has its own socket; this only paces bursts). */
  dnsConcurrency?: number;
  /**
   * For a failed attempt, the provider's own health endpoint to fetch through the same address (e.g. Cloudflare's
   * /cdn-cgi/trace), or null. Decided by the caller from the fingerprint catalog; the probe stage only fetches.
   */
  selfTestFor?: (attempt: Attempt) => SelfTestSpec | null;
}

export interface SelfTestSpec {
  path: string;
  /** Text a healthy answer contains. */
  expect: string;
  /** `key=value` line of the answer naming the location (colo), if any. */
  locationKey?: string;
}

export interface ProbeResults {
  dns: DnsAnswer[];
  attempts: Attempt[];
  /** False when the deadline or a signal cut the run short. */
  complete: boolean;
}

export async function runProbes(config: Config, options: ProbeOptions): Promise<ProbeResults> {
  const stop = new AbortController();
  const remaining = Math.max(0, options.deadlineAt - performance.now());
  const deadlineTimer = setTimeout(() => stop.abort(new Error('deadline')), remaining);
  const onExternalAbort = () => stop.abort(new Error('interrupted'));
  options.signal?.addEventListener('abort', onExternalAbort, { once: true });
  if (options.signal?.aborted) stop.abort(new Error('interrupted'));

  const ca = config.tls.ca;
  const dohPool = createDohPool();
  // Each resolver has its own queue: a resolver that never answers holds only its own slots for a timeout
  // each, and the others' queries (and so every fetch) go on.
  const dnsSlots = options.dnsConcurrency ?? Math.max(64, config.run.concurrency * 2);
  const dnsLimits = new Map<string, LimitFunction>();
  const dnsLimitFor = (resolver: string): LimitFunction => {
    let limit = dnsLimits.get(resolver);
    if (!limit) {
      limit = pLimit(dnsSlots);
      dnsLimits.set(resolver, limit);
    }
    return limit;
  };
  const silence = new Map<string, { replies: number; timeouts: number }>();
  const fetchLimit = pLimit(config.run.concurrency);
  const hostLimits = new Map<string, LimitFunction>();
  const dnsCache = new Map<string, Promise<DnsAnswer>>();
  const attempts: Attempt[] = [];
  let done = 0;
  let planned = 0;
  const progress = () => options.hooks?.onProgress?.(done, planned);

  const resolve = (query: DnsQuery, timeoutMs: number): Promise<DnsAnswer> => {
    const cached = dnsCache.get(query.key);
    if (cached) return cached;
    planned += 1;
    const answer = dnsLimitFor(query.resolver.name)(async () => {
      const heard = silence.get(query.resolver.name) ?? { replies: 0, timeouts: 0 };
      silence.set(query.resolver.name, heard);
      if (heard.replies === 0 && heard.timeouts >= SILENT_AFTER) return notSent(query, heard.timeouts);
      const a = await queryDns(query, { timeoutMs: Math.min(timeoutMs, msLeft(options.deadlineAt)), signal: stop.signal, ca, dohPool });
      if (a.rcode !== null) heard.replies += 1;
      else if (a.outcome === 'timeout' && a.error?.code !== 'DEADLINE') heard.timeouts += 1;
      return a;
    }).then((a) => {
      done += 1;
      progress();
      return a;
    });
    dnsCache.set(query.key, answer);
    return answer;
  };

  const hostLimit = (host: string): LimitFunction => {
    let limit = hostLimits.get(host);
    if (!limit) {
      limit = pLimit(config.run.perHostConcurrency);
      hostLimits.set(host, limit);
    }
    return limit;
  };

  const runFetch = (plan: FetchPlan): Promise<Attempt> => {
    planned += 1;
    const site = plan.site;
    // Per-host slot first, then a global slot, so a queue behind one busy host never holds global slots.
    return hostLimit(site.host)(() =>
      fetchLimit(async () => {
        const startedAt = new Date().toISOString();
        const fetch = stop.signal.aborted ? notStarted(site, plan) : await fetchPinned(fetchRequest(config, plan, stop.signal, resolve));
        done += 1;
        progress();
        const attempt = toAttempt(plan, fetch, startedAt);
        const spec = attempt.outcome !== 'ok' && attempt.address && !stop.signal.aborted ? options.selfTestFor?.(attempt) : null;
        return spec ? { ...attempt, selfTest: await selfTest(config, plan, spec, stop.signal, resolve) } : attempt;
      }),
    );
  };

  const probeSite = async (site: SiteSpec): Promise<void> => {
    const siteAnswers: Promise<DnsAnswer>[] = [];
    const resolveForSite = (query: DnsQuery, timeoutMs: number) => {
      const answer = resolve(query, timeoutMs);
      siteAnswers.push(answer);
      return answer;
    };
    const plans: FetchPlan[] = staticFetches(site);
    const running: Promise<Attempt>[] = plans.map(runFetch);
    const dnsFailures: Attempt[] = [];

    const perResolver = config.resolvers.map(async (resolver) => {
      const queries = addressQueries(site, [resolver]);
      if (queries.length === 0) return;
      const answers = await Promise.all(queries.map((q) => resolveForSite(q, site.timeoutMs)));
      const addresses = answers.flatMap((a) => (a.outcome === 'ok' ? a.values : []));
      if (addresses.length === 0) {
        if (site.paths.edge) dnsFailures.push(dnsFailureAttempt(site, resolver, answers));
        return;
      }
      const fresh = edgeFetchesFor(site, resolver.name, addresses, plans);
      plans.push(...fresh);
      running.push(...fresh.map(runFetch));
    });
    const nameServers = nsQueries(site, config.resolvers).map(async (q) => {
      // Walk towards the zone apex: at most a few steps (a CNAME'd host, then the SOA's zone).
      let answer = await resolveForSite(q, site.timeoutMs);
      for (let step = 0; step < 4; step += 1) {
        const next = nextZoneQuery(answer, q.resolver);
        if (!next) break;
        answer = await resolveForSite(next, site.timeoutMs);
      }
    });
    await Promise.all([...perResolver, ...nameServers]);

    // The site's DNS stage is over: credit is final, so attempts may be reported.
    const siteAttempts: Attempt[] = [];
    const report = (a: Attempt) => {
      siteAttempts.push(a);
      options.hooks?.onAttempt?.(a);
    };
    dnsFailures.forEach(report);
    await Promise.all(running.map((p) => p.then(report)));
    attempts.push(...siteAttempts);
    options.hooks?.onSite?.(site, siteAttempts, await Promise.all(siteAnswers));
  };

  try {
    // Sites are taken by a bounded pool of workers, in order: ten thousand sites pending at once would hold
    // ten thousand sets of closures and promises (~14 KB each) for nothing, since fetches are limited anyway.
    const siteWorkers = pLimit(Math.max(256, config.run.concurrency * 4));
    await Promise.all(config.sites.map((site) => siteWorkers(() => probeSite(site))));
  } finally {
    clearTimeout(deadlineTimer);
    options.signal?.removeEventListener('abort', onExternalAbort);
  }
  const dns = await Promise.all([...dnsCache.values()]);
  await dohPool.close();
  return { dns, attempts, complete: !stop.signal.aborted };
}

/** Fetch the provider's health endpoint through the same address, with the site's Host and SNI. */
async function selfTest(
  config: Config,
  plan: FetchPlan,
  spec: SelfTestSpec,
  signal: AbortSignal,
  resolve: (q: DnsQuery, timeoutMs: number) => Promise<DnsAnswer>,
): Promise<SelfTestResult> {
  const url = new URL(spec.path, plan.site.url).href;
  const result = await fetchPinned({
    ...fetchRequest(config, plan, signal, resolve),
    url,
    method: 'GET',
    headers: {},
    maxRedirects: 0,
    bodySampleBytes: 8192,
  });
  const ok = result.error === null && result.httpStatus === 200 && result.bodySample.includes(spec.expect);
  const line = spec.locationKey ? result.bodySample.split('\n').find((l) => l.startsWith(`${spec.locationKey}=`)) : undefined;
  return { url, ok, httpStatus: result.httpStatus, location: line ? line.trim().slice(0, 40) : null, error: result.error };
}

/**
 * A resolver that has not answered one of its first queries is not asked the rest: each would cost a full
 * timeout. Its remaining queries are recorded as timeouts, with a code that says they were not sent.
 */
const SILENT_AFTER = 16;

function notSent(query: DnsQuery, timeouts: number): DnsAnswer {
  const r = query.resolver;
  return {
    resolver: r.name,
    name: query.name,
    type: query.type,
    outcome: 'timeout',
    rcode: null,
    answers: [],
    cnameChain: [],
    values: [],
    zone: null,
    ede: [],
    server: r.kind === 'doh' ? (r.url ?? '') : r.kind === 'system' ? 'system' : `${r.address ?? ''}:${r.port ?? 53}`,
    transport: r.kind === 'doh' ? 'doh' : r.kind === 'system' ? 'system' : 'udp',
    startedAt: new Date().toISOString(),
    durationMs: 0,
    error: { code: 'RESOLVER_SILENT', message: `not sent: ${r.name} answered none of its first ${timeouts} queries` },
  };
}

function msLeft(deadlineAt: number): number {
  return Math.max(1, Math.floor(deadlineAt - performance.now()));
}

export function fetchRequest(
  config: Config,
  plan: FetchPlan,
  signal: AbortSignal,
  resolve: (q: DnsQuery, timeoutMs: number) => Promise<DnsAnswer>,
): Parameters<typeof fetchPinned>[0] {
  const site = plan.site;
  // A redirect to another host is resolved through the same resolver that led to this edge
  // (or the first configured one for origin paths), never silently through the system resolver.
  const resolverName = plan.resolvers[0];
  const resolver: ResolverSpec | undefined =
    config.resolvers.find((r) => r.name === resolverName) ?? config.resolvers[0];
  const resolveRedirectHost = async (host: string): Promise<string | null> => {
    if (!resolver) return null;
    const type = plan.family === 6 ? 'AAAA' : 'A';
    const answer = await resolve(dnsQuery(resolver, host, type), site.timeoutMs);
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
    maxRedirects: site.maxRedirects,
    ca: config.tls.ca,
    resolveRedirectHost,
  };
}

/**
 * How much of the body an attempt keeps once `expect` has been judged: enough for the fingerprint catalog to
 * read an error or challenge page (their markers sit at the top), not the whole sample. A run over ten thousand
 * sites must not hold ten thousand 64 KiB samples until the end.
 */
export const KEPT_BODY_OK = 4 * 1024;
export const KEPT_BODY_FAILED = 32 * 1024;

function keptBody(sample: string, ok: boolean): string {
  const limit = ok ? KEPT_BODY_OK : KEPT_BODY_FAILED;
  // A copy, not a slice: a V8 slice would keep the whole sample alive.
  return sample.length <= limit ? sample : Buffer.from(sample.slice(0, limit), 'utf8').toString('utf8');
}

export function toAttempt(plan: FetchPlan, fetch: FetchResult, startedAt: string): Attempt {
  const expect = evaluateExpect(plan.site.expect, fetch);
  const outcome = attemptOutcome(fetch, expect);
  return {
    id: plan.id,
    site: plan.site.name,
    path: plan.path,
    resolver: plan.resolvers[0] ?? null,
    resolvers: plan.resolvers,
    family: plan.family,
    proxy: plan.proxy,
    startedAt,
    outcome,
    expect,
    ...fetch,
    bodySample: keptBody(fetch.bodySample, outcome === 'ok'),
    // Filled by the classify stage.
    layer: null,
    provider: null,
    explanation: null,
    location: null,
    selfTest: null,
    samples: null,
  };
}

function emptyFetch(site: SiteSpec, address: string | null, port: number | null): FetchResult {
  return emptyFetchResult(site.url, address, port ?? defaultPort(site.url));
}

function defaultPort(url: string): number {
  const u = new URL(url);
  return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
}

/** A fetch the deadline (or a signal) overtook before it could start: reported, never dropped. */
function notStarted(site: SiteSpec, plan: FetchPlan): FetchResult {
  return {
    ...emptyFetch(site, plan.address, plan.port),
    error: { code: 'DEADLINE', message: 'not started: the run deadline was reached' },
    failedPhase: 'connect',
  };
}

/**
 * When a resolver returned no address for the site, there is nothing to fetch through it; the site
 * still gets one edge attempt for that resolver, so every (resolver, site) pair has a result.
 */
function dnsFailureAttempt(site: SiteSpec, resolver: ResolverSpec, answers: DnsAnswer[]): Attempt {
  const failed = answers.find((a) => a.outcome !== 'ok' && a.outcome !== 'empty') ?? answers[0];
  const outcome = failed?.outcome ?? 'empty';
  const code = failed?.error?.code ?? (outcome === 'empty' ? 'NODATA' : outcome.toUpperCase());
  const message = failed?.error?.message ?? `${resolver.name}: ${outcome} for ${site.host}`;
  const fetch: FetchResult = {
    ...emptyFetch(site, null, null),
    error: { code, message },
    failedPhase: 'dns',
    timings: { connectMs: null, tlsMs: null, ttfbMs: null, totalMs: Math.max(0, ...answers.map((a) => a.durationMs)) },
  };
  const plan: FetchPlan = {
    id: fetchId(site.name, 'edge', `dns:${resolver.name}`),
    site,
    path: 'edge',
    address: null,
    port: null,
    family: null,
    proxy: null,
    resolvers: [resolver.name],
  };
  return toAttempt(plan, fetch, failed?.startedAt ?? new Date().toISOString());
}
