// Entry point of bin/outage-probe. Kept tiny so `--version` and `--help` start fast;
// each command loads its own modules when it runs.

import { EXIT } from './exit-codes.js';
import { PACKAGE_VERSION } from './package-root.js';

// Installed before anything else loads: a signal in the first moments still ends with a (partial) report,
// and a bug that escapes every handler still exits 70, which cron and systemd do not count as a verdict.
const interrupt = new AbortController();
let signalExit: number | null = null;
/**
 * After a signal the command has this long to print its partial report and write its state; then the process
 * leaves whatever it is still waiting on, so a supervisor's SIGTERM (systemd, timeout(1), a test's spawnSync)
 * always ends it.
 */
const SIGNAL_GRACE_MS = 3_000;
const onSignal = (name: 'SIGINT' | 'SIGTERM') => () => {
  if (signalExit !== null) process.exit(signalExit); // a second Ctrl-C: leave now
  signalExit = name === 'SIGINT' ? EXIT.interrupted : EXIT.terminated;
  const exitCode = signalExit;
  setTimeout(() => process.exit(exitCode), SIGNAL_GRACE_MS).unref();
  interrupt.abort(new Error(name));
};
process.on('SIGINT', onSignal('SIGINT'));
process.on('SIGTERM', onSignal('SIGTERM'));
process.on('uncaughtException', (err) => internalError(err));
process.on('unhandledRejection', (err) => internalError(err));
// A reader that stops reading (`| head`, a consumer that exits) is not a fault of this run. Node ignores SIGPIPE,
// so the write fails with EPIPE instead, and every later write to the closed stream fails too: output to it ends
// there, and the run goes on to write its state and send its notifications, then exits with its verdict's code.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE' && err.code !== 'ERR_STREAM_DESTROYED') internalError(err);
  });
}

/** One line on stderr and exit 70; the stack only with OUTAGE_PROBE_DEBUG=1. */
function internalError(err: unknown): never {
  const debug = process.env.OUTAGE_PROBE_DEBUG === '1';
  const text = err instanceof Error ? (debug ? (err.stack ?? err.message) : oneLine(err)) : String(err);
  process.stderr.write(`outage-probe: internal error, please report it with this line (OUTAGE_PROBE_DEBUG=1 shows more): ${text}\n`);
  process.exit(EXIT.internal);
}

function oneLine(err: Error): string {
  const code = (err as { code?: unknown }).code;
  const frame = err.stack?.split('\n').find((line) => line.includes('/dist/'))?.trim().replace(/^at /, '');
  return `${err.name}${typeof code === 'string' ? ` ${code}` : ''}: ${err.message.split('\n')[0]}${frame ? ` (at ${frame})` : ''}`;
}

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${PACKAGE_VERSION}\n`);
} else {
  // Not awaited at the top level: the bundle is a CommonJS script (scripts/bundle.mjs). A rejection reaches the
  // unhandledRejection handler above.
  void main();
}

async function main(): Promise<void> {
  // Every command ends through `finish` (process.exit). The event loop emptying first means the command waited on a
  // promise nothing could settle (a bug: two waits each waiting for the other did it once): Node would then exit 0
  // with no output, which cron reads as "all ok". It exits 70 instead, as any escaped bug does.
  process.once('beforeExit', () => internalError(new Error('the command stopped before finishing: it was waiting on something that could never end')));
  const { buildCli } = await import('./cli.js');
  const { CommanderError } = await import('commander');

  // Output is flushed before exiting, and the process never waits on a straggling socket or timer.
  const finish = (code: number) => {
    const exitCode = signalExit ?? code;
    process.stdout.write('', () => process.stderr.write('', () => process.exit(exitCode)));
  };
  const program = buildCli(finish, interrupt.signal);
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with code 0; a usage mistake has already been printed.
      finish(err.exitCode === 0 ? 0 : EXIT.usage);
      return;
    }
    const { FileError } = await import('./util/safe-file.js');
    if (err instanceof FileError) {
      // A file any command could not write is the user's to fix, not a bug: one line, exit 74.
      process.stderr.write(`outage-probe: ${err.message}\n`);
      finish(EXIT.fileWrite);
      return;
    }
    internalError(err);
  }
}
