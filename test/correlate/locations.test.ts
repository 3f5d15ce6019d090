// Incidents scoped by location: a PoP that fails while the provider's other PoPs serve the same sites,
// every seen PoP failing, and the controls where the location explains nothing.

import { describe, expect, it } from 'vitest';
import { scopeByLocation } from '../../src/correlate/locations.js';
import { providerIncidents, resolverIncidents } from '../../src/correlate/incidents.js';
import type { RememberedLocations } from '../../src/state/locations.js';
import { responses } from '../support/responses.js';
import { facts, fetched, noResponse, resolvedBy, RESOLVERS, spec } from './location-facts.js';

const CF_SITES = ['cf1', 'cf2', 'cf3'];
const fastlyControl = {
  spec: spec('fastly1'),
  dns: resolvedBy('fastly1.test', { alpha: '127.0.20.1', beta: '127.0.20.1', gamma: '127.0.20.1' }),
  attempt: fetched('fastly1', '127.0.20.1', responses.fastlyOk(), ['alpha', 'beta', 'gamma']),
};

describe('a Cloudflare PoP failing while another serves the same sites', () => {
  // Resolver alpha steers to edge addresses routed to FRA, which no longer accept connections (their
  // location is remembered from the last run); beta and gamma steer to addresses served from ZRH.
  const memory: RememberedLocations = Object.fromEntries(
    CF_SITES.map((_, i) => [
      `127.0.10.${i + 1}`,
      { location: { provider: 'Cloudflare', code: 'FRA', kind: 'pop' as const, evidence: 'header cf-ray: 8fcb3f8a0cc56750-FRA' }, seenAt: '2026-11-21T23:00:00.000Z' },
    ]),
  );
  const sites = facts(
    [...CF_SITES.map((s) => spec(s)), fastlyControl.spec],
    [...CF_SITES.flatMap((s, i) => resolvedBy(`${s}.test`, { alpha: `127.0.10.${i + 1}`, beta: `127.0.11.${i + 1}`, gamma: `127.0.11.${i + 1}` })), ...fastlyControl.dns],
    [
      ...CF_SITES.map((s, i) => fetched(s, `127.0.10.${i + 1}`, noResponse('UND_ERR_CONNECT_TIMEOUT', 'connect'), ['alpha'])),
      ...CF_SITES.map((s, i) => fetched(s, `127.0.11.${i + 1}`, responses.cloudflareOk('ZRH'), ['beta', 'gamma'])),
      fastlyControl.attempt,
    ],
    memory,
  );
  const incidents = providerIncidents(sites, { minSites: 2 }).incidents;

  it('raises the Cloudflare network incident the location is then read for', () => {
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ provider: 'Cloudflare', layer: 'network', sites: CF_SITES });
  });

  it('names the failing and the healthy locations, scope partial, in one summary clause', () => {
    const scoped = scopeByLocation(incidents[0]!, sites);
    expect(scoped.locations).toEqual(['FRA']);
    expect(scoped.healthyLocations).toEqual(['ZRH']);
    expect(scoped.scope).toBe('partial');
    expect(scoped.summaryClause).toBe('Cloudflare failing at FRA (remembered) via resolver alpha; ZRH healthy via beta and gamma');
    expect(scoped.evidence.join('\n')).toMatch(/FRA: 3 of 3 Cloudflare requests fail \(cf1, cf2, cf3\)/);
    expect(scoped.evidence.join('\n')).toMatch(/ZRH: 3 Cloudflare requests succeed; serving cf1, cf2, cf3/);
  });

  it('without the memory, the failures have no location: only where the provider serves is reported', () => {
    const forgetful = facts(
      [...CF_SITES.map((s) => spec(s)), fastlyControl.spec],
      sites.flatMap((s) => s.report.dns),
      sites.flatMap((s) => s.report.attempts).map((a) => ({ ...a, location: null })),
    );
    const incident = providerIncidents(forgetful, { minSites: 2 }).incidents[0]!;
    const scoped = scopeByLocation(incident, forgetful);
    expect(scoped).toMatchObject({
      locations: [],
      healthyLocations: ['ZRH'],
      scope: incident.scope,
      summaryClause: 'Cloudflare serves at ZRH via beta and gamma; every failing request went to 127.0.10.1, 127.0.10.2 and 127.0.10.3 via resolver alpha, which answered nothing (no location to read)',
    });
    expect(scoped.evidence).toContain('3 failing requests without a known location, all to 127.0.10.1, 127.0.10.2 and 127.0.10.3, which answered nothing');
  });

  it('an address that failed some requests and served others is not named as where the failures go', () => {
    // cf1's failing address also served cf2 (through beta): a dead address does not explain that failure.
    const attempts = [
      fetched('cf1', '127.0.10.1', noResponse('UND_ERR_CONNECT_TIMEOUT', 'connect'), ['alpha']),
      fetched('cf2', '127.0.10.2', noResponse('UND_ERR_CONNECT_TIMEOUT', 'connect'), ['alpha']),
      fetched('cf2', '127.0.10.1', responses.cloudflareOk('ZRH'), ['beta', 'gamma'], { id: 'cf2|edge|127.0.10.1' }),
      fetched('cf1', '127.0.11.1', responses.cloudflareOk('ZRH'), ['beta', 'gamma']),
      fastlyControl.attempt,
    ];
    const mixedUp = facts(
      [spec('cf1'), spec('cf2'), fastlyControl.spec],
      [...resolvedBy('cf1.test', { alpha: '127.0.10.1', beta: '127.0.11.1' }), ...resolvedBy('cf2.test', { alpha: '127.0.10.2', beta: '127.0.10.1' }), ...fastlyControl.dns],
      attempts.map((a) => ({ ...a, location: a.outcome === 'ok' ? a.location : null })),
    );
    const incident = providerIncidents(mixedUp, { minSites: 2 }).incidents[0]!;
    expect(incident).toMatchObject({ provider: 'Cloudflare', layer: 'network', sites: ['cf1', 'cf2'] });
    const scoped = scopeByLocation(incident, mixedUp);
    expect(scoped.summaryClause).toMatch(/; the failing requests carry no location$/);
    expect(scoped.evidence.join('\n')).not.toMatch(/answered nothing/);
  });
});

describe('every seen location failing', () => {
  const sites = facts(
    [...CF_SITES.map((s) => spec(s)), fastlyControl.spec],
    [...CF_SITES.flatMap((s, i) => resolvedBy(`${s}.test`, { alpha: `127.0.10.${i + 1}`, beta: `127.0.10.${i + 1}` })), ...fastlyControl.dns],
    [...CF_SITES.map((s, i) => fetched(s, `127.0.10.${i + 1}`, responses.cloudflareEdge500('FRA'), ['alpha', 'beta'])), fastlyControl.attempt],
  );
  const incident = providerIncidents(sites, { minSites: 2 }).incidents[0]!;

  it('says scope all and that FRA is the only location seen', () => {
    expect(incident).toMatchObject({ provider: 'Cloudflare', layer: 'edge', scope: 'full' });
    const scoped = scopeByLocation(incident, sites);
    expect(scoped).toMatchObject({ locations: ['FRA'], healthyLocations: [], scope: 'all' });
    // gamma (the Fastly control's) is a resolver of the run too: alpha and beta are named.
    expect(scoped.summaryClause).toBe('Cloudflare failing at FRA via resolvers alpha and beta, the only Cloudflare location seen');
    // When the failing requests came through every resolver of the run, their names say nothing more.
    const control = { ...fastlyControl, attempt: fetched('fastly1', '127.0.20.1', responses.fastlyOk(), ['alpha', 'beta']) };
    const everyResolver = facts(
      [...CF_SITES.map((s) => spec(s)), control.spec],
      [...CF_SITES.flatMap((s, i) => resolvedBy(`${s}.test`, { alpha: `127.0.10.${i + 1}`, beta: `127.0.10.${i + 1}` })), ...control.dns],
      [...CF_SITES.map((s, i) => fetched(s, `127.0.10.${i + 1}`, responses.cloudflareEdge500('FRA'), ['alpha', 'beta'])), control.attempt],
    );
    const all = scopeByLocation(providerIncidents(everyResolver, { minSites: 2 }).incidents[0]!, everyResolver);
    expect(all.summaryClause).toBe('Cloudflare failing at FRA via every resolver, the only Cloudflare location seen');
  });

  it('lists several failing locations as every location seen', () => {
    const spread = facts(
      [...CF_SITES.map((s) => spec(s)), fastlyControl.spec],
      [...CF_SITES.flatMap((s, i) => resolvedBy(`${s}.test`, { alpha: `127.0.10.${i + 1}` })), ...fastlyControl.dns],
      [...CF_SITES.map((s, i) => fetched(s, `127.0.10.${i + 1}`, responses.cloudflareEdge500(['FRA', 'AMS', 'AMS'][i]), ['alpha'])), fastlyControl.attempt],
    );
    const scoped = scopeByLocation(providerIncidents(spread, { minSites: 2 }).incidents[0]!, spread);
    expect(scoped.scope).toBe('all');
    expect(scoped.locations).toEqual(['AMS', 'FRA']);
    expect(scoped.summaryClause).toMatch(/^Cloudflare failing at every location seen: AMS via resolver alpha, FRA via resolver alpha$/);
  });
});

describe('controls: the location explains nothing', () => {
  /** Sites cf1, cf2 … through resolver alpha, each answered at its location with Cloudflare's 500 or content; the Fastly control. */
  const answeredAt = (answers: Array<[location: string, failing: boolean]>) => {
    const names = answers.map((_, i) => `cf${i + 1}`);
    return facts(
      [...names.map((s) => spec(s)), fastlyControl.spec],
      [...names.flatMap((s, i) => resolvedBy(`${s}.test`, { alpha: `127.0.10.${i + 1}` })), ...fastlyControl.dns],
      [...answers.map(([code, failing], i) => fetched(names[i]!, `127.0.10.${i + 1}`, failing ? responses.cloudflareEdge500(code) : responses.cloudflareOk(code), ['alpha'])), fastlyControl.attempt],
    );
  };

  it('keeps the site scope when other sites load at the failing location (2025-12-05 shape)', () => {
    const sites = answeredAt([['FRA', true], ['FRA', true], ['FRA', false], ['FRA', false]]);
    const incident = providerIncidents(sites, { minSites: 2 }).incidents[0]!;
    expect(incident.scope).toBe('partial');
    const scoped = scopeByLocation(incident, sites);
    expect(scoped.scope).toBe('partial');
    expect(scoped.locations).toEqual(['FRA']);
    expect(scoped.healthyLocations).toEqual([]);
    expect(scoped.summaryClause).toBe('Cloudflare failures seen at FRA (2 of 4 requests there fail), where other Cloudflare requests succeed');
  });

  it('says the failure is bound to no location when every location seen fails some requests and serves others', () => {
    const sites = answeredAt([['FRA', true], ['AMS', true], ['FRA', false], ['AMS', false]]);
    const scoped = scopeByLocation(providerIncidents(sites, { minSites: 2 }).incidents[0]!, sites);
    expect(scoped).toMatchObject({ scope: 'partial', locations: ['AMS', 'FRA'], healthyLocations: [] });
    expect(scoped.summaryClause).toBe('not bound to a location: at each of AMS and FRA, some Cloudflare requests fail and others succeed');
  });

  it('does not count a site failing for its own reasons at a location as the provider failing there', () => {
    // cf3's origin is down behind a healthy edge at ZRH (521): not part of the edge incident, and no proof
    // that ZRH is healthy either, so the one location seen with the incident's failures is FRA.
    const sites = facts(
      [...CF_SITES.map((s) => spec(s)), fastlyControl.spec],
      [...CF_SITES.flatMap((s, i) => resolvedBy(`${s}.test`, { alpha: `127.0.10.${i + 1}` })), ...fastlyControl.dns],
      [
        fetched('cf1', '127.0.10.1', responses.cloudflareEdge500('FRA'), ['alpha']),
        fetched('cf2', '127.0.10.2', responses.cloudflareEdge500('FRA'), ['alpha']),
        fetched('cf3', '127.0.10.3', { ...responses.cloudflare521('cf3.test'), headers: { server: 'cloudflare', 'cf-ray': '8fcb3f8a0cc56751-ZRH' } }, ['alpha']),
        fastlyControl.attempt,
      ],
    );
    const incident = providerIncidents(sites, { minSites: 2 }).incidents[0]!;
    expect(incident.sites).toEqual(['cf1', 'cf2']);
    const scoped = scopeByLocation(incident, sites);
    expect(scoped.locations).toEqual(['FRA']);
    expect(scoped.healthyLocations).toEqual([]);
    expect(scoped.scope).toBe('all');
  });

  it('leaves resolver incidents alone', () => {
    const sites = facts(
      [spec('a'), spec('b')],
      [...resolvedBy('a.test', { alpha: 'timeout', beta: '127.0.30.1' }), ...resolvedBy('b.test', { alpha: 'timeout', beta: '127.0.30.2' })],
      [fetched('a', '127.0.30.1', responses.cloudflareOk('FRA'), ['beta']), fetched('b', '127.0.30.2', responses.cloudflareOk('FRA'), ['beta'])],
    );
    const incident = resolverIncidents(sites, sites.flatMap((s) => s.report.dns), RESOLVERS, { minSites: 2 }).incidents[0]!;
    expect(incident.kind).toBe('resolver');
    expect(scopeByLocation(incident, sites)).toMatchObject({ locations: [], healthyLocations: [], scope: incident.scope, summaryClause: null });
  });
});
