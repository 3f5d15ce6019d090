// `--append FILE`: the run's history line, written with O_APPEND in a single write call, so the lines of runs
// that append at the same time never interleave.

import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Report } from '../model.js';
import { historyLine } from '../report/history.js';

/** Append the run's line to `file` (created, with its directory, when missing). Throws on failure. */
export function appendHistory(file: string, report: Report): void {
  appendLine(file, historyLine(report));
}

/** One write(2) on an O_APPEND descriptor: the kernel places it at the end as a whole. */
export function appendLine(file: string, line: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const data = Buffer.from(line, 'utf8');
  const fd = openSync(file, 'a', 0o644);
  try {
    const written = writeSync(fd, data, 0, data.length);
    if (written !== data.length) throw new Error(`short write to ${file}: ${written} of ${data.length} bytes (disk full?)`);
  } finally {
    closeSync(fd);
  }
}
