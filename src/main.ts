// Entry point of bin/outage-probe. Kept tiny so `--version` and `--help` start fast;
// each command loads its own modules when it runs.

import { readFileSync } from 'node:fs';

const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  process.stdout.write(`${pkg.version}\n`);
} else {
  await main();
}

async function main(): Promise<void> {
  const { buildCli, EXIT } = await import('./cli.js');
  const { CommanderError } = await import('commander');
  const interrupt = new AbortController();
  let signalExit: number | null = null;
  const onSignal = (name: 'SIGINT' | 'SIGTERM') => () => {
    if (signalExit !== null) process.exit(signalExit); // a second Ctrl-C: leave now
    signalExit = name === 'SIGINT' ? EXIT.interrupted : EXIT.terminated;
    interrupt.abort(new Error(name));
  };
  process.on('SIGINT', onSignal('SIGINT'));
  process.on('SIGTERM', onSignal('SIGTERM'));

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
    process.stderr.write(`outage-probe: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    finish(EXIT.internal);
  }
}
