// Inside a fresh namespace: start the real DNS hierarchy (NSD authoritative servers + unbound), break servers,
// then ask unbound in rounds and report what it answered, with the lines it logged about SERVFAILs.
// argv[2]: JSON {
//   resolver?: { trustAnchors?: string[], options?: string[] }   (merged into CDN_CHAIN_HIERARCHY.resolver)
//   breaks: { server, how }[]    how: 'stop' | 'refused' | 'servfail' | a netns BlockMethod ('drop', 'reject' …)
//   rounds: { waitMs?: number, timeoutMs: number, queries: [name, type][] }[]
// }

import { addAddresses, insideNamespace, loopbackUp } from '../../../dist/lab/netns.js';
import { CDN_CHAIN_HIERARCHY, hierarchyAddresses, startRealDns } from '../../../dist/lab/real-dns.js';

const spec = JSON.parse(process.argv[2]);
const hierarchy = { ...CDN_CHAIN_HIERARCHY, resolver: { ...CDN_CHAIN_HIERARCHY.resolver, ...spec.resolver } };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

await insideNamespace(async () => {
  loopbackUp();
  addAddresses(hierarchyAddresses(hierarchy));
  const dns = await startRealDns(hierarchy);
  try {
    for (const { server, how } of spec.breaks) {
      if (how === 'stop') await dns.server(server).stop();
      else if (how === 'refused' || how === 'servfail') await dns.server(server).setCondition(how);
      else dns.server(server).block(how);
    }
    const rounds = [];
    for (const round of spec.rounds) {
      await sleep(round.waitMs ?? 0);
      rounds.push(await Promise.all(round.queries.map(async ([name, type]) => ({ name, type, ...(await dns.query(name, type, round.timeoutMs)) }))));
    }
    return { rounds, servfailLog: dns.resolverLog().split('\n').filter((line) => /SERVFAIL|error/.test(line)) };
  } finally {
    await dns.close();
  }
});
