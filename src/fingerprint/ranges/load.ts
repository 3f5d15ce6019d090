// Published IP ranges: the dated snapshot shipped with the package, overlaid set by set with the
// cache `outage-probe providers update` writes, when the cache's copy of a set is newer.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDirectory } from '../../util/cache-dir.js';
import snapshotJson from './snapshot.json' with { type: 'json' };
import { buildRangeIndex, packedRangeSet, type PrefixGroup, type RangeIndex, type RangeSet, type RangeSets } from './trie.js';

/** The file shape of both snapshot.json and the update cache. */
export interface RangeSnapshot {
  takenAt: string;
  sets: RangeSets;
}

export interface LoadedRanges {
  sets: RangeSets;
  /** When the shipped snapshot was taken. */
  snapshotTakenAt: string;
  /** When the cache was written; null when there is no usable cache. */
  cacheTakenAt: string | null;
  cacheFile: string;
  /** Which sets came from the cache (newer than the snapshot's copy). */
  fromCache: string[];
  /** Why the cache was not used, when it exists but cannot be read. */
  cacheProblem: string | null;
}

/**
 * snapshot.json is packed to keep the package small: each set's prefixes grouped by region and service, a group's
 * prefixes one space-separated string (12,000 prefixes: 290 KB instead of 1.2 MB). The cache keeps the plain shape.
 */
interface PackedSnapshot {
  takenAt: string;
  sets: Record<string, Omit<RangeSet, 'prefixes'> & { groups: PrefixGroup[] }>;
}

/** The snapshot's sets, kept packed (`packedRangeSet`): the index reads their text, `prefixes` unpacks on demand. */
export function readPackedSnapshot(packed: PackedSnapshot): RangeSnapshot {
  const sets: RangeSets = {};
  for (const [id, { groups, ...set }] of Object.entries(packed.sets)) sets[id] = packedRangeSet(set, groups);
  return { takenAt: packed.takenAt, sets };
}

export const SNAPSHOT: RangeSnapshot = readPackedSnapshot(snapshotJson);

/** `$XDG_CACHE_HOME/outage-probe/ranges.json`, default `~/.cache/outage-probe/ranges.json`. */
export function defaultCacheFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheDirectory(env), 'ranges.json');
}

/** Parse a cache file's text; a value that is not the expected shape is a problem, not an exception. */
export function parseRangeCache(text: string): { cache: RangeSnapshot } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { problem: `not JSON (${(err as Error).message})` };
  }
  if (!isRecord(value) || typeof value.takenAt !== 'string' || !isRecord(value.sets)) {
    return { problem: 'expected {"takenAt": ..., "sets": {...}}' };
  }
  const sets: RangeSets = {};
  for (const [id, set] of Object.entries(value.sets)) {
    if (!isRecord(set) || typeof set.provider !== 'string' || typeof set.takenAt !== 'string' || !Array.isArray(set.prefixes)) {
      return { problem: `set "${id}" is not {provider, source, takenAt, prefixes}` };
    }
    const prefixes = set.prefixes.filter(
      (p): p is RangeSet['prefixes'][number] => isRecord(p) && typeof p.prefix === 'string',
    );
    sets[id] = {
      provider: set.provider,
      source: typeof set.source === 'string' ? set.source : '',
      takenAt: set.takenAt,
      prefixes: prefixes.map((p) => ({ prefix: p.prefix, region: p.region ?? null, service: p.service ?? null })),
    };
  }
  return { cache: { takenAt: value.takenAt, sets } };
}

/** Read the cache file: null when it does not exist, a problem when it cannot be used. */
export function readRangeCache(file: string): { cache: RangeSnapshot | null; problem: string | null } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { cache: null, problem: code === 'ENOENT' ? null : `cannot read ${file}: ${code ?? (err as Error).message}` };
  }
  const parsed = parseRangeCache(text);
  return 'cache' in parsed ? { cache: parsed.cache, problem: null } : { cache: null, problem: `${file}: ${parsed.problem}` };
}

function newer(a: string, b: string): boolean {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  return Number.isFinite(ta) && (!Number.isFinite(tb) || ta > tb);
}

/** The snapshot, with each set replaced by the cache's copy when that copy is newer (or new). */
export function mergeRanges(snapshot: RangeSnapshot, cache: RangeSnapshot | null): { sets: RangeSets; fromCache: string[] } {
  const sets: RangeSets = { ...snapshot.sets };
  const fromCache: string[] = [];
  for (const [id, set] of Object.entries(cache?.sets ?? {})) {
    const shipped = sets[id];
    if (!shipped || newer(set.takenAt, shipped.takenAt)) {
      sets[id] = set;
      fromCache.push(id);
    }
  }
  return { sets, fromCache };
}

export interface LoadRangesOptions {
  cacheFile?: string;
  env?: NodeJS.ProcessEnv;
}

export function loadRanges(options: LoadRangesOptions = {}): LoadedRanges {
  const cacheFile = options.cacheFile ?? defaultCacheFile(options.env);
  const { cache, problem } = readRangeCache(cacheFile);
  const { sets, fromCache } = mergeRanges(SNAPSHOT, cache);
  return {
    sets,
    snapshotTakenAt: SNAPSHOT.takenAt,
    cacheTakenAt: cache?.takenAt ?? null,
    cacheFile,
    fromCache,
    cacheProblem: problem,
  };
}

const builtIndexes = new Map<string, RangeIndex>();

/**
 * The index over the built-in ranges (snapshot + cache), built on first use and kept for the
 * process; `extraSets` (user ranges from probes.yaml) give a fresh index that includes them.
 */
export function rangeIndex(options: LoadRangesOptions & { extraSets?: RangeSets } = {}): RangeIndex {
  const extra = options.extraSets && Object.keys(options.extraSets).length > 0 ? options.extraSets : null;
  const cacheFile = options.cacheFile ?? defaultCacheFile(options.env);
  if (!extra) {
    let index = builtIndexes.get(cacheFile);
    if (!index) {
      index = buildRangeIndex(loadRanges({ cacheFile }).sets);
      builtIndexes.set(cacheFile, index);
    }
    return index;
  }
  // User sets go first so that an identical prefix is credited to the user's provider (more specific
  // user prefixes win anyway: the lookup is longest-prefix).
  return buildRangeIndex(extra, loadRanges({ cacheFile }).sets);
}

/** Forget built indexes (after `providers update` rewrote the cache). */
export function resetRangeIndexes(): void {
  builtIndexes.clear();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
