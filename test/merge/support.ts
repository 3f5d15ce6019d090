// Hand-made vantage reports for the merge tests: one small world (two Cloudflare sites, two Fastly sites, one on
// Akamai, one plain blog) seen from several vantage points.

import type { Incident, Report, SiteStatus } from '../../src/model.js';
import type { VantageRun } from '../../src/merge/types.js';
import { incident, report, siteReport } from '../state/reports.js';

export const SITES = ['shop', 'forum', 'news', 'chirp', 'store', 'blog'] as const;
export type SiteName = (typeof SITES)[number];

export const T0 = '2026-11-22T10:00:00.000Z';

export const cloudflareEdge = (overrides: Partial<Incident> = {}) => incident('Cloudflare', 'edge', ['shop', 'forum'], { controls: ['news', 'store', 'blog'], ...overrides });
export const fastlyEdge = (overrides: Partial<Incident> = {}) => incident('Fastly', 'edge', ['news', 'chirp'], { controls: ['shop', 'store', 'blog'], ...overrides });
/** One vantage's ISP drops its connections to Fastly: a network-layer claim about Fastly, from that vantage only. */
export const fastlyNetwork = (overrides: Partial<Incident> = {}) => incident('Fastly', 'network', ['news', 'chirp'], { controls: ['shop', 'store', 'blog'], ...overrides });

export interface VantageSpec {
  down?: SiteName[];
  incidents?: Incident[];
  verdict?: Report['verdict'];
  startedAt?: string;
  durationMs?: number;
  file?: string;
  version?: string;
}

/** A report from `name`: the sites listed in `down` are down, the rest ok. */
export function vantageReport(name: string, spec: VantageSpec = {}): Report {
  const status = (site: SiteName): SiteStatus => (spec.down?.includes(site) ? 'down' : 'ok');
  const r = report(
    SITES.map((s) => siteReport(s, status(s))),
    spec.incidents ?? [],
    {
      vantage: name,
      startedAt: spec.startedAt ?? T0,
      durationMs: spec.durationMs ?? 2000,
      tool: { name: 'outage-probe', version: spec.version ?? '0.1.0' },
    },
  );
  if (spec.verdict === 'local-network') {
    return { ...r, verdict: 'local-network', exitCode: 3, summary: 'Local network problem: no reply from any of 2 resolvers (12 queries); no provider is blamed', incidents: [] };
  }
  return spec.verdict ? { ...r, verdict: spec.verdict } : r;
}

export function run(name: string, spec: VantageSpec = {}): VantageRun {
  return { file: spec.file ?? `${name}.json`, report: vantageReport(name, spec) };
}

export const MERGE_OPTIONS = { vantage: 'merger', version: '9.9.9', now: new Date('2026-11-22T10:05:00.000Z') };
