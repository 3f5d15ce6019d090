// probes.yaml → Config, by walking the YAML syntax tree so that every issue carries the place it was written.
// Every problem found is collected (not just the first); a Config is returned only when there are none.

import { readRegularFile } from '../util/safe-file.js';
import { isAbsolute, resolve } from 'node:path';
import { LineCounter, parseDocument, isMap, isScalar, isSeq } from 'yaml';
import type { AlertSettings, AttributionSettings, Config, ExpectSpec, PathSelection, ProbeSettings, ResolverSpec, RunSettings, SiteKind, SiteSpec, TlsSettings } from '../model.js';
import { safeLine } from '../util/text.js';
import { parseIpAndPort } from './address.js';
import { formatIpAndPort } from '../util/ip.js';
import { validateUserProvider } from '../fingerprint/user-providers.js';
import { DEFAULT_ALERTS, DEFAULT_ATTRIBUTION, DEFAULT_METHOD, DEFAULT_RUN_SETTINGS, defaultProbeSettings, unsetSiteFields, type UnsetSiteFields } from './defaults.js';
import type { ConfigIssue } from './errors.js';
import {
  describe, duplicateKeys, entriesOf, field, fieldsOf, isAbsent, itemsOf, pathAtOffset, quote, report, reportAt, rootSlot,
  stringOf, textOf, type Slot, type Walk,
} from './nodes.js';
import { RESOLVER_SYNTAX, systemResolver } from './resolvers.js';
import { closestMatch } from './suggest.js';
import {
  HTTP_METHODS, PATH_NAMES, isHeaderName, isHeaderValue, parseByteSize, parseHttpUrl, parseInteger,
  MAX_CA_BYTES, MAX_DURATION_MS, MAX_DURATION_TEXT, parsePositiveDuration, parseProxyUrl, pemBundleProblem, regexProblem, type PathName,
} from './values.js';
import { hostOf } from '../util/dns-name.js';

export interface ConfigCheck {
  config: Config | null;
  issues: ConfigIssue[];
}

// ───────────────────────────── the keys each mapping may hold ─────────────────────────────

const TOP_KEYS = ['version', 'resolvers', 'defaults', 'paths', 'sites', 'tls', 'providers', 'attribution', 'statusPages', 'alerts'] as const;
const ALERT_KEYS = ['failureThreshold', 'successThreshold', 'reminderInterval', 'flapWindow'] as const;
const ATTRIBUTION_KEYS = ['minSites', 'samples', 'interval'] as const;
const RESOLVER_KEYS = ['name', 'address', 'tcp', 'doh', 'system', 'provider'] as const;
/** Settings `defaults` gives every site and a site may override. */
const PROBE_KEYS = ['timeout', 'paths', 'maxAddressesPerFamily', 'userAgent', 'bodySampleSize', 'maxRedirects'] as const;
const DEFAULTS_KEYS = ['timeout', 'deadline', 'concurrency', 'perHostConcurrency', 'perAddressConcurrency', 'paths', 'maxAddressesPerFamily', 'userAgent', 'bodySampleSize', 'maxRedirects'] as const;
const SITE_KEYS = ['name', 'url', 'kind', 'provider', 'expect', 'origin', 'headers', 'method', ...PROBE_KEYS] as const;
const EXPECT_KEYS = ['status', 'contains', 'matches', 'maxMs', 'challenge'] as const;
const TLS_KEYS = ['ca'] as const;

const LIMITS = {
  concurrency: [1, 4096],
  perHostConcurrency: [1, 256],
  perAddressConcurrency: [1, 256],
  maxAddressesPerFamily: [1, 64],
  maxRedirects: [0, 20],
  minSites: [1, 1000],
  samples: [1, 100],
  failureThreshold: [1, 100],
  successThreshold: [1, 100],
  flapWindow: [2, 100],
} as const;
const MAX_BODY_SAMPLE_BYTES = 16 * 1024 * 1024;
const MAX_NAME_LENGTH = 100;

// ───────────────────────────── entry point ─────────────────────────────

/**
 * Check a config text. `file` names it in issues; `baseDir` is where relative paths in it (tls.ca) start.
 * Syntax errors stop the check there: what follows a broken line is not worth second-guessing.
 */
export function checkConfigText(text: string, file: string, baseDir: string, options: { sitesElsewhere?: boolean } = {}): ConfigCheck {
  const lineCounter = new LineCounter();
  // yaml's own duplicate-key check compares every key with every earlier one (quadratic in a map's size);
  // duplicateKeys does the same in one pass.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const walk: Walk = { file, doc, lineCounter, issues: [], reported: new Set() };

  for (const problem of [...doc.errors, ...doc.warnings]) {
    const path = pathAtOffset(doc, problem.pos[0]) || '(yaml)';
    const message = problem.code === 'DUPLICATE_KEY' ? 'duplicate key (each key may appear once)' : safeLine(problem.message);
    report(walk, problem.pos[0], path, message);
  }
  for (const { offset, path } of duplicateKeys(doc)) report(walk, offset, path, 'duplicate key (each key may appear once)');
  if (doc.errors.length > 0) return { config: null, issues: walk.issues };

  const config = readConfig(walk, baseDir, options.sitesElsewhere === true);
  return walk.issues.length === 0 ? { config, issues: [] } : { config: null, issues: walk.issues };
}

function readConfig(walk: Walk, baseDir: string, sitesElsewhere: boolean): Config {
  const root = rootSlot(walk);
  const fallback = emptyConfig(walk.file);
  if (isAbsent(root)) {
    reportAt(walk, root, 'the config is empty; expected a mapping with a "sites" list');
    return fallback;
  }
  const top = fieldsOf(walk, root, TOP_KEYS, 'a mapping with a "sites" list');
  if (!top) return fallback;

  const version = top.get('version');
  if (version && !(isScalar(version.node) && version.node.value === 1)) {
    reportAt(walk, version, `expected 1 (the only config version so far), got ${describe(version.node)}`);
  }

  const resolvers = readResolvers(walk, top.get('resolvers'));
  const { run, probe, deadlineLimitMs } = readDefaults(walk, top);
  const sitesSlot = field(top, root, 'sites');
  const sites = sitesElsewhere && sitesSlot.node === null ? [] : readSites(walk, sitesSlot, probe, deadlineLimitMs);
  const tls = readTls(walk, top.get('tls'), baseDir);
  const attribution = readAttribution(walk, top.get('attribution'));
  const providers = readProviders(walk, top.get('providers'));
  const statusPages = readStatusPages(walk, top.get('statusPages'));
  const alerts = readAlerts(walk, top.get('alerts'));
  return { source: walk.file, resolvers, run, defaults: probe, sites, tls, attribution, providers, statusPages, alerts };
}

// ───────────────────────────── attribution and providers ─────────────────────────────

function readAlerts(walk: Walk, slot: Slot | undefined): AlertSettings {
  const settings = { ...DEFAULT_ALERTS };
  if (!slot) return settings;
  const fields = fieldsOf(walk, slot, ALERT_KEYS, 'a mapping like {failureThreshold: 2, successThreshold: 2, reminderInterval: 1h}');
  return {
    failureThreshold: optional(fields?.get('failureThreshold'), (s) => readInteger(walk, s, LIMITS.failureThreshold)) ?? settings.failureThreshold,
    successThreshold: optional(fields?.get('successThreshold'), (s) => readInteger(walk, s, LIMITS.successThreshold)) ?? settings.successThreshold,
    reminderIntervalMs: optional(fields?.get('reminderInterval'), (s) => readDuration(walk, s)) ?? settings.reminderIntervalMs,
    flapWindow: optional(fields?.get('flapWindow'), (s) => readInteger(walk, s, LIMITS.flapWindow)) ?? settings.flapWindow,
  };
}

function readAttribution(walk: Walk, slot: Slot | undefined): AttributionSettings {
  const settings = { ...DEFAULT_ATTRIBUTION };
  if (!slot) return settings;
  const fields = fieldsOf(walk, slot, ATTRIBUTION_KEYS, 'a mapping like {minSites: 2, samples: 3, interval: 5s}');
  const minSites = optional(fields?.get('minSites'), (s) => readInteger(walk, s, LIMITS.minSites));
  const samples = optional(fields?.get('samples'), (s) => readInteger(walk, s, LIMITS.samples));
  const intervalMs = optional(fields?.get('interval'), (s) => readDuration(walk, s));
  return {
    ...settings,
    ...(minSites !== undefined ? { minSites } : {}),
    ...(samples !== undefined ? { samples } : {}),
    ...(intervalMs !== undefined ? { intervalMs } : {}),
  };
}

/**
 * `providers:` adds providers to the fingerprint catalog or extends built-in ones; each entry is checked by the
 * catalog's own validator and its problems are reported at the entry, with the key path inside it.
 */
function readProviders(walk: Walk, slot: Slot | undefined): unknown[] {
  if (!slot) return [];
  const items = itemsOf(walk, slot, 'a list of providers like {name: corp-cdn, headers: [{header: x-corp-cdn}]}');
  if (!items) return [];
  const providers: unknown[] = [];
  for (const item of items) {
    const value: unknown = item.node ? item.node.toJSON() : null;
    const problems = validateUserProvider(value);
    for (const problem of problems) {
      const [where, ...rest] = problem.split(': ');
      const detail = rest.join(': ');
      reportAt(walk, { ...item, path: detail ? `${item.path}.${where}` : item.path }, detail || problem);
    }
    if (problems.length === 0) providers.push(value);
  }
  return providers;
}

function emptyConfig(source: string): Config {
  return { source, resolvers: [], run: { ...DEFAULT_RUN_SETTINGS }, defaults: defaultProbeSettings(), sites: [], tls: { ca: null, caFile: null }, attribution: { ...DEFAULT_ATTRIBUTION }, providers: [], statusPages: {}, alerts: { ...DEFAULT_ALERTS } };
}

// ───────────────────────────── resolvers ─────────────────────────────

function readResolvers(walk: Walk, slot: Slot | undefined): ResolverSpec[] {
  if (!slot) return [systemResolver()];
  const items = itemsOf(walk, slot, 'a list of resolvers');
  if (!items) return [];
  if (items.length === 0) {
    reportAt(walk, slot, 'expected at least one resolver (leave "resolvers" out to use the system resolver)');
    return [];
  }
  const resolvers: ResolverSpec[] = [];
  const firstByName = new Map<string, string>();
  for (const item of items) {
    const read = readResolver(walk, item);
    if (!read) continue;
    const first = firstByName.get(read.spec.name);
    if (first !== undefined) {
      reportAt(walk, read.nameSlot, `duplicate resolver name ${quote(read.spec.name)} (also the name of ${first})`);
      continue;
    }
    firstByName.set(read.spec.name, item.path);
    resolvers.push(read.spec);
  }
  return resolvers;
}

function readResolver(walk: Walk, slot: Slot): { spec: ResolverSpec; nameSlot: Slot } | null {
  const keys = RESOLVER_SYNTAX.map((r) => r.key);
  const fields = fieldsOf(walk, slot, RESOLVER_KEYS, 'a resolver like {name: cloudflare, address: 1.1.1.1}');
  if (!fields) return null;
  const system = fields.get('system');
  if (system && !(isScalar(system.node) && typeof system.node.value === 'boolean')) {
    reportAt(walk, system, `expected true or false, got ${describe(system.node)}`);
    return null;
  }
  const given = RESOLVER_SYNTAX.filter((r) =>
    r.key === 'system' ? isScalar(system?.node) && system.node.value === true : fields.has(r.key),
  );
  if (given.length !== 1) {
    const which = given.length === 0 ? 'none' : given.map((r) => r.key).join(' and ');
    const choices = keys.map((k) => (k === 'system' ? 'system: true' : k));
    reportAt(walk, slot, `expected exactly one of ${choices.slice(0, -1).join(', ')} or ${choices.at(-1)} (got ${which})`);
    return null;
  }

  const syntax = given[0]!;
  const valueSlot = fields.get(syntax.key)!;
  const spec = syntax.parse(syntax.key === 'system' ? true : syntax.key === 'doh' ? stringOf(valueSlot.node) : textOf(valueSlot.node));
  if ('error' in spec) {
    reportAt(walk, valueSlot, `${spec.error}: ${gotText(valueSlot)}`);
    return null;
  }

  const nameSlot = fields.get('name');
  const name = nameSlot ? readName(walk, nameSlot) : spec.name;
  const providerSlot = fields.get('provider');
  const provider = providerSlot ? readNonEmptyText(walk, providerSlot, 'a provider name') : spec.provider;
  if (name === null || (providerSlot && provider === null)) return null;
  return { spec: { ...spec, name, provider }, nameSlot: nameSlot ?? slot };
}

// ───────────────────────────── defaults ─────────────────────────────

interface DefaultsRead {
  run: RunSettings;
  probe: ProbeSettings;
  /** The deadline per-site timeouts are checked against; null when the deadline itself is invalid (already reported). */
  deadlineLimitMs: number | null;
}

function readDefaults(walk: Walk, top: Map<string, Slot>): DefaultsRead {
  const slot = top.get('defaults');
  const fields = slot ? fieldsOf(walk, slot, DEFAULTS_KEYS, 'a mapping of default settings') : null;
  const given = fields ?? new Map<string, Slot>();

  // A top-level `paths` is shorthand for defaults.paths.
  const topPaths = top.get('paths');
  if (topPaths && given.has('paths')) {
    reportAt(walk, topPaths, 'give paths either at the top level or in defaults.paths, not both');
  } else if (topPaths) {
    given.set('paths', topPaths);
  }

  const overrides = readProbeOverrides(walk, given);
  const probe = { ...defaultProbeSettings(), ...(Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) as Partial<ProbeSettings>) };
  const deadline = given.get('deadline');
  const deadlineMs = optional(deadline, (s) => readDuration(walk, s));
  const run: RunSettings = {
    deadlineMs: deadlineMs ?? DEFAULT_RUN_SETTINGS.deadlineMs,
    concurrency: optional(given.get('concurrency'), (s) => readInteger(walk, s, LIMITS.concurrency)) ?? DEFAULT_RUN_SETTINGS.concurrency,
    perHostConcurrency:
      optional(given.get('perHostConcurrency'), (s) => readInteger(walk, s, LIMITS.perHostConcurrency)) ?? DEFAULT_RUN_SETTINGS.perHostConcurrency,
    perAddressConcurrency:
      optional(given.get('perAddressConcurrency'), (s) => readInteger(walk, s, LIMITS.perAddressConcurrency)) ?? DEFAULT_RUN_SETTINGS.perAddressConcurrency,
  };

  // The deadline bounds the whole run, so one attempt may not outlast it. Blame the value the user wrote;
  // an invalid value is already reported and is not compared.
  const timeout = given.get('timeout');
  const deadlineValid = !deadline || deadlineMs !== undefined;
  const timeoutValid = !timeout || overrides.timeoutMs !== undefined;
  if (deadlineValid && timeoutValid && probe.timeoutMs > run.deadlineMs) {
    if (deadline) {
      reportAt(walk, deadline, `must be at least defaults.timeout (${durationText(probe.timeoutMs)}), got ${describe(deadline.node)}`);
    } else if (timeout) {
      reportAt(walk, timeout, `must not exceed defaults.deadline (${durationText(run.deadlineMs)}), got ${describe(timeout.node)}`);
    }
  }
  return { run, probe, deadlineLimitMs: deadlineValid ? run.deadlineMs : null };
}

/** The probe settings a mapping gives; a key it does not give (or gives wrongly) is undefined. */
function readProbeOverrides(walk: Walk, fields: Map<string, Slot>): Partial<ProbeSettings> {
  return {
    timeoutMs: optional(fields.get('timeout'), (s) => readDuration(walk, s)),
    paths: optional(fields.get('paths'), (s) => readPaths(walk, s)),
    maxAddressesPerFamily: optional(fields.get('maxAddressesPerFamily'), (s) => readInteger(walk, s, LIMITS.maxAddressesPerFamily)),
    userAgent: optional(fields.get('userAgent'), (s) => readHeaderText(walk, s, 'a User-Agent string')),
    bodySampleBytes: optional(fields.get('bodySampleSize'), (s) => readByteSize(walk, s)),
    maxRedirects: optional(fields.get('maxRedirects'), (s) => readInteger(walk, s, LIMITS.maxRedirects)),
  };
}

function optional<T>(slot: Slot | undefined, read: (slot: Slot) => T | null): T | undefined {
  if (!slot) return undefined;
  return read(slot) ?? undefined;
}

// ───────────────────────────── paths ─────────────────────────────

const PATHS_EXPECTED = 'edge, ipv4, ipv6, origin or {proxy: URL}';

function readPaths(walk: Walk, slot: Slot): PathSelection | null {
  const items = itemsOf(walk, slot, `a list of paths (${PATHS_EXPECTED})`);
  if (!items) return null;
  if (items.length === 0) {
    reportAt(walk, slot, `expected at least one path (${PATHS_EXPECTED})`);
    return null;
  }
  const named = new Set<PathName>();
  const proxies: string[] = [];
  let ok = true;
  for (const item of items) {
    if (item.node && isMap(item.node)) {
      const fields = fieldsOf(walk, item, ['proxy'], `a path (${PATHS_EXPECTED})`);
      const proxySlot = fields ? field(fields, item, 'proxy') : null;
      const proxy = proxySlot ? readProxy(walk, proxySlot) : null;
      if (proxy === null) ok = false;
      else if (proxies.includes(proxy)) reportAt(walk, item, `proxy ${quote(proxy)} is listed twice`);
      else proxies.push(proxy);
      continue;
    }
    const text = stringOf(item.node)?.trim().toLowerCase() ?? '';
    if (!(PATH_NAMES as readonly string[]).includes(text)) {
      const hint = stringOf(item.node) ? closestMatch(text, PATH_NAMES) : null;
      reportAt(walk, item, hint ? `unknown path ${describe(item.node)}; did you mean "${hint}"?` : `expected a path (${PATHS_EXPECTED}), got ${describe(item.node)}`);
      ok = false;
      continue;
    }
    const name = text as PathName;
    if (named.has(name)) reportAt(walk, item, `path "${name}" is listed twice`);
    named.add(name);
  }
  if (!ok) return null;
  // ipv4/ipv6 narrow the edge path to a family, and imply it; listing neither means both.
  const anyFamily = named.has('ipv4') || named.has('ipv6');
  return {
    edge: named.has('edge') || anyFamily,
    ipv4: anyFamily ? named.has('ipv4') : true,
    ipv6: anyFamily ? named.has('ipv6') : true,
    origin: named.has('origin'),
    proxies,
  };
}

function readProxy(walk: Walk, slot: Slot): string | null {
  if (isAbsent(slot)) {
    reportAt(walk, slot, slot.node === null ? 'missing required key' : `expected an HTTP proxy URL like "http://proxy.example:3128", got nothing`);
    return null;
  }
  const parsed = parseProxyUrl(stringOf(slot.node) ?? '');
  if ('error' in parsed) {
    reportAt(walk, slot, `${parsed.error}, got ${describe(slot.node)}`);
    return null;
  }
  return parsed.url;
}

// ───────────────────────────── sites ─────────────────────────────

function readSiteKind(walk: Walk, slot: Slot): SiteKind | null {
  const text = stringOf(slot.node);
  if (text === 'site' || text === 'endpoint' || text === 'control-plane') return text;
  reportAt(walk, slot, `expected site, endpoint or control-plane, got ${describe(slot.node)}`);
  return null;
}

/** `statusPages: { cloudflare: "https://…" }`: where --status-pages reads each provider's status. */
function readStatusPages(walk: Walk, slot: Slot | undefined): Record<string, string> {
  if (!slot) return {};
  const entries = entriesOf(walk, slot, 'a mapping of provider to status page URL, e.g. {cloudflare: "https://www.cloudflarestatus.com"}');
  const pages: Record<string, string> = {};
  for (const entry of entries ?? []) {
    const url = parseHttpUrl(stringOf(entry.value.node) ?? '');
    if (!url) {
      reportAt(walk, entry.value, `not an absolute http(s) URL: ${describe(entry.value.node)}`);
      continue;
    }
    pages[entry.key] = url.href;
  }
  return pages;
}

function readSites(walk: Walk, slot: Slot, defaults: ProbeSettings, deadlineLimitMs: number | null): SiteSpec[] {
  if (slot.node === null) {
    reportAt(walk, slot, 'missing required key');
    return [];
  }
  const items = itemsOf(walk, slot, 'a non-empty list of sites');
  if (!items) return [];
  if (items.length === 0) {
    reportAt(walk, slot, 'expected a non-empty list of sites, got an empty list');
    return [];
  }
  const sites: SiteSpec[] = [];
  const firstByName = new Map<string, string>();
  const unset = unsetSiteFields(defaults);
  for (const item of items) {
    const read = readSite(walk, item, defaults, unset, deadlineLimitMs);
    if (!read) continue;
    const first = firstByName.get(read.site.name);
    if (first !== undefined) {
      const hint = read.nameSlot.path.endsWith('.url') ? '; give each site a distinct name' : '';
      reportAt(walk, read.nameSlot, `duplicate site name ${quote(read.site.name)} (also the name of ${first})${hint}`);
      continue;
    }
    firstByName.set(read.site.name, item.path);
    sites.push(read.site);
  }
  return sites;
}

function readSite(walk: Walk, slot: Slot, defaults: ProbeSettings, unset: UnsetSiteFields, deadlineLimitMs: number | null): { site: SiteSpec; nameSlot: Slot } | null {
  const fields = fieldsOf(walk, slot, SITE_KEYS, 'a site like {url: "https://example.com/"}');
  if (!fields) return null;
  const before = walk.issues.length;

  const urlSlot = field(fields, slot, 'url');
  const url = readSiteUrl(walk, urlSlot);
  const nameSlot = fields.get('name');
  const name = nameSlot ? readName(walk, nameSlot) : url ? hostOf(url) : null;

  const expectSlot = fields.get('expect');
  const expect = expectSlot ? readExpect(walk, expectSlot) : unset.expect;
  const originSlot = fields.get('origin');
  const origin = originSlot ? readOrigin(walk, originSlot) : null;
  const headersSlot = fields.get('headers');
  const headers = headersSlot ? readHeaders(walk, headersSlot) : unset.headers;
  const methodSlot = fields.get('method');
  const method = methodSlot ? readMethod(walk, methodSlot) : DEFAULT_METHOD;
  const kindSlot = fields.get('kind');
  const kind = kindSlot ? readSiteKind(walk, kindSlot) : 'site';
  const providerSlot = fields.get('provider');
  const provider = providerSlot ? readNonEmptyText(walk, providerSlot, 'the provider expected to answer, e.g. AWS') : null;
  // A control plane is only evidence about its provider: without the provider it would say nothing.
  if (kind === 'control-plane' && !providerSlot && kindSlot) reportAt(walk, kindSlot, 'a control-plane endpoint needs provider: (the provider whose API it is, e.g. cloudflare)');
  const overrides = readProbeOverrides(walk, fields);

  const timeout = fields.get('timeout');
  if (timeout && overrides.timeoutMs !== undefined && deadlineLimitMs !== null && overrides.timeoutMs > deadlineLimitMs) {
    reportAt(walk, timeout, `must not exceed defaults.deadline (${durationText(deadlineLimitMs)}), got ${describe(timeout.node)}`);
  }
  if (walk.issues.length > before || !url || name === null || !expect || !headers || !method || !kind) return null;
  // Written out, not spread: a record spread from the defaults and then grown field by field cost most of the
  // time of reading a long sites list.
  const site: SiteSpec = {
    timeoutMs: overrides.timeoutMs ?? defaults.timeoutMs,
    paths: overrides.paths ? copyPaths(overrides.paths) : unset.paths,
    maxAddressesPerFamily: overrides.maxAddressesPerFamily ?? defaults.maxAddressesPerFamily,
    userAgent: overrides.userAgent ?? defaults.userAgent,
    bodySampleBytes: overrides.bodySampleBytes ?? defaults.bodySampleBytes,
    maxRedirects: overrides.maxRedirects ?? defaults.maxRedirects,
    name,
    probe: 'http',
    record: 'A',
    url: url.href,
    host: hostOf(url),
    kind,
    provider,
    method,
    headers,
    expect,
    origin,
  };
  return { site, nameSlot: nameSlot ?? urlSlot };
}

function copyPaths(paths: PathSelection): PathSelection {
  return { ...paths, proxies: [...paths.proxies] };
}

function readSiteUrl(walk: Walk, slot: Slot): URL | null {
  if (slot.node === null) {
    reportAt(walk, slot, 'missing required key');
    return null;
  }
  const url = parseHttpUrl(stringOf(slot.node) ?? '');
  if (!url) reportAt(walk, slot, `not an absolute http(s) URL: ${gotText(slot)}`);
  return url;
}

function readOrigin(walk: Walk, slot: Slot): string | null {
  const parsed = parseIpAndPort(textOf(slot.node) ?? '');
  if ('error' in parsed) {
    const what = parsed.error === 'bad-port' ? 'expected a port from 1 to 65535' : 'not an IP address';
    reportAt(walk, slot, `${what}: ${gotText(slot)}`);
    return null;
  }
  return formatIpAndPort(parsed.address, parsed.port);
}

function readMethod(walk: Walk, slot: Slot): string | null {
  const method = stringOf(slot.node)?.trim().toUpperCase() ?? '';
  if ((HTTP_METHODS as readonly string[]).includes(method)) return method;
  reportAt(walk, slot, `expected one of ${HTTP_METHODS.join(', ')}, got ${describe(slot.node)}`);
  return null;
}

function readHeaders(walk: Walk, slot: Slot): Record<string, string> | null {
  const entries = entriesOf(walk, slot, 'a mapping of header names to values');
  if (!entries) return null;
  const headers: Record<string, string> = {};
  const seen = new Set<string>();
  let ok = true;
  for (const { key, keyOffset, value } of entries) {
    if (!isHeaderName(key)) {
      report(walk, keyOffset, value.path, 'not a valid HTTP header name');
      ok = false;
      continue;
    }
    if (seen.has(key.toLowerCase())) {
      report(walk, keyOffset, value.path, 'header given twice (header names ignore case)');
      ok = false;
      continue;
    }
    seen.add(key.toLowerCase());
    const text = readHeaderText(walk, value, 'a header value');
    if (text === null) ok = false;
    else headers[key] = text;
  }
  return ok ? headers : null;
}

// ───────────────────────────── expect ─────────────────────────────

function readChallenge(walk: Walk, slot: Slot): 'ok' | 'fail' | undefined {
  const text = isScalar(slot.node) ? slot.node.value : undefined;
  if (text === 'ok' || text === 'fail') return text;
  reportAt(walk, slot, `expected ok (a challenge here is fine) or fail, got ${describe(slot.node)}`);
  return undefined;
}

function readExpect(walk: Walk, slot: Slot): ExpectSpec | null {
  const fields = fieldsOf(walk, slot, EXPECT_KEYS, 'a mapping of expectations (status, contains, matches, maxMs)');
  if (!fields) return null;
  const before = walk.issues.length;
  const expect: ExpectSpec = {
    status: optional(fields.get('status'), (s) => readStatusList(walk, s)) ?? [],
    contains: optional(fields.get('contains'), (s) => readNonEmptyText(walk, s, 'text to find in the body')) ?? null,
    matches: optional(fields.get('matches'), (s) => readRegex(walk, s)) ?? null,
    maxMs: optional(fields.get('maxMs'), (s) => readMaxMs(walk, s)) ?? null,
    challenge: optional(fields.get('challenge'), (s) => readChallenge(walk, s)) ?? 'fail',
    rcode: null,
    dnssec: false,
  };
  return walk.issues.length > before ? null : expect;
}

const STATUS_LIST_EXPECTED = 'a list of HTTP status codes (100-599)';

function readStatusList(walk: Walk, slot: Slot): number[] | null {
  if (slot.node && isScalar(slot.node) && typeof slot.node.value === 'number') {
    const code = statusCode(slot.node.value);
    if (code === null) reportAt(walk, slot, `expected ${STATUS_LIST_EXPECTED}, got ${describe(slot.node)}`);
    return code === null ? null : [code];
  }
  if (!slot.node || !isSeq(slot.node)) {
    reportAt(walk, slot, `expected ${STATUS_LIST_EXPECTED}, got ${describe(slot.node)}`);
    return null;
  }
  const items = itemsOf(walk, slot, STATUS_LIST_EXPECTED) ?? [];
  const codes: number[] = [];
  for (const item of items) {
    const code = item.node && isScalar(item.node) && typeof item.node.value === 'number' ? statusCode(item.node.value) : null;
    if (code === null) reportAt(walk, item, `expected an HTTP status code (100-599), got ${describe(item.node)}`);
    else if (!codes.includes(code)) codes.push(code);
  }
  return codes.length === items.length || items.length === 0 ? codes : null;
}

function statusCode(value: number): number | null {
  return Number.isInteger(value) && value >= 100 && value <= 599 ? value : null;
}

function readRegex(walk: Walk, slot: Slot): string | null {
  const source = readNonEmptyText(walk, slot, 'a regular expression');
  if (source === null) return null;
  const problem = regexProblem(source);
  if (problem === null) return source;
  reportAt(walk, slot, `not a valid regular expression: ${describe(slot.node)} (${safeLine(problem, 120)})`);
  return null;
}

function readMaxMs(walk: Walk, slot: Slot): number | null {
  const node = slot.node;
  const value = node && isScalar(node) ? node.value : null;
  const ms =
    typeof value === 'number' ? (Number.isFinite(value) && value > 0 ? value : null) : typeof value === 'string' ? parsePositiveDuration(value) : null;
  if (ms === null) reportAt(walk, slot, `expected a positive number of milliseconds (or a duration like 2s), got ${describe(node)}`);
  else if (ms > MAX_DURATION_MS) {
    reportAt(walk, slot, `${describe(node)} is too long: at most ${MAX_DURATION_TEXT}`);
    return null;
  }
  return ms;
}

// ───────────────────────────── tls ─────────────────────────────

function readTls(walk: Walk, slot: Slot | undefined, baseDir: string): TlsSettings {
  const none: TlsSettings = { ca: null, caFile: null };
  if (!slot) return none;
  const fields = fieldsOf(walk, slot, TLS_KEYS, 'a mapping with "ca"');
  const caSlot = fields?.get('ca');
  if (!caSlot) return none;
  const file = readNonEmptyText(walk, caSlot, 'the path of a CA bundle (PEM)');
  if (file === null) return none;
  const caFile = isAbsolute(file) ? file : resolve(baseDir, file);
  let pem: string;
  try {
    pem = readRegularFile(caFile, MAX_CA_BYTES);
  } catch (err) {
    reportAt(walk, caSlot, `cannot read ${quote(file)}: ${fileErrorText(err)}`);
    return none;
  }
  const problem = pemBundleProblem(pem);
  if (problem) {
    reportAt(walk, caSlot, `${quote(file)} ${problem}`);
    return none;
  }
  return { ca: pem, caFile };
}

const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  ENOTREGULAR: 'not a regular file (a FIFO or a device is never read)',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a parent is not a directory',
};

export function fileErrorText(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'EFBIG') return `larger than the ${Math.round(Number((err as { limit?: number }).limit ?? 0) / 1024 / 1024)} MiB read at most`;
  if (typeof code === 'string') return FILE_ERRORS[code] ?? code;
  return safeLine(err instanceof Error ? err.message : String(err));
}

// ───────────────────────────── scalar readers ─────────────────────────────

function readDuration(walk: Walk, slot: Slot): number | null {
  const value = slot.node && isScalar(slot.node) ? slot.node.value : null;
  const ms = typeof value === 'string' ? parsePositiveDuration(value) : null;
  if (ms !== null && ms > MAX_DURATION_MS) {
    reportAt(walk, slot, `${describe(slot.node)} is too long: at most ${MAX_DURATION_TEXT}`);
    return null;
  }
  if (ms !== null) return ms;
  const unitHint = typeof value === 'number' && value > 0 ? ' (a unit is required)' : '';
  reportAt(walk, slot, `expected a positive duration like 500ms or 5s, got ${describe(slot.node)}${unitHint}`);
  return null;
}

function readInteger(walk: Walk, slot: Slot, [min, max]: readonly [number, number]): number | null {
  const value = slot.node && isScalar(slot.node) ? slot.node.value : null;
  const n = typeof value === 'number' || typeof value === 'string' ? parseInteger(value) : null;
  if (n !== null && n >= min && n <= max) return n;
  reportAt(walk, slot, `expected an integer from ${min} to ${max}, got ${describe(slot.node)}`);
  return null;
}

function readByteSize(walk: Walk, slot: Slot): number | null {
  const value = slot.node && isScalar(slot.node) ? slot.node.value : null;
  const bytes = typeof value === 'number' || typeof value === 'string' ? parseByteSize(value) : null;
  if (bytes !== null && bytes <= MAX_BODY_SAMPLE_BYTES) return bytes;
  reportAt(walk, slot, `expected a size from 0 to 16MiB like 512B, 64KiB or 1MiB, got ${describe(slot.node)}`);
  return null;
}

/** Names label reports and metrics: one line, no controls, not empty, not too long. */
function readName(walk: Walk, slot: Slot): string | null {
  const text = textOf(slot.node)?.trim() ?? '';
  if (text && text.length <= MAX_NAME_LENGTH && !/[\u0000-\u001f\u007f-\u009f]/.test(text)) return text;
  reportAt(walk, slot, `expected a name (one line, 1 to ${MAX_NAME_LENGTH} characters), got ${describe(slot.node)}`);
  return null;
}

function readNonEmptyText(walk: Walk, slot: Slot, what: string): string | null {
  const text = textOf(slot.node);
  if (text !== null && text !== '') return text;
  reportAt(walk, slot, `expected ${what}, got ${text === '' ? 'an empty string' : describe(slot.node)}`);
  return null;
}

function readHeaderText(walk: Walk, slot: Slot, what: string): string | null {
  const text = textOf(slot.node);
  if (text !== null && isHeaderValue(text)) return text;
  const why = text !== null ? ' without control characters' : '';
  reportAt(walk, slot, `expected ${what}${why}, got ${describe(slot.node)}`);
  return null;
}

/** The value as the user wrote it, quoted and cleaned, for "not an IP address: ..." messages. */
function gotText(slot: Slot): string {
  const text = textOf(slot.node);
  return text !== null ? quote(text) : describe(slot.node);
}

/** "30s", "1m", "1500ms": how a limit is shown in a message. */
export function durationText(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
