// The catalog is data: check that it is well-formed, so a bad edit fails here and not in a run.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { BUILTIN_PROVIDERS } from '../../src/fingerprint/catalog/index.js';
import { SNAPSHOT } from '../../src/fingerprint/ranges/load.js';
import { parsePrefix } from '../../src/fingerprint/ranges/trie.js';

describe('BUILTIN_PROVIDERS', () => {
  it('has unique lower-case ids and the providers the brief names', () => {
    const ids = BUILTIN_PROVIDERS.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9][a-z0-9-]*$/);
    for (const id of ['cloudflare', 'akamai', 'fastly', 'cloudfront', 'aws', 'azure-front-door', 'azure', 'google', 'vercel', 'netlify', 'imperva', 'sucuri', 'bunny', 'ddos-guard', 'github-pages', 'fly', 'heroku', 'gcore', 'ns1', 'dyn', 'ultradns', 'godaddy', 'digitalocean']) {
      expect(ids).toContain(id);
    }
  });

  it('every pattern compiles, every rule has a layer, a says and at least one condition', () => {
    for (const p of BUILTIN_PROVIDERS) {
      for (const h of p.headers) {
        expect(h.header, p.id).toBe(h.header.toLowerCase());
        if (h.pattern) expect(() => new RegExp(h.pattern!, 'i'), `${p.id} ${h.header}`).not.toThrow();
      }
      for (const r of p.errors) {
        expect(['edge', 'challenge', 'origin', 'site', 'unknown']).toContain(r.layer);
        expect(r.says.length, p.id).toBeGreaterThan(10);
        expect(r.source, `${p.id}: ${r.says}`).toMatch(/^https:\/\/[a-z0-9.-]+\.[a-z]{2,}\//);
        if (r.quote) expect(new RegExp(r.quote, 'i').source, `${p.id}: ${r.says}`).toMatch(/\(/);
        if (r.challenge) expect(r.layer, `${p.id}: ${r.says}`).toBe('challenge');
        expect(r.status ?? r.header ?? r.body ?? r.bodyAny ?? r.bodyPattern, `${p.id}: ${r.says}`).toBeDefined();
        if (r.header?.pattern) expect(() => new RegExp(r.header!.pattern!, 'i')).not.toThrow();
        if (r.bodyPattern) expect(() => new RegExp(r.bodyPattern!, 'i')).not.toThrow();
      }
    }
  });

  it('DNS-only hosts have the authoritative-dns role and NS suffixes', () => {
    for (const id of ['ns1', 'dyn', 'ultradns', 'godaddy', 'digitalocean']) {
      const p = BUILTIN_PROVIDERS.find((x) => x.id === id)!;
      expect(p.roles).toEqual(['authoritative-dns']);
      expect(p.nsSuffixes.length).toBeGreaterThan(0);
    }
  });

  it('range set ids exist in the snapshot and belong to the provider naming them', () => {
    for (const p of BUILTIN_PROVIDERS) {
      for (const set of p.rangeSets) {
        expect(SNAPSHOT.sets[set], `${p.id} → ${set}`).toBeDefined();
        expect(SNAPSHOT.sets[set]!.provider).toBe(p.id);
      }
    }
  });

  it('Cloudflare self-test and status pages follow providers.md', () => {
    const cf = BUILTIN_PROVIDERS.find((p) => p.id === 'cloudflare')!;
    expect(cf.selfTest).toEqual({ path: '/cdn-cgi/trace', expect: 'colo=', locationKey: 'colo' });
    expect(cf.statusPage).toEqual({ url: 'https://www.cloudflarestatus.com', kind: 'statuspage' });
    for (const p of BUILTIN_PROVIDERS) if (p.statusPage) expect(p.statusPage.url).toMatch(/^https:\/\//);
  });
});

describe('per-provider data lives in the catalog', () => {
  it('PoP headers, region host names and API domains sit on the providers they belong to', () => {
    const byId = (id: string) => BUILTIN_PROVIDERS.find((p) => p.id === id)!;
    expect(byId('cloudflare').popHeaders!.map((h) => h.header)).toEqual(['cf-ray']);
    expect(byId('cloudflare').popHeaders![0]!.read('8fcb3f8a0cc56750-ATL')).toBe('ATL');
    expect(byId('fastly').popHeaders![0]!.read('cache-lcy19240-LCY, cache-fra-eddf8230123-FRA')).toBe('FRA');
    expect(byId('aws').regionHosts![0]!.domains).toContain('amazonaws.com');
    expect(byId('aws').fixedRegionHosts).toEqual([{ suffix: 'compute-1.amazonaws.com', region: 'us-east-1' }]);
    expect(byId('google').apiDomains).toContain('googleapis.com');
    for (const p of BUILTIN_PROVIDERS) for (const d of p.apiDomains ?? []) expect(d, p.id).toMatch(/^[a-z0-9.-]+$/);
  });

  it('classify/ names no provider id: adding a provider touches only fingerprint/catalog/', () => {
    const dir = new URL('../../src/classify/', import.meta.url);
    const quoted = new RegExp(`['"\`](?:${BUILTIN_PROVIDERS.map((p) => p.id).join('|')})['"\`]`);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      expect(quoted.exec(readFileSync(new URL(file, dir), 'utf8'))?.[0] ?? null, file).toBeNull();
    }
  });
});

describe('snapshot.json', () => {
  it('is dated and every prefix parses; the shipped file stays small (packed: prefixes grouped by region and service)', () => {
    expect(statSync(new URL('../../src/fingerprint/ranges/snapshot.json', import.meta.url)).size).toBeLessThan(400_000);
    expect(Object.values(SNAPSHOT.sets).reduce((n, set) => n + set.prefixes.length, 0)).toBe(12_146);
    expect(SNAPSHOT.takenAt).toBe('2026-12-04');
    for (const [id, set] of Object.entries(SNAPSHOT.sets)) {
      expect(set.takenAt, id).toMatch(/^\d{4}-\d{2}-\d{2}/);
      expect(set.source.length, id).toBeGreaterThan(0);
      for (const p of set.prefixes) expect(parsePrefix(p.prefix), `${id}: ${p.prefix}`).not.toBeNull();
    }
  });

  it('holds the verbatim lists of providers.md §9', () => {
    expect(SNAPSHOT.sets['cloudflare-ipv4']!.prefixes).toHaveLength(15);
    expect(SNAPSHOT.sets['cloudflare-ipv6']!.prefixes).toHaveLength(7);
    expect(SNAPSHOT.sets.fastly!.prefixes).toHaveLength(21);
    expect(SNAPSHOT.sets.imperva!.prefixes).toHaveLength(12);
    expect(SNAPSHOT.sets.sucuri!.prefixes).toHaveLength(5);
    expect(SNAPSHOT.sets['test-lab']).toBeUndefined();
  });

  it("holds AWS's, Google's and Azure Front Door's published files as the update parsers read them, each dated by the file's own timestamp", () => {
    const aws = SNAPSHOT.sets.aws!;
    const cloudfront = SNAPSHOT.sets.cloudfront!;
    // ip-ranges.json's syncToken and createDate are in the source: the copy can be checked against AWS's history.
    for (const set of [aws, cloudfront]) {
      expect(set.source).toMatch(/^https:\/\/ip-ranges\.amazonaws\.com\/ip-ranges\.json \(syncToken \d+, createDate 2026-08-22-/);
      expect(set.takenAt).toBe('2026-08-22');
    }
    expect(aws.prefixes).toHaveLength(10770);
    expect(cloudfront.prefixes).toHaveLength(243);
    // parseAwsRanges' reading: CloudFront's prefixes are only in "cloudfront", every AWS prefix names its service,
    // and regional ones their region (GLOBAL is no region).
    const cloudfrontPrefixes = new Set(cloudfront.prefixes.map((p) => p.prefix));
    expect(aws.prefixes.filter((p) => cloudfrontPrefixes.has(p.prefix))).toEqual([]);
    expect(cloudfront.prefixes.every((p) => p.service === 'CLOUDFRONT')).toBe(true);
    expect(aws.prefixes.every((p) => typeof p.service === 'string' && p.region !== 'GLOBAL')).toBe(true);
    expect(aws.prefixes.filter((p) => p.region === 'us-east-1').length).toBeGreaterThan(1000);
    expect(new Set(aws.prefixes.map((p) => p.prefix)).size).toBe(aws.prefixes.length);

    expect(SNAPSHOT.sets.google!.source).toMatch(/^https:\/\/www\.gstatic\.com\/ipranges\/goog\.json \(syncToken \d+, creationTime 2024-04-25T/);
    expect(SNAPSHOT.sets.google!.prefixes).toHaveLength(84);
    const gcp = SNAPSHOT.sets['google-cloud']!;
    expect(gcp.source).toMatch(/^https:\/\/www\.gstatic\.com\/ipranges\/cloud\.json \(syncToken \d+, creationTime 2025-07-24T/);
    expect(gcp.prefixes).toHaveLength(782);
    expect(gcp.prefixes.every((p) => p.service === 'Google Cloud' && p.region !== 'global')).toBe(true);

    const afd = SNAPSHOT.sets['azure-front-door']!;
    expect(afd.source).toMatch(/Service Tags, Public cloud, changeNumber \d+; tag AzureFrontDoor\.Frontend/);
    expect(afd.prefixes).toHaveLength(192);
    // Azure's regional tags are not shipped (12,000 prefixes behind a download page whose file name changes weekly).
    expect(SNAPSHOT.sets.azure!.prefixes).toEqual([]);
  });

  it("holds Akamai's documented Origin IP ACL blocks, and says what they are", () => {
    const akamai = SNAPSHOT.sets.akamai!;
    expect(akamai.provider).toBe('akamai');
    expect(akamai.source).toMatch(/^https:\/\/techdocs\.akamai\.com\/origin-ip-acl\/docs\/update-your-origin-server \(Origin IP ACL/);
    expect(akamai.prefixes.map((p) => p.prefix)).toEqual(['2.16.0.0/13', '23.0.0.0/12', '23.192.0.0/11', '23.32.0.0/11', '95.100.0.0/15', '184.24.0.0/13', '2a02:26f0::/32', '2600:1400::/24', '2405:9600::/32']);
    expect(BUILTIN_PROVIDERS.find((p) => p.id === 'akamai')!.rangeSets).toEqual(['akamai']);
  });
});
