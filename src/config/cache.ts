// Checked configs kept between runs. Checking a long probes.yaml is most of what a run does before its first
// question: yaml's parser takes ~95 ms over 1,000 sites and ~0.7 s over 10,000 (bench/findings.md), every run of a
// cron job, for the same text. What the check makes of a text depends on the text, its path (named in the Config
// and in its messages), the directory relative paths start in, the options, the CA file it names and the build (the
// catalog and every rule are in the bundle); nothing else (no clock, no network, no environment). So a Config
// whose check found nothing is kept under a SHA-256 of all of those but the CA file, whose content is compared with
// the kept one when the Config is used. A text that fails its check is never kept: errors are always found afresh,
// with their positions.
//
// Kept in $XDG_CACHE_HOME/outage-probe/configs/ (util/own-cache.ts: this user's files only), as V8's serialization
// of the Config, which keeps its shared records shared; the records the check froze are frozen again on reading.
// Only texts of CACHE_FROM_CHARS or more (~250 sites), only from a bundle (whose hash names the build); the newest
// eight within 64 MiB are kept. Off with OUTAGE_PROBE_CONFIG_CACHE=off; OUTAGE_PROBE_DEBUG=1 says on stderr what
// happened to it.

import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { deserialize, serialize } from 'node:v8';
import type { Config } from '../model.js';
import { cacheDirectory } from '../util/cache-dir.js';
import { keepNewest, readOwnCacheFile, runningBuildHash, writeOwnCacheFile } from '../util/own-cache.js';
import { readRegularFile } from '../util/safe-file.js';
import { MAX_CA_BYTES } from './values.js';

/** Shorter texts are checked in a few milliseconds, about what reading a kept Config costs. */
export const CACHE_FROM_CHARS = 16 * 1024;
/** Configs kept: a few files (or versions of one) in use on one account at a time... */
const CONFIGS_KEPT = 8;
/** ...within this much disk (a 10,000-site config is ~2.8 MB kept; the newest is kept whatever its size). */
const CONFIGS_KEPT_BYTES = 64 * 1024 * 1024;
/** Bumped when what is kept changes shape. */
const FORMAT = 1;

interface Kept {
  key: string;
  config: Config;
  /** The records of `config` that were frozen (the same objects, by V8's serialization). */
  frozen: object[];
}

export interface ConfigCache {
  /** The kept Config for this text, or null. */
  read(): Config | null;
  /** Keep the Config the check made of this text. */
  keep(config: Config): void;
}

export interface ConfigCacheInput {
  text: string;
  /** The path as given (Config.source). */
  source: string;
  baseDir: string;
  sitesElsewhere: boolean;
}

/**
 * The cache for one config text, or null when there is to be none (switched off, a short text, no bundle). `build`
 * names the build whose check is kept: the running bundle's hash.
 */
export function configCacheFor(input: ConfigCacheInput, env: NodeJS.ProcessEnv = process.env, build: string | null = runningBuildHash()): ConfigCache | null {
  const debug = env.OUTAGE_PROBE_DEBUG === '1' ? (text: string) => process.stderr.write(`outage-probe: config cache: ${text}\n`) : null;
  if (env.OUTAGE_PROBE_CONFIG_CACHE === 'off' || env.OUTAGE_PROBE_CONFIG_CACHE === '0') {
    debug?.('off');
    return null;
  }
  if (input.text.length < CACHE_FROM_CHARS) return null;
  if (!build) {
    debug?.('none: not running from a bundle');
    return null;
  }
  const key = createHash('sha256')
    .update(JSON.stringify([FORMAT, build, process.version, input.source, input.baseDir, input.sitesElsewhere, input.text]))
    .digest('hex');
  const file = join(cacheDirectory(env), 'configs', `${key.slice(0, 32)}.v8`);
  return {
    read() {
      const data = readOwnCacheFile(file);
      if (data === null) {
        debug?.(`none at ${file}`);
        return null;
      }
      if (typeof data === 'string') {
        debug?.(`not used: ${data}`);
        return null;
      }
      const kept = keptIn(data, key);
      if (!kept) {
        debug?.(`not used: not a config kept for this text (${file})`);
        return null;
      }
      const { caFile, ca } = kept.config.tls;
      if (caFile !== null && !sameText(caFile, ca)) {
        debug?.(`not used: ${caFile} changed`);
        return null;
      }
      for (const record of kept.frozen) Object.freeze(record);
      debug?.(`used ${file}`);
      return kept.config;
    },
    keep(config) {
      const record: Kept = { key, config, frozen: frozenRecords(config) };
      let data: Buffer;
      try {
        data = serialize(record);
      } catch (err) {
        debug?.(`not written: ${(err as Error).message}`);
        return;
      }
      // V8 keeps plain data exactly; anything else (a class instance, a URL) would come back as something else.
      if (!isDeepStrictEqual((deserialize(data) as Kept).config, config)) {
        debug?.('not written: the config does not survive serialization');
        return;
      }
      const problem = writeOwnCacheFile(file, data);
      if (problem) {
        debug?.(`not written: ${problem}`);
        return;
      }
      keepNewest(join(cacheDirectory(env), 'configs'), (name) => /^[0-9a-f]{32}\.v8$/.test(name), CONFIGS_KEPT, CONFIGS_KEPT_BYTES);
      debug?.(`written ${file}`);
    },
  };
}

function keptIn(data: Buffer, key: string): Kept | null {
  try {
    const kept = deserialize(data) as Partial<Kept> | null;
    if (kept?.key !== key || typeof kept.config !== 'object' || kept.config === null || !Array.isArray(kept.frozen)) return null;
    return kept as Kept;
  } catch {
    return null;
  }
}

function sameText(file: string, text: string | null): boolean {
  try {
    return readRegularFile(file, MAX_CA_BYTES) === text;
  } catch {
    return false;
  }
}

/** Every frozen object or array in `value`, each once. */
function frozenRecords(value: unknown, found: object[] = [], seen = new Set<object>()): object[] {
  if (typeof value !== 'object' || value === null || seen.has(value)) return found;
  seen.add(value);
  if (Object.isFrozen(value)) found.push(value);
  for (const item of Array.isArray(value) ? value : Object.values(value)) frozenRecords(item, found, seen);
  return found;
}
