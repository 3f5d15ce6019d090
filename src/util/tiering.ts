// When V8 hands a function to its optimizing compiler (TurboFan). V8 counts the bytecode each function runs and
// looks at it every "interrupt budget" (66 KB in Node 20's V8), handing the hot ones to TurboFan within a few looks.
// Probing runs a broad body of code (DNS, TLS, HTTP, rules) some thousand times each: over a run of a few seconds
// many of those compilations cost more CPU than they save. Measured on the bench world (interleaved runs, Node 20),
// looking every 600 KB while probing 1,000 healthy sites: ~12 % less CPU and ~3 % less wall time. Held through a
// 10,000-site run it cost ~11 % more CPU (the hot code optimized too late), and a one-site check has nothing to
// gain: only a run of LAZY_TIERING.fewestSites to LAZY_TIERING.mostSites sites probes this way, and the usual
// budget is back once probing ends. A config of up to ~4,000 sites is parsed this way too (whileTieringLater).
// Any V8 flag changed makes Node compile each of its own modules loaded afterwards without its code cache (the
// cache is checked against a hash of every flag: node:http2 and node:vm took 14 instead of 5 ms). So what probing
// loads is loaded before the switch (the caller's part), and putting the usual value back puts the hash back.
// Only on the V8 this was measured on (11.x, Node 20): Node 22's V8 already looks every 200 KB (Maglev), and a
// default put back by value must be the engine's own.

import { setFlagsFromString } from 'node:v8';

export const LAZY_TIERING = {
  fewestSites: 64,
  mostSites: 2048,
  /** The longest config text parsed with lazy tier-up (~4,000 sites; see whileTieringLater). */
  mostConfigChars: 256 * 1024,
} as const;

const LONG_BUDGET_BYTES = 600_000;
/** V8 11's default --interrupt-budget (66 KB). */
const USUAL_BUDGET_BYTES = 66 * 1024;

const measuredHere = process.versions.v8.startsWith('11.');
let later = false;

/** From now on V8 looks at hot functions every LONG_BUDGET_BYTES of bytecode. */
export function tierUpLater(): void {
  if (!measuredHere || later) return;
  later = true;
  setFlagsFromString(`--interrupt-budget=${LONG_BUDGET_BYTES}`);
}

/** Back to V8's own budget (and with it the flag hash Node's code cache is checked against). */
export function tierUpAsUsual(): void {
  if (!later) return;
  later = false;
  setFlagsFromString(`--interrupt-budget=${USUAL_BUDGET_BYTES}`);
}

/**
 * `work` with lazy tier-up, V8's own budget back after it (unless the run was lazy already). For work that loads
 * none of Node's own modules (the flag hash would cost them their code cache). Parsing a config of 1,000 sites
 * (58 KB) took ~70 instead of ~90 ms; 3,000 sites ~170 against ~180; 5,000 the same either way; 10,000 ~8 % longer.
 */
export function whileTieringLater<T>(work: () => T): T {
  if (later) return work();
  tierUpLater();
  try {
    return work();
  } finally {
    tierUpAsUsual();
  }
}
