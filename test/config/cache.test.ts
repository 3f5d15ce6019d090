// The checked-config cache (src/config/cache.ts): a long config checked once by a build is read back, not checked
// again, as the same Config; anything the check depends on changing (the text, the CA file) checks it afresh; a file
// the user does not alone own, or one that is not a kept config, is never used; a failing text is never kept.

import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CACHE_FROM_CHARS, configCacheFor } from '../../src/config/cache.js';
import { parseConfig } from '../../src/config/load.js';
import { runCli } from '../support/cli.js';

const scratch = mkdtempSync(join(tmpdir(), 'op-config-cache-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const CA_PEM = readFileSync(new URL('./fixtures/corp-ca.pem', import.meta.url), 'utf8');

let dirs = 0;
function freshDir(): string {
  const dir = join(scratch, `case-${dirs++}`);
  mkdirSync(dir);
  return dir;
}

/** A config of `count` sites whose one resolver is a closed loopback port: every question fails at once. */
function longConfig(count: number, extra = ''): string {
  const lines = ['resolvers:', '  - { name: r1, address: "127.0.0.1:9" }', 'defaults: { timeout: 1s }', extra, 'sites:'];
  for (let i = 1; i <= count; i++) lines.push(`  - { name: site-${i}, url: "https://s${i}.cache.test/p${i}" }`);
  return `${lines.join('\n')}\n`;
}

async function check(dir: string, env: NodeJS.ProcessEnv = {}) {
  const result = await runCli(['check', '--config', join(dir, 'probes.yaml'), '--json', '--deadline', '10s'], {
    env: { XDG_CACHE_HOME: join(dir, 'cache'), OUTAGE_PROBE_DEBUG: '1', OUTAGE_PROBE_COMPILE_CACHE: 'off', ...env },
  });
  const said = result.stderr.split('\n').filter((line) => line.startsWith('outage-probe: config cache: '));
  return { ...result, said: said.map((line) => line.slice('outage-probe: config cache: '.length)) };
}

/** What a report says of its sites and settings that comes from the config. */
function configured(stdout: string) {
  const report = JSON.parse(stdout) as { config: unknown; resolvers: unknown; sites: Array<{ name: string; url: string; host: string; kind: string }> };
  return { config: report.config, resolvers: report.resolvers, sites: report.sites.map(({ name, url, host, kind }) => ({ name, url, host, kind })) };
}

const keptFiles = (dir: string): string[] => {
  const configs = join(dir, 'cache', 'outage-probe', 'configs');
  return existsSync(configs) ? readdirSync(configs).map((name) => join(configs, name)) : [];
};

describe('a long config checked by an earlier run is read back, the same', () => {
  it('keeps it on the first run and uses it on the next, with the same report of the config', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'probes.yaml'), longConfig(300));
    const first = await check(dir);
    expect(first.code).toBe(3);
    expect(first.said).toEqual([expect.stringMatching(/^none at /), expect.stringMatching(/^written .*configs\/[0-9a-f]{32}\.v8$/)]);
    const [file] = keptFiles(dir);
    expect(statSync(file!).mode & 0o777).toBe(0o600);
    const second = await check(dir);
    expect(second.code).toBe(3);
    expect(second.said).toEqual([`used ${file}`]);
    expect(configured(second.stdout)).toEqual(configured(first.stdout));
    expect(configured(second.stdout).sites).toHaveLength(300);
  });

  it('checks an edited text afresh: the edit is in the report', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'probes.yaml'), longConfig(300));
    await check(dir);
    writeFileSync(join(dir, 'probes.yaml'), longConfig(301));
    const edited = await check(dir);
    expect(edited.said[0]).toMatch(/^none at /);
    expect(configured(edited.stdout).sites.map((s) => s.name)).toContain('site-301');
    expect(keptFiles(dir)).toHaveLength(2);
  });

  it('checks afresh when the CA file it names has changed, and reports a CA file gone bad at its place', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'ca.pem'), CA_PEM);
    writeFileSync(join(dir, 'probes.yaml'), longConfig(300, 'tls: { ca: ./ca.pem }'));
    await check(dir);
    expect((await check(dir)).said[0]).toMatch(/^used /);
    writeFileSync(join(dir, 'ca.pem'), 'not a certificate\n');
    const changed = await check(dir);
    expect(changed.said).toEqual([`not used: ${join(dir, 'ca.pem')} changed`]);
    expect(changed.code).toBe(78);
    expect(changed.stderr).toMatch(/probes\.yaml:4:\d+.*tls\.ca/);
  });

  it('uses no kept file that other users could have written, nor one that is not a kept config; either is replaced', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'probes.yaml'), longConfig(300));
    await check(dir);
    const [file] = keptFiles(dir);
    chmodSync(file!, 0o666);
    const shared = await check(dir);
    expect(shared.said[0]).toBe('not used: writable by other users');
    expect(shared.said[1]).toBe(`written ${file}`);
    expect(statSync(file!).mode & 0o777).toBe(0o600);
    writeFileSync(file!, 'garbage');
    const garbled = await check(dir);
    expect(garbled.code).toBe(3);
    expect(garbled.said[0]).toBe(`not used: not a config kept for this text (${file})`);
    expect((await check(dir)).said).toEqual([`used ${file}`]);
  });

  it('never keeps a config whose check failed: its errors are found, with their places, every run', async () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'probes.yaml'), longConfig(300).replace('url: "https://s7.cache.test/p7"', 'url: "ftp://s7.cache.test/"'));
    for (let run = 0; run < 2; run++) {
      const failed = await check(dir);
      expect(failed.code).toBe(78);
      expect(failed.stderr).toMatch(/probes\.yaml:12:\d+ .*sites\[6\]\.url/);
      expect(failed.said).toEqual([expect.stringMatching(/^none at /)]);
    }
    expect(keptFiles(dir)).toEqual([]);
  });

  it('keeps nothing for a short config, nor with OUTAGE_PROBE_CONFIG_CACHE=off', async () => {
    const short = freshDir();
    writeFileSync(join(short, 'probes.yaml'), longConfig(3));
    expect(longConfig(3).length).toBeLessThan(CACHE_FROM_CHARS);
    expect((await check(short)).said).toEqual([]);
    const off = freshDir();
    writeFileSync(join(off, 'probes.yaml'), longConfig(300));
    expect((await check(off, { OUTAGE_PROBE_CONFIG_CACHE: 'off' })).said).toEqual(['off']);
    expect(keptFiles(short)).toEqual([]);
    expect(keptFiles(off)).toEqual([]);
  });
});

describe('what is read back', () => {
  it('is the Config the check made: equal, its shared records shared and frozen again', () => {
    const dir = freshDir();
    const text = longConfig(300);
    const input = { text, source: join(dir, 'probes.yaml'), baseDir: dir, sitesElsewhere: false };
    const env = { XDG_CACHE_HOME: join(dir, 'cache') };
    const checked = parseConfig(text, input.source);
    expect(Object.isFrozen(checked.sites[0]!.paths)).toBe(true);
    configCacheFor(input, env, 'a'.repeat(64))!.keep(checked);
    const read = configCacheFor(input, env, 'a'.repeat(64))!.read()!;
    expect(read).toEqual(checked);
    expect(read).not.toBe(checked);
    expect(read.sites[1]!.paths).toBe(read.sites[0]!.paths);
    expect(read.sites[1]!.expect).toBe(read.sites[0]!.expect);
    expect(Object.isFrozen(read.sites[0]!.paths)).toBe(true);
    expect(Object.isFrozen(read.sites[0]!.expect.status)).toBe(true);
    expect(Object.isFrozen(read.sites[0])).toBe(Object.isFrozen(checked.sites[0]));
    // Another build's cache is another file: it checks afresh.
    expect(configCacheFor(input, env, 'b'.repeat(64))!.read()).toBeNull();
  });
});

describe('what is kept on disk', () => {
  const kept = (name: string, bytes: number, hoursAgo: number, dir: string): string => {
    const file = join(dir, `${name.repeat(32)}.v8`);
    writeFileSync(file, Buffer.alloc(bytes));
    const at = new Date(Date.now() - hoursAgo * 3_600_000);
    utimesSync(file, at, at);
    return file;
  };

  it('the eight newest configs, within 64 MiB: a new one pushes out the oldest, and big old ones past the budget', () => {
    const dir = freshDir();
    const configs = join(dir, 'cache', 'outage-probe', 'configs');
    mkdirSync(configs, { recursive: true });
    const input = { text: longConfig(300), source: join(dir, 'probes.yaml'), baseDir: dir, sitesElsewhere: false };
    const env = { XDG_CACHE_HOME: join(dir, 'cache') };
    const small = ['a', 'b', 'c', 'd', 'e', 'f', '1', '2'].map((name, i) => kept(name, 1000, i + 1, configs));
    configCacheFor(input, env, 'd'.repeat(64))!.keep(parseConfig(input.text, input.source));
    const left = readdirSync(configs).map((name) => join(configs, name));
    expect(left).toHaveLength(8);
    expect(left).not.toContain(small.at(-1)); // the oldest
    expect(left).toEqual(expect.arrayContaining(small.slice(0, 7)));

    // Two big old ones: the newer fits the budget with the new config, the older does not.
    for (const file of left) rmSync(file);
    const newer = kept('7', 40 * 1024 * 1024, 1, configs);
    const older = kept('8', 40 * 1024 * 1024, 2, configs);
    configCacheFor({ ...input, text: `${input.text}# edited\n` }, env, 'd'.repeat(64))!.keep(parseConfig(`${input.text}# edited\n`, input.source));
    const now = readdirSync(configs).map((name) => join(configs, name));
    expect(now).toHaveLength(2);
    expect(now).toContain(newer);
    expect(now).not.toContain(older);
  });
});
