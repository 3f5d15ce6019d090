// Commands and flags only; each command's work lives in commands/.

import { Command, Option, InvalidArgumentError } from 'commander';
import { exitCodeHelp, EXIT } from './exit-codes.js';
import { TOOL_VERSION } from './version.js';
import type { CheckOptions, OutputFormat } from './commands/check.js';
import { FORMAT_IDS } from './report/formats/index.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The flags that shape a run and its report, shared by every command that runs `check`'s pipeline. */
function addReportOptions(command: Command): Command {
  return command
    .addOption(new Option('--format <format>', 'output format').choices(FORMAT_IDS).default('table'))
    .option('--json', 'one JSON report on stdout (same as --format json)')
    .option('--ndjson', 'one JSON line per attempt as it completes, then a summary line (same as --format ndjson)')
    .option('-v, --verbose', 'also list every attempt with its phase timings', false)
    .option('--timeout <duration>', 'per-attempt timeout, e.g. 3s (overrides the config)')
    .option('--deadline <duration>', 'the whole run ends by then, e.g. 30s (overrides the config)')
    .option('--concurrency <n>', 'fetches in flight at most (overrides the config)')
    .option('--samples <n>', 'probe failing attempts n times in all, to recognise intermittent failures (default 1)')
    .option('--interval <duration>', 'pause between samples, e.g. 5s')
    .option('--min-sites <n>', 'sites that must fail at one provider before it is called an incident (default 2)')
    .option('--status-pages', "for each provider with an incident, read its official status page: acknowledged yet? (never changes the verdict)")
    .option('--vantage <name>', 'name of this probing host in reports (default: the host name)')
    .option('--no-color', 'no colour, even on a terminal');
}

/** The named flags that were given a value, as they were given (commander leaves an absent option undefined). */
function givenText<K extends string>(flags: Record<string, unknown>, ...names: K[]): Partial<Record<K, string>> {
  const given: Partial<Record<K, string>> = {};
  for (const name of names) if (typeof flags[name] === 'string') given[name] = flags[name] as string;
  return given;
}

/** check's alert flags, which drill --timeline takes too. */
const ALERT_FLAGS = ['failureThreshold', 'successThreshold', 'reminderInterval'] as const;

function reportOptionsFrom(flags: Record<string, unknown>): Omit<CheckOptions, 'resolver'> {
  const format: OutputFormat = flags.json ? 'json' : flags.ndjson ? 'ndjson' : (flags.format as OutputFormat);
  return {
    format,
    verbose: Boolean(flags.verbose),
    color: flags.color !== false,
    ...givenText(flags, 'timeout', 'deadline', 'concurrency', 'samples', 'interval', 'minSites', 'vantage'),
    ...(flags.statusPages ? { statusPages: true } : {}),
  };
}

/**
 * An empty value is never "the default" (an empty --config would silently fall back to the packaged Internet
 * config, an empty --state turn state off), and two output formats cannot both be meant: usage errors.
 */
function refuseAmbiguousFlags(command: Command): void {
  const values = command.opts();
  for (const option of command.options) {
    const value = values[option.attributeName()];
    const empty = value === '' || (Array.isArray(value) && value.some((v) => v === ''));
    if (empty) command.error(`${option.long ?? option.short}: an empty value; give a value or leave the flag out`, { exitCode: EXIT.usage, code: 'outage-probe.emptyValue' });
  }
  const chosen = [
    values.json ? 'json' : null,
    values.ndjson ? 'ndjson' : null,
    command.getOptionValueSource('format') === 'cli' ? (values.format as string) : null,
  ].filter((f): f is string => f !== null);
  if (new Set(chosen).size > 1) {
    const flags = [values.json ? '--json' : null, values.ndjson ? '--ndjson' : null, command.getOptionValueSource('format') === 'cli' ? `--format ${String(values.format)}` : null].filter(Boolean);
    command.error(`${flags.join(' and ')} ask for different output formats; give one`, { exitCode: EXIT.usage, code: 'outage-probe.conflictingFormats' });
  }
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
    // Usage errors are one stderr line, like every other error the tool prints.
    .configureOutput({ outputError: (text, write) => write(`outage-probe: ${text.trim().replace(/^error: /, '').replace(/\s*\n\s*/g, ' ')} (run with --help for usage)\n`) })
    .addHelpText('after', `\n${exitCodeHelp()}`)
    .exitOverride()
    .hook('preAction', (_program, command) => refuseAmbiguousFlags(command));

  addReportOptions(
    program
      .command('check')
      .description('probe every site in probes.yaml (or the URLs given) and report what is failing and where')
      .argument('[urls...]', 'probe these URLs instead of a config file')
      .option('-c, --config <path>', 'config file (default: ./probes.yaml, else the packaged default)')
      .option('--resolver <spec>', 'with URLs: a resolver, repeatable: IP[:port], doh:https://…/dns-query, or system', collect, [])
      .option('--sites <file>', "probe the sites listed there (a hostname or URL a line, or a ranked CSV: rank,domain) with the config's settings"),
  )
    .option('--shard <K/N>', 'probe only the K-th of N shares of the sites (by a stable hash of each name); `merge` joins the N reports')
    .option('--state [file]', 'remember this run: report incidents and sites as new / ongoing / resolved (default file: $XDG_STATE_HOME/outage-probe/state.json)')
    .option('--wait <seconds>', 'with --state: wait this long for a run that holds the lock (default: exit 75 at once)')
    .option('--failure-threshold <n>', 'with --state: notify a failure after n consecutive failing runs (overrides alerts.failureThreshold; default 1)')
    .option('--success-threshold <n>', 'with --state: notify its resolution after n consecutive runs without it (overrides alerts.successThreshold; default 1)')
    .option('--reminder-interval <duration>', 'with --state: notify a failure still open this long after its last notification again, e.g. 1h (overrides alerts.reminderInterval; default never)')
    .option('--notify <url>', 'POST a JSON event (Slack-compatible "text") when an incident or site changes; repeatable', collect, [])
    .option('--notify-test', 'send one sample event to every --notify URL and exit')
    .option('-q, --quiet', 'print nothing when every site is ok and nothing changed (for cron)')
    .option('-o, --output <file>', 'write the report to this file atomically instead of stdout (e.g. a textfile-collector .prom)')
    .option('--append <file>', "append the run's one-line NDJSON summary to this file")
    .addHelpText('after', `\n${exitCodeHelp()}`)
    .action(async (urls: string[], flags: Record<string, unknown>) => {
      const { runCheck } = await import('./commands/check.js');
      const options: CheckOptions = {
        ...reportOptionsFrom(flags),
        resolver: flags.resolver as string[],
        ...givenText(flags, 'config', 'sites', 'shard', 'wait', 'output', 'append'),
        ...givenText(flags, ...ALERT_FLAGS),
        ...(flags.state === true || typeof flags.state === 'string' ? { state: flags.state as string | true } : {}),
        notify: flags.notify as string[],
        notifyTest: Boolean(flags.notifyTest),
        quiet: Boolean(flags.quiet),
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
      .option('--dir <path>', "write the lab's probes.yaml and ca.pem here and keep them (default: a temporary directory)")
      .option('--timeline', 'rehearse the cron loop: the world healed → broken → broken → healed → healed, one run each, with the notifications each run would send')
      .option('--notify <url>', 'with --timeline: send those notifications to this webhook; repeatable', collect, [])
      .option('--failure-threshold <n>', 'with --timeline: as check --failure-threshold')
      .option('--success-threshold <n>', 'with --timeline: as check --success-threshold')
      .option('--reminder-interval <duration>', 'with --timeline: as check --reminder-interval'),
  )
    .addHelpText('after', `\n${exitCodeHelp()}`)
    .action(async (scenario: string | undefined, flags: Record<string, unknown>) => {
      const { drillList, runDrill, runTimeline, serveDrill } = await import('./commands/drill.js');
      const io = { stdout: process.stdout, stderr: process.stderr, env: process.env, signal };
      const lab = {
        ...(typeof flags.port === 'number' ? { port: flags.port } : {}),
        ...(typeof flags.dir === 'string' ? { dir: flags.dir } : {}),
      };
      if (flags.list) return run(drillList(io));
      if (flags.serve) return run(await serveDrill(scenario, io, signal, lab));
      const alerting = { notify: flags.notify as string[], ...givenText(flags, ...ALERT_FLAGS) };
      if (flags.timeline) return run(await runTimeline(scenario, { ...reportOptionsFrom(flags), resolver: [], ...lab, ...alerting }, io));
      if (alerting.notify.length > 0 || Object.keys(alerting).length > 1) {
        process.stderr.write('outage-probe: --notify and the alert thresholds apply to drill --timeline (a single drill run has no run before it to compare with)\n');
        return run(EXIT.usage);
      }
      run(await runDrill(scenario, { ...reportOptionsFrom(flags), resolver: [], ...lab }, io));
    });

  program
    .command('map')
    .description('what each site depends on at every layer, and what one provider failing would take down')
    .argument('[urls...]', 'map these URLs instead of a config file')
    .option('-c, --config <path>', 'config file (default: ./probes.yaml, else the packaged default); with --from, only its providers are read')
    .option('--resolver <spec>', 'with URLs: a resolver, repeatable: IP[:port], doh:https://…/dns-query, or system', collect, [])
    .option('--sites <file>', "map the sites listed there (a hostname or URL a line, or a ranked CSV: rank,domain) with the config's settings")
    .option('--from <report>', 'map a saved report (check --json or --ndjson; - for stdin) instead of probing')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'mermaid', 'dot']).default('table'))
    .option('--json', 'the map as JSON (same as --format json)')
    .option('--spof-threshold <percent>', 'a provider alone for at least this share of the sites is a single point of failure (default 25)')
    .option('--state [file]', "read check's state file (never written here) and list the sites whose providers changed since its last run")
    .option('--timeout <duration>', 'per-attempt timeout, e.g. 3s (overrides the config)')
    .option('--deadline <duration>', 'the whole run ends by then, e.g. 30s (overrides the config)')
    .option('--concurrency <n>', 'fetches in flight at most (overrides the config)')
    .option('--vantage <name>', 'name of this probing host in the map (default: the host name)')
    .option('-o, --output <file>', 'write the map to this file atomically instead of stdout')
    .option('--no-color', 'no colour, even on a terminal')
    .addHelpText('after', `\n${exitCodeHelp()}`)
    .action(async (urls: string[], flags: Record<string, unknown>) => {
      const { runMap } = await import('./commands/map.js');
      const options = {
        format: (flags.json ? 'json' : flags.format) as 'table' | 'json' | 'mermaid' | 'dot',
        resolver: flags.resolver as string[],
        color: flags.color !== false,
        ...givenText(flags, 'config', 'from', 'sites', 'spofThreshold', 'timeout', 'deadline', 'concurrency', 'vantage', 'output'),
        ...(flags.state === true || typeof flags.state === 'string' ? { state: flags.state as string | true } : {}),
      };
      run(await runMap(urls, options, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, signal }));
    });

  // Only the report flags that mean something without probing: merge reads finished reports.
  program
    .command('merge')
    .description("combine the reports of several vantage points: which incidents are global, regional, or one vantage's own; the reports of check --shard K/N become the one report of their vantage")
    .argument('<reports...>', 'reports written by check --json or check --ndjson: files, or - for stdin')
    .addOption(new Option('--format <format>', 'output format').choices(FORMAT_IDS).default('table'))
    .option('--json', 'the merged report as JSON (same as --format json)')
    .option('--ndjson', 'the merged report on one JSON line (same as --format ndjson)')
    .option('-v, --verbose', "also list each vantage's failing sites under every incident", false)
    .option('--vantage <name>', 'name of the host merging, in the merged report (default: the host name)')
    .option('-c, --config <path>', 'with check --shard reports: the config the shards ran with (default: ./probes.yaml, else the packaged default)')
    .option('-o, --output <file>', 'write the merged report to this file atomically instead of stdout')
    .option('--no-color', 'no colour, even on a terminal')
    .addHelpText('after', `\n${exitCodeHelp()}`)
    .action(async (files: string[], flags: Record<string, unknown>) => {
      const { runMerge } = await import('./commands/merge.js');
      const { format, verbose, color, vantage } = reportOptionsFrom(flags);
      const options = {
        format,
        verbose,
        color,
        ...(vantage ? { vantage } : {}),
        ...givenText(flags, 'output', 'config'),
      };
      run(await runMerge(files, options, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, signal }));
    });

  const providers = program.command('providers').description('the provider fingerprint catalog: list it, identify a URL or address, refresh IP ranges');
  providers
    .command('list')
    .description('every provider in the catalog, with its roles, ranges and status page, and the ranges snapshot date')
    .option('--cache <file>', 'the IP ranges cache written by `providers update`')
    .action(async (flags: { cache?: string }) => {
      const { providersList } = await import('./commands/providers.js');
      run(providersList(process, flags.cache ? { cacheFile: flags.cache } : {}));
    });
  providers
    .command('identify')
    .description('explain which providers a URL or an IP address matches, and on what evidence')
    .argument('<target>', 'an http(s) URL (resolved and fetched) or an IP address')
    .option('--resolver <spec>', 'resolver for the URL, repeatable (default: the config\'s, else system)', collect, [])
    .option('-c, --config <path>', "read the config's resolvers, tls.ca and user providers")
    .option('--timeout <duration>', 'per-attempt timeout, e.g. 3s', '5s')
    .option('--cache <file>', 'the IP ranges cache written by `providers update`')
    .action(async (target: string, flags: { resolver: string[]; timeout: string; cache?: string; config?: string }) => {
      const [{ providersIdentify }, { gatherEvidence }, { parseDuration }, { loadConfigFile }, { ConfigError, configErrorLines }] = await Promise.all([
        import('./commands/providers.js'),
        import('./commands/gather-evidence.js'),
        import('./util/time.js'),
        import('./config/load.js'),
        import('./config/errors.js'),
      ]);
      let config = null;
      try {
        config = flags.config ? loadConfigFile(flags.config) : null;
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        process.stderr.write(configErrorLines(err.issues));
        run(EXIT.config);
        return;
      }
      const timeoutMs = parseDuration(flags.timeout);
      if (timeoutMs === null || timeoutMs <= 0) {
        process.stderr.write(`outage-probe: --timeout: expected a positive duration like 500ms or 5s, got ${JSON.stringify(flags.timeout)}\n`);
        run(EXIT.usage);
        return;
      }
      run(
        await providersIdentify(target, process, {
          ...(flags.cache ? { cacheFile: flags.cache } : {}),
          ...(config ? { user: config.providers } : {}),
          gather: (url) =>
            gatherEvidence(url, flags.resolver, {
              timeoutMs,
              ca: config?.tls.ca ?? null,
              ...(config ? { resolvers: config.resolvers } : {}),
              onProblem: (text) => process.stderr.write(`outage-probe: ${text}\n`),
            }),
        }),
      );
    });
  providers
    .command('update')
    .description("refresh the providers' published IP ranges from their official lists into the cache")
    .option('--cache <file>', 'where to write (default: $XDG_CACHE_HOME/outage-probe/ranges.json)')
    .action(async (flags: { cache?: string }) => {
      const { providersUpdate } = await import('./commands/providers.js');
      run(await providersUpdate(process, flags.cache ? { cacheFile: flags.cache } : {}));
    });

  return program;
}

export { EXIT };
