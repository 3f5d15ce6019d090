import { describe, expect, it } from 'vitest';
import { formatCount, plural, safeLine, stripControl } from '../../src/util/text.js';

describe('formatCount', () => {
  it('groups thousands as en-US does', () => {
    for (const n of [0, 7, 999, 1000, 12_345, 184_000, 1_000_000, 4_294_967_296, -1500]) expect(formatCount(n), String(n)).toBe(n.toLocaleString('en-US'));
    expect(plural(184_000, 'site')).toBe('184,000 sites');
    expect(plural(1, 'site')).toBe('1 site');
  });
});

describe('stripControl and safeLine', () => {
  it('removes escape sequences and control characters, keeping tab and newline only in multiline text', () => {
    expect(stripControl('ok \u001b[31mred\u001b[0m \u001b]0;title\u0007done\u0000\u009b')).toBe('ok red done');
    expect(stripControl('a\tb\nc\r', false)).toBe('a b c');
    expect(stripControl('a\tb\nc\r', true)).toBe('a\tb\nc');
    expect(stripControl('\u007fdel')).toBe('del');
    expect(safeLine('x'.repeat(10), 5)).toBe('xxxx…');
  });

  it('hands back text with nothing to strip as it is', () => {
    const clean = `plain ${'text '.repeat(3)}é ✓`;
    expect(stripControl(clean)).toBe(clean);
    expect(stripControl('two\nlines', true)).toBe('two\nlines');
  });
});
