// Where each attempt was served: PoP headers, self-test lines, cloud regions from names and ranges,
// validation of codes that came off the network, and remembered locations across runs.

import { describe, expect, it } from 'vitest';
import { applyRememberedLocation, attemptLocation, locateAttempts, regionFromHostName, validLocationCode } from '../../src/classify/location.js';
import { formatAge, isRememberedLocation, rememberLocations, type RememberedLocations } from '../../src/state/locations.js';
import { BUILTIN_PROVIDERS } from '../../src/fingerprint/index.js';
import { buildRangeIndex } from '../../src/fingerprint/ranges/trie.js';
import type { Attempt } from '../../src/model.js';
import { attempt, dnsAnswer } from '../support/records.js';

const providers = BUILTIN_PROVIDERS;
const ranges = buildRangeIndex({
  'aws-test': {
    provider: 'aws',
    source: 'test',
    takenAt: '2026-11-01',
    prefixes: [
      { prefix: '127.0.40.0/24', region: 'us-east-1', service: 'EC2' },
      { prefix: '127.0.41.0/24', region: 'eu-west-1', service: 'EC2' },
      { prefix: '127.0.42.0/24', region: 'GLOBAL', service: 'CLOUDFRONT' },
      { prefix: '127.0.43.0/24', region: 'us east 1; rm -rf', service: 'EC2' },
    ],
  },
});

const answered = (headers: Record<string, string>, overrides: Partial<Attempt> = {}) => attempt({ httpStatus: 200, headers, ...overrides });
const locate = (a: Attempt, names: string[] = []) => attemptLocation(a, providers, ranges, names);

describe('PoP from the provider headers', () => {
  it('reads the Cloudflare colo from the cf-ray suffix', () => {
    expect(locate(answered({ 'cf-ray': '8fcb3f8a0cc56750-FRA', server: 'cloudflare' }))).toEqual({
      provider: 'Cloudflare',
      code: 'FRA',
      kind: 'pop',
      evidence: 'header cf-ray: 8fcb3f8a0cc56750-FRA',
    });
  });

  it('names a CloudFront PoP by its airport code and keeps the full x-amz-cf-pop in the evidence', () => {
    const loc = locate(answered({ 'x-amz-cf-pop': 'FRA56-P1', 'x-amz-cf-id': 'abc==' }));
    expect(loc).toMatchObject({ provider: 'Amazon CloudFront', code: 'FRA', kind: 'pop' });
    expect(loc!.evidence).toContain('FRA56-P1');
  });

  it('takes the last cache of a Fastly x-served-by list: the edge the client hit, not the shield', () => {
    expect(locate(answered({ 'x-served-by': 'cache-lcy19240-LCY, cache-fra-eddf8230123-FRA', 'x-fastly-request-id': 'x' }))?.code).toBe('FRA');
    expect(locate(answered({ 'x-served-by': 'cache-sea4461-SEA', 'x-fastly-request-id': 'x' }))?.code).toBe('SEA');
  });

  it('reads Bunny from its server header and Vercel from x-vercel-id', () => {
    expect(locate(answered({ server: 'BunnyCDN-DE1-123' }))).toMatchObject({ provider: 'Bunny CDN', code: 'DE1', kind: 'pop' });
    expect(locate(answered({ 'x-vercel-id': 'hnd1::fs8k9-1679151302268-044a719e1f27', server: 'Vercel' }))).toMatchObject({ provider: 'Vercel', code: 'hnd1' });
  });

  it('prefers the location of the provider the attempt is attributed to, else the outermost', () => {
    const stacked = { 'cf-ray': '8fcb3f8a0cc56750-AMS', server: 'cloudflare', 'x-vercel-id': 'fra1::iad1::abc-123' };
    expect(locate(answered(stacked))?.code).toBe('AMS');
    expect(locate(answered(stacked, { provider: 'Vercel', outcome: 'http-error', httpStatus: 500 }))).toMatchObject({ provider: 'Vercel', code: 'fra1' });
  });

  it("reads Cloudflare's self-test colo= line when the failing answer carried no header", () => {
    const failed = attempt({
      httpStatus: null,
      headers: {},
      outcome: 'timeout',
      selfTest: { url: 'https://shop.test/cdn-cgi/trace', ok: true, httpStatus: 200, location: 'colo=ZRH', error: null },
    });
    expect(locate(failed)).toMatchObject({ provider: 'Cloudflare', code: 'ZRH', kind: 'pop', evidence: 'self-test /cdn-cgi/trace: colo=ZRH' });
  });

  it('ignores headers of a provider that is not in the catalog in use', () => {
    const onlyFastly = providers.filter((p) => p.id === 'fastly');
    expect(attemptLocation(answered({ 'cf-ray': '8fcb3f8a0cc56750-FRA' }), onlyFastly, null)).toBeNull();
  });
});

describe('location codes are validated before use', () => {
  it('accepts letters, digits and dashes up to 16 characters, nothing else', () => {
    for (const ok of ['FRA', 'us-east-1', 'hnd1', '11005', 'a'.repeat(16)]) expect(validLocationCode(ok), ok).toBe(true);
    for (const bad of ['', 'a'.repeat(17), 'FRA;rm', 'FRA\u001b[31m', 'ça', 'FR A', 'FRA\n', '<b>']) expect(validLocationCode(bad), JSON.stringify(bad)).toBe(false);
  });

  it('drops malformed markers instead of cleaning them up', () => {
    expect(locate(answered({ 'cf-ray': '8fcb3f8a0cc56750-FRANKFURT' }))).toBeNull();
    expect(locate(answered({ 'cf-ray': '8fcb3f8a0cc56750-F\u001b[2JRA' }))).toBeNull();
    expect(locate(answered({ 'x-vercel-id': '<script>::x' }))).toBeNull();
    expect(locate(answered({ server: 'BunnyCDN-DE1;DROP-123' }))).toBeNull();
    const badSelfTest = attempt({ httpStatus: null, selfTest: { url: 'https://shop.test/cdn-cgi/trace', ok: true, httpStatus: 200, location: 'colo=\u001b]0;pwned\u0007', error: null } });
    expect(locate(badSelfTest)).toBeNull();
  });

  it('drops a range region that is not a clean code, and the worldwide GLOBAL marker', () => {
    expect(locate(attempt({ address: '127.0.43.9', url: 'https://shop.test/' }))).toBeNull();
    expect(locate(attempt({ address: '127.0.42.9', url: 'https://shop.test/' }))).toBeNull();
  });
});

describe('cloud regions', () => {
  it('reads AWS regions from its host names', () => {
    const cases: Array<[string, string]> = [
      ['dynamodb.us-east-1.amazonaws.com', 'us-east-1'],
      ['my-alb-123456.eu-west-1.elb.amazonaws.com', 'eu-west-1'],
      ['dualstack.my-alb-1.ap-southeast-2.elb.amazonaws.com', 'ap-southeast-2'],
      ['abc123.execute-api.us-west-2.amazonaws.com', 'us-west-2'],
      ['bucket.s3-website-us-east-1.amazonaws.com', 'us-east-1'],
      ['bucket.s3-website.eu-central-1.amazonaws.com', 'eu-central-1'],
      ['ec2-1-2-3-4.compute-1.amazonaws.com', 'us-east-1'],
      ['xyz.lambda-url.eu-north-1.on.aws', 'eu-north-1'],
      ['env.us-gov-west-1.elasticbeanstalk.com', 'us-gov-west-1'],
    ];
    for (const [host, region] of cases) expect(regionFromHostName(host), host).toMatchObject({ provider: 'AWS', region });
  });

  it('reads Google and Azure regions, and nothing from global names', () => {
    expect(regionFromHostName('us-central1-myproj.cloudfunctions.net')).toMatchObject({ provider: 'Google', region: 'us-central1' });
    expect(regionFromHostName('svc-123.europe-west1.run.app')).toMatchObject({ provider: 'Google', region: 'europe-west1' });
    expect(regionFromHostName('vm1.westeurope.cloudapp.azure.com')).toMatchObject({ provider: 'Azure', region: 'westeurope' });
    for (const host of ['s3.amazonaws.com', 'svc-abc-uc.a.run.app', 'storage.googleapis.com', 'shop.us-east-1.example.com', 'www.example.com']) {
      expect(regionFromHostName(host), host).toBeNull();
    }
  });

  it('a name only spelled like a cloud domain names no region; a cloud name in any case or with its root dot does', () => {
    for (const host of ['dynamodb.us-east-1.notamazonaws.com', 'us-east-1amazonaws.com', 'amazonaws.com', 'svc.europe-west1.xrun.app', 'vm1.westeurope.cloudapp.azure.com.evil.example']) {
      expect(regionFromHostName(host), host).toBeNull();
    }
    expect(regionFromHostName('DynamoDB.US-East-1.AmazonAWS.com.')).toMatchObject({ provider: 'AWS', region: 'us-east-1', evidence: 'host dynamodb.us-east-1.amazonaws.com' });
  });

  it('locates an attempt by its URL host, then its CNAME chain, then the range of its address', () => {
    expect(locate(attempt({ url: 'https://dynamodb.us-east-1.amazonaws.com/', address: '127.0.41.5', httpStatus: 403, headers: {} }))).toMatchObject({
      provider: 'AWS',
      code: 'us-east-1',
      kind: 'region',
    });
    const viaCname = locate(attempt({ url: 'https://shop.test/', address: '127.9.9.9', headers: { server: 'awselb/2.0' } }), ['shop-lb-1.eu-west-1.elb.amazonaws.com']);
    expect(viaCname).toMatchObject({ code: 'eu-west-1', kind: 'region' });
    expect(viaCname!.evidence).toContain('shop-lb-1.eu-west-1.elb.amazonaws.com');
    const viaRange = locate(attempt({ url: 'https://shop.test/', address: '127.0.40.7', headers: { server: 'awselb/2.0' } }));
    expect(viaRange).toMatchObject({ provider: 'AWS', code: 'us-east-1', kind: 'region' });
    expect(viaRange!.evidence).toBe('address 127.0.40.7 in 127.0.40.0/24 (us-east-1, EC2)');
  });

  it('prefers a PoP header over a region', () => {
    expect(locate(answered({ 'x-amz-cf-pop': 'IAD89-C3' }, { address: '127.0.40.7' }))?.code).toBe('IAD');
  });
});

describe('an attempt the run never made', () => {
  it('has no location, not even the region its host name names (it was served nowhere)', () => {
    const url = 'https://dynamodb.us-east-1.amazonaws.com/';
    const notSent = attempt({ url, address: null, httpStatus: null, outcome: 'dns-error', error: { code: 'NOT_PROBED', message: 'not started: the run deadline came first' } });
    const failed = attempt({ url, address: '127.0.10.1', httpStatus: null, outcome: 'connect-error', error: { code: 'ECONNREFUSED', message: 'refused' } });
    const located = locateAttempts([notSent, failed], [], { providers, ranges });
    expect(located[0]!.location).toBeNull();
    // A failed attempt that was made keeps what its host name says.
    expect(located[1]!.location).toMatchObject({ provider: 'AWS', code: 'us-east-1', kind: 'region' });
  });
});

describe('remembered locations (--state)', () => {
  const seenAt = '2026-11-22T00:00:00.000Z';
  const fra = { provider: 'Cloudflare', code: 'FRA', kind: 'pop' as const, evidence: 'header cf-ray: 8fcb3f8a0cc56750-FRA' };

  it('remembers first-hand edge locations by address, keeps older entries, and never re-remembers a remembered one', () => {
    const prev: RememberedLocations = { '127.0.10.9': { location: { ...fra, code: 'AMS' }, seenAt: '2026-11-21T00:00:00.000Z' } };
    const attempts = [
      attempt({ address: '127.0.10.1', location: fra, startedAt: seenAt }),
      attempt({ address: '127.0.10.2', location: null }),
      attempt({ address: '127.0.10.3', location: fra, path: 'origin' }),
      attempt({ address: '127.0.10.9', location: { ...fra, code: 'ZRH', evidence: 'remembered from 2026-11-20T00:00:00.000Z, 1d0h ago (x)' }, startedAt: seenAt }),
    ];
    const next = rememberLocations(prev, attempts, { now: new Date('2026-11-22T01:00:00Z') });
    expect(Object.keys(next).sort()).toEqual(['127.0.10.1', '127.0.10.9']);
    expect(next['127.0.10.1']).toEqual({ location: fra, seenAt });
    expect(next['127.0.10.9']!.location.code).toBe('AMS');
    expect(next['127.0.10.9']!.seenAt).toBe('2026-11-21T00:00:00.000Z');
  });

  it('drops remembered entries that are malformed, carry a bad code, or are too old', () => {
    const prev = {
      '127.0.0.1': { location: { ...fra, code: 'FRA\u001b[31m' }, seenAt },
      '127.0.0.2': { location: fra, seenAt: 'yesterday-ish' },
      '127.0.0.3': { location: fra, seenAt: '2026-01-01T00:00:00.000Z' },
      '127.0.0.4': 'garbage',
      '127.0.0.5': { location: fra, seenAt },
    } as unknown as RememberedLocations;
    expect(Object.keys(rememberLocations(prev, [], { now: new Date('2026-11-22T01:00:00Z') }))).toEqual(['127.0.0.5']);
  });

  it('keeps only the newest maxEntries addresses', () => {
    const attempts = [1, 2, 3].map((n) => attempt({ address: `127.0.10.${n}`, location: fra, startedAt: `2026-11-22T0${n}:00:00.000Z` }));
    expect(Object.keys(rememberLocations({}, attempts, { now: new Date('2026-11-22T05:00:00Z'), maxEntries: 2 })).sort()).toEqual(['127.0.10.2', '127.0.10.3']);
  });

  it('fills a missing location from memory, marked remembered with its age', () => {
    const failed = attempt({ address: '127.0.10.1', httpStatus: null, outcome: 'connect-error', location: null });
    const filled = applyRememberedLocation(failed, { '127.0.10.1': { location: fra, seenAt } }, new Date('2026-11-22T02:00:00Z'));
    expect(filled.location).toMatchObject({ provider: 'Cloudflare', code: 'FRA', kind: 'pop' });
    expect(filled.location!.evidence).toBe(`remembered from ${seenAt}, 2h00m ago (header cf-ray: 8fcb3f8a0cc56750-FRA)`);
    expect(isRememberedLocation(filled.location)).toBe(true);
    expect(isRememberedLocation(fra)).toBe(false);
  });

  it('never overrides a first-hand location, and leaves origin paths, unknown addresses and stale memories alone', () => {
    const memory: RememberedLocations = { '127.0.10.1': { location: fra, seenAt } };
    const now = new Date('2026-11-22T02:00:00Z');
    const own = attempt({ address: '127.0.10.1', location: { ...fra, code: 'AMS' } });
    expect(applyRememberedLocation(own, memory, now).location!.code).toBe('AMS');
    expect(applyRememberedLocation(attempt({ address: '127.0.10.1', path: 'origin' }), memory, now).location).toBeNull();
    expect(applyRememberedLocation(attempt({ address: '127.0.10.2' }), memory, now).location).toBeNull();
    expect(applyRememberedLocation(attempt({ address: '127.0.10.1' }), memory, new Date('2026-12-22T00:00:00Z')).location).toBeNull();
  });

  it('formats ages briefly', () => {
    expect([45_000, 12 * 60_000, 3 * 3_600_000 + 5 * 60_000, 50 * 3_600_000].map(formatAge)).toEqual(['45s', '12m', '3h05m', '2d2h']);
  });

  it('locates a site in one step: own evidence first, then memory', () => {
    const attempts = [
      answered({ 'cf-ray': '8fcb3f8a0cc56750-ZRH', server: 'cloudflare' }, { address: '127.0.10.2' }),
      attempt({ address: '127.0.10.1', httpStatus: null, outcome: 'connect-error' }),
    ];
    const dns = [dnsAnswer({ cnameChain: ['shop.test.cdn.cloudflare.net'] })];
    const located = locateAttempts(attempts, dns, { providers, ranges }, { '127.0.10.1': { location: fra, seenAt } }, new Date('2026-11-22T00:10:00Z'));
    expect(located.map((a) => a.location?.code)).toEqual(['ZRH', 'FRA']);
    expect(isRememberedLocation(located[1]!.location)).toBe(true);
  });
});
