// Small hand-made reports for the pure state, notify and report tests.

import type { Incident, Report, SiteProvider, SiteReport, SiteStatus } from '../../src/model.js';
import { attempt } from '../support/records.js';

export function siteReport(name: string, status: SiteStatus = 'ok', overrides: Partial<SiteReport> = {}): SiteReport {
  const failing = status !== 'ok';
  return {
    name,
    url: `https://${name}.test/`,
    host: `${name}.test`,
    status,
    reason: failing ? `every attempt fails: 2 × http-error` : null,
    providers: [],
    blame: failing ? { layer: 'site', provider: null, confidence: 0.6, reason: `${name} answers 503 itself` } : null,
    change: null,
    since: null,
    chain: [],
    failingZone: null,
    dns: [],
    attempts: [
      attempt({
        id: `${name}|edge|127.0.0.10`,
        site: name,
        url: `https://${name}.test/`,
        outcome: failing ? 'http-error' : 'ok',
        httpStatus: failing ? 503 : 200,
        layer: failing ? 'site' : null,
      }),
    ],
    ...overrides,
  };
}

export function incident(provider: string, layer: Incident['layer'], sites: string[], overrides: Partial<Incident> = {}): Incident {
  return {
    id: `provider:${provider}:${layer}`,
    kind: 'provider',
    provider,
    layer,
    sites,
    probed: sites.length + 1,
    controls: ['control'],
    scope: 'partial',
    confidence: 0.85,
    summary: `${provider} ${layer} incident (partial): ${sites.length} of ${sites.length + 1} ${provider}-fronted sites fail with 500 (confidence 0.85)`,
    evidence: Array.from({ length: 12 }, (_, i) => `evidence line ${i + 1}`),
    locations: [],
    healthyLocations: [],
    acknowledged: null,
    change: null,
    since: null,
    ...overrides,
  };
}

export const CLOUDFLARE_STACK: SiteProvider[] = [{ layer: 'edge', provider: 'Cloudflare', evidence: ['server: cloudflare'] }];

export function report(sites: SiteReport[], incidents: Incident[] = [], overrides: Partial<Report> = {}): Report {
  const failing = sites.filter((s) => s.status !== 'ok');
  const verdict = incidents.length > 0 ? 'provider-incident' : failing.length > 0 ? 'site-failures' : 'ok';
  return {
    schema: 'outage-probe.report/v1',
    tool: { name: 'outage-probe', version: '0.1.0' },
    startedAt: '2026-11-22T10:00:00.000Z',
    durationMs: 1234,
    vantage: 'probe-1',
    config: 'probes.yaml',
    complete: true,
    verdict,
    summary: verdict === 'ok' ? `all ${sites.length} sites ok` : `${failing.length} failing`,
    exitCode: verdict === 'ok' ? 0 : verdict === 'site-failures' ? 1 : 2,
    resolvers: [{ name: 'alpha', kind: 'udp', address: '127.0.0.53', url: null, provider: null }],
    sites,
    incidents,
    resolvedIncidents: [],
    providerChanges: [],
    shard: null,
    state: null,
    notifications: [],
    ...overrides,
  };
}
