// Small loopback setups for end-to-end tests: a CA, DNS servers and HTTPS edges on 127.0.0.0/8,
// all edges on one shared port so site URLs can name it.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa, type TestCa } from '../../src/lab/ca.js';
import { startHttpServer, type HttpServerOptions, type RunningHttpServer } from '../../src/lab/http-server.js';
import { startDnsServer, type DnsServerOptions, type RunningDnsServer } from '../../src/lab/dns-server.js';

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
