// `providers update`: pure parsers on recorded samples, then the fetch against loopback servers only.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  RANGE_SOURCES,
  fetchFailureMessage,
  fetchRangeSources,
  parseAwsRanges,
  parseBunnyList,
  parseCidrLines,
  parseFastlyList,
  parseGcoreList,
  parseGoogleRanges,
  parseImpervaRanges,
  updateRanges,
  type RangeSource,
} from '../../src/fingerprint/ranges/update.js';
import { defaultCacheFile, loadRanges, mergeRanges, parseRangeCache, SNAPSHOT } from '../../src/fingerprint/ranges/load.js';
import { buildRangeIndex } from '../../src/fingerprint/ranges/trie.js';

const CLOUDFLARE_V4 = '173.245.48.0/20\n103.21.244.0/22\n104.16.0.0/13\n';
const FASTLY = '{"addresses":["23.235.32.0/20","151.101.0.0/16"],"ipv6_addresses":["2a04:4e40::/32"]}';
const AWS = JSON.stringify({
  syncToken: '1700000000',
  createDate: '2026-10-14-05-13-08',
  prefixes: [
    { ip_prefix: '3.5.140.0/22', region: 'ap-northeast-2', service: 'AMAZON', network_border_group: 'ap-northeast-2' },
    { ip_prefix: '3.5.140.0/22', region: 'ap-northeast-2', service: 'S3', network_border_group: 'ap-northeast-2' },
    { ip_prefix: '13.32.0.0/15', region: 'GLOBAL', service: 'AMAZON', network_border_group: 'GLOBAL' },
    { ip_prefix: '13.32.0.0/15', region: 'GLOBAL', service: 'CLOUDFRONT', network_border_group: 'GLOBAL' },
    { ip_prefix: '52.95.245.0/24', region: 'us-east-1', service: 'EC2', network_border_group: 'us-east-1' },
  ],
  ipv6_prefixes: [{ ipv6_prefix: '2600:9000::/28', region: 'GLOBAL', service: 'CLOUDFRONT', network_border_group: 'GLOBAL' }],
});
const GOOGLE_CLOUD = JSON.stringify({
  syncToken: '1700000000000',
  creationTime: '2026-10-14T00:00:00.000000',
  prefixes: [
    { ipv4Prefix: '34.1.208.0/20', service: 'Google Cloud', scope: 'africa-south1' },
    { ipv6Prefix: '2600:1900:8000::/44', service: 'Google Cloud', scope: 'us-central1' },
  ],
});
const GOOG = '{"syncToken":"1","creationTime":"x","prefixes":[{"ipv4Prefix":"8.8.4.0/24"},{"ipv6Prefix":"2001:4860::/32"}]}';
const IMPERVA = '{"ipRanges":["45.60.0.0/16","199.83.128.0/21"],"ipv6Ranges":["2a02:e980::/29"],"res":0,"res_message":"OK"}';

describe('parsers', () => {
  it('Cloudflare text list', () => {
    const parsed = parseCidrLines(CLOUDFLARE_V4, 'cloudflare-ipv4', 'cloudflare');
    expect(parsed).toEqual({ sets: { 'cloudflare-ipv4': { provider: 'cloudflare', prefixes: expect.any(Array) } } });
    if ('sets' in parsed) expect(parsed.sets['cloudflare-ipv4']!.prefixes.map((p) => p.prefix)).toEqual(['173.245.48.0/20', '103.21.244.0/22', '104.16.0.0/13']);
    expect(parseCidrLines('<html>captive portal</html>', 'cloudflare-ipv4', 'cloudflare')).toEqual({ error: expect.stringMatching(/not a CIDR list/) });
    expect(parseCidrLines('', 'cloudflare-ipv4', 'cloudflare')).toEqual({ error: expect.stringMatching(/no prefixes/) });
  });

  it('Fastly JSON', () => {
    const parsed = parseFastlyList(FASTLY);
    expect('sets' in parsed && parsed.sets.fastly!.prefixes.map((p) => p.prefix)).toEqual(['23.235.32.0/20', '151.101.0.0/16', '2a04:4e40::/32']);
    expect(parseFastlyList('{"nope":1}')).toEqual({ error: expect.stringMatching(/addresses/) });
    expect(parseFastlyList('not json')).toEqual({ error: expect.stringMatching(/^not JSON/) });
  });

  it('AWS: CLOUDFRONT to its own set, the rest to aws with region and the named service', () => {
    const parsed = parseAwsRanges(AWS);
    if (!('sets' in parsed)) throw new Error(parsed.error);
    expect(parsed.sets.cloudfront!.prefixes).toEqual([
      { prefix: '13.32.0.0/15', region: null, service: 'CLOUDFRONT' },
      { prefix: '2600:9000::/28', region: null, service: 'CLOUDFRONT' },
    ]);
    expect(parsed.sets.aws!.prefixes).toEqual([
      { prefix: '3.5.140.0/22', region: 'ap-northeast-2', service: 'S3' },
      { prefix: '52.95.245.0/24', region: 'us-east-1', service: 'EC2' },
    ]);
    expect(parsed.sets.aws!.provider).toBe('aws');
  });

  it('Google goog.json and cloud.json (scope becomes the region)', () => {
    const cloud = parseGoogleRanges(GOOGLE_CLOUD, 'google-cloud');
    expect('sets' in cloud && cloud.sets['google-cloud']!.prefixes).toEqual([
      { prefix: '34.1.208.0/20', region: 'africa-south1', service: 'Google Cloud' },
      { prefix: '2600:1900:8000::/44', region: 'us-central1', service: 'Google Cloud' },
    ]);
    const goog = parseGoogleRanges(GOOG, 'google');
    expect('sets' in goog && goog.sets.google!.prefixes.map((p) => p.prefix)).toEqual(['8.8.4.0/24', '2001:4860::/32']);
  });

  it('Imperva, Bunny (JSON, plain, XML) and Gcore', () => {
    const imperva = parseImpervaRanges(IMPERVA);
    expect('sets' in imperva && imperva.sets.imperva!.prefixes).toHaveLength(3);
    for (const text of ['["89.187.188.227","2400:52e0:1500::1"]', '89.187.188.227\r\n2400:52e0:1500::1\r\n', '<ArrayOfstring><string>89.187.188.227</string><string>2400:52e0:1500::1</string></ArrayOfstring>']) {
      const bunny = parseBunnyList(text, 'bunny');
      expect('sets' in bunny && bunny.sets.bunny!.prefixes.map((p) => p.prefix), text).toEqual(['89.187.188.227/32', '2400:52e0:1500::1/128']);
    }
    const gcore = parseGcoreList('{"addresses":["92.223.84.0/24"],"addresses_v6":["2a03:90c0::/32"]}');
    expect('sets' in gcore && gcore.sets.gcore!.prefixes.map((p) => p.prefix)).toEqual(['92.223.84.0/24', '2a03:90c0::/32']);
  });

  it('every official source is https and named; none is fetched by these tests', () => {
    for (const s of RANGE_SOURCES) expect(s.url).toMatch(/^https:\/\//);
    expect(RANGE_SOURCES.map((s) => s.id)).toEqual(expect.arrayContaining(['cloudflare-ipv4', 'cloudflare-ipv6', 'fastly', 'aws', 'google', 'google-cloud', 'imperva', 'bunny']));
  });
});

describe('fetch failures read as one line', () => {
  it('names the URL and the code, with a hint when offline', () => {
    const offline = Object.assign(new TypeError('fetch failed'), { cause: Object.assign(new Error('getaddrinfo ENOTFOUND www.cloudflare.com'), { code: 'ENOTFOUND' }) });
    // Built by hand: these tests never resolve a real name.
    expect(fetchFailureMessage('https://www.cloudflare.com/ips-v4', offline)).toBe('could not fetch https://www.cloudflare.com/ips-v4: ENOTFOUND (offline?)');
    expect(fetchFailureMessage('https://x/', new DOMException('The operation was aborted due to timeout', 'TimeoutError'))).toBe('could not fetch https://x/: timed out');
  });
});

describe('against loopback servers', () => {
  let server: Server;
  let base = '';
  let refusedBase = '';
  let dir = '';
  const seen: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'outage-probe-ranges-'));
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (req.url === '/ips-v4') res.end(CLOUDFLARE_V4);
        else if (req.url === '/fastly') res.end(FASTLY);
        else if (req.url === '/aws') res.end(AWS);
        else if (req.url === '/imperva') res.end(req.method === 'POST' && body === 'resp_format=json' ? IMPERVA : '{}');
        else if (req.url === '/unavailable') { res.statusCode = 503; res.end('maintenance'); }
        else if (req.url === '/garbage') res.end('<html>captive portal</html>');
        else if (req.url === '/close') req.socket.destroy();
        else { res.statusCode = 404; res.end(); }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // A port that was just freed: connecting to it is refused.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    refusedBase = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const source = (id: string, path: string, from?: string): RangeSource => {
    const official = RANGE_SOURCES.find((s) => s.id === id)!;
    return { ...official, url: `${from ?? base}${path}` };
  };

  it('fetches and parses each source, POSTing the form where the source needs it', async () => {
    const results = await fetchRangeSources([source('cloudflare-ipv4', '/ips-v4'), source('fastly', '/fastly'), source('aws', '/aws'), source('imperva', '/imperva')]);
    expect(results.map((r) => r.ok)).toEqual([true, true, true, true]);
    expect(seen).toContain('POST /imperva');
    const aws = results[2]!;
    expect(aws.ok && Object.keys(aws.sets)).toEqual(['cloudfront', 'aws']);
  });

  it('reports refused, closed, non-2xx and unparsable sources by URL', async () => {
    const results = await fetchRangeSources([
      source('fastly', '/fastly', refusedBase),
      source('fastly', '/close'),
      source('fastly', '/unavailable'),
      source('cloudflare-ipv4', '/garbage'),
    ], { timeoutMs: 5000 });
    const errors = results.map((r) => (r.ok ? 'ok' : r.error));
    expect(errors[0]).toBe(`could not fetch ${refusedBase}/fastly: ECONNREFUSED`);
    expect(errors[1]).toMatch(new RegExp(`^could not fetch ${base}/close: (UND_ERR_SOCKET|ECONNRESET)`));
    expect(errors[2]).toBe(`could not fetch ${base}/unavailable: HTTP 503`);
    expect(errors[3]).toMatch(new RegExp(`^could not read ${base}/garbage: not a CIDR list`));
  });

  it('writes the cache atomically and keeps previous data for sources that failed', async () => {
    const cacheFile = join(dir, 'keep', 'ranges.json');
    const first = await updateRanges({ cacheFile, sources: [source('fastly', '/fastly'), source('cloudflare-ipv4', '/ips-v4')], now: () => new Date('2026-11-01T00:00:00Z') });
    expect(first.written?.sets.fastly?.prefixes).toHaveLength(3);
    const second = await updateRanges({ cacheFile, sources: [source('fastly', '/unavailable'), source('cloudflare-ipv4', '/ips-v4')], now: () => new Date('2026-11-02T00:00:00Z') });
    expect(second.results[0]!.ok).toBe(false);
    const cache = JSON.parse(readFileSync(cacheFile, 'utf8'));
    expect(cache.takenAt).toBe('2026-11-02T00:00:00.000Z');
    expect(cache.sets.fastly.takenAt).toBe('2026-11-01T00:00:00.000Z');
    expect(cache.sets.fastly.prefixes).toHaveLength(3);
    expect(cache.sets['cloudflare-ipv4'].takenAt).toBe('2026-11-02T00:00:00.000Z');
    expect(cache.sets['cloudflare-ipv4'].source).toBe(`${base}/ips-v4`);
    expect(readdirSync(join(dir, 'keep'))).toEqual(['ranges.json']); // no temp file left behind
  });

  it('writes nothing when every source failed', async () => {
    const cacheFile = join(dir, 'none', 'ranges.json');
    const result = await updateRanges({ cacheFile, sources: [source('fastly', '/fastly', refusedBase), source('cloudflare-ipv4', '/close')] });
    expect(result.written).toBeNull();
    expect(() => readFileSync(cacheFile)).toThrow();
  });
});

describe('loading snapshot and cache', () => {
  it('defaults the cache under XDG_CACHE_HOME, else ~/.cache', () => {
    expect(defaultCacheFile({ XDG_CACHE_HOME: '/var/cache/me', HOME: '/home/me' })).toBe('/var/cache/me/outage-probe/ranges.json');
    expect(defaultCacheFile({ HOME: '/home/me' })).toBe('/home/me/.cache/outage-probe/ranges.json');
  });

  it('overlays cache sets that are newer than the snapshot, set by set', () => {
    const cache = {
      takenAt: '2026-11-02T00:00:00.000Z',
      sets: {
        fastly: { provider: 'fastly', source: 'x', takenAt: '2026-11-02T00:00:00.000Z', prefixes: [{ prefix: '198.51.100.0/24', region: null, service: null }] },
        imperva: { provider: 'imperva', source: 'x', takenAt: '2025-01-01', prefixes: [] },
        aws: { provider: 'aws', source: 'x', takenAt: '2026-11-02T00:00:00.000Z', prefixes: [{ prefix: '3.5.140.0/22', region: 'ap-northeast-2', service: 'S3' }] },
      },
    };
    const { sets, fromCache } = mergeRanges(SNAPSHOT, cache);
    expect(fromCache.sort()).toEqual(['aws', 'fastly']);
    expect(sets.imperva!.prefixes).toHaveLength(12); // the snapshot's copy is newer
    const index = buildRangeIndex(sets);
    expect(index.lookup('198.51.100.7')?.provider).toBe('fastly');
    expect(index.lookup('151.101.1.1')).toBeNull(); // replaced, not added to
    expect(index.lookup('3.5.141.1')).toMatchObject({ provider: 'aws', region: 'ap-northeast-2', service: 'S3' });
  });

  it('loadRanges reads the cache file, and ignores a broken one with a reason', () => {
    const dir = mkdtempSync(join(tmpdir(), 'outage-probe-load-'));
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ takenAt: '2026-11-02T00:00:00.000Z', sets: { fastly: { provider: 'fastly', source: 'x', takenAt: '2026-11-02T00:00:00.000Z', prefixes: [{ prefix: '198.51.100.0/24' }] } } }));
    const loaded = loadRanges({ cacheFile: good });
    expect(loaded.cacheTakenAt).toBe('2026-11-02T00:00:00.000Z');
    expect(loaded.sets.fastly!.prefixes).toEqual([{ prefix: '198.51.100.0/24', region: null, service: null }]);
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"takenAt": 5');
    const fallback = loadRanges({ cacheFile: bad });
    expect(fallback.cacheTakenAt).toBeNull();
    expect(fallback.cacheProblem).toMatch(/not JSON/);
    expect(fallback.sets.fastly!.prefixes).toHaveLength(21);
    expect(loadRanges({ cacheFile: join(dir, 'missing.json') }).cacheProblem).toBeNull();
    expect(parseRangeCache('{"takenAt":"x","sets":{"a":{"provider":"p"}}}')).toEqual({ problem: expect.stringMatching(/set "a"/) });
  });
});
