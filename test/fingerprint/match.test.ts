import { describe, it, expect } from 'vitest';
import { BUILTIN_PROVIDERS } from '../../src/fingerprint/catalog/index.js';
import { decodeEntities, hostMatchesSuffix, isHostingMatch, matchAddress, matchCname, matchHeaders, matchNs } from '../../src/fingerprint/match.js';
import { buildRangeIndex } from '../../src/fingerprint/ranges/trie.js';
import { SNAPSHOT } from '../../src/fingerprint/ranges/load.js';

const ids = (matches: { provider: string }[]) => matches.map((m) => m.provider);

describe('decodeEntities', () => {
  it('decodes numeric, hex and named references', () => {
    expect(decodeEntities('Reference&#32;&#35;18&#46;73cfdb17')).toBe('Reference #18.73cfdb17');
    expect(decodeEntities('http&#58;&#x2F;&#X2f;a &amp; b &quot;c&quot; &lt;d&gt; &apos;e&apos; That&rsquo;s')).toBe('http://a & b "c" <d> \'e\' That’s');
  });

  it('decodes once, and leaves unknown or invalid references alone', () => {
    expect(decodeEntities('&amp;#32;')).toBe('&#32;');
    expect(decodeEntities('&bogus; &#0; &#xD800; &#9999999; & alone')).toBe('&bogus; &#0; &#xD800; &#9999999; & alone');
  });
});

describe('matchHeaders', () => {
  it('one strong header is enough, with evidence naming header and value', () => {
    const [m] = matchHeaders({ 'cf-ray': '8fcb3f8a0cc56750-ATL' }, BUILTIN_PROVIDERS);
    expect(m).toEqual({ provider: 'cloudflare', evidence: [{ kind: 'header', detail: 'header cf-ray: 8fcb3f8a0cc56750-ATL' }] });
  });

  it('header names are case-insensitive', () => {
    expect(ids(matchHeaders({ 'CF-Ray': '8fcb3f8a0cc56750-ATL', Server: 'cloudflare' }, BUILTIN_PROVIDERS))).toEqual(['cloudflare']);
  });

  it('one weak header is not enough; two different weak ones of one provider are', () => {
    expect(matchHeaders({ 'x-served-by': 'cache-sea4461-SEA' }, BUILTIN_PROVIDERS)).toEqual([]);
    expect(matchHeaders({ via: '1.1 google' }, BUILTIN_PROVIDERS)).toEqual([]);
    expect(matchHeaders({ 'x-cache': 'TCP_HIT' }, BUILTIN_PROVIDERS)).toEqual([]);
    const fastly = matchHeaders({ 'x-served-by': 'cache-sea4461-SEA', 'x-cache': 'MISS' }, BUILTIN_PROVIDERS);
    expect(ids(fastly)).toEqual(['fastly']);
    expect(fastly[0]!.evidence.map((e) => e.detail)).toEqual(['header x-served-by: cache-sea4461-SEA', 'header x-cache: MISS']);
    expect(ids(matchHeaders({ via: '1.1 google', 'x-cloud-trace-context': '105445aa7843bc8bf206b120001000/1;o=1' }, BUILTIN_PROVIDERS))).toEqual(['google']);
  });

  it('a pattern must match the value', () => {
    expect(matchHeaders({ server: 'nginx' }, BUILTIN_PROVIDERS)).toEqual([]);
    expect(ids(matchHeaders({ server: 'cloudflare-nginx' }, BUILTIN_PROVIDERS))).toEqual(['cloudflare']);
    expect(ids(matchHeaders({ server: 'AkamaiGHost' }, BUILTIN_PROVIDERS))).toEqual(['akamai']);
  });

  it('a CSP header that names cdnjs.cloudflare.com does not make a Cloudflare match', () => {
    expect(matchHeaders({ 'content-security-policy': "script-src https://cdnjs.cloudflare.com", server: 'nginx' }, BUILTIN_PROVIDERS)).toEqual([]);
  });

  it('stacks list the outer edge before the platform behind it', () => {
    const stacked = matchHeaders({ server: 'cloudflare', 'cf-ray': '1-ATL', 'x-vercel-id': 'iad1::abc', 'x-vercel-cache': 'MISS' }, BUILTIN_PROVIDERS);
    expect(ids(stacked)).toEqual(['cloudflare', 'vercel']);
    const pages = matchHeaders({ server: 'GitHub.com', 'x-served-by': 'cache-fra-eddf8230066-FRA', 'x-cache': 'HIT', via: '1.1 varnish' }, BUILTIN_PROVIDERS);
    expect(ids(pages)).toEqual(['fastly', 'github-pages']);
  });

  it('CloudFront, Azure Front Door, Akamai each identified by their headers', () => {
    expect(ids(matchHeaders({ via: '1.1 8f22423015641505b8c857a37450d6c0.cloudfront.net (CloudFront)' }, BUILTIN_PROVIDERS))).toEqual(['cloudfront']);
    expect(ids(matchHeaders({ 'x-azure-ref': '0aB1cDe', 'x-cache': 'TCP_MISS' }, BUILTIN_PROVIDERS))).toEqual(['azure-front-door']);
    expect(ids(matchHeaders({ 'server-timing': 'cdn-cache; desc=HIT, edge; dur=1, ak_p; desc="1700000000_0_1_2";dur=1' }, BUILTIN_PROVIDERS))).toEqual(['akamai']);
  });
});

describe('matchCname and matchNs', () => {
  it('matches CNAME targets by suffix on label boundaries', () => {
    const [m] = matchCname(['shop.example.com.cdn.cloudflare.net.'], BUILTIN_PROVIDERS);
    expect(m).toEqual({ provider: 'cloudflare', evidence: [{ kind: 'cname', detail: 'CNAME shop.example.com.cdn.cloudflare.net' }] });
    expect(ids(matchCname(['www.example.com.edgekey.net', 'e1234.a.akamaiedge.net'], BUILTIN_PROVIDERS))).toEqual(['akamai']);
    expect(ids(matchCname(['d111111abcdef8.cloudfront.net'], BUILTIN_PROVIDERS))).toEqual(['cloudfront']);
    expect(ids(matchCname(['abc123.execute-api.eu-west-1.amazonaws.com'], BUILTIN_PROVIDERS))).toEqual(['aws']);
    expect(matchCname(['notcloudfront.net', 'evilfastly.net'], BUILTIN_PROVIDERS)).toEqual([]);
  });

  it('matches NS hosts of the DNS providers, including Route 53 label patterns', () => {
    expect(matchNs(['kate.ns.cloudflare.com', 'rob.ns.cloudflare.com'], BUILTIN_PROVIDERS)[0]!.evidence.map((e) => e.detail)).toEqual([
      'NS kate.ns.cloudflare.com',
      'NS rob.ns.cloudflare.com',
    ]);
    const table: Array<[string, string]> = [
      ['ns-1234.awsdns-12.co.uk', 'aws'],
      ['ns-99.awsdns-05.com.', 'aws'],
      ['ns1-07.azure-dns.com', 'azure'],
      ['ns-cloud-a1.googledomains.com', 'google'],
      ['a1-64.akam.net', 'akamai'],
      ['dns1.p01.nsone.net', 'ns1'],
      ['ns1.p16.dynect.net', 'dyn'],
      ['pdns1.ultradns.net', 'ultradns'],
      ['ns51.domaincontrol.com', 'godaddy'],
      ['ns2.vercel-dns.com', 'vercel'],
      ['ns1.digitalocean.com', 'digitalocean'],
    ];
    for (const [host, provider] of table) expect(ids(matchNs([host], BUILTIN_PROVIDERS)), host).toEqual([provider]);
    expect(matchNs(['ns1.example.net', 'awsdns-1.example.com'], BUILTIN_PROVIDERS)).toEqual([]);
  });

  it('hostMatchesSuffix: wildcards cover one label; prefix labels end in *', () => {
    expect(hostMatchesSuffix('a.b.example.com', 'example.com')).toBe(true);
    expect(hostMatchesSuffix('example.com', '*.example.com')).toBe(true);
    expect(hostMatchesSuffix('badexample.com', 'example.com')).toBe(false);
    expect(hostMatchesSuffix('x.execute-api.us-east-1.amazonaws.com', 'execute-api.*.amazonaws.com')).toBe(true);
    expect(hostMatchesSuffix('x.execute-api.amazonaws.com', 'execute-api.*.amazonaws.com')).toBe(false);
  });
});

describe('matchAddress', () => {
  const index = buildRangeIndex(SNAPSHOT.sets);

  it('names the provider and the prefix from the shipped snapshot', () => {
    expect(matchAddress('104.16.1.1', index, BUILTIN_PROVIDERS)).toEqual([
      { provider: 'cloudflare', evidence: [{ kind: 'address', detail: 'address 104.16.1.1 in 104.16.0.0/13' }], rangeSet: 'cloudflare-ipv4' },
    ]);
    expect(ids(matchAddress('151.101.1.69', index, BUILTIN_PROVIDERS))).toEqual(['fastly']);
    expect(ids(matchAddress('2a04:4e42::1', index, BUILTIN_PROVIDERS))).toEqual(['fastly']);
    expect(ids(matchAddress('45.60.1.1', index, BUILTIN_PROVIDERS))).toEqual(['imperva']);
    expect(ids(matchAddress('192.124.249.0', index, BUILTIN_PROVIDERS))).toEqual([]); // not in the published Sucuri list
    expect(ids(matchAddress('76.76.21.21', index, BUILTIN_PROVIDERS))).toEqual(['vercel']);
    expect(ids(matchAddress('185.199.110.153', index, BUILTIN_PROVIDERS))).toEqual(['github-pages']);
  });

  it("reads the published files of AWS, CloudFront, Google, Azure Front Door and Akamai's documented blocks", () => {
    expect(matchAddress('15.181.232.9', index, BUILTIN_PROVIDERS)).toEqual([
      { provider: 'aws', evidence: [{ kind: 'address', detail: 'address 15.181.232.9 in 15.181.232.0/21 (us-east-1, EC2)' }], rangeSet: 'aws' },
    ]);
    expect(ids(matchAddress('13.32.1.1', index, BUILTIN_PROVIDERS))).toEqual(['cloudfront']);
    expect(ids(matchAddress('13.105.221.5', index, BUILTIN_PROVIDERS))).toEqual(['azure-front-door']);
    expect(ids(matchAddress('23.1.2.3', index, BUILTIN_PROVIDERS))).toEqual(['akamai']);
    expect(ids(matchAddress('2a02:26f0:1::1', index, BUILTIN_PROVIDERS))).toEqual(['akamai']);
    // goog.json is Google's own space; cloud.json its customers' resources, with their region: hosting, not an edge.
    const gfe = matchAddress('142.250.1.1', index, BUILTIN_PROVIDERS);
    expect(gfe.map((m) => [m.provider, m.rangeSet, isHostingMatch(m, BUILTIN_PROVIDERS)])).toEqual([['google', 'google', false]]);
    const vm = matchAddress('34.1.208.7', index, BUILTIN_PROVIDERS);
    expect(vm[0]!.evidence[0]!.detail).toBe('address 34.1.208.7 in 34.1.208.0/20 (africa-south1, Google Cloud)');
    expect(isHostingMatch(vm[0]!, BUILTIN_PROVIDERS)).toBe(true);
  });

  it('includes region and service when the set has them; nothing for unknown addresses or providers', () => {
    const aws = buildRangeIndex({ aws: { provider: 'aws', source: 't', takenAt: 'x', prefixes: [{ prefix: '3.5.0.0/19', region: 'us-east-1', service: 'S3' }] } });
    expect(matchAddress('3.5.1.2', aws, BUILTIN_PROVIDERS)[0]!.evidence[0]!.detail).toBe('address 3.5.1.2 in 3.5.0.0/19 (us-east-1, S3)');
    expect(matchAddress('192.0.2.1', index, BUILTIN_PROVIDERS)).toEqual([]);
    expect(matchAddress('104.16.1.1', index, BUILTIN_PROVIDERS.filter((p) => p.id !== 'cloudflare'))).toEqual([]);
  });
});
