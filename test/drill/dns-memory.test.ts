// self-hosted-dns-gone as a monitor that ran before the outage sees it (--state): the name servers a calm run
// learned group the three zones whose servers vanished into one authoritative-DNS incident, though no NS answer
// arrives during the outage and the servers are in no catalog.

import { describe, expect, it } from 'vitest';
import { probeAndReport } from '../../src/commands/check.js';
import { loadConfigFile } from '../../src/config/load.js';
import { learnedDelegation } from '../../src/state/transitions.js';
import { loadScenario } from '../../src/lab/scenario.js';
import { startWorld } from '../../src/lab/world.js';
import type { Delegation } from '../../src/model.js';
import { captureIo } from './support.js';

describe('self-hosted-dns-gone with memory of the delegations', () => {
  it('groups the three zones by their remembered name servers: one incident naming the servers, no provider', async () => {
    const outage = loadScenario('self-hosted-dns-gone')!;
    const calm = await startWorld({ ...outage, faults: { ...outage.faults, dnsHosts: {} } });
    const delegations: Record<string, Delegation> = {};
    try {
      const earlier = await probeAndReport(loadConfigFile(calm.configPath), { format: 'json' }, captureIo());
      expect(earlier.verdict).toBe('ok');
      for (const site of earlier.sites) {
        const learned = learnedDelegation(site);
        if (learned) delegations[site.name] = learned;
      }
    } finally {
      await calm.close();
    }
    expect(delegations.intranet?.nameServers).toEqual(['ns1.northwind-dns.test', 'ns2.northwind-dns.test']);
    expect(delegations.portal?.chain).toEqual([expect.stringMatching(/\.map\.fastly\.net$/)]);

    const world = await startWorld(outage);
    try {
      const report = await probeAndReport(loadConfigFile(world.configPath), { format: 'json' }, captureIo(), { memory: { delegations } });
      expect(report.exitCode).toBe(2);
      expect(report.incidents.map((i) => [i.kind, i.layer, i.provider, [...i.sites].sort()])).toEqual([['authoritative-dns', 'authoritative-dns', null, ['intranet', 'portal', 'status']]]);
      expect(report.incidents[0]!.summary).toMatch(/name servers under northwind-dns\.test/);
      expect(report.incidents[0]!.evidence.join('\n')).toMatch(/ns1\.northwind-dns\.test, ns2\.northwind-dns\.test \(not in the catalog\)/);
      // The chain known from the calm run is shown, marked remembered, where this run could not walk past the host.
      const portal = report.sites.find((s) => s.name === 'portal')!;
      expect(portal.chain.map((h) => h.remembered)).toEqual([false, true]);
      expect(portal.failingZone).toMatchObject({ hop: 'portal.northwind-traders.test', own: true, provider: null });
      expect(report.findings).toEqual([]);
    } finally {
      await world.close();
    }
  });
});

describe('self-hosted-dns-gone with nothing remembered', () => {
  it('blames each site on its own zone, no incident, and says the three failing at once may be one DNS host', async () => {
    const world = await startWorld(loadScenario('self-hosted-dns-gone')!);
    try {
      const report = await probeAndReport(loadConfigFile(world.configPath), { format: 'json' }, captureIo());
      expect(report.exitCode).toBe(1);
      expect(report.incidents).toEqual([]);
      expect(report.findings.map((f) => [f.kind, f.provider, [...f.sites].sort()])).toEqual([['authoritative-dns', null, ['intranet', 'portal', 'status']]]);
      expect(report.findings[0]!.summary).toMatch(/^Possibly one DNS host failing: 3 zones \(northwind\.test, northwind-traders\.test, northwind-status\.test\) fail at every resolver at once \(SERVFAIL\) while 3 sites elsewhere resolve — not an incident/);
      expect(report.summary).toMatch(/possibly shared, not confirmed: authoritative-dns \(operator unknown\)/);
    } finally {
      await world.close();
    }
  });
});
