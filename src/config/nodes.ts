// Reading the YAML syntax tree with positions: every value is looked at through a `Slot`
// (its key path and where it was written), so any problem can be reported at its place.

import { isAlias, isMap, isScalar, isSeq, isPair, type Document, type LineCounter, type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import { safeLine } from '../util/text.js';
import type { ConfigIssue } from './errors.js';
import { closestMatch } from './suggest.js';

/** What a walk over one document needs: where issues go and how offsets become line:column. */
export interface Walk {
  file: string;
  doc: Document;
  lineCounter: LineCounter;
  issues: ConfigIssue[];
  /** line:column:path of every issue so far, so one place is reported once (a Set keeps validation linear). */
  reported: Set<string>;
}

/** A value in the document: its key path, its node (aliases resolved; null when absent) and its source offset. */
export interface Slot {
  path: string;
  node: Node | null;
  offset: number;
}

/** Record an issue; only the first one for a given place and key path is kept (one problem per value is enough). */
export function report(walk: Walk, offset: number, path: string, message: string): void {
  const { line, col } = walk.lineCounter.linePos(offset);
  const place = `${line}:${col}:${path}`;
  if (walk.reported.has(place)) return;
  walk.reported.add(place);
  walk.issues.push({ file: walk.file, line, column: col, path, message });
}

export function reportAt(walk: Walk, slot: Slot, message: string): void {
  report(walk, slot.offset, slot.path, message);
}

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

export function keyPath(parent: string, key: string): string {
  const part = PLAIN_KEY.test(key) ? key : `[${JSON.stringify(safeLine(key, 60))}]`;
  if (!parent) return part;
  return part.startsWith('[') ? `${parent}${part}` : `${parent}.${part}`;
}

export function indexPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

function offsetOf(node: Node | null | undefined, fallback: number): number {
  return node?.range?.[0] ?? fallback;
}

/** A slot for a node, following an alias to its anchor (the position stays where the alias is written). */
export function slotFor(walk: Walk, path: string, node: Node | null, fallbackOffset: number): Slot {
  const offset = offsetOf(node, fallbackOffset);
  if (node && isAlias(node)) {
    const target = node.resolve(walk.doc) ?? null;
    if (!target) report(walk, offset, path, `unknown alias *${safeLine(node.source, 60)}`);
    return { path, node: target, offset };
  }
  return { path, node, offset };
}

/** The root of the document as a slot (an empty document is a null node at 1:1). */
export function rootSlot(walk: Walk): Slot {
  return slotFor(walk, '', (walk.doc.contents as Node | null) ?? null, 0);
}

/** True when the slot holds nothing: a missing key, `key:` with no value, or an explicit null. */
export function isAbsent(slot: Slot): boolean {
  return slot.node === null || (isScalar(slot.node) && slot.node.value === null);
}

/** For messages: `"abc"`, `42`, `true`, `a list`, `a mapping`, `nothing`. Strings are quoted, cleaned and cut short. */
export function describe(node: Node | null): string {
  if (node === null) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const value = node.value;
    if (value === null || value === undefined) return 'nothing';
    if (typeof value === 'string') return quote(value);
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
      return typeof node.source === 'string' && node.source ? safeLine(node.source, 60) : String(value);
    }
    return 'a binary value';
  }
  return 'an alias';
}

export function quote(value: string): string {
  return `"${safeLine(value, 80)}"`;
}

/** A string scalar's text; plain numbers and booleans count as their source text (`version: 2` as a header value). */
export function textOf(node: Node | null): string | null {
  if (!node || !isScalar(node)) return null;
  if (typeof node.value === 'string') return node.value;
  if (typeof node.value === 'number' || typeof node.value === 'boolean' || typeof node.value === 'bigint') {
    return typeof node.source === 'string' && node.source ? node.source : String(node.value);
  }
  return null;
}

/** Only a real string scalar (for URLs, addresses ... where `1` is not a sensible value). */
export function stringOf(node: Node | null): string | null {
  return node && isScalar(node) && typeof node.value === 'string' ? node.value : null;
}

/** A mapping's entries in order, as (key, key offset, value slot); null (and an issue) when the slot is not a mapping.
 *  Non-text keys are reported; a repeated key keeps its first value (the repeat is already a YAML error). */
export function entriesOf(walk: Walk, slot: Slot, expected: string): Array<{ key: string; keyOffset: number; value: Slot }> | null {
  const node = slot.node;
  if (!node || !isMap(node)) {
    reportAt(walk, slot, `expected ${expected}, got ${describe(node)}`);
    return null;
  }
  const entries: Array<{ key: string; keyOffset: number; value: Slot }> = [];
  const seen = new Set<string>();
  for (const pair of (node as YAMLMap<unknown, unknown>).items) {
    if (!isPair(pair)) continue;
    const keyNode = (pair.key ?? null) as Node | null;
    const keyOffset = offsetOf(keyNode, slot.offset);
    const key = isScalar(keyNode) && keyNode.value !== null ? textOf(keyNode) : null;
    if (key === null) {
      report(walk, keyOffset, slot.path, `expected a plain text key, got ${describe(keyNode)}`);
      continue;
    }
    if (seen.has(key)) continue;
    seen.add(key);
    const path = keyPath(slot.path, key);
    // `key:` with no value: point at the key, there is nothing else to point at.
    const value = (pair.value ?? null) as Node | null;
    const valueOffset = value && isScalar(value) && value.value === null && !value.source ? keyOffset : offsetOf(value, keyOffset);
    entries.push({ key, keyOffset, value: slotFor(walk, path, value, valueOffset) });
  }
  return entries;
}

/** A mapping with a fixed set of keys, by key. Unknown keys are reported at the key, with a did-you-mean. */
export function fieldsOf(walk: Walk, slot: Slot, known: readonly string[], expected: string): Map<string, Slot> | null {
  const entries = entriesOf(walk, slot, expected);
  if (!entries) return null;
  const fields = new Map<string, Slot>();
  for (const { key, keyOffset, value } of entries) {
    if (known.includes(key)) {
      fields.set(key, value);
      continue;
    }
    const hint = closestMatch(key, known);
    report(walk, keyOffset, value.path, hint ? `unknown key; did you mean "${hint}"?` : `unknown key; expected one of: ${known.join(', ')}`);
  }
  return fields;
}

/** A missing field as a slot positioned at its mapping (for "missing required key" and defaults). */
export function missingField(parent: Slot, key: string): Slot {
  return { path: keyPath(parent.path, key), node: null, offset: parent.offset };
}

export function field(fields: Map<string, Slot>, parent: Slot, key: string): Slot {
  return fields.get(key) ?? missingField(parent, key);
}

/** A list's items as slots; null (and an issue) when the slot is not a list. */
export function itemsOf(walk: Walk, slot: Slot, expected: string): Slot[] | null {
  const node = slot.node;
  if (!node || !isSeq(node)) {
    reportAt(walk, slot, `expected ${expected}, got ${describe(node)}`);
    return null;
  }
  return (node as YAMLSeq<unknown>).items.map((item, i) => slotFor(walk, indexPath(slot.path, i), (item ?? null) as Node | null, slot.offset));
}

/** The key path of the innermost node around a source offset (to place YAML syntax errors); '' when none. */
export function pathAtOffset(doc: Document, offset: number): string {
  let path = '';
  let node = (doc.contents as Node | null) ?? null;
  const contains = (n: unknown) => {
    const range = (n as Node | null)?.range;
    return !!range && range[0] <= offset && offset < Math.max(range[2], range[0] + 1);
  };
  for (let depth = 0; node && depth < 64; depth++) {
    let next: Node | null = null;
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key as Node | null;
        const value = pair.value as Node | null;
        const name = isScalar(key) ? textOf(key) : null;
        if (name === null) continue;
        if (contains(key)) return keyPath(path, name);
        if (contains(value)) {
          path = keyPath(path, name);
          next = value;
          break;
        }
      }
    } else if (isSeq(node)) {
      // Items are in source order: a binary search keeps placing many errors in a long list linear overall.
      const items = node.items as Array<Node | null>;
      let low = 0;
      let high = items.length - 1;
      while (low <= high) {
        const middle = (low + high) >> 1;
        const range = items[middle]?.range;
        if (range && offset < range[0]) high = middle - 1;
        else if (range && offset >= Math.max(range[2], range[0] + 1)) low = middle + 1;
        else {
          if (contains(items[middle])) {
            path = indexPath(path, middle);
            next = items[middle] ?? null;
          }
          break;
        }
      }
    }
    node = next;
  }
  return path;
}

/** Every repeated key in every mapping of the document, at the repeat, with its key path: one pass, one Set per map. */
export function duplicateKeys(doc: Document): Array<{ offset: number; path: string }> {
  const found: Array<{ offset: number; path: string }> = [];
  const visit = (node: unknown, path: string, depth: number): void => {
    if (depth > 64 || !node) return;
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key as Node | null;
        const name = isScalar(key) && key.value !== null ? textOf(key) : null;
        if (name !== null) {
          if (seen.has(name)) found.push({ offset: key?.range?.[0] ?? 0, path: keyPath(path, name) });
          seen.add(name);
        }
        visit(pair.value, name === null ? path : keyPath(path, name), depth + 1);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => visit(item, indexPath(path, i), depth + 1));
    }
  };
  visit(doc.contents, '', 0);
  return found;
}
