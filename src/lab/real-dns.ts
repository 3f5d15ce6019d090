// Real DNS software in a network namespace: NSD authoritative servers for a private hierarchy (root, TLDs, a
// CDN-style zone, site zones; each server on its own loopback alias, port 53) and an Unbound recursive resolver in
// front whose root hints point at the private root. A test can then stop or break one authoritative server and see
// what a real resolver answers: rcode, Extended DNS Errors (RFC 8914), or nothing. The lab's own DNS server
// (dns-server.ts) answers the way its authors think resolvers do; this is the check on that.
//
// Only inside a namespace made by netns.ts (runInNamespace): the servers listen on whatever addresses the layout
// names, which addAddresses puts on lo there. Both programs run in the foreground as children of the calling Node
// process (no daemon, no chroot, no privilege drop) and die with the namespace at the latest.
//
// Options, as documented in the manuals of the Debian 12 versions (installed man pages unbound.conf(5) 1.17.1 and
// nsd.conf(5)/nsd(8) 4.6.1; also https://unbound.docs.nlnetlabs.nl/en/latest/manpages/unbound.conf.html and
// https://www.nlnetlabs.nl/documentation/nsd/nsd.conf):
// - unbound: `do-daemonize: no` (stay in the foreground), `chroot: ""` and `username: ""` (no chroot, no user
//   change), `logfile: ""` + `use-syslog: no` (log to stderr), `root-hints:` (a zone-file-format list of root
//   servers, used instead of the built-in hints), `do-not-query-localhost: no` (else 127.0.0.0/8 and ::1 are
//   on the do-not-query list), `ede: yes` (attach RFC 8914 Extended DNS Errors; default no), `module-config:
//   "iterator"` (a non-validating resolver: the private root is unsigned), `log-servfail: yes` (one log line per
//   SERVFAIL saying why), `remote-control:` with a local-socket `control-interface` (no TLS for local sockets) for
//   unbound-control flush commands.
// - nsd: `-d` (do not fork, stay in the foreground), `username: ""`, `chroot: ""`, `database: ""` (no nsd.db),
//   `zonelistfile`, `xfrdfile`, `xfrdir`, `pidfile`, `cookie-secret-file` moved into a private directory (their
//   defaults are under /var/lib/nsd, /run and /etc/nsd), `ip-address:` + `port:`, `server-count: 1`,
//   `remote-control: control-enable: no`.
//
// What NSD 4.6.1 itself answers, measured: a zone it is configured for but could not load → SERVFAIL with EDE 14
// "Zone is configured but not loaded"; a zone it is not configured for → REFUSED with EDE 20 (Not
// Authoritative, no text). breakServer() uses exactly these two.

import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import type { ExtendedDnsError } from '../model.js';
import { decodeMessage, EDNS_UDP_PAYLOAD_SIZE, extendedErrors, randomQueryId, rcodeName } from '../probe/dns/wire.js';
import { assertIsolated, runProcess, shapeHost, type BlockMethod, type Shaping } from './netns.js';

// ───────────────────────────── the layout (data) ─────────────────────────────

export interface AuthServerSpec {
  /** A short name tests use to break it: 'root', 'cdn-map' … */
  name: string;
  /** Its loopback alias inside the namespace (IPv4 or IPv6). */
  address: string;
  /** Zone apexes it serves ('.' for the root), without trailing dots. */
  zones: string[];
  /** Its NS host name; default `ns-<name>.<first zone>` (in-bailiwick, so the parent carries glue). */
  hostname?: string;
}

export interface RecordSpec {
  /** Owner name, absolute, without trailing dot; must lie in the zone and not below one of its delegations. */
  name: string;
  type: 'A' | 'AAAA' | 'CNAME' | 'TXT' | 'MX' | 'NS';
  /** As in a zone file; a host name without trailing dot (it is made absolute); TXT as plain text. */
  value: string;
  ttl?: number;
}

export interface ZoneSpec {
  apex: string;
  records: RecordSpec[];
  /** Why the zone exists and what documented facts it follows: written into the zone file as comments. */
  notes?: string[];
}

export interface DnsHierarchy {
  servers: AuthServerSpec[];
  zones: ZoneSpec[];
  resolver: {
    /** Its listening address (port 53). */
    address: string;
    /**
     * DNSSEC trust anchors (unbound.conf(5) `trust-anchor:`, e.g. `"gamma.example. DS 1 13 2 <hex>"`): with any,
     * the resolver validates (module-config "validator iterator"); the zones here are unsigned, so an anchor makes
     * its zone bogus, a DNSSEC failure on purpose.
     */
    trustAnchors?: string[];
    /** More `server:` lines for unbound.conf, e.g. 'infra-cache-max-rtt: 1000' (documented in unbound.conf(5)). */
    options?: string[];
    /**
     * Make the resolver a DNS64 one (RFC 6147) synthesizing AAAA records in this prefix for names that have only A
     * records: unbound.conf(5), "DNS64 Module Options": the dns64 module first in module-config, `dns64-prefix:`
     * (/96 or shorter; its default is the well-known 64:ff9b::/96).
     */
    dns64Prefix?: string;
  };
  /** Default TTL of every record (default 60 s: short, like the CDN names it imitates). */
  ttl?: number;
}

/**
 * A small private DNS tree with a CDN-style CNAME chain, written for these tests from documented facts:
 * - `example.` is reserved for documentation and testing (RFC 2606 §2, RFC 6761 §6.5), so it is a safe TLD here;
 * - server addresses are from the documentation blocks 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 (RFC 5737);
 * - a CDN customer's name is a CNAME to a per-customer "edge hostname" in a CDN zone, which is in turn a CNAME to
 *   a "mapping" name in a second CDN zone served by the CDN's own name servers, which answers the edge addresses:
 *   the two-zone shape the issue describes for Akamai (www.example.com → www.example.com.edgekey.net →
 *   e1234.a.akamaiedge.net); our zone names are our own (cdn-edge.example, cdn-map.example);
 * - a DNS host serving several customers' zones from one server pair (alpha and beta share `sitedns-a`).
 * Names behind the CDN: www.alpha.example, www.beta.example. Not behind it: www.gamma.example (an A record in
 * its own zone, on its own server `sitedns-g`), and the apexes' NS/SOA.
 */
export const CDN_CHAIN_HIERARCHY: DnsHierarchy = {
  resolver: { address: '192.0.2.53' },
  servers: [
    { name: 'root', address: '192.0.2.1', zones: ['.'], hostname: 'a.root-servers.example' },
    { name: 'tld', address: '192.0.2.2', zones: ['example'], hostname: 'a.nic.example' },
    { name: 'cdn-edge', address: '198.51.100.1', zones: ['cdn-edge.example'] },
    { name: 'cdn-map', address: '198.51.100.2', zones: ['cdn-map.example'] },
    { name: 'sitedns-a', address: '203.0.113.1', zones: ['alpha.example', 'beta.example'], hostname: 'ns1.sitedns.example' },
    { name: 'sitedns-g', address: '203.0.113.2', zones: ['gamma.example'] },
  ],
  zones: [
    { apex: '.', records: [], notes: ['A private root: it delegates example. only (RFC 6761 §6.5 reserves it for testing).'] },
    {
      apex: 'example',
      records: [],
      notes: ['The TLD. The DNS host name ns1.sitedns.example has no zone of its own: its address is a record in the TLD, as a registry host object would be.'],
    },
    {
      apex: 'cdn-edge.example',
      notes: ['The CDN\'s per-customer edge hostnames: each is a CNAME into the mapping zone (cdn-map.example).'],
      records: [
        { name: 'www.alpha.example.cdn-edge.example', type: 'CNAME', value: 'e101.a.cdn-map.example' },
        { name: 'www.beta.example.cdn-edge.example', type: 'CNAME', value: 'e202.a.cdn-map.example' },
      ],
    },
    {
      apex: 'cdn-map.example',
      notes: ['The CDN\'s mapping zone, on its own name server: it answers the edge addresses (TEST-NET-3, RFC 5737).'],
      records: [
        { name: 'e101.a.cdn-map.example', type: 'A', value: '203.0.113.101' },
        { name: 'e101.a.cdn-map.example', type: 'AAAA', value: '2001:db8:cd::101' },
        { name: 'e202.a.cdn-map.example', type: 'A', value: '203.0.113.102' },
      ],
    },
    {
      apex: 'alpha.example',
      notes: ['A site on the CDN: www is a CNAME to its edge hostname.'],
      records: [
        { name: 'www.alpha.example', type: 'CNAME', value: 'www.alpha.example.cdn-edge.example' },
        { name: 'alpha.example', type: 'A', value: '203.0.113.201' },
      ],
    },
    {
      apex: 'beta.example',
      notes: ['A second site on the CDN, on the same DNS host as alpha.'],
      records: [{ name: 'www.beta.example', type: 'CNAME', value: 'www.beta.example.cdn-edge.example' }],
    },
    {
      apex: 'gamma.example',
      notes: ['A site not on the CDN: its own A record, its own name server.'],
      records: [
        { name: 'www.gamma.example', type: 'A', value: '203.0.113.203' },
        { name: 'gamma.example', type: 'TXT', value: 'a site not behind the CDN' },
      ],
    },
  ],
};

// ───────────────────────────── zone files (pure) ─────────────────────────────

const DEFAULT_TTL = 60;

function normalize(name: string): string {
  const lower = name.toLowerCase().replace(/\.+$/, '');
  return lower === '' ? '.' : lower;
}

function fqdn(name: string): string {
  const n = normalize(name);
  return n === '.' ? '.' : `${n}.`;
}

/** Is `name` at or below `zone`? */
export function within(name: string, zone: string): boolean {
  const n = normalize(name);
  const z = normalize(zone);
  return z === '.' || n === z || n.endsWith(`.${z}`);
}

function labels(name: string): number {
  const n = normalize(name);
  return n === '.' ? 0 : n.split('.').length;
}

/** The deepest of `apexes` containing `name` (excluding `name` itself when `strict`), or null. */
function deepestZone(name: string, apexes: string[], strict = false): string | null {
  let best: string | null = null;
  for (const apex of apexes) {
    if (!within(name, apex) || (strict && normalize(apex) === normalize(name))) continue;
    if (best === null || labels(apex) > labels(best)) best = normalize(apex);
  }
  return best;
}

export function hostnameOf(server: AuthServerSpec): string {
  if (server.hostname) return normalize(server.hostname);
  const zone = normalize(server.zones[0] ?? '.');
  return zone === '.' ? `ns-${server.name}` : `ns-${server.name}.${zone}`;
}

function addressType(address: string): 'A' | 'AAAA' {
  return isIP(address) === 6 ? 'AAAA' : 'A';
}

export class HierarchyError extends Error {
  override name = 'HierarchyError';
}

interface Line {
  name: string;
  type: string;
  value: string;
  ttl?: number;
}

function renderValue(line: Line): string {
  if (line.type === 'TXT') return `"${line.value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
  if (line.type === 'CNAME' || line.type === 'NS') return fqdn(line.value);
  if (line.type === 'MX') {
    const [preference, host] = line.value.trim().split(/\s+/);
    return `${preference} ${fqdn(host ?? '.')}`;
  }
  return line.value;
}

/**
 * Every zone's file, keyed by apex: SOA, the apex NS set (from the servers that serve it), delegations to child
 * zones with glue for in-bailiwick name servers, the name servers' own address records, and the given records.
 */
export function zoneFiles(hierarchy: DnsHierarchy): Map<string, string> {
  const ttl = hierarchy.ttl ?? DEFAULT_TTL;
  const apexes = hierarchy.zones.map((z) => normalize(z.apex));
  if (!apexes.includes('.')) throw new HierarchyError('the hierarchy needs a root zone (apex ".")');
  const servesZone = (apex: string) => hierarchy.servers.filter((s) => s.zones.map(normalize).includes(apex));
  for (const apex of apexes) if (servesZone(apex).length === 0) throw new HierarchyError(`no server serves the zone ${fqdn(apex)}`);
  for (const server of hierarchy.servers) {
    for (const zone of server.zones) if (!apexes.includes(normalize(zone))) throw new HierarchyError(`server ${server.name} serves ${fqdn(zone)}, which the hierarchy does not define`);
  }

  const files = new Map<string, string>();
  for (const zone of hierarchy.zones) {
    const apex = normalize(zone.apex);
    const children = apexes.filter((c) => c !== apex && deepestZone(c, apexes, true) === apex);
    const lines: Line[] = [];
    const named: AuthServerSpec[] = [...servesZone(apex)];
    for (const server of servesZone(apex)) lines.push({ name: apex, type: 'NS', value: hostnameOf(server) });
    for (const child of children) {
      for (const server of servesZone(child)) {
        lines.push({ name: child, type: 'NS', value: hostnameOf(server) });
        named.push(server);
      }
    }
    // Glue (RFC 1034 §4.2.1): the address of every name server this zone names whose host name lies below one of
    // its delegations, where a resolver could not otherwise look it up.
    for (const server of named) {
      if (children.some((c) => within(hostnameOf(server), c))) lines.push({ name: hostnameOf(server), type: addressType(server.address), value: server.address });
    }
    for (const server of hierarchy.servers) {
      const host = hostnameOf(server);
      if (deepestZone(host, apexes) === apex) lines.push({ name: host, type: addressType(server.address), value: server.address });
    }
    for (const record of zone.records) {
      if (!within(record.name, apex)) throw new HierarchyError(`${fqdn(record.name)} is not in the zone ${fqdn(apex)}`);
      const below = children.find((c) => within(record.name, c));
      if (below) throw new HierarchyError(`${fqdn(record.name)} lies in ${fqdn(below)}, delegated away from ${fqdn(apex)}: put it in that zone`);
      lines.push(record);
    }
    const primary = hostnameOf(servesZone(apex)[0]!);
    const header = [
      `; ${fqdn(apex)} — generated by outage-probe's lab (src/lab/real-dns.ts) for tests in a network namespace.`,
      ...(zone.notes ?? []).map((note) => `; ${note}`),
      `$TTL ${ttl}`,
      // SOA fields (RFC 1035 §3.3.13): serial, refresh, retry, expire, minimum (the negative-caching TTL, RFC 2308).
      `${fqdn(apex)} ${ttl} IN SOA ${fqdn(primary)} ${fqdn(`hostmaster.${apex === '.' ? 'root-servers.invalid' : apex}`)} 1 3600 600 86400 ${ttl}`,
    ];
    const body = dedupe(lines).map((l) => `${fqdn(l.name)} ${l.ttl ?? ttl} IN ${l.type} ${renderValue(l)}`);
    files.set(apex, `${[...header, ...body].join('\n')}\n`);
  }
  return files;
}

function dedupe(lines: Line[]): Line[] {
  const seen = new Set<string>();
  return lines.filter((l) => {
    const key = `${normalize(l.name)} ${l.type} ${l.value.toLowerCase()}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** unbound's root-hints file: the root zone's servers, in zone-file format (unbound.conf(5), root-hints). */
export function rootHints(hierarchy: DnsHierarchy): string {
  const roots = hierarchy.servers.filter((s) => s.zones.map(normalize).includes('.'));
  const lines = roots.flatMap((s) => [`. 3600000 NS ${fqdn(hostnameOf(s))}`, `${fqdn(hostnameOf(s))} 3600000 ${addressType(s.address)} ${s.address}`]);
  return `; the private root of the lab's DNS hierarchy\n${lines.join('\n')}\n`;
}

export type ServerCondition = 'serving' | 'stopped' | 'refused' | 'servfail';

function zoneFileName(apex: string): string {
  return apex === '.' ? 'root.zone' : `${apex}.zone`;
}

/** nsd.conf for one server in `dir`. `refused`: no zones configured; `servfail`: zones configured, files missing. */
export function nsdConfig(server: AuthServerSpec, dir: string, zonesDir: string, condition: 'serving' | 'refused' | 'servfail'): string {
  const zones =
    condition === 'refused'
      ? []
      : server.zones.map((z) => {
          const apex = normalize(z);
          const file = condition === 'servfail' ? join(dir, `missing-${zoneFileName(apex)}`) : join(zonesDir, zoneFileName(apex));
          return `zone:\n  name: "${apex}"\n  zonefile: "${file}"\n`;
        });
  return `# nsd.conf for the lab's authoritative server ${server.name} (${condition}); see nsd.conf(5)
server:
  ip-address: ${server.address}
  port: 53
  server-count: 1
  username: ""
  chroot: ""
  zonesdir: "${dir}"
  database: ""
  zonelistfile: "${join(dir, 'zone.list')}"
  xfrdfile: "${join(dir, 'xfrd.state')}"
  xfrdir: "${dir}"
  pidfile: "${join(dir, 'nsd.pid')}"
  cookie-secret-file: "${join(dir, 'cookiesecrets.txt')}"
  hide-version: yes
  verbosity: 1
remote-control:
  control-enable: no
${zones.join('')}`;
}

/** unbound.conf for the resolver in `dir`; see unbound.conf(5). */
export function unboundConfig(hierarchy: DnsHierarchy, dir: string): string {
  const anchors = hierarchy.resolver.trustAnchors ?? [];
  const dns64 = hierarchy.resolver.dns64Prefix ?? null;
  return `# unbound.conf for the lab's recursive resolver; see unbound.conf(5)
server:
  interface: ${hierarchy.resolver.address}
  port: 53
  do-daemonize: no
  chroot: ""
  username: ""
  directory: "${dir}"
  pidfile: "${join(dir, 'unbound.pid')}"
  logfile: ""
  use-syslog: no
  verbosity: 1
  log-servfail: yes
  num-threads: 1
  so-reuseport: no
  root-hints: "${join(dir, 'root.hints')}"
  do-not-query-localhost: no
  module-config: "${[dns64 ? 'dns64' : null, anchors.length > 0 ? 'validator' : null, 'iterator'].filter(Boolean).join(' ')}"
  ede: yes
  access-control: 0.0.0.0/0 allow
  access-control: ::/0 allow
${[...anchors.map((a) => `trust-anchor: "${a.replace(/"/g, '')}"`), ...(dns64 ? [`dns64-prefix: ${dns64}`] : []), ...(hierarchy.resolver.options ?? [])].map((line) => `  ${line}\n`).join('')}remote-control:
  control-enable: yes
  control-interface: "${join(dir, 'control.sock')}"
`;
}

// ───────────────────────────── querying ─────────────────────────────

export interface ResolverAnswer {
  /** NOERROR, SERVFAIL, NXDOMAIN, REFUSED …, or 'timeout' when nothing came back in time. */
  rcode: string;
  answers: Array<{ name: string; type: string; data: string }>;
  /** Extended DNS Errors, read by the project's own parser (src/probe/dns/wire.ts). */
  ede: ExtendedDnsError[];
  ms: number;
}

export type QueryType = 'A' | 'AAAA' | 'NS' | 'CNAME' | 'SOA' | 'TXT' | 'MX';

/** A query with RD set and an EDNS0 OPT record (so EDEs can come back), as a stub resolver sends it. */
function encodeQuery(name: string, type: QueryType, id: number, qclass: 'IN' | 'CH'): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type, name, class: qclass }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_PAYLOAD_SIZE, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }],
  });
}

function recordData(data: unknown): string {
  return typeof data === 'string' ? normalize(data) : Buffer.isBuffer(data) ? data.toString('hex') : JSON.stringify(data, (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString() : v));
}

/** One query over UDP to `server` port 53; rcode 'timeout' after timeoutMs, 'network-error:E…' when the socket fails. */
export function queryDns(server: string, name: string, type: QueryType, timeoutMs = 10_000, qclass: 'IN' | 'CH' = 'IN'): Promise<ResolverAnswer> {
  return new Promise((resolve) => {
    const started = performance.now();
    const id = randomQueryId();
    const message = encodeQuery(name, type, id, qclass);
    const socket = dgram.createSocket(isIP(server) === 6 ? 'udp6' : 'udp4');
    let done = false;
    const finish = (answer: Omit<ResolverAnswer, 'ms'>): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        socket.close();
      } catch {
        // closed
      }
      resolve({ ...answer, ms: Math.round(performance.now() - started) });
    };
    const timer = setTimeout(() => finish({ rcode: 'timeout', answers: [], ede: [] }), timeoutMs);
    socket.on('error', (err: NodeJS.ErrnoException) => finish({ rcode: `network-error:${err.code ?? err.message}`, answers: [], ede: [] }));
    socket.on('message', (bytes) => {
      const reply = decodeMessage(bytes);
      const question = reply?.questions?.[0];
      if (!reply || reply.id !== id || reply.type !== 'response' || !question || normalize(question.name) !== normalize(name) || question.type !== type) return;
      finish({
        rcode: rcodeName(reply),
        answers: (reply.answers ?? []).map((a) => ({ name: normalize(a.name), type: a.type, data: recordData((a as { data?: unknown }).data) })),
        ede: extendedErrors(reply),
      });
    });
    socket.connect(53, server, (err?: Error) => {
      if (err) return finish({ rcode: `network-error:${(err as NodeJS.ErrnoException).code ?? err.message}`, answers: [], ede: [] });
      socket.send(message);
    });
  });
}

// ───────────────────────────── running it ─────────────────────────────

const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 3000;

interface Daemon {
  child: ChildProcess;
  log: string[];
  exited: Promise<void>;
}

function startDaemon(program: string, args: string[]): Daemon {
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const log: string[] = [];
  const collect = (d: Buffer) => log.push(d.toString());
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<void>((resolve) => {
    child.on('exit', () => resolve());
    child.on('error', (err) => {
      log.push(String(err));
      resolve();
    });
  });
  return { child, log, exited };
}

async function stopDaemon(daemon: Daemon): Promise<void> {
  if (daemon.child.exitCode !== null || daemon.child.signalCode !== null) return;
  daemon.child.kill('SIGTERM');
  const killer = setTimeout(() => daemon.child.kill('SIGKILL'), STOP_GRACE_MS);
  await daemon.exited;
  clearTimeout(killer);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Wait until `address` answers a query with any DNS message (NSD: its zone's SOA; unbound: version.server CH). */
async function waitForAnswer(address: string, name: string, type: QueryType, daemon: Daemon, what: string, qclass: 'IN' | 'CH' = 'IN'): Promise<void> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (daemon.child.exitCode !== null) throw new Error(`${what} exited (${daemon.child.exitCode}) while starting: ${daemon.log.join('').slice(-2000)}`);
    const answer = await queryDns(address, name, type, 300, qclass);
    if (!answer.rcode.startsWith('network-error') && answer.rcode !== 'timeout') return;
    await sleep(50);
  }
  throw new Error(`${what} did not answer on ${address} within ${READY_TIMEOUT_MS} ms: ${daemon.log.join('').slice(-2000)}`);
}

/** Wait until nothing answers on `address` port 53 any more (the old process's sockets are gone). */
async function waitForSilence(address: string): Promise<void> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  while (performance.now() < deadline) {
    const answer = await queryDns(address, '.', 'SOA', 200);
    if (answer.rcode.startsWith('network-error')) return;
    await sleep(50);
  }
}

export interface AuthServer {
  spec: AuthServerSpec;
  hostname: string;
  condition(): ServerCondition;
  /** Stop the process: its address stays, so queries to it get ICMP port unreachable. */
  stop(): Promise<void>;
  /** Restart it answering REFUSED (no zones) or SERVFAIL (zones not loaded), or normally again ('serving'). */
  setCondition(condition: ServerCondition): Promise<void>;
  /** Block its port 53 with a netns block (drop: silence; reject: ICMP …); undo() lifts it. */
  block(how: BlockMethod): Shaping;
  log(): string;
}

export interface RealDns {
  dir: string;
  hierarchy: DnsHierarchy;
  resolverAddress: string;
  server(name: string): AuthServer;
  /** Ask the resolver (unbound), as a stub would. */
  query(name: string, type: QueryType, timeoutMs?: number): Promise<ResolverAnswer>;
  /** Forget every cached answer and server state (unbound-control flush_zone ., flush_infra all, flush_requestlist). */
  flush(): Promise<void>;
  resolverLog(): string;
  close(): Promise<void>;
}

/**
 * Start every authoritative server and the resolver of `hierarchy` inside this (isolated) namespace. The addresses
 * must already be on lo (addAddresses(hierarchyAddresses(h))). Rejects, leaving nothing running, when any fails.
 */
export async function startRealDns(hierarchy: DnsHierarchy, options: { dir?: string } = {}): Promise<RealDns> {
  assertIsolated();
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'outage-probe-real-dns-'));
  const zonesDir = join(dir, 'zones');
  mkdirSync(zonesDir, { recursive: true });
  for (const [apex, text] of zoneFiles(hierarchy)) writeFileSync(join(zonesDir, zoneFileName(apex)), text);

  const servers = new Map<string, { spec: AuthServerSpec; dir: string; daemon: Daemon | null; condition: ServerCondition; logs: string[] }>();
  let unbound: Daemon | null = null;
  const unboundDir = join(dir, 'unbound');
  const unboundConf = join(unboundDir, 'unbound.conf');

  const startNsd = async (name: string, condition: 'serving' | 'refused' | 'servfail'): Promise<void> => {
    const entry = servers.get(name)!;
    const conf = join(entry.dir, `nsd-${condition}.conf`);
    writeFileSync(conf, nsdConfig(entry.spec, entry.dir, zonesDir, condition));
    entry.daemon = startDaemon('nsd', ['-d', '-c', conf]);
    entry.condition = condition;
    await waitForAnswer(entry.spec.address, normalize(entry.spec.zones[0] ?? '.'), 'SOA', entry.daemon, `nsd ${name}`);
  };
  const stopNsd = async (name: string): Promise<void> => {
    const entry = servers.get(name)!;
    if (entry.daemon) {
      await stopDaemon(entry.daemon);
      entry.logs.push(entry.daemon.log.join(''));
      entry.daemon = null;
      await waitForSilence(entry.spec.address);
    }
    entry.condition = 'stopped';
  };

  const close = async (): Promise<void> => {
    await Promise.all([...(unbound ? [stopDaemon(unbound)] : []), ...[...servers.values()].map((s) => (s.daemon ? stopDaemon(s.daemon) : undefined))]);
    if (!options.dir) rmSync(dir, { recursive: true, force: true });
  };

  try {
    for (const spec of hierarchy.servers) {
      const serverDir = join(dir, `nsd-${spec.name}`);
      mkdirSync(serverDir, { recursive: true });
      servers.set(spec.name, { spec, dir: serverDir, daemon: null, condition: 'stopped', logs: [] });
    }
    await Promise.all(hierarchy.servers.map((s) => startNsd(s.name, 'serving')));
    mkdirSync(unboundDir, { recursive: true });
    writeFileSync(join(unboundDir, 'root.hints'), rootHints(hierarchy));
    writeFileSync(unboundConf, unboundConfig(hierarchy, unboundDir));
    unbound = startDaemon('unbound', ['-d', '-c', unboundConf]);
    await waitForAnswer(hierarchy.resolver.address, 'version.server', 'TXT', unbound, 'unbound', 'CH');
  } catch (err) {
    await close();
    throw err;
  }

  const control = async (args: string[]): Promise<void> => {
    const result = await runProcess('unbound-control', ['-c', unboundConf, ...args], { timeoutMs: 10_000 });
    if (result.code !== 0) throw new Error(`unbound-control ${args.join(' ')} failed: ${result.stderr || result.stdout}`);
  };

  return {
    dir,
    hierarchy,
    resolverAddress: hierarchy.resolver.address,
    server(name) {
      const entry = servers.get(name);
      if (!entry) throw new Error(`no server named ${name} (have ${[...servers.keys()].join(', ')})`);
      return {
        spec: entry.spec,
        hostname: hostnameOf(entry.spec),
        condition: () => entry.condition,
        stop: () => stopNsd(name),
        async setCondition(condition) {
          await stopNsd(name);
          if (condition !== 'stopped') await startNsd(name, condition);
        },
        block: (how) => shapeHost({ kind: 'block', to: [entry.spec.address], ports: [53], how }),
        log: () => [...entry.logs, entry.daemon?.log.join('') ?? ''].join(''),
      };
    },
    query: (name, type, timeoutMs) => queryDns(hierarchy.resolver.address, name, type, timeoutMs),
    async flush() {
      await control(['flush_zone', '.']);
      await control(['flush_infra', 'all']);
      await control(['flush_requestlist']);
    },
    resolverLog: () => unbound?.log.join('') ?? '',
    close,
  };
}

/** Every address the hierarchy's servers and resolver listen on (for addAddresses). */
export function hierarchyAddresses(hierarchy: DnsHierarchy): string[] {
  return [...new Set([hierarchy.resolver.address, ...hierarchy.servers.map((s) => s.address)])];
}
