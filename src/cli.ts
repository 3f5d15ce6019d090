// Commands and flags only; each command's work lives in commands/.

import { Command, Option, InvalidArgumentError } from 'commander';
import { exitCodeHelp, EXIT } from './exit-codes.js';
import { TOOL_VERSION } from './version.js';
import type { CheckOptions, OutputFormat } from './commands/check.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The flags that shape a run and its report, shared by every command that runs `check`'s pipeline. */
function addReportOptions(command: Command): Command {
  return command
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'ndjson']).default('table'))
    .option('--json', 'one JSON report on stdout (same as --format json)')
    .option('--ndjson', 'one JSON line per attempt as it completes, then a summary line (same as --format ndjson)')
    .option('-v, --verbose', 'also list every attempt with its phase timings', false)
    .option('--timeout <duration>', 'per-attempt timeout, e.g. 3s (overrides the config)')
    .option('--deadline <duration>', 'the whole run ends by then, e.g. 30s (overrides the config)')
    .option('--concurrency <n>', 'fetches in flight at most (overrides the config)')
    .option('--samples <n>', 'probe failing attempts n times in all, to recognise intermittent failures (default 1)')
    .option('--interval <duration>', 'pause between samples, e.g. 5s')
    .option('--min-sites <n>', 'sites that must fail at one provider before it is called an incident (default 2)')
    .option('--vantage <name>', 'name of this probing host in reports (default: the host name)')
    .option('--no-color', 'no colour, even on a terminal');
}

function reportOptionsFrom(flags: Record<string, unknown>): Omit<CheckOptions, 'resolver'> {
  const format: OutputFormat = flags.json ? 'json' : flags.ndjson ? 'ndjson' : (flags.format as OutputFormat);
  return {
    format,
    verbose: Boolean(flags.verbose),
    color: flags.color !== false,
    ...(typeof flags.timeout === 'string' ? { timeout: flags.timeout } : {}),
    ...(typeof flags.deadline === 'string' ? { deadline: flags.deadline } : {}),
    ...(typeof flags.concurrency === 'string' ? { concurrency: flags.concurrency } : {}),
    ...(typeof flags.samples === 'string' ? { samples: flags.samples } : {}),
    ...(typeof flags.interval === 'string' ? { interval: flags.interval } : {}),
    ...(typeof flags.minSites === 'string' ? { minSites: flags.minSites } : {}),
    ...(typeof flags.vantage === 'string' ? { vantage: flags.vantage } : {}),
  };
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65535) throw new InvalidArgumentError('expected a port from 1 to 65535');
  return port;
}

export function buildCli(run: (exitCode: number) => void, signal: AbortSignal): Command {
  const program = new Command('outage-probe')
    .description('Is it us, one site, or a shared provider? Resolve and fetch every site through several resolvers and edge paths.')
    .version(TOOL_VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `\n${exitCodeHelp()}`)
    .exitOverride();

  addReportOptions(
    program
      .command('check')
      .description('probe every site in probes.yaml (or the URLs given) and report what is failing and where')
      .argument('[urls...]', 'probe these URLs instead of a config file')
      .option('-c, --config <path>', 'config file (default: ./probes.yaml, else the packaged default)')
      .option('--resolver <spec>', 'with URLs: a resolver, repeatable: IP[:port], doh:https://…/dns-query, or system', collect, []),
  )
    .addHelpText('after', `\n${exitCodeHelp()}`)
    .action(async (urls: string[], flags: Record<string, unknown>) => {
      const { runCheck } = await import('./commands/check.js');
      const options: CheckOptions = {
        ...reportOptionsFrom(flags),
        resolver: flags.resolver as string[],
        ...(typeof flags.config === 'string' ? { config: flags.config } : {}),
      };
      run(await runCheck(urls, options, { stdout: process.stdout, stderr: process.stderr, env: process.env, signal }));
    });

  addReportOptions(
    program
      .command('drill')
      .description('replay a real outage on a simulated internet on loopback and run check against it')
      .argument('[scenario]', 'the scenario to replay (see --list)')
      .option('--list', 'list the scenarios, each with the public account it replays')
      .option('--serve', "keep the lab running, print its probes.yaml and CA, and wait for Ctrl-C or SIGTERM")
      .option('--port <n>', 'the one port every lab server listens on (default: any free port)', parsePort)
      .option('--dir <path>', "write the lab's probes.yaml and ca.pem here and keep them (default: a temporary directory)"),
  )
    .addHelpText('after', `\n${exitCodeHelp()}`)
    .action(async (scenario: string | undefined, flags: Record<string, unknown>) => {
      const { drillList, runDrill, serveDrill } = await import('./commands/drill.js');
      const io = { stdout: process.stdout, stderr: process.stderr, env: process.env, signal };
      const lab = {
        ...(typeof flags.port === 'number' ? { port: flags.port } : {}),
        ...(typeof flags.dir === 'string' ? { dir: flags.dir } : {}),
      };
      if (flags.list) return run(drillList(io));
      if (flags.serve) return run(await serveDrill(scenario, io, signal, lab));
      run(await runDrill(scenario, { ...reportOptionsFrom(flags), resolver: [], ...lab }, io));
    });

  return program;
}

export { InvalidArgumentError, EXIT };
