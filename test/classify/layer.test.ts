// Reading a response by the vocabulary of the provider the site is known to sit behind, when the response
// itself carries none of that provider's headers — and saying what the attribution rests on.

import { describe, expect, it } from 'vitest';
import { classifySite } from '../../src/classify/index.js';
import { attemptOutcome } from '../../src/classify/outcome.js';
import { evaluateExpect } from '../../src/probe/kinds/http.js';
import { loadCatalog } from '../../src/fingerprint/index.js';
import { corpusEntry } from '../../src/lab/corpus/index.js';
import type { EdgeRequest } from '../../src/lab/personalities/types.js';
import type { Attempt, DnsAnswer, FetchResult, SiteProvider } from '../../src/model.js';
import { attempt, dnsAnswer, fetchResult, site } from '../support/records.js';
import { asRaw } from '../support/pipeline.js';

const catalog = loadCatalog([]);
const REQUEST: EdgeRequest = { host: 'www.store.test', path: '/', method: 'GET', userAgent: 'outage-probe/test', httpVersion: '1.1', edgeIndex: 0, pop: null, now: new Date('2026-11-22T08:00:00Z') };

function fetched(response: Pick<FetchResult, 'httpStatus' | 'headers' | 'bodySample'>, address = '127.0.12.1'): Attempt {
  const fetch = fetchResult({ ...response, address, url: 'https://www.store.test/' });
  const expectResult = evaluateExpect({ status: [], contains: null, matches: null, maxMs: null }, fetch);
  return attempt({ ...fetch, site: 'store', expect: expectResult, outcome: attemptOutcome(fetch, expectResult) });
}

function fromCorpus(id: string, address?: string): Attempt {
  const r = corpusEntry(id).respond(REQUEST);
  return fetched({ httpStatus: r.status, headers: r.headers, bodySample: r.body }, address);
}

const answers = (cname: string[]): DnsAnswer[] => [dnsAnswer({ name: 'www.store.test', values: ['127.0.12.1'], cnameChain: cname })];

function judged(a: Attempt, dns: DnsAnswer[], remembered: SiteProvider[] = []): Attempt {
  return classifySite({ spec: site({ name: 'store', url: 'https://www.store.test/' }), dns, attempts: [asRaw(a)] }, { resolvers: [], catalog, memory: { stacks: { store: remembered } } }).attempts[0]!;
}

/** Akamai's Access Denied block with none of Akamai's identifying headers: only cache and edge timings. */
const accessDenied = () => fromCorpus('akamai/access-denied-without-akamai-headers');

describe("a response without the provider's headers, on a site known to sit behind it", () => {
  it("Akamai's Access Denied (Reference #18) on an Akamai-CNAMEd site is Akamai's block, and the explanation says why", () => {
    const a = judged(accessDenied(), answers(['www.store.test.edgekey.net', 'e1234.a.akamaiedge.net']));
    expect(a).toMatchObject({ outcome: 'challenge', layer: 'challenge', provider: 'Akamai' });
    expect(a.explanation).toMatch(/^Akamai denied access \(Reference #18, ACCESS_DENIED\)/);
    expect(a.explanation).toMatch(/— no Akamai header on this response; the site's CNAME chain points at Akamai \(www\.store\.test\.edgekey\.net\)$/);
  });

  it('the same page on a site nothing ties to Akamai is the site answering 403', () => {
    const a = judged(accessDenied(), answers([]));
    expect(a).toMatchObject({ outcome: 'http-error', layer: 'site', provider: null, explanation: 'the site answered 403' });
  });

  it("names the published ranges when the site's address is in the provider's list", () => {
    const r = corpusEntry('fastly/no-healthy-backends').respond(REQUEST);
    // Only Varnish's own server header left: none of Fastly's identifying headers.
    const bare = fetched({ httpStatus: r.status, headers: { server: 'Varnish', 'content-type': 'text/html' }, bodySample: r.body }, '151.101.1.69');
    const a = judged(bare, [dnsAnswer({ name: 'www.store.test', values: ['151.101.1.69'] })]);
    expect(a).toMatchObject({ layer: 'origin', provider: 'Fastly' });
    expect(a.explanation).toMatch(/no Fastly header on this response; the site's address is in Fastly's published ranges \(151\.101\.1\.69 in 151\.101\.0\.0\/16\)$/);
  });

  it('names the earlier run when only memory knows the edge', () => {
    const remembered: SiteProvider[] = [{ layer: 'edge', provider: 'Akamai', evidence: ['CNAME www.store.test.edgekey.net'] }];
    const a = judged(accessDenied(), answers([]), remembered);
    expect(a).toMatchObject({ layer: 'challenge', provider: 'Akamai' });
    expect(a.explanation).toMatch(/no Akamai header on this response; an earlier run found the site behind Akamai$/);
  });

  it('an undocumented reason on the known edge\'s synthetic page is unknown there, not its edge', () => {
    const r = corpusEntry('fastly/undocumented-reason').respond(REQUEST);
    const bare = fetched({ httpStatus: r.status, headers: { server: 'Varnish' }, bodySample: r.body });
    const a = judged(bare, answers(['dualstack.www-store.map.fastly.net']));
    expect(a).toMatchObject({ layer: 'unknown', provider: 'Fastly' });
    expect(a.explanation).toContain('(the page says "Backend fetch failed") — no Fastly header on this response');
  });

  it('a bare status is not read by the known edge: a 521 without Cloudflare headers is the site answering 521', () => {
    const a = judged(fetched({ httpStatus: 521, headers: { server: 'nginx' }, bodySample: 'down' }), answers(['www.store.test.cdn.cloudflare.net']));
    expect(a).toMatchObject({ layer: 'site', provider: null, explanation: 'the site answered 521' });
  });

  it('with the provider\'s own headers on the response, the reading needs no basis', () => {
    const a = judged(fromCorpus('akamai/access-denied'), answers(['www.store.test.edgekey.net']));
    expect(a).toMatchObject({ layer: 'challenge', provider: 'Akamai' });
    expect(a.explanation).not.toContain('header on this response');
  });

  it("a reseller-branded Sucuri block carrying Sucuri's block headers is Sucuri's block", () => {
    const a = judged(fromCorpus('sucuri/reseller-branded-block'), answers([]));
    expect(a).toMatchObject({ outcome: 'challenge', layer: 'challenge', provider: 'Sucuri' });
    expect(a.explanation).toContain('X-Sucuri-Block');
  });

  it('a healthy page stays healthy whatever the site is known to sit behind', () => {
    expect(judged(fromCorpus('akamai/healthy'), answers(['www.store.test.edgekey.net']))).toMatchObject({ outcome: 'ok', layer: null, explanation: null });
  });
});

describe('hosting seen on the way to the site', () => {
  it("a cloud load balancer's name on the CNAME chain (no CDN in front) is the site's hosting layer", () => {
    const ok = fetched({ httpStatus: 200, headers: { server: 'nginx' }, bodySample: 'ok' });
    const classified = classifySite(
      { spec: site({ name: 'store', url: 'https://www.store.test/' }), dns: answers(['store-lb-1234567890.eu-west-1.elb.amazonaws.com']), attempts: [asRaw(ok)] },
      { resolvers: [], catalog },
    );
    expect(classified.stack.providers).toEqual([{ layer: 'origin', provider: 'AWS', evidence: ['CNAME store-lb-1234567890.eu-west-1.elb.amazonaws.com'] }]);
    // A CDN on the chain is the edge, not the hosting.
    const fronted = classifySite(
      { spec: site({ name: 'store', url: 'https://www.store.test/' }), dns: answers(['www.store.test.edgekey.net', 'e1234.a.akamaiedge.net']), attempts: [asRaw(ok)] },
      { resolvers: [], catalog },
    );
    expect(fronted.stack.providers.map((p) => [p.layer, p.provider])).toEqual([['edge', 'Akamai']]);
  });

  it("an address in a cloud's published ranges, with no CDN in front, is the site's hosting layer and its region; Google's own space is its edge", () => {
    const stackAt = (address: string, headers: Record<string, string> = { server: 'nginx' }) =>
      classifySite(
        { spec: site({ name: 'store', url: 'https://www.store.test/' }), dns: [dnsAnswer({ name: 'www.store.test', values: [address] })], attempts: [asRaw(fetched({ httpStatus: 200, headers, bodySample: 'ok' }, address))] },
        { resolvers: [], catalog },
      );
    // EC2 in us-east-1 (AWS's ip-ranges.json), a Google Cloud VM in africa-south1 (cloud.json): hosting, never an edge.
    const ec2 = stackAt('15.181.232.9');
    expect(ec2.stack.providers).toEqual([{ layer: 'origin', provider: 'AWS', evidence: ['address 15.181.232.9 in 15.181.232.0/21 (us-east-1, EC2)'] }]);
    expect(ec2.attempts[0]!.location).toMatchObject({ provider: 'AWS', code: 'us-east-1', kind: 'region' });
    const vm = stackAt('34.1.208.7');
    expect(vm.stack.providers).toEqual([{ layer: 'origin', provider: 'Google', evidence: ['address 34.1.208.7 in 34.1.208.0/20 (africa-south1, Google Cloud)'] }]);
    expect(vm.stack.edge).toBeNull();
    // Google's front end (goog.json's own space) is an edge; so are CloudFront's and Akamai's published blocks.
    expect(stackAt('142.250.1.1').stack.providers.map((p) => [p.layer, p.provider])).toEqual([['edge', 'Google']]);
    expect(stackAt('13.32.1.1').stack.providers.map((p) => [p.layer, p.provider])).toEqual([['edge', 'Amazon CloudFront']]);
    expect(stackAt('23.1.2.3').stack.providers.map((p) => [p.layer, p.provider])).toEqual([['edge', 'Akamai']]);
    // A Google Cloud address fronted by Google's load balancer (its header) reads as Google's edge.
    expect(stackAt('34.1.208.7', { server: 'Google Frontend' }).stack.providers.map((p) => [p.layer, p.provider])).toEqual([['edge', 'Google']]);
  });
});
