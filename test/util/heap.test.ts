// How a run keeps a large heap tight (src/util/heap.ts), in a process of its own: the flags it sets are V8's, for
// the whole process.

import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../src/package-root.js';

const HEAP = packagePath('dist/util/heap.js');

/** Runs `body` in a fresh Node with tightenHeap and collectLargeHeap imported; returns what it prints. */
function inProcess(body: string): Record<string, number | boolean> {
  const script = `import { tightenHeap, collectLargeHeap } from ${JSON.stringify(HEAP)};\nconst used = () => process.memoryUsage().heapUsed;\n${body}`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' })) as Record<string, number | boolean>;
}

/**
 * ~200 MB of small records held, the heap offered for tightening with `msLeft` of the run to go, the records let go
 * and collectLargeHeap called: nothing is allocated after the records are let go, so only a collection frees them.
 */
function holdDropAndCollect(msLeft: number) {
  return inProcess(`
let held = Array.from({ length: 2_500_000 }, (_, i) => ({ i, s: 'x' + i }));
const holding = used();
tightenHeap(${msLeft});
held = null;
const before = used();
collectLargeHeap();
console.log(JSON.stringify({ holding, before, after: used(), globalGc: typeof globalThis.gc === 'function' }));`);
}

describe('collectLargeHeap', () => {
  it('collects, once probing is over, a heap that grew large with time to spare', () => {
    const out = holdDropAndCollect(60_000);
    expect(out.holding as number).toBeGreaterThan(160 * 1024 * 1024);
    expect(out.before as number).toBeGreaterThan(160 * 1024 * 1024);
    expect(out.after as number).toBeLessThan(40 * 1024 * 1024);
    // The run's own global gets no collector.
    expect(out.globalGc).toBe(false);
  });

  it('leaves a heap alone that was never tightened (short of time: a large heap near its deadline)', () => {
    const out = holdDropAndCollect(10_000);
    expect(out.before as number).toBeGreaterThan(160 * 1024 * 1024);
    expect(out.after as number).toBeGreaterThan(160 * 1024 * 1024);
  });
});

describe('tightenHeap', () => {
  /** The headroom after offering a heap holding about `mb` megabytes of small records with `msLeft` to go. */
  function headroomHolding(mb: number, msLeft: number, offers = 1) {
    return inProcess(`
const held = Array.from({ length: ${mb} * 12_500 }, (_, i) => ({ i, s: 'x' + i }));
const holding = used();
let headroom;
for (let i = 0; i < ${offers}; i++) headroom = tightenHeap(${msLeft});
held.length = 0;
collectLargeHeap();
console.log(JSON.stringify({ holding, headroom, after: used() }));`);
  }

  it('leaves a small heap as it is', () => {
    const out = headroomHolding(20, 60_000);
    expect(out.holding as number).toBeLessThan(64 * 1024 * 1024);
    expect(out.headroom).toBe('as-is');
  });

  it('keeps a medium heap to twice its live size, and does not collect it when probing ends', () => {
    const out = headroomHolding(100, 60_000);
    expect(out.holding as number).toBeGreaterThan(64 * 1024 * 1024);
    expect(out.holding as number).toBeLessThan(160 * 1024 * 1024);
    expect(out.headroom).toBe('medium');
    // Nothing allocated after the records were let go: only a collection would have freed them.
    expect(out.after as number).toBeGreaterThan(64 * 1024 * 1024);
  });

  it('keeps a large heap tighter still', () => {
    const out = headroomHolding(200, 60_000, 2);
    expect(out.holding as number).toBeGreaterThan(160 * 1024 * 1024);
    expect(out.headroom).toBe('large');
    expect(out.after as number).toBeLessThan(40 * 1024 * 1024);
  });

  it('keeps a run of 5,000 sites or more to the medium headroom from the start, while its heap is still small', () => {
    const many = inProcess(`
const before = used();
console.log(JSON.stringify({ before, headroom: tightenHeap(60_000, 5_000), later: tightenHeap(60_000) }));`);
    expect(many.before as number).toBeLessThan(64 * 1024 * 1024);
    expect(many.headroom).toBe('medium');
    expect(many.later).toBe('medium');
    const fewer = inProcess(`console.log(JSON.stringify({ headroom: tightenHeap(60_000, 4_999) }));`);
    expect(fewer.headroom).toBe('as-is');
    const hurried = inProcess(`console.log(JSON.stringify({ headroom: tightenHeap(10_000, 100_000) }));`);
    expect(hurried.headroom).toBe('as-is');
  });

  it('leaves a medium heap as it is when the run is short of time', () => {
    expect(headroomHolding(100, 10_000).headroom).toBe('as-is');
  });
});

describe('tightenHeap, the collection it makes', () => {
  /** A heap left holding about `mb` megabytes of garbage (a config's parse), then offered. */
  function garbageThenOffer(mb: number, msLeft: number) {
    return inProcess(`
let parse = Array.from({ length: ${mb} * 12_500 }, (_, i) => ({ i, s: 'x' + i }));
const holding = used();
parse = null;
const headroom = tightenHeap(${msLeft});
console.log(JSON.stringify({ holding, headroom, after: used() }));`);
  }

  it('collects a medium heap once when it keeps it tight, so the headroom counts from now', () => {
    const out = garbageThenOffer(100, 60_000);
    expect(out.holding as number).toBeGreaterThan(64 * 1024 * 1024);
    expect(out.headroom).toBe('medium');
    expect(out.after as number).toBeLessThan(24 * 1024 * 1024);
  });

  it('collects nothing of a small heap, nor of a medium one short of time', () => {
    const small = garbageThenOffer(20, 60_000);
    expect(small.holding as number).toBeLessThan(64 * 1024 * 1024);
    expect(small.after as number).toBeGreaterThan((small.holding as number) * 0.8);
    const hurried = garbageThenOffer(100, 10_000);
    expect(hurried.after as number).toBeGreaterThan(64 * 1024 * 1024);
  });
});
