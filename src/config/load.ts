// Where a Config comes from: a probes.yaml file, its text, or URLs and --resolver flags on the command line.

import { readRegularFile } from '../util/safe-file.js';
import { MAX_CONFIG_BYTES } from './values.js';
import { dirname, resolve } from 'node:path';
import type { Config, ProbeSettings, ResolverSpec, SiteSpec } from '../model.js';
import { parseIpAndPort } from './address.js';
import { DEFAULT_ALERTS, DEFAULT_METHOD, DEFAULT_RUN_SETTINGS, defaultProbeSettings, DEFAULT_ATTRIBUTION, unsetSiteFields } from './defaults.js';
import { ConfigError, type ConfigIssue } from './errors.js';
import { quote } from './nodes.js';
import { RESOLVER_SYNTAX, sameResolver, systemResolver } from './resolvers.js';
import { checkConfigText, fileErrorText } from './validate.js';
import { configCacheFor } from './cache.js';
import { parseHttpUrl } from './values.js';
import { hostOf } from '../util/dns-name.js';
import { LAZY_TIERING, whileTieringLater } from '../util/tiering.js';

export const COMMAND_LINE_SOURCE = '(command line)';

export interface ParseConfigOptions {
  /** Where relative paths in the config (tls.ca) start; the directory of `source` unless given. */
  baseDir?: string;
  /** The sites come from elsewhere (--sites FILE): a config without a `sites` list is complete. */
  sitesElsewhere?: boolean;
}

/** Check a config text and return the Config, or throw a ConfigError listing every issue with its position. */
export function parseConfig(text: string, source: string, options: ParseConfigOptions = {}): Config {
  const check = () => checkConfigText(text, source, options.baseDir ?? dirname(resolve(source)), { sitesElsewhere: options.sitesElsewhere === true });
  const { config, issues } = text.length <= LAZY_TIERING.mostConfigChars ? whileTieringLater(check) : check();
  if (!config) throw new ConfigError(issues, source, 'file');
  return config;
}

/**
 * Read and check a config file; a file that cannot be read is a ConfigError without a position. A long text checked
 * by an earlier run of this build is not checked again (config/cache.ts).
 */
export function loadConfigFile(path: string, options: Pick<ParseConfigOptions, 'sitesElsewhere'> = {}): Config {
  let text: string;
  try {
    text = readRegularFile(path, MAX_CONFIG_BYTES);
  } catch (err) {
    throw new ConfigError([{ file: path, line: null, column: null, path: '', message: `cannot read the config file: ${fileErrorText(err)}` }], path, 'file');
  }
  const baseDir = dirname(resolve(path));
  const cache = configCacheFor({ text, source: path, baseDir, sitesElsewhere: options.sitesElsewhere === true });
  const kept = cache?.read();
  if (kept) return kept;
  const config = parseConfig(text, path, { ...options, baseDir });
  cache?.keep(config);
  return config;
}

/**
 * A Config for ad hoc use: `check https://a.example --resolver 1.1.1.1 --resolver doh:https://dns.google/dns-query`.
 * Sites are named after their host; without --resolver the system resolver is used. Bad input is a ConfigError
 * whose `input` is 'command-line' (a usage error, not a config-file error).
 */
export function configFromArgs(urls: string[], resolverFlags: string[], source = COMMAND_LINE_SOURCE, settings: ProbeSettings = defaultProbeSettings()): Config {
  const issues: ConfigIssue[] = [];
  const problem = (path: string, message: string) => issues.push({ file: source, line: null, column: null, path, message });

  const resolvers: ResolverSpec[] = [];
  for (const flag of resolverFlags) {
    const parsed = parseResolverFlag(flag);
    if ('error' in parsed) problem('--resolver', parsed.error);
    else if (!resolvers.some((r) => sameResolver(r, parsed))) resolvers.push({ ...parsed, name: uniqueName(parsed.name, new Set(resolvers.map((r) => r.name))) });
  }

  const defaults = settings;
  // Every site of a list has the same settings: one paths, headers and expect object serve them all.
  const { paths, headers, expect } = unsetSiteFields(defaults);
  const sites: SiteSpec[] = [];
  // Sets, not scans: a --sites list can name 100,000 sites.
  const siteUrls = new Set<string>();
  const siteNames = new Set<string>();
  if (urls.length === 0) problem('url', 'give at least one URL to check');
  for (const text of urls) {
    const url = parseHttpUrl(text);
    if (!url) {
      problem('url', `not an absolute http(s) URL: ${quote(text)}`);
      continue;
    }
    if (siteUrls.has(url.href)) continue;
    siteUrls.add(url.href);
    const host = hostOf(url);
    const name = uniqueName(host, siteNames);
    siteNames.add(name);
    // Written out, not spread from `defaults`: a spread record that then grows field by field cost ~15 µs a
    // site, most of the time of reading a 100,000-site list.
    sites.push({
      timeoutMs: defaults.timeoutMs,
      maxAddressesPerFamily: defaults.maxAddressesPerFamily,
      userAgent: defaults.userAgent,
      bodySampleBytes: defaults.bodySampleBytes,
      maxRedirects: defaults.maxRedirects,
      paths,
      name,
      probe: 'http',
      record: 'A',
      kind: 'site',
      provider: null,
      url: url.href,
      host,
      method: DEFAULT_METHOD,
      headers,
      expect,
      origin: null,
    });
  }

  if (issues.length > 0) throw new ConfigError(issues, source, 'command-line');
  return {
    source,
    resolvers: resolvers.length > 0 ? resolvers : [systemResolver()],
    run: { ...DEFAULT_RUN_SETTINGS },
    defaults,
    sites,
    tls: { ca: null, caFile: null },
    attribution: { ...DEFAULT_ATTRIBUTION },
    providers: [],
    statusPages: {},
    alerts: { ...DEFAULT_ALERTS },
  };
}

const RESOLVER_FLAG_FORMS = 'system, an IP address (1.1.1.1, 9.9.9.9:5353, [2606:4700::1111]:53), tcp:IP or doh:https://host/dns-query';

/** One --resolver value: "system", "IP", "IP:port", "[v6]:port", "tcp:IP", "doh:URL" or a bare https:// DoH URL. */
export function parseResolverFlag(flag: string): ResolverSpec | { error: string } {
  const text = flag.trim();
  const prefixed = RESOLVER_SYNTAX.find((r) => r.flagPrefix !== null && text.toLowerCase().startsWith(r.flagPrefix));
  if (prefixed?.kind === 'system') return text.toLowerCase() === 'system' ? systemResolver() : { error: `expected ${RESOLVER_FLAG_FORMS}, got ${quote(text)}` };
  const syntax = prefixed ?? (/^https?:\/\//i.test(text) ? RESOLVER_SYNTAX.find((r) => r.kind === 'doh')! : RESOLVER_SYNTAX[0]!);
  const value = prefixed ? text.slice(prefixed.flagPrefix!.length) : text;
  const spec = syntax.parse(value);
  if (!('error' in spec)) return spec;
  if (syntax.kind === 'doh') return { error: `${spec.error}: ${quote(value)}` };
  return spec.error.startsWith('expected a port') ? { error: `${spec.error}: ${quote(text)}` } : { error: `expected ${RESOLVER_FLAG_FORMS}, got ${quote(text)}` };
}

/** `name`, or `name-2`, `name-3` ... when taken (two DoH URLs on one host, two URLs on one site). */
function uniqueName(name: string, names: ReadonlySet<string>): string {
  if (!names.has(name)) return name;
  let n = 2;
  while (names.has(`${name}-${n}`)) n++;
  return `${name}-${n}`;
}
