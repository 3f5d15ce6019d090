import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { withoutStacks, withoutStacksDuring } from '../../src/util/errors.js';

function made(): Error {
  return new Error('closed');
}

describe('withoutStacks', () => {
  it('errors made inside carry no frames; outside, and afterwards, they do', () => {
    let inside: Error | null = null;
    withoutStacks(() => {
      inside = made();
    });
    expect(inside!.stack).toBe('Error: closed');
    expect(made().stack).toMatch(/\n\s+at made /);
  });

  it('gives the limit back when the close throws', () => {
    const before = Error.stackTraceLimit;
    expect(() =>
      withoutStacks(() => {
        throw new Error('undici bug');
      }),
    ).toThrow('undici bug');
    expect(Error.stackTraceLimit).toBe(before);
  });

  it('keeps the stacks with OUTAGE_PROBE_DEBUG=1', () => {
    // In a process of its own: the switch is read when the module loads.
    const module = new URL('../../dist/util/errors.js', import.meta.url).pathname;
    const script = `
      import { withoutStacks } from ${JSON.stringify(module)};
      let stack = '';
      withoutStacks(() => { stack = new Error('closed').stack; });
      process.stdout.write(stack.includes('\\n') ? 'frames' : 'none');
    `;
    const run = (debug: string) =>
      spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, OUTAGE_PROBE_DEBUG: debug }, encoding: 'utf8' }).stdout;
    expect(run('1')).toBe('frames');
    expect(run('')).toBe('none');
  });
});

describe('withoutStacksDuring', () => {
  it('errors made anywhere while the work runs, after awaits and in timers, carry no frames; afterwards they do', async () => {
    const inside: Error[] = [];
    const result = await withoutStacksDuring(async () => {
      inside.push(made());
      await new Promise((resolve) => setTimeout(resolve, 5));
      inside.push(made());
      await new Promise<void>((resolve) => setImmediate(() => (inside.push(made()), resolve())));
      return 'probed';
    });
    expect(result).toBe('probed');
    expect(inside.map((e) => e.stack)).toEqual(['Error: closed', 'Error: closed', 'Error: closed']);
    expect(made().stack).toMatch(/\n\s+at made /);
  });

  it('gives the limit back when the work rejects, and a withoutStacks inside leaves it off', async () => {
    const before = Error.stackTraceLimit;
    let nested = -1;
    await expect(
      withoutStacksDuring(async () => {
        withoutStacks(() => undefined);
        nested = Error.stackTraceLimit;
        throw new Error('probe bug');
      }),
    ).rejects.toThrow('probe bug');
    expect(nested).toBe(0);
    expect(Error.stackTraceLimit).toBe(before);
  });

  it('keeps the stacks with OUTAGE_PROBE_DEBUG=1', () => {
    const module = new URL('../../dist/util/errors.js', import.meta.url).pathname;
    const script = `
      import { withoutStacksDuring } from ${JSON.stringify(module)};
      const stack = await withoutStacksDuring(async () => { await null; return new Error('timeout').stack; });
      process.stdout.write(stack.includes('\\n') ? 'frames' : 'none');
    `;
    const run = (debug: string) =>
      spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, OUTAGE_PROBE_DEBUG: debug }, encoding: 'utf8' }).stdout;
    expect(run('1')).toBe('frames');
    expect(run('')).toBe('none');
  });
});
