// untilAborted and onAbort (src/util/abort.ts): waits bounded by a signal that keep nothing once they end.

import { execFileSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../src/package-root.js';
import { onAbort, untilAborted } from '../../src/util/abort.js';

describe('untilAborted', () => {
  it('gives what the work resolves to; awaits one after another leave the one shared listener, not one each', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 100; i++) await expect(untilAborted(Promise.resolve(i), controller.signal)).resolves.toBe(i);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
  });

  it("gives the work's own rejection, and an abort after it settled changes nothing", async () => {
    const controller = new AbortController();
    const settled = untilAborted(Promise.reject(new Error('refused')), controller.signal);
    await expect(settled).rejects.toThrow('refused');
    controller.abort(new Error('deadline'));
    await expect(settled).rejects.toThrow('refused');
  });

  it("rejects with the signal's reason when it aborts first; the work's later rejection goes unhandled nowhere", async () => {
    const controller = new AbortController();
    let fail!: (err: Error) => void;
    const work = new Promise<number>((_resolve, reject) => (fail = reject));
    const raced = untilAborted(work, controller.signal);
    controller.abort(new Error('deadline'));
    await expect(raced).rejects.toThrow('deadline');
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    fail(new Error('late'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });

  it('rejects at once on a signal already aborted', async () => {
    await expect(untilAborted(new Promise(() => {}), AbortSignal.abort(new Error('over')))).rejects.toThrow('over');
  });

  it('keeps nothing the work resolved to while the signal lives on (a body chunk is freed by the next collection)', () => {
    // In a process of its own, with a collector: 64 awaits of 1 MiB each under one signal that stays alive, as a
    // fetch's chunks are read under its attempt's signal. Racing against one long-lived promise kept all 64 MiB.
    const script = `
import { untilAborted } from ${JSON.stringify(packagePath('dist/util/abort.js'))};
const controller = new AbortController();
for (let i = 0; i < 64; i++) {
  const chunk = await untilAborted(Promise.resolve(Buffer.alloc(1024 * 1024, i)), controller.signal);
  if (chunk[0] !== i % 256) throw new Error('wrong chunk');
}
globalThis.gc();
console.log(JSON.stringify({ arrayBuffers: process.memoryUsage().arrayBuffers, aborted: controller.signal.aborted }));`;
    const out = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' })) as { arrayBuffers: number; aborted: boolean };
    expect(out.aborted).toBe(false);
    expect(out.arrayBuffers).toBeLessThan(8 * 1024 * 1024);
  });
});

/** Runs `body` in a fresh Node (with a collector) where onAbort is imported; returns what it prints. */
function inProcess(body: string): Record<string, unknown> {
  const script = `import { onAbort } from ${JSON.stringify(packagePath('dist/util/abort.js'))};\n${body}`;
  return JSON.parse(execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { encoding: 'utf8' })) as Record<string, unknown>;
}

describe('onAbort', () => {
  it('keeps any number of waits on a signal behind one listener, and calls those still waiting once, in order', () => {
    const controller = new AbortController();
    const called: number[] = [];
    const stops = Array.from({ length: 500 }, (_, i) => onAbort(controller.signal, () => called.push(i)));
    const twice = (): void => void called.push(-1);
    onAbort(controller.signal, twice);
    onAbort(controller.signal, twice);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    for (let i = 0; i < 500; i += 2) stops[i]!();
    stops[0]!(); // stopping twice is harmless
    controller.abort(new Error('deadline'));
    expect(called).toEqual([...Array.from({ length: 250 }, (_, i) => 2 * i + 1), -1, -1]);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    controller.abort(new Error('again'));
    expect(called).toHaveLength(252);
  });

  it('never calls a wait on a signal already aborted, and adds nothing to it', () => {
    const signal = AbortSignal.abort(new Error('over'));
    let called = false;
    const stop = onAbort(signal, () => (called = true));
    stop();
    expect(called).toBe(false);
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });

  it("reports a wait's error as a listener's would be, and still calls the other waits", () => {
    const out = inProcess(`
const controller = new AbortController();
const called = [], errors = [];
process.on('uncaughtException', (err) => errors.push(err.message));
onAbort(controller.signal, () => called.push(1));
onAbort(controller.signal, () => { throw new Error('bug in a wait'); });
onAbort(controller.signal, () => called.push(3));
controller.abort();
setTimeout(() => console.log(JSON.stringify({ called, errors })), 20);`);
    expect(out).toEqual({ called: [1, 3], errors: ['bug in a wait'] });
  });

  it('keeps nothing a stopped wait closed over while the signal lives on', () => {
    const out = inProcess(`
const controller = new AbortController();
for (let i = 0; i < 64; i++) {
  const chunk = Buffer.alloc(1024 * 1024, i);
  const stop = onAbort(controller.signal, () => chunk.fill(0));
  stop();
}
globalThis.gc();
console.log(JSON.stringify({ arrayBuffers: process.memoryUsage().arrayBuffers }));`);
    expect(out.arrayBuffers as number).toBeLessThan(8 * 1024 * 1024);
  });
});
