// `outage-probe map` through the binary, on the lab's healthy world (sites on Cloudflare, Fastly, Akamai and
// CloudFront edges; DNS at Cloudflare, AWS and Dyn; one site with no CDN): every layer named right, shares
// computed, a map from a saved report equal to a probed one, and pictures Graphviz renders.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadScenario } from '../../src/lab/scenario.js';
import { startWorld, type World } from '../../src/lab/world.js';
import type { SiteMap } from '../../src/map/index.js';
import { runCli, runShell } from '../support/cli.js';
import { parseMermaid } from '../support/mermaid.js';
import { makeAjv, undocumentedProperties, type SchemaNode } from '../support/schema.js';

const MAP_SCHEMA = JSON.parse(readFileSync(new URL('../../schema/map.schema.json', import.meta.url), 'utf8')) as { $id: string };
const ajv = makeAjv();
ajv.addSchema(MAP_SCHEMA);
const validateMap = ajv.getSchema(MAP_SCHEMA.$id)!;
const hasDot = spawnSync('sh', ['-c', 'command -v dot'], { timeout: 5_000 }).status === 0;

let world: World;
let probed: SiteMap;

beforeAll(async () => {
  world = await startWorld(loadScenario('healthy'));
  const r = await runCli(['map', '--config', world.configPath, '--json'], { cwd: world.dir });
  expect(r.code, r.stderr).toBe(0);
  probed = JSON.parse(r.stdout) as SiteMap;
}, 60_000);

afterAll(async () => {
  await world?.close();
});

const layer = (map: SiteMap, site: string, at: string) =>
  map.sites.find((s) => s.name === site)!.stack.filter((d) => d.layer === at).map((d) => d.provider);

describe('map', () => {
  it('writes JSON its schema describes, naming each site’s provider at every layer', () => {
    expect(validateMap(probed), JSON.stringify(validateMap.errors)).toBe(true);
    expect(probed.source).toEqual({ kind: 'probed', file: null });
    expect([layer(probed, 'shop', 'authoritative-dns'), layer(probed, 'shop', 'edge')]).toEqual([['Cloudflare'], ['Cloudflare']]);
    expect([layer(probed, 'ledger', 'authoritative-dns'), layer(probed, 'ledger', 'edge')]).toEqual([['AWS'], ['Cloudflare']]);
    expect([layer(probed, 'tunes', 'authoritative-dns'), layer(probed, 'tunes', 'edge')]).toEqual([['Dyn'], ['Akamai']]);
    expect(layer(probed, 'tickets', 'edge')).toEqual(['Amazon CloudFront']);
    expect(layer(probed, 'news', 'edge')).toEqual(['Fastly']);
    // No CDN is "none", not "unknown": the site answered directly.
    expect(layer(probed, 'blog', 'edge')).toEqual([]);
    expect(probed.sites.find((s) => s.name === 'blog')!.unknown).toEqual([]);
    // Every https site's certificate came from the lab's CA: one issuer for all 11 sites.
    expect(probed.providers.find((p) => p.layer === 'tls-issuer')).toMatchObject({ share: 1, alone: expect.arrayContaining(['shop', 'blog']) });
  });

  it('documents every field of its schema', () => {
    const missing = undocumentedProperties(MAP_SCHEMA as unknown as SchemaNode);
    expect(missing).toEqual([]);
  });

  it('computes shares and the blast radius: Cloudflare alone for 4 of 11 sites, across DNS and edge', () => {
    const share = (provider: string, at: string) => probed.providers.find((p) => p.provider === provider && p.layer === at)?.share;
    expect(share('Cloudflare', 'edge')).toBeCloseTo(3 / 11);
    expect(share('Cloudflare', 'authoritative-dns')).toBeCloseTo(3 / 11);
    expect(share('Akamai', 'edge')).toBeCloseTo(2 / 11);
    const cloudflare = probed.blastRadius.find((r) => r.provider === 'Cloudflare')!;
    expect([...cloudflare.down].sort()).toEqual(['blog', 'forum', 'ledger', 'shop']);
    expect(cloudflare).toMatchObject({ layers: ['authoritative-dns', 'edge'], spof: true });
    expect(probed.blastRadius.find((r) => r.provider === 'Akamai')).toMatchObject({ down: ['tunes', 'store'], spof: false });
  });

  it('a map from a saved report (file or stdin) equals the probed one', async () => {
    const check = await runCli(['check', '--config', world.configPath, '--json'], { cwd: world.dir });
    const file = `${world.dir}/report.json`;
    await import('node:fs/promises').then((fs) => fs.writeFile(file, check.stdout));
    const fromFile = await runCli(['map', '--from', file, '--json']);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    const saved = JSON.parse(fromFile.stdout) as SiteMap;
    expect(saved.source).toEqual({ kind: 'report', file });
    const shape = (m: SiteMap) => ({ providers: m.providers, blast: m.blastRadius, stacks: m.sites.map((s) => [s.name, s.stack.map((d) => [d.layer, d.provider])]) });
    expect(shape(saved)).toEqual(shape(probed));
    const fromStdin = await runShell(`${process.execPath} bin/outage-probe map --from - --json < ${file}`, { cwd: new URL('../..', import.meta.url).pathname });
    expect(shape(JSON.parse(fromStdin.stdout) as SiteMap)).toEqual(shape(probed));
  });

  it('leads the table with the three largest risks, and fits 100 columns', async () => {
    const r = await runCli(['map', '--config', world.configPath], { cwd: world.dir });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 3).every((l) => /^[⚠·] If .+ fails \(.+\): \d+ of 11 sites go down/.test(l))).toBe(true);
    expect(lines.some((l) => l.startsWith('Single points of failure'))).toBe(true);
    expect(Math.max(...lines.map((l) => [...l].length))).toBeLessThanOrEqual(100);
    expect(r.stdout).toMatch(/^ {2}ledger +AWS +Cloudflare /m);
  });

  it('draws Mermaid and DOT with every site and every dependency; Graphviz renders the DOT', async () => {
    const mermaid = await runCli(['map', '--config', world.configPath, '--format', 'mermaid'], { cwd: world.dir });
    expect(mermaid.stdout.split('\n')[0]).toBe('flowchart LR');
    const dependencies = probed.sites.reduce((n, s) => n + s.stack.length, 0);
    expect(mermaid.stdout.match(/^ {2}s\d+ (-->|-\.->) p\d+$/gm)).toHaveLength(dependencies);
    for (const s of probed.sites) expect(mermaid.stdout).toContain(`["${s.name}"]`);
    expect(await parseMermaid(mermaid.stdout)).toEqual({ ok: true, type: 'flowchart-v2' });
    // The parser is a real check: a broken flowchart fails it.
    expect((await parseMermaid('flowchart LR\n  s0["a"] -->\n  p0[[[\n')).ok).toBe(false);
    const dot = await runCli(['map', '--config', world.configPath, '--format', 'dot'], { cwd: world.dir });
    expect(dot.stdout.match(/ -> /g)).toHaveLength(dependencies);
    if (!hasDot) {
      console.log('graphviz (dot) absent: the DOT output was checked by its shape only');
      return;
    }
    const svg = spawnSync('dot', ['-Tsvg'], { input: dot.stdout, encoding: 'utf8', timeout: 20_000 });
    expect(svg.status, svg.stderr).toBe(0);
    expect(svg.stderr).toBe('');
    for (const s of probed.sites) expect(svg.stdout).toContain(`>${s.name}</text>`);
  });

  it('maps and checks the sites of a ranked CSV (--sites) with the config’s resolvers and CA', async () => {
    const port = new URL(probed.sites[0]!.url).port;
    const list = `${world.dir}/top.csv`;
    await import('node:fs/promises').then((fs) => fs.writeFile(list, `rank,origin\n1,https://shop.acme.test:${port}/\n2,https://www.tunes.test:${port}/\n3,https://blog.plain.test:${port}/\n`));
    const map = await runCli(['map', '--config', world.configPath, '--sites', list, '--json'], { cwd: world.dir });
    expect(map.code, map.stderr).toBe(0);
    const listed = JSON.parse(map.stdout) as SiteMap;
    expect(listed.sites.map((s) => [s.name, s.stack.filter((d) => d.layer === 'edge').map((d) => d.provider)])).toEqual([
      ['shop.acme.test', ['Cloudflare']],
      ['www.tunes.test', ['Akamai']],
      ['blog.plain.test', []],
    ]);
    const check = await runCli(['check', '--config', world.configPath, '--sites', list, '--json'], { cwd: world.dir });
    expect(check.code, check.stderr).toBe(0);
    expect((JSON.parse(check.stdout) as { sites: Array<{ status: string }> }).sites.map((s) => s.status)).toEqual(['ok', 'ok', 'ok']);
    const bad = await runCli(['check', '--config', world.configPath, '--sites', `${world.dir}/probes.yaml`, '--json'], { cwd: world.dir });
    expect(bad.code).toBe(78);
    expect(bad.stderr).toMatch(/probes\.yaml:\d+:\d+ --sites: no hostname or http\(s\) URL in/);
  });

  it('draws a control plane beside the layers, with the sites whose changes go through it, and not as a site', async () => {
    const api = await startWorld(loadScenario('cloudflare-api-2025-09-12'));
    try {
      const r = await runCli(['map', '--config', api.configPath, '--json'], { cwd: api.dir });
      expect(r.code, r.stderr).toBe(0);
      const map = JSON.parse(r.stdout) as SiteMap;
      expect(validateMap(map), JSON.stringify(validateMap.errors)).toBe(true);
      expect(map.sites.map((s) => s.name)).toEqual(['shop', 'forum', 'ledger', 'news']);
      expect(map.controlPlanes).toEqual([{ name: 'cloudflare-api', url: expect.stringContaining('https://api.cloudflare.com:'), provider: 'Cloudflare', status: 'down', sites: ['shop', 'forum', 'ledger'] }]);
      const table = await runCli(['map', '--config', api.configPath], { cwd: api.dir });
      expect(table.stdout.replace(/\n +/g, ' ')).toMatch(/^Control planes Cloudflare: cloudflare-api \(https:\/\/api\.cloudflare\.com:\d+\/\) down · changes to 3 sites go through it: shop, forum, ledger$/m);
      const dot = await runCli(['map', '--config', api.configPath, '--format', 'dot'], { cwd: api.dir });
      expect(dot.stdout).toMatch(/c0 \[label="Cloudflare control plane \(cloudflare-api\)", shape=component\];/);
      if (hasDot) expect(spawnSync('dot', ['-Tsvg'], { input: dot.stdout, encoding: 'utf8', timeout: 20_000 }).status).toBe(0);
      const mermaid = await runCli(['map', '--config', api.configPath, '--format', 'mermaid'], { cwd: api.dir });
      expect(mermaid.stdout).toContain('-. changes .-> c0');
      expect(await parseMermaid(mermaid.stdout)).toEqual({ ok: true, type: 'flowchart-v2' });
    } finally {
      await api.close();
    }
  });

  it('names a multi-CDN site whose resolvers are steered to different CDNs, each CDN with its resolvers', async () => {
    const healthy = loadScenario('healthy');
    const steered = { ...healthy, sites: healthy.sites.map((s) => (s.name === 'news' ? { ...s, resolverEdges: { google: 'akamai' } } : s)) };
    const multi = await startWorld(steered);
    try {
      const r = await runCli(['map', '--config', multi.configPath, '--json'], { cwd: multi.dir });
      expect(r.code, r.stderr).toBe(0);
      const map = JSON.parse(r.stdout) as SiteMap;
      const news = map.sites.find((s) => s.name === 'news')!;
      expect(news.stack.filter((d) => d.layer === 'edge').map((d) => [d.provider, d.resolvers]).sort()).toEqual([
        ['Akamai', ['google']],
        ['Fastly', ['cloudflare', 'cloudflare-doh', 'quad9']],
      ]);
      expect(news.redundant).toContain('edge');
      // Fastly is no longer alone for news: news is degraded, not down, if Fastly fails.
      const fastly = map.blastRadius.find((b) => b.provider === 'Fastly')!;
      expect(fastly.down).not.toContain('news');
      expect(fastly.degraded).toContain('news');
      const table = await runCli(['map', '--config', multi.configPath], { cwd: multi.dir });
      expect(table.stdout.replace(/\n +/g, ' ')).toMatch(/news is multi-CDN: (Akamai from google; Fastly from cloudflare, cloudflare-doh, quad9|Fastly from cloudflare, cloudflare-doh, quad9; Akamai from google)/);
    } finally {
      await multi.close();
    }
  });

  it('refuses a bad threshold, a missing report, and URLs with --from, as usage errors', async () => {
    const zero = await runCli(['map', '--from', '/nonexistent.json', '--spof-threshold', '0']);
    expect(zero.code).toBe(64);
    expect(zero.stderr).toContain('--spof-threshold: give a percentage above 0 and at most 100');
    const missing = await runCli(['map', '--from', '/nonexistent.json']);
    expect(missing.code).toBe(64);
    expect(missing.stderr).toContain('cannot read /nonexistent.json: no such file');
    const both = await runCli(['map', 'https://a.test/', '--from', '/nonexistent.json', '--resolver', '127.0.0.1:1']);
    expect(both.code).toBe(64);
  });
});
