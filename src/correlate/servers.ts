// One server several sites are served from — a shared-hosting box, a VPS with many virtual hosts, one reverse proxy
// in front of them — failing for all of them at once: nothing answers at its address, or it answers 5xx for every
// one. That is one shared cause, said about the server (an incident named by its address, as a proxy's is), never
// "3 down; no shared cause found". So is a catalogued hosting platform without regions (GitHub Pages) failing for
// every site on it, named by the platform. Sites behind a catalogued edge share its addresses with unrelated
// customers, and cloud hosts have a region: the provider and region rules read those. Pure.

import type { Attempt, Incident, Layer } from '../model.js';
import { plural } from '../util/text.js';
import { dependencyIncident, zoneWitnesses, type AttributionOptions, type SiteFacts } from './incidents.js';
import { describeErrors, translated } from './host.js';
import { siteRegion } from './regions.js';
import { onsetWords, type DarkOnset } from './onset.js';
import { unanswered } from '../classify/crowding.js';

export interface ServerFailures {
  incidents: Incident[];
  /** Ids of the attempts these incidents explain. */
  claimed: ReadonlySet<string>;
}

/**
 * What a site's failing fetch at `address` shares with other sites: on no catalogued network, the server at that
 * address; on a catalogued hosting platform with no region (GitHub Pages: a few shared addresses for every
 * customer), the platform. Behind a catalogued edge the provider rules read it, in a cloud region the region rule.
 */
function sharedHost(s: SiteFacts, address: string): string | null {
  if (s.stack.edge !== null) return null;
  if (s.stack.origin === null) return `server ${address}`;
  return siteRegion(s) === null ? s.stack.origin.name : null;
}

/** What a whole server failing looks like at one of its sites: no HTTP answer, or a 5xx. A 4xx or a page is a site's. */
function serverLevel(a: Attempt): boolean {
  return a.httpStatus === null ? a.outcome !== 'challenge' : a.httpStatus >= 500;
}

/** `answersElsewhere`: every one of its sites answers at another address (the server's other family, another server). */
function serverWords(attempts: Attempt[], answersElsewhere: boolean): { layer: Layer; why: string } {
  const statuses = [...new Set(attempts.map((a) => a.httpStatus).filter((s): s is number => s !== null))].sort();
  if (statuses.length > 0) {
    return { layer: 'origin', why: `it answers ${statuses.join('/')} for every one of them: what serves them behind it fails (an application server, a database, the disk), not each site` };
  }
  const errors = describeErrors(attempts.map((a) => ({ code: a.error?.code ?? a.outcome })));
  if (attempts.every((a) => a.failedPhase === 'tls')) return { layer: 'tls', why: `no TLS handshake completes there (${errors})` };
  const where = answersElsewhere ? 'this address of theirs, or the way to it, fails' : 'the server is down, or the way to it fails';
  return { layer: 'network', why: `nothing answers there the way a web server should (${errors}): ${where}` };
}

/**
 * Servers (or regionless platforms) at which every fetch of the run failed the way a server fails, for sites in
 * `minSites` customer zones or more (two at least: one customer's names on its own server are that customer's
 * failure). A site served from the same address in this run is a control that rules it out, unless every one was
 * served before the server stopped answering (`dark`, onset.ts).
 */
export function serverFailures(sites: SiteFacts[], options: AttributionOptions, dark: ReadonlyMap<string, DarkOnset> = new Map()): ServerFailures {
  const none: ServerFailures = { incidents: [], claimed: new Set() };
  if (!sites.some((s) => s.report.status !== 'ok' && s.stack.edge === null)) return none;
  const byHost = new Map<string, { attempts: Attempt[]; sites: Set<SiteFacts>; served: boolean; address: string }>();
  for (const s of sites) {
    if (s.stack.edge !== null) continue;
    for (const a of s.report.attempts) {
      if (a.path === 'proxy' || a.address === null || translated(a) || s.explained.has(a.id)) continue;
      const host = sharedHost(s, a.address);
      if (host === null) continue;
      let entry = byHost.get(host);
      if (!entry) byHost.set(host, (entry = { attempts: [], sites: new Set(), served: false, address: a.address }));
      if (a.outcome === 'ok' || !serverLevel(a)) {
        entry.served = true;
        continue;
      }
      entry.attempts.push(a);
      entry.sites.add(s);
    }
  }
  const incidents: Incident[] = [];
  const claimed = new Set<string>();
  for (const [name, entry] of byHost) {
    // Served in this run rules a server out, unless it was served only before it stopped answering (onset.ts).
    const onset = entry.served && name.startsWith('server ') ? (dark.get(entry.address) ?? null) : null;
    if (entry.served && !onset) continue;
    const attempts = onset ? entry.attempts.filter(unanswered) : entry.attempts;
    const failedThere = onset ? new Set(attempts.map((a) => a.site)) : null;
    const failing = failedThere ? new Set([...entry.sites].filter((s) => failedThere.has(s.report.name))) : entry.sites;
    if (failing.size < 2) continue;
    const group = [...failing];
    if (zoneWitnesses(group) < Math.max(2, options.minSites)) continue;
    for (const a of attempts) claimed.add(a.id);
    const at = new Set(attempts.map((a) => a.address));
    const elsewhere = group.filter((s) => s.report.attempts.some((a) => !at.has(a.address) && a.outcome === 'ok'));
    const controls = sites.filter((s) => !failing.has(s) && s.report.status === 'ok').map((s) => s.report.name);
    const { layer, why } = serverWords(attempts, elsewhere.length === group.length);
    incidents.push(
      dependencyIncident({
        name,
        layer,
        sites: group,
        probed: group.length,
        controls,
        // Sites that still answer at another address are degraded, not down: the server fails them in part.
        partial: elsewhere.length > 0,
        confidence: Math.round(Math.min(0.9, 0.65 + 0.05 * group.length) * 100) / 100,
        clauses: [
          onset
            ? `${plural(group.length, 'site')} served from it fail there: ${onsetWords('it', onset, attempts.length)}`
            : `${plural(group.length, 'site')} served from it fail there, and none is served from it in this run: ${why}`,
          ...(elsewhere.length > 0 ? [`${elsewhere.length === group.length ? 'each answers' : `${elsewhere.length} of them answer`} at another address`] : []),
        ],
        evidence: attempts.slice(0, 3).map((a) => `${a.site}: ${a.explanation ?? a.error?.message ?? a.outcome}`),
      }),
    );
  }
  return { incidents, claimed };
}
