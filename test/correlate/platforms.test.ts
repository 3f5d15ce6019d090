// A platform several customers' own names point at (CNAME), failing behind their edges: that platform's incident,
// named by the name they share — and the layouts that must not make one.

import { describe, expect, it } from 'vitest';
import { attributeRecorded } from '../support/pipeline.js';
import { decideVerdict } from '../../src/correlate/verdict.js';
import { attemptOutcome } from '../../src/classify/outcome.js';
import { evaluateExpect } from '../../src/probe/kinds/http.js';
import { loadCatalog } from '../../src/fingerprint/index.js';
import type { Attempt, DnsAnswer, ExpectSpec, FetchResult, ResolverSpec } from '../../src/model.js';
import { attempt, dnsAnswer, fetchResult, site } from '../support/records.js';
import { responses } from '../support/responses.js';

const catalog = loadCatalog([]);
const anyStatus: ExpectSpec = { status: [], contains: null, matches: null, maxMs: null, challenge: 'fail', rcode: null, dnssec: false };
const resolver = (name: string): ResolverSpec => ({ name, kind: 'udp', address: '127.0.0.53', port: 53, url: null, provider: null });
const RESOLVERS = [resolver('alpha'), resolver('beta')];

interface Layout {
  name: string;
  host: string;
  address: string;
  cname?: string[];
  response: Partial<FetchResult>;
}

function run(layout: Layout[]) {
  const sites = layout.map((l) => site({ name: l.name, url: `https://${l.host}/` }));
  const dns: DnsAnswer[] = layout.flatMap((l) =>
    ['alpha', 'beta'].flatMap((r) => [
      dnsAnswer({ resolver: r, name: l.host, type: 'A', outcome: 'ok', rcode: 'NOERROR', values: [l.address], cnameChain: l.cname ?? [] }),
      dnsAnswer({ resolver: r, name: l.host, type: 'AAAA', outcome: 'empty', values: [] }),
      dnsAnswer({ resolver: r, name: l.host, type: 'NS', values: ['ns1.dns.test'], zone: l.host.split('.').slice(1).join('.') }),
    ]),
  );
  const attempts: Attempt[] = layout.map((l) => {
    const fetch = fetchResult({ ...l.response, address: l.address });
    const expect = evaluateExpect(anyStatus, fetch);
    return attempt({ ...fetch, id: `${l.name}|edge|${l.address}`, site: l.name, resolver: 'alpha', resolvers: ['alpha', 'beta'], expect, outcome: attemptOutcome(fetch, expect) });
  });
  const result = attributeRecorded({ sites, resolvers: RESOLVERS }, dns, attempts, catalog, { minSites: 2 });
  return { ...result, verdict: decideVerdict(result.sites, result.local, result.incidents, result.host, result.findings) };
}

const SAAS = ['customers.helpdesk.test', 'customers.helpdesk.test.cdn.cloudflare.net'];
/** Customers' help centres on Cloudflare addresses (recorded: nothing is sent), each its own zone, pointing at SAAS. */
const customers = (response: (host: string) => Partial<FetchResult>, cname: string[] = SAAS): Layout[] =>
  ['alpha', 'bravo', 'charlie'].map((n, i) => ({ name: n, host: `help.${n}.test`, address: `104.16.0.${i + 1}`, cname, response: response(`help.${n}.test`) }));
const controls: Layout[] = [
  { name: 'shop', host: 'www.shop.test', address: '104.16.1.1', response: responses.cloudflareOk('AMS') },
  { name: 'news', host: 'www.news.test', address: '151.101.1.1', response: responses.fastlyOk() },
];
const timeout: Partial<FetchResult> = { httpStatus: null, headers: {}, bodySample: '', error: { code: 'UND_ERR_CONNECT_TIMEOUT', message: 'timeout' }, failedPhase: 'connect' };

describe('a platform its customers point at, failing', () => {
  it("is that platform's incident, named by the name they share, when its origin fails behind their edge", () => {
    // Before: "3 down of 5 sites; no shared cause found", each site its own origin's trouble.
    const r = run([...customers((h) => responses.cloudflare521(h)), ...controls]);
    expect(r.incidents.map((i) => [i.kind, i.provider, i.layer, i.scope, i.sites])).toEqual([['provider', 'customers.helpdesk.test', 'origin', 'full', ['alpha', 'bravo', 'charlie']]]);
    expect(r.incidents[0]!.summary).toMatch(
      /^customers\.helpdesk\.test failing: 3 sites in 3 zones that point at it \(CNAME\) fail behind their edge with Cloudflare's own 521 pages blaming the origin; one platform they share fails, not their edges; 2 sites that do not point there are healthy \(confidence 0\.\d+\)$/,
    );
    expect(r.verdict).toMatchObject({ verdict: 'provider-incident', exitCode: 2 });
    for (const name of ['alpha', 'bravo', 'charlie']) expect(r.sites.find((s) => s.name === name)!.blame).toMatchObject({ provider: 'customers.helpdesk.test', layer: 'origin' });
    // Its own 5xx passed through the edge reads the same.
    expect(run([...customers(() => responses.cloudflarePassThrough500()), ...controls]).incidents.map((i) => i.provider)).toEqual(['customers.helpdesk.test']);
  });

  it("is an agency's server too, with nothing in front: sites that cannot connect to it", () => {
    const r = run([...customers(() => timeout, ['server1.agency.test']).map((l) => ({ ...l, address: '198.51.100.50' })), ...controls]);
    expect(r.incidents.map((i) => [i.provider, i.layer])).toEqual([['server1.agency.test', 'origin']]);
    expect(r.incidents[0]!.summary).toContain('fail there with connection failures (UND_ERR_CONNECT_TIMEOUT); one platform they share fails, not each site');
  });

  it("is not the platform when the edge itself fails for them: the provider rule reads that (one owner's configuration, a finding)", () => {
    const r = run([...customers(() => responses.cloudflareEdge500('FRA')), ...controls]);
    expect(r.incidents).toEqual([]);
    expect(r.findings.map((f) => [f.provider, f.layer])).toEqual([['Cloudflare', 'edge']]);
  });

  it("needs customers in minSites zones: one company's names behind its own balancer are its own stack", () => {
    const sameZone = customers(() => responses.cloudflarePassThrough500(), ['lb.acme-infra.test']).map((l, i) => ({ ...l, host: `app${i}.acme.test` }));
    expect(run([...sameZone, ...controls]).incidents).toEqual([]);
  });

  it('needs every failure behind the edge, and a site that does not point there healthy', () => {
    const mixed = customers((h) => responses.cloudflare521(h));
    mixed[2] = { ...mixed[2]!, response: responses.cloudflareEdge500('FRA') };
    expect(run([...mixed, ...controls]).incidents.map((i) => i.sites)).toEqual([['alpha', 'bravo']]);
    expect(run(customers((h) => responses.cloudflare521(h))).incidents).toEqual([]);
  });

  it("never names a provider's own name as a platform: sites CNAMEd only into Cloudflare's names are Cloudflare's customers", () => {
    const r = run([...customers((h) => responses.cloudflare521(h), []).map((l) => ({ ...l, cname: [`${l.host}.cdn.cloudflare.net`] })), ...controls]);
    expect(r.incidents).toEqual([]);
  });
});
