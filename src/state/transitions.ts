// This run against the last one (--state): which incidents and sites are new, ongoing or resolved, the events
// to notify (transitions only, so a second identical run notifies nothing), and the state to save. Pure.
//
// A site is either ok or not ok (degraded and down count as one): `since` is when it entered that side, and a
// swing between degraded and down is neither a new `since` nor an event.
//
// A run whose verdict is `local-network` saw nothing of the sites (our own network was down), so it changes
// nothing: no events, and the remembered incidents and site verdicts are carried over as they were. Otherwise
// a dropped Wi-Fi would page "13 sites down", then "13 sites recovered".

import { REMEMBERED_EVIDENCE, samplesFlapped, type Delegation, type Incident, type ProviderChange, type Report, type ServedBaseline, type SiteProvider, type SiteReport, type StateInfo } from '../model.js';
import { incidentFlapping, incidentOngoing, incidentOpened, incidentResolved, providerChanged, siteDown, siteFlapping, siteOngoing, siteRecovered, type ChangeEvent } from '../notify/events.js';
import type { AlertMark, AlertSettings } from '../model.js';
import { STATE_SCHEMA, type AlertStreak, type RunState, type StoredIncident, type StoredSite } from './store.js';
import { isAtOrBelow } from '../util/dns-name.js';

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
export const NOTIFY_AT_ONCE: AlertSettings = { failureThreshold: 1, successThreshold: 1, reminderIntervalMs: null, flapWindow: 5 };

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

  const flapped = new Set(report.sites.filter((s) => s.attempts.some((a) => samplesFlapped(a.samples))).map((s) => s.name));
  const incidents = compareIncidents(previous?.incidents ?? {}, report.incidents, now, report.vantage, alerts, flapped);
  const inIncidents = new Set(report.incidents.flatMap((i) => i.sites));
  const sites = compareSites(previous?.sites ?? {}, report.sites, now, report.vantage, inIncidents, alerts, flapped);
  const changes = providerChanges(previous?.stacks ?? {}, report.sites);
  return {
    report: { ...report, incidents: incidents.current, resolvedIncidents: incidents.resolved, sites: sites.current, state, providerChanges: changes },
    events: [...incidents.events, ...sites.events, ...changes.map((change) => providerChanged(change, now, report.vantage))],
    next: { schema: STATE_SCHEMA, savedAt: now, lastRun, incidents: incidents.stored, sites: sites.stored, stacks },
  };
}

/** What a run's step in alerting announces: nothing, or one of these. */
export type Announcement = 'failing' | 'resolved' | 'flapping' | 'ongoing';

/**
 * One more run on the failing or the passing side.
 * - A failure is announced when its failing streak reaches failureThreshold; its resolution when, once
 *   announced, its passing streak reaches successThreshold. A failure shorter than that is forgotten quietly.
 * - A failure back within flapWindow runs of being announced resolved is flapping: one announcement, then no
 *   opened/resolved pairs while it goes back and forth; it ends after flapWindow runs on one side, announced as
 *   resolved (passing) or as ongoing (failing).
 * - An announced failure still failing reminderInterval after its last announcement is announced again (ongoing).
 * - `flappedWithinRun`: this run's own samples (--samples) saw it fail and recover: it is flapping at once, once it
 *   is due to be announced at all (failureThreshold still counts runs).
 */
export function nextStreak(
  before: AlertStreak | undefined,
  failingNow: boolean,
  alerts: AlertSettings,
  at: string,
  flappedWithinRun = false,
): { streak: AlertStreak; announce: Announcement | null; mark: AlertMark | null } {
  const prev: AlertStreak = before ?? { failing: 0, passing: 0, alerted: false, failingSince: null };
  const window = alerts.flapWindow;
  if (failingNow && flappedWithinRun && !prev.flapping && (prev.alerted || prev.failing + 1 >= alerts.failureThreshold)) {
    // This run's own samples saw it fail and recover (--samples): flapping already, announced once as such
    // rather than as opened now and resolved at its next good sample.
    const streak: AlertStreak = { failing: prev.failing + 1, passing: 0, alerted: true, failingSince: prev.failingSince ?? at, flapping: true, changes: 2, announcedAt: at };
    return { streak, announce: 'flapping', mark: { state: 'flapping', changes: 2 } };
  }
  if (prev.flapping) {
    const changes = (prev.changes ?? 0) + (failingNow !== prev.failing > 0 ? 1 : 0);
    const streak: AlertStreak = { ...prev, failing: failingNow ? prev.failing + 1 : 0, passing: failingNow ? 0 : prev.passing + 1, changes };
    if (streak.passing >= window) {
      return { streak: { failing: 0, passing: streak.passing, alerted: false, failingSince: null, sinceResolved: 0, announcedAt: prev.announcedAt ?? null }, announce: 'resolved', mark: null };
    }
    if (streak.failing >= window) {
      return { streak: { ...streak, flapping: false, changes: 0, announcedAt: at }, announce: 'ongoing', mark: { state: 'open', changes: 0 } };
    }
    return { streak, announce: null, mark: failingNow ? { state: 'flapping', changes } : null };
  }
  if (failingNow) {
    if (!prev.alerted && prev.sinceResolved !== undefined && prev.sinceResolved < window) {
      // Announced resolved, and back already: resolved then failing again, two changes.
      const streak: AlertStreak = { failing: 1, passing: 0, alerted: true, failingSince: at, flapping: true, changes: 2, announcedAt: at };
      return { streak, announce: 'flapping', mark: { state: 'flapping', changes: 2 } };
    }
    const streak: AlertStreak = {
      failing: prev.failing + 1,
      passing: 0,
      alerted: prev.alerted,
      failingSince: prev.failing === 0 && !prev.alerted ? at : (prev.failingSince ?? at),
      announcedAt: prev.announcedAt ?? null,
    };
    if (!prev.alerted && streak.failing >= alerts.failureThreshold) {
      return { streak: { ...streak, alerted: true, announcedAt: at }, announce: 'failing', mark: { state: 'open', changes: 0 } };
    }
    if (prev.alerted && reminderDue(prev.announcedAt ?? prev.failingSince, at, alerts.reminderIntervalMs)) {
      return { streak: { ...streak, announcedAt: at }, announce: 'ongoing', mark: { state: 'open', changes: 0 } };
    }
    return { streak, announce: null, mark: { state: streak.alerted ? 'open' : 'pending', changes: 0 } };
  }
  const streak: AlertStreak = {
    failing: 0,
    passing: prev.passing + 1,
    alerted: prev.alerted,
    failingSince: prev.alerted ? prev.failingSince : null,
    ...(prev.sinceResolved !== undefined && prev.sinceResolved + 1 < window ? { sinceResolved: prev.sinceResolved + 1 } : {}),
    announcedAt: prev.announcedAt ?? null,
  };
  if (prev.alerted && streak.passing >= alerts.successThreshold) return { streak: { ...streak, alerted: false, sinceResolved: 0 }, announce: 'resolved', mark: null };
  return { streak, announce: null, mark: null };
}

function reminderDue(last: string | null | undefined, at: string, intervalMs: number | null): boolean {
  if (intervalMs === null || !last) return false;
  const elapsed = Date.parse(at) - Date.parse(last);
  return Number.isFinite(elapsed) && elapsed >= intervalMs;
}

/** A remembered entry worth keeping for the next run: announced, or announced resolved only runs ago. */
function worthKeeping(streak: AlertStreak): boolean {
  return streak.alerted || streak.sinceResolved !== undefined;
}

/** State saved before thresholds: a remembered incident was announced when it opened. */
function incidentStreak(seen: StoredIncident): AlertStreak {
  return seen.streak ?? { failing: 1, passing: 0, alerted: true, failingSince: seen.since };
}

function siteStreak(seen: StoredSite): AlertStreak {
  return seen.streak ?? (seen.status === 'ok' ? { failing: 0, passing: 1, alerted: false, failingSince: null } : { failing: 1, passing: 0, alerted: true, failingSince: seen.since });
}

/** `flapped`: the sites whose samples saw their failure come and go within this run. */
function compareIncidents(before: Record<string, StoredIncident>, now: Incident[], at: string, vantage: string, alerts: AlertSettings, flapped: ReadonlySet<string>) {
  const current: Incident[] = [];
  const events: ChangeEvent[] = [];
  const stored: Record<string, StoredIncident> = {};
  for (const incident of now) {
    const seen = before[incident.id];
    const previous = seen ? incidentStreak(seen) : undefined;
    // Still open (or failing last run): the same incident. Only remembered as resolved a few runs ago: a new one.
    const continuing = seen !== undefined && (previous!.alerted || previous!.failing > 0);
    const since = continuing ? seen.since : at;
    const withinRun = incident.sites.some((name) => flapped.has(name));
    const { streak, announce, mark } = nextStreak(previous, true, alerts, at, withinRun);
    const marked: Incident = { ...incident, change: continuing ? 'ongoing' : 'new', since, ...(mark ? { alert: mark } : {}) };
    if (announce === 'failing') events.push(incidentOpened(marked, at, vantage));
    if (announce === 'flapping') events.push(incidentFlapping(marked, at, vantage, withinRun));
    if (announce === 'ongoing') events.push(incidentOngoing(marked, at, vantage));
    current.push(marked);
    // The alert mark is this run's; the streak is what is remembered of it.
    const { alert: _alert, ...kept } = marked;
    stored[incident.id] = { incident: { ...kept, evidence: kept.evidence.slice(0, STORED_EVIDENCE) }, since, streak };
  }
  const resolved: Incident[] = [];
  for (const [id, seen] of Object.entries(before)) {
    if (stored[id]) continue;
    const { streak, announce } = nextStreak(incidentStreak(seen), false, alerts, at);
    if (announce !== 'resolved') {
      // Announced (or flapping) and not yet gone long enough: remembered, so its return is no new incident.
      // Announced resolved a few runs ago: remembered, so a quick return is flapping. Else forgotten quietly.
      if (worthKeeping(streak)) stored[id] = { ...seen, streak };
      continue;
    }
    stored[id] = { ...seen, streak };
    // Incidents saved by an older version lack the newer fields: give them their empty values.
    const saved: Partial<Incident> = seen.incident;
    const over: Incident = { ...seen.incident, locations: saved.locations ?? [], healthyLocations: saved.healthyLocations ?? [], acknowledged: saved.acknowledged ?? null, change: 'resolved', since: seen.since };
    resolved.push(over);
    events.push(incidentResolved(over, seen.since, at, vantage));
  }
  return { current, resolved, events, stored };
}

function compareSites(before: Record<string, StoredSite>, now: SiteReport[], at: string, vantage: string, inIncidents: ReadonlySet<string>, alerts: AlertSettings, flapped: ReadonlySet<string>) {
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
    const withinRun = flapped.has(site.name);
    const { streak, announce, mark } = nextStreak(previousStreak, failing, alerts, at, withinRun);
    if (mark) marked = { ...marked, alert: mark };
    if (announce === 'failing') events.push(siteDown(marked, at, vantage));
    if (announce === 'resolved') events.push(siteRecovered(marked, previousStreak?.failingSince ?? seen?.since ?? null, at, vantage));
    if (announce === 'flapping') events.push(siteFlapping(marked, at, vantage, withinRun));
    if (announce === 'ongoing') events.push(siteOngoing(marked, at, vantage));
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
  const nameServers = [...new Set(site.dns.filter((d) => d.type === 'NS' && d.outcome === 'ok' && d.zone !== null && isAtOrBelow(site.host, d.zone)).flatMap((d) => d.values))].sort();
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
