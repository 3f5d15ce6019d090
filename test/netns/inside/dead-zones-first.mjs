// Inside a fresh namespace: a list whose first sites are in zones nobody answers for (their DNS host down, as Dyn's
// was on 2016-10-21), then healthy sites; the host's own resolver in /etc/resolv.conf with glibc's defaults
// (timeout:5 attempts:2) and a second resolver over UDP, both lab DNS servers that stay silent for the dead zones.
// argv[2]: JSON { dead: number, healthy: number, deadline: string, doh?: 'named' | 'dropped' }. `doh` adds a DoH
// resolver: 'named', on a name in the first dead zone (its lookup hangs in glibc); 'dropped', on an address whose
// port 443 drops every packet. Reports the check's exit, its JSON report and its wall time.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa } from '../../../dist/lab/ca.js';
import { startDnsServer } from '../../../dist/lab/dns-server.js';
import { startHttpServer } from '../../../dist/lab/http-server.js';
import { addAddresses, bindResolvConf, checkJson, insideNamespace, loopbackUp, shapeHost } from '../../../dist/lab/netns.js';

const spec = JSON.parse(process.argv[2]);

await insideNamespace(async () => {
  loopbackUp();
  const records = {};
  const zones = [];
  for (let i = 1; i <= spec.healthy; i++) {
    records[`www.ok${i}.test`] = { A: [`127.0.60.${i}`] };
    zones.push(`ok${i}.test`);
  }
  for (let i = 1; i <= spec.dead; i++) {
    records[`www.dead${i}.test`] = { A: [`127.0.61.${i}`] };
    zones.push(`dead${i}.test`);
  }
  const SYSTEM = '192.168.53.53';
  const OTHER = '192.0.2.53';
  const DROPPED_DOH = '192.0.2.80';
  addAddresses([SYSTEM, OTHER, DROPPED_DOH]);
  const doh = { named: 'https://dns.dead1.test/dns-query', dropped: `https://${DROPPED_DOH}/dns-query` }[spec.doh] ?? null;
  const shaping = spec.doh === 'dropped' ? shapeHost({ kind: 'block', to: [DROPPED_DOH], ports: [443], how: 'drop' }) : null;
  const fault = (name) => (/(^|\.)dead\d+\.test$/.test(name) ? 'silent' : null);
  const dns = await Promise.all([SYSTEM, OTHER].map((host) => startDnsServer({ host, port: 53, data: { records, zones }, fault, delayMs: 20 })));
  bindResolvConf([SYSTEM], { timeoutSeconds: 5, attempts: 2 });
  const ca = createCa('outage-probe dead-zones lab CA');
  const dir = mkdtempSync(join(tmpdir(), 'dead-zones-first-'));
  writeFileSync(join(dir, 'ca.pem'), ca.cert);
  const edges = await Promise.all(
    Array.from({ length: spec.healthy }, (_, i) =>
      startHttpServer({ host: `127.0.60.${i + 1}`, port: 443, tls: ca.issue([`www.ok${i + 1}.test`]), handler: () => ({ kind: 'respond', status: 200, body: 'ok' }) }),
    ),
  );
  const hosts = [...Array.from({ length: spec.dead }, (_, i) => `dead${i + 1}`), ...Array.from({ length: spec.healthy }, (_, i) => `ok${i + 1}`)];
  writeFileSync(
    join(dir, 'probes.yaml'),
    `resolvers:\n  - { name: system, system: true }\n  - { name: other, address: "${OTHER}" }\n${doh ? `  - { name: doh, doh: "${doh}" }\n` : ''}` +
      `defaults: { timeout: 3s, deadline: ${spec.deadline} }\ntls: { ca: ./ca.pem }\nsites:\n` +
      hosts.map((h) => `  - { name: ${h}, url: "https://www.${h}.test/" }\n`).join(''),
  );
  try {
    const started = performance.now();
    const run = await checkJson(join(dir, 'probes.yaml'), { timeoutMs: 90_000 });
    return { code: run.code, stderr: run.stderr, report: run.report, ms: Math.round(performance.now() - started) };
  } finally {
    shaping?.undo();
    await Promise.all([...dns, ...edges].map((s) => s.close()));
  }
});
