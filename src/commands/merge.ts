// `outage-probe merge REPORT...`: read the reports of several vantage points (files, or - for stdin), keep one
// run per vantage, and say which incidents are global, regional or one vantage's own. No probing.

import { constants, openSync, statSync } from 'node:fs';
import { Socket } from 'node:net';
import { hostname } from 'node:os';
import type { Report } from '../model.js';
import { EXIT } from '../exit-codes.js';
import { mergeReports } from '../merge/index.js';
import { readReports } from '../merge/read.js';
import type { MergedReport, VantageRun } from '../merge/types.js';
import { outputFormat, prepareFormat } from '../report/formats/index.js';
import { readRegularFile, replaceFile } from '../util/safe-file.js';
import { safeLine } from '../util/text.js';
import { TOOL_VERSION } from '../version.js';
import { inputErrorExit, locateConfig, writeReport, type CheckIo, type OutputFormat } from './check.js';
import { groupShards, joinShards } from './join-shards.js';
import { loadConfigFile } from '../config/load.js';
import type { Config } from '../model.js';
import { FileError } from '../util/safe-file.js';

export interface MergeCommandOptions {
  format: OutputFormat;
  verbose: boolean;
  color: boolean;
  /** Where the merge runs; the host name when absent. */
  vantage?: string;
  /** Write the rendered merge there (atomically) instead of stdout. */
  output?: string;
  /** The config shard reports are joined with (--config; else ./probes.yaml, else the packaged default). */
  config?: string;
  packagedConfig?: string;
  cwd?: string;
}

export interface MergeIo extends CheckIo {
  stdin: NodeJS.ReadableStream;
}

/** How stdin is named in messages and in the merged report's vantages[].file. */
export const STDIN = '(stdin)';

/** The largest report read, from a file or stdin (a 100,000-site --json report is about 200 MB). */
export const MAX_REPORT_BYTES = 256 * 1024 * 1024;

function say(io: CheckIo, line: string): void {
  io.stderr.write(`outage-probe merge: ${safeLine(line, 2000)}\n`);
}

export async function runMerge(inputs: string[], options: MergeCommandOptions, io: MergeIo): Promise<number> {
  await prepareFormat(options.format);
  if (inputs.length === 0) {
    say(io, 'give at least one report file (the output of check --json or check --ndjson), or - for stdin');
    return EXIT.usage;
  }
  if (inputs.filter((f) => f === '-').length > 1) {
    say(io, 'stdin (-) can be given once');
    return EXIT.usage;
  }
  const runs: VantageRun[] = [];
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const input of inputs) {
    const file = input === '-' ? STDIN : input;
    const text = await readInput(input, io);
    if (typeof text !== 'string') {
      problems.push(text.problem);
      continue;
    }
    const read = readReports(text, file);
    if ('problem' in read) problems.push(read.problem);
    else {
      runs.push(...read.reports.map((report: Report) => ({ file, report })));
      warnings.push(...read.warnings);
    }
  }
  if (problems.length > 0) {
    for (const p of problems) say(io, p);
    return EXIT.usage;
  }
  const joined = joinShardRuns(runs, options, io);
  if (typeof joined === 'number') return joined;
  // The shards of one vantage and nothing else: the report one unsharded check would have printed.
  if (joined.length === 1 && joined[0]!.joined) {
    const { report } = joined[0]!;
    try {
      await writeReport(report, options, io);
    } catch (err) {
      if (!(err instanceof FileError)) throw err;
      say(io, err.message);
      return EXIT.fileWrite;
    }
    return report.exitCode;
  }
  const merged = mergeReports(joined, { vantage: options.vantage ?? hostname(), version: TOOL_VERSION, now: new Date() });
  const all: MergedReport = { ...merged, warnings: [...warnings, ...merged.warnings] };
  for (const w of all.warnings) say(io, `warning: ${w}`);
  const text = renderMerged(all, options, io);
  if (options.output) replaceFile(options.output, text, 'report (--output)');
  else io.stdout.write(text);
  return all.exitCode;
}

/**
 * Shard reports (check --shard K/N) of each vantage joined into that vantage's one report; other reports as read.
 * A number is the exit code of a problem already said.
 */
function joinShardRuns(runs: VantageRun[], options: MergeCommandOptions, io: MergeIo): Array<VantageRun & { joined?: true }> | number {
  const { whole, shards } = groupShards(runs.map((r) => r.report));
  if (shards.size === 0) return runs;
  let config: Config;
  try {
    config = loadConfigFile(locateConfig(options), { sitesElsewhere: true });
  } catch (err) {
    return inputErrorExit(err, io);
  }
  const out: Array<VantageRun & { joined?: true }> = runs.filter((r) => whole.includes(r.report));
  for (const [vantage, reports] of shards) {
    const result = joinShards(reports, config);
    if ('problem' in result) {
      say(io, result.problem);
      return EXIT.usage;
    }
    for (const w of result.warnings) say(io, `warning: ${w}`);
    const files = runs.filter((r) => reports.includes(r.report)).map((r) => r.file);
    out.push({ file: files.length === 1 ? files[0]! : `${files[0]} (+${files.length - 1} shards of ${vantage})`, report: result.report, joined: true });
  }
  return out;
}

/** A report file, a pipe given by name (`merge <(ssh host cat report.json)`), or stdin for `-`. */
export async function readInput(input: string, io: MergeIo): Promise<string | { problem: string }> {
  if (input === '-') return readStream(io.stdin, STDIN, io.signal);
  if (isFifo(input)) return readStream(openPipe(input), input, io.signal);
  return readText(input);
}

/**
 * A named pipe, opened without blocking (a blocking open waits for a writer inside libuv's thread pool, and then
 * even process.exit waits for it). A pipe whose writer has not opened it yet reads as empty.
 */
function openPipe(file: string): NodeJS.ReadableStream {
  return new Socket({ fd: openSync(file, constants.O_RDONLY | constants.O_NONBLOCK), readable: true, writable: false });
}

function isFifo(file: string): boolean {
  try {
    return statSync(file).isFIFO();
  } catch {
    return false;
  }
}

function readText(file: string): string | { problem: string } {
  try {
    return readRegularFile(file, MAX_REPORT_BYTES);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT' ? 'no such file'
      : code === 'EISDIR' ? 'is a directory'
      : code === 'ENOTREGULAR' ? 'not a regular file or a pipe'
      : code === 'EFBIG' ? `larger than ${MAX_REPORT_BYTES / 1024 / 1024} MiB`
      : code === 'EACCES' ? 'permission denied'
      : (err as Error).message;
    return { problem: `cannot read ${file}: ${why}` };
  }
}

/** All of a stream, unless it passes MAX_REPORT_BYTES or a signal ends the run first. */
async function readStream(stream: NodeJS.ReadableStream, name: string, signal: AbortSignal | undefined): Promise<string | { problem: string }> {
  const chunks: Buffer[] = [];
  let size = 0;
  const stop = new Promise<'interrupted'>((resolve) => {
    if (signal?.aborted) resolve('interrupted');
    signal?.addEventListener('abort', () => resolve('interrupted'), { once: true });
  });
  const read = (async () => {
    try {
      for await (const chunk of stream) {
        const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
        size += buffer.length;
        if (size > MAX_REPORT_BYTES) return 'too large' as const;
        chunks.push(buffer);
      }
      return 'done' as const;
    } catch (err) {
      return { problem: `cannot read ${name}: ${(err as Error).message}` };
    }
  })();
  const ended = await Promise.race([read, stop]);
  if (typeof ended === 'object') return ended;
  if (ended === 'interrupted') return { problem: `${name}: interrupted before the report ended` };
  if (ended === 'too large') return { problem: `${name}: larger than ${MAX_REPORT_BYTES / 1024 / 1024} MiB` };
  return Buffer.concat(chunks).toString('utf8');
}

function renderMerged(merged: MergedReport, options: MergeCommandOptions, io: CheckIo): string {
  const format = outputFormat(options.format);
  const terminal = io.stdout.isTTY === true && !options.output;
  return format.renderMerged(merged, {
    color: format.forPeople && options.color && terminal && !io.env.NO_COLOR,
    verbose: options.verbose,
    width: terminal && io.stdout.columns ? io.stdout.columns : 100,
  });
}
