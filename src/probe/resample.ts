// --samples: probe the failing attempts again, a few times, so a flapping provider is recognised
// (the 2025-11-18 Cloudflare outage failed and recovered every few minutes). The first pass's record is kept;
// each resampled attempt gains `samples` with every outcome seen.

import pLimit from 'p-limit';
import type { Attempt, AttemptOutcome, Config, DnsAnswer, DnsQuery } from '../model.js';
import { dnsQuery, type FetchPlan } from '../plan/plan.js';
import { queryDns } from './dns/index.js';
import { fetchPinned } from './http/fetch.js';
import { fetchRequest, toAttempt } from './run.js';
import { sleep } from '../util/time.js';

export interface ResampleOptions {
  samples: number;
  intervalMs: number;
  deadlineAt: number;
  signal?: AbortSignal;
}

/** Re-probe every failed attempt until `samples` samples exist or the deadline is near; returns updated attempts. */
export async function resample(config: Config, attempts: Attempt[], options: ResampleOptions): Promise<Attempt[]> {
  const failing = attempts.filter((a) => a.outcome !== 'ok' && !(a.error?.code === 'DEADLINE' && a.httpStatus === null));
  if (options.samples <= 1 || failing.length === 0) return attempts;
  const outcomes = new Map<string, AttemptOutcome[]>(failing.map((a) => [a.id, [a.outcome]]));
  const limit = pLimit(config.run.concurrency);
  for (let round = 2; round <= options.samples; round += 1) {
    const longest = Math.max(...failing.map((a) => siteOf(config, a).timeoutMs));
    if (performance.now() + options.intervalMs + longest > options.deadlineAt || options.signal?.aborted) break;
    await sleep(options.intervalMs, options.signal);
    const results = await Promise.all(failing.map((a) => limit(() => probeAgain(config, a, options))));
    results.forEach((outcome, i) => outcomes.get(failing[i]!.id)!.push(outcome));
  }
  return attempts.map((a) => {
    const seen = outcomes.get(a.id);
    if (!seen || seen.length < 2) return a;
    const failures = seen.filter((o) => o !== 'ok').length;
    return { ...a, samples: { samples: seen.length, failures, failureRate: Math.round((failures / seen.length) * 100) / 100, outcomes: seen } };
  });
}

function siteOf(config: Config, attempt: Attempt) {
  return config.sites.find((s) => s.name === attempt.site)!;
}

async function probeAgain(config: Config, attempt: Attempt, options: ResampleOptions): Promise<AttemptOutcome> {
  const site = siteOf(config, attempt);
  const resolve = (q: DnsQuery, timeoutMs: number): Promise<DnsAnswer> => queryDns(q, { timeoutMs, ca: config.tls.ca, ...(options.signal ? { signal: options.signal } : {}) });
  if (attempt.address === null && attempt.path === 'edge') {
    // A resolver that gave no address: ask it again.
    const resolver = config.resolvers.find((r) => r.name === attempt.resolver);
    if (!resolver) return attempt.outcome;
    const answers = await Promise.all((['A', 'AAAA'] as const).map((t) => resolve(dnsQuery(resolver, site.host, t), site.timeoutMs)));
    return answers.some((a) => a.outcome === 'ok') ? 'ok' : 'dns-error';
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
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(onAbort, Math.max(1, options.deadlineAt - performance.now()));
  try {
    const fetch = await fetchPinned(fetchRequest(config, plan, controller.signal, resolve));
    return toAttempt(plan, fetch, new Date().toISOString()).outcome;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
