// `outage-probe merge REPORT...`: read the reports of several vantage points (files, or - for stdin), keep one
// run per vantage, and say which incidents are global, regional or one vantage's own. No probing.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Report } from '../model.js';
import { EXIT } from '../exit-codes.js';
import { mergeReports } from '../merge/index.js';
import { readReports } from '../merge/read.js';
import type { MergedReport, VantageRun } from '../merge/types.js';
import { outputFormat } from '../report/formats/index.js';
import { replaceFile } from '../util/safe-file.js';
import { safeLine } from '../util/text.js';
import { TOOL_VERSION } from '../version.js';
import type { CheckIo, OutputFormat } from './check.js';

export interface MergeCommandOptions {
  format: OutputFormat;
  verbose: boolean;
  color: boolean;
  /** Where the merge runs; the host name when absent. */
  vantage?: string;
  /** Write the rendered merge there (atomically) instead of stdout. */
  output?: string;
}

export interface MergeIo extends CheckIo {
  stdin: NodeJS.ReadableStream;
}

/** How stdin is named in messages and in the merged report's vantages[].file. */
export const STDIN = '(stdin)';

function say(io: CheckIo, line: string): void {
  io.stderr.write(`outage-probe merge: ${safeLine(line, 2000)}\n`);
}

export async function runMerge(inputs: string[], options: MergeCommandOptions, io: MergeIo): Promise<number> {
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
    const text = input === '-' ? await readStream(io.stdin) : readText(input);
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
  const merged = mergeReports(runs, { vantage: options.vantage ?? hostname(), version: TOOL_VERSION, now: new Date() });
  const all: MergedReport = { ...merged, warnings: [...warnings, ...merged.warnings] };
  for (const w of all.warnings) say(io, `warning: ${w}`);
  const text = renderMerged(all, options, io);
  if (options.output) replaceFile(options.output, text, 'report (--output)');
  else io.stdout.write(text);
  return all.exitCode;
}

function readText(file: string): string | { problem: string } {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    return { problem: `cannot read ${file}: ${why}` };
  }
}

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
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
