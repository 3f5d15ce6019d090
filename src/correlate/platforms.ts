// A platform several customers' sites point at, failing behind whatever fronts it: shops on one commerce platform,
// help centres on one help desk, sites on one agency's server. Each customer points its own name (CNAME) at the
// platform's name — SiteStack.throughNames, a name no provider catalogues — so when the platform's backend fails,
// every one of those sites fails at its origin, in as many customers' zones: one platform they depend on, named by
// the name they share. Without this, each read as its own origin failing and the run found "no shared cause". Pure.

import type { Attempt, Incident } from '../model.js';
import { listNames, plural } from '../util/text.js';
import { dependencyIncident, describeFailures, userFacingFailures, zoneWitnesses, type AttributionOptions, type SiteFacts } from './incidents.js';

export interface PlatformFailures {
  incidents: Incident[];
  /** Ids of the attempts these incidents explain: the provider and region rules set them aside. */
  claimed: ReadonlySet<string>;
}

const NOTHING: PlatformFailures = { incidents: [], claimed: new Set() };

/**
 * The site's user-facing failures that say the platform behind its edge fails: its origin's errors as the edge
 * reports them, its own answers, or (with nothing in front) no connection to the platform's address. An edge's own
 * failure is the edge's (the provider rules read it); a page whose cause is not documented says nothing either way.
 */
function platformFailuresOf(site: SiteFacts): Attempt[] | null {
  if (site.report.status === 'ok' || site.report.status === 'untested' || site.stack.throughNames.length === 0) return null;
  const failed = userFacingFailures(site);
  const behind = (a: Attempt) => a.layer === 'origin' || a.layer === 'site' || ((a.layer === 'network' || a.layer === 'tls') && a.provider === null);
  return failed.length > 0 && failed.every(behind) ? failed : null;
}

/**
 * Sites in `minSites` customer zones or more (two at least) pointing at one platform's name, every user-facing
 * failure of theirs behind their edge: that platform failing. Sites of one zone are one customer's own stack.
 */
export function platformFailures(sites: SiteFacts[], options: AttributionOptions): PlatformFailures {
  const byName = new Map<string, Array<{ site: SiteFacts; attempts: Attempt[] }>>();
  for (const site of sites) {
    const attempts = platformFailuresOf(site);
    if (attempts === null) continue;
    // The platform's own name is the last of another owner's names on the way: the one every customer of it shares.
    const name = site.stack.throughNames[site.stack.throughNames.length - 1]!;
    const list = byName.get(name);
    if (list) list.push({ site, attempts });
    else byName.set(name, [{ site, attempts }]);
  }
  if (byName.size === 0) return NOTHING;
  const incidents: Incident[] = [];
  const claimed = new Set<string>();
  for (const [name, failing] of byName) {
    // Customers, by their own zones (every one goes through the platform's name, so witnesses() would count one).
    const zones = zoneWitnesses(failing.map((f) => f.site));
    if (failing.length < Math.max(2, options.minSites) || zones < Math.max(2, options.minSites)) continue;
    const isFailing = new Set(failing.map((f) => f.site));
    const controls = sites.filter((s) => !isFailing.has(s) && s.report.status === 'ok').map((s) => s.report.name);
    if (controls.length === 0) continue; // everything fails: nothing says it is this platform
    const attempts = failing.flatMap((f) => f.attempts);
    for (const a of attempts) claimed.add(a.id);
    incidents.push(platformIncident(name, failing.map((f) => f.site), zones, controls, attempts));
  }
  return { incidents, claimed };
}

function platformIncident(name: string, failing: SiteFacts[], zones: number, controls: string[], attempts: Attempt[]): Incident {
  const confidence = Math.round(Math.min(0.85, 0.55 + 0.05 * zones + (controls.length > 0 ? 0.05 : 0)) * 100) / 100;
  const fronted = failing.some((s) => s.stack.edge !== null);
  const sample = attempts.find((a) => a.explanation);
  return dependencyIncident({
    name,
    layer: 'origin',
    sites: failing,
    probed: failing.length,
    controls,
    partial: failing.some((s) => s.report.status === 'degraded'),
    confidence,
    clauses: [
      `${plural(failing.length, 'site')} in ${plural(zones, 'zone')} that point at it (CNAME) fail ${fronted ? 'behind their edge' : 'there'} with ${describeFailures(attempts)}`,
      `one platform they share fails, not ${fronted ? 'their edges' : 'each site'}`,
      `${plural(controls.length, 'site')} that do${controls.length === 1 ? 'es' : ''} not point there ${controls.length === 1 ? 'is' : 'are'} healthy`,
    ],
    evidence: [
      ...(sample ? [`${sample.site}: ${sample.explanation}`] : []),
      `pointing at ${name} and failing: ${listNames(failing.map((s) => `${s.report.name} (${s.report.host})`))}`,
      `healthy, not pointing there: ${listNames(controls)}`,
    ],
  });
}
