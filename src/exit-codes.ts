// Every exit code outage-probe uses, in one place. `--help` and the README print this table.

export const EXIT = {
  ok: 0,
  siteFailures: 1,
  providerIncident: 2,
  localNetwork: 3,
  usage: 64,
  fileWrite: 74,
  busy: 75,
  internal: 70,
  config: 78,
  interrupted: 130,
  terminated: 143,
} as const;

export const EXIT_CODE_TABLE: ReadonlyArray<readonly [number, string]> = [
  [EXIT.ok, 'every site answered as expected'],
  [EXIT.siteFailures, 'at least one site is failing (no shared cause found)'],
  [EXIT.providerIncident, 'an incident: a shared provider, resolver or DNS host is failing'],
  [EXIT.localNetwork, "the probing host's own network is unusable; nothing is blamed"],
  [EXIT.usage, 'usage error (bad flag or argument)'],
  [EXIT.internal, 'internal error (a bug: please report it with the stderr output)'],
  [EXIT.fileWrite, 'the run completed, but a file it should write (--state, --output, --append, the range cache) could not be: one stderr line says which and why; the report was still printed (on stdout when --output failed), notifications still went out, and the verdict is in the report'],
  [EXIT.busy, 'another run holds the state file lock (see --wait)'],
  [EXIT.config, 'config error (file:line:column key: message on stderr)'],
  [EXIT.interrupted, 'interrupted by SIGINT; the partial report is marked "complete": false'],
  [EXIT.terminated, 'terminated by SIGTERM; the partial report is marked "complete": false'],
];

/** The exit code of a run stopped by a signal (main.ts aborts with the signal's name as the reason). */
export function signalExitCode(reason: unknown): number {
  return reason instanceof Error && reason.message === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
}

export function exitCodeHelp(): string {
  return ['Exit codes:', ...EXIT_CODE_TABLE.map(([code, text]) => `  ${String(code).padStart(3)}  ${text}`)].join('\n');
}
