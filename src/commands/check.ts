// `outage-probe check`: config → plan → probe → classify → correlate → report, once.

import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import type { Attempt, Config, Incident, Report } from '../model.js';
import type { Memory } from '../correlate/index.js';
import { rememberLocations } from '../classify/location.js';
import { acknowledgeIncidents, type AcknowledgeOptions } from '../status/acknowledge.js';
import { acquireLock } from '../state/lock.js';
import { defaultStateFile, readState, writeStateAtomic } from '../state/store.js';
import { compareRuns, isQuietRun } from '../state/transitions.js';
import { eventPayload, sampleEvent, type ChangeEvent } from '../notify/events.js';
import { notificationProblem, notifyAll, parseWebhookUrl } from '../notify/webhook.js';
import { renderOpenMetrics } from '../report/openmetrics.js';
import { appendHistory } from '../report/history.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { ConfigError, formatConfigIssue } from '../config/errors.js';
import { configFromArgs, loadConfigFile } from '../config/load.js';
import { runProbes } from '../probe/run.js';
import { resample } from '../probe/resample.js';
import { attribute } from '../correlate/index.js';
import { decideVerdict } from '../correlate/verdict.js';
import { classifySite } from '../classify/index.js';
import { respondingProviders } from '../classify/layer.js';
import { loadCatalog, type Catalog } from '../fingerprint/index.js';
import { renderJson, ndjsonAttemptLine, ndjsonSummaryLine } from '../report/json.js';
import { renderTable } from '../report/table.js';
import { parseDuration } from '../util/time.js';
import { EXIT } from '../exit-codes.js';
import { TOOL_VERSION } from '../version.js';
import { UsageError } from '../cli-errors.js';

export type OutputFormat = 'table' | 'json' | 'ndjson' | 'openmetrics';

export interface CheckOptions {
  config?: string;
  resolver: string[];
  format: OutputFormat;
  verbose: boolean;
  timeout?: string;
  deadline?: string;
  concurrency?: string;
  samples?: string;
  interval?: string;
  minSites?: string;
  vantage?: string;
  /** --state: a path, or true for the default state file. */
  state?: string | true;
  /** --wait SECONDS for another run's lock. */
  wait?: string;
  notify?: string[];
  notifyTest?: boolean;
  quiet?: boolean;
  /** --output FILE: write the rendered report there (atomically) instead of stdout. */
  output?: string;
  /** --append FILE: add the run's one-line summary there. */
  append?: string;
  /** --status-pages: ask each provider with an incident whether its status page acknowledges it. */
  statusPages?: boolean;
  color: boolean;
  /** Where the packaged default probes.yaml lives (overridable for tests). */
  packagedConfig?: string;
  cwd?: string;
}

export interface CheckIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT / SIGTERM. */
  signal?: AbortSignal;
}

export const PACKAGED_CONFIG = new URL('../../probes.yaml', import.meta.url).pathname;

/**
 * Config search order: --config PATH, ./probes.yaml, the packaged default. URLs on the command line need no file.
 * A path the user gave is kept as given, so error lines read `probes.yaml:14:7 …`, not an absolute path.
 */
export function locateConfig(options: Pick<CheckOptions, 'config' | 'packagedConfig' | 'cwd'>): string {
  const within = (path: string) => (options.cwd ? resolvePath(options.cwd, path) : path);
  if (options.config) return within(options.config);
  if (existsSync(within('probes.yaml'))) return within('probes.yaml');
  return options.packagedConfig ?? PACKAGED_CONFIG;
}

export function loadCheckConfig(urls: string[], options: CheckOptions): Config {
  if (urls.length > 0 && options.config) throw new UsageError('give either URLs or --config, not both');
  const config =
    urls.length > 0 ? configFromArgs(urls, options.resolver) : loadConfigFile(locateConfig(options));
  if (urls.length === 0 && options.resolver.length > 0) {
    throw new UsageError('--resolver applies to URLs given on the command line; with a config file, list resolvers in it');
  }
  return applyOverrides(config, options);
}

function applyOverrides(config: Config, options: CheckOptions): Config {
  const duration = (flag: string, value: string | undefined): number | null => {
    if (value === undefined) return null;
    const ms = parseDuration(value);
    if (ms === null || ms <= 0) throw new UsageError(`${flag}: expected a positive duration like 500ms or 5s, got ${JSON.stringify(value)}`);
    return ms;
  };
  const timeoutMs = duration('--timeout', options.timeout);
  const deadlineMs = duration('--deadline', options.deadline);
  const integer = (flag: string, value: string | undefined, min: number, max: number): number | null => {
    if (value === undefined) return null;
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || n < min || n > max) throw new UsageError(`${flag}: expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    return n;
  };
  const concurrency = integer('--concurrency', options.concurrency, 1, 4096);
  const samples = integer('--samples', options.samples, 1, 100);
  const minSites = integer('--min-sites', options.minSites, 1, 1000);
  const intervalMs = duration('--interval', options.interval);
  return {
    ...config,
    run: {
      ...config.run,
      ...(deadlineMs !== null ? { deadlineMs } : {}),
      ...(concurrency !== null ? { concurrency } : {}),
    },
    attribution: {
      ...config.attribution,
      ...(samples !== null ? { samples } : {}),
      ...(minSites !== null ? { minSites } : {}),
      ...(intervalMs !== null ? { intervalMs } : {}),
    },
    sites: timeoutMs === null ? config.sites : config.sites.map((s) => ({ ...s, timeoutMs })),
  };
}

/** Keep a little of the deadline for correlating and printing, so the process ends on time. */
function reserveMs(deadlineMs: number): number {
  return Math.min(250, Math.round(deadlineMs * 0.05));
}

export async function runCheck(urls: string[], options: CheckOptions, io: CheckIo): Promise<number> {
  let config: Config;
  let notifyUrls: string[];
  let waitMs: number;
  try {
    config = loadCheckConfig(urls, options);
    notifyUrls = checkNotifyUrls(options.notify ?? []);
    waitMs = waitSeconds(options.wait) * 1000;
    if (options.output && options.format === 'ndjson') throw new UsageError('--output writes a whole report; use it with --json, --format openmetrics or the table, not --ndjson');
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const issue of err.issues) io.stderr.write(`${formatConfigIssue(issue)}\n`);
      return err.input === 'command-line' ? EXIT.usage : EXIT.config;
    }
    if (err instanceof UsageError) {
      io.stderr.write(`outage-probe: ${err.message}\n`);
      return EXIT.usage;
    }
    throw err;
  }
  const vantage = options.vantage ?? hostname();
  if (options.notifyTest) return sendTestNotification(notifyUrls, vantage, config, io);

  // State: lock first, then read, so a run that waited compares with what the previous run saved.
  const stateFile = options.state === true ? defaultStateFile(io.env) : options.state;
  const beforeLock = performance.now();
  const lock = stateFile ? await acquireLock(`${stateFile}.lock`, { waitMs, ...(io.signal ? { signal: io.signal } : {}) }) : null;
  // The deadline counts from process start (performance.now() is 0 there), unless the run waited for a lock:
  // then from the moment it got it.
  const clockStart = performance.now() - beforeLock > 50 ? performance.now() : 0;
  if (lock && 'busy' in lock) {
    io.stderr.write(`outage-probe: ${lock.busy}\n`);
    return EXIT.busy;
  }
  if (lock && 'error' in lock) {
    io.stderr.write(`outage-probe: ${lock.error}\n`);
    return EXIT.config;
  }
  try {
    const stored = stateFile ? readState(stateFile) : { state: null, warnings: [] };
    if ('refused' in stored) {
      io.stderr.write(`outage-probe: ${stored.refused}\n`);
      return EXIT.config;
    }
    for (const warning of stored.warnings) io.stderr.write(`outage-probe: warning: ${warning}\n`);

    // Webhooks get the end of the run's time: probing stops a little earlier when there is someone to tell.
    const notifyReserveMs = notifyUrls.length > 0 ? Math.min(5000, Math.round(config.run.deadlineMs * 0.25)) : 0;
    const runEndsAt = clockStart + config.run.deadlineMs;
    let report = await probeAndReport(config, { ...options, vantage }, io, {
      memory: { stacks: stored.state?.stacks ?? {}, locations: stored.state?.locations ?? {} },
      reserveMs: notifyReserveMs,
      clockStart,
    });

    let events: ChangeEvent[] = [];
    const interrupted = io.signal?.aborted === true;
    if (stateFile && !interrupted) {
      const compared = compareRuns(stored.state, report, report.startedAt, { file: stateFile, warnings: stored.warnings });
      report = compared.report;
      events = compared.events;
      const attempts = report.sites.flatMap((site) => site.attempts);
      writeStateAtomic(stateFile, { ...compared.next, locations: rememberLocations(stored.state?.locations ?? {}, attempts) });
    }
    if (events.length > 0 && notifyUrls.length > 0 && !interrupted) {
      const payload = eventPayload(events, report);
      const results = await notifyAll(notifyUrls, payload, { deadlineAt: runEndsAt, ca: config.tls.ca, ...(io.signal ? { signal: io.signal } : {}) });
      report = { ...report, notifications: results };
      for (const r of results) if (!r.ok) io.stderr.write(`outage-probe: ${notificationProblem(r)}\n`);
    }

    // --quiet silences stdout only: a metrics file for a textfile collector must be fresh after every run.
    if (options.output || !(options.quiet && isQuietRun(report, events))) writeReport(report, options, io);
    if (options.append) appendHistory(options.append, report);
    return report.exitCode;
  } finally {
    if (lock && 'release' in lock) lock.release();
  }
}

function checkNotifyUrls(urls: string[]): string[] {
  for (const url of urls) {
    const parsed = parseWebhookUrl(url);
    if ('error' in parsed) throw new UsageError(`--notify: ${parsed.error}`);
  }
  return urls;
}

function waitSeconds(value: string | undefined): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || n > 86_400) throw new UsageError(`--wait: expected a number of seconds from 0 to 86400, got ${JSON.stringify(value)}`);
  return n;
}

/** --notify-test: one sample event to every webhook; exit 0 when all took it. */
async function sendTestNotification(urls: string[], vantage: string, config: Config, io: CheckIo): Promise<number> {
  if (urls.length === 0) {
    io.stderr.write('outage-probe: --notify-test needs at least one --notify URL\n');
    return EXIT.usage;
  }
  const event = sampleEvent(vantage);
  const payload = eventPayload([event], { startedAt: event.at, vantage, verdict: 'ok', summary: 'outage-probe test notification' });
  const results = await notifyAll(urls, payload, { deadlineAt: performance.now() + config.run.deadlineMs, ca: config.tls.ca, ...(io.signal ? { signal: io.signal } : {}) });
  for (const r of results) io.stderr.write(`outage-probe: ${r.ok ? `test event delivered to ${r.url}` : notificationProblem(r)}\n`);
  return results.every((r) => r.ok) ? EXIT.ok : EXIT.siteFailures;
}

/** The pipeline after config: also used by `drill`, which builds its Config from a lab. */
export interface ProbeContext {
  /** What the state file remembers (stacks, locations), for what this run cannot see. */
  memory?: Memory;
  /** Time kept back at the end of the deadline for work after probing (notifications). */
  reserveMs?: number;
  /**
   * When the deadline's clock started (performance.now() scale). The CLI starts it at process start, so module
   * loading and config parsing count too; by default it starts now.
   */
  clockStart?: number;
}

/** With --status-pages, this much of the deadline is kept for reading them (each page costs at most its share). */
const STATUS_PAGE_SHARE = 0.2;

export async function probeAndReport(
  config: Config,
  options: Pick<CheckOptions, 'format' | 'vantage' | 'statusPages'>,
  io: CheckIo,
  context: ProbeContext = {},
): Promise<Report> {
  const startedAt = new Date();
  const t0 = performance.now();
  const runEndsAt = (context.clockStart ?? t0) + config.run.deadlineMs - reserveMs(config.run.deadlineMs) - (context.reserveMs ?? 0);
  const statusPagesMs = options.statusPages ? Math.min(10_000, Math.round(config.run.deadlineMs * STATUS_PAGE_SHARE)) : 0;
  const deadlineAt = runEndsAt - statusPagesMs;
  const catalog = loadCatalog(config.providers);
  const progress = io.stderr.isTTY && options.format !== 'ndjson' ? progressLine(io.stderr) : null;
  const sampling = config.attribution.samples > 1;
  const results = await runProbes(config, {
    deadlineAt,
    ...(io.signal ? { signal: io.signal } : {}),
    selfTestFor: (attempt) => selfTestFor(attempt, catalog),
    hooks: {
      // NDJSON lines go out per site as soon as the site is done, already classified (after resampling, with --samples).
      ...(options.format === 'ndjson' && !sampling
        ? {
            onSite: (_site, attempts, dns) => {
              for (const a of classifySite(dns, attempts, config.resolvers, catalog).attempts) io.stdout.write(ndjsonAttemptLine(a));
            },
          }
        : {}),
      ...(progress ? { onProgress: progress.update } : {}),
    },
  });
  progress?.clear();
  const attempts = sampling
    ? await resample(config, results.attempts, { samples: config.attribution.samples, intervalMs: config.attribution.intervalMs, deadlineAt, ...(io.signal ? { signal: io.signal } : {}) })
    : results.attempts;
  const attribution = attribute(config, results.dns, attempts, catalog, config.attribution, context.memory ?? {});
  // Status pages are context, never evidence: they change no verdict and no exit code.
  const incidents = options.statusPages
    ? await acknowledged(attribution.incidents, catalog, { deadlineAt: runEndsAt, ca: config.tls.ca, statusPages: config.statusPages, ...(io.signal ? { signal: io.signal } : {}) })
    : attribution.incidents;
  if (options.format === 'ndjson' && sampling) {
    for (const site of attribution.sites) for (const a of site.attempts) io.stdout.write(ndjsonAttemptLine(a));
  }
  const verdict = decideVerdict(attribution.sites, attribution.local, attribution.incidents);
  const interrupted = io.signal?.aborted === true;
  return {
    schema: 'outage-probe.report/v1',
    tool: { name: 'outage-probe', version: TOOL_VERSION },
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    vantage: options.vantage ?? hostname(),
    config: config.source,
    complete: results.complete && !interrupted,
    verdict: verdict.verdict,
    summary: verdict.summary,
    exitCode: verdict.exitCode,
    resolvers: config.resolvers.map((r) => ({ name: r.name, kind: r.kind, address: r.address, url: r.url, provider: r.provider })),
    sites: attribution.sites,
    incidents,
    resolvedIncidents: [],
    state: null,
    notifications: [],
  };
}

async function acknowledged(incidents: Incident[], catalog: Catalog, options: AcknowledgeOptions): Promise<Incident[]> {
  if (incidents.length === 0) return incidents;
  const acks = await acknowledgeIncidents(incidents, catalog, options);
  return incidents.map((i) => ({ ...i, acknowledged: acks.get(i.id) ?? null }));
}

/** A failed attempt answered by a provider with a health endpoint (Cloudflare's /cdn-cgi/trace) gets it fetched. */
function selfTestFor(attempt: Attempt, catalog: Catalog) {
  const provider = respondingProviders(attempt, catalog).find((p) => p.selfTest);
  return provider?.selfTest ?? null;
}

export function writeReport(report: Report, options: Pick<CheckOptions, 'format' | 'verbose' | 'color' | 'output'>, io: CheckIo): void {
  const toFile = options.output !== undefined;
  const text = renderReport(report, options, io, toFile);
  if (options.output) writeFileAtomic(options.output, text);
  else io.stdout.write(text);
}

function renderReport(report: Report, options: Pick<CheckOptions, 'format' | 'verbose' | 'color'>, io: CheckIo, toFile: boolean): string {
  switch (options.format) {
    case 'json':
      return renderJson(report);
    case 'ndjson':
      return ndjsonSummaryLine(report);
    case 'openmetrics':
      return renderOpenMetrics(report);
    default: {
      const terminal = io.stdout.isTTY === true && !toFile;
      const color = options.color && terminal && !io.env.NO_COLOR;
      const width = terminal && io.stdout.columns ? io.stdout.columns : 100;
      return renderTable(report, { color, verbose: options.verbose, width });
    }
  }
}

/** "probing… 120/400" on one stderr line, only on a terminal. */
function progressLine(stderr: NodeJS.WritableStream) {
  let last = 0;
  return {
    update(done: number, planned: number) {
      const now = performance.now();
      if (now - last < 100) return;
      last = now;
      stderr.write(`\r\u001b[2Kprobing… ${done}/${planned}`);
    },
    clear() {
      stderr.write('\r\u001b[2K');
    },
  };
}
