import { describe, it, expect } from 'vitest';
import { BUILTIN_PROVIDERS } from '../../src/fingerprint/catalog/index.js';
import { matchAddress, matchCname, matchErrorRule, matchHeaders, isChallengePage } from '../../src/fingerprint/match.js';
import { buildRangeIndex } from '../../src/fingerprint/ranges/trie.js';
import { mergeProviders, userRangeSets, validateUserProvider } from '../../src/fingerprint/user-providers.js';
import { loadCatalog } from '../../src/fingerprint/index.js';

const corpWaf = {
  name: 'Corp WAF',
  headers: [{ header: 'X-Corp-WAF' }, { header: 'server', pattern: '^corpwaf/', weight: 'strong' }],
  body: ['Request blocked by Corp WAF'],
  cname: ['*.waf.corp.example'],
  ranges: ['10.1.0.0/16', '2001:db8:1::/48'],
  errors: [{ status: [503], bodyAny: ['upstream unavailable'], layer: 'origin', says: 'Corp WAF: the app behind it is down' }],
};

describe('validateUserProvider', () => {
  it('accepts a full new provider and a bare extension', () => {
    expect(validateUserProvider(corpWaf)).toEqual([]);
    expect(validateUserProvider({ extends: 'cloudflare', ranges: ['203.0.113.0/24'] })).toEqual([]);
    expect(validateUserProvider({ name: 'Cloudflare', cname: ['cdn.example.net'] })).toEqual([]);
  });

  it('lists each problem with a path', () => {
    const problems = validateUserProvider({
      name: 'Lab',
      id: 'Bad Id',
      colour: 'red',
      headers: [{ header: 'x-lab', pattern: '([unclosed' }, { pattern: 'x' }, { header: 'x', weight: 'medium' }],
      body: [''],
      cname: ['not a host!'],
      ranges: ['10.0.0.0/33', 'lab'],
      errors: [{ status: 700, layer: 'somewhere' }, { layer: 'edge' }, { bodyPattern: '(', layer: 'site' }],
      roles: ['cdn'],
    });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^colour: unknown key/),
        expect.stringMatching(/^id: /),
        expect.stringMatching(/^headers\[0\]\.pattern: not a valid regular expression/),
        'headers[1].header: expected a header name',
        'headers[2].weight: expected strong or weak',
        'body[0]: expected a non-empty string',
        'cname[0]: not a host name suffix',
        expect.stringMatching(/^ranges\[0\]: not an IP prefix/),
        expect.stringMatching(/^ranges\[1\]: not an IP prefix/),
        expect.stringMatching(/^errors\[0\]\.layer: expected one of edge, challenge, origin, site/),
        expect.stringMatching(/^errors\[0\]\.status: /),
        expect.stringMatching(/^errors\[1\]: a rule needs at least one condition/),
        expect.stringMatching(/^errors\[2\]\.bodyPattern: not a valid regular expression/),
        expect.stringMatching(/^roles\[0\]: expected one of/),
      ]),
    );
  });

  it('requires a name unless extending, and a known built-in to extend', () => {
    expect(validateUserProvider({ headers: [{ header: 'x' }] })).toEqual([expect.stringMatching(/^name: required/)]);
    expect(validateUserProvider({ extends: 'cloudflair' })).toEqual([expect.stringMatching(/^extends: "cloudflair" is not a built-in provider/)]);
    expect(validateUserProvider('cloudflare')).toEqual([expect.stringMatching(/^expected a mapping/)]);
  });
});

describe('mergeProviders', () => {
  const merged = mergeProviders(BUILTIN_PROVIDERS, [corpWaf, { extends: 'cloudflare', ranges: ['203.0.113.0/24'], errors: [{ status: [418], layer: 'edge', says: 'teapot' }] }]);

  it('adds a new provider after the built-ins, with its matchers and inferred roles', () => {
    const waf = merged[merged.length - 1]!;
    expect(waf).toMatchObject({ id: 'corp-waf', name: 'Corp WAF', roles: ['edge', 'challenge'], rangeSets: ['user:corp-waf'], cnameSuffixes: ['waf.corp.example'] });
    expect(waf.headers[0]).toEqual({ header: 'x-corp-waf', weight: 'strong' });
    expect(matchHeaders({ 'x-corp-waf': '1' }, merged).map((m) => m.provider)).toEqual(['corp-waf']);
    expect(matchCname(['app.waf.corp.example'], merged).map((m) => m.provider)).toEqual(['corp-waf']);
    expect(matchErrorRule(waf, 503, {}, 'upstream unavailable')?.says).toBe('Corp WAF: the app behind it is down');
    expect(isChallengePage({ headers: { server: 'corpwaf/2' }, body: 'Request blocked by Corp WAF' }, waf)).toBe(true);
  });

  it('extends a built-in without changing the original, user rules first', () => {
    const cf = merged.find((p) => p.id === 'cloudflare')!;
    const original = BUILTIN_PROVIDERS.find((p) => p.id === 'cloudflare')!;
    expect(cf.rangeSets).toEqual(['cloudflare-ipv4', 'cloudflare-ipv6', 'user:cloudflare']);
    expect(cf.errors[0]!.says).toBe('teapot');
    expect(cf.errors.length).toBe(original.errors.length + 1);
    expect(original.rangeSets).toEqual(['cloudflare-ipv4', 'cloudflare-ipv6']);
    expect(merged.filter((p) => p.id === 'cloudflare')).toHaveLength(1);
  });

  it('skips entries with problems', () => {
    const withBad = mergeProviders(BUILTIN_PROVIDERS, [{ name: 'Broken', headers: [{ header: 'x', pattern: '(' }] }]);
    expect(withBad).toHaveLength(BUILTIN_PROVIDERS.length);
  });
});

describe('userRangeSets and loadCatalog', () => {
  it('makes one set per entry that lookups credit to the user provider', () => {
    const sets = userRangeSets([corpWaf, { extends: 'cloudflare', ranges: ['203.0.113.0/24'] }]);
    expect(Object.keys(sets)).toEqual(['user:corp-waf', 'user:cloudflare']);
    expect(sets['user:corp-waf']).toMatchObject({ provider: 'corp-waf', source: 'probes.yaml' });
    const index = buildRangeIndex(sets);
    const merged = mergeProviders(BUILTIN_PROVIDERS, [corpWaf]);
    expect(matchAddress('10.1.2.3', index, merged)[0]!.evidence[0]!.detail).toBe('address 10.1.2.3 in 10.1.0.0/16');
    expect(index.lookup('2001:db8:1::5')?.provider).toBe('corp-waf');
    expect(index.lookup('203.0.113.9')?.provider).toBe('cloudflare');
  });

  it('loadCatalog joins built-in and user providers and ranges', () => {
    const catalog = loadCatalog([corpWaf], { cacheFile: '/nonexistent/outage-probe/ranges.json' });
    expect(catalog.providers.map((p) => p.id)).toContain('corp-waf');
    expect(catalog.ranges.lookup('10.1.0.1')?.provider).toBe('corp-waf');
    expect(catalog.ranges.lookup('104.16.0.1')?.provider).toBe('cloudflare');
  });
});
