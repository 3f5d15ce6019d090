// Drill scenarios are data: a YAML file in scenarios/ names the lab's world (resolvers, authoritative DNS hosts,
// sites and who fronts them), what breaks in it (faults), the public source it replays, and what `check`
// must conclude (expect). Adding a scenario is adding a file; this module reads and checks one.

import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Layer, Verdict } from '../model.js';
import { PERSONALITIES } from './personalities/index.js';

export type EdgeFaultKind = 'edge-5xx' | 'challenge-fail' | 'refuse' | 'hang';
export type OriginFault = 'down' | 'timeout' | '5xx';
export type ResolverFault = 'silent' | 'servfail';
export type DnsHostFault = 'servfail';

/** Fail for the first `failFraction` of every `periodMs`, counted from the first request the lab's edges see. */
export interface Flapping {
  periodMs: number;
  failFraction: number;
}

export interface EdgeFault {
  fault: EdgeFaultKind;
  flapping: Flapping | null;
  /** Whether the provider's self-test endpoint (e.g. /cdn-cgi/trace) still answers while pages fail. */
  selfTest: 'ok' | 'fail';
}

export interface ScenarioResolver {
  name: string;
  /** Who runs it, as the report should name it (e.g. "Cloudflare" for the 1.1.1.1-like one). */
  provider: string | null;
  /** Served over DNS-over-HTTPS instead of plain DNS. */
  doh: boolean;
}

export interface ScenarioDnsHost {
  name: string;
  /** The name servers zones on this host delegate to, e.g. ns1.p16.dynect.net. */
  ns: string[];
}

export interface ScenarioSite {
  name: string;
  host: string;
  /** The zone the host belongs to (its apex). */
  zone: string;
  /** The provider id of its edge, or null for a site served straight from its origin. */
  edge: string | null;
  /** Which authoritative DNS host serves its zone. */
  dns: string;
  title: string;
  /** Whether probes.yaml lists the origin, so `check` also fetches it directly. */
  probeOrigin: boolean;
}

export interface ScenarioFaults {
  /** down: the probing host is offline; nothing in the lab is started. */
  network: 'up' | 'down';
  resolvers: Record<string, ResolverFault>;
  dnsHosts: Record<string, DnsHostFault>;
  /** By provider id: every site the provider fronts. */
  edges: Record<string, EdgeFault>;
  /** By site name: the edge's behaviour for that site only (overrides its provider's). */
  sites: Record<string, EdgeFault>;
  /** By site name. */
  origins: Record<string, OriginFault>;
}

export interface ExpectedIncident {
  /** Display name, as the provider catalog names it ("Cloudflare", "Amazon CloudFront", "Dyn"). */
  provider: string | null;
  layer: Layer;
}

export interface ScenarioExpect {
  verdict: Verdict;
  exitCode: number;
  incidents: ExpectedIncident[];
  /** Exactly these sites are down (null: not asserted). */
  down: string[] | null;
  /** These sites are ok (null: not asserted). */
  ok: string[] | null;
}

export interface Scenario {
  name: string;
  description: string;
  /** The public account it replays (a URL), or a note for a control. */
  source: string;
  file: string;
  resolvers: ScenarioResolver[];
  dnsHosts: ScenarioDnsHost[];
  sites: ScenarioSite[];
  faults: ScenarioFaults;
  expect: ScenarioExpect;
}

export class ScenarioError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.join('; ')}`);
    this.name = 'ScenarioError';
  }
}

/**
 * The YAML files are not compiled, so dist/ has none: from src/lab/ and from dist/lab/ alike this lands
 * on <package root>/src/lab/scenarios/ (package.json "files" must include it).
 */
export const SCENARIOS_DIR = fileURLToPath(new URL('../../src/lab/scenarios/', import.meta.url));

const VERDICTS: readonly Verdict[] = ['ok', 'site-failures', 'provider-incident', 'local-network'];
const LAYERS: readonly Layer[] = ['local', 'resolver', 'authoritative-dns', 'network', 'tls', 'edge', 'challenge', 'origin', 'site'];
const EDGE_FAULTS: readonly EdgeFaultKind[] = ['edge-5xx', 'challenge-fail', 'refuse', 'hang'];
const ORIGIN_FAULTS: readonly OriginFault[] = ['down', 'timeout', '5xx'];
const RESOLVER_FAULTS: readonly ResolverFault[] = ['silent', 'servfail'];
const DNS_HOST_FAULTS: readonly DnsHostFault[] = ['servfail'];
const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const HOST = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

// ───────────────────────────── finding and loading ─────────────────────────────

export function scenarioNames(dir = SCENARIOS_DIR): string[] {
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length));
  // The control first, then the rest by name (dates sort within a provider).
  return names.sort((a, b) => Number(b === 'healthy') - Number(a === 'healthy') || a.localeCompare(b));
}

/** The scenario of that name, or null when there is no such file. Throws ScenarioError for a broken file. */
export function loadScenario(name: string, dir = SCENARIOS_DIR): Scenario | null {
  if (!scenarioNames(dir).includes(name)) return null;
  return loadScenarioFile(join(dir, `${name}.yaml`));
}

export function loadScenarios(dir = SCENARIOS_DIR): Scenario[] {
  return scenarioNames(dir).map((name) => loadScenarioFile(join(dir, `${name}.yaml`)));
}

export function loadScenarioFile(file: string): Scenario {
  let data: unknown;
  try {
    data = parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ScenarioError(file, [err instanceof Error ? err.message : String(err)]);
  }
  return parseScenario(data, file);
}

// ───────────────────────────── checking ─────────────────────────────

type Obj = Record<string, unknown>;

interface Reader {
  problems: string[];
}

function isObj(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function problem(r: Reader, path: string, message: string): void {
  r.problems.push(`${path}: ${message}`);
}

function fields(r: Reader, value: unknown, path: string, allowed: readonly string[]): Obj | null {
  if (!isObj(value)) {
    problem(r, path, `expected a mapping, got ${JSON.stringify(value) ?? 'nothing'}`);
    return null;
  }
  for (const key of Object.keys(value)) if (!allowed.includes(key)) problem(r, `${path}.${key}`, `unknown key (expected one of ${allowed.join(', ')})`);
  return value;
}

function text(r: Reader, value: unknown, path: string, pattern?: RegExp): string | null {
  if (typeof value !== 'string' || value.trim() === '') {
    problem(r, path, `expected text, got ${JSON.stringify(value) ?? 'nothing'}`);
    return null;
  }
  if (pattern && !pattern.test(value)) {
    problem(r, path, `not a valid value: ${JSON.stringify(value)}`);
    return null;
  }
  return value;
}

function oneOf<T extends string>(r: Reader, value: unknown, path: string, choices: readonly T[]): T | null {
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  problem(r, path, `expected one of ${choices.join(', ')}, got ${JSON.stringify(value) ?? 'nothing'}`);
  return null;
}

function list(r: Reader, value: unknown, path: string): unknown[] {
  if (Array.isArray(value)) return value;
  problem(r, path, 'expected a list');
  return [];
}

function names(r: Reader, value: unknown, path: string, known: Set<string>): string[] {
  const out: string[] = [];
  list(r, value, path).forEach((item, i) => {
    const name = text(r, item, `${path}[${i}]`);
    if (name === null) return;
    if (!known.has(name)) problem(r, `${path}[${i}]`, `no site named ${JSON.stringify(name)}`);
    else out.push(name);
  });
  return out;
}

/** The zone of a host when the scenario does not say: its parent, unless the host is already a 2-label name. */
export function defaultZone(host: string): string {
  const labels = host.split('.');
  return labels.length > 2 ? labels.slice(1).join('.') : host;
}

export function parseScenario(data: unknown, file: string): Scenario {
  const r: Reader = { problems: [] };
  const top = fields(r, data, 'scenario', ['name', 'description', 'source', 'resolvers', 'dnsHosts', 'sites', 'faults', 'expect']);
  if (!top) throw new ScenarioError(file, r.problems);

  const name = text(r, top.name, 'name', NAME) ?? '';
  if (name && name !== basename(file, '.yaml')) problem(r, 'name', `must match the file name (${basename(file)})`);
  const description = text(r, top.description, 'description') ?? '';
  if (description.includes('\n')) problem(r, 'description', 'must be one line');
  const source = text(r, top.source, 'source') ?? '';

  const resolvers = list(r, top.resolvers, 'resolvers').flatMap((item, i) => readResolver(r, item, `resolvers[${i}]`));
  if (resolvers.length === 0) problem(r, 'resolvers', 'expected at least one resolver');
  const dnsHosts = readDnsHosts(r, top.dnsHosts);
  const sites = list(r, top.sites, 'sites').flatMap((item, i) => readSite(r, item, `sites[${i}]`, dnsHosts));
  if (sites.length === 0) problem(r, 'sites', 'expected at least one site');
  for (const [what, items] of [['resolver', resolvers], ['site', sites]] as const) {
    const seen = new Set<string>();
    for (const item of items) {
      if (seen.has(item.name)) problem(r, `${what}s`, `duplicate ${what} name ${JSON.stringify(item.name)}`);
      seen.add(item.name);
    }
  }
  const hosts = new Set<string>();
  for (const site of sites) {
    if (hosts.has(site.host)) problem(r, 'sites', `two sites share the host ${site.host}`);
    hosts.add(site.host);
  }

  const faults = readFaults(r, top.faults, { resolvers, dnsHosts, sites });
  const expect = readExpect(r, top.expect, new Set(sites.map((s) => s.name)));
  if (r.problems.length > 0) throw new ScenarioError(file, r.problems);
  return { name, description, source, file, resolvers, dnsHosts, sites, faults, expect };
}

function readResolver(r: Reader, item: unknown, path: string): ScenarioResolver[] {
  const f = fields(r, item, path, ['name', 'provider', 'doh']);
  if (!f) return [];
  const name = text(r, f.name, `${path}.name`, NAME);
  const provider = f.provider === undefined ? null : text(r, f.provider, `${path}.provider`);
  if (f.doh !== undefined && typeof f.doh !== 'boolean') problem(r, `${path}.doh`, 'expected true or false');
  return name ? [{ name, provider, doh: f.doh === true }] : [];
}

function readDnsHosts(r: Reader, value: unknown): ScenarioDnsHost[] {
  if (!isObj(value)) {
    problem(r, 'dnsHosts', 'expected a mapping of DNS host names to their name servers');
    return [];
  }
  return Object.entries(value).flatMap(([name, ns]) => {
    if (!NAME.test(name)) problem(r, `dnsHosts.${name}`, 'not a valid name');
    const servers = list(r, ns, `dnsHosts.${name}`).flatMap((s, i) => text(r, s, `dnsHosts.${name}[${i}]`, HOST) ?? []);
    if (servers.length === 0) problem(r, `dnsHosts.${name}`, 'expected at least one name server');
    return [{ name, ns: servers }];
  });
}

function readSite(r: Reader, item: unknown, path: string, dnsHosts: ScenarioDnsHost[]): ScenarioSite[] {
  const f = fields(r, item, path, ['name', 'host', 'zone', 'edge', 'dns', 'title', 'probeOrigin']);
  if (!f) return [];
  const name = text(r, f.name, `${path}.name`, NAME);
  const host = text(r, f.host, `${path}.host`, HOST);
  if (host && !host.endsWith('.test')) problem(r, `${path}.host`, 'lab sites live under .test (RFC 6761)');
  const zone = f.zone === undefined ? (host ? defaultZone(host) : null) : text(r, f.zone, `${path}.zone`, HOST);
  if (host && zone && host !== zone && !host.endsWith(`.${zone}`)) problem(r, `${path}.zone`, `${host} is not inside ${zone}`);
  const edgeIds = PERSONALITIES.map((p) => p.id);
  const edge = f.edge === 'none' ? null : oneOf(r, f.edge, `${path}.edge`, [...edgeIds, 'none']);
  const dns = text(r, f.dns, `${path}.dns`);
  if (dns && !dnsHosts.some((d) => d.name === dns)) problem(r, `${path}.dns`, `no DNS host named ${JSON.stringify(dns)} in dnsHosts`);
  const title = f.title === undefined ? name : text(r, f.title, `${path}.title`);
  if (f.probeOrigin !== undefined && typeof f.probeOrigin !== 'boolean') problem(r, `${path}.probeOrigin`, 'expected true or false');
  if (!name || !host || !zone || (f.edge !== 'none' && edge === null) || !dns || !title) return [];
  return [{ name, host, zone, edge, dns, title, probeOrigin: f.probeOrigin !== false }];
}

interface World {
  resolvers: ScenarioResolver[];
  dnsHosts: ScenarioDnsHost[];
  sites: ScenarioSite[];
}

function readFaults(r: Reader, value: unknown, world: World): ScenarioFaults {
  const faults: ScenarioFaults = { network: 'up', resolvers: {}, dnsHosts: {}, edges: {}, sites: {}, origins: {} };
  if (value === undefined || value === null) return faults;
  const f = fields(r, value, 'faults', ['network', 'resolvers', 'dnsHosts', 'edges', 'sites', 'origins']);
  if (!f) return faults;
  if (f.network !== undefined) faults.network = oneOf(r, f.network, 'faults.network', ['up', 'down'] as const) ?? 'up';

  const keyed = <T>(key: string, known: string[], read: (v: unknown, path: string) => T | null): Record<string, T> => {
    const out: Record<string, T> = {};
    const given = f[key];
    if (given === undefined) return out;
    if (!isObj(given)) {
      problem(r, `faults.${key}`, 'expected a mapping');
      return out;
    }
    for (const [name, v] of Object.entries(given)) {
      const path = `faults.${key}.${name}`;
      if (!known.includes(name)) problem(r, path, `not in the scenario (known: ${known.join(', ')})`);
      const fault = read(v, path);
      if (fault !== null) out[name] = fault;
    }
    return out;
  };

  faults.resolvers = keyed('resolvers', world.resolvers.map((x) => x.name), (v, p) => oneOf(r, v, p, RESOLVER_FAULTS));
  faults.dnsHosts = keyed('dnsHosts', world.dnsHosts.map((x) => x.name), (v, p) => oneOf(r, v, p, DNS_HOST_FAULTS));
  faults.origins = keyed('origins', world.sites.map((x) => x.name), (v, p) => oneOf(r, v, p, ORIGIN_FAULTS));
  const edgeProviders = [...new Set(world.sites.flatMap((s) => (s.edge ? [s.edge] : [])))];
  faults.edges = keyed('edges', edgeProviders, (v, p) => readEdgeFault(r, v, p, p.split('.').at(-1) ?? ''));
  faults.sites = keyed('sites', world.sites.filter((s) => s.edge !== null).map((s) => s.name), (v, p) => {
    const site = world.sites.find((s) => s.name === p.split('.').at(-1));
    const fault = readEdgeFault(r, v, p, site?.edge ?? '');
    // The edge addresses are shared by every site on the provider: refusing them is a provider-wide fault.
    if (fault?.fault === 'refuse') problem(r, p, 'refuse applies to a whole provider (faults.edges), not one site');
    return fault;
  });
  return faults;
}

function readEdgeFault(r: Reader, value: unknown, path: string, providerId: string): EdgeFault | null {
  const f = typeof value === 'string' ? { fault: value } : fields(r, value, path, ['fault', 'flapping', 'selfTest']);
  if (!f) return null;
  const fault = oneOf(r, f.fault, `${path}.fault`, EDGE_FAULTS);
  let flapping: Flapping | null = null;
  if (f.flapping !== undefined) {
    const fl = fields(r, f.flapping, `${path}.flapping`, ['periodMs', 'failFraction']);
    const periodMs = fl?.periodMs;
    const failFraction = fl?.failFraction;
    if (typeof periodMs !== 'number' || !Number.isInteger(periodMs) || periodMs < 100) problem(r, `${path}.flapping.periodMs`, 'expected an integer of at least 100');
    else if (typeof failFraction !== 'number' || !(failFraction > 0 && failFraction < 1)) problem(r, `${path}.flapping.failFraction`, 'expected a number between 0 and 1');
    else flapping = { periodMs, failFraction };
    if (fault === 'refuse') problem(r, `${path}.flapping`, 'a refusing edge is not started at all, so it cannot flap');
  }
  const selfTest = f.selfTest === undefined ? 'ok' : oneOf(r, f.selfTest, `${path}.selfTest`, ['ok', 'fail'] as const);
  if (fault === 'challenge-fail') {
    const p = PERSONALITIES.find((x) => x.id === providerId);
    if (p && !p.challengeFailure) problem(r, `${path}.fault`, `the lab has no challenge page for ${p.name}`);
  }
  return fault && selfTest ? { fault, flapping, selfTest } : null;
}

function readExpect(r: Reader, value: unknown, siteNames: Set<string>): ScenarioExpect {
  const fallback: ScenarioExpect = { verdict: 'ok', exitCode: 0, incidents: [], down: null, ok: null };
  const f = fields(r, value, 'expect', ['verdict', 'exitCode', 'incidents', 'down', 'ok']);
  if (!f) return fallback;
  const verdict = oneOf(r, f.verdict, 'expect.verdict', VERDICTS) ?? 'ok';
  const exitCode = f.exitCode;
  if (typeof exitCode !== 'number' || !Number.isInteger(exitCode) || exitCode < 0 || exitCode > 255) problem(r, 'expect.exitCode', 'expected an exit code');
  const incidents = list(r, f.incidents ?? [], 'expect.incidents').flatMap((item, i) => {
    const path = `expect.incidents[${i}]`;
    const inc = fields(r, item, path, ['provider', 'layer']);
    if (!inc) return [];
    const provider = inc.provider === null ? null : text(r, inc.provider, `${path}.provider`);
    const layer = oneOf(r, inc.layer, `${path}.layer`, LAYERS);
    return layer && (provider !== null || inc.provider === null) ? [{ provider, layer }] : [];
  });
  return {
    verdict,
    exitCode: typeof exitCode === 'number' ? exitCode : 0,
    incidents,
    down: f.down === undefined ? null : names(r, f.down, 'expect.down', siteNames),
    ok: f.ok === undefined ? null : names(r, f.ok, 'expect.ok', siteNames),
  };
}
