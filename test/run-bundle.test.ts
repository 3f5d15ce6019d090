import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { commandOf, compileCacheFile } from '../src/run-bundle.js';
import { BUNDLE_HASH_PREFIX, bundleHash } from '../src/util/own-cache.js';
import { runCli } from './support/cli.js';

const BUNDLE = new URL('../dist/bundle/main.cjs', import.meta.url).pathname;
const RUN_BUNDLE = new URL('../dist/run-bundle.js', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'op-compile-cache-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let dirs = 0;
function freshCacheHome(): string {
  const dir = join(scratch, `home-${dirs++}`);
  mkdirSync(dir);
  return dir;
}

const builtHash = (): string => bundleHash(readFileSync(BUNDLE, 'utf8'))!;
const where = (file: string): string => createHash('sha256').update(file).digest('hex').slice(0, 8);
const cacheName = (command: string): string => `${command}-${builtHash().slice(0, 16)}-${where(BUNDLE)}-${process.version}-${process.arch}.v8`;

/** `providers list`: a real command that runs offline and ends with exit 0. */
function providersList(cacheHome: string, env: NodeJS.ProcessEnv = {}) {
  return runCli(['providers', 'list'], { env: { XDG_CACHE_HOME: cacheHome, OUTAGE_PROBE_DEBUG: '1', ...env } });
}

describe('the bundle the build writes', () => {
  it('starts with the SHA-256 of its own text (hashed with the hash zeroed), which names its code cache', () => {
    const text = readFileSync(BUNDLE, 'utf8');
    const hash = bundleHash(text);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    const zeroed = text.replace(hash!, '0'.repeat(64));
    expect(createHash('sha256').update(zeroed).digest('hex')).toBe(hash);
    // Strict mode, as the ES modules it was built from: nothing but the comment comes before the directive.
    expect(text.split('\n')[1]).toBe('"use strict";');
  });

  it('is ASCII only: one other character makes every start read its 1.7 MB the slow way', () => {
    expect(readFileSync(BUNDLE).findIndex((byte) => byte > 0x7f)).toBe(-1);
  });
});

describe('what the bundle leaves to node_modules', () => {
  it('holds the undici files a probe runs, and each package file it requires at run time resolves from its directory', () => {
    const text = readFileSync(BUNDLE, 'utf8');
    // In the bundle, V8's code cache covers them (src/probe/http/fetch.ts).
    for (const file of ['dispatcher/client.js', 'dispatcher/client-h1.js', 'dispatcher/client-h2.js', 'api/api-request.js']) {
      expect(text).toMatch(new RegExp(`^// \\S*node_modules/undici/lib/${file.replace('.', '\\.')}$`, 'm'));
    }
    const required = [...new Set([...text.matchAll(/\brequire\("([^"]*)"\)/g)].map((m) => m[1]!))].filter((name) => !name.startsWith('node:'));
    const packageFiles = required.filter((name) => name.includes('undici'));
    // What scripts/bundle.mjs keeps outside: undici's WHATWG fetch, which a probe never runs, from node_modules; the
    // llhttp WebAssembly of the bundled release (HTTP/1.1), copied beside the bundle.
    expect(packageFiles.sort()).toEqual(['./undici/llhttp-wasm.cjs', './undici/llhttp_simd-wasm.cjs', 'undici/lib/web/fetch/body.js']);
    const fromBundle = createRequire(BUNDLE);
    for (const name of packageFiles) expect(() => fromBundle.resolve(name), name).not.toThrow();
    // The copies load as CommonJS and are the release's own WebAssembly.
    const fromHere = createRequire(import.meta.url);
    for (const name of ['llhttp-wasm', 'llhttp_simd-wasm']) {
      const wasm = fromBundle(`./undici/${name}.cjs`) as Buffer;
      expect(WebAssembly.validate(wasm), name).toBe(true);
      expect(wasm.equals(fromHere(`undici/lib/llhttp/${name}.js`) as Buffer), name).toBe(true);
    }
  });
});

describe('the compile cache of bin/outage-probe', () => {
  it('is written by a run that found none, used by the next, and changes nothing in what the run prints', async () => {
    const home = freshCacheHome();
    const file = join(home, 'outage-probe', 'compile-cache', cacheName('providers'));
    const first = await providersList(home);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(`compile cache: none at ${file}`);
    expect(first.stderr).toContain(`compile cache: written ${file}`);
    expect(readFileSync(file).length).toBeGreaterThan(10_000);

    const second = await providersList(home);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain(`compile cache: used ${file}`);
    expect(second.stderr).not.toContain('written');
    expect(second.stdout).toBe(first.stdout);
  });

  it('a damaged cache is rejected by V8, the run compiles as usual, and a good one is written in its place', async () => {
    const home = freshCacheHome();
    const file = join(home, 'outage-probe', 'compile-cache', cacheName('providers'));
    const reference = await providersList(home);
    writeFileSync(file, randomBytes(readFileSync(file).length));
    const damaged = await providersList(home);
    expect(damaged.code).toBe(0);
    expect(damaged.stderr).toContain(`compile cache: rejected at ${file}`);
    expect(damaged.stderr).toContain(`compile cache: written ${file}`);
    expect(damaged.stdout).toBe(reference.stdout);
    expect((await providersList(home)).stderr).toContain(`compile cache: used ${file}`);
  });

  it('a cache file other users could have written is not used (V8 would run what it holds), and is replaced', async () => {
    const home = freshCacheHome();
    const file = join(home, 'outage-probe', 'compile-cache', cacheName('providers'));
    await providersList(home);
    chmodSync(file, 0o666);
    const shared = await providersList(home);
    expect(shared.code).toBe(0);
    expect(shared.stderr).toContain('compile cache: not used: writable by other users');
    expect(shared.stderr).toContain(`compile cache: written ${file}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, 'outage-probe', 'compile-cache')).mode & 0o777).toBe(0o700);
    expect((await providersList(home)).stderr).toContain(`compile cache: used ${file}`);
  });

  it('a symbolic link in the cache file’s place is not followed', async () => {
    const home = freshCacheHome();
    const dir = join(home, 'outage-probe', 'compile-cache');
    mkdirSync(dir, { recursive: true });
    const elsewhere = join(home, 'elsewhere');
    writeFileSync(elsewhere, 'planted');
    symlinkSync(elsewhere, join(dir, cacheName('providers')));
    const run = await providersList(home);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('compile cache: not used: cannot open it (ELOOP)');
    expect(readFileSync(elsewhere, 'utf8')).toBe('planted');
    expect(lstatSync(join(dir, cacheName('providers'))).isFile()).toBe(true);
  });

  it('one file a command: another command has its own; a write keeps the command’s three newest builds', async () => {
    const home = freshCacheHome();
    const dir = join(home, 'outage-probe', 'compile-cache');
    mkdirSync(dir, { recursive: true });
    const build = (command: string, letter: string) => `${command}-${letter.repeat(16)}-${where(BUNDLE)}-${process.version}-${process.arch}.v8`;
    const hoursAgo = (file: string, hours: number) => utimesSync(join(dir, file), new Date(Date.now() - hours * 3_600_000), new Date(Date.now() - hours * 3_600_000));
    for (const [file, hours] of [[build('providers', 'a'), 3], [build('providers', 'b'), 1], [build('providers', 'c'), 2], [build('check', 'd'), 9]] as const) {
      writeFileSync(join(dir, file), 'another build');
      hoursAgo(file, hours);
    }
    expect((await providersList(home)).code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual([build('check', 'd'), build('providers', 'b'), build('providers', 'c'), cacheName('providers')].sort());
  });

  it('two builds run in turn on one account (two installs) keep their caches', async () => {
    const home = freshCacheHome();
    const dir = join(home, 'outage-probe', 'compile-cache');
    mkdirSync(dir, { recursive: true });
    const otherInstall = `providers-${'e'.repeat(16)}-${where(BUNDLE)}-${process.version}-${process.arch}.v8`;
    writeFileSync(join(dir, otherInstall), 'the other install');
    expect((await providersList(home)).stderr).toContain('compile cache: written');
    expect(readFileSync(join(dir, otherInstall), 'utf8')).toBe('the other install');
    expect((await providersList(home)).stderr).toContain('compile cache: used');
  });

  it('is not written after a usage error, and never when switched off; a directory of one’s own is used as given', async () => {
    const home = freshCacheHome();
    const typo = await runCli(['provders', 'list'], { env: { XDG_CACHE_HOME: home, OUTAGE_PROBE_DEBUG: '1' } });
    expect(typo.code).toBe(64);
    expect(typo.stderr).toContain('compile cache: not written: exit code 64');
    expect(existsSync(join(home, 'outage-probe'))).toBe(false);

    const off = await providersList(home, { OUTAGE_PROBE_COMPILE_CACHE: 'off' });
    expect(off.code).toBe(0);
    expect(off.stderr).toContain('compile cache: off');
    expect(existsSync(join(home, 'outage-probe'))).toBe(false);

    const own = join(scratch, 'own-dir');
    const chosen = await providersList(home, { OUTAGE_PROBE_COMPILE_CACHE: own });
    expect(chosen.stderr).toContain(`compile cache: written ${join(own, cacheName('providers'))}`);
    expect(existsSync(join(home, 'outage-probe'))).toBe(false);
  });

  it('a cache directory that cannot be made costs the run nothing: same output, exit 0, nothing on stderr', async () => {
    const home = freshCacheHome();
    const reference = await providersList(home, { OUTAGE_PROBE_COMPILE_CACHE: 'off' });
    const notADirectory = join(home, 'a-file');
    writeFileSync(notADirectory, '');
    const run = await runCli(['providers', 'list'], { env: { XDG_CACHE_HOME: home, OUTAGE_PROBE_COMPILE_CACHE: join(notADirectory, 'compile-cache') } });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(reference.stdout);
  });
});

describe('runBundle', () => {
  /** A bundle of our own, run by runBundle in a process of its own. */
  function runFixture(body: string, sharedCacheDir?: string): { stdout: string; stderr: string; cacheDir: string; bundle: string } {
    const dir = mkdtempSync(join(scratch, 'fixture-'));
    const bundle = join(dir, 'main.cjs');
    writeFileSync(bundle, `${BUNDLE_HASH_PREFIX}${'a'.repeat(64)}\n"use strict";\n${body}\n`);
    writeFileSync(join(dir, 'data.json'), '{"beside": "the bundle"}');
    const cacheDir = sharedCacheDir ?? join(dir, 'cache');
    const script = `import { runBundle } from ${JSON.stringify(RUN_BUNDLE)}; runBundle(${JSON.stringify(bundle)}, ['fixture']);`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, OUTAGE_PROBE_DEBUG: '1', OUTAGE_PROBE_COMPILE_CACHE: cacheDir },
    });
    return { stdout: run.stdout, stderr: run.stderr, cacheDir, bundle };
  }

  it('runs it as a CommonJS module of its own file: require() resolves beside it, __filename is it', () => {
    const run = runFixture(`process.stdout.write(require('./data.json').beside + ' ' + require('node:path').basename(__filename) + ' ' + (this === module.exports));`);
    expect(run.stdout).toBe('the bundle main.cjs true');
    expect(run.stderr).toContain('compile cache: written');
  });

  it('the same build at two paths (two installs of one version) keeps a cache each: stack traces name their own file', () => {
    const cacheDir = join(mkdtempSync(join(scratch, 'shared-')), 'cache');
    const body = `process.stdout.write(new Error('where').stack.split('\\n')[1].trim());`;
    const first = runFixture(body, cacheDir);
    expect(first.stdout).toContain(first.bundle);
    const again = runFixture(body, cacheDir);
    expect(again.stderr).toContain('compile cache: none at');
    expect(again.stdout).toContain(again.bundle);
    expect(again.stdout).not.toContain(first.bundle);
    expect(readdirSync(cacheDir)).toHaveLength(2);
  });

  it('writes no cache when the run changed a V8 flag: V8 would reject it at every later start', () => {
    const run = runFixture(`require('node:v8').setFlagsFromString('--interrupt-budget=100000'); require('node:v8').setFlagsFromString('--no-lazy-feedback-allocation');`);
    expect(run.stderr).toContain('compile cache: not written: a V8 flag changed during the run');
    expect(existsSync(run.cacheDir)).toBe(false);
  });
});

describe('naming the cache', () => {
  const source = `${BUNDLE_HASH_PREFIX}${'0123456789abcdef'.repeat(4)}\n"use strict";`;

  it('by command, bundle hash, bundle path, Node version and architecture, under $XDG_CACHE_HOME/outage-probe/compile-cache', () => {
    expect(compileCacheFile(source, '/opt/op/main.cjs', ['check', '--config', 'x.yaml'], { XDG_CACHE_HOME: '/c' })).toBe(
      `/c/outage-probe/compile-cache/check-0123456789abcdef-${where('/opt/op/main.cjs')}-${process.version}-${process.arch}.v8`,
    );
    expect(compileCacheFile(source, '/opt/op/main.cjs', ['--json', 'map'], { HOME: '/h' })).toBe(
      `/h/.cache/outage-probe/compile-cache/map-0123456789abcdef-${where('/opt/op/main.cjs')}-${process.version}-${process.arch}.v8`,
    );
    // The same build installed elsewhere: a file of its own (V8 would name the other path in its stack traces).
    expect(compileCacheFile(source, '/home/u/op/main.cjs', ['check'], { HOME: '/h' })).not.toBe(compileCacheFile(source, '/opt/op/main.cjs', ['check'], { HOME: '/h' }));
  });

  it('none when switched off or when the bundle carries no hash (its changes could not be told apart)', () => {
    expect(compileCacheFile(source, '/b/main.cjs', ['check'], { HOME: '/h', OUTAGE_PROBE_COMPILE_CACHE: 'off' })).toBeNull();
    expect(compileCacheFile(source, '/b/main.cjs', ['check'], { HOME: '/h', OUTAGE_PROBE_COMPILE_CACHE: '0' })).toBeNull();
    expect(compileCacheFile('"use strict";', '/b/main.cjs', ['check'], { HOME: '/h' })).toBeNull();
    expect(bundleHash(`${BUNDLE_HASH_PREFIX}not-a-hash`)).toBeNull();
  });

  it('a relative cache directory setting is not taken (it would follow the working directory)', () => {
    expect(compileCacheFile(source, '/b/main.cjs', ['check'], { HOME: '/h', OUTAGE_PROBE_COMPILE_CACHE: 'rel/dir' })).toBe(
      `/h/.cache/outage-probe/compile-cache/check-0123456789abcdef-${where('/b/main.cjs')}-${process.version}-${process.arch}.v8`,
    );
  });

  it('the command is the first word, kept only when it looks like one', () => {
    expect(commandOf(['check'])).toBe('check');
    expect(commandOf(['--version'])).toBe('none');
    expect(commandOf([])).toBe('none');
    expect(commandOf(['../../etc'])).toBe('none');
    expect(commandOf(['Check'])).toBe('none');
  });
});
