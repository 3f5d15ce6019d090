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

describe('a resolver that says names do not exist (NXDOMAIN) that other resolvers answer', () => {
  function nxBy(r: string, host: string, ede: Array<{ code: number; text: string }> = []): DnsAnswer[] {
    return (['A', 'AAAA'] as const).map((type) => dnsAnswer({ resolver: r, name: host, type, outcome: 'nxdomain', rcode: 'NXDOMAIN', values: [], ede }));
  }
  const nxAttempt = (name: string, r: string) => ({ ...noAddress(name, r), error: { code: 'NXDOMAIN', message: `${r}: nxdomain for ${name}.test` } });
  function betaDenies(resolvers: ResolverSpec[], ede: Array<{ code: number; text: string }> = []) {
    const dns = NAMES.flatMap((n) => [...resolvedBy('alpha', `${n}.test`), ...nxBy('beta', `${n}.test`, ede)]);
    const attempts = NAMES.flatMap((n) => [served(n), nxAttempt(n, 'beta')]);
    const result = attributeRecorded({ sites: NAMES.map((n) => site({ name: n, url: `https://${n}.test/` })), resolvers }, dns, attempts, catalog, { minSites: 2 });
    return { ...result, verdict: decideVerdict(result.sites, result.local, result.incidents, result.host, result.findings) };
  }

  it('names the other resolver answers with addresses that serve: that resolver fails them, an incident (it read as "3 degraded, no shared cause")', () => {
    const r = betaDenies(RESOLVERS);
    expect(r.incidents.map((i) => [i.kind, i.provider, i.resolvers])).toEqual([['resolver', 'Google', ['beta']]]);
    expect(r.incidents[0]!.summary).toMatch(/^Google resolver beta failing: nxdomain for 3 of 3 names that alpha answers/);
    expect(r.incidents[0]!.evidence.join(' ')).toMatch(/it says names do not exist \(NXDOMAIN\) that other resolvers answer with addresses that serve the sites: a filter answering NXDOMAIN, a split-horizon or VPN resolver/);
    for (const s of r.sites) expect(s.blame).toMatchObject({ layer: 'resolver', provider: 'Google' });
    expect(r.verdict.exitCode).toBe(2);
  });

  it("this host's own resolver doing it is named as such", () => {
    const system: ResolverSpec = { name: 'beta', kind: 'system', provider: null };
    const r = betaDenies([resolver('alpha', 'Cloudflare'), system]);
    expect(r.incidents).toHaveLength(1);
    expect(r.incidents[0]!.summary).toMatch(/^This host's own resolver \(beta: getaddrinfo, \/etc\/resolv\.conf\) failing: nxdomain for 3 of 3 names/);
  });

  it('control: an NXDOMAIN the resolver marks as its policy (EDE 15 "Blocked") is no failure', () => {
    const r = betaDenies(RESOLVERS, [{ code: 15, text: 'Blocked' }]);
    expect(r.incidents).toEqual([]);
  });

  it('control: names that really are missing, which one resolver "answers" with a redirect, fail none of the honest resolvers', () => {
    const three = [...RESOLVERS, resolver('gamma', 'Quad9')];
    // alpha (an ISP's NXDOMAIN redirect) gives an address whose certificate is another name's; beta and gamma say NXDOMAIN.
    const redirect = (name: string) =>
      attempt({
        ...fetchResult({ httpStatus: null, address: '127.0.1.1', error: { code: 'ERR_TLS_CERT_ALTNAME_INVALID', message: 'altname' }, failedPhase: 'tls', tls: { subject: 'CN=search.isp.example', issuer: 'CN=CA', validFrom: '2026-01-01T00:00:00Z', validTo: '2027-01-01T00:00:00Z', authorized: false, authorizationError: 'ERR_TLS_CERT_ALTNAME_INVALID', altNames: ['search.isp.example'], fingerprint256: 'x' } as never }),
        id: `${name}|edge|127.0.1.1`,
        site: name,
        resolver: 'alpha',
        resolvers: ['alpha'],
        outcome: 'tls-error',
      });
    const dns = [
      ...NAMES.flatMap((n) => [...resolvedBy('alpha', `${n}.test`), ...nxBy('beta', `${n}.test`), ...nxBy('gamma', `${n}.test`)]),
      ...['alpha', 'beta', 'gamma'].flatMap((r) => resolvedBy(r, 'real.test')),
    ];
    // real.test exists, every resolver answers it and it serves: the network works.
    const real = { ...served('real'), resolvers: ['alpha', 'beta', 'gamma'] };
    const attempts = [...NAMES.flatMap((n) => [redirect(n), nxAttempt(n, 'beta'), nxAttempt(n, 'gamma')]), real];
    const result = attributeRecorded({ sites: [...NAMES, 'real'].map((n) => site({ name: n, url: `https://${n}.test/` })), resolvers: three }, dns, attempts, catalog, { minSites: 2 });
    expect(result.local.down).toBe(false);
    expect(result.incidents.filter((i) => i.kind === 'resolver' && i.resolvers?.some((x) => x === 'beta' || x === 'gamma'))).toEqual([]);
  });
});
