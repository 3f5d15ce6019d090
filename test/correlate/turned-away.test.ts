// A site's own 429 Too Many Requests is a limit on this client (RFC 6585 §4), and its 451 Unavailable For Legal
// Reasons a legal demand about where this client is (RFC 7725), not the site failing: its fetches are untested from
// here, said once. A provider's own rate-limit page keeps its provider's reading. Recorded attempts; addresses in
// published ranges are data, never dialled.

import { describe, expect, it } from 'vitest';
import { attributeRecorded } from '../support/pipeline.js';
import { decideVerdict } from '../../src/correlate/verdict.js';
import { attemptOutcome } from '../../src/classify/outcome.js';
import { evaluateExpect } from '../../src/probe/kinds/http.js';
import { loadCatalog } from '../../src/fingerprint/index.js';
import type { Attempt, DnsAnswer, FetchResult, ResolverSpec } from '../../src/model.js';
import { attempt, dnsAnswer, fetchResult, site } from '../support/records.js';
import { responses } from '../support/responses.js';
import { resolverRateLimits } from '../../src/correlate/turned-away.js';

const catalog = loadCatalog([]);
const resolvers: ResolverSpec[] = [{ name: 'alpha', kind: 'udp', address: '127.0.0.53', port: 53, provider: null } as ResolverSpec];
const LIMITED = { httpStatus: 429, headers: { server: 'nginx', 'retry-after': '120' }, bodySample: '<html><title>429 Too Many Requests</title></html>' };
const CF_HEADERS = { server: 'cloudflare', 'cf-ray': '8a1b2c3d4e5f6a7b-FRA' };

function fetched(name: string, address: string, family: 4 | 6, response: Partial<FetchResult>): Attempt {
  const fetch = fetchResult({ ...response, address });
  const expect = evaluateExpect(site().expect, fetch);
  return attempt({ ...fetch, id: `${name}|edge|${address}`, site: name, family, resolver: 'alpha', resolvers: ['alpha'], expect, outcome: attemptOutcome(fetch, expect) });
}

/** Each site: its addresses and what each answered. */
function run(sites: Record<string, Array<[address: string, response: Partial<FetchResult>]>>) {
  const specs = Object.keys(sites).map((n) => site({ name: n, url: `https://www.${n}.test/`, host: `www.${n}.test` }));
  const dns: DnsAnswer[] = Object.entries(sites).flatMap(([n, at]) =>
    (['A', 'AAAA'] as const).map((type) => dnsAnswer({ resolver: 'alpha', name: `www.${n}.test`, type, values: at.map(([a]) => a).filter((a) => a.includes(':') === (type === 'AAAA')) })),
  );
  const attempts = Object.entries(sites).flatMap(([n, at]) => at.map(([address, response]) => fetched(n, address, address.includes(':') ? 6 : 4, response)));
  const result = attributeRecorded({ sites: specs, resolvers }, dns, attempts, catalog, { minSites: 2 });
  return { ...result, verdict: decideVerdict(result.sites, result.local, result.incidents, result.host, result.findings) };
}

const status = (r: ReturnType<typeof run>) => Object.fromEntries(r.sites.map((s) => [s.name, s.status]));

describe("a site's own rate limit on this probe", () => {
  it('is no failure of the site: untested from here, said once with its Retry-After, exit 0', () => {
    const r = run({ shop: [['198.51.100.1', LIMITED]], news: [['198.51.100.2', LIMITED]], blog: [['198.51.100.3', responses.healthy()]] });
    expect(status(r)).toEqual({ shop: 'untested', news: 'untested', blog: 'ok' });
    expect(r.sites[0]!.attempts[0]!.explanation).toBe('the site rate-limits this probe (429 Too Many Requests; Retry-After: 120): it answers, and refuses this client for now');
    expect(r.host.notes).toEqual([expect.stringMatching(/^2 sites rate-limit this probe \(Retry-After: 120\): shop, news answered 429 Too Many Requests/)]);
    expect(r.incidents).toEqual([]);
    expect(r.verdict).toMatchObject({ verdict: 'ok', exitCode: 0, summary: '1 of 3 sites ok; 2 untested from here: 2 sites rate-limit this probe (429)' });
  });

  it("a site's 451 (a region it blocks): untested from here, said as a legal demand about where this host is, with a 429 beside it said apart", () => {
    const blocked = { httpStatus: 451, headers: { server: 'nginx', link: '<https://example.org/notice>; rel="blocked-by"' }, bodySample: '<html>Unavailable in your region</html>' };
    const r = run({ news: [['198.51.100.2', blocked]], shop: [['198.51.100.1', LIMITED]], blog: [['198.51.100.3', responses.healthy()]] });
    expect(status(r)).toEqual({ news: 'untested', shop: 'untested', blog: 'ok' });
    expect(r.sites.find((s) => s.name === 'news')!.attempts[0]!.explanation).toBe('the site refuses this host for legal reasons (451 Unavailable For Legal Reasons): a legal demand about where this host is, not an outage');
    expect(r.host.notes).toEqual([
      expect.stringMatching(/^1 site rate-limits this probe \(Retry-After: 120\): shop answered 429 Too Many Requests — up and answering, refusing this client for now; what it serves others/),
      expect.stringMatching(/^1 site refuses this host for legal reasons: news answered 451 Unavailable For Legal Reasons — a legal demand about where this host is/),
    ]);
    expect(r.verdict).toMatchObject({ exitCode: 0, summary: '1 of 3 sites ok; 2 untested from here: 1 site rate-limits this probe (429); 1 site unavailable here for legal reasons (451)' });
  });

  it('a site limited on one address and served on another is ok', () => {
    const r = run({ shop: [['198.51.100.1', LIMITED], ['2001:db8::1', responses.healthy()]], blog: [['198.51.100.3', responses.healthy()]] });
    expect(status(r)).toEqual({ shop: 'ok', blog: 'ok' });
    expect(r.verdict.exitCode).toBe(0);
  });

  it("a 503 is the site failing; Cloudflare's own rate-limit page (1015) is Cloudflare's edge up and limiting this probe: untested from here, said once", () => {
    const unavailable = run({ shop: [['198.51.100.1', { ...LIMITED, httpStatus: 503 }]], blog: [['198.51.100.3', responses.healthy()]] });
    expect(status(unavailable)).toEqual({ shop: 'down', blog: 'ok' });
    expect(unavailable.host.notes).toEqual([]);
    const cloudflare = run({ shop: [['104.16.0.1', { httpStatus: 429, headers: CF_HEADERS, bodySample: 'error code: 1015' }]], blog: [['198.51.100.3', responses.healthy()]] });
    const [a] = cloudflare.sites[0]!.attempts;
    expect([a!.outcome, a!.layer, a!.provider, a!.challenge?.refuses]).toEqual(['challenge', 'challenge', 'Cloudflare', 'rate']);
    expect(status(cloudflare)).toEqual({ shop: 'untested', blog: 'ok' });
    expect(cloudflare.host.notes).toEqual([
      "1 site behind Cloudflare rate-limits this probe: shop answered Cloudflare's own page (Cloudflare error 1015: the requester is rate limited) — its edge is up and answering, refusing this client for now; what it serves others was not tested. Probe it less often or with less concurrency, or have this host's address allowed",
    ]);
    expect(cloudflare.verdict).toMatchObject({ exitCode: 0, summary: '1 of 2 sites ok; 1 untested from here: 1 site rate-limited by Cloudflare for this probe' });
  });
});

describe('a DNS-over-HTTPS resolver answering 429', () => {
  it('is counted per resolver, with every question it was asked', () => {
    const answer = (resolver: string, code: string | null) => dnsAnswer({ resolver, name: 'www.a.test', type: 'A', outcome: code ? 'network-error' : 'ok', error: code ? { code, message: code } : null });
    const found = resolverRateLimits([answer('doh', 'HTTP_429'), answer('doh', null), answer('doh', 'HTTP_429'), answer('plain', null), answer('other', 'HTTP_503')]);
    expect(found!.short).toEqual(['resolver doh rate-limits this host (HTTP 429)']);
    expect(found!.notes).toEqual([expect.stringMatching(/^resolver doh rate-limits this host: it answered HTTP 429 Too Many Requests to 2 of 3 questions/)]);
    expect(resolverRateLimits([answer('other', 'HTTP_503')])).toBeNull();
  });
});
