// The open-file limit a run's concurrency must fit in (util/file-limit.ts): read from /proc/self/limits, and the
// concurrency lowered, with a line saying so, when each fetch's socket would not fit.

import { describe, expect, it } from 'vitest';
import { concurrencyWithinFileLimit, openFileLimit } from '../../src/util/file-limit.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

describe('openFileLimit', () => {
  it('reads the soft limit of "Max open files"', () => {
    expect(openFileLimit(() => LIMITS)).toBe(1024);
  });

  it('is null when unknown: no such file (not Linux), no such line, or unlimited', () => {
    expect(openFileLimit(() => { throw new Error('ENOENT'); })).toBeNull();
    expect(openFileLimit(() => 'Limit  Soft Limit\n')).toBeNull();
    expect(openFileLimit(() => LIMITS.replace('1024   ', 'unlimited'))).toBeNull();
  });

  it('reads this process on Linux', () => {
    if (process.platform !== 'linux') return;
    expect(openFileLimit()).toBeGreaterThan(0);
  });
});

describe('concurrencyWithinFileLimit', () => {
  it('keeps a concurrency that fits, and says nothing', () => {
    expect(concurrencyWithinFileLimit(512, 20_000)).toEqual({ concurrency: 512, warning: null });
    expect(concurrencyWithinFileLimit(1024, null)).toEqual({ concurrency: 1024, warning: null });
  });

  it('lowers one that does not, keeping room for the rest, and says so', () => {
    const within = concurrencyWithinFileLimit(1024, 128);
    expect(within.concurrency).toBe(32);
    expect(within.warning).toBe('concurrency 1024 lowered to 32: this process may open 128 files (ulimit -n), and each fetch needs a socket; raise the limit to run more at once');
    expect(concurrencyWithinFileLimit(64, 40).concurrency).toBe(1);
  });
});
