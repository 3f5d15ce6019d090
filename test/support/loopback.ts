// Small loopback setups for end-to-end tests: a CA, DNS servers and HTTPS edges on 127.0.0.0/8,
// all edges on one shared port so site URLs can name it.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, type TestCa } from '../../src/lab/ca.js';
import { startHttpServer, type HttpServerOptions, type RunningHttpServer } from '../../src/lab/http-server.js';
import { startDnsServer, type DnsServerOptions, type RunningDnsServer } from '../../src/lab/dns-server.js';
import type { Report } from '../../src/model.js';
import { runCli } from './cli.js';

export interface Loopback {
  ca: TestCa;
  dir: string;
  caFile: string;
  /** Start HTTPS servers on these addresses, all on one port; returns the port. */
  edges(
    addresses: string[],
    names: string[],
    handlerFor: (address: string) => HttpServerOptions['handler'],
    extra?: Partial<HttpServerOptions>,
  ): Promise<number>;
  dns(options: DnsServerOptions): Promise<RunningDnsServer>;
  writeFile(name: string, text: string): string;
  close(): Promise<void>;
}

export function loopback(): Loopback {
  const ca = createCa('outage-probe test CA');
  const dir = mkdtempSync(join(tmpdir(), 'outage-probe-test-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, ca.cert);
  const closers: (() => Promise<void>)[] = [];
  return {
    ca,
    dir,
    caFile,
    async edges(addresses, names, handlerFor, extra = {}) {
      const pem = ca.issue(names);
      let port = 0;
      for (const host of addresses) {
        const server: RunningHttpServer = await startHttpServer({ host, port, tls: { ...pem }, handler: handlerFor(host), ...extra });
        port = server.port;
        closers.push(() => server.close());
      }
      return port;
    },
    async dns(options) {
      const server = await startDnsServer(options);
      closers.push(() => server.close());
      return server;
    },
    writeFile(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    async close() {
      await Promise.all(closers.splice(0).map((c) => c()));
    },
  };
}

/**
 * The real binary's `check --json` of sites each served at its own address and port (name → [address, port]): a lab
 * resolver at `resolverHost` answers each name (its zone the name's parent), and the config lists each site by its
 * first label, over its edge only.
 */
export async function checkSitesAt(
  lab: Loopback,
  resolverHost: string,
  at: Record<string, [address: string, port: number]>,
  configName: string,
  defaults = '{ timeout: 3s, deadline: 15s, paths: [edge] }',
): Promise<{ code: number | null; report: Report }> {
  const zones = Object.keys(at).map((n) => n.split('.').slice(1).join('.'));
  const dns = await lab.dns({ host: resolverHost, data: { zones, records: Object.fromEntries(Object.entries(at).map(([n, [address]]) => [n, { A: [address] }])) } });
  const config = lab.writeFile(
    configName,
    `resolvers:
  - { name: lab, address: "${resolverHost}:${dns.port}" }
defaults: ${defaults}
tls: { ca: ./ca.pem }
sites:
${Object.entries(at).map(([n, [, port]]) => `  - { name: ${n.split('.')[0]}, url: "https://${n}:${port}/" }`).join('\n')}
`,
  );
  const run = await runCli(['check', '--config', config, '--json'], { cwd: lab.dir });
  return { code: run.code, report: JSON.parse(run.stdout) as Report };
}
