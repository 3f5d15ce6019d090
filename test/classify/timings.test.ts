// The compact form a run keeps an attempt's phase timings in until its report (classify/timings.ts).

import { describe, expect, it } from 'vitest';
import { keptTimings } from '../../src/classify/timings.js';
import type { Timings } from '../../src/model.js';

const read = (t: Timings) => ({ connectMs: t.connectMs, tlsMs: t.tlsMs, ttfbMs: t.ttfbMs, totalMs: t.totalMs, ...(t.connectStalledMs === undefined ? {} : { connectStalledMs: t.connectStalledMs }) });

describe('keptTimings', () => {
  it('reads back every phase as measured and prints the same fields in the same order', () => {
    const cases: Timings[] = [
      { connectMs: 0.4, tlsMs: 12.3, ttfbMs: 57.9, totalMs: 58.1 },
      { connectMs: 0, tlsMs: null, ttfbMs: 3, totalMs: 1234567.8 },
      { connectMs: null, tlsMs: null, ttfbMs: null, totalMs: 0 },
      { connectMs: 0.1, tlsMs: 0.2, ttfbMs: 0.3, totalMs: 0.7 },
      { connectMs: 2051.3, tlsMs: 40, ttfbMs: 2120, totalMs: 2125, connectStalledMs: 0 },
      { connectMs: 1500, tlsMs: 3.1, ttfbMs: 1600, totalMs: 1600.2, connectStalledMs: 1201.7 },
    ];
    for (const measured of cases) {
      const kept = keptTimings(measured);
      expect(kept).not.toBe(measured);
      expect(read(kept)).toStrictEqual(measured);
      expect(JSON.stringify(kept)).toBe(JSON.stringify(measured));
      expect(JSON.stringify({ a: 1, timings: kept }, null, 2)).toBe(JSON.stringify({ a: 1, timings: measured }, null, 2));
    }
  });

  it('keeps a record it cannot give back exactly as it is, and a kept one as it is', () => {
    for (const odd of [{ connectMs: 1.25, tlsMs: null, ttfbMs: 2, totalMs: 3 }, { connectMs: -1, tlsMs: null, ttfbMs: null, totalMs: 2 }, { connectMs: null, tlsMs: null, ttfbMs: null, totalMs: 2 ** 31 }]) {
      expect(keptTimings(odd)).toBe(odd);
    }
    const kept = keptTimings({ connectMs: 1, tlsMs: 2, ttfbMs: 3, totalMs: 4 });
    expect(keptTimings(kept)).toBe(kept);
  });

  it('is read-only: a write throws instead of changing what was measured', () => {
    const kept = keptTimings({ connectMs: 1, tlsMs: 2, ttfbMs: 3, totalMs: 4 }) as { totalMs: number };
    expect(() => {
      kept.totalMs = 9;
    }).toThrow(TypeError);
    expect(kept.totalMs).toBe(4);
  });
});
