// A check report → the map: each site's dependencies (classify/dependencies.ts), then per provider and layer
// the sites that depend on it, and per provider the sites that would go down with it.

import type { DependencyLayer, Report, SiteReport } from '../model.js';
import type { Catalog } from '../fingerprint/index.js';
import { servedInfo, siteDependencies } from '../classify/dependencies.js';
import { ownAnswers } from '../classify/redirect.js';
import { customerZone } from '../classify/stack.js';
import { groupBy } from '../util/collections.js';
import { percent, plural } from '../util/text.js';
import { MAP_SCHEMA, type BlastRadius, type MapControlPlane, type MapProvider, type MapSite, type SiteMap } from './types.js';

/** --spof-threshold's default: a provider alone under a quarter of the sites is a single point of failure. */
export const DEFAULT_SPOF_THRESHOLD = 0.25;

/** Layers whose provider failing takes the site down. A CA's failure stops issuance and renewals, not traffic. */
export const DOWN_LAYERS: readonly DependencyLayer[] = ['authoritative-dns', 'edge', 'challenge', 'origin'];
const LAYER_ORDER: readonly DependencyLayer[] = [...DOWN_LAYERS, 'tls-issuer'];

export const LAYER_LABEL: Record<DependencyLayer, string> = {
  'authoritative-dns': 'DNS',
  edge: 'edge',
  challenge: 'challenge',
  origin: 'hosting',
  'tls-issuer': 'TLS issuer',
};

export interface MapOptions {
  spofThreshold: number;
  source: SiteMap['source'];
  version: string;
}

function mapSite(site: SiteReport, catalog: Catalog): MapSite {
  // What a fetch got at another owner's host a redirect took it to is that host's answer, not the site's.
  const attempts = ownAnswers(site.attempts, site.host, customerZone(site.dns, catalog));
  const stack = siteDependencies(site.dns, attempts, catalog);
  const count = (layer: DependencyLayer) => new Set(stack.filter((d) => d.layer === layer).map((d) => d.provider)).size;
  const answered = attempts.some((a) => a.path !== 'origin' && a.httpStatus !== null);
  const handshook = attempts.some((a) => a.path !== 'origin' && a.tls !== null);
  const nsAnswered = site.dns.some((d) => d.type === 'NS' && d.outcome === 'ok' && d.values.length > 0);
  const unknown = LAYER_ORDER.filter(
    (layer) =>
      count(layer) === 0 &&
      ((layer === 'authoritative-dns' && !nsAnswered) || (layer === 'edge' && !answered) || (layer === 'tls-issuer' && !handshook && site.url.startsWith('https:'))),
  );
  return {
    name: site.name,
    url: site.url,
    status: site.status,
    stack,
    singleProvider: LAYER_ORDER.filter((layer) => count(layer) === 1),
    redundant: LAYER_ORDER.filter((layer) => count(layer) > 1),
    unknown,
    served: servedInfo(site.dns, site.attempts),
  };
}

function providersOf(sites: MapSite[]): MapProvider[] {
  const entries = sites.flatMap((site) => site.stack.map((dep) => ({ site, dep })));
  const byKey = groupBy(entries, ({ dep }) => `${dep.layer}\u0000${dep.provider}`);
  return [...byKey.values()]
    .map((group) => {
      const { dep } = group[0]!;
      const names = [...new Set(group.map((g) => g.site.name))];
      return {
        provider: dep.provider,
        layer: dep.layer,
        identified: dep.identified,
        sites: names,
        share: sites.length > 0 ? names.length / sites.length : 0,
        alone: group.filter((g) => g.site.singleProvider.includes(dep.layer)).map((g) => g.site.name),
      };
    })
    .sort((a, b) => b.sites.length - a.sites.length || LAYER_ORDER.indexOf(a.layer) - LAYER_ORDER.indexOf(b.layer) || a.provider.localeCompare(b.provider));
}

function blastRadiusOf(providers: MapProvider[], siteCount: number, threshold: number): BlastRadius[] {
  const byProvider = groupBy(
    providers.filter((p) => DOWN_LAYERS.includes(p.layer)),
    (p) => p.provider,
  );
  const radius: BlastRadius[] = [];
  for (const [provider, layers] of byProvider) {
    const downSet = new Set(layers.flatMap((l) => l.alone));
    const down = [...downSet];
    const degraded = [...new Set(layers.flatMap((l) => l.sites))].filter((s) => !downSet.has(s));
    const share = siteCount > 0 ? down.length / siteCount : 0;
    radius.push({
      provider,
      layers: layers.filter((l) => l.alone.length > 0).map((l) => l.layer).sort((a, b) => LAYER_ORDER.indexOf(a) - LAYER_ORDER.indexOf(b)),
      down,
      share,
      degraded,
      spof: down.length > 0 && share >= threshold,
    });
  }
  return radius.sort((a, b) => b.down.length - a.down.length || b.degraded.length - a.degraded.length || a.provider.localeCompare(b.provider));
}

export function listSites(names: string[], max = 5): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

function riskLine(r: BlastRadius, siteCount: number): string {
  const layers = r.layers.map((l) => LAYER_LABEL[l]).join(' + ');
  return `If ${r.provider} fails (${layers}): ${r.down.length} of ${plural(siteCount, 'site')} go${r.down.length === 1 ? 'es' : ''} down (${percent(r.share)}): ${listSites(r.down)}`;
}

function noRiskLine(sites: MapSite[]): string {
  const base = 'No single provider takes any site down on its own: every layer seen has an alternative';
  const partial = sites.filter((s) => s.unknown.length > 0).map((s) => s.name);
  return partial.length > 0 ? `${base}; ${partial.length} of ${plural(sites.length, 'site')} not fully mapped this run: ${listSites(partial)}` : base;
}

function controlPlanesOf(report: Report, sites: MapSite[], catalog: Catalog): MapControlPlane[] {
  return report.sites
    .filter((s) => s.kind === 'control-plane')
    .map((s) => {
      const declared = (s.declaredProvider ?? '').toLowerCase();
      const provider = catalog.providers.find((p) => p.id === declared || p.name.toLowerCase() === declared)?.name ?? s.declaredProvider ?? 'unknown provider';
      return { name: s.name, url: s.url, provider, status: s.status, sites: sites.filter((m) => m.stack.some((d) => d.provider === provider && d.layer !== 'tls-issuer')).map((m) => m.name) };
    });
}

export function buildMap(report: Report, catalog: Catalog, options: MapOptions): SiteMap {
  // A control plane is a dependency of the sites, not one of them (reports before `kind` have none).
  const sites = report.sites.filter((s) => s.kind !== 'control-plane').map((s) => mapSite(s, catalog));
  const providers = providersOf(sites);
  const blastRadius = blastRadiusOf(providers, sites.length, options.spofThreshold);
  const risky = blastRadius.filter((r) => r.down.length > 0).slice(0, 3);
  return {
    schema: MAP_SCHEMA,
    tool: { name: 'outage-probe', version: options.version },
    startedAt: report.startedAt,
    vantage: report.vantage,
    source: options.source,
    spofThreshold: options.spofThreshold,
    sites,
    controlPlanes: controlPlanesOf(report, sites, catalog),
    providers,
    blastRadius,
    risks: risky.length > 0 ? risky.map((r) => riskLine(r, sites.length)) : [noRiskLine(sites)],
  };
}
