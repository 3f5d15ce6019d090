// Inside a fresh namespace: an IPv6-only host behind NAT64 and DNS64 (src/lab/nat64.ts: NSD, Unbound's dns64
// module, the translated addresses served), and the real binary's check on it. argv[2]: the scenario's name.

import { startNat64World } from '../../../dist/lab/nat64.js';
import { checkJson, insideNamespace } from '../../../dist/lab/netns.js';

await insideNamespace(async () => {
  const world = await startNat64World(process.argv[2]);
  try {
    // What the host's resolver itself answers for an IPv4-only name: the synthesized AAAA, not a lab shortcut.
    const aaaa = await world.dns.query('www.news.test', 'AAAA');
    const started = performance.now();
    const run = await checkJson(world.configPath);
    const ms = Math.round(performance.now() - started);
    return { code: run.code, stderr: run.stderr, report: run.report, ms, aaaa };
  } finally {
    await world.close();
  }
});
