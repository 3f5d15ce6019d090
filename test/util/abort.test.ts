// untilAborted (src/util/abort.ts): an await bounded by a signal that keeps nothing once it settles.

import { execFileSync } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { packagePath } from '../../src/package-root.js';
import { untilAborted } from '../../src/util/abort.js';

describe('untilAborted', () => {
  it('gives what the work resolves to and leaves no listener on the signal', async () => {
    const controller = new AbortController();
    await expect(untilAborted(Promise.resolve(42), controller.signal)).resolves.toBe(42);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it("gives the work's own rejection and leaves no listener", async () => {
    const controller = new AbortController();
    await expect(untilAborted(Promise.reject(new Error('refused')), controller.signal)).rejects.toThrow('refused');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
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
