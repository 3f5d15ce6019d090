// Where each failing site's trouble comes from. Pure.
// A site inside an incident takes the incident's blame. A site failing alone names the layer, and never
// a provider unless the provider itself generated the failure (its own edge error page): one origin down
// behind a healthy CDN, one expired certificate, one site's own 500 blame no provider.

import type { Attempt, Blame, Incident, Layer, SiteReport } from '../model.js';
import { originAnswersDirectly } from './incidents.js';

/**
 * The order in which a lone site's failing layers explain it: the outermost broken layer wins. `unknown` (a
 * provider's page whose cause is outside its documented vocabulary) comes last: any placed layer explains better.
 */
const LAYER_ORDER: Layer[] = ['local', 'authoritative-dns', 'resolver', 'network', 'tls', 'edge', 'challenge', 'origin', 'control-plane', 'site', 'unknown'];

/** The most confidence a blame at `unknown` can carry: the layer is, by definition, not known. */
const UNKNOWN_CONFIDENCE = 0.3;
/** An origin blamed by its provider's page while it answers directly: which side of the path failed is open. */
const CONTRADICTED_ORIGIN_CONFIDENCE = 0.4;

/** The first incident each site is part of, by site name (built once per run, not once per site). */
export function incidentsBySite(incidents: Incident[]): Map<string, Incident> {
  const bySite = new Map<string, Incident>();
  for (const incident of incidents) for (const name of incident.sites) if (!bySite.has(name)) bySite.set(name, incident);
  return bySite;
}

export function siteBlame(site: SiteReport, bySite: Map<string, Incident>, local: boolean, explained: ReadonlySet<string> = new Set()): Blame | null {
  if (site.status === 'ok') return null;
  if (local) return { layer: 'local', provider: null, confidence: 0.9, reason: "the probing host's own network is unusable" };
  if (site.status === 'untested') return { layer: 'local', provider: null, confidence: 0.9, reason: site.reason ?? 'nothing could be tested from this host' };
  const incident = bySite.get(site.name);
  if (incident) return { layer: incident.layer, provider: incident.provider, confidence: incident.confidence, reason: incident.summary };
  const failed = site.attempts.filter((a) => a.outcome !== 'ok' && a.layer !== null && !explained.has(a.id));
  const userFacing = failed.filter((a) => a.path !== 'origin');
  const pool = userFacing.length > 0 ? userFacing : failed;
  if (pool.length === 0) return { layer: 'site', provider: null, confidence: 0.3, reason: site.reason ?? 'failing' };
  const layer = LAYER_ORDER.find((l) => pool.some((a) => a.layer === l)) ?? 'site';
  const lead = pool.find((a) => a.layer === layer)!;
  const reason = lead.explanation ?? site.reason ?? layer;
  // The provider's page blames the origin, and the origin answers here: what failed is the way between them.
  if (layer === 'origin' && lead.provider !== null && originAnswersDirectly(site).length > 0) {
    return {
      layer,
      provider: null,
      confidence: CONTRADICTED_ORIGIN_CONFIDENCE,
      reason: `${reason}; yet the origin answers when fetched directly from here: what fails lies between ${lead.provider} and the origin (the way to it, or how the origin treats ${lead.provider}'s requests)`,
    };
  }
  return {
    layer,
    provider: layer === 'edge' || layer === 'control-plane' ? lead.provider : null,
    confidence: loneConfidence(pool, layer, site),
    reason,
  };
}

/** A lone failure seen the same way on every path is surer than one seen on some paths only. */
function loneConfidence(pool: Attempt[], layer: Layer, site: SiteReport): number {
  if (layer === 'unknown') return UNKNOWN_CONFIDENCE;
  const same = pool.filter((a) => a.layer === layer).length / pool.length;
  const base = site.status === 'down' ? 0.6 : 0.45;
  return Math.round(Math.min(0.9, base + 0.3 * same) * 100) / 100;
}
