import { describe, expect, it } from 'vitest';
import { keyedLimit } from '../../src/util/keyed-limit.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

function tracked() {
  const running = new Map<string, number>();
  const most = new Map<string, number>();
  const releases: (() => void)[] = [];
  const task = (key: string, log?: string[], label?: string) => async () => {
    running.set(key, (running.get(key) ?? 0) + 1);
    most.set(key, Math.max(most.get(key) ?? 0, running.get(key)!));
    log?.push(label ?? key);
    await new Promise<void>((resolve) => releases.push(resolve));
    running.set(key, running.get(key)! - 1);
    return key;
  };
  return { running, most, releases, task };
}

describe('keyedLimit', () => {
  it('runs at most N tasks at once per key, keys independently, and every task in turn', async () => {
    const limit = keyedLimit(2);
    const t = tracked();
    const order: string[] = [];
    const all = [1, 2, 3, 4, 5].map((i) => limit('a', t.task('a', order, `a${i}`)));
    const other = limit('b', t.task('b'));
    await tick();
    expect(t.running.get('a')).toBe(2);
    expect(t.running.get('b')).toBe(1);
    while (t.releases.length > 0) {
      t.releases.shift()!();
      await tick();
    }
    expect(await Promise.all(all)).toEqual(['a', 'a', 'a', 'a', 'a']);
    expect(await other).toBe('b');
    expect(t.most.get('a')).toBe(2);
    expect(order).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
  });

  it('frees the slot of a task that throws, and a key used again after it fell idle gets its full slots', async () => {
    const limit = keyedLimit(1);
    await expect(limit('a', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    const t = tracked();
    const first = limit('a', t.task('a'));
    const second = limit('a', t.task('a'));
    await tick();
    expect(t.running.get('a')).toBe(1);
    t.releases.shift()!();
    await first;
    await tick();
    expect(t.running.get('a')).toBe(1);
    t.releases.shift()!();
    await second;
    expect(t.most.get('a')).toBe(1);
  });
});
