import { describe, expect, it } from 'vitest';
import { formatCount, plural } from '../../src/util/text.js';

describe('formatCount', () => {
  it('groups thousands as en-US does', () => {
    for (const n of [0, 7, 999, 1000, 12_345, 184_000, 1_000_000, 4_294_967_296, -1500]) expect(formatCount(n), String(n)).toBe(n.toLocaleString('en-US'));
    expect(plural(184_000, 'site')).toBe('184,000 sites');
    expect(plural(1, 'site')).toBe('1 site');
  });
});
