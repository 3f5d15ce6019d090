// Inside a fresh namespace: the real DNS hierarchy (NSD + unbound), HTTPS edges on the addresses its names end
// in, and `outage-probe check` resolving through unbound. argv[2]: JSON { breaks: { server, how }[], trustAnchors?:
// string[] } (anchors make unbound validate: the zones are unsigned, so an anchored zone is bogus).

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa } from '../../../dist/lab/ca.js';
import { startHttpServer } from '../../../dist/lab/http-server.js';
import { addAddresses, checkJson, insideNamespace, loopbackUp } from '../../../dist/lab/netns.js';
import { CDN_CHAIN_HIERARCHY, hierarchyAddresses, startRealDns } from '../../../dist/lab/real-dns.js';

const spec = JSON.parse(process.argv[2]);
/** Each site's name and the addresses its chain ends in (CDN_CHAIN_HIERARCHY), IPv6 included. */
const SITES = [
  { name: 'alpha', host: 'www.alpha.example', addresses: ['203.0.113.101', '2001:db8:cd::101'] },
  { name: 'beta', host: 'www.beta.example', addresses: ['203.0.113.102'] },
  { name: 'gamma', host: 'www.gamma.example', addresses: ['203.0.113.203'] },
];

await insideNamespace(async () => {
  loopbackUp();
  addAddresses([...hierarchyAddresses(CDN_CHAIN_HIERARCHY), ...SITES.flatMap((s) => s.addresses)]);
  const ca = createCa('outage-probe real-dns lab CA');
  const dir = mkdtempSync(join(tmpdir(), 'check-through-unbound-'));
  writeFileSync(join(dir, 'ca.pem'), ca.cert);
  writeFileSync(
    join(dir, 'probes.yaml'),
    `resolvers:\n  - { name: unbound, address: "${CDN_CHAIN_HIERARCHY.resolver.address}:53" }\n` +
      `defaults: { timeout: 3s, deadline: 20s }\ntls: { ca: ./ca.pem }\nsites:\n` +
      SITES.map((s) => `  - { name: ${s.name}, url: "https://${s.host}/" }\n`).join(''),
  );
  const edges = await Promise.all(
    SITES.flatMap((s) => s.addresses.map((address) => ({ ...s, address }))).map((s) =>
      startHttpServer({ host: s.address, port: 443, tls: ca.issue([s.host]), handler: () => ({ kind: 'respond', status: 200, headers: { 'content-type': 'text/html' }, body: `<title>${s.name}</title>` }) }),
    ),
  );
  const hierarchy = spec.trustAnchors ? { ...CDN_CHAIN_HIERARCHY, resolver: { ...CDN_CHAIN_HIERARCHY.resolver, trustAnchors: spec.trustAnchors } } : CDN_CHAIN_HIERARCHY;
  const dns = await startRealDns(hierarchy);
  try {
    for (const { server, how } of spec.breaks) {
      if (how === 'stop') await dns.server(server).stop();
      else await dns.server(server).setCondition(how);
    }
    return await checkJson(join(dir, 'probes.yaml'));
  } finally {
    await Promise.all([dns.close(), ...edges.map((e) => e.close())]);
  }
});
