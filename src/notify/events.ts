// What --notify sends: one event per transition (incident opened, resolved or flapping, site down, recovered or
// flapping), each reminder (still failing), each with a Slack-compatible one-line `text`. Pure: built by state/transitions.ts, posted by webhook.ts.
//
// One POST per webhook per run carries every transition of the run (see eventPayload): a provider incident
// that takes 20 sites down is one message, not 21, which keeps chat channels readable, stays under Slack's
// one-message-per-second webhook limit, and makes a retry all-or-nothing.

import type { Blame, Incident, Layer, ProviderChange, SiteReport, SiteStatus, Verdict } from '../model.js';
import { formatMs } from '../util/time.js';
import { plural, safeLine } from '../util/text.js';

export const EVENT_SCHEMA = 'outage-probe.event/v1';

export type ChangeEventType =
  | 'incident-opened'
  | 'incident-resolved'
  | 'incident-flapping'
  | 'incident-ongoing'
  | 'site-down'
  | 'site-recovered'
  | 'site-flapping'
  | 'site-ongoing'
  | 'provider-changed'
  | 'test';

export interface EventIncident {
  id: string;
  provider: string | null;
  layer: Layer;
  summary: string;
  sites: string[];
  confidence: number;
  /** When the incident was first seen. */
  since: string | null;
}

export interface EventSite {
  name: string;
  url: string;
  status: SiteStatus;
  reason: string | null;
  blame: Blame | null;
  /** down / degraded: when it started failing; recovered: when it had started failing. */
  since: string | null;
}

export interface ChangeEvent {
  type: ChangeEventType;
  /** When the transition was seen: the comparing run's time (ISO 8601). */
  at: string;
  vantage: string;
  incident?: EventIncident;
  site?: EventSite;
  /** provider-changed: the site, the layer, and the providers before and now. */
  change?: ProviderChange;
  /** One line for a chat channel (Slack mrkdwn: &, < and > escaped). */
  text: string;
}

export interface EventPayload {
  schema: typeof EVENT_SCHEMA;
  /** Every event's text, one per line (sites named by an incident line of the same run are folded into it). */
  text: string;
  events: ChangeEvent[];
  run: { startedAt: string; vantage: string; verdict: Verdict; summary: string };
}

/** Slack reads &, < and > as markup (links, mentions); everything else is plain. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function line(text: string): string {
  return slackEscape(safeLine(text, 600));
}

/** "Cloudflare edge incident (partial)" out of "Cloudflare edge incident (partial): 3 of 4 …". */
function headline(incident: Incident): string {
  const cut = incident.summary.indexOf(': ');
  return cut > 0 ? incident.summary.slice(0, cut) : `${incident.provider ?? incident.kind} ${incident.layer} incident`;
}

function lasted(since: string | null, at: string): string {
  if (!since) return '';
  const ms = Date.parse(at) - Date.parse(since);
  return Number.isFinite(ms) && ms >= 0 ? `, after ${formatMs(ms)}` : '';
}

function eventIncident(incident: Incident, since: string | null): EventIncident {
  return {
    id: incident.id,
    provider: incident.provider,
    layer: incident.layer,
    summary: incident.summary,
    sites: incident.sites,
    confidence: incident.confidence,
    since,
  };
}

function eventSite(site: SiteReport, since: string | null): EventSite {
  return { name: site.name, url: site.url, status: site.status, reason: site.reason, blame: site.blame, since };
}

export function incidentOpened(incident: Incident, at: string, vantage: string): ChangeEvent {
  return {
    type: 'incident-opened',
    at,
    vantage,
    incident: eventIncident(incident, at),
    text: line(`:red_circle: ${incident.summary} (from ${vantage})`),
  };
}

/** `incident` is the one remembered from the last run; `since` when it was first seen. */
export function incidentResolved(incident: Incident, since: string | null, at: string, vantage: string): ChangeEvent {
  return {
    type: 'incident-resolved',
    at,
    vantage,
    incident: eventIncident(incident, since),
    text: line(`:white_check_mark: resolved: ${headline(incident)} (${plural(incident.sites.length, 'site')}: ${incident.sites.join(', ')}${lasted(since, at)}) (from ${vantage})`),
  };
}

/**
 * Flapping: back soon after it was announced resolved, or (`withinRun`) seen by this run's own samples (--samples)
 * to fail and recover. One alert now, none per change until it is stable.
 */
export function incidentFlapping(incident: Incident, at: string, vantage: string, withinRun = false): ChangeEvent {
  const how = withinRun ? 'comes and goes within one run (its samples failed and recovered)' : 'is back soon after it resolved';
  return {
    type: 'incident-flapping',
    at,
    vantage,
    incident: eventIncident(incident, incident.since),
    text: line(`:large_orange_circle: flapping: ${headline(incident)} ${how}; no more alerts until it is stable (${plural(incident.sites.length, 'site')}: ${incident.sites.join(', ')}) (from ${vantage})`),
  };
}

/** Still failing: a reminder (alerts.reminderInterval), or the end of flapping on the failing side. */
export function incidentOngoing(incident: Incident, at: string, vantage: string): ChangeEvent {
  return {
    type: 'incident-ongoing',
    at,
    vantage,
    incident: eventIncident(incident, incident.since),
    text: line(`:red_circle: still failing${lasted(incident.since, at).replace(', after', ' after')}: ${incident.summary} (from ${vantage})`),
  };
}

export function siteFlapping(site: SiteReport, at: string, vantage: string, withinRun = false): ChangeEvent {
  const how = withinRun ? `is ${site.status}, failing and recovering within one run` : `is ${site.status} again soon after it recovered`;
  return {
    type: 'site-flapping',
    at,
    vantage,
    site: eventSite(site, site.since),
    text: line(`:large_orange_circle: flapping: ${site.name} ${how}; no more alerts until it is stable (from ${vantage})`),
  };
}

export function siteOngoing(site: SiteReport, at: string, vantage: string): ChangeEvent {
  return {
    type: 'site-ongoing',
    at,
    vantage,
    site: eventSite(site, site.since),
    text: line(`${site.status === 'down' ? ':red_circle:' : ':large_orange_circle:'} still ${site.status}${lasted(site.since, at).replace(', after', ' after')}: ${site.name}: ${site.reason ?? 'no reason recorded'} (from ${vantage})`),
  };
}

export function siteDown(site: SiteReport, at: string, vantage: string): ChangeEvent {
  const icon = site.status === 'down' ? ':red_circle:' : ':large_orange_circle:';
  return {
    type: 'site-down',
    at,
    vantage,
    site: eventSite(site, at),
    text: line(`${icon} ${site.name} is ${site.status}: ${site.reason ?? 'no reason recorded'} (from ${vantage})`),
  };
}

/** `since`: when the site had started failing. */
export function siteRecovered(site: SiteReport, since: string | null, at: string, vantage: string): ChangeEvent {
  return {
    type: 'site-recovered',
    at,
    vantage,
    site: eventSite(site, since),
    text: line(`:white_check_mark: ${site.name} recovered${lasted(since, at)} (from ${vantage})`),
  };
}

const LAYER_WORD: Record<ProviderChange['layer'], string> = { 'authoritative-dns': 'DNS host', edge: 'edge (CDN)', origin: 'hosting' };

/** Not an outage: a site now depends on another provider at a layer (moved CDN, new DNS host). */
export function providerChanged(change: ProviderChange, at: string, vantage: string): ChangeEvent {
  return {
    type: 'provider-changed',
    at,
    vantage,
    change,
    text: line(`:arrows_counterclockwise: ${change.site}: ${LAYER_WORD[change.layer]} changed from ${change.from} to ${change.to} (from ${vantage})`),
  };
}

/** What --notify-test sends: plainly a test, so no receiver mistakes it for an outage. */
export function sampleEvent(vantage: string, now: Date = new Date()): ChangeEvent {
  return {
    type: 'test',
    at: now.toISOString(),
    vantage,
    text: line(`:information_source: outage-probe test notification from ${vantage}: this webhook receives outage-probe alerts`),
  };
}

const MAX_TEXT_LINES = 20;

/**
 * The JSON body posted to each webhook: every event of the run, and a `text` for chat (Slack, Mattermost,
 * Rocket.Chat and Discord-via-/slack read it). In `text`, a site whose down / recovered line would only repeat
 * an incident line of the same run is left out (the event is still in `events`), and long lists are cut.
 */
export function eventPayload(events: ChangeEvent[], run: { startedAt: string; vantage: string; verdict: Verdict; summary: string }): EventPayload {
  const coveredBy = (type: ChangeEventType) =>
    new Set(events.filter((e) => e.type === type).flatMap((e) => e.incident?.sites ?? []));
  const opened = coveredBy('incident-opened');
  const resolved = coveredBy('incident-resolved');
  const flapping = coveredBy('incident-flapping');
  const ongoing = coveredBy('incident-ongoing');
  const shown = events.filter((e) => {
    if (e.type === 'site-down') return !opened.has(e.site!.name);
    if (e.type === 'site-recovered') return !resolved.has(e.site!.name);
    if (e.type === 'site-flapping') return !flapping.has(e.site!.name);
    if (e.type === 'site-ongoing') return !ongoing.has(e.site!.name);
    return true;
  });
  const lines = shown.slice(0, MAX_TEXT_LINES).map((e) => e.text);
  if (shown.length > MAX_TEXT_LINES) lines.push(`…and ${plural(shown.length - MAX_TEXT_LINES, 'more change')}`);
  return {
    schema: EVENT_SCHEMA,
    text: lines.join('\n'),
    events,
    run: { startedAt: run.startedAt, vantage: run.vantage, verdict: run.verdict, summary: run.summary },
  };
}
