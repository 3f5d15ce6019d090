// Network namespaces for tests that need the probing host's own network to misbehave: offline, IPv4-only,
// IPv6-only, outbound DNS blocked, and worlds where public-looking addresses (1.1.1.1, 2606:4700:4700::1111)
// are served by lab servers. Inside `unshare --net` the only interface is `lo`, so any address may be added
// there as a loopback alias and served: nothing can leave the namespace. Every function that changes the
// network refuses to run unless that is so (assertIsolated), so a mistake cannot touch the host's network.
//
// Two sides:
// - the host side (a vitest test): namespaceSupport() / nftablesSupport() to skip with a reason, and
//   runInNamespace(script) to run a Node script in a fresh namespace and get its stdout, stderr, exit code and
//   the JSON value it reported back;
// - the inside (that script, plain ESM importing dist/lab/netns.js): insideNamespace(body) around the work,
//   and inside it loopbackUp(), addAddresses(), bindResolvConf(), shapeHost(), runProcess(OUTAGE_PROBE_BIN …).
//
// Usage, from a test:
//   const run = await runInNamespace(fileURLToPath(new URL('./inside/my-probe.mjs', import.meta.url)), { args: [JSON.stringify(spec)] });
//   expect(run.error).toBeUndefined(); const value = run.value as …;
// and test/netns/inside/my-probe.mjs:
//   import { insideNamespace, loopbackUp, addAddresses, shapeHost } from '../../../dist/lab/netns.js';
//   await insideNamespace(async () => { loopbackUp(); addAddresses(['1.1.1.1']); shapeHost({ kind: 'ipv4-only' }); … return result; });
//
// How each shape fails a connect, as measured (Linux 6.18, Debian 12's iproute2 6.1 and nftables 1.0.6,
// Node 20; pinned by test/netns/shapes.test.ts, which asserts every row of SHAPE_FAILURES below):
//
//   shape (what is affected)                TCP connect                UDP (dgram.connect, then send)         getaddrinfo via an affected resolver
//   loopback-down (everything)              v4 ENETUNREACH             v4 connect: ENETUNREACH                EAI_AGAIN at once
//                                           v6 EADDRNOTAVAIL           v6 connect: EADDRNOTAVAIL
//   offline (all but 127/8, ::1)            ENETUNREACH                connect: ENETUNREACH                   EAI_AGAIN at once
//   ipv4-only (all IPv6 but ::1)            v6 ENETUNREACH             v6 connect: ENETUNREACH                (IPv4 resolvers unaffected)
//   ipv6-disabled (all IPv6, ::1 too)       v6 EADDRNOTAVAIL           v6 connect: EADDRNOTAVAIL
//   ipv6-only (all IPv4 but 127/8)          v4 ENETUNREACH             v4 connect: ENETUNREACH                EAI_AGAIN at once
//   block drop (silent, like a network)     timeout (SYNs unanswered)  no error, no reply: timeout            EAI_AGAIN after timeout × attempts
//   block reject (ICMP port unreachable)    ECONNREFUSED (v6: ~1 s)    send ok, then 'error' ECONNREFUSED     EAI_AGAIN at once
//   block admin-prohibited (ICMP 3/13)      v4 EHOSTUNREACH            send ok, then 'error' v4 EHOSTUNREACH  EAI_AGAIN at once
//                                           v6 EACCES (~1 s)           v6 EACCES
//   block local-drop (host firewall DROP)   timeout                    send: EPERM                            EAI_AGAIN at once
//   block local-prohibit (ip rule prohibit) EACCES                     connect: EACCES                        EAI_AGAIN at once
//   block no-route (ip rule unreachable)    ENETUNREACH                connect: ENETUNREACH                   EAI_AGAIN at once
//
// (Setting lo down while its addresses stay is different again: IPv4 connects, 127.0.0.1 included, time out
// silently, because the local routes survive; IPv6 gives EADDRNOTAVAIL. loopback-down flushes the addresses first.)
//
// glibc's getaddrinfo reports every resolver failure as EAI_AGAIN (Node: err.code 'EAI_AGAIN'); only the time
// differs. Its default is `timeout:5 attempts:2`, so bindResolvConf() writes `options timeout:1 attempts:1` unless
// told otherwise. For comparison, a port nobody listens on (the alias exists, no server): TCP ECONNREFUSED at once,
// UDP 'error' ECONNREFUSED after the send; and an address with no alias and no route: ENETUNREACH, as `offline`.
//
// Mechanisms: `offline`, `ipv4-only`, `ipv6-only`, `local-prohibit` and `no-route` are policy-routing rules
// (ip-rule(8)) placed before the `local` table: the kernel answers a route lookup matching an `unreachable` rule
// with ENETUNREACH and a `prohibit` rule with EACCES (a `blackhole` rule would give EINVAL, which no real network
// produces, so it is not offered). The local table's rule is moved from priority 0 to LOCAL_RULE_PRIORITY so these
// rules apply even to addresses that are aliases on lo. The `drop`, `reject` and `admin-prohibited` blocks are
// nftables rules on the input hook, i.e. after the packet has "left" the sender: the sender sees what it would
// see behind a remote firewall; `local-drop` is on the output hook, as a host firewall would drop it.

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, writeFileSync, writeSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packagePath } from '../package-root.js';

// ───────────────────────────── shared facts ─────────────────────────────

/** The real binary (bin/outage-probe runs dist/), for runProcess inside a namespace. */
export const OUTAGE_PROBE_BIN = packagePath('bin', 'outage-probe');

/**
 * A fresh network namespace, a private mount namespace (so /etc/resolv.conf can be bind-mounted without touching
 * the host's), and a fresh PID namespace whose first process is the script: when it ends, or when the host kills
 * `unshare`, the kernel kills every process left in the namespace (servers, unbound, nsd), so nothing outlives a
 * test. See unshare(1): --kill-child, --mount-proc.
 */
const UNSHARE_ARGS = ['--net', '--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child', '--mount-proc'];

/** Set by runInNamespace: the host's mount namespace, so bindFile can prove it is not about to mount over the host's files. */
const HOST_MOUNT_NS_ENV = 'OUTAGE_PROBE_NETNS_HOST_MNT';

export type Support = { ok: true } | { ok: false; reason: string };

export type Family = 4 | 6;

export type BlockMethod = 'drop' | 'reject' | 'admin-prohibited' | 'local-drop' | 'local-prohibit' | 'no-route';

export type HostShape =
  /** As a fresh namespace: lo down, no address on it; even 127.0.0.1 and ::1 fail. */
  | { kind: 'loopback-down' }
  /** No route anywhere: every destination but 127.0.0.0/8 and ::1 fails, aliases included. */
  | { kind: 'offline' }
  /** No IPv6 route: every IPv6 destination but ::1 fails (the cloud VM or CI runner without IPv6). */
  | { kind: 'ipv4-only' }
  /** IPv6 switched off (net.ipv6.conf.*.disable_ipv6, as Docker does): every IPv6 address is gone, ::1 too. */
  | { kind: 'ipv6-disabled' }
  /** No IPv4 route: every IPv4 destination but 127.0.0.0/8 fails (NAT64 / IPv6-only clusters). */
  | { kind: 'ipv6-only' }
  /** Traffic to these addresses (optionally only these ports, TCP and UDP) is blocked the given way. */
  | { kind: 'block'; to: string[]; ports?: number[]; how: BlockMethod };

/** What a connect to an affected address fails with: an errno, 'timeout', or 'ok'. Per family where it differs. */
export interface MeasuredFailure {
  tcp: { 4: string; 6: string };
  /** Where the UDP exchange fails: `connect:E…` (dgram.connect callback), `send:E…`, `error:E…` (async, after a send), 'timeout'. */
  udp: { 4: string; 6: string };
  /** getaddrinfo (dns.lookup) with /etc/resolv.conf naming an affected resolver. */
  getaddrinfo: 'EAI_AGAIN at once' | 'EAI_AGAIN after timeout';
}

type ShapeKey = Exclude<HostShape['kind'], 'block'> | `block:${BlockMethod}`;

/** The table in the header comment, as data: test/netns/shapes.test.ts asserts each row on this machine. */
export const SHAPE_FAILURES: Record<ShapeKey, MeasuredFailure> = {
  'loopback-down': { tcp: { 4: 'ENETUNREACH', 6: 'EADDRNOTAVAIL' }, udp: { 4: 'connect:ENETUNREACH', 6: 'connect:EADDRNOTAVAIL' }, getaddrinfo: 'EAI_AGAIN at once' },
  offline: { tcp: { 4: 'ENETUNREACH', 6: 'ENETUNREACH' }, udp: { 4: 'connect:ENETUNREACH', 6: 'connect:ENETUNREACH' }, getaddrinfo: 'EAI_AGAIN at once' },
  'ipv4-only': { tcp: { 4: 'ok', 6: 'ENETUNREACH' }, udp: { 4: 'ok', 6: 'connect:ENETUNREACH' }, getaddrinfo: 'EAI_AGAIN at once' },
  'ipv6-disabled': { tcp: { 4: 'ok', 6: 'EADDRNOTAVAIL' }, udp: { 4: 'ok', 6: 'connect:EADDRNOTAVAIL' }, getaddrinfo: 'EAI_AGAIN at once' },
  'ipv6-only': { tcp: { 4: 'ENETUNREACH', 6: 'ok' }, udp: { 4: 'connect:ENETUNREACH', 6: 'ok' }, getaddrinfo: 'EAI_AGAIN at once' },
  'block:drop': { tcp: { 4: 'timeout', 6: 'timeout' }, udp: { 4: 'timeout', 6: 'timeout' }, getaddrinfo: 'EAI_AGAIN after timeout' },
  'block:reject': { tcp: { 4: 'ECONNREFUSED', 6: 'ECONNREFUSED' }, udp: { 4: 'error:ECONNREFUSED', 6: 'error:ECONNREFUSED' }, getaddrinfo: 'EAI_AGAIN at once' },
  'block:admin-prohibited': { tcp: { 4: 'EHOSTUNREACH', 6: 'EACCES' }, udp: { 4: 'error:EHOSTUNREACH', 6: 'error:EACCES' }, getaddrinfo: 'EAI_AGAIN at once' },
  'block:local-drop': { tcp: { 4: 'timeout', 6: 'timeout' }, udp: { 4: 'send:EPERM', 6: 'send:EPERM' }, getaddrinfo: 'EAI_AGAIN at once' },
  'block:local-prohibit': { tcp: { 4: 'EACCES', 6: 'EACCES' }, udp: { 4: 'connect:EACCES', 6: 'connect:EACCES' }, getaddrinfo: 'EAI_AGAIN at once' },
  'block:no-route': { tcp: { 4: 'ENETUNREACH', 6: 'ENETUNREACH' }, udp: { 4: 'connect:ENETUNREACH', 6: 'connect:ENETUNREACH' }, getaddrinfo: 'EAI_AGAIN at once' },
};

export function shapeKey(shape: HostShape): ShapeKey {
  return shape.kind === 'block' ? `block:${shape.how}` : shape.kind;
}

/** Outbound DNS blocked by this network: the given resolvers' port 53 (UDP and TCP) blocked the given way. */
export function dnsBlocked(resolvers: string[], how: BlockMethod): HostShape {
  return { kind: 'block', to: resolvers, ports: [53], how };
}

// ───────────────────────────── host side ─────────────────────────────

let support: Support | undefined;

/**
 * Can this process make the namespaces runInNamespace uses (root, or permitted user namespaces, and util-linux's
 * unshare and iproute2's ip)? Measured once per process by doing it.
 */
export function namespaceSupport(): Support {
  support ??= measureSupport();
  return support;
}

function measureSupport(): Support {
  if (process.platform !== 'linux') return { ok: false, reason: `network namespaces are Linux-only (this is ${process.platform})` };
  const probe = spawnSync('unshare', [...UNSHARE_ARGS, 'sh', '-c', 'ip link set lo up && cat /proc/self/net/dev'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.error) return { ok: false, reason: `cannot run unshare(1): ${probe.error.message}` };
  if (probe.status !== 0) {
    return { ok: false, reason: `\`unshare ${UNSHARE_ARGS.join(' ')}\` is not permitted here (needs root): ${probe.stderr.trim().split('\n')[0] ?? ''}` };
  }
  const interfaces = interfaceNames(probe.stdout);
  if (interfaces.join() !== 'lo') return { ok: false, reason: `a new network namespace here has interfaces other than lo: ${interfaces.join(', ')}` };
  return { ok: true };
}

let nftSupport: Support | undefined;

/** Can nftables rules be loaded in a namespace here (the nft binary and the kernel's nf_tables)? Needed by the drop/reject blocks. */
export function nftablesSupport(): Support {
  nftSupport ??= (() => {
    const base = namespaceSupport();
    if (!base.ok) return base;
    const probe = spawnSync('unshare', ['--net', 'nft', '-f', '-'], { input: 'table inet probe { chain c { type filter hook input priority 0; }\n}\n', encoding: 'utf8', timeout: 10_000 });
    if (probe.error) return { ok: false, reason: `cannot run nft(8) (Debian package nftables): ${probe.error.message}` };
    if (probe.status !== 0) return { ok: false, reason: `nftables rules cannot be loaded here: ${probe.stderr.trim().split('\n')[0] ?? ''}` };
    return { ok: true };
  })();
  return nftSupport;
}

/** Is each program on PATH (it runs `program versionFlag`)? For skip reasons, e.g. `toolSupport([['unbound', '-V'], ['nsd', '-v']])`. */
export function toolSupport(programs: Array<[program: string, versionFlag: string]>): Support {
  for (const [program, flag] of programs) {
    const probe = spawnSync(program, [flag], { encoding: 'utf8', timeout: 10_000 });
    if (probe.error) return { ok: false, reason: `${program} is not installed (.ci/run installs it with apt-get)` };
  }
  return { ok: true };
}

/** Every reason that applies, or null when all are supported: `describe.skipIf(skipReason(…) !== null)`. Prints the reason. */
export function skipReason(what: string, ...supports: Support[]): string | null {
  const reasons = supports.flatMap((s) => (s.ok ? [] : [s.reason]));
  if (reasons.length === 0) return null;
  const reason = [...new Set(reasons)].join('; ');
  console.warn(`skipping ${what}: ${reason}`);
  return reason;
}

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** True when it was killed for running past timeoutMs. */
  timedOut: boolean;
}

export interface NamespaceRun extends ProcessResult {
  /** What the script's insideNamespace body returned (JSON), when it returned. */
  value: unknown;
  /** The body's error (stack), when it threw; also set when the script reported nothing. */
  error: string | undefined;
  /**
   * Set when a first try was killed at its timeout while still setting its world up (its last step a setupStep):
   * that try's stderr. The run was then tried once more; what the fields above say is the second try.
   */
  setupRetried: string | null;
}

export interface RunOptions {
  args?: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Kill the namespace (every process in it) after this long. Default 60 s. */
  timeoutMs?: number;
}

/**
 * Run a Node script (ESM, plain JS) as the first process of a fresh network + mount + PID namespace and collect
 * its output and the value its insideNamespace() body returned (sent back on file descriptor 3, so the script's
 * stdout stays its own). On timeout the whole namespace is killed.
 */
export async function runInNamespace(script: string, options: RunOptions = {}): Promise<NamespaceRun> {
  const first = await runInNamespaceOnce(script, options);
  if (!first.timedOut || first.value !== undefined || !stuckInSetup(first.stderr)) return first;
  // A world that never finished starting (once in CI: no step after the lab's key generation or address setup, cause
  // not found) says nothing about the code under test: tried once more, and said.
  return { ...(await runInNamespaceOnce(script, options)), setupRetried: first.stderr.slice(-2000) };
}

const SETUP_STEP = '[setup] ';
const RUN_STEP = '[run] ';

/** In a namespace script: the world is being set up (a hang here is retried once by runInNamespace). */
export function setupStep(what: string): void {
  process.stderr.write(`${SETUP_STEP}${what}\n`);
}

/** In a namespace script: the code under test is running (a hang from here on fails the test). */
export function runStep(what: string): void {
  process.stderr.write(`${RUN_STEP}${what}\n`);
}

function stuckInSetup(stderr: string): boolean {
  const steps = stderr.split('\n').filter((line) => line.startsWith(SETUP_STEP) || line.startsWith(RUN_STEP));
  return steps.at(-1)?.startsWith(SETUP_STEP) === true;
}

function runInNamespaceOnce(script: string, options: RunOptions): Promise<NamespaceRun> {
  const env = { ...process.env, NO_COLOR: '1', [HOST_MOUNT_NS_ENV]: readlinkSync('/proc/self/ns/mnt'), ...options.env };
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('unshare', [...UNSHARE_ARGS, process.execPath, script, ...(options.args ?? [])], {
      cwd: options.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      detached: true, // its own process group, so a timeout can kill unshare and everything under it at once
    });
    let stdout = '';
    let stderr = '';
    let channel = '';
    let timedOut = false;
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: Buffer) => (channel += d.toString()));
    const killer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, options.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(killer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      const report = parseReport(channel);
      resolve({
        code,
        signal,
        stdout,
        stderr,
        ms: performance.now() - started,
        timedOut,
        value: report?.ok ? report.value : undefined,
        error: report === null ? `the script reported nothing${timedOut ? ' (killed at its timeout)' : ''}; exit ${code ?? signal}; stderr: ${stderr.slice(-2000)}` : report.ok ? undefined : report.error,
        setupRetried: null,
      });
    });
  });
}

type Report = { ok: true; value: unknown } | { ok: false; error: string };

function parseReport(text: string): Report | null {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as Report;
  } catch {
    return { ok: false, error: `unreadable report: ${text.slice(0, 500)}` };
  }
}

// ───────────────────────────── inside ─────────────────────────────

function interfaceNames(procNetDev: string): string[] {
  // /proc/<pid>/net/dev: two header lines, then "  name: counters…" per interface.
  return procNetDev
    .split('\n')
    .slice(2)
    .map((line) => line.split(':')[0]!.trim())
    .filter((name) => name !== '');
}

/**
 * True when this process's network namespace has no interface but lo: then no packet can leave the machine,
 * whatever address it is sent to. (/proc/self/net is the calling process's own namespace's view.)
 */
export function isolatedNetwork(): boolean {
  try {
    return interfaceNames(readFileSync('/proc/self/net/dev', 'utf8')).every((name) => name === 'lo');
  } catch {
    return false;
  }
}

export class NotIsolatedError extends Error {
  override name = 'NotIsolatedError';
}

/** Throw unless isolatedNetwork(): every network change below starts with this. */
export function assertIsolated(): void {
  if (!isolatedNetwork()) {
    throw new NotIsolatedError('refusing to change the network: this process is not in a network namespace that has only lo (use runInNamespace)');
  }
}

/**
 * The script side of runInNamespace: check the namespace is isolated, run the body, send its value (or its error)
 * to the host and exit (0, or 1 when it threw). Exiting ends the PID namespace, which kills whatever the body left
 * running.
 */
export async function insideNamespace(body: () => unknown): Promise<never> {
  let report: Report;
  try {
    assertIsolated();
    report = { ok: true, value: await body() };
  } catch (err) {
    report = { ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) };
  }
  const text = JSON.stringify(report);
  try {
    writeSync(3, text);
  } catch {
    process.stdout.write(`${text}\n`); // run by hand, without the host's channel
  }
  process.exit(report.ok ? 0 : 1);
}

function run(program: string, args: string[], input?: string): string {
  try {
    return execFileSync(program, args, { encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`${program} ${args.join(' ')} failed: ${stderr.trim() || String(err)}`);
  }
}

function ip(family: Family, args: string[]): string {
  return run('ip', [family === 6 ? '-6' : '-4', ...args]);
}

function familyOf(address: string): Family {
  const family = isIP(address);
  if (family === 0) throw new Error(`not an IP address: ${address}`);
  return family as Family;
}

/** Bring lo up (a fresh namespace has it down): 127.0.0.0/8 and ::1 start to work. */
export function loopbackUp(): void {
  assertIsolated();
  run('ip', ['link', 'set', 'lo', 'up']);
}

/** How long an IPv6 alias may take to become reachable (see addAddresses). */
const IPV6_ROUTE_WAIT_MS = 3000;

/**
 * Add each address to lo as a /32 or /128 alias (idempotent). Servers may then listen on it and clients reach it.
 * An IPv6 alias is usable before its `local` route exists: the kernel adds that route from a work queue after the
 * address (even with `nodad`), and a connect in between fails with ENETUNREACH, as measured here. So this waits
 * for the route.
 */
export function addAddresses(addresses: string[]): void {
  assertIsolated();
  for (const address of addresses) {
    if (familyOf(address) === 4) ip(4, ['addr', 'replace', `${address}/32`, 'dev', 'lo']);
    else ip(6, ['addr', 'replace', `${address}/128`, 'dev', 'lo', 'nodad']);
  }
  const pending = addresses.filter((a) => familyOf(a) === 6);
  const deadline = performance.now() + IPV6_ROUTE_WAIT_MS;
  for (const address of pending) {
    while (ip(6, ['route', 'show', 'table', 'local', address]).trim() === '') {
      if (performance.now() > deadline) throw new Error(`the IPv6 alias ${address} got no local route within ${IPV6_ROUTE_WAIT_MS} ms`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10); // a 10 ms synchronous pause
    }
  }
}

/** Remove aliases added by addAddresses (the address stops existing: connects then fail like `offline`). */
export function removeAddresses(addresses: string[]): void {
  assertIsolated();
  for (const address of addresses) {
    const family = familyOf(address);
    ip(family, ['addr', 'del', `${address}/${family === 4 ? 32 : 128}`, 'dev', 'lo']);
  }
}

/**
 * Replace a file (e.g. /etc/hosts) for this namespace only, by bind-mounting a private copy over it. Only in the
 * private mount namespace runInNamespace makes: it refuses to run in the host's.
 */
export function bindFile(target: string, content: string): void {
  assertIsolated();
  const hostMounts = process.env[HOST_MOUNT_NS_ENV];
  if (!hostMounts || readlinkSync('/proc/self/ns/mnt') === hostMounts) {
    throw new Error(`refusing to bind-mount over ${target}: not in a private mount namespace made by runInNamespace`);
  }
  const file = join(mkdtempSync(join(tmpdir(), 'outage-probe-netns-')), 'file');
  writeFileSync(file, content);
  run('mount', ['--bind', file, target]);
}

/**
 * Mount a small tmpfs at `dir` (created when missing), in this namespace's private mount table only: a disk that
 * fills after `sizeKiB`, or a read-only file system. See tmpfs(5).
 */
export function mountTmpfs(dir: string, options: { sizeKiB: number; readOnly?: boolean }): void {
  assertIsolated();
  const hostMounts = process.env[HOST_MOUNT_NS_ENV];
  if (!hostMounts || readlinkSync('/proc/self/ns/mnt') === hostMounts) {
    throw new Error(`refusing to mount over ${dir}: not in a private mount namespace made by runInNamespace`);
  }
  mkdirSync(dir, { recursive: true });
  run('mount', ['-t', 'tmpfs', '-o', `size=${options.sizeKiB}k${options.readOnly ? ',ro' : ''}`, 'tmpfs', dir]);
}

export interface ResolvConfOptions {
  /** Seconds glibc waits per try (resolv.conf(5) `timeout`); default 1. */
  timeoutSeconds?: number;
  /** Tries per nameserver (`attempts`); default 1. */
  attempts?: number;
  /** Domains a short name is tried under (`search`); none by default. */
  search?: string[];
  /** Names with fewer dots are tried under `search` first (`options ndots:n`); glibc's default (1) when absent. */
  ndots?: number;
}

/** The system resolver (getaddrinfo) of every process in this namespace asks these nameservers. See resolv.conf(5). */
export function bindResolvConf(nameservers: string[], options: ResolvConfOptions = {}): void {
  const lines = [
    ...nameservers.map((ns) => `nameserver ${ns}`),
    ...(options.search ? [`search ${options.search.join(' ')}`] : []),
    `options timeout:${options.timeoutSeconds ?? 1} attempts:${options.attempts ?? 1}${options.ndots !== undefined ? ` ndots:${options.ndots}` : ''}`,
  ];
  bindFile('/etc/resolv.conf', `${lines.join('\n')}\n`);
}

/** Where the `local` table's rule moves to, so shaping rules (lower numbers) come first. */
export const LOCAL_RULE_PRIORITY = 1000;
const KEEP_PRIORITY = 100;
const FAMILY_PRIORITY = 500;
const BLOCK_PRIORITY = 50;

const movedLocalRule = new Set<Family>();

function moveLocalRule(family: Family): void {
  if (movedLocalRule.has(family)) return;
  ip(family, ['rule', 'add', 'priority', String(LOCAL_RULE_PRIORITY), 'lookup', 'local']);
  ip(family, ['rule', 'del', 'priority', '0', 'lookup', 'local']);
  movedLocalRule.add(family);
}

/** One `ip rule` added; undone by deleting the same selector. */
function addRule(family: Family, selector: string[]): () => void {
  moveLocalRule(family);
  try {
    ip(family, ['rule', 'add', ...selector]);
  } catch (err) {
    if (/File exists/.test(String(err))) return () => {}; // another shape added the same rule (e.g. offline + ipv4-only)
    throw err;
  }
  return () => ip(family, ['rule', 'del', ...selector]);
}

/** The loopback range a family keeps when the host has no route in it. */
const LOOPBACK: Record<Family, string> = { 4: '127.0.0.0/8', 6: '::1/128' };

/** No route in this family: every destination but loopback gets ENETUNREACH. */
function familyUnreachable(family: Family): Array<() => void> {
  return [
    addRule(family, ['priority', String(KEEP_PRIORITY), 'to', LOOPBACK[family], 'lookup', 'local']),
    addRule(family, ['priority', String(FAMILY_PRIORITY), 'unreachable']),
  ];
}

const BLOCKS: Record<BlockMethod, { via: 'nft'; hook: 'input' | 'output'; verdict: string } | { via: 'rule'; action: 'prohibit' | 'unreachable' }> = {
  drop: { via: 'nft', hook: 'input', verdict: 'drop' },
  // nft's bare `reject` in an inet table is `reject with icmpx port-unreachable` (nft(8), REJECT STATEMENT).
  reject: { via: 'nft', hook: 'input', verdict: 'reject' },
  'admin-prohibited': { via: 'nft', hook: 'input', verdict: 'reject with icmpx admin-prohibited' },
  'local-drop': { via: 'nft', hook: 'output', verdict: 'drop' },
  'local-prohibit': { via: 'rule', action: 'prohibit' },
  'no-route': { via: 'rule', action: 'unreachable' },
};

let nftTables = 0;

function block(shape: Extract<HostShape, { kind: 'block' }>): Array<() => void> {
  const method = BLOCKS[shape.how];
  if (method.via === 'rule') {
    const undo: Array<() => void> = [];
    for (const address of shape.to) {
      const family = familyOf(address);
      const to = ['priority', String(BLOCK_PRIORITY), 'to', address];
      if (!shape.ports) undo.push(addRule(family, [...to, method.action]));
      else for (const proto of ['udp', 'tcp']) for (const port of shape.ports) undo.push(addRule(family, [...to, 'ipproto', proto, 'dport', String(port), method.action]));
    }
    return undo;
  }
  const table = `outage_probe_block_${++nftTables}`;
  const ports = shape.ports ? ` meta l4proto { tcp, udp } th dport { ${shape.ports.join(', ')} }` : '';
  const rules = shape.to.map((address) => `    ${familyOf(address) === 4 ? 'ip' : 'ip6'} daddr ${address}${ports} ${method.verdict}`);
  run('nft', ['-f', '-'], `table inet ${table} {\n  chain c {\n    type filter hook ${method.hook} priority 0; policy accept;\n${rules.join('\n')}\n  }\n}\n`);
  return [() => run('nft', ['delete', 'table', 'inet', table])];
}

function writeSysctl(path: string, value: string): void {
  writeFileSync(`/proc/sys/${path}`, value);
}

export interface Shaping {
  /** Take the shape away again (rules deleted, lo up, IPv6 on); aliases removed by ipv6-disabled do not come back. */
  undo(): void;
}

/** Make this namespace's network misbehave the way a real host's does; see the table at the top of this file. */
export function shapeHost(shape: HostShape): Shaping {
  assertIsolated();
  let undo: Array<() => void>;
  switch (shape.kind) {
    case 'loopback-down':
      // As a fresh namespace is: no address and the link down. Only setting the link down would leave the IPv4
      // local routes in place, and packets to them vanish (connects time out, measured): not what any host shows.
      run('ip', ['addr', 'flush', 'dev', 'lo']);
      run('ip', ['link', 'set', 'lo', 'down']);
      undo = [() => run('ip', ['link', 'set', 'lo', 'up'])]; // brings back 127.0.0.1 and ::1, not the aliases
      break;
    case 'offline':
      undo = [...familyUnreachable(4), ...familyUnreachable(6)];
      break;
    case 'ipv4-only':
      undo = familyUnreachable(6);
      break;
    case 'ipv6-only':
      undo = familyUnreachable(4);
      break;
    case 'ipv6-disabled':
      for (const conf of ['all', 'default', 'lo']) writeSysctl(`net/ipv6/conf/${conf}/disable_ipv6`, '1');
      undo = [() => ['all', 'default', 'lo'].forEach((conf) => writeSysctl(`net/ipv6/conf/${conf}/disable_ipv6`, '0'))];
      break;
    case 'block':
      undo = block(shape);
      break;
  }
  let undone = false;
  return {
    undo() {
      if (undone) return;
      undone = true;
      for (const step of undo.reverse()) step();
    },
  };
}

/**
 * A path MTU black hole on this host's way out in one family: packets longer than `maxBytes` are dropped and no ICMP
 * "Packet Too Big" comes back, so connections open (their packets are small) and the first full-sized packet — a
 * server's certificate flight — never arrives. Traffic from or to `except` passes, as a server that sends packets
 * small enough for the path does (Cloudflare's IPv6 MTU is 1,400: https://blog.cloudflare.com/increasing-ipv6-mtu/).
 * On the input hook, so the sender sees what it would on a real path: its packets left and vanished.
 */
export function dropLargePackets(family: Family, maxBytes: number, except: string[] = []): Shaping {
  const proto = family === 4 ? 'ip' : 'ip6';
  const spared = except.length > 0 ? ` ${proto} saddr != { ${except.join(', ')} } ${proto} daddr != { ${except.join(', ')} }` : '';
  return inputDropRule('mtu', `meta nfproto ${family === 4 ? 'ipv4' : 'ipv6'}${spared} meta length > ${maxBytes} drop`);
}

/**
 * A path that loses packets: each packet arriving in this namespace is dropped with probability `percent` / 100, both
 * ways (on lo every packet arrives once), as a weak Wi-Fi or a congested uplink loses them — some of everything, at
 * random. nftables' `numgen random` draws a number per packet (nft(8), NUMGEN EXPRESSION).
 */
export function dropRandomPackets(percent: number): Shaping {
  return inputDropRule('loss', `numgen random mod 100 < ${Math.round(percent)} drop`);
}

/**
 * One family's way out broken silently: every packet of `family` to or from anything but loopback's own address is
 * dropped, with no error back — a host with an IPv6 address and default route whose upstream drops IPv6 (a router
 * announcing a prefix it cannot route, a tunnel whose far end is gone), the case Happy Eyeballs (RFC 8305) exists for.
 */
export function dropFamily(family: Family): Shaping {
  return inputDropRule('family', family === 4 ? 'meta nfproto ipv4 ip saddr != 127.0.0.0/8 drop' : 'meta nfproto ipv6 ip6 saddr != ::1 drop');
}

/**
 * A network that limits this host's connections: a TCP connection to `port` (of `to` only, when given: one server's
 * firewall) beyond `max` open at once is never answered (its SYN dropped, as a firewall's per-source connection limit
 * or a NAT out of ports for this host drops it; nft(8) `ct count`, written as the nftables wiki's connlimit example
 * with drop: https://wiki.nftables.org/wiki-nftables/index.php/Meters). On the output hook, before the connection is
 * confirmed: a SYN dropped there leaves no entry to count, as on a firewall's forward path (dropped on input, on lo,
 * its own entry would count against it: measured, every later SYN then dropped for the entry's 120 s).
 */
export function limitConnections(port: number, max: number, to: string[] = []): Shaping {
  const rule = `tcp flags syn tcp dport ${port} ct count over ${max} drop`;
  // One rule a family (each counts its own): `ip daddr … ip6 daddr …` in one rule would match nothing.
  return nftRule('connlimit', 'output', to.length === 0 ? rule : addressMatches('daddr', to).map((m) => `${m} ${rule}`).join('\n    '));
}

/**
 * A network that refuses this host's connections to port `port` of `destinations` (addresses or prefixes) at once,
 * with a TCP reset (nft(8) `reject with tcp reset`): a firewall rule, a proxy's deny list, an ISP's or a court-ordered
 * block of a provider's ranges (as Spanish ISPs blocked Cloudflare addresses during LaLiga matches in 2025).
 */
export function refuseConnectionsTo(destinations: string[], port: number): Shaping {
  return nftRule('refuse', 'output', addressMatches('daddr', destinations).map((m) => `${m} tcp dport ${port} reject with tcp reset`).join('\n    '));
}

/** nft(8) matches for addresses or prefixes, one per family present: `ip saddr { … }`, `ip6 saddr { … }`. */
function addressMatches(field: 'saddr' | 'daddr', addresses: string[]): string[] {
  const v4 = addresses.filter((a) => familyOf(a.split('/')[0]!) === 4);
  const v6 = addresses.filter((a) => familyOf(a.split('/')[0]!) === 6);
  return [v4.length > 0 ? `ip ${field} { ${v4.join(', ')} }` : null, v6.length > 0 ? `ip6 ${field} { ${v6.join(', ')} }` : null].filter((m): m is string => m !== null);
}

/** An Ethernet path's MTU: the size real packets have on their way to this host. */
const PATH_MTU = 1500;

/**
 * A network that counts the bytes each connection from `sources` (their port 443) brings and drops every packet
 * past `bytes`: the connection opens, the response begins and then nothing more arrives — as Russian ISPs throttled
 * Cloudflare from 2025-06-09, letting "only the first 16 KB of any web asset" through, Hetzner's, DigitalOcean's and
 * OVH's alike (https://blog.cloudflare.com/russian-internet-users-are-unable-to-access-the-open-internet/). nft(8)
 * `ct reply bytes` counts what came back on a connection (conntrack accounting on, nf_conntrack_acct). lo gets an
 * Ethernet MTU and no segmentation offload meanwhile: otherwise a 64 KB send is one packet to the rule, dropped whole,
 * where on a real path a middlebox sees it as forty.
 */
export function cutConnectionsAfter(sources: string[], bytes: number): Shaping {
  assertIsolated();
  const link = run('ip', ['-d', 'link', 'show', 'lo']);
  const was = ['mtu', 'gso_max_size', 'gso_max_segs'].map((key) => [key, new RegExp(`\\b${key} (\\d+)`).exec(link)?.[1] ?? null] as const);
  run('ip', ['link', 'set', 'lo', 'mtu', String(PATH_MTU), 'gso_max_size', String(PATH_MTU), 'gso_max_segs', '1']);
  const rules = addressMatches('saddr', sources).map((m) => `${m} tcp sport 443 ct reply bytes > ${bytes} drop`);
  const cut = nftRule('cut', 'output', rules.join('\n    '));
  // Accounting starts for connections made from now on; the rule above has loaded conntrack, which this needs.
  writeSysctl('net/netfilter/nf_conntrack_acct', '1');
  let undone = false;
  return {
    undo() {
      if (undone) return;
      undone = true;
      cut.undo();
      const restore = was.flatMap(([key, value]) => (value === null ? [] : [key, value]));
      if (restore.length > 0) run('ip', ['link', 'set', 'lo', ...restore]);
    },
  };
}

/** One nftables rule on the input hook, in a table of its own that `undo` deletes. */
function inputDropRule(what: string, rule: string): Shaping {
  return nftRule(what, 'input', rule);
}

function nftRule(what: string, hook: 'input' | 'output', rule: string): Shaping {
  assertIsolated();
  const table = `outage_probe_${what}_${++nftTables}`;
  run('nft', ['-f', '-'], `table inet ${table} {\n  chain c {\n    type filter hook ${hook} priority 0; policy accept;\n    ${rule}\n  }\n}\n`);
  let undone = false;
  return {
    undo() {
      if (undone) return;
      undone = true;
      run('nft', ['delete', 'table', 'inet', table]);
    },
  };
}

// ───────────────────────────── processes inside ─────────────────────────────

export interface ProcessOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** SIGKILL after this long; default 60 s. */
  timeoutMs?: number;
  input?: string;
}

/**
 * Run a program to completion and collect what it printed (e.g. `runProcess(process.execPath, [OUTAGE_PROBE_BIN,
 * 'check', '--config', path, '--json'])`). Never rejects for the program's own failure: that is in the result.
 */
export function runProcess(program: string, args: string[], options: ProcessOptions = {}): Promise<ProcessResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(program, args, { cwd: options.cwd, env: { ...process.env, NO_COLOR: '1', ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
    const killer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 60_000);
    child.on('error', (err) => {
      clearTimeout(killer);
      resolve({ code: null, signal: null, stdout, stderr: `${stderr}${String(err)}`, ms: performance.now() - started, timedOut });
    });
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started, timedOut });
    });
  });
}

/** What a run of the tool printed, with its JSON report parsed (null when stdout holds none: a crash, a usage error). */
export interface CheckRun extends ProcessResult {
  report: unknown;
}

/** The run's stdout as a JSON report, or null. */
export function withReport(run: ProcessResult): CheckRun {
  let report: unknown = null;
  try {
    report = JSON.parse(run.stdout);
  } catch {
    // no report: the caller asserts on code and stderr
  }
  return { ...run, report };
}

/** `outage-probe check --config CONFIG --json` (another build with `bin`), run to completion, its report parsed. */
export async function checkJson(config: string, options: ProcessOptions & { bin?: string } = {}): Promise<CheckRun> {
  const { bin, ...processOptions } = options;
  return withReport(await runProcess(process.execPath, [bin ?? OUTAGE_PROBE_BIN, 'check', '--config', config, '--json'], processOptions));
}
