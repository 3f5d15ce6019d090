// Challenges are not outages by themselves: what makes a set of challenge pages an incident, a finding, or nothing.
// Recorded attempts through classify + correlate, with and without memory of what each site served before.

import { describe, expect, it } from 'vitest';
import { attributeRecorded } from '../support/pipeline.js';
import { decideVerdict } from '../../src/correlate/verdict.js';
import { attemptOutcome } from '../../src/classify/outcome.js';
import { evaluateExpect } from '../../src/probe/kinds/http.js';
import { loadCatalog } from '../../src/fingerprint/index.js';
import type { Memory } from '../../src/classify/index.js';
import type { Attempt, DnsAnswer, ExpectSpec, FetchResult, ResolverSpec, ServedBaseline, SiteSpec } from '../../src/model.js';
import { attempt, dnsAnswer, fetchResult, site } from '../support/records.js';
import { responses } from '../support/responses.js';
import { corpusEntry } from '../../src/lab/corpus/index.js';

const catalog = loadCatalog([]);
const RESOLVERS: ResolverSpec[] = [
  { name: 'alpha', kind: 'udp', address: '127.0.0.53', port: 53, url: null, provider: 'Cloudflare' },
  { name: 'beta', kind: 'udp', address: '127.0.0.54', port: 53, url: null, provider: 'Google' },
];

function fetched(spec: SiteSpec, address: string, response: Partial<FetchResult>): Attempt {
  const fetch = fetchResult({ ...response, address });
  const expect = evaluateExpect(spec.expect, fetch);
  return attempt({ ...fetch, id: `${spec.name}|edge|${address}`, site: spec.name, resolver: 'alpha', resolvers: ['alpha', 'beta'], expect, outcome: attemptOutcome(fetch, expect) });
}

function resolved(host: string): DnsAnswer[] {
  return ['alpha', 'beta'].flatMap((r) => [
    dnsAnswer({ resolver: r, name: host, type: 'A', outcome: 'ok', rcode: 'NOERROR', values: ['127.0.1.1'] }),
    dnsAnswer({ resolver: r, name: host, type: 'AAAA', outcome: 'empty', values: [] }),
  ]);
}

const spec = (name: string, expectOverrides: Partial<ExpectSpec> = {}): SiteSpec => {
  const s = site({ name, url: `https://${name}.test/` });
  return { ...s, expect: { ...s.expect, ...expectOverrides } };
};

/** A page whose challenge platform cannot load: the documented "Please unblock challenges.cloudflare.com" text. */
const failingChallenge = (): Partial<FetchResult> => {
  const r = responses.cloudflareChallenge();
  return { ...r, bodySample: `${r.bodySample}<p>Please unblock challenges.cloudflare.com to proceed.</p>` };
};

type Served = Partial<FetchResult> | 'challenge' | 'failing-challenge' | 'edge500' | 'origin502';
function run(world: Record<string, Served>, served: Record<string, ServedBaseline> | null = null, expects: Record<string, Partial<ExpectSpec>> = {}) {
  const names = Object.keys(world);
  const sites = names.map((n) => spec(n, expects[n]));
  const attempts = sites.map((s, i) => {
    const how = world[s.name]!;
    const response =
      how === 'challenge' ? responses.cloudflareChallenge()
      : how === 'failing-challenge' ? failingChallenge()
      : how === 'edge500' ? responses.cloudflareEdge500('FRA')
      : how === 'origin502' ? { ...responses.cloudflareOk(), httpStatus: 502, bodySample: '<html><h1>502 Bad Gateway</h1><hr>nginx</html>' }
      : how;
    return fetched(s, `127.0.10.${i + 1}`, response);
  });
  const memory: Memory = served ? { served } : {};
  const result = attributeRecorded({ sites, resolvers: RESOLVERS }, sites.flatMap((s) => resolved(s.host)), attempts, catalog, { minSites: 2 }, memory);
  return { ...result, verdict: decideVerdict(result.sites, result.local, result.incidents) };
}

const ok = responses.cloudflareOk();
const status = (r: ReturnType<typeof run>, name: string) => r.sites.find((s) => s.name === name)!.status;

describe('with memory (--state): the baseline decides', () => {
  it('sites that were challenged on their last healthy-looking runs too are ok: expected, said, no incident, exit 0', () => {
    const r = run({ a: 'challenge', b: 'challenge', c: 'challenge', d: ok }, { a: 'challenge', b: 'challenge', c: 'challenge', d: 'content' });
    expect(r.incidents).toEqual([]);
    expect(r.findings).toEqual([]);
    expect(['a', 'b', 'c', 'd'].map((n) => status(r, n))).toEqual(['ok', 'ok', 'ok', 'ok']);
    const a = r.sites.find((s) => s.name === 'a')!.attempts[0]!;
    expect(a).toMatchObject({ outcome: 'ok', challenge: { provider: 'Cloudflare', kind: 'routine', expected: true, before: 'challenge' } });
    expect(a.explanation).toMatch(/as on its last healthy-looking run: not a failure/);
    expect(r.verdict.exitCode).toBe(0);
  });

  it('sites that served content before and now challenge, together: a Cloudflare challenge incident, exit 2', () => {
    const r = run({ a: 'challenge', b: 'challenge', c: ok }, { a: 'content', b: 'content', c: 'content' });
    expect(r.incidents.map((i) => [i.provider, i.layer, i.sites])).toEqual([['Cloudflare', 'challenge', ['a', 'b']]]);
    expect(r.verdict.exitCode).toBe(2);
  });

  it('one site newly challenging among routine ones is a finding naming how many changed, not an incident', () => {
    const r = run({ a: 'challenge', b: 'challenge', c: 'challenge' }, { a: 'content', b: 'challenge', c: 'challenge' });
    expect(r.incidents).toEqual([]);
    // b and c are expected (ok); only a fails, and one site is below minSites: nothing shared to say.
    expect(r.findings).toEqual([]);
    expect(['a', 'b', 'c'].map((n) => status(r, n))).toEqual(['down', 'ok', 'ok']);
    expect(r.verdict.exitCode).toBe(1);
  });

  it('a failing challenge platform is never expected, even where challenges are routine: incident on two sites', () => {
    const r = run({ a: 'failing-challenge', b: 'failing-challenge', c: ok }, { a: 'challenge', b: 'challenge', c: 'content' });
    expect(r.sites.find((s) => s.name === 'a')!.attempts[0]!.challenge).toMatchObject({ kind: 'platform-failing', expected: false });
    expect(r.incidents.map((i) => [i.provider, i.layer, i.sites])).toEqual([['Cloudflare', 'challenge', ['a', 'b']]]);
    expect(r.verdict.exitCode).toBe(2);
  });
});

describe('without memory', () => {
  it('every probed Cloudflare site (three or more) challenging is an incident', () => {
    const r = run({ a: 'challenge', b: 'challenge', c: 'challenge', fastly: responses.fastlyOk() });
    expect(r.incidents.map((i) => [i.provider, i.layer, i.sites])).toEqual([['Cloudflare', 'challenge', ['a', 'b', 'c']]]);
  });

  it('two of two challenging is not "nearly every, at least three": a finding, exit 1', () => {
    const r = run({ a: 'challenge', b: 'challenge', fastly: responses.fastlyOk() });
    expect(r.incidents).toEqual([]);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]!.summary).toMatch(/^Possibly .* run with --state to learn which challenges are normal/);
    expect(r.verdict.exitCode).toBe(1);
  });

  it('a routine challenge set plus one unrelated 502 does not make a Cloudflare edge incident', () => {
    const r = run({ a: 'challenge', b: 'challenge', c: 'origin502', d: ok });
    expect(r.incidents.filter((i) => i.layer === 'edge')).toEqual([]);
    expect(r.verdict.exitCode).not.toBe(2);
  });

  it('challenges join an edge incident that stands on its own edge evidence, as support', () => {
    const r = run({ a: 'edge500', b: 'edge500', c: 'challenge', d: ok });
    expect(r.incidents.map((i) => [i.provider, i.layer])).toEqual([['Cloudflare', 'edge']]);
    expect(r.incidents[0]!.sites).toEqual(['a', 'b', 'c']);
  });

  it('expect.challenge: ok makes a routine challenge fine for that site, and only that site', () => {
    const r = run({ a: 'challenge', b: 'challenge', c: ok }, null, { a: { challenge: 'ok' } });
    expect(status(r, 'a')).toBe('ok');
    expect(r.sites.find((s) => s.name === 'a')!.attempts[0]!.explanation).toMatch(/expect\.challenge: ok/);
    expect(status(r, 'b')).toBe('down');
    expect(r.incidents).toEqual([]);
  });

  it('expect.challenge: ok does not hide a failing challenge platform', () => {
    const r = run({ a: 'failing-challenge', b: ok }, null, { a: { challenge: 'ok' } });
    expect(status(r, 'a')).toBe('down');
    expect(r.sites.find((s) => s.name === 'a')!.attempts[0]!.challenge).toMatchObject({ kind: 'platform-failing', expected: false });
  });
});

describe('a block of this requester is about this host, never the provider', () => {
  const page = (id: string, name: string): Partial<FetchResult> => {
    const r = corpusEntry(id).respond({ host: `${name}.test`, path: '/', method: 'GET', userAgent: 'outage-probe/test', httpVersion: '1.1', edgeIndex: 0, pop: null, now: new Date('2026-12-05T00:00:00Z') });
    return { httpStatus: r.status, headers: r.headers, bodySample: r.body };
  };
  const banned = { a: page('cloudflare/1006', 'a'), b: page('cloudflare/1020', 'b'), c: page('cloudflare/blocked', 'c') };

  it('Cloudflare sites refusing this requester: the IP ban (1006) names this host\'s address, untested from here and said once; a firewall rule and "you have been blocked" a finding; no incident', () => {
    const r = run({ ...banned, d: ok });
    expect(r.incidents).toEqual([]);
    expect(r.verdict.exitCode).toBe(1);
    expect(['a', 'b', 'c'].map((n) => r.sites.find((s) => s.name === n)!.attempts[0]!.challenge)).toEqual([
      { provider: 'Cloudflare', kind: 'blocked', expected: false, before: null, refuses: 'address' },
      { provider: 'Cloudflare', kind: 'blocked', expected: false, before: null },
      { provider: 'Cloudflare', kind: 'blocked', expected: false, before: null },
    ]);
    expect(['a', 'b', 'c', 'd'].map((n) => status(r, n))).toEqual(['untested', 'down', 'down', 'ok']);
    expect(r.host.notes).toEqual([
      "1 site behind Cloudflare refuses this host's address: a answered Cloudflare's own page (Cloudflare error 1006: the requester's IP address is banned) — a ban of this host's address, network or country, normally by the site's own rule, not an outage; what it serves others was not tested. Probe it from a vantage it does not ban (`merge` joins the reports), or have this host's address allowed",
    ]);
    expect(r.findings.map((f) => [f.provider, f.layer, f.sites])).toEqual([['Cloudflare', 'challenge', ['b', 'c']]]);
    expect(r.findings[0]!.summary).toMatch(/^Possibly this host turned away by Cloudflare: 2 of 4 Cloudflare-fronted sites refuse this requester — not an incident: a block is about the requester/);
    expect(r.host.summary).toBe("1 site behind Cloudflare bans this host's address");
  });

  it('sites that served content before and now refuse this requester: still no incident (the ban is on this host)', () => {
    const r = run({ ...banned, d: ok }, { a: 'content', b: 'content', c: 'content', d: 'content' });
    expect(r.incidents).toEqual([]);
    expect(r.findings.map((f) => f.sites)).toEqual([['b', 'c']]);
  });

  it('a site that turned this probe away on its last healthy-looking run too is ok', () => {
    const r = run({ a: banned.a, d: ok }, { a: 'challenge', d: 'content' });
    expect(status(r, 'a')).toBe('ok');
    expect(r.sites.find((s) => s.name === 'a')!.attempts[0]!.explanation).toMatch(/^Cloudflare turned this probe away, as on its last healthy-looking run: not a failure/);
  });

  it('never joins an edge incident as support', () => {
    const r = run({ a: 'edge500', b: 'edge500', c: banned.c, d: ok });
    expect(r.incidents.map((i) => [i.provider, i.layer, i.sites])).toEqual([['Cloudflare', 'edge', ['a', 'b']]]);
  });
});
