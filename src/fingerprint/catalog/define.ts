// Helpers the catalog entries share: a typed constructor that keeps each built-in id a literal (so the ids
// form a checked union, see index.ts), and small readers for PoP headers.

import type { ProviderDef } from '../types.js';

/** A built-in provider; `const Id` keeps "cloudflare" a literal type instead of widening it to string. */
export function provider<const Id extends string>(def: ProviderDef<Id>): ProviderDef<Id> {
  return def;
}

/** A PoP reader: the first group of `re` on the trimmed header value, or null when it does not match. */
export function firstGroup(re: RegExp): (value: string) => string | null {
  return (value) => re.exec(value.trim())?.[1] ?? null;
}
