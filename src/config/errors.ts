// A config problem is reported with the place it was written, so the user can jump straight to it:
//   probes.yaml:14:7 sites[2].expect.status: expected a list of HTTP status codes (100-599), got "abc"

import { MAX_REPORTED_PROBLEMS } from './values.js';

export interface ConfigIssue {
  /** The config file as the user named it, or "(command line)". */
  file: string;
  /** 1-based; null when the issue has no place in a file (command-line input, unreadable file). */
  line: number | null;
  column: number | null;
  /** Key path like `sites[2].expect.status`; '' for the file as a whole. */
  path: string;
  message: string;
}

/** Where the bad input came from: the CLI exits 78 for a file, 64 for command-line arguments. */
export type ConfigInput = 'file' | 'command-line';

/** Thrown by the config stage; carries every issue found, in source order. */
export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  readonly source: string;
  readonly input: ConfigInput;

  constructor(issues: ConfigIssue[], source: string, input: ConfigInput = 'file') {
    const sorted = sortIssues(issues);
    super(configErrorLines(sorted).trimEnd());
    this.name = 'ConfigError';
    this.issues = sorted;
    this.source = source;
    this.input = input;
  }
}

/** `file:line:column key-path: message`; the position and the path are left out when unknown. */
export function formatConfigIssue(issue: ConfigIssue): string {
  const place =
    issue.line === null ? issue.file : issue.column === null ? `${issue.file}:${issue.line}` : `${issue.file}:${issue.line}:${issue.column}`;
  return issue.path ? `${place} ${issue.path}: ${issue.message}` : `${place}: ${issue.message}`;
}

/** The lines stderr gets for a config error: at most `max` problems, then one line counting the rest. */
export function configErrorLines(issues: readonly ConfigIssue[], max = MAX_REPORTED_PROBLEMS): string {
  const shown = issues.slice(0, max).map((issue) => `${formatConfigIssue(issue)}\n`);
  const more = issues.length - max;
  return shown.join('') + (more > 0 ? `… and ${more} more problem${more === 1 ? '' : 's'} (fix these first)\n` : '');
}

/** By line, then column; issues without a position last; otherwise in the order found (the sort is stable). */
export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const rank = (n: number | null) => (n === null ? Number.MAX_SAFE_INTEGER : n);
  return [...issues].sort((a, b) => rank(a.line) - rank(b.line) || rank(a.column) - rank(b.column));
}
