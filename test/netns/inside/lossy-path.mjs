// Inside a fresh namespace: a host whose path loses packets. argv[2]: JSON { world: 'packaged', loss: number } — the
// packaged default's internet (src/lab/packaged-world.ts) with `loss` % of all packets dropped at random — or
// { world: 'first-query-lost' }: the host's own resolver and a resolver over UDP, lab DNS servers that never answer
// the first datagram of each question (every later one they answer), /etc/resolv.conf with the lab's options
// (timeout:1 attempts:1), and three healthy sites. Both run the real binary with --json and report its exit and
// report. Or { world: 'slow-authority' }: a real Unbound recursing through a private hierarchy of NSD servers, one
// zone's authority answering 800 ms late; asks Unbound that zone's names (as the probe does: sent again unanswered)
// while sending it loss probes, and reports both.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa } from '../../../dist/lab/ca.js';
import { startDnsServer } from '../../../dist/lab/dns-server.js';
import { startHttpServer } from '../../../dist/lab/http-server.js';
import { startPackagedWorld } from '../../../dist/lab/packaged-world.js';
import { addAddresses, bindResolvConf, dropRandomPackets, insideNamespace, loopbackUp, OUTAGE_PROBE_BIN, runProcess, runStep, setupStep, withReport } from '../../../dist/lab/netns.js';
import { CDN_CHAIN_HIERARCHY, hierarchyAddresses, startRealDns } from '../../../dist/lab/real-dns.js';
import { probeLoss, queryDns } from '../../../dist/probe/dns/index.js';

const spec = JSON.parse(process.argv[2]);

function parsed(run) {
  const { code, stderr, report } = withReport(run);
  return { code, stderr, report };
}

async function packaged() {
  setupStep('starting the packaged world');
  const world = await startPackagedWorld(null);
  const loss = dropRandomPackets(spec.loss);
  runStep(`outage-probe check --json, ${spec.loss} % of packets dropped`);
  try {
    const cwd = mkdtempSync(join(tmpdir(), 'outage-probe-lossy-'));
    const env = { NODE_EXTRA_CA_CERTS: world.caPath, HOME: cwd, XDG_CACHE_HOME: join(cwd, '.cache') };
    return parsed(await runProcess(process.execPath, [OUTAGE_PROBE_BIN, 'check', '--json'], { cwd, env, timeoutMs: 60_000 }));
  } finally {
    loss.undo();
    await world.close();
  }
}

async function firstQueryLost() {
  setupStep('lab resolvers that never answer the first datagram of a question');
  loopbackUp();
  const SYSTEM = '192.168.53.53';
  const OTHER = '192.0.2.53';
  addAddresses([SYSTEM, OTHER]);
  const names = ['one', 'two', 'three'];
  const records = Object.fromEntries(names.map((n, i) => [`www.${n}.test`, { A: [`127.0.70.${i + 1}`] }]));
  const servers = await Promise.all(
    [SYSTEM, OTHER].map((host) => {
      const seen = new Set();
      const fault = (name, type) => {
        const question = `${name}|${type}`;
        if (seen.has(question)) return null;
        seen.add(question);
        return 'silent';
      };
      return startDnsServer({ host, port: 53, data: { records, zones: names.map((n) => `${n}.test`) }, fault });
    }),
  );
  bindResolvConf([SYSTEM]);
  const ca = createCa('outage-probe lossy-path lab CA');
  const dir = mkdtempSync(join(tmpdir(), 'lossy-path-'));
  writeFileSync(join(dir, 'ca.pem'), ca.cert);
  const edges = await Promise.all(
    names.map((n, i) => startHttpServer({ host: `127.0.70.${i + 1}`, port: 443, tls: ca.issue([`www.${n}.test`]), handler: () => ({ kind: 'respond', status: 200, body: 'ok' }) })),
  );
  writeFileSync(
    join(dir, 'probes.yaml'),
    `resolvers:\n  - { name: system, system: true }\n  - { name: other, address: "${OTHER}" }\ndefaults: { timeout: 4s }\ntls: { ca: ./ca.pem }\nsites:\n` +
      names.map((n) => `  - { name: ${n}, url: "https://www.${n}.test/" }\n`).join(''),
  );
  runStep('outage-probe check --json');
  try {
    return parsed(await runProcess(process.execPath, [OUTAGE_PROBE_BIN, 'check', '--config', join(dir, 'probes.yaml'), '--json'], { timeoutMs: 60_000 }));
  } finally {
    await Promise.all([...servers, ...edges].map((s) => s.close()));
  }
}

async function slowAuthority() {
  setupStep('a real Unbound over NSD, one zone\'s authority 800 ms slow');
  loopbackUp();
  addAddresses(hierarchyAddresses(CDN_CHAIN_HIERARCHY));
  const dns = await startRealDns(CDN_CHAIN_HIERARCHY);
  // gamma.example's own server (sitedns-g), replaced by one that answers the same records 800 ms late.
  const gamma = CDN_CHAIN_HIERARCHY.servers.find((s) => s.name === 'sitedns-g');
  await dns.server('sitedns-g').stop();
  const slow = await startDnsServer({ host: gamma.address, port: 53, data: { records: { 'www.gamma.example': { A: ['203.0.113.203'] }, 'gamma.example': { A: ['203.0.113.9'] } }, zones: ['gamma.example'] }, delayMs: 800 });
  runStep('the slow zone\'s names asked of Unbound, and loss probes beside them');
  try {
    const resolver = { name: 'unbound', kind: 'udp', address: dns.resolverAddress, port: 53, provider: null };
    const signal = new AbortController().signal;
    const [answers, probes] = await Promise.all([
      Promise.all(['www.gamma.example', 'gamma.example'].flatMap((name) => ['A', 'AAAA'].map((type) => queryDns({ resolver, name, type }, { timeoutMs: 5000 })))),
      // Once the questions are out and waiting, as the session sends them once one had to be sent again.
      new Promise((resolve) => setTimeout(resolve, 1300)).then(() => probeLoss([resolver], signal)),
    ]);
    return { answers: answers.map((a) => ({ name: a.name, type: a.type, outcome: a.outcome, durationMs: a.durationMs })), probes: probes.get('unbound') };
  } finally {
    await slow.close();
    await dns.close();
  }
}

const worlds = { packaged, 'first-query-lost': firstQueryLost, 'slow-authority': slowAuthority };
await insideNamespace(() => worlds[spec.world]());
