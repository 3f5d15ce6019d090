// A real nginx as a shared web server: several name-based virtual hosts over TLS on one address, each proxying to
// its own upstream (an application server) or answering itself. What nginx answers when an upstream is gone — its
// own 502 page — is nginx's, not the lab's idea of it.
//
// Runs in the foreground as a child of the calling process, without a master process and without root: the
// directives, as documented for nginx 1.22 (https://nginx.org/en/docs/ngx_core_module.html and
// https://nginx.org/en/docs/http/ngx_http_proxy_module.html; the installed nginx(8)):
// - command line: `-p <prefix>` (the prefix path), `-c <file>` (the configuration), `-e stderr` (the error log
//   before the configuration is read, since 1.19.5);
// - `daemon off;` (stay in the foreground), `master_process off;` (one process: "should not be used in
//   production", fine for a test), `pid` and `error_log` under the prefix;
// - `client_body_temp_path`, `proxy_temp_path` and the other temp paths under the prefix (their defaults are under
//   /var/lib/nginx, which a non-root run cannot write);
// - `listen <address>:<port> ssl;` with `ssl_certificate` / `ssl_certificate_key` per `server_name`;
// - `proxy_pass http://<upstream>;` and `proxy_connect_timeout` (an upstream refusing connections gets nginx's 502
//   "Bad Gateway" at once);
// - a limit on each client's requests across every virtual host (https://nginx.org/en/docs/http/ngx_http_limit_req_module.html):
//   `limit_req_zone $binary_remote_addr zone=<name>:1m rate=<n>r/m;` in `http`, `limit_req zone=<name>;` and
//   `limit_req_status <code>;` (default 503) where it applies — requests over the rate get that status and nginx's
//   own page for it;
// - a limit on each client's connections at once across every virtual host
//   (https://nginx.org/en/docs/http/ngx_http_limit_conn_module.html): `limit_conn_zone $binary_remote_addr
//   zone=<name>:1m;` in `http`, `limit_conn <name> <n>;` and `limit_conn_status <code>;` (default 503). nginx counts a
//   connection once its request header is read and while the request is processed: a request over the limit gets
//   that status and nginx's own page for it.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { acceptsConnections, freePort } from './ports.js';

export interface NginxVirtualHost {
  serverName: string;
  tls: { cert: string; key: string };
  /** host:port of the application server it proxies to; or null to answer 200 with `body` itself. */
  upstream: string | null;
  body?: string;
}

export interface NginxOptions {
  /** Each client address's requests across all the virtual hosts, at most this many a minute; the rest get `status`. */
  limitRequests?: { perMinute: number; status: number };
  /** Each client address's requests in process at once across all the virtual hosts, at most this many; the rest get `status`. */
  limitConnections?: { perClient: number; status: number };
}

export interface RunningNginx {
  address: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A virtual host's own page, as a file in `dir` it serves (not `return 200 …`: `return` answers in the rewrite phase,
 * before limit_req's preaccess phase could refuse the request).
 */
function ownPage(dir: string, body: string): string {
  mkdirSync(dir);
  writeFileSync(join(dir, 'index.html'), body);
  return `default_type text/html; root ${dir}; index index.html;`;
}

function config(prefix: string, address: string, port: number, hosts: NginxVirtualHost[], options: NginxOptions): string {
  const limit = options.limitRequests;
  const conns = options.limitConnections;
  const limited =
    (limit ? `limit_req zone=perclient; limit_req_status ${limit.status}; ` : '') + (conns ? `limit_conn perclientconns ${conns.perClient}; limit_conn_status ${conns.status}; ` : '');
  const servers = hosts.map((h, i) => {
    writeFileSync(join(prefix, `site${i}.crt`), h.tls.cert);
    writeFileSync(join(prefix, `site${i}.key`), h.tls.key);
    const location = h.upstream ? `proxy_pass http://${h.upstream}; proxy_connect_timeout 2s;` : ownPage(join(prefix, `site${i}`), h.body ?? 'ok');
    return `  server {
    listen ${address.includes(':') ? `[${address}]` : address}:${port} ssl;
    server_name ${h.serverName};
    ssl_certificate ${join(prefix, `site${i}.crt`)};
    ssl_certificate_key ${join(prefix, `site${i}.key`)};
    location / { ${limited}${location} }
  }`;
  });
  return `daemon off;
master_process off;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'error.log')} warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${join(prefix, 'tmp', 'body')};
  proxy_temp_path ${join(prefix, 'tmp', 'proxy')};
  fastcgi_temp_path ${join(prefix, 'tmp', 'fastcgi')};
  uwsgi_temp_path ${join(prefix, 'tmp', 'uwsgi')};
  scgi_temp_path ${join(prefix, 'tmp', 'scgi')};
${limit ? `  limit_req_zone $binary_remote_addr zone=perclient:1m rate=${limit.perMinute}r/m;\n` : ''}${conns ? '  limit_conn_zone $binary_remote_addr zone=perclientconns:1m;\n' : ''}${servers.join('\n')}
}
`;
}

/**
 * Start nginx serving `hosts` on one address; resolves once it accepts connections. The port is found free just
 * before nginx binds it: another process taking it in between makes nginx fail to start, and a new port is tried.
 */
export async function startNginx(address: string, hosts: NginxVirtualHost[], options: NginxOptions = {}): Promise<RunningNginx> {
  let failure: unknown;
  for (let tries = 0; tries < 3; tries += 1) {
    try {
      return await startNginxOnce(address, hosts, options);
    } catch (err) {
      failure = err;
    }
  }
  throw failure;
}

async function startNginxOnce(address: string, hosts: NginxVirtualHost[], options: NginxOptions): Promise<RunningNginx> {
  const prefix = mkdtempSync(join(tmpdir(), 'outage-probe-nginx-'));
  mkdirSync(join(prefix, 'tmp'));
  mkdirSync(join(prefix, 'logs'));
  const port = await freePort(address);
  const file = join(prefix, 'nginx.conf');
  writeFileSync(file, config(prefix, address, port, hosts, options));
  const child: ChildProcess = spawn('nginx', ['-p', prefix, '-c', file, '-e', 'stderr'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
    rmSync(prefix, { recursive: true, force: true });
  };
  for (let tries = 0; tries < 100; tries += 1) {
    if (child.exitCode !== null) break;
    if (await acceptsConnections(address, port)) return { address, port, close };
    await new Promise((r) => setTimeout(r, 50));
  }
  await close();
  throw new Error(`nginx did not start on ${address}:${port}: ${stderr.trim() || 'no output'}`);
}
