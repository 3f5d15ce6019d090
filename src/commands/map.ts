// `outage-probe map`: what each site depends on, layer by layer, and what one provider's failure would take
// down. Probes like `check` (same config, resolvers and flags), or reads a saved check report with --from.

import { hostname } from 'node:os';
import type { Report } from '../model.js';
import { UsageError } from '../cli-errors.js';
import { EXIT } from '../exit-codes.js';
import { loadCatalog } from '../fingerprint/index.js';
import { buildMap, DEFAULT_SPOF_THRESHOLD, renderDot, renderMapTable, renderMermaid, type SiteMap } from '../map/index.js';
import { readReports } from '../merge/read.js';
import { readRegularFile, replaceFile } from '../util/safe-file.js';
import { defaultStateFile, judgeState } from '../state/store.js';
import { providerChanges } from '../state/transitions.js';
import type { ProviderChange } from '../model.js';
import { TOOL_VERSION } from '../version.js';
import { prettyJsonChunks } from '../report/json.js';
import { writeChunks } from '../util/write-chunks.js';
import { inputErrorExit, loadCheckConfig, probeAndReport, type CheckIo, type CheckOptions } from './check.js';
import { readInput, type MergeIo } from './merge.js';

/** A state file larger than this is not one check wrote. */
const MAX_STATE_BYTES = 256 * 1024 * 1024;

export const MAP_FORMATS = ['table', 'json', 'mermaid', 'dot'] as const;
export type MapFormat = (typeof MAP_FORMATS)[number];

export interface MapOptions extends Pick<CheckOptions, 'config' | 'sites' | 'resolver' | 'timeout' | 'deadline' | 'concurrency' | 'vantage' | 'color' | 'packagedConfig' | 'cwd'> {
  format: MapFormat;
  /** --from FILE (or - for stdin): a report written by check --json or --ndjson, instead of probing. */
  from?: string;
  /** --spof-threshold PERCENT. */
  spofThreshold?: string;
  /** --state [FILE]: read (never write) check's state file and report providers changed since its last run. */
  state?: string | true;
  output?: string;
}

function say(io: CheckIo, line: string): void {
  io.stderr.write(`outage-probe map: ${line}\n`);
}

/** "25", "25%" or "25 %" → 0.25; a usage error otherwise. */
export function parseThreshold(text: string | undefined): number {
  if (text === undefined) return DEFAULT_SPOF_THRESHOLD;
  const m = /^\s*(\d{1,3}(?:\.\d+)?)\s*%?\s*$/.exec(text);
  const value = m ? Number(m[1]) : NaN;
  if (!(value > 0 && value <= 100)) throw new UsageError(`--spof-threshold: give a percentage above 0 and at most 100, e.g. 25 (got "${text}")`);
  return value / 100;
}

async function reportFrom(file: string, io: MergeIo): Promise<Report | { problem: string }> {
  const text = await readInput(file, io);
  if (typeof text !== 'string') return text;
  const read = readReports(text, file === '-' ? '(stdin)' : file);
  if ('problem' in read) return { problem: read.problem };
  if (read.reports.length > 1) say(io, `warning: ${file} holds ${read.reports.length} reports; mapping the last`);
  return read.reports[read.reports.length - 1]!;
}

/**
 * Providers changed since the last `check --state` run, read from its state file without writing it (map is
 * a look, not a run: the next check reports the same change once more, and moves the memory on).
 */
function changesSinceState(file: string, report: Report, io: CheckIo): ProviderChange[] {
  let text: string;
  try {
    text = readRegularFile(file, MAX_STATE_BYTES);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') say(io, `warning: cannot read the state file ${file}: ${(err as Error).message}; no changes reported`);
    return [];
  }
  const judged = judgeState(text);
  if (!('state' in judged)) {
    say(io, `warning: the state file ${file} is not one this version reads; no changes reported`);
    return [];
  }
  return providerChanges(judged.state.stacks, report.sites);
}

export function renderMap(map: SiteMap, format: MapFormat, options: { color: boolean; width: number }): string {
  return [...renderMapChunks(map, format, options)].join('');
}

/** The map's text in pieces: JSON one site at a time (a map of 10,000 sites is ~7 MB of it), the rest whole. */
function renderMapChunks(map: SiteMap, format: MapFormat, options: { color: boolean; width: number }): Iterable<string> {
  return format === 'json' ? prettyJsonChunks(map, 'sites', map.sites) : [renderMapText(map, format, options)];
}

function renderMapText(map: SiteMap, format: Exclude<MapFormat, 'json'>, options: { color: boolean; width: number }): string {
  switch (format) {
    case 'mermaid':
      return renderMermaid(map);
    case 'dot':
      return renderDot(map);
    case 'table':
      return renderMapTable(map, { color: options.color, verbose: false, width: options.width });
  }
}

export async function runMap(urls: string[], options: MapOptions, io: MergeIo): Promise<number> {
  let threshold: number;
  let report: Report;
  let userProviders: unknown[] = [];
  try {
    threshold = parseThreshold(options.spofThreshold);
    if (options.from !== undefined && (urls.length > 0 || options.sites !== undefined)) throw new UsageError('give URLs, --sites or --from REPORT, not two of them');
    if (options.from !== undefined) {
      if (options.config !== undefined) userProviders = loadCheckConfig([], { ...options, format: 'json', verbose: false }).providers;
      const read = await reportFrom(options.from, io);
      if ('problem' in read) {
        say(io, read.problem);
        return EXIT.usage;
      }
      report = read;
    } else {
      const config = loadCheckConfig(urls, { ...options, format: 'json', verbose: false });
      userProviders = config.providers;
      report = await probeAndReport(config, { format: options.format === 'table' ? 'table' : 'json', vantage: options.vantage ?? hostname() }, io);
    }
  } catch (err) {
    return inputErrorExit(err, io);
  }
  const built = buildMap(report, loadCatalog(userProviders), {
    spofThreshold: threshold,
    source: options.from !== undefined ? { kind: 'report', file: options.from === '-' ? '(stdin)' : options.from } : { kind: 'probed', file: null },
    version: TOOL_VERSION,
  });
  const map = options.state !== undefined ? { ...built, providerChanges: changesSinceState(options.state === true ? defaultStateFile(io.env) : options.state, report, io) } : built;
  const terminal = io.stdout.isTTY === true && options.output === undefined;
  const chunks = renderMapChunks(map, options.format, {
    color: options.format === 'table' && options.color && terminal && !io.env.NO_COLOR,
    width: terminal && io.stdout.columns ? io.stdout.columns : 100,
  });
  if (options.output) replaceFile(options.output, [...chunks].join(''), 'map (--output)');
  else await writeChunks(io.stdout, chunks);
  return io.signal?.aborted ? EXIT.interrupted : EXIT.ok;
}
