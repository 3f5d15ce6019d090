// `--shard K/N`: probe the K-th of N disjoint shares of the config's sites, so N processes (a Kubernetes Indexed
// Job's pods, say) probe one long list and `merge` makes one report of their shards. Which share a site falls in
// depends on its name alone (a stable hash), never on the list's order or length: adding a site to the list moves
// no other site to another shard.

import type { Shard, SiteSpec } from '../model.js';
import { UsageError } from '../cli-errors.js';

export const MAX_SHARDS = 10_000;

/** "2/5" → { index: 2, count: 5 }; K counts from 1 (an Indexed Job's JOB_COMPLETION_INDEX is K − 1). */
export function parseShardFlag(text: string): Pick<Shard, 'index' | 'count'> {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || count > MAX_SHARDS || index < 1 || index > count) {
    throw new UsageError(`--shard: expected K/N with 1 ≤ K ≤ N ≤ ${MAX_SHARDS} (e.g. 2/5), got ${JSON.stringify(text)}`);
  }
  return { index, count };
}

/** The shard (1 to count) a site's name falls in: FNV-1a (32 bits) of its UTF-8 bytes, modulo count. */
export function shardOf(name: string, count: number): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(name, 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash % count) + 1;
}

export function sitesOfShard(sites: SiteSpec[], shard: Pick<Shard, 'index' | 'count'>): SiteSpec[] {
  return sites.filter((site) => shardOf(site.name, shard.count) === shard.index);
}
