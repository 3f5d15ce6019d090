// When V8 hands a function to its optimizing compiler (TurboFan). V8 counts the bytecode each function runs and
// looks at it every "interrupt budget" (66 KB in Node 20's V8), handing the hot ones to TurboFan within a few looks.
// Probing runs a broad body of code (DNS, TLS, HTTP, rules) some thousand times each: over a run of a few seconds
// many of those compilations cost more CPU than they save. Measured on the bench world (interleaved runs, Node 20),
// looking every 600 KB while probing 1,000 healthy sites: ~12 % less CPU and ~3 % less wall time. Held through a
// 10,000-site run it cost ~11 % more CPU (the hot code optimized too late), and a one-site check has nothing to
// gain: only a run of LAZY_TIERING.fewestSites to LAZY_TIERING.mostSites sites probes this way, and the usual
// budget is back once probing ends.
// Any V8 flag changed makes Node compile each of its own modules loaded afterwards without its code cache (the
// cache is checked against a hash of every flag: node:http2 and node:vm took 14 instead of 5 ms). So what probing
// loads is loaded before the switch (the caller's part), and putting the usual value back puts the hash back.
// Only on the V8 this was measured on (11.x, Node 20): Node 22's V8 already looks every 200 KB (Maglev), and a
// default put back by value must be the engine's own.

import { setFlagsFromString } from 'node:v8';

export const LAZY_TIERING = { fewestSites: 64, mostSites: 2048 } as const;

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
