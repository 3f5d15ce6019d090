// A simulated internet on loopback, built from a scenario: recursive resolvers (lab DNS servers that know every
// record, so they "recurse" by knowing everything), the authoritative DNS hosts' failures as per-zone faults,
// provider edges that answer with the providers' real headers and pages, real origins, and a CA for HTTPS.
// It writes the probes.yaml that points `check` at all of it.
//
// Addresses: resolvers 127.0.53.<n>; each provider's edges 127.0.<10+i>.1-3 (i = its place in PERSONALITIES),
// one per PoP when the scenario names them, or two per site for a provider that gives each customer its own
// (a cloud load balancer); origins 127.0.20.<n>; status pages 127.0.30.<n>. Every server listens on ONE shared
// port, so site URLs are https://<host>:<port>/ and origins are reached on the same port. Nothing is ever
// bound to 127.0.0.1 (client sockets' source address).

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBlackhole } from './blackhole.js';
import { createCa, type TestCa } from './ca.js';
import { startDnsServer, zoneOf, type DnsFault, type DnsZoneData } from './dns-server.js';
import { startHttpServer, type HttpBehaviour, type HttpRequestInfo } from './http-server.js';
import { PERSONALITIES, personality, type EdgePersonality, type EdgeRequest, type LabResponse } from './personalities/index.js';
import { originPage, originRedirect, originServerError } from './personalities/origin.js';
import { siteEdgeFor, siteEdges as siteEdgesOf, type DnsHostFault, type EdgeFault, type Flapping, type Scenario, type ScenarioSite } from './scenario.js';
import { statusPageAnswer } from './status-page.js';
import { freePort } from './ports.js';

export interface WorldOptions {
  /** Where probes.yaml and ca.pem go; a fresh temporary directory (removed on close) when absent. */
  dir?: string;
  /** The one port every lab server listens on; any free port when absent. */
  port?: number;
}

export interface World {
  scenario: Scenario;
  dir: string;
  configPath: string;
  caPath: string;
  configText: string;
  /** The shared port of every lab server. */
  port: number;
  /** Every loopback address in the lab's plan, started or deliberately left dark. */
  addresses: string[];
  /** Things a person should know, e.g. that the port moved because the first pick was taken. */
  notices: string[];
  close(): Promise<void>;
}

/** The lab could not start (a port or address in use, or unavailable); nothing is left running. */
export class LabStartError extends Error {
  override name = 'LabStartError';
}

const EDGES_PER_PROVIDER = 3;
/** A load balancer spans at least two availability zones: one address in each. */
const EDGES_PER_SITE = 2;
const MAX_PORT_TRIES = 5;

// ───────────────────────────── the plan (pure) ─────────────────────────────

export interface LabAddresses {
  /** Resolver name → address. */
  resolvers: Map<string, string>;
  /** Provider id → its edge addresses (only providers that front a site). */
  edges: Map<string, string[]>;
  /** Site name → the edge addresses that serve it (its provider's, or its own on a per-site provider). */
  siteEdges: Map<string, string[]>;
  /** Edge address → the PoP code the scenario names for it (only where it names them). */
  pops: Map<string, string>;
  /** Site name → its origin's address. */
  origins: Map<string, string>;
  /** Provider id → the address of its status page. */
  statusPages: Map<string, string>;
}

export function edgeNetwork(providerId: string): string {
  const index = PERSONALITIES.findIndex((p) => p.id === providerId);
  if (index < 0) throw new Error(`no lab personality for ${providerId}`);
  return `127.0.${10 + index}`;
}

export function labAddresses(scenario: Scenario): LabAddresses {
  const resolvers = new Map(scenario.resolvers.map((r, i) => [r.name, `127.0.53.${i + 1}`] as const));
  const edges = new Map<string, string[]>();
  const siteEdges = new Map<string, string[]>();
  const pops = new Map<string, string>();
  for (const site of scenario.sites) {
    if (!site.edge || site.sharesEdgeWith !== null) continue; // a shared edge gets its owner's addresses, below
    const prefix = edgeNetwork(site.edge);
    if (personality(site.edge)!.addressing === 'per-site') {
      const mine = Array.from({ length: EDGES_PER_SITE }, (_, i) => `${prefix}.${(edges.get(site.edge!)?.length ?? 0) + i + 1}`);
      edges.set(site.edge, [...(edges.get(site.edge) ?? []), ...mine]);
      siteEdges.set(site.name, mine);
    }
    for (const provider of siteEdgesOf(site)) {
      if (edges.has(provider) || personality(provider)!.addressing === 'per-site') continue;
      const named = scenario.pops[provider];
      const shared = Array.from({ length: named?.length ?? EDGES_PER_PROVIDER }, (_, i) => `${edgeNetwork(provider)}.${i + 1}`);
      edges.set(provider, shared);
      named?.forEach((code, i) => pops.set(shared[i]!, code));
    }
    if (!siteEdges.has(site.name)) siteEdges.set(site.name, edges.get(site.edge)!);
  }
  for (const site of scenario.sites) if (site.sharesEdgeWith !== null) siteEdges.set(site.name, siteEdges.get(site.sharesEdgeWith)!);
  const origins = new Map(scenario.sites.map((s, i) => [s.name, `127.0.20.${i + 1}`] as const));
  const statusPages = new Map(Object.keys(scenario.statusPages).map((id, i) => [id, `127.0.30.${i + 1}`] as const));
  return { resolvers, edges, siteEdges, pops, origins, statusPages };
}

/**
 * The addresses one resolver answers for a site: all of them, unless the scenario has the resolver see only
 * some of the provider's PoPs (GeoDNS-like: each resolver's clients land somewhere else).
 */
export function answeredAddresses(scenario: Scenario, addresses: LabAddresses, site: ScenarioSite, resolverName: string | null): string[] {
  const edge = siteEdgeFor(site, resolverName);
  const all = edge !== site.edge && edge !== null ? (addresses.edges.get(edge) ?? []) : (addresses.siteEdges.get(site.name) ?? []);
  const seen = edge && resolverName ? scenario.resolvers.find((r) => r.name === resolverName)?.pops[edge] : undefined;
  return seen ? all.filter((a) => seen.includes(addresses.pops.get(a) ?? '')) : all;
}

/**
 * Every record of the lab, in the providers' real naming: a zone's NS names its DNS host
 * (kate.ns.cloudflare.com, ns1.p16.dynect.net …), a fronted host CNAMEs along its provider's chain
 * (shop.acme.test → shop.acme.test.cdn.cloudflare.net → A; api.shop.test → api-shop-….us-east-1.elb.amazonaws.com
 * → A), an apex host and a provider's own endpoint hold the edge addresses themselves, and a site without a
 * provider points straight at its origin. As `resolverName` answers them (null: every address).
 * A site with an `empty` record fault keeps its chain, and its last name holds no address.
 */
export function labDnsData(scenario: Scenario, addresses: LabAddresses, resolverName: string | null = null): DnsZoneData {
  const records: DnsZoneData['records'] = {};
  const zones = new Set<string>();
  for (const site of scenario.sites) {
    zones.add(site.zone);
    const ns = scenario.dnsHosts.find((d) => d.name === site.dns)?.ns ?? [];
    records[site.zone] = { ...records[site.zone], NS: ns };
  }
  for (const p of PERSONALITIES) if (addresses.edges.has(p.id)) p.zones.forEach((z) => zones.add(z));

  for (const site of scenario.sites) {
    const target = site.edge ? answeredAddresses(scenario, addresses, site, resolverName) : [addresses.origins.get(site.name)!];
    const edge = siteEdgeFor(site, resolverName);
    const chained = edge !== null && site.kind === 'site' && site.host !== site.zone;
    const chain = !chained ? [] : edge === site.edge ? (site.cname ?? personality(edge)!.cnameChain(site.host, site.region)) : personality(edge)!.cnameChain(site.host, site.region);
    const names = [site.host, ...chain];
    names.slice(0, -1).forEach((name, i) => (records[name] = { ...records[name], CNAME: names[i + 1]! }));
    const last = names.at(-1)!;
    records[last] = scenario.faults.records[site.name] === 'empty' ? { ...records[last] } : { ...records[last], A: target };
    if (scenario.faults.records[site.name] === 'nxdomain' && site.host !== site.zone) delete records[site.host];
  }
  return { records, zones: [...zones] };
}

/** Zones whose authority is failing in this scenario, with how: the failing DNS hosts' zones and the zone faults. */
export function failingZones(scenario: Scenario): Map<string, DnsHostFault> {
  const zones = new Map<string, DnsHostFault>();
  for (const s of scenario.sites) {
    const fault = scenario.faults.dnsHosts[s.dns];
    if (fault) zones.set(s.zone, fault);
  }
  for (const [zone, fault] of Object.entries(scenario.faults.zones)) if (fault !== 'dnssec-bogus') zones.set(zone, fault);
  return zones;
}

export interface ResolverBehaviour {
  /** `checkingDisabled` (CD): the data is asked for even when it fails validation; a validation failure does not apply. */
  fault: (name: string, type: string, checkingDisabled?: boolean) => DnsFault | null;
  ede: (name: string, type: string, checkingDisabled?: boolean) => { code: number; text: string } | null;
  /** Whether its answer carries the AD bit: a validating resolver vouching for it. */
  authenticated: (name: string, type: string) => boolean;
}

/** The names an address question for `name` passes through in the lab's data: the name, then its CNAME chain. */
function chainThrough(name: string, data: DnsZoneData | null): string[] {
  const names = [name];
  for (let current = data?.records[name]?.CNAME; current && !names.includes(current) && names.length < 16; current = data?.records[current]?.CNAME) names.push(current);
  return names;
}

/**
 * How one resolver misbehaves. A resolver-wide fault applies to everything. A failing zone makes every resolver
 * answer SERVFAIL for the questions that need its authority: those about names at or below it, and address
 * questions whose CNAME chain (in `data`) passes through it. A `servfail` zone still gets NS answered from the
 * parent's delegation, with EDE 22 naming the delegation (as 1.1.1.1 does); an `unreachable` one fails NS too and
 * sends no EDE (as Unbound 1.17 does). A resolver that serves stale data answers those questions from its cache
 * instead, marked with EDE 3.
 */
export function resolverBehaviour(scenario: Scenario, resolverName: string, data: DnsZoneData | null = null): ResolverBehaviour {
  const fault = scenario.faults.resolvers[resolverName] ?? null;
  const own = (cd: boolean) => (fault === 'validation-fails' ? (cd ? null : 'servfail') : fault);
  const spec = scenario.resolvers.find((r) => r.name === resolverName);
  const validates = spec?.validates === true;
  const serveStale = spec?.serveStale === true;
  const zones = failingZones(scenario);
  const bogus = [
    ...scenario.sites.filter((s) => scenario.faults.records[s.name] === 'dnssec-bogus').map((s) => s.zone),
    ...Object.entries(scenario.faults.zones).flatMap(([zone, f]) => (f === 'dnssec-bogus' ? [zone] : [])),
  ];
  const zoneList = [...zones.keys()];
  const failingZone = (name: string, type: string): string | null => {
    const names = type === 'A' || type === 'AAAA' ? chainThrough(name, data) : [name];
    for (const n of names) {
      const zone = zoneOf(n, zoneList);
      if (zone === null) continue;
      if (type === 'NS' && n === name && zones.get(zone) === 'servfail') return null;
      return zone;
    }
    return null;
  };
  const bogusZone = (name: string): string | null => zoneOf(name, bogus);
  return {
    fault: (name, type, cd = false) => own(cd) ?? ((failingZone(name, type) !== null && !serveStale) || (!cd && bogusZone(name) !== null) ? 'servfail' : null),
    ede: (name, type, cd = false) => {
      if (fault === 'validation-fails' && !cd) return { code: 7, text: 'Signature Expired' };
      if (own(cd)) return null;
      if (!cd && bogusZone(name) !== null) return { code: 6, text: 'DNSSEC Bogus' };
      const zone = failingZone(name, type);
      // The cached answer past its TTL: the data as before, marked stale (RFC 8767 §4, RFC 8914 §4.4).
      if (zone !== null && serveStale) return { code: 3, text: 'Stale Answer' };
      return zone !== null && zones.get(zone) === 'servfail' ? { code: 22, text: `at delegation ${zone}.` } : null;
    },
    authenticated: (name) => validates && own(false) === null && bogusZone(name) === null,
  };
}

function yamlString(value: string): string {
  return JSON.stringify(value);
}

/** The probes.yaml a user would write for this lab. */
export function labConfigText(scenario: Scenario, addresses: LabAddresses, port: number): string {
  const resolverLines = scenario.resolvers.map((r) => {
    const address = addresses.resolvers.get(r.name)!;
    const target = r.doh ? `doh: ${yamlString(`https://${address}:${port}/dns-query`)}` : `address: ${yamlString(`${address}:${port}`)}`;
    return `  - { name: ${r.name}, ${target}${r.provider ? `, provider: ${yamlString(r.provider)}` : ''} }`;
  });
  const providerLines = [...addresses.edges.keys()].map((id) => `  - { extends: ${id}, ranges: [${yamlString(`${edgeNetwork(id)}.0/24`)}] }`);
  const siteLines = scenario.sites.filter((s) => s.listed).map((s) => {
    const origin = s.probeOrigin ? `, origin: ${yamlString(`${addresses.origins.get(s.name)!}:${port}`)}` : '';
    const kind = s.kind === 'endpoint' ? ', kind: endpoint' : s.kind === 'control-plane' ? `, kind: control-plane, provider: ${s.edge}` : '';
    return `  - { name: ${s.name}, url: ${yamlString(`https://${s.host}:${port}/`)}${kind}${origin} }`;
  });
  const statusPageLines = [...addresses.statusPages].map(([id, address]) => `  ${id}: ${yamlString(statusPageUrl(address, port))}`);
  const statusPages =
    statusPageLines.length > 0
      ? `\n# The providers' status pages, served by the lab (read by check --status-pages).\nstatusPages:\n${statusPageLines.join('\n')}\n`
      : '';
  return `# outage-probe drill lab: ${scenario.name}
# ${scenario.description}
# Replays: ${scenario.source}
# Every address below is on this machine's loopback; the lab's certificates are signed by ./ca.pem.

resolvers:
${resolverLines.join('\n')}

defaults:
  timeout: 2s
  deadline: 15s
  concurrency: 32
  paths: [edge, origin]

tls: { ca: ./ca.pem }

# The built-in providers, extended with the lab's loopback edge ranges.
providers:
${providerLines.length > 0 ? providerLines.join('\n') : '  []'}

sites:
${siteLines.join('\n')}
${statusPages}`.replace('providers:\n  []', 'providers: []');
}

/** Where the lab serves a provider's Statuspage summary. */
export function statusPageUrl(address: string, port: number): string {
  return `https://${address}:${port}/api/v2/summary.json`;
}

// ───────────────────────────── edges and origins ─────────────────────────────

/** Is a (possibly flapping) fault in its failing phase? The clock starts at the first request the lab sees. */
export function failingNow(flapping: Flapping | null, sinceFirstRequestMs: number): boolean {
  if (!flapping) return true;
  const phase = (sinceFirstRequestMs % flapping.periodMs) / flapping.periodMs;
  return phase < flapping.failFraction;
}

function hostOnly(hostHeader: string): string {
  const host = hostHeader.startsWith('[') ? hostHeader.slice(0, hostHeader.indexOf(']') + 1) : hostHeader.replace(/:\d+$/, '');
  return host.toLowerCase().replace(/\.$/, '');
}

function respond(response: LabResponse): HttpBehaviour {
  return { kind: 'respond', status: response.status, headers: response.headers, body: response.body };
}

export interface EdgeState {
  scenario: Scenario;
  sitesByHost: Map<string, ScenarioSite>;
  clock: { firstRequestAt: number | null };
}

function sinceFirstRequest(state: EdgeState): number {
  const now = performance.now();
  state.clock.firstRequestAt ??= now;
  return now - state.clock.firstRequestAt;
}

/** The port a request came in on, from its Host header ("" for the scheme's default): a redirect keeps it. */
function portOf(hostHeader: string): string {
  return /:(\d+)$/.exec(hostHeader)?.[1] ?? '';
}

/** The site's page as its origin would serve it now (for an edge that relays it), or its redirect to another site. */
function originAnswer(scenario: Scenario, site: ScenarioSite, now: Date, port: string): LabResponse | 'refused' | 'timeout' {
  switch (scenario.faults.origins[site.name]) {
    case 'down':
      return 'refused';
    case 'timeout':
      return 'timeout';
    case '5xx':
      return originServerError(now);
  }
  const target = site.redirectTo === null ? null : scenario.sites.find((s) => s.name === site.redirectTo);
  if (target) return originRedirect(`https://${target.host}${port ? `:${port}` : ''}/login?next=${encodeURIComponent(`https://${site.host}/`)}`, now);
  return originPage(site.host, site.title, now);
}

/** One edge address: its place among the provider's (or its site's) addresses, its PoP, the sites it serves. */
export interface EdgeSpot {
  index: number;
  /** The PoP the scenario names for it; null: the personality picks one by index. */
  pop: string | null;
  /** Names of the sites it serves; null: every site on the provider (shared addresses). */
  sites: ReadonlySet<string> | null;
}

/** What one edge address answers: the site's page, or what the scenario's fault makes the provider send. */
export function edgeAnswer(state: EdgeState, provider: EdgePersonality, edge: number | EdgeSpot, req: HttpRequestInfo): HttpBehaviour {
  const { index: edgeIndex, pop, sites } = typeof edge === 'number' ? { index: edge, pop: null, sites: null } : edge;
  const host = hostOnly(req.host || req.sni || '');
  const edgeReq: EdgeRequest = {
    host,
    path: req.path,
    method: req.method,
    userAgent: req.headers['user-agent'] ?? '',
    httpVersion: req.httpVersion,
    edgeIndex,
    pop,
    now: new Date(),
  };
  const site = state.sitesByHost.get(host);
  if (!site || !siteEdgesOf(site).includes(provider.id) || (sites && !sites.has(site.name))) return respond(provider.unknownHost(edgeReq));

  const fault: EdgeFault | null = state.scenario.faults.sites[site.name] ?? state.scenario.faults.edges[provider.id] ?? null;
  const active = fault !== null && failingNow(fault.flapping, sinceFirstRequest(state));
  const isSelfTest = provider.selfTest !== undefined && req.path.split('?')[0] === provider.selfTest.path;

  if (isSelfTest && !(active && (fault.fault === 'hang' || (fault.fault === 'edge-5xx' && fault.selfTest === 'fail')))) {
    return respond(provider.selfTest!.respond(edgeReq));
  }
  if (active) {
    switch (fault.fault) {
      case 'edge-5xx':
        return respond(provider.edgeError(edgeReq));
      case 'challenge-fail':
        return respond(provider.challengeFailure ? provider.challengeFailure(edgeReq) : provider.edgeError(edgeReq));
      case 'origin-unreachable':
        return respond(provider.originUnreachable(edgeReq, 'timeout'));
      case 'hang':
      case 'refuse': // a refusing edge is never started; hang if one is reached anyway
        return { kind: 'hang' };
    }
  }
  const origin = originAnswer(state.scenario, site, edgeReq.now, portOf(req.host));
  return respond(typeof origin === 'string' ? provider.originUnreachable(edgeReq, origin) : provider.relay(edgeReq, origin));
}

function originAnswerBehaviour(scenario: Scenario, site: ScenarioSite, req: HttpRequestInfo): HttpBehaviour {
  const answer = originAnswer(scenario, site, new Date(), portOf(req.host));
  return typeof answer === 'string' ? { kind: 'hang' } : respond(answer);
}

// ───────────────────────────── starting and stopping ─────────────────────────────

interface Running {
  close(): Promise<void>;
}

/** One server to start on the shared port: `start` returns the port it got (it matters when asked for 0). */
interface Starter {
  address: string;
  start(port: number): Promise<{ port: number; server: Running }>;
}

function starters(scenario: Scenario, addresses: LabAddresses, ca: TestCa): Starter[] {
  if (scenario.faults.network === 'down') return [];
  const state: EdgeState = {
    scenario,
    sitesByHost: new Map(scenario.sites.map((s) => [s.host, s])),
    clock: { firstRequestAt: null },
  };
  const list: Starter[] = [];

  for (const [providerId, edgeAddresses] of addresses.edges) {
    if (scenario.faults.edges[providerId]?.fault === 'refuse') continue; // nothing listens: connections are refused
    const provider = personality(providerId)!;
    const pem = ca.issue(scenario.sites.filter((s) => siteEdgesOf(s).includes(providerId)).map((s) => s.host));
    const perSite = provider.addressing === 'per-site';
    edgeAddresses.forEach((address, i) => {
      const pop = addresses.pops.get(address) ?? null;
      const popFault = pop ? scenario.faults.pops[providerId]?.[pop] : undefined;
      if (popFault === 'refuse') return;
      if (popFault === 'blackhole') {
        list.push({
          address,
          async start(port) {
            const server = await startBlackhole({ host: address, port });
            return { port: server.port, server };
          },
        });
        return;
      }
      // Which of the site's (or the provider's) addresses this is: it picks the PoP where none is named.
      const spot: EdgeSpot = {
        index: perSite ? i % EDGES_PER_SITE : i,
        pop,
        sites: perSite ? new Set(scenario.sites.filter((s) => addresses.siteEdges.get(s.name)?.includes(address)).map((s) => s.name)) : null,
      };
      list.push({
        address,
        async start(port) {
          const server = await startHttpServer({
            host: address,
            port,
            tls: { ...pem, http2: true },
            handler: (req) => edgeAnswer(state, provider, spot, req),
          });
          return { port: server.port, server };
        },
      });
    });
  }

  for (const [providerId, address] of addresses.statusPages) {
    const spec = scenario.statusPages[providerId]!;
    const name = personality(providerId)!.name;
    const pem = ca.issue([address]);
    list.push({
      address,
      async start(port) {
        let pageUrl = '';
        const server = await startHttpServer({ host: address, port, tls: pem, handler: (req) => statusPageAnswer(spec, name, pageUrl, req) });
        pageUrl = `https://${address}:${server.port}/`;
        return { port: server.port, server };
      },
    });
  }

  for (const site of scenario.sites) {
    const fault = scenario.faults.origins[site.name];
    if (fault === 'down') continue;
    const address = addresses.origins.get(site.name)!;
    const pem = ca.issue([site.host]);
    list.push({
      address,
      async start(port) {
        // A timing-out origin accepts TCP and never finishes the TLS handshake: the edge's connection times out.
        const server = await startHttpServer({
          host: address,
          port,
          tls: pem,
          hangTls: fault === 'timeout',
          handler: (req) => originAnswerBehaviour(scenario, site, req),
        });
        return { port: server.port, server };
      },
    });
  }

  for (const resolver of scenario.resolvers) {
    const data = labDnsData(scenario, addresses, resolver.name);
    const address = addresses.resolvers.get(resolver.name)!;
    const behaviour = resolverBehaviour(scenario, resolver.name, data);
    const pem = resolver.doh ? ca.issue([address]) : null;
    list.push({
      address,
      async start(port) {
        // A DoH resolver serves HTTPS on the shared port; its plain UDP/TCP side (unused) takes any free port.
        const server = await startDnsServer({
          host: address,
          port: pem ? 0 : port,
          data,
          fault: behaviour.fault,
          ede: behaviour.ede,
          authenticated: behaviour.authenticated,
          ...(pem ? { doh: { ...pem, port } } : {}),
        });
        const used = pem ? Number(new URL(server.dohUrl!).port) : server.port;
        return { port: used, server };
      },
    });
  }
  return list;
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

async function closeAll(servers: Running[]): Promise<void> {
  await Promise.all(servers.map((s) => s.close().catch(() => undefined)));
}

/**
 * Start every server on one port. A port taken on one of the addresses means starting over on another
 * (when the port was not asked for) or a LabStartError (when it was); either way nothing is left running.
 */
async function startAll(list: Starter[], requested: number | undefined, notices: string[]): Promise<{ port: number; servers: Running[] }> {
  for (let attempt = 1; ; attempt++) {
    let port = requested ?? 0;
    const servers: Running[] = [];
    let current: Starter | null = null;
    try {
      for (const starter of list) {
        current = starter;
        const started = await starter.start(port);
        servers.push(started.server);
        if (port === 0) port = started.port;
      }
      if (port === 0) port = await freePort(list[0]?.address ?? '127.0.53.1');
      return { port, servers };
    } catch (err) {
      await closeAll(servers);
      const code = errorCode(err);
      const where = current ? `${current.address}${port ? `:${port}` : ''}` : 'loopback';
      if (code === 'EADDRINUSE' && requested === undefined && attempt < MAX_PORT_TRIES) {
        notices.push(`port ${port} was already in use on ${current?.address ?? 'loopback'}; the lab picked another`);
        continue;
      }
      if (code === 'EADDRINUSE') {
        throw new LabStartError(
          `cannot start the lab: ${where} is already in use${requested !== undefined ? ` (give another --port, or none to pick a free one)` : ''}`,
        );
      }
      if (code === 'EADDRNOTAVAIL') {
        throw new LabStartError(`cannot start the lab: the loopback address ${current?.address ?? ''} is not available on this host`);
      }
      throw err;
    }
  }
}

/** Start the scenario's world. Rejects with LabStartError (after closing what it started) when it cannot. */
export async function startWorld(scenario: Scenario, options: WorldOptions = {}): Promise<World> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), `outage-probe-lab-${scenario.name}-`));
  const removeDir = () => {
    if (ownDir) rmSync(dir, { recursive: true, force: true });
  };
  const notices: string[] = [];
  const addresses = labAddresses(scenario);
  const ca = createCa(`outage-probe lab CA ${randomBytes(3).toString('hex')}`);

  let started: { port: number; servers: Running[] };
  try {
    started = await startAll(starters(scenario, addresses, ca), options.port, notices);
  } catch (err) {
    removeDir();
    throw err;
  }

  const configText = labConfigText(scenario, addresses, started.port);
  const caPath = join(dir, 'ca.pem');
  const configPath = join(dir, 'probes.yaml');
  try {
    writeFileSync(caPath, ca.cert);
    writeFileSync(configPath, configText);
  } catch (err) {
    await closeAll(started.servers);
    removeDir();
    throw err;
  }

  let closing: Promise<void> | null = null;
  return {
    scenario,
    dir,
    configPath,
    caPath,
    configText,
    port: started.port,
    addresses: [...addresses.resolvers.values(), ...[...addresses.edges.values()].flat(), ...addresses.origins.values(), ...addresses.statusPages.values()],
    notices,
    close() {
      closing ??= closeAll(started.servers).then(removeDir);
      return closing;
    },
  };
}
