// A failure must not hide or take over another: every packaged scenario, run again with one more public resolver
// silent, still comes out with its own incidents and its own down sites, plus a resolver incident for that
// resolver's operator and nothing else. (Before the correlation fixes of this property, a silent Quad9 hid AWS's
// region incident in aws-2025-10-20 and put Cloudflare's edge failure on Quad9.)

import { describe, expect, it } from 'vitest';
import { probeAndReport } from '../../src/commands/check.js';
import { loadConfigFile } from '../../src/config/load.js';
import { incidentKeys } from '../../src/commands/drill.js';
import { loadScenarios, type Scenario } from '../../src/lab/scenario.js';
import { startWorld } from '../../src/lab/world.js';
import { captureIo } from './support.js';

/** The scenario with its last plain (UDP) resolver not already faulted made silent; null when it has too few. */
function withSilentResolver(scenario: Scenario): { scenario: Scenario; silent: string; operator: string | null } | null {
  if (scenario.faults.network === 'down') return null;
  const plain = scenario.resolvers.filter((r) => !r.doh);
  const candidates = plain.filter((r) => scenario.faults.resolvers[r.name] === undefined);
  if (plain.length < 3 || candidates.length < 2) return null;
  const victim = candidates.at(-1)!;
  return {
    scenario: { ...scenario, faults: { ...scenario.faults, resolvers: { ...scenario.faults.resolvers, [victim.name]: 'silent' } } },
    silent: victim.name,
    operator: victim.provider ?? null,
  };
}

const cases = loadScenarios().flatMap((s) => {
  const variant = withSilentResolver(s);
  return variant ? [[s.name, variant] as const] : [];
});

describe('one more resolver silent changes nothing else', () => {
  it('applies to most scenarios', () => {
    expect(cases.length).toBeGreaterThanOrEqual(10);
  });

  it.concurrent.each(cases)('%s', async (_name, { scenario, silent, operator }) => {
    const world = await startWorld(scenario);
    try {
      const report = await probeAndReport(loadConfigFile(world.configPath), { format: 'json' }, captureIo());
      const expected = scenario.expect;
      const added = report.incidents.filter((i) => !incidentKeys(expected.incidents).includes(incidentKeys([i])[0]!));
      expect(incidentKeys(report.incidents.filter((i) => !added.includes(i)))).toEqual(incidentKeys(expected.incidents));
      expect(added.map((i) => [i.kind, i.provider, i.resolvers])).toEqual([['resolver', operator, [silent]]]);
      if (expected.down) expect(report.sites.filter((s) => s.status === 'down').map((s) => s.name).sort()).toEqual([...expected.down].sort());
      // A site down is never put on the silent resolver: it answered nothing, the other resolvers did.
      for (const site of report.sites.filter((s) => s.status === 'down')) expect([site.name, site.blame?.layer]).not.toEqual([site.name, 'resolver']);
    } finally {
      await world.close();
    }
  });
});
