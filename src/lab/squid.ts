// A real Squid as the HTTP CONNECT proxy sites are fetched through (a `{ proxy: URL }` path): what Squid answers when
// it cannot open a tunnel — its own 503 with `X-Squid-Error: ERR_CONNECT_FAIL 111` for a refused connection,
// ERR_DNS_FAIL when it cannot resolve the name, its 403 ERR_ACCESS_DENIED for its policy — is Squid's, not the lab's
// idea of it. Squid resolves the names itself (the probe sends `CONNECT host:port`), from its hosts file first.
//
// Runs in the foreground as a child of the calling process (`squid -N -f <file> -n <name>`: no daemon; a service
// name of its own, which names the shared memory segments it makes, /dev/shm/squid-<name>-*; squid(8)). The
// directives, as documented for Squid 5 (https://www.squid-cache.org/Doc/config/<directive>/):
// - `http_port <address>:<port>`; `pid_filename`, `cache_log` and `access_log stdio:<file>` under its directory;
// - `cache deny all` and `cache_mem`: nothing is cached (a tunnel is never cached anyway);
// - `hosts_file <file>`: the names it resolves without asking DNS, as /etc/hosts lines; `dns_nameservers` for the
//   rest: a loopback address nothing answers on, so another name waits out `dns_timeout` (30 s, its default) and
//   gets 500 ERR_CANNOT_FORWARD;
// - `pinger_enable off` (its ICMP helper would ping the servers it talks to), `icp_port 0`, `htcp_port 0`: it sends
//   nothing of its own;
// - `acl NAME port N` / `acl NAME method CONNECT` / `acl NAME dstdomain HOST…` and `http_access allow|deny`: its
//   policy, first match wins;
// - `shutdown_lifetime 0 seconds`: SIGTERM ends it at once;
// - run as root, Squid switches to its `cache_effective_user` (Debian: proxy) and refuses to stay root: its
//   directory is writable by all, under the nearest temporary directory others may pass through (a test run's own
//   is private to it).

import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { acceptsConnections, freePort } from './ports.js';

export interface SquidOptions {
  /** The loopback address it listens on. */
  address: string;
  /** Names it resolves itself, without DNS: host name → address. */
  hosts: Record<string, string>;
  /** The ports it opens CONNECT tunnels to; every other is refused by its policy (403). Default: any. */
  connectPorts?: number[];
  /** Host names its policy refuses to tunnel to (403, as a company's blocklist does). Default: none. */
  deniedHosts?: string[];
}

export interface RunningSquid {
  address: string;
  port: number;
  url: string;
  /** Whether its access log has a line matching `pattern` within 2 s (Squid writes a tunnel's line as it closes). */
  logged(pattern: RegExp): Promise<boolean>;
  close(): Promise<void>;
}

function config(dir: string, port: number, options: SquidOptions): string {
  const policy = [
    ...(options.connectPorts ? [`acl tunnel_ports port ${options.connectPorts.join(' ')}`, 'acl CONNECT method CONNECT', 'http_access deny CONNECT !tunnel_ports'] : []),
    ...(options.deniedHosts?.length ? [`acl denied_hosts dstdomain ${options.deniedHosts.join(' ')}`, 'http_access deny denied_hosts'] : []),
  ];
  return [
    `http_port ${options.address}:${port}`,
    `pid_filename ${join(dir, 'squid.pid')}`,
    `cache_log ${join(dir, 'cache.log')}`,
    `access_log stdio:${join(dir, 'access.log')}`,
    `coredump_dir ${dir}`,
    'cache deny all',
    'cache_mem 1 MB',
    `hosts_file ${join(dir, 'hosts')}`,
    'dns_nameservers 127.0.0.9',
    'pinger_enable off',
    'icp_port 0',
    'htcp_port 0',
    'shutdown_lifetime 0 seconds',
    ...policy,
    'http_access allow all',
    '',
  ].join('\n');
}

/** Start Squid; resolves once it accepts connections. A port taken between finding it and Squid's bind: tried again. */
export async function startSquid(options: SquidOptions): Promise<RunningSquid> {
  let failure: unknown;
  for (let tries = 0; tries < 3; tries += 1) {
    try {
      return await startSquidOnce(options);
    } catch (err) {
      failure = err;
    }
  }
  throw failure;
}

let instances = 0;

/** The shared memory segments Squid 5 makes with one worker and no cache directory (seen in /dev/shm). */
const SHM_SEGMENTS = ['cf__metadata.shm', 'cf__queues.shm', 'cf__readers.shm'];

/** tmpdir(), or for root the nearest directory above it that other users may pass through (Squid will not be root). */
function squidParentDirectory(): string {
  let dir = tmpdir();
  if (process.getuid?.() !== 0) return dir;
  while ((statSync(dir).mode & 0o001) === 0 && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

async function startSquidOnce(options: SquidOptions): Promise<RunningSquid> {
  const dir = mkdtempSync(join(squidParentDirectory(), 'outage-probe-squid-'));
  chmodSync(dir, 0o777);
  const port = await freePort(options.address);
  writeFileSync(join(dir, 'hosts'), Object.entries(options.hosts).map(([name, address]) => `${address} ${name}\n`).join(''));
  const file = join(dir, 'squid.conf');
  writeFileSync(file, config(dir, port, options));
  const service = `outageprobe${process.pid}n${(instances += 1)}`;
  const child: ChildProcess = spawn('squid', ['-N', '-f', file, '-n', service], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const read = (name: string): string => {
    try {
      return readFileSync(join(dir, name), 'utf8');
    } catch {
      return '';
    }
  };
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
    // Squid removes its segments as it ends; not when killed.
    for (const segment of SHM_SEGMENTS) rmSync(`/dev/shm/squid-${service}-${segment}`, { force: true });
  };
  for (let tries = 0; tries < 200; tries += 1) {
    if (child.exitCode !== null) break;
    if (await acceptsConnections(options.address, port)) {
      const logged = async (pattern: RegExp) => {
        for (let waited = 0; waited < 2000 && !pattern.test(read('access.log')); waited += 50) await new Promise((r) => setTimeout(r, 50));
        return pattern.test(read('access.log'));
      };
      return { address: options.address, port, url: `http://${options.address}:${port}`, logged, close };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const log = read('cache.log');
  await close();
  const said = (stderr + log).trim().split('\n');
  const fatal = said.filter((line) => /FATAL|ERROR/.test(line));
  throw new Error(`squid did not start on ${options.address}:${port}: ${(fatal.length > 0 ? fatal : said.slice(-3)).join(' | ') || 'no output'}`);
}
