// A host that several sites redirect to (a login service, a shared portal), failing: every site that depends on it
// fails at it, whatever CDN fronts the site. One host is one witness of whoever serves it, however many sites lead
// there, so its failures are said here, about the host, and the provider rules never count them. Pure.

import type { Attempt, Incident, Layer } from '../model.js';
import { offSiteHost, oneOffSiteHost } from '../classify/redirect.js';
import { listNames, plural } from '../util/text.js';
import { groupBy } from '../util/collections.js';
import { dependencyIncident, describeFailures, userFacingFailures, type AttributionOptions, type SiteFacts } from './incidents.js';
import { LAYER_ORDER } from './blame.js';

export interface RedirectTargets {
  incidents: Incident[];
  /** Ids of the attempts these incidents explain: the provider and region rules set them aside. */
  claimed: ReadonlySet<string>;
  /** By incident id: the one provider whose answers at the host failed, when one did. */
  servedBy: ReadonlyMap<string, string>;
}

const NOTHING: RedirectTargets = { incidents: [], claimed: new Set(), servedBy: new Map() };

/**
 * The site's user-facing failures. A challenge is one only when the challenge platform itself fails: a host that
 * challenges or turns away a probe is serving, and the provider rules read challenges (by the host they ended at).
 */
function failedUserFacing(site: SiteFacts): Attempt[] {
  return userFacingFailures(site).filter((a) => a.outcome !== 'challenge' || a.challenge?.kind === 'platform-failing');
}

/** The other owner's host every user-facing failure of the site ended at, or null (none, or not all at one). */
function failingHostOf(site: SiteFacts): string | null {
  if (site.report.status === 'ok' || site.report.status === 'untested') return null;
  return oneOffSiteHost(failedUserFacing(site), site.report.host, site.stack.zone);
}

/** By host: the sites some attempt of which a redirect took there (healthy ones too), the sites that depend on it. */
function dependentsByHost(sites: SiteFacts[]): Map<string, Set<SiteFacts>> {
  const byHost = new Map<string, Set<SiteFacts>>();
  for (const s of sites) {
    for (const a of s.report.attempts) {
      const host = a.path === 'origin' || a.redirects.length === 0 ? null : offSiteHost(a, s.report.host, s.stack.zone);
      if (host === null) continue;
      const set = byHost.get(host);
      if (set) set.add(s);
      else byHost.set(host, new Set([s]));
    }
  }
  return byHost;
}

/**
 * Sites failing at one host they redirect to, `minSites` or more (two at least, counting the host itself when it is
 * probed): the host fails, and they with it. Unlike a provider's incident, the sites need not be independent
 * witnesses (one company's apps behind its one login service are the common case): each fetch ended at that host,
 * so what they share is seen, not inferred.
 */
export function redirectTargetFailures(sites: SiteFacts[], options: AttributionOptions): RedirectTargets {
  const redirected = new Map<string, SiteFacts[]>();
  for (const s of sites) {
    const host = failingHostOf(s);
    if (host === null) continue;
    const list = redirected.get(host);
    if (list) list.push(s);
    else redirected.set(host, [s]);
  }
  if (redirected.size === 0) return NOTHING;
  const incidents: Incident[] = [];
  const claimed = new Set<string>();
  const servedBy = new Map<string, string>();
  const byHost = new Map(sites.map((s) => [s.report.host, s]));
  const reaching = dependentsByHost(sites);
  for (const [host, leading] of redirected) {
    // The host probed as a site of its own, failing as well: the same failure, seen first hand.
    const probed = byHost.get(host);
    const itself = probed && probed.report.status !== 'ok' && probed.report.status !== 'untested' && failedUserFacing(probed).length > 0 ? [probed] : [];
    const failing = [...itself, ...leading];
    if (failing.length < Math.max(2, options.minSites)) continue;
    const attempts = failing.flatMap(failedUserFacing);
    for (const a of attempts) claimed.add(a.id);
    const dependents = new Set([...failing, ...(probed ? [probed] : []), ...(reaching.get(host) ?? [])]);
    const controls = sites.filter((s) => !dependents.has(s) && s.report.status === 'ok').map((s) => s.report.name);
    const incident = hostIncident(host, failing, leading, dependents.size, controls, attempts);
    incidents.push(incident);
    const providers = new Set(attempts.map((a) => a.provider));
    const [provider] = providers;
    if (providers.size === 1 && provider) servedBy.set(incident.id, provider);
  }
  return { incidents, claimed, servedBy };
}

/**
 * A failing host whose failures are its provider's own (Cloudflare's edge pages) while that provider has an incident
 * of the same layer for other sites: the host fails because its provider does, and says so.
 */
export function alongProviderIncidents(targets: RedirectTargets, providerIncidents: Incident[]): Incident[] {
  if (targets.incidents.length === 0 || providerIncidents.length === 0) return targets.incidents;
  return targets.incidents.map((incident) => {
    const provider = targets.servedBy.get(incident.id);
    const wider = providerIncidents.find((i) => i.provider === provider && i.layer === incident.layer);
    if (!wider) return incident;
    const clause = `its provider ${provider} fails this way for other sites too (the ${provider} ${incident.layer} incident): the host is one of them`;
    return { ...incident, summary: incident.summary.replace(/ \(confidence [\d.]+\)$/, (tail) => `; ${clause}${tail}`), evidence: [...incident.evidence, clause] };
  });
}

/** The layer most of the failures read as; on a tie, the outermost. */
function leadLayer(attempts: Attempt[]): Layer {
  const counts = groupBy(attempts, (a) => a.layer ?? 'unknown');
  let best: Layer = 'unknown';
  let most = 0;
  for (const layer of LAYER_ORDER) {
    const n = counts.get(layer)?.length ?? 0;
    if (n > most) [best, most] = [layer, n];
  }
  return best;
}

function hostIncident(host: string, failing: SiteFacts[], leading: SiteFacts[], dependents: number, controls: string[], attempts: Attempt[]): Incident {
  const layer = leadLayer(attempts);
  const partial = failing.length < dependents || failing.some((s) => s.report.status === 'degraded');
  const confidence = Math.round(Math.min(0.9, 0.6 + 0.1 * failing.length + (controls.length > 0 ? 0.05 : 0)) * 100) / 100;
  const self = failing.length - leading.length;
  const who = `${plural(leading.length, 'site')} that redirect${leading.length === 1 ? 's' : ''} there${self > 0 ? ` (and ${host}, probed itself)` : ''}`;
  const clauses = [
    `${who} fail${failing.length === 1 ? 's' : ''} at it with ${describeFailures(attempts)}`,
    'the sites\' own hosts answer their redirects: one host they depend on fails, not their edges or origins',
    controls.length > 0 ? `${plural(controls.length, 'site')} that do${controls.length === 1 ? 'es' : ''} not lead there ${controls.length === 1 ? 'is' : 'are'} healthy` : null,
  ].filter((clause): clause is string => clause !== null);
  const sample = attempts.find((a) => a.explanation);
  return dependencyIncident({
    name: host,
    layer,
    sites: failing,
    probed: dependents,
    controls,
    partial,
    confidence,
    clauses,
    evidence: [
      ...(sample ? [`${sample.site}: ${sample.explanation}`] : []),
      `redirected there and failing: ${listNames(leading.map((s) => s.report.name))}`,
      ...(controls.length > 0 ? [`healthy, not leading there: ${listNames(controls)}`] : []),
    ],
  });
}
