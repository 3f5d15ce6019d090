// Commands and flags only; each command's work lives in commands/.

import { Command, Option, InvalidArgumentError } from 'commander';
import { exitCodeHelp, EXIT } from './exit-codes.js';
import { TOOL_VERSION } from './version.js';
import type { CheckOptions, OutputFormat } from './commands/check.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function buildCli(run: (exitCode: number) => void, signal: AbortSignal): Command {
  const program = new Command('outage-probe')
    .description('Is it us, one site, or a shared provider? Resolve and fetch every site through several resolvers and edge paths.')
    .version(TOOL_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `\n${exitCodeHelp()}`)
    .exitOverride();

  program
    .command('check')
    .description('probe every site in probes.yaml (or the URLs given) and report what is failing and where')
    .argument('[urls...]', 'probe these URLs instead of a config file')
    .option('-c, --config <path>', 'config file (default: ./probes.yaml, else the packaged default)')
    .option('--resolver <spec>', 'with URLs: a resolver, repeatable: IP[:port], doh:https://…/dns-query, or system', collect, [])
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'ndjson']).default('table'))
    .option('--json', 'one JSON report on stdout (same as --format json)')
    .option('--ndjson', 'one JSON line per attempt as it completes, then a summary line (same as --format ndjson)')
    .option('-v, --verbose', 'also list every attempt with its phase timings', false)
    .option('--timeout <duration>', 'per-attempt timeout, e.g. 3s (overrides the config)')
    .option('--deadline <duration>', 'the whole run ends by then, e.g. 30s (overrides the config)')
    .option('--concurrency <n>', 'fetches in flight at most (overrides the config)')
    .option('--vantage <name>', 'name of this probing host in reports (default: the host name)')
    .option('--no-color', 'no colour, even on a terminal')
    .addHelpText('after', `\n${exitCodeHelp()}`)
    .action(async (urls: string[], flags: Record<string, unknown>) => {
      const { runCheck } = await import('./commands/check.js');
      const format: OutputFormat = flags.json ? 'json' : flags.ndjson ? 'ndjson' : (flags.format as OutputFormat);
      const options: CheckOptions = {
        resolver: flags.resolver as string[],
        format,
        verbose: Boolean(flags.verbose),
        color: flags.color !== false,
        ...(typeof flags.config === 'string' ? { config: flags.config } : {}),
        ...(typeof flags.timeout === 'string' ? { timeout: flags.timeout } : {}),
        ...(typeof flags.deadline === 'string' ? { deadline: flags.deadline } : {}),
        ...(typeof flags.concurrency === 'string' ? { concurrency: flags.concurrency } : {}),
        ...(typeof flags.vantage === 'string' ? { vantage: flags.vantage } : {}),
      };
      run(await runCheck(urls, options, { stdout: process.stdout, stderr: process.stderr, env: process.env, signal }));
    });

  return program;
}

export { InvalidArgumentError, EXIT };
