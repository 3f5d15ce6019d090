// `outage-probe check`: the flags → a Config, then one run of the pipeline (commands/pipeline.ts), with the cron
// side effects around it (commands/cron.ts), then the report in the chosen format.

import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { packagePath } from '../package-root.js';
import type { Config, Report, Shard } from '../model.js';
import { parseShardFlag, sitesOfShard } from '../config/shard.js';
import { ConfigError, configErrorLines } from '../config/errors.js';
import { configFromArgs, loadConfigFile } from '../config/load.js';
import { loadSiteList } from '../config/site-list.js';
import { sampleEvent, eventPayload, type ChangeEvent } from '../notify/events.js';
import { notificationProblem, notifyAll, parseWebhookUrl } from '../notify/webhook.js';
import { outputFormat, prepareFormat, type OutputFormatId } from '../report/formats/index.js';
import { defaultStateFile } from '../state/store.js';
import { isQuietRun } from '../state/transitions.js';
import { appendHistory } from '../state/history.js';
import { FileError, replaceFile } from '../util/safe-file.js';
import { createBudget, deadlineTooShort, type Budget } from '../util/budget.js';
import { concurrencyWithinFileLimit, openFileLimit } from '../util/file-limit.js';
import { parseDuration } from '../util/time.js';
import { writeChunks } from '../util/write-chunks.js';
import { collectLargeHeap } from '../util/heap.js';
import { MAX_DURATION_MS, MAX_DURATION_TEXT } from '../config/values.js';
import { EXIT, signalExitCode } from '../exit-codes.js';
import { UsageError } from '../cli-errors.js';
import { compareWithState, memoryOf, notify, openState, type OpenState } from './cron.js';
import { runPipeline } from './pipeline.js';
import { environmentProxy } from '../util/env-proxy.js';
import { readSystemNameservers } from '../util/nameservers.js';
import { withSystemNameservers } from '../config/resolvers.js';

export type OutputFormat = OutputFormatId;

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
  failureThreshold?: string;
  successThreshold?: string;
  /** --reminder-interval DURATION */
  reminderInterval?: string;
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
  /** --sites FILE: probe the sites listed there (hostnames or URLs a line, or a ranked CSV) instead of the config's. */
  sites?: string;
  /** --shard K/N: probe only the K-th of N shares of the sites. */
  shard?: string;
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

export const PACKAGED_CONFIG = packagePath('probes.yaml');

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
  if (options.sites !== undefined) return applyOverrides(configWithSiteList(urls, options.sites, options), options);
  if (urls.length > 0 && options.config) throw new UsageError('give either URLs or --config, not both');
  const config =
    urls.length > 0 ? configFromArgs(urls, options.resolver) : loadConfigFile(locateConfig(options));
  if (urls.length === 0 && options.resolver.length > 0) {
    throw new UsageError('--resolver applies to URLs given on the command line; with a config file, list resolvers in it');
  }
  return applyOverrides(config, options);
}

/**
 * --sites FILE: the list's sites, probed with the config's resolvers, defaults and settings when --config is
 * given, else like URLs on the command line (--resolver, or the system resolver).
 */
function configWithSiteList(urls: string[], file: string, options: CheckOptions): Config {
  if (urls.length > 0) throw new UsageError('give either URLs or --sites FILE, not both');
  const within = (path: string) => (options.cwd ? resolvePath(options.cwd, path) : path);
  const listed = loadSiteList(within(file));
  if (!options.config) return configFromArgs(listed, options.resolver, file);
  if (options.resolver.length > 0) throw new UsageError('--resolver applies without --config; with a config file, list resolvers in it');
  const base = loadConfigFile(locateConfig(options), { sitesElsewhere: true });
  return { ...base, sites: configFromArgs(listed, [], file, base.defaults).sites };
}

function applyOverrides(config: Config, options: CheckOptions): Config {
  const duration = (flag: string, value: string | undefined): number | null => {
    if (value === undefined) return null;
    const ms = parseDuration(value);
    if (ms === null || ms <= 0) throw new UsageError(`${flag}: expected a positive duration like 500ms or 5s, got ${JSON.stringify(value)}`);
    if (ms > MAX_DURATION_MS) throw new UsageError(`${flag}: ${JSON.stringify(value)} is too long: at most ${MAX_DURATION_TEXT}`);
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
  const failureThreshold = integer('--failure-threshold', options.failureThreshold, 1, 100);
  const successThreshold = integer('--success-threshold', options.successThreshold, 1, 100);
  const reminderIntervalMs = duration('--reminder-interval', options.reminderInterval);
  return {
    ...config,
    alerts: {
      ...config.alerts,
      ...(failureThreshold !== null ? { failureThreshold } : {}),
      ...(successThreshold !== null ? { successThreshold } : {}),
      ...(reminderIntervalMs !== null ? { reminderIntervalMs } : {}),
    },
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

export async function runCheck(urls: string[], options: CheckOptions, io: CheckIo): Promise<number> {
  await prepareFormat(options.format);
  let config: Config;
  let notifyUrls: string[];
  let waitMs: number;
  let shard: Shard | null = null;
  try {
    config = loadCheckConfig(urls, options);
    if (options.shard !== undefined) {
      if (options.state !== undefined) throw new UsageError('--shard and --state: each shard would remember only its own sites; keep state where the shards are merged');
      const share = parseShardFlag(options.shard);
      shard = { ...share, sites: config.sites.length };
      config = { ...config, sites: sitesOfShard(config.sites, share) };
    }
    notifyUrls = checkNotifyUrls(options.notify ?? []);
    waitMs = waitSeconds(options.wait) * 1000;
    if (options.output && !outputFormat(options.format).document) throw new UsageError(`--output writes a whole report; use it with --json, --format openmetrics or the table, not --${options.format}`);
  } catch (err) {
    return inputErrorExit(err, io);
  }
  const vantage = options.vantage ?? hostname();
  if (options.notifyTest) return sendTestNotification(notifyUrls, vantage, config, io);

  const stateFile = options.state === true ? defaultStateFile(io.env) : options.state;
  const opened = stateFile ? await openState(stateFile, waitMs, io) : null;
  // Files the run should write but could not: each is one stderr line, and the run exits EXIT.fileWrite after
  // printing its report. Probing never depends on them.
  const fileProblems: string[] = [];
  if (opened && 'busy' in opened) {
    io.stderr.write(`outage-probe: ${opened.busy}\n`);
    // Interrupted while waiting for the lock: the (empty) partial report still comes out.
    if (io.signal?.aborted) await writeReport(await probeAndReport(config, { ...options, vantage }, io), options, io);
    return io.signal?.aborted ? signalExitCode(io.signal.reason) : EXIT.busy;
  }
  if (opened && 'error' in opened) {
    io.stderr.write(`outage-probe: ${opened.error}\n`);
    if (!('unwritable' in opened)) return EXIT.config;
    fileProblems.push(opened.error);
    io.stderr.write('outage-probe: probing without state: no comparison with the last run, no alerts on change\n');
  }
  const state: OpenState | null = opened && !('error' in opened) ? opened : null;
  try {
    for (const warning of state?.warnings ?? []) io.stderr.write(`outage-probe: warning: ${warning}\n`);
    // The deadline counts from process start (performance.now() is 0 there), unless the run waited for a lock:
    // then from the moment it got it.
    const budget = createBudget({
      startAt: state?.waited ? performance.now() : 0,
      deadlineMs: config.run.deadlineMs,
      statusPages: options.statusPages === true,
      notify: notifyUrls.length > 0,
      sites: config.sites.length,
    });
    let report = await probeAndReport(config, { ...options, vantage }, io, { budget, memory: memoryOf(state) });
    if (shard) report = { ...report, shard };

    let events: ChangeEvent[] = [];
    const interrupted = io.signal?.aborted === true;
    const wrote = (what: () => void) => {
      try {
        what();
      } catch (err) {
        if (!(err instanceof FileError)) throw err;
        io.stderr.write(`outage-probe: ${err.message}\n`);
        fileProblems.push(err.message);
      }
    };
    if (state && !interrupted) {
      const compared = compareWithState(state, report, config.alerts);
      ({ report, events } = compared);
      wrote(compared.save);
    }
    // The webhooks hear of the changes even when the state could not be saved.
    if (!interrupted) report = await notify(report, events, notifyUrls, budget, config.tls.ca, io);

    // --quiet silences stdout only: a metrics file for a textfile collector must be fresh after every run.
    if (options.output || !(options.quiet && isQuietRun(report, events))) {
      try {
        await writeReport(report, options, io);
      } catch (err) {
        if (!(err instanceof FileError)) throw err;
        // The report is never lost: what could not go to its file goes to stdout.
        io.stderr.write(`outage-probe: ${err.message}; the report follows on stdout\n`);
        fileProblems.push(err.message);
        await writeReport(report, { ...options, output: undefined }, io);
      }
    }
    if (options.append) wrote(() => appendHistory(options.append!, report));
    return fileProblems.length > 0 && !interrupted ? EXIT.fileWrite : report.exitCode;
  } finally {
    state?.lock.release();
  }
}

/**
 * A config or usage error, printed the way the tool prints every such error, and its exit code (a config file's
 * problem 78, the command line's 64); anything else is not input's fault and is rethrown.
 */
export function inputErrorExit(err: unknown, io: Pick<CheckIo, 'stderr'>): number {
  if (err instanceof ConfigError) {
    io.stderr.write(configErrorLines(err.issues));
    return err.input === 'command-line' ? EXIT.usage : EXIT.config;
  }
  if (err instanceof UsageError) {
    io.stderr.write(`outage-probe: ${err.message}\n`);
    return EXIT.usage;
  }
  throw err;
}

export function checkNotifyUrls(urls: string[]): string[] {
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

/** The pipeline after config, with the run's output wiring: also used by `drill`, which builds its Config from a lab. */
export interface ProbeContext {
  /** What the state file remembers (stacks, locations), for what this run cannot see. */
  memory?: import('../classify/index.js').Memory;
  /** The run's deadline and its phases' shares; by default the config's deadline, counted from now. */
  budget?: Budget;
}

export async function probeAndReport(
  config: Config,
  options: Pick<CheckOptions, 'format' | 'vantage' | 'statusPages'>,
  io: CheckIo,
  context: ProbeContext = {},
): Promise<Report> {
  const format = outputFormat(options.format);
  const tooShort = deadlineTooShort(config.run.deadlineMs, config.sites.length);
  if (tooShort) io.stderr.write(`outage-probe: warning: ${tooShort}\n`);
  const within = concurrencyWithinFileLimit(config.run.concurrency, openFileLimit());
  if (within.warning) {
    io.stderr.write(`outage-probe: warning: ${within.warning}\n`);
    config = { ...config, run: { ...config.run, concurrency: within.concurrency } };
  }
  // Whose servers this host's resolver asks is read once, here, where the run meets the host (like the environment's proxy).
  if (config.resolvers.some((r) => r.kind === 'system')) config = { ...config, resolvers: withSystemNameservers(config.resolvers, readSystemNameservers()) };
  const progress = io.stderr.isTTY && format.forPeople ? progressLine(io.stderr) : null;
  const lines = format.attemptLines ? turnBatches(io.stdout) : null;
  const report = await runPipeline(config, {
    budget: context.budget ?? createBudget({ startAt: performance.now(), deadlineMs: config.run.deadlineMs, statusPages: options.statusPages === true, sites: config.sites.length }),
    ...(options.vantage !== undefined ? { vantage: options.vantage } : {}),
    ...(options.statusPages ? { statusPages: true } : {}),
    ...(context.memory ? { memory: context.memory } : {}),
    ...(io.signal ? { signal: io.signal } : {}),
    ...(lines ? { onSite: (site) => lines.write(format.attemptLines!(site.attempts)), attemptsStreamed: true } : {}),
    ...(progress ? { onProgress: progress.update } : {}),
    environmentProxy: environmentProxy(io.env),
  });
  lines?.flush();
  progress?.clear();
  collectLargeHeap();
  return report;
}

/** The report in its format, to --output (atomically) or stdout (no faster than stdout's reader takes it). */
export async function writeReport(report: Report, options: Pick<CheckOptions, 'format' | 'verbose' | 'color' | 'output'>, io: CheckIo): Promise<void> {
  const format = outputFormat(options.format);
  const terminal = io.stdout.isTTY === true && options.output === undefined;
  const renderOptions = {
    color: format.forPeople && options.color && terminal && !io.env.NO_COLOR,
    verbose: options.verbose,
    width: terminal && io.stdout.columns ? io.stdout.columns : 100,
  };
  const text = format.renderReportChunks?.(report, renderOptions) ?? [format.renderReport(report, renderOptions)];
  if (options.output) replaceFile(options.output, text, 'report (--output)');
  else await writeChunks(io.stdout, text);
}

/**
 * Streamed lines, written once per turn of the event loop: sites that finish together (thousands, when every
 * attempt fails at once) cost one write, not one each, and no line waits longer than the current turn.
 */
function turnBatches(stream: NodeJS.WritableStream) {
  let pending: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    stream.write(text);
  };
  return {
    write(text: string) {
      pending.push(text);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
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
