// One run of the pipeline, as every command that probes runs it (check, drill):
//   config → plan → probe → classify → correlate → report.
// Each stage hands the next a value; this file only wires them. Each site is classified as soon as the probe
// stage hands it over, and streaming formats (NDJSON) write exactly those classified attempts, so a line and
// the final report can never disagree.

import { signalExitCode } from '../exit-codes.js';
import { hostname } from 'node:os';
import type { Config, DnsAnswer, Incident, Report, LossProbe } from '../model.js';
import { classifySite, retainedSite, attemptFailed, mayBeCrowding, unanswered, selfTestFor, type ClassifiedSite, type Memory } from '../classify/index.js';
import { correlate } from '../correlate/index.js';
import { decideVerdict } from '../correlate/verdict.js';
import { resolverPaces, resolverReport, withLookupsAskedAgain, withNameserverReplies } from '../config/resolvers.js';
import { loadCatalog, type Catalog } from '../fingerprint/index.js';
import { planRun } from '../plan/index.js';
import { createProbeSession, loadFetchClient, prepareSystemLookups, probeSites, SITE_PLANNERS } from '../probe/index.js';
import { acknowledgeIncidents, type AcknowledgeOptions } from '../status/acknowledge.js';
import type { Budget } from '../util/budget.js';
import { TOOL_VERSION } from '../version.js';
import { withoutStacksDuring } from '../util/errors.js';
import { tightenHeap } from '../util/heap.js';
import { LAZY_TIERING, tierUpAsUsual, tierUpLater } from '../util/tiering.js';

export interface PipelineOptions {
  budget: Budget;
  vantage?: string;
  /** --status-pages: ask each provider with an incident whether its status page acknowledges it. */
  statusPages?: boolean;
  /** What the state file remembers (stacks, locations), for what this run cannot see. */
  memory?: Memory;
  /** Aborted on SIGINT / SIGTERM. */
  signal?: AbortSignal;
  /** Each site, classified, as soon as it is done (NDJSON streams its attempts from here). */
  onSite?: (site: ClassifiedSite) => void;
  /** onSite writes every attempt in full and the report will carry none (NDJSON): the run keeps less of each. */
  attemptsStreamed?: boolean;
  onProgress?: (done: number, planned: number) => void;
  /** The proxy this process's environment names (util/env-proxy.ts), which no fetch uses. */
  environmentProxy?: string | null;
}

export async function runPipeline(config: Config, options: PipelineOptions): Promise<Report> {
  const startedAt = new Date();
  const t0 = performance.now();
  prepareSystemLookups(config.resolvers);
  const catalog = loadCatalog(config.providers);
  const plan = planRun(config, SITE_PLANNERS);
  const session = createProbeSession({
    resolvers: config.resolvers,
    paces: resolverPaces(config.resolvers),
    run: config.run,
    ca: config.tls.ca,
    deadlineAt: options.budget.until('probe'),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  if (plan.sites.length >= LAZY_TIERING.fewestSites && plan.sites.length <= LAZY_TIERING.mostSites) {
    // What probing loads of Node's own modules is loaded before the flag changes (util/tiering.ts).
    await loadFetchClient();
    tierUpLater();
  }
  const context = { resolvers: config.resolvers, catalog, memory: options.memory ?? {} };
  // Each site in its place in the config's order as it finishes (sites finish out of order).
  const classified = new Array<ClassifiedSite>(plan.sites.length);
  let done = 0;
  // A run of many sites keeps a medium heap from the start (util/heap.ts).
  tightenHeap(options.budget.endsAt - performance.now(), plan.sites.length);
  try {
    await withoutStacksDuring(() => probeSites(plan, session, {
      policy: { failed: attemptFailed, selfTestFor: (attempt) => selfTestFor(attempt, catalog), mayBeCrowding: (attempt) => mayBeCrowding(attempt, catalog), unanswered },
      sampling: { samples: config.attribution.samples, intervalMs: config.attribution.intervalMs },
      concurrency: config.run.concurrency,
      onSite: (raw, index) => {
        const site = classifySite(raw, context);
        options.onSite?.(site);
        classified[index] = retainedSite(site, { streamed: options.attemptsStreamed === true });
        if (++done % 256 === 0) tightenHeap(options.budget.endsAt - performance.now());
      },
    }));
  } finally {
    tierUpAsUsual();
  }
  const { dns, complete, lossProbes: probed, nameserverReplies, askedAgain } = await session.close();
  const lossProbes = probed ?? undefined;
  const resolvers = withLookupsAskedAgain(withNameserverReplies(config.resolvers, nameserverReplies), askedAgain);
  if (done !== classified.length) throw new Error(`internal: ${classified.length - done} of ${classified.length} sites were never handed over`);

  const { attribution, verdict } = judge(classified, dns, { ...config, resolvers }, { remembering: options.memory?.served !== undefined, environmentProxy: options.environmentProxy ?? null, lossProbes });
  // Status pages are context, never evidence: they change no verdict and no exit code.
  const incidents = options.statusPages
    ? await acknowledged(attribution.incidents, catalog, { deadlineAt: options.budget.until('status-pages'), ca: config.tls.ca, statusPages: config.statusPages, ...(options.signal ? { signal: options.signal } : {}) })
    : attribution.incidents;
  return {
    schema: 'outage-probe.report/v1',
    tool: { name: 'outage-probe', version: TOOL_VERSION },
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    vantage: options.vantage ?? hostname(),
    config: config.source,
    complete: complete && options.signal?.aborted !== true,
    verdict: verdict.verdict,
    summary: verdict.summary,
    // Stopped by a signal: the process exits 130 / 143, and the partial report says so too.
    exitCode: options.signal?.aborted ? signalExitCode(options.signal.reason) : verdict.exitCode,
    resolvers: resolvers.map((r) => resolverReport(r, lossProbes)),
    host: attribution.host,
    sites: attribution.sites,
    incidents,
    findings: attribution.findings,
    ...NOT_COMPARED,
  };
}

/** What a report says before the cron side (--state, --notify) and --shard add theirs. */
export const NOT_COMPARED = { resolvedIncidents: [], state: null, providerChanges: [], notifications: [], shard: null } as const satisfies Partial<Report>;

/** What a run knows besides its sites and answers, for judging them. */
export interface RunFacts {
  /** The run has a state file to learn from (--state). */
  remembering: boolean;
  /** The proxy this process's environment names (util/env-proxy.ts), which no fetch uses. */
  environmentProxy?: string | null;
  /** By resolver name: the loss probes the run sent (probe/dns/loss-probe.ts); none when it sent none. */
  lossProbes?: ReadonlyMap<string, LossProbe>;
}

/** Classified sites → their attribution and the run's verdict: what every report of a run (or of joined shards) says. */
export function judge(classified: ClassifiedSite[], dns: DnsAnswer[], config: Pick<Config, 'resolvers' | 'attribution'>, facts: RunFacts) {
  const attribution = correlate(classified, dns, config.resolvers, { ...config.attribution, ...facts });
  const verdict = decideVerdict(attribution.sites, attribution.local, attribution.incidents, attribution.host, attribution.findings);
  return { attribution, verdict };
}

async function acknowledged(incidents: Incident[], catalog: Catalog, options: AcknowledgeOptions): Promise<Incident[]> {
  if (incidents.length === 0) return incidents;
  const acks = await acknowledgeIncidents(incidents, catalog, options);
  return incidents.map((i) => ({ ...i, acknowledged: acks.get(i.id) ?? null }));
}
