// `--append FILE`: the run's history line, written with O_APPEND in a single write call, so the lines of runs
// that append at the same time never interleave (util/safe-file.ts, which also refuses a planted symbolic link).

import type { Report } from '../model.js';
import { historyLine } from '../report/history.js';
import { appendToFile } from '../util/safe-file.js';

/** Append the run's line to `file` (created, with its directory, when missing). Throws a FileError on failure. */
export function appendHistory(file: string, report: Report): void {
  appendToFile(file, historyLine(report), 'history file (--append)');
}
