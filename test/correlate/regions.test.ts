// Cloud-region incidents: several sites hosted in one region failing each in its own way, and the
// controls that must blame no region.

import { describe, expect, it } from 'vitest';
import { regionIncidents, siteRegion } from '../../src/correlate/regions.js';
import { scopeByLocation } from '../../src/correlate/locations.js';
import type { Attempt, DnsAnswer, FetchResult, SiteSpec } from '../../src/model.js';
import { responses } from '../support/responses.js';
import { catalog, facts, fetched, noResponse, NOW, resolvedBy, RESOLVERS, spec } from './location-facts.js';
import { attributeRecorded } from '../support/pipeline.js';
import { decideVerdict } from '../../src/correlate/verdict.js';
import { dnsAnswer } from '../support/records.js';

const BOTH = ['alpha', 'beta'];

interface SiteSetup {
  spec: SiteSpec;
  dns: DnsAnswer[];
  attempts: Attempt[];
}

const albOk = (): Partial<FetchResult> => ({ httpStatus: 200, headers: { server: 'awselb/2.0' }, bodySample: '<html>ok</html>' });
const alb503 = (): Partial<FetchResult> => ({
  httpStatus: 503,
  headers: { server: 'awselb/2.0', 'content-type': 'text/html' },
  bodySample: '<html><head><title>503 Service Temporarily Unavailable</title></head><body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>',
});
const wafChallenge = (): Partial<FetchResult> => ({ httpStatus: 202, headers: { server: 'awselb/2.0', 'x-amzn-waf-action': 'challenge' }, bodySample: '' });

/** A site on an AWS load balancer at `address` (its region comes from the range index). */
function onAddress(name: string, address: string, response: Partial<FetchResult>): SiteSetup {
  return { spec: spec(name), dns: resolvedBy(`${name}.test`, { alpha: address, beta: address }), attempts: [fetched(name, address, response, BOTH)] };
}

/** A dependency endpoint that no resolver returns an address for (its region comes from its host name). */
function endpointWithoutAddress(name: string, host: string): SiteSetup {
  return {
    spec: spec(name, host),
    dns: resolvedBy(host, { alpha: 'empty', beta: 'empty' }),
    attempts: BOTH.map((r) => fetched(name, null, { ...noResponse('NODATA', 'dns'), url: `https://${host}/` }, [r])),
  };
}

function build(setups: SiteSetup[]) {
  return facts(
    setups.map((s) => s.spec),
    setups.flatMap((s) => s.dns),
    setups.flatMap((s) => s.attempts),
  );
}

const controls = (): SiteSetup[] => [
  onAddress('api-eu', '127.0.41.1', albOk()),
  onAddress('cf1', '127.0.10.1', responses.cloudflareOk('FRA')),
  onAddress('fastly1', '127.0.20.1', responses.fastlyOk()),
];

describe('us-east-1 failing while eu-west-1 and other providers serve', () => {
  const sites = build([
    onAddress('api-a', '127.0.40.1', alb503()),
    onAddress('api-b', '127.0.40.2', noResponse('UND_ERR_CONNECT_TIMEOUT', 'connect')),
    endpointWithoutAddress('dynamodb', 'dynamodb.us-east-1.amazonaws.com'),
    ...controls(),
  ]);

  it('places each site in its region from its address range or its host name', () => {
    const regions = Object.fromEntries(sites.map((s) => [s.report.name, siteRegion(s)?.region ?? null]));
    expect(regions).toEqual({ 'api-a': 'us-east-1', 'api-b': 'us-east-1', dynamodb: 'us-east-1', 'api-eu': 'eu-west-1', cf1: null, fastly1: null });
  });

  it('raises one AWS us-east-1 incident at the origin layer, naming the region and the healthy one', () => {
    const incidents = regionIncidents(sites, { minSites: 2 }).incidents;
    expect(incidents).toHaveLength(1);
    const incident = incidents[0]!;
    expect(incident).toMatchObject({
      id: 'provider:AWS:origin:us-east-1',
      kind: 'provider',
      provider: 'AWS',
      layer: 'origin',
      sites: ['api-a', 'api-b', 'dynamodb'],
      probed: 3,
      controls: ['api-eu', 'cf1', 'fastly1'],
      scope: 'full',
      locations: ['us-east-1'],
      healthyLocations: ['eu-west-1'],
    });
    expect(incident.summary).toMatch(/^AWS us-east-1 region incident: 3 of 3 sites hosted in AWS us-east-1 fail \(AWS 503, connect timeout, no DNS answer\); 1 site in AWS eu-west-1 is healthy; 2 sites on other providers are healthy/);
    // Weaker evidence than a provider's own error pages: below the edge-incident range, above a guess.
    expect(incident.confidence).toBeGreaterThanOrEqual(0.6);
    expect(incident.confidence).toBeLessThanOrEqual(0.8);
    expect(incident.evidence.join('\n')).toMatch(/dynamodb: no DNS answer \(host dynamodb\.us-east-1\.amazonaws\.com names region us-east-1\)/);
  });

  it('is partial and less sure when another site in the region still works', () => {
    const partial = build([
      onAddress('api-a', '127.0.40.1', alb503()),
      onAddress('api-b', '127.0.40.2', noResponse('UND_ERR_CONNECT_TIMEOUT', 'connect')),
      onAddress('api-c', '127.0.40.3', albOk()),
      ...controls(),
    ]);
    const [incident] = regionIncidents(partial, { minSites: 2 }).incidents;
    expect(incident).toMatchObject({ sites: ['api-a', 'api-b'], probed: 3, scope: 'partial' });
    expect(incident!.confidence).toBeLessThan(regionIncidents(sites, { minSites: 2 }).incidents[0]!.confidence);
  });
});

describe('controls that must blame no region', () => {
  it('never for one failing site', () => {
    const sites = build([onAddress('api-a', '127.0.40.1', alb503()), ...controls()]);
    expect(regionIncidents(sites, { minSites: 1 }).incidents).toEqual([]);
    const withHealthyNeighbour = build([onAddress('api-a', '127.0.40.1', alb503()), onAddress('api-c', '127.0.40.3', albOk()), ...controls()]);
    expect(regionIncidents(withHealthyNeighbour, { minSites: 2 }).incidents).toEqual([]);
  });

  it("not for two names of one customer's zone failing behind their load balancers (one customer's stack)", () => {
    const inZone = (setup: SiteSetup, host: string): SiteSetup => ({
      ...setup,
      spec: spec(setup.spec.name, host),
      dns: [...resolvedBy(host, { alpha: setup.attempts[0]!.address!, beta: setup.attempts[0]!.address! }), ...BOTH.map((r) => dnsAnswer({ resolver: r, name: host, type: 'NS', values: ['ns1.acme-dns.test'], zone: 'acme.test' }))],
      attempts: setup.attempts.map((a) => ({ ...a, url: `https://${host}/` })),
    });
    const sameZone = build([inZone(onAddress('www', '127.0.40.1', alb503()), 'www.acme.test'), inZone(onAddress('api', '127.0.40.2', noResponse('UND_ERR_CONNECT_TIMEOUT', 'connect')), 'api.acme.test'), ...controls()]);
    expect(sameZone.map((s) => s.stack.zone)).toEqual(['acme.test', 'acme.test', null, null, null]);
    expect(regionIncidents(sameZone, { minSites: 2 }).incidents).toEqual([]);
    expect(regionIncidents(sameZone, { minSites: 2 }).findings.map((f) => f.summary)).toEqual([
      expect.stringMatching(/^Possibly AWS us-east-1 region: 2 of 2 sites hosted in AWS us-east-1 fail .* — not an incident: every one is in the zone acme\.test: one customer's stack in us-east-1 can do this \(confidence 0\.4\)$/),
    ]);
    // The same two failures in two customers' zones are two witnesses.
    const twoZones = build([inZone(onAddress('www', '127.0.40.1', alb503()), 'www.acme.test'), onAddress('api-b', '127.0.40.2', noResponse('UND_ERR_CONNECT_TIMEOUT', 'connect')), ...controls()]);
    expect(regionIncidents(twoZones, { minSites: 2 }).incidents.map((i) => i.sites)).toEqual([['www', 'api-b']]);
  });

  it('not when fewer than half of the region fails', () => {
    const sites = build([
      onAddress('api-a', '127.0.40.1', alb503()),
      onAddress('api-b', '127.0.40.2', alb503()),
      ...['c', 'd', 'e'].map((n, i) => onAddress(`api-${n}`, `127.0.40.${10 + i}`, albOk())),
      ...controls(),
    ]);
    expect(regionIncidents(sites, { minSites: 2 }).incidents).toEqual([]);
  });

  it("not when the cloud's other regions fail too (the cloud, not one region)", () => {
    const sites = build([
      onAddress('api-a', '127.0.40.1', alb503()),
      onAddress('api-b', '127.0.40.2', alb503()),
      onAddress('api-eu', '127.0.41.1', alb503()),
      onAddress('cf1', '127.0.10.1', responses.cloudflareOk('FRA')),
    ]);
    expect(regionIncidents(sites, { minSites: 2 }).incidents).toEqual([]);
  });

  it('not when the sites elsewhere fail as well (could be us)', () => {
    const sites = build([
      onAddress('api-a', '127.0.40.1', noResponse('UND_ERR_CONNECT_TIMEOUT', 'connect')),
      onAddress('api-b', '127.0.40.2', noResponse('UND_ERR_CONNECT_TIMEOUT', 'connect')),
      onAddress('cf1', '127.0.10.1', noResponse('UND_ERR_CONNECT_TIMEOUT', 'connect')),
      onAddress('fastly1', '127.0.20.1', noResponse('UND_ERR_CONNECT_TIMEOUT', 'connect')),
    ]);
    expect(regionIncidents(sites, { minSites: 2 }).incidents).toEqual([]);
  });

  it('not for challenges, nor for one resolver failing names in the region', () => {
    const challenged = build([onAddress('api-a', '127.0.40.1', wafChallenge()), onAddress('api-b', '127.0.40.2', wafChallenge()), ...controls()]);
    expect(challenged.filter((s) => s.report.status !== 'ok').map((s) => s.report.name)).toEqual(['api-a', 'api-b']);
    expect(regionIncidents(challenged, { minSites: 2 }).incidents).toEqual([]);

    const oneResolver = (name: string, host: string): SiteSetup => ({
      spec: spec(name, host),
      dns: resolvedBy(host, { alpha: 'servfail', beta: '127.0.40.20' }),
      attempts: [fetched(name, null, { ...noResponse('SERVFAIL', 'dns'), url: `https://${host}/` }, ['alpha']), fetched(name, '127.0.40.20', { ...albOk(), url: `https://${host}/` }, ['beta'])],
    });
    const sites = build([oneResolver('sqs', 'sqs.us-east-1.amazonaws.com'), oneResolver('sns', 'sns.us-east-1.amazonaws.com'), ...controls()]);
    expect(sites.filter((s) => s.report.status === 'degraded').map((s) => s.report.name)).toEqual(['sqs', 'sns']);
    expect(regionIncidents(sites, { minSites: 2 }).incidents).toEqual([]);
  });

  it("not for another provider's edge failing in front of sites in the region", () => {
    // Cloudflare's own 500s for sites whose host names put their origins in us-east-1.
    const behindCloudflare = (name: string, address: string): SiteSetup => ({
      spec: spec(name),
      dns: resolvedBy(`${name}.test`, { alpha: address, beta: address }, [`${name}-lb.us-east-1.elb.amazonaws.com`]),
      attempts: [fetched(name, address, responses.cloudflareEdge500('FRA'), BOTH)],
    });
    const sites = build([behindCloudflare('shop', '127.0.10.5'), behindCloudflare('blog', '127.0.10.6'), onAddress('fastly1', '127.0.20.1', responses.fastlyOk())]);
    expect(sites.map((s) => siteRegion(s)?.region ?? null)).toEqual(['us-east-1', 'us-east-1', null]);
    expect(regionIncidents(sites, { minSites: 2 }).incidents).toEqual([]);
  });

  it('not for sites another incident already explains', () => {
    const sites = build([
      onAddress('api-a', '127.0.40.1', alb503()),
      onAddress('api-b', '127.0.40.2', noResponse('UND_ERR_CONNECT_TIMEOUT', 'connect')),
      endpointWithoutAddress('dynamodb', 'dynamodb.us-east-1.amazonaws.com'),
      ...controls(),
    ]);
    expect(regionIncidents(sites, { minSites: 2, explained: ['dynamodb', 'api-b'] }).incidents).toEqual([]);
    expect(regionIncidents(sites, { minSites: 2, explained: ['dynamodb'] }).incidents[0]?.sites).toEqual(['api-a', 'api-b']);
  });
});

describe("sites on one customer's server", () => {
  // A small agency's or a SaaS's one instance or load balancer serving several customers' names: as many zones as
  // sites, one machine. It read as "AWS us-east-1 region incident: 3 of 3 sites … fail (ECONNREFUSED)", exit 2.
  const refused = () => noResponse('ECONNREFUSED', 'connect');
  const oneBox = (response: () => Partial<FetchResult>) => ['alpha', 'bravo', 'charlie'].map((n) => onAddress(n, '127.0.40.7', response()));

  it('are one witness however many zones point at it: a finding, not a region incident', () => {
    for (const response of [refused, alb503, () => noResponse('UND_ERR_CONNECT_TIMEOUT', 'connect')]) {
      const sites = build([...oneBox(response), ...controls()]);
      expect(sites.filter((s) => s.report.status === 'down').map((s) => s.report.name)).toEqual(['alpha', 'bravo', 'charlie']);
      const { incidents, findings } = regionIncidents(sites, { minSites: 2 });
      expect(incidents).toEqual([]);
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({ id: 'provider:AWS:origin:us-east-1', sites: ['alpha', 'bravo', 'charlie'], confidence: 0.4, locations: ['us-east-1'] });
      expect(findings[0]!.summary).toMatch(/^Possibly AWS us-east-1 region: 3 of 3 sites hosted in AWS us-east-1 fail \(.+\); 1 site in AWS eu-west-1 is healthy; 2 sites on other providers are healthy — not an incident: every one fails at 127\.0\.40\.7: one server or load balancer of one customer in us-east-1, not the region \(confidence 0\.4\)$/);
      expect(findings[0]!.evidence).toContain('not an incident: every one fails at 127.0.40.7: one server or load balancer of one customer in us-east-1, not the region');
    }
  });

  it('leave the run at site failures (exit 1), with the finding said and no provider blamed', () => {
    const setups = [...oneBox(refused), ...controls()];
    const result = attributeRecorded({ sites: setups.map((s) => s.spec), resolvers: RESOLVERS }, setups.flatMap((s) => s.dns), setups.flatMap((s) => s.attempts), catalog, { minSites: 2 }, { now: NOW });
    const verdict = decideVerdict(result.sites, result.local, result.incidents, result.host, result.findings);
    expect(result.incidents).toEqual([]);
    expect(result.findings.map((f) => f.id)).toEqual(['provider:AWS:origin:us-east-1']);
    expect(verdict).toMatchObject({ verdict: 'site-failures', exitCode: 1 });
    expect(verdict.summary).toContain('possibly shared, not confirmed: AWS us-east-1 origin');
    for (const name of ['alpha', 'bravo', 'charlie']) expect(result.sites.find((s) => s.name === name)!.blame).toMatchObject({ provider: null });
  });

  it('linked through shared servers are one witness too; two servers are two', () => {
    // alpha and bravo on one server, bravo also on a second that charlie uses: one customer's pair of machines.
    const linked = build([
      { ...onAddress('alpha', '127.0.40.7', refused()) },
      { spec: spec('bravo'), dns: resolvedBy('bravo.test', { alpha: '127.0.40.7', beta: '127.0.40.8' }), attempts: [fetched('bravo', '127.0.40.7', refused(), ['alpha']), fetched('bravo', '127.0.40.8', refused(), ['beta'])] },
      onAddress('charlie', '127.0.40.8', refused()),
      ...controls(),
    ]);
    expect(regionIncidents(linked, { minSites: 2 }).incidents).toEqual([]);
    expect(regionIncidents(linked, { minSites: 2 }).findings[0]!.summary).toContain('not an incident: they share servers (127.0.40.7, 127.0.40.8) or customer zones');
    const twoServers = build([...oneBox(refused).slice(0, 2), onAddress('delta', '127.0.40.9', alb503()), ...controls()]);
    expect(regionIncidents(twoServers, { minSites: 2 }).incidents.map((i) => i.sites)).toEqual([['alpha', 'bravo', 'delta']]);
    expect(regionIncidents(twoServers, { minSites: 3 }).incidents).toEqual([]);
    expect(regionIncidents(twoServers, { minSites: 3 }).findings[0]!.summary).toContain('not an incident: they come down to 2 independent servers or customer zones, fewer than 3');
  });

  it("are told apart by name where the addresses come through the provider's own names (one gateway address serves many customers)", () => {
    const gateway = (name: string) => ({
      spec: spec(name),
      dns: resolvedBy(`${name}.test`, { alpha: '127.0.40.30', beta: '127.0.40.30' }, [`d-${name}.execute-api.us-east-1.amazonaws.com`]),
      attempts: [fetched(name, '127.0.40.30', noResponse('UND_ERR_CONNECT_TIMEOUT', 'connect'), BOTH)],
    });
    const sites = build([gateway('alpha'), gateway('bravo'), ...controls()]);
    expect(sites.map((s) => s.stack.providerNamedAddresses)).toEqual([true, true, false, false, false]);
    expect(regionIncidents(sites, { minSites: 2 }).incidents.map((i) => i.sites)).toEqual([['alpha', 'bravo']]);
    // Two names behind one gateway name are one customer's.
    const sameName = build([gateway('alpha'), { ...gateway('bravo'), dns: resolvedBy('bravo.test', { alpha: '127.0.40.30', beta: '127.0.40.30' }, ['d-alpha.execute-api.us-east-1.amazonaws.com']) }, ...controls()]);
    expect(regionIncidents(sameName, { minSites: 2 }).incidents).toEqual([]);
    expect(regionIncidents(sameName, { minSites: 2 }).findings[0]!.summary).toContain('every one fails at d-alpha.execute-api.us-east-1.amazonaws.com');
  });
});

describe('region incidents and location scoping', () => {
  it('keeps the locations a region incident already carries', () => {
    const sites = build([
      onAddress('api-a', '127.0.40.1', alb503()),
      onAddress('api-b', '127.0.40.2', noResponse('UND_ERR_CONNECT_TIMEOUT', 'connect')),
      ...controls(),
    ]);
    const incident = regionIncidents(sites, { minSites: 2 }).incidents[0]!;
    expect(scopeByLocation(incident, sites)).toMatchObject({ locations: ['us-east-1'], healthyLocations: ['eu-west-1'], scope: incident.scope, summaryClause: null });
  });
});
