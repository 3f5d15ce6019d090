// This run against the last one (--state): which incidents and sites are new, ongoing or resolved, the events
// to notify (transitions only, so a second identical run notifies nothing), and the state to save. Pure.
//
// A site is either ok or not ok (degraded and down count as one): `since` is when it entered that side, and a
// swing between degraded and down is neither a new `since` nor an event.
//
// A run whose verdict is `local-network` saw nothing of the sites (our own network was down), so it changes
// nothing: no events, and the remembered incidents and site verdicts are carried over as they were. Otherwise
// a dropped Wi-Fi would page "13 sites down", then "13 sites recovered".

import { REMEMBERED_EVIDENCE, type Delegation, type Incident, type ProviderChange, type Report, type ServedBaseline, type SiteProvider, type SiteReport, type StateInfo } from '../model.js';
import { incidentOpened, incidentResolved, providerChanged, siteDown, siteRecovered, type ChangeEvent } from '../notify/events.js';
import type { AlertSettings } from '../model.js';
import { STATE_SCHEMA, type AlertStreak, type RunState, type StoredIncident, type StoredSite } from './store.js';

export interface RunComparison {
  /** The report with incidents[].change/since, sites[].change/since, resolvedIncidents and state filled. */
  report: Report;
  /** Transitions to notify, incidents first. */
  events: ChangeEvent[];
  /** What to save for the next run. */
  next: RunState;
}

/** Where the state came from, for report.state. */
export interface StateSource {
  file: string;
  warnings: string[];
}

/** Evidence lines kept per remembered incident: enough to show in a "resolved" entry, not the whole bulk. */
const STORED_EVIDENCE = 5;

/** One threshold each way: the default, every change is notified at once. */
export const NOTIFY_AT_ONCE: AlertSettings = { failureThreshold: 1, successThreshold: 1 };

export function compareRuns(
  previous: RunState | null,
  report: Report,
  now: string,
  source: StateSource = { file: '', warnings: [] },
  alerts: AlertSettings = NOTIFY_AT_ONCE,
): RunComparison {
  const state: StateInfo = { file: source.file, previousRun: previous?.lastRun.startedAt ?? null, warnings: source.warnings };
  const stacks = mergeStacks(previous?.stacks ?? {}, report.sites);
  const lastRun = { startedAt: report.startedAt, verdict: report.verdict };

  if (report.verdict === 'local-network') {
    const remembered: Pick<RunState, 'incidents' | 'sites'> = previous ?? { incidents: {}, sites: {} };
    const sites = report.sites.map((s) => ({ ...s, change: null, since: remembered.sites[s.name]?.since ?? null }));
    return {
      report: { ...report, sites, incidents: report.incidents.map((i) => ({ ...i, change: null, since: null })), resolvedIncidents: [], state },
      events: [],
      next: { schema: STATE_SCHEMA, savedAt: now, lastRun, incidents: remembered.incidents, sites: remembered.sites, stacks },
    };
  }

  const incidents = compareIncidents(previous?.incidents ?? {}, report.incidents, now, report.vantage, alerts);
  const inIncidents = new Set(report.incidents.flatMap((i) => i.sites));
  const sites = compareSites(previous?.sites ?? {}, report.sites, now, report.vantage, inIncidents, alerts);
  const changes = providerChanges(previous?.stacks ?? {}, report.sites);
  return {
    report: { ...report, incidents: incidents.current, resolvedIncidents: incidents.resolved, sites: sites.current, state, providerChanges: changes },
    events: [...incidents.events, ...sites.events, ...changes.map((change) => providerChanged(change, now, report.vantage))],
    next: { schema: STATE_SCHEMA, savedAt: now, lastRun, incidents: incidents.stored, sites: sites.stored, stacks },
  };
}

/**
 * One more run on the failing or the passing side. A failure is announced when its failing streak reaches the
 * failure threshold, and its resolution when, once announced, its passing streak reaches the success threshold:
 * a failure that flaps inside the thresholds notifies nothing more.
 */
export function nextStreak(before: AlertStreak | undefined, failingNow: boolean, alerts: AlertSettings, at: string): { streak: AlertStreak; announce: 'failing' | 'resolved' | null } {
  const prev = before ?? { failing: 0, passing: 0, alerted: false, failingSince: null };
  if (failingNow) {
    const streak: AlertStreak = { failing: prev.failing + 1, passing: 0, alerted: prev.alerted, failingSince: prev.failing === 0 && !prev.alerted ? at : (prev.failingSince ?? at) };
    if (!prev.alerted && streak.failing >= alerts.failureThreshold) return { streak: { ...streak, alerted: true }, announce: 'failing' };
    return { streak, announce: null };
  }
  const streak: AlertStreak = { failing: 0, passing: prev.passing + 1, alerted: prev.alerted, failingSince: prev.alerted ? prev.failingSince : null };
  if (prev.alerted && streak.passing >= alerts.successThreshold) return { streak: { ...streak, alerted: false }, announce: 'resolved' };
  return { streak, announce: null };
}

/** State saved before thresholds: a remembered incident was announced when it opened. */
function incidentStreak(seen: StoredIncident): AlertStreak {
  return seen.streak ?? { failing: 1, passing: 0, alerted: true, failingSince: seen.since };
}

function siteStreak(seen: StoredSite): AlertStreak {
  return seen.streak ?? (seen.status === 'ok' ? { failing: 0, passing: 1, alerted: false, failingSince: null } : { failing: 1, passing: 0, alerted: true, failingSince: seen.since });
}

function compareIncidents(before: Record<string, StoredIncident>, now: Incident[], at: string, vantage: string, alerts: AlertSettings) {
  const current: Incident[] = [];
  const events: ChangeEvent[] = [];
  const stored: Record<string, StoredIncident> = {};
  for (const incident of now) {
    const seen = before[incident.id];
    const since = seen?.since ?? at;
    const marked: Incident = { ...incident, change: seen ? 'ongoing' : 'new', since };
    const { streak, announce } = nextStreak(seen ? incidentStreak(seen) : undefined, true, alerts, at);
    if (announce === 'failing') events.push(incidentOpened(marked, at, vantage));
    current.push(marked);
    stored[incident.id] = { incident: { ...marked, evidence: marked.evidence.slice(0, STORED_EVIDENCE) }, since, streak };
  }
  const resolved: Incident[] = [];
  for (const [id, seen] of Object.entries(before)) {
    if (stored[id]) continue;
    const { streak, announce } = nextStreak(incidentStreak(seen), false, alerts, at);
    if (announce !== 'resolved') {
      // Announced and not yet gone for successThreshold runs: remembered, so its return is no new incident.
      // Never announced: forgotten quietly.
      if (streak.alerted) stored[id] = { ...seen, streak };
      continue;
    }
    // Incidents saved by an older version lack the newer fields: give them their empty values.
    const saved: Partial<Incident> = seen.incident;
    const over: Incident = { ...seen.incident, locations: saved.locations ?? [], healthyLocations: saved.healthyLocations ?? [], acknowledged: saved.acknowledged ?? null, change: 'resolved', since: seen.since };
    resolved.push(over);
    events.push(incidentResolved(over, seen.since, at, vantage));
  }
  return { current, resolved, events, stored };
}

function compareSites(before: Record<string, StoredSite>, now: SiteReport[], at: string, vantage: string, inIncidents: ReadonlySet<string>, alerts: AlertSettings) {
  const current: SiteReport[] = [];
  const events: ChangeEvent[] = [];
  const stored: Record<string, StoredSite> = {};
  for (const site of now) {
    const seen = before[site.name];
    if (site.status === 'untested') {
      // Nothing was learned about the site from here this time: it keeps what it was.
      current.push({ ...site, change: null, since: seen?.since ?? null });
      if (seen) stored[site.name] = seen;
      continue;
    }
    const failing = site.status !== 'ok';
    const wasFailing = seen !== undefined && seen.status !== 'ok';
    let marked: SiteReport;
    if (failing && wasFailing) {
      marked = { ...site, change: 'ongoing', since: seen.since };
    } else if (failing) {
      marked = { ...site, change: 'new', since: at };
    } else if (wasFailing) {
      marked = { ...site, change: 'resolved', since: at };
    } else {
      marked = { ...site, change: null, since: seen?.since ?? at };
    }
    const previousStreak = seen ? siteStreak(seen) : undefined;
    const { streak, announce } = nextStreak(previousStreak, failing, alerts, at);
    if (announce === 'failing') events.push(siteDown(marked, at, vantage));
    if (announce === 'resolved') events.push(siteRecovered(marked, previousStreak?.failingSince ?? seen?.since ?? null, at, vantage));
    current.push(marked);
    const served = inIncidents.has(site.name) ? undefined : servedBaseline(site);
    const keep = served ?? seen?.served;
    const delegation = learnedDelegation(site) ?? seen?.delegation;
    stored[site.name] = { status: marked.status, since: marked.since!, change: marked.change, ...(keep ? { served: keep } : {}), ...(delegation ? { delegation } : {}), streak };
  }
  return { current, events, stored };
}

/** What this run learned of the site's delegation, when some resolver resolved it (else nothing new). */
export function learnedDelegation(site: SiteReport): Delegation | undefined {
  const resolved = site.chain.filter((h) => !h.remembered && h.answeredBy.length > 0);
  if (resolved.length === 0 || site.failingZone !== null) return undefined;
  const nameServers = [...new Set(site.dns.filter((d) => d.type === 'NS' && d.outcome === 'ok' && d.zone !== null && (site.host === d.zone || site.host.endsWith(`.${d.zone}`))).flatMap((d) => d.values))].sort();
  return { chain: resolved.map((h) => h.name).filter((name) => name !== site.host), nameServers };
}

/**
 * What a site served on a healthy-looking run: its content (every attempt ok, none challenged), or a challenge
 * (routine challenges its only trouble). Any other failure says nothing about its baseline: undefined.
 */
export function servedBaseline(site: SiteReport): ServedBaseline | undefined {
  const trouble = site.attempts.filter((a) => a.outcome !== 'ok' && a.outcome !== 'challenge');
  if (trouble.length > 0) return undefined;
  const challenges = site.attempts.filter((a) => a.challenge);
  if (challenges.some((a) => a.challenge!.kind === 'platform-failing')) return undefined;
  return challenges.length > 0 ? 'challenge' : site.attempts.length > 0 ? 'content' : undefined;
}

/**
 * This run's provider stacks over the remembered ones: a site whose edge did not answer this time (no
 * providers found) keeps its last known stack, and sites absent from this run keep theirs too.
 */
/** The layers whose provider a site chooses; a challenge comes and goes with traffic, so it is no drift. */
const DRIFT_LAYERS: ReadonlyArray<ProviderChange['layer']> = ['authoritative-dns', 'edge', 'origin'];

/**
 * Sites whose provider at a layer differs from the one remembered. Only what this run saw counts: a layer it
 * filled in from memory, or could not see (no answer), is no change; the remembered stack then moves on with the
 * state, so each change is reported once.
 */
export function providerChanges(before: Record<string, SiteProvider[]>, sites: SiteReport[]): ProviderChange[] {
  const changes: ProviderChange[] = [];
  for (const site of sites) {
    const remembered = before[site.name];
    if (!remembered) continue;
    for (const layer of DRIFT_LAYERS) {
      const now = site.providers.find((p) => p.layer === layer);
      const then = remembered.find((p) => p.layer === layer);
      if (!now || !then || now.provider === then.provider || isRemembered(now)) continue;
      changes.push({ site: site.name, layer, from: then.provider, to: now.provider, evidence: now.evidence });
    }
  }
  return changes;
}

function isRemembered(provider: SiteProvider): boolean {
  return provider.evidence.some((e) => e.startsWith(REMEMBERED_EVIDENCE));
}

export function mergeStacks(before: Record<string, SiteProvider[]>, sites: SiteReport[]): Record<string, SiteProvider[]> {
  const stacks = { ...before };
  for (const site of sites) {
    if (site.providers.length > 0) stacks[site.name] = site.providers;
  }
  return stacks;
}

/**
 * --quiet: nothing on stdout when the verdict is ok, the run complete, and nothing changed since the last run
 * (no events; without --state there is no last run, so only the verdict counts).
 */
export function isQuietRun(report: Report, events: ChangeEvent[]): boolean {
  return report.verdict === 'ok' && report.complete && events.length === 0;
}
