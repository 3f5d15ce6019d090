// Drill scenarios are data: a YAML file in scenarios/ names the lab's world (resolvers, authoritative DNS hosts,
// sites and who fronts them, which PoP each edge address is, the providers' status pages), what breaks in it
// (faults), the public source it replays, and what `check` must conclude (expect). Adding a scenario is adding
// a file; this module reads and checks one. A scenario with status pages is drilled as with --status-pages.

import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { packagePath } from '../package-root.js';
import { parse } from 'yaml';
import type { Layer, Verdict } from '../model.js';
import { PERSONALITIES, personality } from './personalities/index.js';
import type { StatusIndicator, StatusIncidentState, StatusPageIncident, StatusPageSpec } from './status-page.js';

/**
 * origin-unreachable: the edge answers its own "cannot reach the origin" page (Cloudflare 522, Fastly's backend
 * timeout, ...) while the origin itself serves anyone who reaches it directly: the path from the provider to the
 * origins is what failed.
 */
export type EdgeFaultKind = 'edge-5xx' | 'challenge-fail' | 'refuse' | 'hang' | 'origin-unreachable';
export type OriginFault = 'down' | 'timeout' | '5xx';
/**
 * validation-fails: the resolver's own DNSSEC validation rejects every answer (its clock is wrong, its trust anchor
 * stale): SERVFAIL with EDE 7 "Signature Expired" (RFC 8914 §4.8; 1.1.1.1 returns 7) for every name.
 */
export type ResolverFault = 'silent' | 'servfail' | 'validation-fails';
/**
 * servfail: every resolver answers SERVFAIL with EDE 22 naming the delegation (as 1.1.1.1 does), and still answers
 * NS from the parent's delegation; unreachable: SERVFAIL for every question about the zone, NS included, and no
 * EDE (as Unbound 1.17 answers when no authority replies).
 */
export type DnsHostFault = 'servfail' | 'unreachable';
/** blackhole: packets to the PoP's address are dropped (connections time out); refuse: nothing listens there. */
export type PopFault = 'blackhole' | 'refuse';
/**
 * empty: the name that should hold the site's addresses has none (NOERROR, no A/AAAA) from every resolver;
 * nxdomain: the site's host does not exist in its zone; dnssec-bogus: its zone's signatures do not validate, so
 * every (validating) resolver answers SERVFAIL with EDE 6 "DNSSEC Bogus" (RFC 8914 §4.7).
 */
export type RecordFault = 'empty' | 'nxdomain' | 'dnssec-bogus';
export type ZoneFault = DnsHostFault | 'dnssec-bogus';

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
  /**
   * Validates DNSSEC: the lab's zones count as signed, so it sets the AD bit (RFC 4035 §3.2.3) on every answer it
   * gives outside a bogus zone, as 1.1.1.1, 8.8.8.8 and 9.9.9.9 do for signed zones when asked with AD set.
   */
  validates: boolean;
  /**
   * Serves stale data (RFC 8767): where a zone's authority fails, it answers from its cache past the TTL, with EDE 3
   * "Stale Answer" (RFC 8914 §4.4; 1.1.1.1 sends 3), instead of SERVFAIL.
   */
  serveStale: boolean;
  /**
   * By provider id: the PoPs whose addresses this resolver answers (GeoDNS-like: where its clients would land);
   * providers not named here get every address.
   */
  pops: Record<string, string[]>;
}

export interface ScenarioDnsHost {
  name: string;
  /** The name servers zones on this host delegate to, e.g. ns1.p16.dynect.net. */
  ns: string[];
}

export interface ScenarioSite {
  name: string;
  /**
   * `endpoint`: a provider's own API (dynamodb.us-east-1.amazonaws.com) that sites depend on; `control-plane`:
   * its management API (api.cloudflare.com), written to probes.yaml with its provider.
   */
  kind: 'site' | 'endpoint' | 'control-plane';
  host: string;
  /** The zone the host belongs to (its apex). */
  zone: string;
  /** The provider id of its edge, or null for a site served straight from its origin. */
  edge: string | null;
  /**
   * By resolver name: another provider whose edge that resolver's answers lead to (multi-CDN by DNS steering:
   * each resolver's clients are sent to one CDN). Empty for most sites.
   */
  resolverEdges: Record<string, string>;
  /** Which authoritative DNS host serves its zone. */
  dns: string;
  title: string;
  /** Whether probes.yaml lists the origin, so `check` also fetches it directly. */
  probeOrigin: boolean;
  /** The cloud region it is hosted in, for a regional provider (us-east-1); null otherwise. */
  region: string | null;
  /** Its CNAME chain after the host, when the scenario gives one (else the provider's usual one). */
  cname: string[] | null;
  /**
   * The name of another site of the scenario its page redirects to (302 to that site's host: a login service, a
   * shared portal); null for a site that serves its own page.
   */
  redirectTo: string | null;
  /** Whether probes.yaml lists it: a host sites depend on (a redirect target) may be served by the lab unlisted. */
  listed: boolean;
  /**
   * The name of another site on the same per-site provider whose edge this one shares (its load balancer: the same
   * addresses and CNAME target): one customer's balancer serving several names, a SaaS's customers' own domains.
   * Null: an edge of its own.
   */
  sharesEdgeWith: string | null;
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
  /** By provider id, then PoP code: one location of the provider fails while the others serve. */
  pops: Record<string, Record<string, PopFault>>;
  /** By site name: what its DNS records hold instead of its addresses. */
  records: Record<string, RecordFault>;
  /**
   * By zone (a provider's edge-hostname zone such as akamaiedge.net, any zone on the world's CNAME chains, or a
   * site's zone and its parents): its authority fails, so every question at or below it, and every address question
   * whose chain passes through it; or (dnssec-bogus) its signatures fail validation, so every question at or below
   * it fails at every resolver (a TLD's key rollover gone wrong).
   */
  zones: Record<string, ZoneFault>;
}

export interface ExpectedIncident {
  /** Display name, as the provider catalog names it ("Cloudflare", "Amazon CloudFront", "Dyn"). */
  provider: string | null;
  layer: Layer;
  /** The rest is asserted only when given. */
  scope?: 'full' | 'partial' | 'all';
  /** Location codes (PoPs, regions) where the failures are placed, in any order. */
  locations?: string[];
  healthyLocations?: string[];
  /** true: the provider's status page acknowledges it; false: the page says all is well. */
  acknowledged?: boolean;
}

export interface ScenarioExpect {
  verdict: Verdict;
  exitCode: number;
  incidents: ExpectedIncident[];
  /** Exactly these sites are down (null: not asserted). */
  down: string[] | null;
  /** Exactly these sites are untested from here (null: not asserted). */
  untested: string[] | null;
  /** These sites are ok (null: not asserted). */
  ok: string[] | null;
  /** By site: the layer its failure is blamed on, and the provider named (null: none may be named). */
  blame: Record<string, { layer: Layer; provider: string | null }>;
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
  /** By provider id: the PoP code of each of its lab addresses, in order (absent: three, picked by the personality). */
  pops: Record<string, string[]>;
  /** By provider id: what its status page says during the drill. */
  statusPages: Record<string, StatusPageSpec>;
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
export const SCENARIOS_DIR = `${packagePath('src', 'lab', 'scenarios')}/`;

const VERDICTS: readonly Verdict[] = ['ok', 'site-failures', 'provider-incident', 'local-network'];
const LAYERS: readonly Layer[] = ['local', 'resolver', 'authoritative-dns', 'network', 'tls', 'edge', 'challenge', 'origin', 'control-plane', 'site'];
const EDGE_FAULTS: readonly EdgeFaultKind[] = ['edge-5xx', 'challenge-fail', 'refuse', 'hang', 'origin-unreachable'];
const ORIGIN_FAULTS: readonly OriginFault[] = ['down', 'timeout', '5xx'];
const RESOLVER_FAULTS: readonly ResolverFault[] = ['silent', 'servfail', 'validation-fails'];
const DNS_HOST_FAULTS: readonly DnsHostFault[] = ['servfail', 'unreachable'];
const POP_FAULTS: readonly PopFault[] = ['blackhole', 'refuse'];
const RECORD_FAULTS: readonly RecordFault[] = ['empty', 'nxdomain', 'dnssec-bogus'];
const ZONE_FAULTS: readonly ZoneFault[] = [...DNS_HOST_FAULTS, 'dnssec-bogus'];
const SCOPES = ['full', 'partial', 'all'] as const;
const INDICATORS: readonly StatusIndicator[] = ['none', 'minor', 'major', 'critical'];
const INCIDENT_STATES: readonly StatusIncidentState[] = ['investigating', 'identified', 'monitoring'];
/** Lab addresses per provider are 127.0.<net>.1-254; a PoP list names at most this many. */
const MAX_POPS = 9;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
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
  const top = fields(r, data, 'scenario', ['name', 'description', 'source', 'resolvers', 'dnsHosts', 'sites', 'pops', 'statusPages', 'faults', 'expect']);
  if (!top) throw new ScenarioError(file, r.problems);

  const name = text(r, top.name, 'name', NAME) ?? '';
  if (name && name !== basename(file, '.yaml')) problem(r, 'name', `must match the file name (${basename(file)})`);
  const description = text(r, top.description, 'description') ?? '';
  if (description.includes('\n')) problem(r, 'description', 'must be one line');
  const source = text(r, top.source, 'source') ?? '';

  const pops = readPops(r, top.pops);
  const resolvers = list(r, top.resolvers, 'resolvers').flatMap((item, i) => readResolver(r, item, `resolvers[${i}]`, pops));
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
  for (const site of sites) {
    if (site.redirectTo === null) continue;
    const target = sites.find((x) => x.name === site.redirectTo);
    if (!target) problem(r, `sites.${site.name}.redirectTo`, `no site named ${JSON.stringify(site.redirectTo)}`);
    else if (target === site || target.redirectTo !== null) problem(r, `sites.${site.name}.redirectTo`, 'a site redirects to another that serves its own page');
  }
  sites.forEach((site, i) => {
    if (site.sharesEdgeWith === null) return;
    const path = `sites.${site.name}.sharesEdgeWith`;
    const owner = sites.find((x) => x.name === site.sharesEdgeWith);
    if (!owner) problem(r, path, `no site named ${JSON.stringify(site.sharesEdgeWith)}`);
    else if (owner === site || owner.sharesEdgeWith !== null) problem(r, path, 'a site shares the edge of another that has its own');
    else if (owner.edge !== site.edge || owner.region !== site.region) problem(r, path, `${owner.name} is not on ${site.edge} in ${site.region ?? 'the same place'}`);
    else if (site.host === site.zone) problem(r, path, 'a zone apex cannot hold the CNAME to a shared load balancer');
    // The balancer's one name, as the owner's chain ends: both names lead to it.
    else sites[i] = { ...site, cname: site.cname ?? owner.cname ?? personality(owner.edge!)!.cnameChain(owner.host, owner.region) };
  });
  const fronting = new Set(sites.flatMap(siteEdges));
  for (const site of sites) {
    for (const resolver of Object.keys(site.resolverEdges)) if (!resolvers.some((x) => x.name === resolver)) problem(r, `sites.${site.name}.resolverEdges.${resolver}`, 'no resolver of that name');
  }
  for (const id of Object.keys(pops)) if (!fronting.has(id)) problem(r, `pops.${id}`, 'the provider fronts no site in the scenario');
  const statusPages = readStatusPages(r, top.statusPages, [...fronting]);

  const faults = readFaults(r, top.faults, { resolvers, dnsHosts, sites, pops });
  // What the run reports on is what probes.yaml lists.
  const expect = readExpect(r, top.expect, new Set(sites.filter((s) => s.listed).map((s) => s.name)), statusPages);
  if (r.problems.length > 0) throw new ScenarioError(file, r.problems);
  return { name, description, source, file, resolvers, dnsHosts, sites, pops, statusPages, faults, expect };
}

/** `pops: { cloudflare: [ATL, ZRH, SIN] }`: one lab address per PoP, in order. */
function readPops(r: Reader, value: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (value === undefined) return out;
  if (!isObj(value)) {
    problem(r, 'pops', 'expected a mapping of provider to its PoP codes, e.g. {cloudflare: [ATL, ZRH]}');
    return out;
  }
  for (const [id, codes] of Object.entries(value)) {
    const path = `pops.${id}`;
    const known = personality(id)?.pops;
    if (!known) {
      problem(r, path, `the lab cannot name PoPs for ${JSON.stringify(id)} (it can for ${PERSONALITIES.filter((p) => p.pops).map((p) => p.id).join(', ')})`);
      continue;
    }
    const given = list(r, codes, path).flatMap((c, i) => text(r, c, `${path}[${i}]`) ?? []);
    for (const code of given) if (!known.includes(code)) problem(r, path, `unknown PoP ${JSON.stringify(code)} (known: ${known.join(', ')})`);
    if (new Set(given).size !== given.length) problem(r, path, 'a PoP is listed twice');
    if (given.length === 0 || given.length > MAX_POPS) problem(r, path, `expected 1 to ${MAX_POPS} PoPs`);
    out[id] = given;
  }
  return out;
}

function readResolver(r: Reader, item: unknown, path: string, pops: Record<string, string[]>): ScenarioResolver[] {
  const f = fields(r, item, path, ['name', 'provider', 'doh', 'validates', 'serveStale', 'pops']);
  if (!f) return [];
  const name = text(r, f.name, `${path}.name`, NAME);
  const provider = f.provider === undefined ? null : text(r, f.provider, `${path}.provider`);
  if (f.doh !== undefined && typeof f.doh !== 'boolean') problem(r, `${path}.doh`, 'expected true or false');
  if (f.validates !== undefined && typeof f.validates !== 'boolean') problem(r, `${path}.validates`, 'expected true or false');
  if (f.serveStale !== undefined && typeof f.serveStale !== 'boolean') problem(r, `${path}.serveStale`, 'expected true or false');
  const sees: Record<string, string[]> = {};
  if (f.pops !== undefined) {
    if (!isObj(f.pops)) problem(r, `${path}.pops`, 'expected a mapping of provider to the PoPs this resolver answers');
    else {
      for (const [id, codes] of Object.entries(f.pops)) {
        const p = `${path}.pops.${id}`;
        const all = pops[id];
        if (!all) {
          problem(r, p, `give the provider's PoPs first (top-level pops.${id})`);
          continue;
        }
        const given = list(r, codes, p).flatMap((c, i) => text(r, c, `${p}[${i}]`) ?? []);
        for (const code of given) if (!all.includes(code)) problem(r, p, `${JSON.stringify(code)} is not one of pops.${id} (${all.join(', ')})`);
        if (given.length === 0) problem(r, p, 'expected at least one PoP');
        sees[id] = given;
      }
    }
  }
  return name ? [{ name, provider, doh: f.doh === true, validates: f.validates === true, serveStale: f.serveStale === true, pops: sees }] : [];
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

/** The names a zone fault may name: every parent (two labels or more) of a name on some site's CNAME chain. */
export function chainZones(sites: ScenarioSite[]): string[] {
  const zones = new Set<string>();
  for (const site of sites) {
    const chain = site.cname ?? (site.edge && site.kind === 'site' && site.host !== site.zone ? personality(site.edge)!.cnameChain(site.host, site.region) : []);
    for (const name of chain) {
      const labels = name.split('.');
      for (let i = 0; i < labels.length - 1; i += 1) zones.add(labels.slice(i).join('.'));
    }
  }
  return [...zones].sort();
}

/** Every site's zone and its parents of two labels or more (acme.ru.test, ru.test). */
function siteZoneParents(sites: ScenarioSite[]): string[] {
  return sites.flatMap((site) => {
    const labels = site.zone.split('.');
    return labels.slice(0, -1).map((_, i) => labels.slice(i).join('.'));
  });
}

function under(host: string, domain: string): boolean {
  return host.endsWith(`.${domain}`);
}

/** Every provider whose edge serves the site: its own, and those some resolvers steer to. */
export function siteEdges(site: Pick<ScenarioSite, 'edge' | 'resolverEdges'>): string[] {
  return site.edge ? [...new Set([site.edge, ...Object.values(site.resolverEdges)])] : [];
}

/** The provider whose edge `resolverName`'s answers lead to (null resolver: the site's own). */
export function siteEdgeFor(site: Pick<ScenarioSite, 'edge' | 'resolverEdges'>, resolverName: string | null): string | null {
  return (resolverName !== null ? site.resolverEdges[resolverName] : undefined) ?? site.edge;
}

function readSite(r: Reader, item: unknown, path: string, dnsHosts: ScenarioDnsHost[]): ScenarioSite[] {
  const f = fields(r, item, path, ['name', 'kind', 'host', 'zone', 'edge', 'region', 'dns', 'title', 'probeOrigin', 'cname', 'resolverEdges', 'redirectTo', 'listed', 'sharesEdgeWith']);
  if (!f) return [];
  const name = text(r, f.name, `${path}.name`, NAME);
  const kind = f.kind === undefined ? 'site' : oneOf(r, f.kind, `${path}.kind`, ['site', 'endpoint', 'control-plane'] as const);
  const host = text(r, f.host, `${path}.host`, HOST);
  const edgeIds = PERSONALITIES.map((p) => p.id);
  const edge = f.edge === 'none' ? null : oneOf(r, f.edge, `${path}.edge`, [...edgeIds, 'none']);
  const provider = edge ? personality(edge) : null;
  if (host && kind !== 'site') {
    // A provider's own API keeps its real name (the attribution reads the region and the provider from it);
    // only the lab's resolvers ever answer for it, so nothing leaves loopback.
    const domains = provider?.apiDomains ?? [];
    if (!provider) problem(r, `${path}.edge`, 'an endpoint is served by a provider (its edge)');
    else if (!domains.some((d) => under(host, d))) problem(r, `${path}.host`, `an endpoint of ${provider.name} lives under ${domains.join(', ') || '(none: the lab has no API domain for it)'}`);
  } else if (host && !host.endsWith('.test')) problem(r, `${path}.host`, 'lab sites live under .test (RFC 6761)');
  const zone = f.zone === undefined ? (host ? defaultZone(host) : null) : text(r, f.zone, `${path}.zone`, HOST);
  if (host && zone && host !== zone && !host.endsWith(`.${zone}`)) problem(r, `${path}.zone`, `${host} is not inside ${zone}`);
  let region: string | null = null;
  if (f.region !== undefined) {
    region = text(r, f.region, `${path}.region`, REGION);
    if (provider && !provider.regional) problem(r, `${path}.region`, `${provider.name} is not regional in the lab`);
  } else if (provider?.regional) problem(r, `${path}.region`, `a site on ${provider.name} names its region, e.g. us-east-1`);
  const dns = text(r, f.dns, `${path}.dns`);
  if (dns && !dnsHosts.some((d) => d.name === dns)) problem(r, `${path}.dns`, `no DNS host named ${JSON.stringify(dns)} in dnsHosts`);
  const title = f.title === undefined ? name : text(r, f.title, `${path}.title`);
  if (f.probeOrigin !== undefined && typeof f.probeOrigin !== 'boolean') problem(r, `${path}.probeOrigin`, 'expected true or false');
  let cname: string[] | null = null;
  if (f.cname !== undefined) {
    if (!Array.isArray(f.cname) || f.cname.length === 0) problem(r, `${path}.cname`, 'expected a list of host names, e.g. [www.example.test.edgesuite.net, a1.g.akamai.net]');
    else cname = f.cname.map((c, i) => text(r, c, `${path}.cname[${i}]`, HOST) ?? '');
    if (edge === null || kind !== 'site' || host === zone) problem(r, `${path}.cname`, 'a CNAME chain belongs to a site behind an edge, on a name below its zone apex');
  }
  const resolverEdges: Record<string, string> = {};
  if (f.resolverEdges !== undefined) {
    if (!f.resolverEdges || typeof f.resolverEdges !== 'object' || Array.isArray(f.resolverEdges)) problem(r, `${path}.resolverEdges`, 'expected a mapping of resolver name to provider, e.g. {google: fastly}');
    else {
      for (const [resolver, other] of Object.entries(f.resolverEdges as Record<string, unknown>)) {
        const id = oneOf(r, other, `${path}.resolverEdges.${resolver}`, edgeIds);
        if (id && personality(id)!.addressing === 'per-site') problem(r, `${path}.resolverEdges.${resolver}`, `${personality(id)!.name} gives each site its own addresses in the lab; steer to a shared edge`);
        else if (id) resolverEdges[resolver] = id;
      }
      if (edge === null || kind !== 'site') problem(r, `${path}.resolverEdges`, 'per-resolver edges belong to a site behind an edge');
    }
  }
  const redirectTo = f.redirectTo === undefined ? null : text(r, f.redirectTo, `${path}.redirectTo`, NAME);
  if (redirectTo !== null && kind !== 'site') problem(r, `${path}.redirectTo`, 'only a site redirects to another');
  if (f.listed !== undefined && typeof f.listed !== 'boolean') problem(r, `${path}.listed`, 'expected true or false');
  const sharesEdgeWith = f.sharesEdgeWith === undefined ? null : text(r, f.sharesEdgeWith, `${path}.sharesEdgeWith`, NAME);
  if (sharesEdgeWith !== null && (kind !== 'site' || provider?.addressing !== 'per-site')) problem(r, `${path}.sharesEdgeWith`, "only a site on a provider that gives each site its own addresses (a load balancer) shares another's");
  if (!name || !kind || !host || !zone || (f.edge !== 'none' && edge === null) || !dns || !title) return [];
  // An endpoint has no origin of its own to list: it is the provider's service.
  const probeOrigin = kind === 'site' && f.probeOrigin !== false;
  return [{ name, kind, host, zone, edge, resolverEdges, dns, title, probeOrigin, region, cname, redirectTo, listed: f.listed !== false, sharesEdgeWith }];
}

interface World {
  resolvers: ScenarioResolver[];
  dnsHosts: ScenarioDnsHost[];
  sites: ScenarioSite[];
  pops: Record<string, string[]>;
}

function readFaults(r: Reader, value: unknown, world: World): ScenarioFaults {
  const faults: ScenarioFaults = { network: 'up', resolvers: {}, dnsHosts: {}, edges: {}, sites: {}, origins: {}, pops: {}, records: {}, zones: {} };
  if (value === undefined || value === null) return faults;
  const f = fields(r, value, 'faults', ['network', 'resolvers', 'dnsHosts', 'edges', 'sites', 'origins', 'pops', 'records', 'zones']);
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
  faults.records = keyed('records', world.sites.map((x) => x.name), (v, p) => oneOf(r, v, p, RECORD_FAULTS));
  faults.zones = keyed('zones', [...new Set([...chainZones(world.sites), ...siteZoneParents(world.sites)])].sort(), (v, p) => oneOf(r, v, p, ZONE_FAULTS));
  const edgeProviders = [...new Set(world.sites.flatMap(siteEdges))];
  faults.edges = keyed('edges', edgeProviders, (v, p) => readEdgeFault(r, v, p, p.split('.').at(-1) ?? ''));
  faults.sites = keyed('sites', world.sites.filter((s) => s.edge !== null).map((s) => s.name), (v, p) => {
    const site = world.sites.find((s) => s.name === p.split('.').at(-1));
    const fault = readEdgeFault(r, v, p, site?.edge ?? '');
    // A shared provider's addresses serve every site on it: refusing them is a provider-wide fault.
    if (fault?.fault === 'refuse') problem(r, p, 'refuse applies to a whole provider (faults.edges), not one site');
    return fault;
  });
  faults.pops = keyed('pops', Object.keys(world.pops), (v, p) => {
    const codes = world.pops[p.split('.').at(-1) ?? ''] ?? [];
    if (!isObj(v)) {
      problem(r, p, 'expected a mapping of PoP code to its fault, e.g. {ATL: blackhole}');
      return null;
    }
    const out: Record<string, PopFault> = {};
    for (const [code, fault] of Object.entries(v)) {
      if (!codes.includes(code)) problem(r, `${p}.${code}`, `not one of the provider's PoPs (${codes.join(', ')})`);
      const kind = oneOf(r, fault, `${p}.${code}`, POP_FAULTS);
      if (kind) out[code] = kind;
    }
    return out;
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

/** `statusPages: { cloudflare: { indicator: minor, incidents: [...] } }`: what each provider's page says. */
function readStatusPages(r: Reader, value: unknown, fronting: string[]): Record<string, StatusPageSpec> {
  const out: Record<string, StatusPageSpec> = {};
  if (value === undefined) return out;
  if (!isObj(value)) {
    problem(r, 'statusPages', 'expected a mapping of provider to what its status page says');
    return out;
  }
  for (const [id, page] of Object.entries(value)) {
    const path = `statusPages.${id}`;
    if (!fronting.includes(id)) problem(r, path, `not a provider of the scenario's sites (known: ${fronting.join(', ')})`);
    const f = fields(r, page, path, ['indicator', 'incidents']);
    if (!f) continue;
    const indicator = oneOf(r, f.indicator, `${path}.indicator`, INDICATORS);
    const incidents = list(r, f.incidents ?? [], `${path}.incidents`).flatMap((item, i) => readStatusIncident(r, item, `${path}.incidents[${i}]`));
    if (indicator === 'none' && incidents.length > 0) problem(r, `${path}.indicator`, 'a page with incidents going on is not "none"');
    if (indicator) out[id] = { indicator, incidents };
  }
  return out;
}

function readStatusIncident(r: Reader, item: unknown, path: string): StatusPageIncident[] {
  const f = fields(r, item, path, ['name', 'impact', 'status', 'update', 'components', 'startedMinutesAgo']);
  if (!f) return [];
  const name = text(r, f.name, `${path}.name`);
  const impact = f.impact === undefined ? 'minor' : oneOf(r, f.impact, `${path}.impact`, INDICATORS);
  const status = f.status === undefined ? 'investigating' : oneOf(r, f.status, `${path}.status`, INCIDENT_STATES);
  const update = f.update === undefined ? 'We are investigating this issue.' : text(r, f.update, `${path}.update`);
  const components = list(r, f.components ?? [], `${path}.components`).flatMap((c, i) => text(r, c, `${path}.components[${i}]`) ?? []);
  const minutes = f.startedMinutesAgo ?? 5;
  if (typeof minutes !== 'number' || !(minutes >= 0)) problem(r, `${path}.startedMinutesAgo`, 'expected a number of minutes');
  if (!name || !impact || !status || !update) return [];
  return [{ name, impact, status, update, components, startedMinutesAgo: typeof minutes === 'number' ? minutes : 5 }];
}

function codes(r: Reader, value: unknown, path: string): string[] | undefined {
  if (value === undefined) return undefined;
  return list(r, value, path).flatMap((c, i) => text(r, c, `${path}[${i}]`) ?? []);
}

/** `site: layer` (no provider may be named) or `site: layer/Provider`. */
function readBlame(r: Reader, value: unknown, siteNames: Set<string>): ScenarioExpect['blame'] {
  const out: ScenarioExpect['blame'] = {};
  if (value === undefined) return out;
  if (!isObj(value)) {
    problem(r, 'expect.blame', 'expected a mapping of site name to layer or layer/Provider');
    return out;
  }
  for (const [site, v] of Object.entries(value)) {
    const path = `expect.blame.${site}`;
    if (!siteNames.has(site)) problem(r, path, 'not a site of the scenario');
    if (typeof v !== 'string') {
      problem(r, path, 'expected layer or layer/Provider, e.g. authoritative-dns/Akamai');
      continue;
    }
    const [layerText, ...rest] = v.split('/');
    const layer = oneOf(r, layerText, path, LAYERS);
    if (layer) out[site] = { layer, provider: rest.length > 0 ? rest.join('/') : null };
  }
  return out;
}

function readExpect(r: Reader, value: unknown, siteNames: Set<string>, statusPages: Record<string, StatusPageSpec>): ScenarioExpect {
  const fallback: ScenarioExpect = { verdict: 'ok', exitCode: 0, incidents: [], down: null, untested: null, ok: null, blame: {} };
  const f = fields(r, value, 'expect', ['verdict', 'exitCode', 'incidents', 'down', 'untested', 'ok', 'blame']);
  if (!f) return fallback;
  const verdict = oneOf(r, f.verdict, 'expect.verdict', VERDICTS) ?? 'ok';
  const exitCode = f.exitCode;
  if (typeof exitCode !== 'number' || !Number.isInteger(exitCode) || exitCode < 0 || exitCode > 255) problem(r, 'expect.exitCode', 'expected an exit code');
  const incidents: ExpectedIncident[] = [];
  list(r, f.incidents ?? [], 'expect.incidents').forEach((item, i) => {
    const path = `expect.incidents[${i}]`;
    const inc = fields(r, item, path, ['provider', 'layer', 'scope', 'locations', 'healthyLocations', 'acknowledged']);
    if (!inc) return;
    const provider = inc.provider === null ? null : text(r, inc.provider, `${path}.provider`);
    const layer = oneOf(r, inc.layer, `${path}.layer`, LAYERS);
    if (!layer || (provider === null && inc.provider !== null)) return;
    const expected: ExpectedIncident = { provider, layer };
    if (inc.scope !== undefined) {
      const scope = oneOf(r, inc.scope, `${path}.scope`, SCOPES);
      if (scope) expected.scope = scope;
    }
    const locations = codes(r, inc.locations, `${path}.locations`);
    if (locations) expected.locations = locations;
    const healthy = codes(r, inc.healthyLocations, `${path}.healthyLocations`);
    if (healthy) expected.healthyLocations = healthy;
    if (inc.acknowledged !== undefined) {
      if (typeof inc.acknowledged !== 'boolean') problem(r, `${path}.acknowledged`, 'expected true or false');
      else {
        const page = PERSONALITIES.find((p) => p.name === provider && statusPages[p.id]);
        if (!page) problem(r, `${path}.acknowledged`, `needs a status page for ${provider ?? 'the provider'} (statusPages)`);
        expected.acknowledged = inc.acknowledged;
      }
    }
    incidents.push(expected);
  });
  return {
    verdict,
    exitCode: typeof exitCode === 'number' ? exitCode : 0,
    incidents,
    down: f.down === undefined ? null : names(r, f.down, 'expect.down', siteNames),
    untested: f.untested === undefined ? null : names(r, f.untested, 'expect.untested', siteNames),
    ok: f.ok === undefined ? null : names(r, f.ok, 'expect.ok', siteNames),
    blame: readBlame(r, f.blame, siteNames),
  };
}
