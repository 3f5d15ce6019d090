// prettyJsonChunks (src/report/json.ts): JSON.stringify(value, null, 2) of a value with a long list, one item at a
// time; the check report and the map are written with it.

import { describe, expect, it } from 'vitest';
import { prettyJsonChunks } from '../../src/report/json.js';
import { renderMap } from '../../src/commands/map.js';

const whole = (value: object) => `${JSON.stringify(value, null, 2)}\n`;

describe('prettyJsonChunks', () => {
  it('joins to exactly what JSON.stringify makes, the list in its place among the other keys', () => {
    const value = {
      version: 'x/v1',
      sites: [
        { name: 'a', stack: [{ layer: 'edge', provider: 'p', evidence: ['x\u0000y', 'back\\slash', '"q"'] }], empty: [], nested: { n: null } },
        { name: 'b', stack: [], share: 0.25 },
      ],
      providers: [{ provider: 'p', sites: ['a', 'b'] }],
    };
    const chunks = [...prettyJsonChunks(value, 'sites', value.sites)];
    expect(chunks.join('')).toBe(whole(value));
    // One piece per item (and its separator), not one string for the whole.
    expect(chunks.length).toBeGreaterThanOrEqual(2 * value.sites.length + 2);
  });

  it('an empty list, a list first or last, and items made by itemJson', () => {
    expect([...prettyJsonChunks({ sites: [] as unknown[] }, 'sites', [])].join('')).toBe(whole({ sites: [] }));
    const last = { a: 1, sites: [1, 'two', { three: [3] }] };
    expect([...prettyJsonChunks(last, 'sites', last.sites)].join('')).toBe(whole(last));
    const shown = [...prettyJsonChunks({ sites: [1, 2], z: true }, 'sites', [1, 2], (n) => ({ n }))].join('');
    expect(shown).toBe(whole({ sites: [{ n: 1 }, { n: 2 }], z: true }));
  });

  it("renders a map's JSON as the whole map stringified", () => {
    const map = { schema: 'outage-probe.map/v1', sites: [{ name: 's', url: 'https://s.example/', stack: [] }], providers: [] } as unknown as Parameters<typeof renderMap>[0];
    expect(renderMap(map, 'json', { color: false, width: 100 })).toBe(whole(map));
  });
});
