// Inside a fresh namespace: one server of forty sites behind a firewall that drops each client's connections over a
// limit (argv[2]: JSON { limit: number }): a real nginx at 127.0.28.10 with forty name-based virtual hosts over TLS,
// each proxying to a 150 ms application server; nftables drops a SYN to it while this host has `limit` connections
// there (src/lab/netns.ts limitConnections). Beside it, twenty sites at 127.0.28.30, an address whose every packet
// is dropped (blackholed: its connects time out and it serves nothing), and one healthy site elsewhere. Runs the real
// binary with --json (timeout 3 s: a SYN sent again after 1 s and 3 s), and reports its exit and report.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa } from '../../../dist/lab/ca.js';
import { startDnsServer } from '../../../dist/lab/dns-server.js';
import { startHttpServer } from '../../../dist/lab/http-server.js';
import { startNginx } from '../../../dist/lab/nginx.js';
import { checkJson, insideNamespace, limitConnections, loopbackUp, runStep, setupStep, shapeHost } from '../../../dist/lab/netns.js';

const spec = JSON.parse(process.argv[2]);
const LIMITED = '127.0.28.10';
const BLACKHOLED = '127.0.28.30';

await insideNamespace(async () => {
  setupStep('nginx with forty virtual hosts, its application, a blackholed address, a healthy site, a lab resolver');
  loopbackUp();
  const ca = createCa('outage-probe connection-limit lab CA');
  const dir = mkdtempSync(join(tmpdir(), 'connection-limit-'));
  writeFileSync(join(dir, 'ca.pem'), ca.cert);
  const app = await startHttpServer({ host: '127.0.28.8', handler: () => ({ kind: 'respond', status: 200, body: 'app', delayMs: 150 }) });
  const limited = Array.from({ length: 40 }, (_, i) => `s${i + 1}.shared${i + 1}.test`);
  const dark = Array.from({ length: 20 }, (_, i) => `d${i + 1}.dark${i + 1}.test`);
  const nginx = await startNginx(LIMITED, limited.map((serverName) => ({ serverName, upstream: `127.0.28.8:${app.port}`, tls: ca.issue([serverName]) })));
  // The blackholed sites' URLs name nginx's port: only the address differs.
  const healthy = await startHttpServer({ host: '127.0.28.20', port: nginx.port, tls: ca.issue(['elsewhere.other.test']), handler: () => ({ kind: 'respond', status: 200, body: 'ok' }) });
  const at = { ...Object.fromEntries(limited.map((n) => [n, LIMITED])), ...Object.fromEntries(dark.map((n) => [n, BLACKHOLED])), 'elsewhere.other.test': '127.0.28.20' };
  const names = Object.keys(at);
  const dns = await startDnsServer({ host: '127.0.28.53', data: { zones: names.map((n) => n.split('.').slice(1).join('.')), records: Object.fromEntries(names.map((n) => [n, { A: [at[n]] }])) } });
  writeFileSync(
    join(dir, 'probes.yaml'),
    `resolvers:\n  - { name: lab, address: "127.0.28.53:${dns.port}" }\ndefaults: { timeout: 3s, deadline: 25s, paths: [edge] }\ntls: { ca: ./ca.pem }\nsites:\n` +
      names.map((n) => `  - { name: ${n.split('.')[0]}, url: "https://${n}:${nginx.port}/" }\n`).join(''),
  );
  const shapes = [limitConnections(nginx.port, spec.limit, [LIMITED]), shapeHost({ kind: 'block', to: [BLACKHOLED], how: 'drop' })];
  runStep(`outage-probe check --json, connections to ${LIMITED} over ${spec.limit} dropped`);
  try {
    const run = await checkJson(join(dir, 'probes.yaml'), { cwd: dir });
    return { code: run.code, stderr: run.stderr, report: run.report };
  } finally {
    for (const shape of shapes) shape.undo();
    await Promise.all([nginx, app, healthy, dns].map((s) => s.close()));
  }
});
