// Inside a fresh namespace: 160 sites at three servers that keep serving, three resolvers answering them, and a drop
// (nftables, src/lab/netns.ts shapeHost 'block') of every packet to some of the resolvers — or to every address —
// once the resolvers together have taken `darkAfter` questions: the moment is the resolvers' own count, so load
// cannot move it. argv[2]: JSON { resolvers, dark?, everything?, darkAfter, backAfterMs?, bin? }: `resolvers` are their
// addresses (aliases on this namespace's `lo`: 1.1.1.1 here is a lab server, and nothing leaves the namespace), `dark`
// those dropped (all of them when absent), `everything` drops the servers too (this host's way out gone),
// `backAfterMs` lifts the drop after that long (a blip). Pages take 300 ms, so fetches of the names resolved before
// the drop go on after it. Runs the real binary with --json.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa } from '../../../dist/lab/ca.js';
import { startDnsServer } from '../../../dist/lab/dns-server.js';
import { startHttpServer } from '../../../dist/lab/http-server.js';
import { addAddresses, checkJson, insideNamespace, loopbackUp, runStep, setupStep, shapeHost } from '../../../dist/lab/netns.js';

const spec = JSON.parse(process.argv[2]);
const SERVERS = ['203.0.113.20', '198.51.100.20', '192.0.2.20'];
const PAGE_MS = 300;

await insideNamespace(async () => {
  setupStep('three servers that keep serving, resolvers that will stop answering');
  loopbackUp();
  addAddresses([...SERVERS, ...spec.resolvers]);
  const ca = createCa('outage-probe dns-goes-dark lab CA');
  const dir = mkdtempSync(join(tmpdir(), 'dns-goes-dark-'));
  writeFileSync(join(dir, 'ca.pem'), ca.cert);
  const names = Array.from({ length: 160 }, (_, i) => `s${i + 1}.zone${i + 1}.test`);
  const at = Object.fromEntries(names.map((n, i) => [n, SERVERS[i % SERVERS.length]]));
  const servers = await Promise.all(SERVERS.map((host) => startHttpServer({ host, port: 443, tls: ca.issue(names), handler: () => ({ kind: 'respond', status: 200, body: 'ok', delayMs: PAGE_MS }) })));
  let shape = null;
  let questions = 0;
  const count = () => {
    questions += 1;
    if (questions !== spec.darkAfter) return null;
    shape = shapeHost({ kind: 'block', to: spec.everything ? [...spec.resolvers, ...SERVERS] : (spec.dark ?? spec.resolvers), how: 'drop' });
    if (spec.backAfterMs) setTimeout(() => shape.undo(), spec.backAfterMs);
    return null;
  };
  const data = { zones: names.map((n) => n.split('.').slice(1).join('.')), records: Object.fromEntries(names.map((n) => [n, { A: [at[n]] }])) };
  const resolvers = await Promise.all(spec.resolvers.map((host) => startDnsServer({ host, port: 53, fault: count, data })));
  writeFileSync(
    join(dir, 'probes.yaml'),
    `resolvers:\n${spec.resolvers.map((address, i) => `  - { name: r${i + 1}, address: "${address}" }\n`).join('')}defaults: { timeout: 3s, deadline: 40s, paths: [edge] }\ntls: { ca: ./ca.pem }\nsites:\n` +
      names.map((n) => `  - { name: ${n.split('.')[0]}, url: "https://${n}/" }\n`).join(''),
  );
  runStep(`outage-probe check --json, ${spec.everything ? 'every address' : (spec.dark ?? spec.resolvers).join(', ')} dropped after the resolvers' ${spec.darkAfter}th question`);
  try {
    const run = await checkJson(join(dir, 'probes.yaml'), { bin: spec.bin, cwd: dir });
    return { code: run.code, stderr: run.stderr, report: run.report, questions };
  } finally {
    shape?.undo();
    await Promise.all([...servers, ...resolvers].map((s) => s.close()));
  }
});
