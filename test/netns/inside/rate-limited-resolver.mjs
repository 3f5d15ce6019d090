// Inside a fresh namespace: this host's resolver (real unbound, in /etc/resolv.conf) drops a client's queries beyond a
// rate, as AWS's VPC resolver drops a client's packets beyond 1,024 a second per network interface (AWS, "Hybrid
// Cloud DNS Options for Amazon VPC": Constraints). unbound.conf(5), `ip-ratelimit`: "Enable global ratelimiting of
// queries accepted per IP address … More queries are completely dropped and will not receive a reply, SERVFAIL or
// otherwise"; `ip-ratelimit-factor: 0`: "all queries are dropped for addresses where the limit is exceeded". The
// limit here is scaled down with the list (a long list on a fast host against 1,024 a second is the same ratio).
// Behind it, NSD serves the sites' zone under a private root; two other resolvers (lab servers at public-looking
// addresses, aliases on this namespace's lo) answer the same names. Every site's edge answers.
// argv[2]: JSON { sites: number, qps: number, listed?: 'system' | 'address', bin?: string }. `listed`: how probes.yaml
// names the limited resolver — as this host's resolver (getaddrinfo, the default) or by its address (asked over UDP,
// a company's resolver; this host's resolver is then not in the list). Reports the check's exit, its JSON report and
// its time.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa } from '../../../dist/lab/ca.js';
import { startDnsServer } from '../../../dist/lab/dns-server.js';
import { startHttpServer } from '../../../dist/lab/http-server.js';
import { startRealDns } from '../../../dist/lab/real-dns.js';
import { addAddresses, bindResolvConf, checkJson, insideNamespace, loopbackUp, runStep, setupStep } from '../../../dist/lab/netns.js';

const spec = JSON.parse(process.argv[2]);
const ZONE = 'list.example';
const EDGE = '203.0.113.80';
const OTHERS = ['1.1.1.1', '8.8.8.8'];
const names = Array.from({ length: spec.sites }, (_, i) => `s${i + 1}.${ZONE}`);

await insideNamespace(async () => {
  setupStep('loopback and addresses');
  loopbackUp();
  const hierarchy = {
    resolver: { address: '192.0.2.53', options: [`ip-ratelimit: ${spec.qps}`, 'ip-ratelimit-factor: 0'] },
    servers: [
      { name: 'root', address: '192.0.2.1', zones: ['.'], hostname: 'a.root-servers.example' },
      { name: 'sites', address: '198.51.100.53', zones: [ZONE] },
    ],
    zones: [
      { apex: '.', records: [], notes: ['A private root: it delegates list.example. (RFC 6761 §6.5 reserves example. for testing).'] },
      { apex: ZONE, notes: ['A long list of sites, every one on the same edge (TEST-NET-3, RFC 5737).'], records: names.map((name) => ({ name, type: 'A', value: EDGE })) },
    ],
  };
  addAddresses(['192.0.2.53', '192.0.2.1', '198.51.100.53', EDGE, ...OTHERS]);
  setupStep('NSD and unbound');
  const real = await startRealDns(hierarchy);
  const records = Object.fromEntries(names.map((n) => [n, { A: [EDGE] }]));
  const others = await Promise.all(OTHERS.map((host) => startDnsServer({ host, port: 53, data: { records: { ...records, '': { NS: ['a.root-servers.example'] } }, zones: [ZONE, ''] } })));
  bindResolvConf([real.resolverAddress]);
  setupStep('the edge');
  const ca = createCa('outage-probe rate-limit lab CA');
  const dir = mkdtempSync(join(tmpdir(), 'rate-limited-resolver-'));
  writeFileSync(join(dir, 'ca.pem'), ca.cert);
  const edge = await startHttpServer({ host: EDGE, port: 443, tls: ca.issue([`*.${ZONE}`]), handler: () => ({ kind: 'respond', status: 200, headers: { server: 'nginx' }, body: '<html><title>ok</title></html>' }) });
  writeFileSync(
    join(dir, 'probes.yaml'),
    `resolvers:\n  - ${spec.listed === 'address' ? `{ name: corp, address: "${real.resolverAddress}" }` : '{ name: system, system: true }'}\n` +
      OTHERS.map((a, i) => `  - { name: other${i + 1}, address: "${a}" }\n`).join('') +
      'defaults: { timeout: 5s, deadline: 90s, paths: [edge] }\ntls: { ca: ./ca.pem }\nsites:\n' +
      names.map((n) => `  - { name: ${n.split('.')[0]}, url: "https://${n}/" }\n`).join(''),
  );
  try {
    runStep('running the tool');
    const started = performance.now();
    const run = await checkJson(join(dir, 'probes.yaml'), { bin: spec.bin, timeoutMs: 120_000 });
    return { code: run.code, stderr: run.stderr, report: run.report, ms: Math.round(performance.now() - started), unbound: real.resolverLog().slice(-2000) };
  } finally {
    await Promise.all([edge.close(), ...others.map((s) => s.close())]);
    await real.close();
  }
});
