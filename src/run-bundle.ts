// bin/outage-probe runs the CLI's bundle (dist/bundle/main.cjs, built by scripts/bundle.mjs) through here, with V8's
// code cache. Node 20 compiles every function of a script the first time it runs, and a one-site check calls
// hundreds (YAML, config checks, DNS, TLS, classification, the report): ~30 ms of its ~140 ms of work
// (bench/findings.md). Node 22 caches compiled code itself (module.enableCompileCache); Node 20 has no such cache
// for user code, but vm.Script takes and makes V8's: a run that finds none compiles as usual and, as it exits, writes
// what it compiled; later runs of the same command start with it.
//
// The cache is $XDG_CACHE_HOME/outage-probe/compile-cache/ (default ~/.cache/...), a file per command, named by the
// bundle's own hash (written into its first line by scripts/bundle.mjs), its path, Node's version and the
// architecture. V8 checks the rest itself (its version, its flags, the source's length) and rejects a cache that does
// not fit: the run then compiles as if there were none. OUTAGE_PROBE_COMPILE_CACHE=off uses and writes none; set to an
// absolute directory, that directory is used instead. OUTAGE_PROBE_DEBUG=1 says on stderr what happened to it.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cachedDataVersionTag } from 'node:v8';
import vm from 'node:vm';
import { cacheDirectory } from './util/cache-dir.js';
import { bundleHash, keepNewest, readOwnCacheFile, writeOwnCacheFile } from './util/own-cache.js';

/**
 * Caches kept a command: the newest few builds' (by when written). Not only the latest: two installs of different
 * versions on one account (a global one and a project's) would otherwise delete each other's at every run.
 */
const BUILDS_KEPT = 3;

/** Exit codes of runs whose compiled code is worth keeping: a verdict (0–3) or a command's success. */
const KEEP_AFTER_EXIT_CODE_AT_MOST = 3;

export function runBundle(bundle: string | URL, argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): void {
  const file = bundle instanceof URL ? fileURLToPath(bundle) : bundle;
  const source = readFileSync(file, 'utf8');
  const cacheFile = compileCacheFile(source, file, argv, env);
  const debug = env.OUTAGE_PROBE_DEBUG === '1' ? (text: string) => process.stderr.write(`outage-probe: compile cache: ${text}\n`) : null;
  let cachedData: Buffer | undefined;
  if (cacheFile) {
    const read = readOwnCacheFile(cacheFile);
    if (typeof read === 'string') debug?.(`not used: ${read}`);
    else cachedData = read ?? undefined;
  } else {
    debug?.('off');
  }
  const script = new vm.Script(Module.wrap(source), { filename: file, ...(cachedData ? { cachedData } : {}) });
  if (cacheFile && cachedData && !script.cachedDataRejected) {
    debug?.(`used ${cacheFile}`);
  } else if (cacheFile) {
    debug?.(`${cachedData ? 'rejected' : 'none'} at ${cacheFile}`);
    writeAtExit(script, cacheFile, debug);
  }
  const run = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
  const module = { exports: {} };
  run.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
}

/**
 * The cache file for this bundle, where it is, and command, or null when there is to be none: switched off, or a
 * bundle without its hash (one not built by scripts/bundle.mjs), whose changes the file name could not follow. Where
 * the bundle is counts: V8 keeps the script's name in the code it caches, so a run at one path using the cache of the
 * same build at another (two installs of one version) would name the other path in every stack trace.
 */
export function compileCacheFile(source: string, file: string, argv: string[], env: NodeJS.ProcessEnv): string | null {
  const setting = env.OUTAGE_PROBE_COMPILE_CACHE;
  if (setting === 'off' || setting === '0') return null;
  const hash = bundleHash(source);
  if (!hash) return null;
  const dir = setting && isAbsolute(setting) ? setting : join(cacheDirectory(env), 'compile-cache');
  const where = createHash('sha256').update(file).digest('hex').slice(0, 8);
  return join(dir, `${commandOf(argv)}-${hash.slice(0, 16)}-${where}-${process.version}-${process.arch}.v8`);
}

/** The command a run's arguments name (its first word), which decides which functions it compiles; "none" for none. */
export function commandOf(argv: string[]): string {
  const word = argv.find((arg) => !arg.startsWith('-'));
  return word && /^[a-z][a-z-]{0,23}$/.test(word) ? word : 'none';
}

function writeAtExit(script: vm.Script, cacheFile: string, debug: ((text: string) => void) | null): void {
  // V8 stamps the cache with its flags as they are when the cache is made; a run that changed one (a large list
  // tightens the heap, util/heap.ts) would write a cache every later run rejects.
  const tag = cachedDataVersionTag();
  process.once('exit', (code) => {
    if (code > KEEP_AFTER_EXIT_CODE_AT_MOST) {
      debug?.(`not written: exit code ${code}`);
    } else if (cachedDataVersionTag() !== tag) {
      debug?.('not written: a V8 flag changed during the run');
    } else {
      const problem = writeAtomically(cacheFile, script.createCachedData());
      debug?.(problem ? `not written: ${problem}` : `written ${cacheFile}`);
    }
  });
}

/** Write the file and drop the command's caches of older builds; a problem, or null. */
function writeAtomically(cacheFile: string, data: Buffer): string | null {
  const problem = writeOwnCacheFile(cacheFile, data);
  if (problem) return problem;
  const name = basename(cacheFile);
  const command = name.slice(0, name.indexOf('-') + 1);
  keepNewest(dirname(cacheFile), (other) => other.startsWith(command) && other.endsWith('.v8'), BUILDS_KEPT);
  return null;
}
