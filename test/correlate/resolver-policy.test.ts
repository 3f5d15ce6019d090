// Resolvers that withhold a name by policy (RFC 8914 EDE 15 "Blocked", 16 "Censored", 17 "Filtered") or refuse this
// client altogether (18 "Prohibited") are doing what they are set up to do: neither is a resolver outage. Recorded
// answers through classify and correlate, the way the pipeline runs them.

import { describe, expect, it } from 'vitest';
import { attributeRecorded } from '../support/pipeline.js';
import { decideVerdict } from '../../src/correlate/verdict.js';
import { loadCatalog } from '../../src/fingerprint/index.js';
import type { Attempt, DnsAnswer, ResolverSpec } from '../../src/model.js';
import { attempt, dnsAnswer, fetchResult, site } from '../support/records.js';
import { responses } from '../support/responses.js';

const catalog = loadCatalog([]);
const resolver = (name: string, provider: string): ResolverSpec => ({ name, kind: 'udp', address: '127.0.0.53', port: 53, url: null, provider });
const RESOLVERS = [resolver('alpha', 'Cloudflare'), resolver('beta', 'Google')];
const NAMES = ['a', 'b', 'c'];

function resolvedBy(r: string, host: string): DnsAnswer[] {
  return [dnsAnswer({ resolver: r, name: host, type: 'A', values: ['127.0.1.1'] }), dnsAnswer({ resolver: r, name: host, type: 'AAAA', outcome: 'empty', values: [] })];
}
function refusedBy(r: string, host: string, ede: { code: number; text: string }): DnsAnswer[] {
  return (['A', 'AAAA'] as const).map((type) => dnsAnswer({ resolver: r, name: host, type, outcome: 'refused', rcode: 'REFUSED', values: [], ede: [ede] }));
}
function served(name: string): Attempt {
  return attempt({ ...fetchResult({ ...responses.healthy(), address: '127.0.1.1' }), id: `${name}|edge|127.0.1.1`, site: name, resolver: 'alpha', resolvers: ['alpha'], outcome: 'ok' });
}
function noAddress(name: string, r: string): Attempt {
  return attempt({ ...fetchResult({ httpStatus: null, address: null, error: { code: 'REFUSED', message: 'x' }, failedPhase: 'dns' }), id: `${name}|edge|dns:${r}`, site: name, resolver: r, resolvers: [r], outcome: 'dns-error' });
}

/** Every site resolved by alpha; beta refuses each with the EDE given. */
function betaRefuses(ede: { code: number; text: string }) {
  const dns = NAMES.flatMap((n) => [...resolvedBy('alpha', `${n}.test`), ...refusedBy('beta', `${n}.test`, ede)]);
  const attempts = NAMES.flatMap((n) => [served(n), noAddress(n, 'beta')]);
  const result = attributeRecorded({ sites: NAMES.map((n) => site({ name: n, url: `https://${n}.test/` })), resolvers: RESOLVERS }, dns, attempts, catalog, { minSites: 2 });
  return { ...result, verdict: decideVerdict(result.sites, result.local, result.incidents, result.host, result.findings) };
}

describe('a resolver that withholds names or refuses this client', () => {
  it('names withheld by policy (EDE 16 "Censored") are no resolver incident: each site says who withholds it and why', () => {
    const r = betaRefuses({ code: 16, text: 'Censored' });
    expect(r.incidents).toEqual([]);
    for (const s of r.sites) {
      expect(s).toMatchObject({ status: 'degraded', blame: { layer: 'resolver' } });
      expect(s.blame!.reason).toMatch(/^resolver beta withholds [abc]\.test by its policy \(EDE 16 "Censored"\): a blocklist or filter's decision about the name, not a failure/);
    }
  });

  it('a resolver refusing this host (EDE 18 "Prohibited") is one this host cannot use: no incident, the sites judged on the others', () => {
    const r = betaRefuses({ code: 18, text: 'Prohibited' });
    expect(r.incidents).toEqual([]);
    expect(r.host.blockedResolvers).toEqual(['beta']);
    expect(r.host.notes).toContain('resolver beta refuses queries from this host (EDE 18 "Prohibited"): it serves other networks, not this one; names were judged on alpha');
    for (const s of r.sites) expect(s.status).toBe('ok');
    expect(r.verdict).toMatchObject({ verdict: 'ok', exitCode: 0 });
    expect(r.verdict.summary).toMatch(/resolver beta refuses this host/);
  });

  it('control: the same refusals with no EDE are that resolver failing names the other answers, an incident', () => {
    const r = betaRefuses({ code: 0, text: '' });
    expect(r.incidents.map((i) => [i.kind, i.provider, i.resolvers])).toEqual([['resolver', 'Google', ['beta']]]);
  });
});
