// What an RFC 8914 Extended DNS Error says an answer is, read the same way by the rules (classify/dns-facts.ts) and
// by the table's resolver cells. https://www.rfc-editor.org/rfc/rfc8914#section-4

import type { ExtendedDnsError } from '../model.js';

/**
 * 1, 2 and 5–12 are DNSSEC failures (unsupported algorithm or digest, indeterminate, bogus, signature expired or not
 * yet valid, DNSKEY, RRSIGs, zone key bit or NSEC missing). 3 (Stale Answer) and 4 (Forged Answer) sit among them
 * and are not: a cache past its TTL, a resolver's own answer.
 */
const DNSSEC: ReadonlySet<number> = new Set([1, 2, 5, 6, 7, 8, 9, 10, 11, 12]);
/** §4.4 (3 "Stale Answer") and §4.20 (19 "Stale NXDOMAIN Answer"): from cache past the TTL (serve-stale, RFC 8767). */
const STALE: ReadonlySet<number> = new Set([3, 19]);
/**
 * §4.5 and §4.16–4.18: 4 "Forged Answer" (the resolver answers in the name's stead, e.g. by policy), 15 "Blocked" (its
 * own blocklist), 16 "Censored" (an external, e.g. legal, requirement), 17 "Filtered" (a filter the client asked
 * for): the resolver withholds the name by policy.
 */
const POLICY: ReadonlySet<number> = new Set([4, 15, 16, 17]);
/** §4.19: 18 "Prohibited": the resolver refuses this client (an access list). */
const PROHIBITED = 18;

export type EdeMeaning = 'dnssec' | 'stale' | 'policy' | 'prohibited';

export function edeMeaning(e: Pick<ExtendedDnsError, 'code'>): EdeMeaning | null {
  if (DNSSEC.has(e.code)) return 'dnssec';
  if (STALE.has(e.code)) return 'stale';
  if (POLICY.has(e.code)) return 'policy';
  return e.code === PROHIBITED ? 'prohibited' : null;
}

/** The first of an answer's EDEs that means `meaning`, or undefined. */
export function edeOf(ede: readonly ExtendedDnsError[], meaning: EdeMeaning): ExtendedDnsError | undefined {
  return ede.find((e) => edeMeaning(e) === meaning);
}

/** An Extended DNS Error as every report line says it: `EDE 6 "DNSSEC Bogus"`. */
export function edeWords(e: ExtendedDnsError): string {
  return `EDE ${e.code}${e.text ? ` "${e.text}"` : ''}`;
}
