import { describe, expect, it } from 'vitest';
import { recentStrings, recentValues } from '../../src/util/recent.js';

describe('recentValues', () => {
  it('hands back the value made first for a key, without making another', () => {
    const values = recentValues<{ n: number }>(4);
    let made = 0;
    const make = () => ({ n: ++made });
    const first = values.get('a', make);
    expect(values.get('a', make)).toBe(first);
    expect(made).toBe(1);
    expect(values.get('b', make)).not.toBe(first);
    expect(made).toBe(2);
  });

  it('remembers at most its capacity, forgetting the oldest key first', () => {
    const values = recentValues<{ key: string }>(2);
    const a = values.get('a', () => ({ key: 'a' }));
    const b = values.get('b', () => ({ key: 'b' }));
    values.get('c', () => ({ key: 'c' })); // 'a' is forgotten
    expect(values.get('b', () => ({ key: 'b' }))).toBe(b);
    const again = values.get('a', () => ({ key: 'a' }));
    expect(again).not.toBe(a);
    expect(again).toEqual(a);
  });

  it('recentStrings gives back an equal string for any input', () => {
    const share = recentStrings(2);
    for (const s of ['x', 'y', 'x', 'z', 'x', '']) expect(share(s)).toBe(s);
  });
});
