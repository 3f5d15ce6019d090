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
  [EXIT.fileWrite, 'the run completed and its report was printed, but a file it should write (state, --output, --append) could not be: one stderr line says which; the verdict is in the report'],
  [EXIT.busy, 'another run holds the state file lock (see --wait)'],
  [EXIT.internal, 'internal error (a bug: please report it with the stderr output)'],
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
