// The fingerprint stage's front door: the catalog a run uses (built-in providers plus the user's
// `providers:` from probes.yaml) and the range index over published and user prefixes. The catalog is data: every
// fact a rule reads about a provider (headers, error pages, CNAME and NS suffixes, ranges, PoP markers, regions,
// status pages) lives in catalog/, one file per provider.
//
// fingerprint/ never imports config/, plan/, probe/, classify/, correlate/, report/, state/, notify/, status/, merge/, lab/ or commands/.

import { BUILTIN_PROVIDERS } from './catalog/index.js';
import { rangeIndex, type LoadRangesOptions } from './ranges/load.js';
import type { RangeIndex } from './ranges/trie.js';
import type { ProviderDef } from './types.js';
import { mergeProviders, userRangeSets } from './user-providers.js';

export interface Catalog {
  /** In precedence order: edge providers before the platforms they front, user providers last. */
  providers: ProviderDef[];
  ranges: RangeIndex;
}

/** Build the catalog for a run; `user` is the raw `providers:` list from the config. */
export function loadCatalog(user: unknown[] = [], options: LoadRangesOptions = {}): Catalog {
  return {
    providers: mergeProviders(BUILTIN_PROVIDERS, user),
    ranges: rangeIndex({ ...options, extraSets: userRangeSets(user) }),
  };
}

export { BUILTIN_PROVIDERS } from './catalog/index.js';
export type { ErrorRule, HeaderRule, ProviderDef, ProviderMatch, RangeMatch } from './types.js';
export type { RangeIndex } from './ranges/trie.js';
