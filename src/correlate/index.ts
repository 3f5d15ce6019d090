// The correlate stage: classified sites → site verdicts, incidents and blame. Pure; it reads only what
// classify/ decided, so the same rules can later merge reports from many vantage points.
//
// It never changes an attempt.
//
// correlate/ never imports plan/, probe/, report/, notify/, status/, merge/, lab/ or commands/; from state/ it reads only
// how a remembered location is marked.

import { blamedOn, type DnsAnswer, type HostReport, type Incident, type ResolverSpec, type SiteReport } from '../model.js';
import type { ClassifiedSite } from '../classify/index.js';
import { inReportOrder, siteReport, siteStatus } from './sites.js';
import { answerNotProbed, notProbed } from '../classify/outcome.js';
import { without } from '../util/collections.js';
import { hostFindings, type LocalDown } from './host.js';
import {
  authoritativeDnsIncidents,
  failingResolvers,
  providerIncidents,
  requesterBlockedFindings,
  resolverIncidentAttempts,
  resolverIncidents,
  selfHostedConnectionTrouble,
  doubtedValidationFindings,
  type AttributionOptions,
  type SiteFacts,
} from './incidents.js';
import { regionConnectionTrouble, regionIncidents } from './regions.js';
import { proxyFailures } from './proxies.js';
import { serverFailures } from './servers.js';
import { darkAddresses } from './onset.js';
import { alongProviderIncidents, redirectTargetFailures } from './redirects.js';
import { controlPlaneIncidents } from './control-plane.js';
import { platformFailures } from './platforms.js';
import { scopeByLocation } from './locations.js';
import { incidentsBySite, siteBlame } from './blame.js';

export interface Attribution {
  sites: SiteReport[];
  incidents: Incident[];
  /** Shared observations too weak to be incidents (a partial set of routine challenges ...): said, not alerted on. */
  findings: Incident[];
  local: LocalDown;
  /** What the run learned about the probing host itself. */
  host: HostReport;
}

/** `dns` is every answer of the run (resolver incidents compare resolvers over all names asked). */
export function correlate(classified: ClassifiedSite[], dns: DnsAnswer[], resolvers: ResolverSpec[], options: AttributionOptions): Attribution {
  // First the host itself: what it could not do explains failures that say nothing about the sites. What the run
  // never sent (its deadline came first) is no evidence of anything.
  // Six answers a site or more: a list that drops nothing is the list itself, not one more copy of it.
  const asked = without(dns, answerNotProbed);
  // The host findings read a site's name, its attempts in report order and its edge: not a whole report a site.
  const host = hostFindings(
    classified.flatMap((site) => {
      const probed = without(site.attempts, notProbed);
      return probed.length > 0 ? [{ report: { name: site.spec.name, attempts: inReportOrder(probed) }, stack: site.stack }] : [];
    }),
    asked,
    resolvers,
    options.environmentProxy ?? null,
    options.lossProbes,
  );
  const facts: SiteFacts[] = classified.map((site) => ({
    report: siteReport(site, host.explains),
    stack: site.stack,
    explained: explainedIds(site.attempts.filter(host.explains)),
  }));
  const local = host.local;
  const evidence = without(asked, host.explainsAnswer);
  // A control plane speaks only about its provider's management side: the data-plane rules never count it.
  const isControlPlane = new Set(classified.filter((c) => c.spec.kind === 'control-plane').map((c) => c.spec.name));
  const controlPlanes = classified.filter((c) => isControlPlane.has(c.spec.name)).map((c) => ({ ...facts.find((f) => f.report.name === c.spec.name)!, declared: c.spec.provider }));
  const resolverFailures = local.down ? { incidents: [], findings: [] } : resolverIncidents(facts, evidence, resolvers, options);
  const resolverShared = resolverFailures.incidents;
  // A failing resolver explains the addresses it did not give and nothing about where a site is hosted: the rules
  // after it read each site as if those attempts had not been made (a site degraded only by it is a healthy
  // control for them, and a site down behind a failing CDN is that CDN's, not the resolver's).
  const resolversFailing = failingResolvers(resolverShared);
  const hosting = resolverShared.length === 0 ? facts : facts.map((f) => withoutResolverFailures(f, resolversFailing));
  const hostingPlane = hosting.filter((f) => !isControlPlane.has(f.report.name));
  // A host several sites redirect to, failing, is said about that host; the provider and region rules then read
  // those sites as if their failures there had not been seen (what fronts each site answered its redirect).
  const redirects = local.down ? null : redirectTargetFailures(hostingPlane, options);
  // So is a platform several customers' names point at, failing behind their edges.
  const platforms = local.down ? null : platformFailures(hostingPlane, options);
  // And a proxy the config tunnels through, opening a tunnel for none of its sites.
  const proxies = local.down ? null : proxyFailures(hostingPlane, options);
  const named = new Set([...(redirects?.claimed ?? []), ...(platforms?.claimed ?? []), ...(proxies?.claimed ?? [])]);
  // And one server several customers' sites are served from, failing for all of them: by its address, where no
  // rule above named what they share (a platform's name pointing at it says more).
  // Addresses that stopped answering during the run: served there before, not since (onset.ts).
  const dark = local.down ? new Map() : darkAddresses(hostingPlane);
  const servers = local.down ? null : serverFailures(named.size === 0 ? hostingPlane : hostingPlane.map((f) => withExplained(f, named)), options, dark);
  const claimed = servers && servers.claimed.size > 0 ? new Set([...named, ...servers.claimed]) : named;
  const ownHosting = claimed.size === 0 ? hostingPlane : hostingPlane.map((f) => withExplained(f, claimed));
  // Connections failing from here to several providers or cloud regions at once are the way from here, not theirs.
  const selfHosted = local.down ? [] : selfHostedConnectionTrouble(ownHosting, options);
  const providers = local.down ? { incidents: [], findings: [], connectionTrouble: [] } : providerIncidents(ownHosting, options, [...regionConnectionTrouble(ownHosting, options), ...selfHosted], dark);
  const zones = local.down ? { incidents: [], findings: [] } : authoritativeDnsIncidents(facts, options);
  const hostsFailing = redirects ? alongProviderIncidents(redirects, providers.incidents) : [];
  const platformsFailing = platforms?.incidents ?? [];
  const proxiesFailing = proxies?.incidents ?? [];
  const serversFailing = servers?.incidents ?? [];
  const dataShared = local.down ? [] : [...resolverShared, ...zones.incidents, ...hostsFailing, ...platformsFailing, ...proxiesFailing, ...serversFailing, ...providers.incidents];
  const control = local.down ? { added: [], incidents: dataShared } : controlPlaneIncidents(controlPlanes, hostingPlane, dataShared);
  const shared = [...control.incidents, ...control.added];
  // A cloud region's hosting failing shows as unrelated per-site errors: only sites no other incident explains count.
  const explainedSites = shared.filter((i) => i.kind !== 'resolver').flatMap((i) => i.sites);
  const regions = local.down ? { incidents: [], findings: [] } : regionIncidents(ownHosting, { ...options, explained: explainedSites, connectionTrouble: [...providers.connectionTrouble, ...selfHosted] });
  // A control plane's one endpoint says nothing about where the provider's edge fails, nor a redirect target's
  // failing about where its provider's does: no locations for them.
  const unlocated = new Set([...hostsFailing, ...platformsFailing, ...proxiesFailing, ...serversFailing].map((i) => i.id));
  const located = [...shared, ...regions.incidents].map((incident) => (incident.layer === 'control-plane' || unlocated.has(incident.id) ? incident : withLocations(incident, facts)));
  const bySite = incidentsBySite(located);
  // With this host's own network down nothing about any site was learned: none is down, all are untested.
  const judged = local.down ? facts.map((f) => ({ ...f, report: untestedHere(f.report) })) : facts;
  // A block of this requester says nothing about where a provider fails: no locations for it.
  const blocked = local.down ? [] : requesterBlockedFindings(ownHosting, options);
  const doubted = local.down ? [] : doubtedValidationFindings(facts, evidence, resolvers, options);
  const findings = [...resolverFailures.findings, ...doubted, ...zones.findings, ...[...providers.findings, ...regions.findings].map((f) => withLocations(f, facts)), ...blocked];
  // Each report was made above for this run alone: its blame is filled in, not copied into one more record a site.
  const sites = judged.map((f, i) => Object.assign(f.report, { blame: siteBlame(f.report, bySite, local.down, f.explained, hosting[i]!.explained) }));
  return { sites, incidents: byImpact(located, sites), findings, local, host: host.report };
}

/** The site as the rules after the resolver incidents read it: what those incidents explain set aside. */
function withoutResolverFailures(site: SiteFacts, failing: ReadonlySet<string>): SiteFacts {
  const covered = resolverIncidentAttempts(site.report, failing);
  return covered.length === 0 ? site : withExplained(site, new Set(covered.map((a) => a.id)));
}

/** The site with these attempts set aside as explained, and its status as what is left makes it. */
function withExplained(site: SiteFacts, ids: ReadonlySet<string>): SiteFacts {
  if (!site.report.attempts.some((a) => ids.has(a.id))) return site;
  const explained = new Set([...site.explained, ...site.report.attempts.filter((a) => ids.has(a.id)).map((a) => a.id)]);
  const { status, reason } = siteStatus(site.report.attempts, (a) => explained.has(a.id));
  return { report: { ...site.report, status, reason }, stack: site.stack, explained };
}

/**
 * Incidents in the order their impact asks for: those that sites are down for first, then by how many sites they
 * explain; otherwise as the rules found them. The first is the report's headline.
 */
function byImpact(incidents: Incident[], sites: SiteReport[]): Incident[] {
  if (incidents.length < 2) return incidents;
  const byName = new Map(sites.map((s) => [s.name, s]));
  const weight = (incident: Incident) => {
    const blamed = incident.sites.map((name) => byName.get(name)).filter((s) => s?.blame && blamedOn(s.blame, incident));
    return { down: blamed.filter((s) => s!.status === 'down').length, all: blamed.length };
  };
  const weights = new Map(incidents.map((i) => [i, weight(i)]));
  return [...incidents].sort((a, b) => weights.get(b)!.down - weights.get(a)!.down || weights.get(b)!.all - weights.get(a)!.all);
}

// Most sites have no attempt a host finding explains: over a long list, a set each would be most of the facts.
const NOTHING_EXPLAINED: ReadonlySet<string> = new Set();

function explainedIds(attempts: { id: string }[]): ReadonlySet<string> {
  return attempts.length === 0 ? NOTHING_EXPLAINED : new Set(attempts.map((a) => a.id));
}

function untestedHere(site: SiteReport): SiteReport {
  return site.status === 'ok' || site.status === 'untested' ? site : { ...site, status: 'untested', reason: "nothing could be tested from this host: its own network is down" };
}

/** Where the incident's failures were seen: failing and healthy locations, and the scope they imply. */
function withLocations(incident: Incident, facts: SiteFacts[]): Incident {
  const scoped = scopeByLocation(incident, facts);
  if (!scoped.summaryClause) return incident;
  // A finding's "— not an incident: why" stays last, before its confidence.
  const summary = incident.summary.replace(/( — not an incident: .*)? \(confidence [\d.]+\)$/, (tail) => `; ${scoped.summaryClause}${tail}`);
  return {
    ...incident,
    summary,
    locations: scoped.locations,
    healthyLocations: scoped.healthyLocations,
    // Some sites or samples failing stays partial, whatever the locations say.
    scope: incident.scope === 'partial' ? 'partial' : scoped.scope,
    evidence: [...incident.evidence, ...scoped.evidence],
  };
}
