// A host that several sites redirect to (a login service), failing: said about that host, whatever fronts the
// sites; never counted as the sites' own provider failing.

import { describe, expect, it } from 'vitest';
import { attributeRecorded, classifyRecorded } from '../support/pipeline.js';
import { decideVerdict } from '../../src/correlate/verdict.js';
import { attemptOutcome } from '../../src/classify/outcome.js';
import { evaluateExpect } from '../../src/probe/kinds/http.js';
import { loadCatalog } from '../../src/fingerprint/index.js';
import type { Attempt, DnsAnswer, ExpectSpec, FetchResult, ResolverSpec } from '../../src/model.js';
import { attempt, dnsAnswer, fetchResult, site } from '../support/records.js';
import { responses } from '../support/responses.js';

const catalog = loadCatalog([]);
const anyStatus: ExpectSpec = { status: [], contains: null, matches: null, maxMs: null, challenge: 'fail', rcode: null, dnssec: false };
const resolver = (name: string, provider: string | null = null): ResolverSpec => ({ name, kind: 'udp', address: '127.0.0.53', port: 53, url: null, provider });
const RESOLVERS = [resolver('alpha', 'Cloudflare'), resolver('beta', 'Google')];

function fetched(siteName: string, address: string, response: Partial<FetchResult>): Attempt {
  const fetch = fetchResult({ ...response, address });
  const expect = evaluateExpect(anyStatus, fetch);
  return attempt({ ...fetch, id: `${siteName}|edge|${address}`, site: siteName, resolver: 'alpha', resolvers: ['alpha', 'beta'], expect, outcome: attemptOutcome(fetch, expect) });
}

/** A and AAAA for a host from both resolvers; with `zone`, the NS answer that makes it a customer's zone. */
function resolved(host: string, address: string, zone?: string): DnsAnswer[] {
  return ['alpha', 'beta'].flatMap((r) => [
    dnsAnswer({ resolver: r, name: host, type: 'A', outcome: 'ok', rcode: 'NOERROR', values: [address], cnameChain: [] }),
    dnsAnswer({ resolver: r, name: host, type: 'AAAA', outcome: 'empty', values: [] }),
    ...(zone ? [dnsAnswer({ resolver: r, name: host, type: 'NS', values: ['ns1.dns.test'], zone })] : []),
  ]);
}

/** The site's own edge answered 302 to `target`; what the fetch got there is `response`. */
function redirectedTo(from: string, target: string, address: string, response: Partial<FetchResult>): Partial<FetchResult> {
  return { ...response, url: `https://${target}/login`, redirects: [{ url: `https://${from}/`, status: 302, location: `https://${target}/login`, address }] };
}

interface Layout {
  name: string;
  host: string;
  address: string;
  zone?: string;
  response: Partial<FetchResult>;
}

function run(layout: Layout[]) {
  const sites = layout.map((l) => site({ name: l.name, url: `https://${l.host}/` }));
  const attempts = layout.map((l) => fetched(l.name, l.address, l.response));
  const dns = layout.flatMap((l) => resolved(l.host, l.address, l.zone));
  const result = attributeRecorded({ sites, resolvers: RESOLVERS }, dns, attempts, catalog, { minSites: 2 });
  return { ...result, verdict: decideVerdict(result.sites, result.local, result.incidents, result.host, result.findings) };
}

const LOGIN = 'login.idp.test';
const edge500 = responses.cloudflareEdge500('FRA');
/** Three sites on three providers (their addresses in no catalogued range) that send visitors to LOGIN, and controls. */
const dependents = (response: Partial<FetchResult>): Layout[] => [
  { name: 'wiki', host: 'docs.wiki.test', address: '127.0.10.1', response: redirectedTo('docs.wiki.test', LOGIN, '127.0.10.1', response) },
  { name: 'crm', host: 'app.crm.test', address: '127.0.30.1', response: redirectedTo('app.crm.test', LOGIN, '127.0.30.1', response) },
  { name: 'grafana', host: 'grafana.metrics.test', address: '127.0.40.1', response: redirectedTo('grafana.metrics.test', LOGIN, '127.0.40.1', response) },
];
const controls: Layout[] = [
  { name: 'shop', host: 'shop.acme.test', address: '127.0.10.2', response: responses.cloudflareOk('AMS') },
  { name: 'news', host: 'www.news.test', address: '127.0.20.2', response: responses.fastlyOk() },
];

describe('sites failing at one host they redirect to', () => {
  it('are that host failing, not a Cloudflare incident because the host is on Cloudflare', () => {
    // Before: "Cloudflare edge incident (partial): 3 of 5 Cloudflare-fronted sites fail …", exit 2 on the wrong name.
    const result = run([...dependents(edge500), ...controls]);
    expect(result.incidents.map((i) => [i.kind, i.provider, i.layer, i.scope])).toEqual([['provider', LOGIN, 'edge', 'full']]);
    const incident = result.incidents[0]!;
    expect(incident.sites).toEqual(['wiki', 'crm', 'grafana']);
    expect(incident.controls).toEqual(['shop', 'news']);
    expect(incident.summary).toMatch(/^login\.idp\.test failing: 3 sites that redirect there fail at it with Cloudflare-generated 500 pages; the sites' own hosts answer their redirects/);
    expect(result.findings).toEqual([]);
    expect(result.verdict).toMatchObject({ verdict: 'provider-incident', exitCode: 2 });
    for (const name of ['wiki', 'crm', 'grafana']) expect(result.sites.find((s) => s.name === name)!.blame).toMatchObject({ provider: LOGIN, layer: 'edge' });
  });

  it('say so in every attempt, and name the host, not the site\'s own address, for a connection that fails there', () => {
    const refused: Partial<FetchResult> = { httpStatus: null, headers: {}, bodySample: '', error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' }, failedPhase: 'connect' };
    const [classified] = classifyRecorded([site({ name: 'wiki', url: 'https://docs.wiki.test/' })], resolved('docs.wiki.test', '127.0.10.1'), [fetched('wiki', '127.0.10.1', redirectedTo('docs.wiki.test', LOGIN, '127.0.10.1', refused))], RESOLVERS, catalog);
    const explanation = classified!.attempts[0]!.explanation!;
    expect(explanation).toMatch(/^at login\.idp\.test, where docs\.wiki\.test redirects \(302 from https:\/\/docs\.wiki\.test\/\): no connection to login\.idp\.test \(ECONNREFUSED\)$/);
    expect(explanation).not.toContain('127.0.10.1');
  });

  it('do not make the login host\'s provider the sites\' edge: their own answers are the redirects', () => {
    const [classified] = classifyRecorded([site({ name: 'crm', url: 'https://app.crm.test/' })], resolved('app.crm.test', '127.0.30.1'), [fetched('crm', '127.0.30.1', redirectedTo('app.crm.test', LOGIN, '127.0.30.1', responses.cloudflareOk()))], RESOLVERS, catalog);
    expect(classified!.stack.edge).toBeNull();
    expect(classified!.attempts[0]!.outcome).toBe('ok');
  });

  it('count the host itself when it is probed too', () => {
    const result = run([{ name: 'login', host: LOGIN, address: '127.0.10.9', response: edge500 }, ...dependents(edge500).slice(0, 1), ...controls]);
    expect(result.incidents.map((i) => [i.provider, i.sites])).toEqual([[LOGIN, ['login', 'wiki']]]);
    expect(result.incidents[0]!.summary).toContain('1 site that redirects there (and login.idp.test, probed itself) fail at it');
  });

  it('are one company\'s apps behind its login service too: what they share is seen, not inferred', () => {
    const sameZone = dependents(edge500).map((l, i) => ({ ...l, host: `app${i}.corp.test`, zone: 'corp.test', response: redirectedTo(`app${i}.corp.test`, LOGIN, l.address, edge500) }));
    const result = run([...sameZone, ...controls]);
    expect(result.incidents.map((i) => [i.provider, i.layer, i.sites.length])).toEqual([[LOGIN, 'edge', 3]]);
  });

  it('say that the host fails with its provider when that provider fails for other sites as well', () => {
    const failingCloudflare: Layout[] = [
      { name: 'shop', host: 'shop.acme.test', address: '127.0.10.2', response: responses.cloudflareEdge500('AMS') },
      { name: 'forum', host: 'www.forum.test', address: '127.0.10.3', response: responses.cloudflareEdge500('LHR') },
      { name: 'news', host: 'www.news.test', address: '127.0.20.2', response: responses.fastlyOk() },
    ];
    const result = run([...dependents(edge500), ...failingCloudflare]);
    const byProvider = new Map(result.incidents.map((i) => [i.provider, i]));
    expect([...byProvider.keys()].sort()).toEqual(['Cloudflare', LOGIN]);
    expect(byProvider.get('Cloudflare')!.sites).toEqual(['shop', 'forum']);
    expect(byProvider.get(LOGIN)!.summary).toContain('its provider Cloudflare fails this way for other sites too (the Cloudflare edge incident)');
  });

  it('leave a login host that challenges the probe to the challenge rules, as one witness however many sites lead there', () => {
    const result = run([...dependents(responses.cloudflareChallenge()), ...controls]);
    expect(result.incidents).toEqual([]);
    expect(result.findings.map((f) => [f.provider, f.layer])).toEqual([['Cloudflare', 'challenge']]);
    expect(result.findings[0]!.summary).toContain('every one ends at login.idp.test, one host they redirect to');
  });

  it('leave one site failing at a host alone (no incident), its reading naming the host', () => {
    const result = run([...dependents(edge500).slice(0, 1), ...controls]);
    expect(result.incidents).toEqual([]);
    expect(result.verdict.verdict).toBe('site-failures');
    expect(result.sites.find((s) => s.name === 'wiki')!.blame!.reason).toMatch(/^at login\.idp\.test, where docs\.wiki\.test redirects/);
  });

  it('leave a redirect to the site\'s own names as the site\'s: apex to www on a failing Cloudflare is Cloudflare\'s', () => {
    const own = (name: string, apex: string, address: string): Layout => ({ name, host: apex, address, response: redirectedTo(apex, `www.${apex}`, address, edge500) });
    const result = run([own('a', 'alpha.test', '127.0.10.4'), own('b', 'beta.test', '127.0.10.5'), ...controls.slice(1)]);
    expect(result.incidents.map((i) => [i.provider, i.layer])).toEqual([['Cloudflare', 'edge']]);
  });
});
