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
export const LAYER_ORDER: Layer[] = ['local', 'authoritative-dns', 'resolver', 'network', 'tls', 'edge', 'challenge', 'origin', 'control-plane', 'site', 'unknown'];

/** The most confidence a blame at `unknown` can carry: the layer is, by definition, not known. */
const UNKNOWN_CONFIDENCE = 0.3;
/** An origin blamed by its provider's page while it answers directly: which side of the path failed is open. */
const CONTRADICTED_ORIGIN_CONFIDENCE = 0.4;

/** The incidents each site is part of, in the order they were found, by site name (built once per run). */
export function incidentsBySite(incidents: Incident[]): Map<string, Incident[]> {
  const bySite = new Map<string, Incident[]>();
  for (const incident of incidents) {
    for (const name of incident.sites) {
      const mine = bySite.get(name);
      if (mine === undefined) bySite.set(name, [incident]);
      else if (!mine.includes(incident)) mine.push(incident);
    }
  }
  return bySite;
}

/**
 * `explained`: attempts the host findings explain (no evidence at all). `resolverExplained`: those plus the
 * attempts a resolver incident explains; what is left of a site's failures beyond them is about its hosting.
 */
export function siteBlame(
  site: SiteReport,
  bySite: Map<string, Incident[]>,
  local: boolean,
  explained: ReadonlySet<string> = new Set(),
  resolverExplained: ReadonlySet<string> = explained,
): Blame | null {
  if (site.status === 'ok') return null;
  if (local) return { layer: 'local', provider: null, confidence: 0.9, reason: "the probing host's own network is unusable" };
  if (site.status === 'untested') return { layer: 'local', provider: null, confidence: 0.9, reason: site.reason ?? 'nothing could be tested from this host' };
  const mine = bySite.get(site.name) ?? [];
  // An incident about where the site is served or named explains it; a resolver's explains only that resolver's share.
  const hosting = mine.find((i) => i.kind !== 'resolver');
  if (hosting) return incidentBlame(hosting);
  const failed = site.attempts.filter((a) => a.outcome !== 'ok' && a.layer !== null && !explained.has(a.id));
  const beyond = failed.filter((a) => !resolverExplained.has(a.id));
  const resolverIncident = mine[0];
  if (resolverIncident && beyond.length === 0) return incidentBlame(resolverIncident);
  const alone = loneBlame(site, beyond.length > 0 ? beyond : failed);
  return resolverIncident ? { ...alone, reason: `${alone.reason}; besides, part of the ${resolverIncident.provider ?? 'unattributed'} resolver incident` } : alone;
}

function incidentBlame(incident: Incident): Blame {
  return { layer: incident.layer, provider: incident.provider, confidence: incident.confidence, reason: incident.summary };
}

/** A site failing with no incident to explain it: the outermost broken layer among its user-facing failures. */
function loneBlame(site: SiteReport, failed: Attempt[]): Blame {
  const userFacing = failed.filter((a) => a.path !== 'origin');
  const facing = userFacing.length > 0 ? userFacing : failed;
  // One resolver giving no address explains its own path only: the paths other resolvers gave failed for their own reasons.
  const hosting = facing.filter((a) => a.layer !== 'resolver');
  const pool = hosting.length > 0 ? hosting : facing;
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
