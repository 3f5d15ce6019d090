// Inside a fresh namespace: forty sites at one address that stops answering while the run is under way — after it
// has taken `darkAfter` requests, every packet to it is dropped (nftables, src/lab/netns.ts shapeHost 'block'), the
// requests it was answering included — and 120 sites at three other servers that keep serving (each page 300 ms, so
// the run's fetches there go on after the stop: the control in time). argv[2]: JSON { address, darkAfter, headers?,
// everything?, slowMs? }: `headers` are what the forty sites' responses carry (a CDN's, for an edge address);
// `everything` drops the other servers and the resolver too at that moment (this host's way out gone mid-run);
// `slowMs` adds six sites at a fifth server whose pages take that long; `backAfterMs` lifts the drop again after that
// long (a blip: a Wi-Fi roam, a VPN reconnecting). Runs the real binary with --json.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa } from '../../../dist/lab/ca.js';
import { startDnsServer } from '../../../dist/lab/dns-server.js';
import { startHttpServer } from '../../../dist/lab/http-server.js';
import { addAddresses, checkJson, insideNamespace, loopbackUp, runStep, setupStep, shapeHost } from '../../../dist/lab/netns.js';

const spec = JSON.parse(process.argv[2]);
const OTHERS = ['203.0.113.20', '198.51.100.20', '192.0.2.20'];
const RESOLVER = '192.0.2.53';
const PAGE_MS = 300;
const SLOW = '198.18.0.20';

await insideNamespace(async () => {
  setupStep('an address that will stop answering, three that keep serving, a lab resolver');
  loopbackUp();
  addAddresses([spec.address, ...OTHERS, RESOLVER, ...(spec.slowMs ? [SLOW] : [])]);
  const ca = createCa('outage-probe address-goes-dark lab CA');
  const dir = mkdtempSync(join(tmpdir(), 'address-goes-dark-'));
  writeFileSync(join(dir, 'ca.pem'), ca.cert);
  const going = Array.from({ length: 40 }, (_, i) => `s${i + 1}.going${i + 1}.test`);
  const staying = Array.from({ length: 120 }, (_, i) => `o${i + 1}.staying${i + 1}.test`);
  const slow = spec.slowMs ? Array.from({ length: 6 }, (_, i) => `w${i + 1}.slow${i + 1}.test`) : [];
  let shape = null;
  let requests = 0;
  const goingServer = await startHttpServer({
    host: spec.address,
    port: 443,
    tls: ca.issue(going),
    handler: () => {
      requests += 1;
      if (requests === spec.darkAfter) {
        shape = shapeHost({ kind: 'block', to: spec.everything ? [spec.address, ...OTHERS, RESOLVER, ...(spec.slowMs ? [SLOW] : [])] : [spec.address], how: 'drop' });
        if (spec.backAfterMs) setTimeout(() => shape.undo(), spec.backAfterMs);
      }
      return { kind: 'respond', status: 200, headers: spec.headers ?? {}, body: 'ok', delayMs: PAGE_MS };
    },
  });
  const stayingServers = await Promise.all(OTHERS.map((host) => startHttpServer({ host, port: 443, tls: ca.issue(staying), handler: () => ({ kind: 'respond', status: 200, body: 'ok', delayMs: PAGE_MS }) })));
  const slowServer = spec.slowMs ? await startHttpServer({ host: SLOW, port: 443, tls: ca.issue(slow), handler: () => ({ kind: 'respond', status: 200, body: 'ok', delayMs: spec.slowMs }) }) : null;
  const at = { ...Object.fromEntries(slow.map((n) => [n, SLOW])), ...Object.fromEntries(going.map((n) => [n, spec.address])), ...Object.fromEntries(staying.map((n, i) => [n, OTHERS[i % OTHERS.length]])) };
  const names = Object.keys(at);
  const dns = await startDnsServer({ host: RESOLVER, port: 53, data: { zones: names.map((n) => n.split('.').slice(1).join('.')), records: Object.fromEntries(names.map((n) => [n, { A: [at[n]] }])) } });
  writeFileSync(
    join(dir, 'probes.yaml'),
    `resolvers:\n  - { name: lab, address: "${RESOLVER}" }\ndefaults: { timeout: 3s, deadline: 40s, paths: [edge] }\ntls: { ca: ./ca.pem }\nsites:\n` +
      names.map((n) => `  - { name: ${n.split('.')[0]}, url: "https://${n}/" }\n`).join(''),
  );
  runStep(`outage-probe check --json, ${spec.address} dropped after its ${spec.darkAfter}th request`);
  try {
    const run = await checkJson(join(dir, 'probes.yaml'), { bin: spec.bin, cwd: dir });
    return { code: run.code, stderr: run.stderr, report: run.report, requests };
  } finally {
    shape?.undo();
    await Promise.all([goingServer, dns, ...stayingServers, ...(slowServer ? [slowServer] : [])].map((s) => s.close()));
  }
});
