import { Writable } from 'node:stream';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { writeChunks } from '../../src/util/write-chunks.js';

/** A reader slower than the writer: each chunk is taken a turn of the event loop later. */
function slowReader(highWaterMark: number) {
  const received: string[] = [];
  const stream = new Writable({
    highWaterMark,
    decodeStrings: false,
    write(chunk: string, _encoding, callback) {
      received.push(chunk);
      setImmediate(callback);
    },
  });
  return { stream, received };
}

describe('writeChunks', () => {
  it('pulls the next chunk only when the stream has room: what waits in memory stays near its high-water mark', async () => {
    const { stream, received } = slowReader(16 * 1024);
    const chunk = (i: number) => `${String(i).padStart(8, '0')}${'x'.repeat(4 * 1024 - 8)}`;
    let mostWaiting = 0;
    function* chunks() {
      for (let i = 0; i < 500; i++) {
        mostWaiting = Math.max(mostWaiting, stream.writableLength);
        yield chunk(i);
      }
    }
    await writeChunks(stream, chunks());
    // Without waiting for 'drain', the loop hands over all 2 MB before the reader takes the first chunk. Chunks go
    // out joined into pieces of ~16 K characters, so at most the high-water mark and one piece wait.
    expect(mostWaiting).toBeLessThanOrEqual(16 * 1024 + 16 * 1024 + 4 * 1024);
    await new Promise((resolve) => stream.end(resolve));
    expect(received.join('')).toBe(Array.from({ length: 500 }, (_, i) => chunk(i)).join(''));
    // Joined, not one write a chunk: 2 MB in pieces of 16 K or more (the last one may be shorter).
    expect(received.length).toBeLessThanOrEqual(Math.ceil((500 * 4 * 1024) / (16 * 1024)));
    expect(received.slice(0, -1).every((piece) => piece.length >= 16 * 1024)).toBe(true);
  });

  it('writes what is left after the last full piece, and nothing for no chunks', async () => {
    const { stream, received } = slowReader(1024);
    await writeChunks(stream, ['a', 'b', 'c']);
    await writeChunks(stream, []);
    await new Promise((resolve) => stream.end(resolve));
    expect(received).toEqual(['abc']);
  });

  it('stops pulling, without throwing, when the stream goes away mid-report', async () => {
    const { stream } = slowReader(1024);
    stream.on('error', () => {});
    let pulled = 0;
    function* chunks() {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        if (i === 10) stream.destroy(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
        yield 'y'.repeat(512);
      }
    }
    await writeChunks(stream, chunks());
    expect(pulled).toBeLessThan(20);
  });

  it('a real pipe: a reader that starts late still gets every chunk, in order', async () => {
    // The child (the compiled module, as the binary runs it) writes 8 MB in 1 KiB chunks into its stdout, a pipe this
    // test reads only after a pause: what waits in the child's stream must stay near its high-water mark meanwhile.
    const script = `
      import { writeChunks } from ${JSON.stringify(new URL('../../dist/util/write-chunks.js', import.meta.url).pathname)};
      let held = 0;
      function* chunks() {
        for (let i = 0; i < 8192; i++) { held = Math.max(held, process.stdout.writableLength); yield String(i % 10).repeat(1024); }
      }
      await writeChunks(process.stdout, chunks());
      process.stderr.write(String(held));
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.pause();
    await new Promise((resolve) => setTimeout(resolve, 300));
    let bytes = 0;
    let ordered = true;
    let index = 0;
    child.stdout.on('data', (d: Buffer) => {
      for (const byte of d) {
        if (byte !== 48 + (Math.floor(index / 1024) % 10)) ordered = false;
        index++;
      }
      bytes += d.length;
    });
    child.stdout.resume();
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(0);
    expect(bytes).toBe(8192 * 1024);
    expect(ordered).toBe(true);
    expect(Number(stderr)).toBeLessThanOrEqual(64 * 1024);
  }, 30_000);
});
