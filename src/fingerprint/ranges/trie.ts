// Longest-prefix match over published IP ranges: one binary trie per address family, built once,
// stored in flat typed arrays (a node is an index; children and payload are parallel arrays), so a
// lookup is at most 32 or 128 steps whatever the number of prefixes.

import type { RangeMatch } from '../types.js';

export interface RangePrefix {
  prefix: string;
  region: string | null;
  service: string | null;
}

/** One published list of one provider (snapshot.json and the update cache share this shape). */
export interface RangeSet {
  provider: string;
  /** Where the list comes from (an official URL where there is one). */
  source: string;
  /** Date (YYYY-MM-DD) or timestamp (ISO 8601) the list was taken. */
  takenAt: string;
  prefixes: RangePrefix[];
}

export type RangeSets = Record<string, RangeSet>;

/** A set's prefixes that share a region and service, as one space-separated string: how snapshot.json packs them. */
export interface PrefixGroup {
  region: string | null;
  service: string | null;
  prefixes: string;
}

const groupsOfPackedSet = new WeakMap<RangeSet, PrefixGroup[]>();

/**
 * A set kept as its packed groups. The index files the groups' text as it is, so a run makes no object a prefix
 * (12,000 in the shipped snapshot) unless something reads `prefixes`, which unpacks them on that first read.
 */
export function packedRangeSet(about: Omit<RangeSet, 'prefixes'>, groups: PrefixGroup[]): RangeSet {
  let prefixes: RangePrefix[] | undefined;
  const set = {
    ...about,
    get prefixes(): RangePrefix[] {
      prefixes ??= groups.flatMap((g) => g.prefixes.split(' ').filter(Boolean).map((prefix) => ({ prefix, region: g.region, service: g.service })));
      return prefixes;
    },
  };
  groupsOfPackedSet.set(set, groups);
  return set;
}

export interface RangeIndex {
  /** The most specific published prefix containing `address`; null when none does or it is not an IP. */
  lookup(address: string): RangeMatch | null;
  /** Prefixes indexed (after duplicates were folded). */
  size: number;
  /** Prefixes that could not be parsed, as "set: text". */
  skipped: string[];
}

/** An address as 32-bit words, most significant first: one word for v4, four for v6. */
export interface ParsedAddress {
  family: 4 | 6;
  words: number[];
}

export interface ParsedPrefix extends ParsedAddress {
  length: number;
}

// ───────────────────────────── parsing ─────────────────────────────

// Written with character codes rather than split and regular expressions: the shipped snapshot holds about
// 12,000 prefixes, and every run that looks an address up parses them all once.

export function parseIPv4(text: string): number | null {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return null;
    } else if (c === 46 && digits > 0 && dots < 3) {
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else {
      return null;
    }
  }
  if (dots !== 3 || digits === 0) return null;
  return (value * 256 + part) >>> 0;
}

function hexDigit(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
}

/** One to four hexadecimal digits, or -1. */
function hexGroup(text: string): number {
  if (text.length === 0 || text.length > 4) return -1;
  let value = 0;
  for (let i = 0; i < text.length; i++) {
    const digit = hexDigit(text.charCodeAt(i));
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/** IPv6 text (with `::` and an optional embedded dotted quad) → four 32-bit words. */
export function parseIPv6(text: string): number[] | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return null;
  let head = text;
  let tailV4: number | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    tailV4 = parseIPv4(text.slice(lastColon + 1));
    if (tailV4 === null) return null;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const groupsOf = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const left = groupsOf(halves[0]!);
  const right = halves.length === 2 ? groupsOf(halves[1]!) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...right];
  const words: number[] = [];
  for (let i = 0; i < 8; i += 2) {
    const hi = hexGroup(groups[i]!);
    const lo = hexGroup(groups[i + 1]!);
    if (hi < 0 || lo < 0) return null;
    words.push(((hi << 16) | lo) >>> 0);
  }
  if (tailV4 !== null) words[3] = tailV4;
  return words;
}

/**
 * "104.16.1.1", "2606:4700::1", "[2606:4700::1]", "fe80::1%eth0"; an IPv4-mapped IPv6 address
 * (::ffff:104.16.1.1) is read as the IPv4 address it carries, and so is an address in the NAT64 well-known prefix
 * (64:ff9b::151.101.1.10): a translator on the way reaches that IPv4 address (see nat64Of).
 */
export function parseAddress(text: string): ParsedAddress | null {
  const value = bareAddress(text);
  if (!value.includes(':')) {
    const v4 = parseIPv4(value);
    return v4 === null ? null : { family: 4, words: [v4] };
  }
  const v6 = parseIPv6(value);
  if (!v6) return null;
  if (v6[0] === 0 && v6[1] === 0 && v6[2] === 0xffff) return { family: 4, words: [v6[3]!] };
  if (v6[0] === NAT64_WELL_KNOWN && v6[1] === 0 && v6[2] === 0) return { family: 4, words: [v6[3]!] };
  return { family: 6, words: v6 };
}

function bareAddress(text: string): string {
  let value = text.trim();
  if (value.startsWith('[') && value.endsWith(']')) value = value.slice(1, -1);
  const zone = value.indexOf('%');
  return zone >= 0 ? value.slice(0, zone) : value;
}

/** 64:ff9b::/96's first word (RFC 6052 §2.1: reserved for NAT64, never routed as itself). */
const NAT64_WELL_KNOWN = 0x0064ff9b;

export interface Nat64Address {
  /** The translator prefix the address is in. */
  prefix: '64:ff9b::/96' | '64:ff9b:1::/48';
  /** The IPv4 address it reaches: known for the well-known prefix; a local-use prefix's length is the network's own. */
  ipv4: string | null;
}

/** The address as a person reads it: one in a NAT64 prefix says so, with the IPv4 address it reaches when known. */
export function addressWords(text: string): string {
  const address = text.trim();
  const nat64 = nat64Of(address);
  return nat64 ? `${address} (NAT64${nat64.ipv4 ? ` for ${nat64.ipv4}` : ''})` : address;
}

/**
 * An IPv6 address that only a NAT64 translator serves (RFC 6146): one in the well-known prefix 64:ff9b::/96, where
 * the last 32 bits are the IPv4 address reached (RFC 6052 §2.1–2.2), or in the local-use prefix 64:ff9b:1::/48 (RFC
 * 8215). A DNS64 resolver (RFC 6147) gives such addresses to an IPv6-only host for names that have only IPv4
 * ones. A network-specific prefix cannot be told from its address alone; it reads as plain IPv6.
 */
export function nat64Of(text: string): Nat64Address | null {
  // Most addresses are not: the cheap test first (every fetch's address is asked, in the host rules).
  if (!text.includes(':') || !text.toLowerCase().includes('ff9b')) return null;
  const value = bareAddress(text);
  const v6 = parseIPv6(value);
  if (!v6 || v6[0] !== NAT64_WELL_KNOWN) return null;
  if (v6[1] === 0 && v6[2] === 0) {
    const w = v6[3]!;
    return { prefix: '64:ff9b::/96', ipv4: `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}` };
  }
  // RFC 8215's 64:ff9b:1::/48, for a network's own translators: the next 16 bits are 0001.
  if (v6[1]! >>> 16 === 0x0001) return { prefix: '64:ff9b:1::/48', ipv4: null };
  return null;
}

/** "104.16.0.0/13" or "2606:4700::/32"; a bare address is a host prefix. Host bits are ignored. */
export function parsePrefix(text: string): ParsedPrefix | null {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const addressText = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const lengthText = slash < 0 ? undefined : trimmed.slice(slash + 1);
  if (!addressText || lengthText?.includes('/')) return null;
  const address = addressText.includes(':')
    ? ((w) => (w ? { family: 6 as const, words: w } : null))(parseIPv6(addressText))
    : ((w) => (w === null ? null : { family: 4 as const, words: [w] }))(parseIPv4(addressText));
  if (!address) return null;
  const max = address.family === 4 ? 32 : 128;
  if (lengthText === undefined) return { ...address, length: max };
  const length = smallDecimal(lengthText);
  if (length === null || length > max) return null;
  return { ...address, length };
}

/** The prefix's canonical spelling of its network address, e.g. "2606:4700::/32". */
export function formatPrefix(prefix: ParsedPrefix): string {
  const words = prefix.words.map((w, i) => w & wordMask(prefix.length - i * 32));
  if (prefix.family === 4) {
    const w = words[0]! >>> 0;
    return `${w >>> 24}.${(w >>> 16) & 255}.${(w >>> 8) & 255}.${w & 255}/${prefix.length}`;
  }
  const groups: number[] = [];
  for (const w of words) groups.push((w >>> 16) & 0xffff, w & 0xffff);
  // Compress the longest run of zero groups (length ≥ 2), as RFC 5952 says.
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength && j - i >= 2) { bestStart = i; bestLength = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  const text =
    bestStart < 0
      ? hex.join(':')
      : `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
  return `${text}/${prefix.length}`;
}

function wordMask(bits: number): number {
  if (bits <= 0) return 0;
  if (bits >= 32) return 0xffffffff;
  return (0xffffffff << (32 - bits)) >>> 0;
}

/** Does `prefix` contain `address`? (Used by tests and small checks; the index does not scan.) */
export function prefixContains(prefix: ParsedPrefix, address: ParsedAddress): boolean {
  if (prefix.family !== address.family) return false;
  for (let i = 0; i < prefix.words.length; i++) {
    const mask = wordMask(prefix.length - i * 32);
    if (mask === 0) return true;
    if (((prefix.words[i]! ^ address.words[i]!) & mask) >>> 0 !== 0) return false;
  }
  return true;
}

// ───────────────────────────── the trie ─────────────────────────────

interface Trie {
  zero: Int32Array;
  one: Int32Array;
  /** Index into `entries`, or -1. */
  entry: Int32Array;
  nodes: number;
}

function newTrie(capacity = 1024): Trie {
  const trie = { zero: new Int32Array(capacity), one: new Int32Array(capacity), entry: new Int32Array(capacity), nodes: 1 };
  trie.entry.fill(-1);
  return trie;
}

function grow(trie: Trie): void {
  const capacity = trie.zero.length * 2;
  const zero = new Int32Array(capacity);
  const one = new Int32Array(capacity);
  const entry = new Int32Array(capacity).fill(-1);
  zero.set(trie.zero);
  one.set(trie.one);
  entry.set(trie.entry);
  trie.zero = zero;
  trie.one = one;
  trie.entry = entry;
}

function bitAt(words: number[], i: number): number {
  return (words[i >>> 5]! >>> (31 - (i & 31))) & 1;
}

/** The node for `prefix`, created on the way down. */
function nodeFor(trie: Trie, prefix: ParsedPrefix): number {
  let node = 0;
  for (let i = 0; i < prefix.length; i++) {
    const children = bitAt(prefix.words, i) ? trie.one : trie.zero;
    let next = children[node]!;
    if (next === 0) {
      if (trie.nodes === trie.zero.length) grow(trie);
      next = trie.nodes++;
      (bitAt(prefix.words, i) ? trie.one : trie.zero)[node] = next; // arrays may have grown
    }
    node = next;
  }
  return node;
}

function longestMatch(trie: Trie, address: ParsedAddress): number {
  const bits = address.family === 4 ? 32 : 128;
  let node = 0;
  let best = trie.entry[0]!;
  for (let i = 0; i < bits; i++) {
    node = bitAt(address.words, i) ? trie.one[node]! : trie.zero[node]!;
    if (node === 0) break;
    const entry = trie.entry[node]!;
    if (entry >= 0) best = entry;
  }
  return best;
}

/**
 * Build the index over every set. When two sets publish the same prefix, the entry that says more
 * (a region or service) wins, else the first set given: ip-ranges.json lists a CloudFront prefix
 * under AMAZON too, and cloud.json repeats goog.json prefixes with a scope.
 *
 * Prefixes are filed by their first octet (IPv4) or first group (IPv6) on a cheap read of their text, and a bucket
 * is parsed into the trie the first time an address in it is looked up: a run that looks up a few addresses parses a
 * few hundred of the snapshot's 12,000 prefixes. A prefix shorter than its bucket's key (/0–/7, /0–/15) cannot be
 * filed so; those are parsed at once. A packed set's prefixes are filed as where they start in its groups' text.
 */
export function buildRangeIndex(...setGroups: RangeSets[]): RangeIndex {
  const tries = { 4: newTrie(), 6: newTrie() };
  const entries: RangeMatch[] = [];
  const skipped: string[] = [];
  const insert = (setId: string, set: RangeSet, text: string, region: string | null, service: string | null): void => {
    const parsed = parsePrefix(text);
    if (!parsed) {
      skipped.push(`${setId}: ${text}`);
      return;
    }
    const trie = tries[parsed.family];
    const node = nodeFor(trie, parsed);
    const candidate: RangeMatch = { provider: set.provider, set: setId, prefix: formatPrefix(parsed), region: region ?? null, service: service ?? null };
    const existing = trie.entry[node]!;
    if (existing < 0) {
      trie.entry[node] = entries.push(candidate) - 1;
    } else if (detail(candidate) > detail(entries[existing]!)) {
      entries[existing] = candidate;
    }
  };

  // A bucket's prefixes, filed flat in fours: set id, set, then the prefix (-1 after it) or its group and where its
  // text starts in the group's string.
  const pending = new Map<number, Array<string | RangeSet | RangePrefix | PrefixGroup | number>>();
  const file = (key: number, setId: string, set: RangeSet, source: RangePrefix | PrefixGroup, start: number): void => {
    const bucket = pending.get(key);
    if (bucket) bucket.push(setId, set, source, start);
    else pending.set(key, [setId, set, source, start]);
  };
  for (const sets of setGroups) {
    for (const [setId, set] of Object.entries(sets)) {
      const groups = groupsOfPackedSet.get(set);
      if (!groups) {
        for (const item of set.prefixes) {
          const key = bucketOfPrefixText(item.prefix, 0, item.prefix.length);
          if (key < 0) insert(setId, set, item.prefix, item.region, item.service);
          else file(key, setId, set, item, -1);
        }
        continue;
      }
      for (const group of groups) {
        const text = group.prefixes;
        for (let start = 0; start < text.length; ) {
          let end = text.indexOf(' ', start);
          if (end < 0) end = text.length;
          if (end > start) {
            const key = bucketOfPrefixText(text, start, end);
            if (key < 0) insert(setId, set, text.slice(start, end), group.region, group.service);
            else file(key, setId, set, group, start);
          }
          start = end + 1;
        }
      }
    }
  }
  const fill = (key: number): void => {
    const bucket = pending.get(key);
    if (!bucket) return;
    pending.delete(key);
    for (let i = 0; i < bucket.length; i += 4) {
      const setId = bucket[i] as string;
      const set = bucket[i + 1] as RangeSet;
      const start = bucket[i + 3] as number;
      if (start < 0) {
        const item = bucket[i + 2] as RangePrefix;
        insert(setId, set, item.prefix, item.region, item.service);
      } else {
        const group = bucket[i + 2] as PrefixGroup;
        const end = group.prefixes.indexOf(' ', start);
        insert(setId, set, group.prefixes.slice(start, end < 0 ? undefined : end), group.region, group.service);
      }
    }
  };
  const fillAll = (): void => {
    for (const key of [...pending.keys()]) fill(key);
  };
  return {
    get size() {
      fillAll();
      return entries.length;
    },
    get skipped() {
      fillAll();
      return skipped;
    },
    lookup(address: string): RangeMatch | null {
      const parsed = parseAddress(address);
      if (!parsed) return null;
      if (pending.size > 0) fill(bucketOfAddress(parsed));
      const found = longestMatch(tries[parsed.family], parsed);
      return found >= 0 ? { ...entries[found]! } : null;
    },
  };
}


/**
 * The bucket the prefix text[from, to) files under (IPv4: its first octet, 0–255; IPv6: 256 + its first group), read
 * from its first few characters and its length, without parsing the rest: a packed group is one long string, and
 * 12,000 prefixes are filed on every run. -1 when it must be parsed at once: too short for a bucket, or not plainly
 * spelt (its parse then decides, and reports it if broken); a prefix broken further on is reported when its
 * bucket is parsed.
 */
function bucketOfPrefixText(text: string, from: number, to: number): number {
  let first = from;
  while (first < to && first - from <= 4 && hexDigit(text.charCodeAt(first)) >= 0) first++;
  if (first === from || first === to) return -1;
  const slash = text.lastIndexOf('/', to - 1);
  const length = slash < from ? null : decimalAt(text, slash + 1, to);
  const separator = text.charCodeAt(first);
  if (separator === 46) {
    if (length !== null && !(length >= 8 && length <= 32)) return -1;
    const octet = decimalAt(text, from, first);
    return octet === null || octet > 255 ? -1 : octet;
  }
  if (separator === 58) {
    if (length !== null && !(length >= 16 && length <= 128)) return -1;
    const group = hexGroup(text.slice(from, first));
    return group < 0 ? -1 : 256 + group;
  }
  return -1;
}

/** The one to three decimal digits of text[from, to) (an octet, a prefix length), or null. */
function decimalAt(text: string, from: number, to: number): number | null {
  if (to <= from || to - from > 3) return null;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return null;
    n = n * 10 + (c - 48);
  }
  return n;
}

/** One to three decimal digits (an octet, a prefix length), or null. */
function smallDecimal(text: string): number | null {
  return decimalAt(text, 0, text.length);
}

function bucketOfAddress(address: ParsedAddress): number {
  return address.family === 4 ? address.words[0]! >>> 24 : 256 + (address.words[0]! >>> 16);
}

function detail(match: RangeMatch): number {
  return (match.region ? 1 : 0) + (match.service ? 1 : 0);
}
