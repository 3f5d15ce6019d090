// check --shard K/N on N processes, then one merge, makes the report one unsharded run makes: same verdict, exit
// code, incidents (with their sites) and site statuses — though no shard alone sees enough sites for the
// incidents. The real binary against drill worlds, whose outages span sites in every shard.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { loadScenarios } from '../../src/lab/scenario.js';
import { startWorld, type World } from '../../src/lab/world.js';
import { shardOf } from '../../src/config/shard.js';
import { runCli } from '../support/cli.js';

const SHARDS = 3;
const dir = mkdtempSync(join(tmpdir(), 'op-shards-'));

function essentials(report: Report) {
  return {
    verdict: report.verdict,
    exitCode: report.exitCode,
    summary: report.summary,
    incidents: report.incidents.map((i) => ({ id: i.id, layer: i.layer, provider: i.provider, sites: [...i.sites].sort(), scope: i.scope })).sort((a, b) => a.id.localeCompare(b.id)),
    sites: Object.fromEntries(report.sites.map((s) => [s.name, { status: s.status, blame: s.blame?.layer ?? null, provider: s.blame?.provider ?? null }])),
  };
}

async function check(world: World, extra: string[], file: string): Promise<Report> {
  const run = await runCli(['check', '--config', world.configPath, '--json', '--vantage', 'pod', ...extra]);
  expect(run.stderr).not.toMatch(/^\s+at |internal error/m);
  writeFileSync(file, run.stdout);
  return JSON.parse(run.stdout) as Report;
}

describe.each(['cloudflare-2025-11-18', 'aws-2025-10-20', 'cloudflare-dns-2025-07-14', 'healthy'])(`%s in ${SHARDS} shards`, (name) => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld(loadScenarios().find((s) => s.name === name)!);
  });
  afterAll(async () => {
    await world.close();
  });

  it('one merge of the shards says what one unsharded run says', async () => {
    const whole = await check(world, [], join(dir, `${name}-whole.json`));
    const files: string[] = [];
    const shards: Report[] = [];
    for (let k = 1; k <= SHARDS; k++) {
      const file = join(dir, `${name}-${k}.json`);
      shards.push(await check(world, ['--shard', `${k}/${SHARDS}`], file));
      files.push(file);
    }
    // Each shard probed its own share, by the hash of the names, and says so.
    expect(shards.flatMap((s) => s.sites.map((x) => x.name)).sort()).toEqual(whole.sites.map((s) => s.name).sort());
    shards.forEach((s, i) => {
      expect(s.shard).toEqual({ index: i + 1, count: SHARDS, sites: whole.sites.length });
      for (const site of s.sites) expect(shardOf(site.name, SHARDS)).toBe(i + 1);
    });
    const merged = await runCli(['merge', '--config', world.configPath, '--json', ...files.reverse()]);
    expect(merged.stderr).toBe('');
    const joined = JSON.parse(merged.stdout) as Report;
    expect(merged.code).toBe(whole.exitCode);
    expect(joined.schema).toBe('outage-probe.report/v1');
    expect(joined.shard).toBeNull();
    expect(essentials(joined)).toEqual(essentials(whole));
    // The joined report's sites come in the order of the shards, each shard in config order.
    expect(joined.sites).toHaveLength(whole.sites.length);
  }, 60_000);
});

describe('joining shards', () => {
  it('a missing shard is said, not hidden; shards of different splits are refused', async () => {
    const world = await startWorld(loadScenarios().find((s) => s.name === 'healthy')!);
    try {
      const one = join(dir, 'h-1.json');
      const other = join(dir, 'h-2of4.json');
      await check(world, ['--shard', '1/3'], one);
      const partial = await runCli(['merge', '--config', world.configPath, '--json', one]);
      expect(partial.stderr).toMatch(/^outage-probe merge: warning: vantage pod: 2 shards of 3 missing \(2\/3, 3\/3\): their sites are not in the report$/m);
      expect((JSON.parse(partial.stdout) as Report).complete).toBe(false);
      await check(world, ['--shard', '2/4'], other);
      const mixed = await runCli(['merge', '--config', world.configPath, '--json', one, other]);
      expect(mixed.code).toBe(64);
      expect(mixed.stderr).toMatch(/shards of different splits/);
    } finally {
      await world.close();
    }
  }, 60_000);

  it('--shard is checked: K/N with 1 ≤ K ≤ N, and not with --state', async () => {
    for (const bad of ['0/3', '4/3', '1/0', 'x', '1/3/2']) {
      const run = await runCli(['check', 'https://a.example.test/', '--resolver', '127.0.0.1:1', '--shard', bad]);
      expect(run.code, bad).toBe(64);
      expect(run.stderr).toMatch(/^outage-probe: --shard: expected K\/N with 1 ≤ K ≤ N ≤ 10000/);
    }
    const withState = await runCli(['check', 'https://a.example.test/', '--resolver', '127.0.0.1:1', '--shard', '1/2', '--state', join(dir, 's.json')]);
    expect(withState.code).toBe(64);
    expect(readFileSync(join(dir, 'h-1.json'), 'utf8').length).toBeGreaterThan(0);
  });
});
