// The location scenarios beyond their expect blocks: `drill --list` shows them with their sources, and
// cloudflare-2020-07-17 seen by a monitor that ran before the outage with --state: the ATL address, which
// answers nothing during the outage, is placed from memory, while ZRH and SIN are seen first-hand.

import { describe, expect, it } from 'vitest';
import { drillList } from '../../src/commands/drill.js';
import { probeAndReport } from '../../src/commands/check.js';
import { loadConfigFile } from '../../src/config/load.js';
import { rememberLocations, type RememberedLocations } from '../../src/state/locations.js';
import { loadScenario, type Scenario } from '../../src/lab/scenario.js';
import { startWorld } from '../../src/lab/world.js';
import { captureIo, leftoverHandles, networkHandles } from './support.js';

function scenario(name: string): Scenario {
  const s = loadScenario(name);
  if (!s) throw new Error(`no scenario ${name}`);
  return s;
}

describe('drill --list', () => {
  it('shows the location and region scenarios with the postmortems they replay', () => {
    const io = captureIo();
    expect(drillList(io)).toBe(0);
    expect(io.out()).toMatch(/^ {2}cloudflare-2020-07-17 +A Cloudflare backbone failure .*\n +replays: https:\/\/blog\.cloudflare\.com\/cloudflare-outage-on-july-17-2020\/$/m);
    expect(io.out()).toMatch(/^ {2}aws-2025-10-20 +AWS us-east-1 fails region-wide.*\n +replays: https:\/\/aws\.amazon\.com\/message\/101925\/$/m);
  });
});

describe('cloudflare-2020-07-17 as a monitor that ran before the outage sees it (--state)', () => {
  it('names the failing location from memory: ATL failing, SIN and ZRH healthy, acknowledged', async () => {
    const before = networkHandles();
    const outage = scenario('cloudflare-2020-07-17');
    // The run before: the same world with nothing broken, whose first-hand locations are what --state keeps.
    const calm = await startWorld({ ...outage, faults: { ...outage.faults, pops: {} } });
    let remembered: RememberedLocations;
    try {
      const earlier = await probeAndReport(loadConfigFile(calm.configPath), { format: 'json' }, captureIo());
      expect(earlier.verdict).toBe('ok');
      remembered = rememberLocations({}, earlier.sites.flatMap((s) => s.attempts));
    } finally {
      await calm.close();
    }
    expect(remembered['127.0.10.1']?.location).toMatchObject({ provider: 'Cloudflare', code: 'ATL', kind: 'pop' });

    const world = await startWorld(outage);
    try {
      const report = await probeAndReport(loadConfigFile(world.configPath), { format: 'json', statusPages: true }, captureIo(), { memory: { locations: remembered } });
      expect(report.exitCode).toBe(2);
      const incident = report.incidents.find((i) => i.provider === 'Cloudflare')!;
      expect({ layer: incident.layer, scope: incident.scope, locations: incident.locations, healthy: [...incident.healthyLocations].sort() }).toEqual({
        layer: 'network',
        scope: 'partial',
        locations: ['ATL'],
        healthy: ['SIN', 'ZRH'],
      });
      expect(incident.summary).toContain('failing at ATL (remembered) via resolver alpha');
      expect(incident.acknowledged).toMatchObject({ by: 'status page', indicator: 'minor', title: 'Cloudflare network performance issues' });
      // What nobody saw first-hand stays marked so.
      const failing = report.sites.find((s) => s.name === 'shop')!.attempts.find((a) => a.address === '127.0.10.1')!;
      expect(failing.outcome).toBe('timeout');
      expect(failing.location?.evidence).toMatch(/^remembered from /);
    } finally {
      await world.close();
    }
    expect(await leftoverHandles(before)).toEqual({});
  });
});

describe('cloudflare-2020-07-17 seen with nothing remembered', () => {
  it('names the edge address every failing request went to, which answered nothing, and where Cloudflare serves', async () => {
    const world = await startWorld(scenario('cloudflare-2020-07-17'));
    try {
      const report = await probeAndReport(loadConfigFile(world.configPath), { format: 'json' }, captureIo());
      const incident = report.incidents.find((i) => i.provider === 'Cloudflare')!;
      expect(incident).toMatchObject({ layer: 'network', locations: [] });
      expect(incident.summary).toContain('Cloudflare serves at SIN and ZRH via beta and gamma; every failing request went to 127.0.10.1 via resolver alpha, which answered nothing');
    } finally {
      await world.close();
    }
  });
});
