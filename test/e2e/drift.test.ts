// Drift through the binary: `check --state` on the lab's healthy world, then on the same world with one site
// moved from Fastly to Cloudflare: the second run reports the move once (report, table), the third nothing.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/lab/scenario.js';
import { startWorld } from '../../src/lab/world.js';
import type { Report } from '../../src/model.js';
import { runCli } from '../support/cli.js';
import { expectValidReport } from '../support/schema.js';

describe('provider changes across runs', () => {
  it('a site moved to another CDN is reported by the next run with --state, once', async () => {
    const state = join(mkdtempSync(join(tmpdir(), 'outage-probe-drift-')), 'state.json');
    const healthy = loadScenario('healthy');
    const before = await startWorld(healthy);
    try {
      const first = await runCli(['check', '--config', before.configPath, '--state', state, '--json'], { cwd: before.dir });
      expect(first.code, first.stderr).toBe(0);
      expect((JSON.parse(first.stdout) as Report).providerChanges).toEqual([]);
    } finally {
      await before.close();
    }
    const moved = { ...healthy, sites: healthy.sites.map((s) => (s.name === 'news' ? { ...s, edge: 'cloudflare', cname: null } : s)) };
    const after = await startWorld(moved);
    try {
      // map reads the same state without moving it on: it sees the move, and so does the next check.
      const map = await runCli(['map', '--config', after.configPath, '--state', state, '--json'], { cwd: after.dir });
      expect(map.code, map.stderr).toBe(0);
      expect((JSON.parse(map.stdout) as { providerChanges: Report['providerChanges'] }).providerChanges.map((c) => [c.site, c.layer, c.from, c.to])).toEqual([['news', 'edge', 'Fastly', 'Cloudflare']]);
      const second = await runCli(['check', '--config', after.configPath, '--state', state, '--json'], { cwd: after.dir });
      expect(second.code, second.stderr).toBe(0);
      const report = JSON.parse(second.stdout) as Report;
      expectValidReport(report);
      expect(report.providerChanges.map((c) => [c.site, c.layer, c.from, c.to])).toEqual([['news', 'edge', 'Fastly', 'Cloudflare']]);
      const third = await runCli(['check', '--config', after.configPath, '--state', state, '--quiet'], { cwd: after.dir });
      expect(third.code).toBe(0);
      expect(third.stdout).toBe(''); // nothing changed any more: --quiet stays quiet
    } finally {
      await after.close();
    }
  }, 60_000);
});
