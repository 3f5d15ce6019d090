// How far V8 lets the heap grow past what it holds. By default, after each full collection it may grow the heap to
// up to four times the live size (a run that allocates fast gets the most): for a run over 20,000 sites that is
// ~450 MB of heap for ~130 MB of records. A run whose records make a large heap lets it grow by a fifth past the
// live size instead: at 100,000 sites peak RSS 1,954 -> 1,295 MB at twice the live size (~10 % more CPU), and
// 839 -> 664 MB at 1.2 times (~30 % more CPU in that run, 177 -> 212 s; bench/findings.md). Memory is what limits
// such a run on a small VM; its CPU is spent once a run.
// The same run also switches V8 to favour memory over speed (--optimize-for-size): its collector then moves the
// live objects out of pages a fifth empty or more and gives the pages back, and keeps the young generation small.
// Between collections the old generation is otherwise a quarter holes (sites' in-flight objects, promoted and then
// dead, between the records kept): at 100,000 sites 307 MB of pages held 220 MB, and peak RSS was 462 MB; with the
// switch 404 MB (bench/findings.md). It costs ~15 % more CPU on such a run, and it is made only once the records
// make a large heap, so short and small runs compile and collect as before.
// Before that, a run of 5,000 sites or more, or whose heap passes 64 MB in use (a 1,000-site run's heap peaks at ~49 MB),
// grows it to at most 1.5 times the live size. The site count decides it at the start, not the heap in use then:
// reading a 10,000-site config leaves 65-71 MB in use, most of it the parse's garbage, and a run that saw 63 MiB kept
// the 4x headroom and peaked ~15 MB higher (bench/findings.md). 10,000 sites with 100 KiB pages:
// peak RSS ~205 -> ~185 MB for 4-6 % more wall and 6-8 % more CPU than twice the live size (paired runs;
// bench/findings.md).
// Either switch collects the heap once when it is made: V8 reads the flags when it sets its next limit, after a
// full collection, and the limit it set last may be four times a live size that has been collected since (the
// config's parse): the first cycle then ran to ~105 MB of heap before the new headroom counted.
// Small runs, where the headroom is a few tens of megabytes, are left as they are, and so are runs short of time:
// collecting a heap of hundreds of megabytes more often made 184,000 sites on a 5 s deadline end ~0.2 s later.

import { getHeapStatistics, setFlagsFromString } from 'node:v8';

/** Heap in use (live and not yet collected) from which the headroom is kept to 1.5×. */
const MEDIUM_HEAP_BYTES = 64 * 1024 * 1024;

/** Heap in use from which the headroom is kept to 1.2× and V8 favours memory over speed. */
const LARGE_HEAP_BYTES = 160 * 1024 * 1024;

/** Sites from which a run keeps the medium headroom from its start: their records alone come to ~13 MB or more. */
const MEDIUM_RUN_SITES = 5_000;

/** Time the run must have left for the extra collections to be affordable. */
const ROOMY_MS = 30_000;

export type Headroom = 'as-is' | 'medium' | 'large';

let headroom: Headroom = 'as-is';

/**
 * Call now and then while records accumulate, with the time the run has left (and, before probing, the number of
 * sites it will keep); a call that sees a medium or large heap or run with time to spare keeps it that tight from
 * then on. Returns the headroom in force.
 */
export function tightenHeap(msLeft: number, sitesToKeep = 0): Headroom {
  if (headroom === 'large' || msLeft < ROOMY_MS) return headroom;
  const used = getHeapStatistics().used_heap_size;
  // V8 reads these flags at every collection, and Node leaves V8's flags writable after start, so setting them
  // now takes effect from the next collection (measured: bench groups 3 and 8).
  if (used >= LARGE_HEAP_BYTES) {
    headroom = 'large';
    setFlagsFromString('--heap-growing-percent=20');
    setFlagsFromString('--optimize-for-size');
    collectHeap();
  } else if ((used >= MEDIUM_HEAP_BYTES || sitesToKeep >= MEDIUM_RUN_SITES) && headroom === 'as-is') {
    headroom = 'medium';
    setFlagsFromString('--heap-growing-percent=50');
    collectHeap();
  }
  return headroom;
}

/**
 * Once probing is over, a run whose heap was kept tight as a large one collects it in full, once. What the probing
 * left (its in-flight objects, the classified records the report has replaced) is then gone before the report is
 * written, and the heap grows from what the report holds while rendering makes its garbage, not from the probing's
 * last high-water mark: at 100,000 sites through a pipe peak RSS 393 -> 376 MB for one ~0.1 s collection (by hand;
 * bench/findings.md).
 */
export function collectLargeHeap(): void {
  if (headroom === 'large') collectHeap();
}

let collector: (() => void) | null = null;

/** A full collection now. A run collects up to three times (each switch, then the end): one context serves them all. */
function collectHeap(): void {
  if (!collector) {
    // A script gets a collector only with --expose-gc; set now, the flag gives one to each context made after it (the
    // run's own global stays as it was).
    setFlagsFromString('--expose-gc');
    // node:vm is loaded only here: no run that stays small pays for it at start-up.
    const { runInNewContext } = process.getBuiltinModule('node:vm');
    collector = runInNewContext('gc') as () => void;
  }
  collector();
}
