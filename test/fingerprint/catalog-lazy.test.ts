// The catalog's range index is built on first use (or by prepareCatalog), not when the catalog is made: a run
// that looks no address up never pays for it, and one that does builds it while its first answer is awaited.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCatalog, prepareCatalog } from '../../src/fingerprint/index.js';

const dir = mkdtempSync(join(tmpdir(), 'catalog-lazy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An update cache with one set of its own, read when the index is built. */
function writeCache(cacheFile: string): void {
  const set = { provider: 'fastly', source: 'test', takenAt: '2026-12-05', prefixes: [{ prefix: '198.51.100.0/24', region: null, service: null }] };
  writeFileSync(cacheFile, JSON.stringify({ takenAt: '2026-12-05T00:00:00Z', sets: { 'lazy-test': set } }));
}

describe('the catalog range index', () => {
  it('is built at first use, from the cache as it is then', () => {
    const cacheFile = join(dir, 'first-use.json');
    const catalog = loadCatalog([], { cacheFile });
    writeCache(cacheFile); // after the catalog was made: an index built then would not see it
    expect(catalog.ranges.lookup('198.51.100.7')?.provider).toBe('fastly');
    expect(catalog.ranges.lookup('104.16.0.1')?.provider).toBe('cloudflare'); // the shipped snapshot too
  });

  it('prepareCatalog builds it at once: later changes to the cache are not read', () => {
    const cacheFile = join(dir, 'prepared.json');
    const catalog = loadCatalog([], { cacheFile });
    prepareCatalog(catalog);
    writeCache(cacheFile);
    expect(catalog.ranges.lookup('198.51.100.7')).toBeNull();
    expect(catalog.ranges.size).toBeGreaterThan(10_000);
    expect(catalog.ranges.skipped).toEqual([]);
  });
});
