// Where a provider incident happens: at every location this vantage saw, or only at some while the
// provider's other locations serve the same or comparable sites. Pure; reads classified attempts that
// carry a `location` (classify/location.ts), first-hand or remembered.
//
// Per location code of the incident's provider:
//   failing  — the incident's failures are seen there and at least 80% of the provider's requests there fail;
//   healthy  — requests to the provider succeed there and none of the incident's failures is seen;
//   mixed    — both: the failure is there but other requests there work, so the location does not explain it.
// Scope: `partial` when some locations fail while others are healthy (location-bound); `all` when every
// observed location fails and none is mixed; otherwise the incident's own (site-based) scope stands.
// Failures without any location are never placed anywhere: they keep an incident from looking location-bound
// only through the healthy/mixed rules above, and are counted in the evidence.

import type { Attempt, Incident } from '../model.js';
import type { SiteFacts } from './incidents.js';
import { isRememberedLocation } from '../state/locations.js';
import { joinAnd, plural, validLocationCode } from '../util/text.js';

export type IncidentScope = 'full' | 'partial' | 'all';

/** The fields the lead adds to Incident (optional), used here until model.ts has them. */
export type LocatedIncident = Incident & { locations?: string[]; healthyLocations?: string[] };

export interface LocationScope {
  /** Codes where the incident's failures were seen: failing first, then mixed. */
  locations: string[];
  /** Codes where the same provider served requests without any of the incident's failures. */
  healthyLocations: string[];
  scope: IncidentScope;
  /** e.g. "Cloudflare failing at FRA (remembered) via resolver alpha; ZRH healthy via beta and gamma"; null when no location is known. */
  summaryClause: string | null;
  /** One line per location, for the incident's evidence. */
  evidence: string[];
}

/** Share of a location's requests that must fail for the location to count as failing. */
const FAILING_SHARE = 0.8;

interface Tally {
  code: string;
  failures: Attempt[];
  successes: Attempt[];
}

function isIncidentFailure(a: Attempt, incident: Incident, inIncident: ReadonlySet<string>): boolean {
  return (
    a.path !== 'origin' &&
    a.outcome !== 'ok' &&
    a.layer !== null &&
    inIncident.has(a.site) &&
    (a.provider === incident.provider || a.provider === null)
  );
}

function atProvider(a: Attempt, provider: string): boolean {
  return a.location !== null && a.location.provider === provider && validLocationCode(a.location.code);
}

function resolversOf(attempts: Attempt[]): string[] {
  return [...new Set(attempts.flatMap((a) => a.resolvers))].sort();
}

function codeText(t: Tally): string {
  // Only a location nobody saw first-hand in this run is marked remembered.
  return t.failures.every((a) => isRememberedLocation(a.location)) ? `${t.code} (remembered)` : t.code;
}

/**
 * " via resolvers a and b" (" via a and b" without `noun`); " via every resolver" when those are all the run's
 * (seven names say nothing more).
 */
function viaText(resolvers: string[], everyResolver: string[], noun = true): string {
  if (resolvers.length === 0) return '';
  if (resolvers.length > 1 && resolvers.length === everyResolver.length) return ' via every resolver';
  return ` via ${noun ? (resolvers.length === 1 ? 'resolver ' : 'resolvers ') : ''}${joinAnd(resolvers)}`;
}

function failingText(t: Tally, everyResolver: string[]): string {
  return `${codeText(t)}${viaText(resolversOf(t.failures), everyResolver)}`;
}

function tallyLine(t: Tally, provider: string): string {
  const total = t.failures.length + t.successes.length;
  const failingSites = [...new Set(t.failures.map((a) => a.site))];
  const servedSites = [...new Set(t.successes.map((a) => a.site))];
  const parts = [
    t.failures.length > 0 ? `${t.failures.length} of ${plural(total, `${provider} request`)} fail (${failingSites.join(', ')})` : `${plural(total, `${provider} request`)} succeed`,
    t.failures.length > 0 && servedSites.length > 0 ? `serves ${servedSites.join(', ')}` : null,
    t.failures.length === 0 && servedSites.length > 0 ? `serving ${servedSites.join(', ')}` : null,
    t.failures.some((a) => isRememberedLocation(a.location)) ? `location ${t.failures.find((a) => isRememberedLocation(a.location))!.location!.evidence}` : null,
  ].filter(Boolean);
  return `${t.code}: ${parts.join('; ')}`;
}

/**
 * The edge addresses every location-less failing request went to, when none of them served anything in this run
 * ("127.0.11.1"): where a broken path leads, though no answer came back to say where that is. Null when some went
 * to addresses that also served (the address does not explain them), answered something (a certificate, a status),
 * or none has an address.
 */
function deadAddresses(unplaced: Attempt[], served: ReadonlySet<string>): string | null {
  if (unplaced.some((a) => a.tls !== null || a.httpStatus !== null)) return null;
  const addresses = [...new Set(unplaced.map((a) => a.address))];
  if (addresses.length === 0 || addresses.some((x) => x === null || served.has(x))) return null;
  return addresses.length <= 3 ? joinAnd(addresses as string[]) : `${addresses.length} addresses`;
}

export function scopeByLocation(incident: Incident, sites: SiteFacts[]): LocationScope {
  const unchanged: LocationScope = { locations: [], healthyLocations: [], scope: incident.scope, summaryClause: null, evidence: [] };
  const provider = incident.provider;
  if (incident.kind !== 'provider' || provider === null) return unchanged;
  // Region incidents (correlate/regions.ts) are located already, by the region their sites are hosted in.
  const located = incident as LocatedIncident;
  if (located.locations && located.locations.length > 0) return { ...unchanged, locations: located.locations, healthyLocations: located.healthyLocations ?? [] };

  const tallies = new Map<string, Tally>();
  const tally = (code: string): Tally => {
    const t = tallies.get(code) ?? { code, failures: [], successes: [] };
    tallies.set(code, t);
    return t;
  };
  // Every attempt of the run is read once against the incident's sites: a set, not a search of its list each time.
  const inIncident = new Set(incident.sites);
  const unplacedAttempts: Attempt[] = [];
  const served = new Set<string>();
  for (const a of sites.flatMap((s) => s.report.attempts)) {
    if (a.path === 'origin') continue;
    if (isIncidentFailure(a, incident, inIncident)) {
      if (atProvider(a, provider)) tally(a.location!.code).failures.push(a);
      else unplacedAttempts.push(a);
    } else if (a.outcome === 'ok' && (atProvider(a, provider) || inIncident.has(a.site))) {
      if (a.address) served.add(a.address);
      if (atProvider(a, provider)) tally(a.location!.code).successes.push(a);
    }
  }
  const unplaced = unplacedAttempts.length;
  const dead = deadAddresses(unplacedAttempts, served);
  const unplacedWhere = dead ? `, all to ${dead}, which answered nothing` : '';

  const all = [...tallies.values()].sort((x, y) => y.failures.length - x.failures.length || x.code.localeCompare(y.code));
  const failing = all.filter((t) => t.failures.length > 0 && t.failures.length / (t.failures.length + t.successes.length) >= FAILING_SHARE);
  const mixed = all.filter((t) => t.failures.length > 0 && !failing.includes(t));
  const healthy = all.filter((t) => t.failures.length === 0 && t.successes.length > 0);
  const healthyCodes = healthy.map((t) => t.code);
  const everyResolver = resolversOf(sites.flatMap((s) => s.report.attempts));
  const healthyResolvers = resolversOf(healthy.flatMap((t) => t.successes));
  const healthyText = `${joinAnd(healthyCodes)} healthy${viaText(healthyResolvers, everyResolver, false)}`;
  if (failing.length === 0 && mixed.length === 0) {
    if (healthy.length === 0 || unplaced === 0) return unchanged;
    // The failing requests carry no location (a connection that never opened sends no headers), but where the
    // provider does serve is a first-hand fact: report it, and claim nothing about where it fails.
    return {
      locations: [],
      healthyLocations: healthyCodes,
      scope: incident.scope,
      summaryClause: `${provider} serves at ${healthyText.replace(/ healthy/, '')}; ${dead ? `every failing request went to ${dead}${viaText(resolversOf(unplacedAttempts), everyResolver)}, which answered nothing (no location to read)` : 'the failing requests carry no location'}`,
      evidence: [...healthy.map((t) => tallyLine(t, provider)), `${plural(unplaced, 'failing request')} without a known location${unplacedWhere}`],
    };
  }
  const mixedText = mixed.map((t) => `${t.code} mixed (${t.failures.length} of ${t.failures.length + t.successes.length} fail)`);

  let scope: IncidentScope;
  let clause: string;
  if (failing.length > 0 && healthy.length > 0) {
    scope = 'partial';
    clause = [`${provider} failing at ${failing.map((t) => failingText(t, everyResolver)).join(', ')}`, ...mixedText, healthyText].join('; ');
  } else if (failing.length > 0 && mixed.length === 0) {
    scope = 'all';
    const where = failing.map((t) => failingText(t, everyResolver)).join(', ');
    clause = failing.length === 1 ? `${provider} failing at ${where}, the only ${provider} location seen` : `${provider} failing at every location seen: ${where}`;
  } else if (failing.length === 0 && healthy.length === 0 && mixed.length > 1) {
    // Every location seen fails some requests and serves others alike: nothing about the failure is where.
    scope = incident.scope;
    clause = `not bound to a location: at each of ${joinAnd(mixed.map((t) => t.code))}, some ${provider} requests fail and others succeed`;
  } else {
    // Other requests work at the same place: the location does not explain the failure.
    scope = incident.scope;
    const where = [...failing.map((t) => failingText(t, everyResolver)), ...mixed.map((t) => `${t.code} (${t.failures.length} of ${t.failures.length + t.successes.length} requests there fail)`)];
    clause = [`${provider} failures seen at ${where.join(', ')}, where other ${provider} requests succeed`, healthy.length > 0 ? healthyText : null]
      .filter(Boolean)
      .join('; ');
  }
  const evidence = [...failing, ...mixed, ...healthy].map((t) => tallyLine(t, provider));
  if (unplaced > 0) evidence.push(`${plural(unplaced, 'failing request')} without a known location${unplacedWhere}`);
  return {
    locations: [...failing, ...mixed].map((t) => t.code),
    healthyLocations: healthyCodes,
    scope,
    summaryClause: clause,
    evidence,
  };
}
