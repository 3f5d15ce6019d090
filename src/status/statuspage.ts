// Reading a provider's official status: does it acknowledge trouble right now? Pure parsers, one per kind
// of page, all returning the same StatusReading; then one rule that turns a reading into an Acknowledgement.
//
//   statuspage  Atlassian Statuspage /api/v2/summary.json: status.indicator (none|minor|major|critical|
//               maintenance), incidents[] (unresolved), scheduled_maintenances[] (in_progress counts).
//   json        sniffed: a Statuspage summary; Google Cloud incidents.json (active = no `end`); Heroku
//               /api/v4/current-status (green|yellow|red systems); an AWS-style array of events (active = no
//               endTime). The Heroku and AWS shapes are read tolerantly: they are not documented contracts.
//   rss / atom  the latest item: acknowledged when it is recent (default 6 h) and does not read "Resolved".
//               Feeds carry no severity, so the indicator is "unknown".
//
// Everything that came from the page is untrusted: titles are single-line and bounded, URLs must be
// http(s), dates are re-serialised as ISO 8601 or dropped.

import type { StatusPage } from '../fingerprint/types.js';
import { safeLine } from '../util/text.js';

export type Indicator = 'none' | 'minor' | 'major' | 'critical' | 'maintenance' | 'unknown';

export interface StatusIncident {
  title: string;
  /** When it started (ISO 8601), null when the page does not say. */
  since: string | null;
  url: string | null;
  impact: Indicator;
  /** Title plus affected components / products / locations, for matching an incident's locations. */
  text: string;
}

export interface StatusReading {
  /** The page's overall indicator. */
  indicator: Indicator;
  /** The page's own words for it ("Minor Service Outage"), when given. */
  description: string | null;
  /** Incidents going on now (unresolved, or maintenance in progress). */
  incidents: StatusIncident[];
  pageUrl: string;
}

export type ParsedStatus = { reading: StatusReading } | { unknown: string };

export type Acknowledgement =
  | { by: 'status page'; indicator: Indicator; title: string | null; since: string | null; url: string }
  | false
  | { unknown: string };

const INDICATOR_ORDER: Indicator[] = ['none', 'unknown', 'maintenance', 'minor', 'major', 'critical'];
const worse = (a: Indicator, b: Indicator): Indicator => (INDICATOR_ORDER.indexOf(a) >= INDICATOR_ORDER.indexOf(b) ? a : b);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

function indicatorOf(value: unknown): Indicator {
  const v = typeof value === 'string' ? value.trim().toLowerCase() : '';
  return (INDICATOR_ORDER as string[]).includes(v) ? (v as Indicator) : 'unknown';
}

function title(value: unknown): string | null {
  const text = str(value);
  return text ? safeLine(text, 200) : null;
}

/** An absolute http(s) URL (relative ones resolved against `base`), or null. */
export function safeUrl(value: unknown, base?: string): string | null {
  const text = str(value);
  if (!text) return null;
  try {
    const url = new URL(text.trim(), base);
    return url.protocol === 'https:' || url.protocol === 'http:' ? safeLine(url.href, 300) : null;
  } catch {
    return null;
  }
}

function isoDate(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) {
    // Epoch seconds or milliseconds.
    const ms = value < 1e12 ? value * 1000 : value;
    const d = new Date(ms);
    return Number.isFinite(d.getTime()) ? d.toISOString() : null;
  }
  const text = str(value);
  if (!text) return null;
  if (/^\d{9,13}$/.test(text.trim())) return isoDate(Number(text.trim()));
  const t = Date.parse(text);
  return Number.isFinite(t) ? new Date(t).toISOString() : null;
}

function parseJson(text: string): { value: unknown } | { unknown: string } {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('<')) return { unknown: /^<(?:!doctype html|html)/i.test(trimmed) ? 'answered an HTML page, not JSON' : 'answered markup, not JSON' };
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    return { unknown: `not valid JSON (${safeLine((err as Error).message, 80)})` };
  }
}

// ───────────────────────────── Atlassian Statuspage ─────────────────────────────

function statuspageIncident(i: Record<string, unknown>, base: string): StatusIncident | null {
  const name = title(i.name);
  if (!name) return null;
  const components = Array.isArray(i.components) ? i.components.filter(isRecord).map((c) => str(c.name) ?? '') : [];
  const updates = Array.isArray(i.incident_updates) ? i.incident_updates.filter(isRecord) : [];
  const latest = str(updates[0]?.body)?.slice(0, 500) ?? '';
  return {
    title: name,
    since: isoDate(i.started_at) ?? isoDate(i.created_at),
    url: safeUrl(i.shortlink, base) ?? safeUrl(i.url, base),
    impact: indicatorOf(i.impact),
    text: [name, ...components, latest].join(' '),
  };
}

function readStatuspage(doc: Record<string, unknown>, documentUrl: string): ParsedStatus {
  if (!isRecord(doc.status) || typeof doc.status.indicator !== 'string') return { unknown: 'JSON without status.indicator: not a Statuspage summary' };
  const page = isRecord(doc.page) ? doc.page : {};
  const pageUrl = safeUrl(page.url) ?? new URL('/', documentUrl).href;
  const open = (Array.isArray(doc.incidents) ? doc.incidents : []).filter(isRecord).filter((i) => i.status !== 'resolved' && i.status !== 'postmortem' && i.status !== 'completed');
  const maintenances = (Array.isArray(doc.scheduled_maintenances) ? doc.scheduled_maintenances : [])
    .filter(isRecord)
    .filter((m) => m.status === 'in_progress' || m.status === 'verifying');
  const incidents = [
    ...open.map((i) => statuspageIncident(i, pageUrl)),
    ...maintenances.map((m) => {
      const found = statuspageIncident(m, pageUrl);
      return found ? { ...found, impact: 'maintenance' as const, since: isoDate(m.scheduled_for) ?? found.since } : null;
    }),
  ].filter((i): i is StatusIncident => i !== null);
  return { reading: { indicator: indicatorOf(doc.status.indicator), description: title(doc.status.description), incidents, pageUrl } };
}

/** Atlassian Statuspage /api/v2/summary.json (also /api/v2/status.json, which has no incidents). */
export function parseStatuspageSummary(text: string, documentUrl: string): ParsedStatus {
  const parsed = parseJson(text);
  if ('unknown' in parsed) return parsed;
  if (!isRecord(parsed.value)) return { unknown: 'JSON without status.indicator: not a Statuspage summary' };
  return readStatuspage(parsed.value, documentUrl);
}

// ───────────────────────────── Google Cloud incidents.json ─────────────────────────────

const GOOGLE_SEVERITY: Record<string, Indicator> = { high: 'major', medium: 'minor', low: 'minor' };
const GOOGLE_IMPACT: Record<string, Indicator> = { SERVICE_OUTAGE: 'major', SERVICE_DISRUPTION: 'minor', SERVICE_INFORMATION: 'none' };

function namesOf(list: unknown, ...keys: string[]): string[] {
  return Array.isArray(list) ? list.filter(isRecord).flatMap((x) => keys.map((k) => str(x[k]) ?? '')).filter(Boolean) : [];
}

function readGoogle(list: unknown[], documentUrl: string): ParsedStatus {
  const pageUrl = new URL('/', documentUrl).href;
  const active = list.filter(isRecord).filter((i) => !str(i.end));
  const incidents = active
    .map((i): StatusIncident | null => {
      const name = title(i.external_desc) ?? title(i.service_name);
      if (!name) return null;
      const severity = GOOGLE_SEVERITY[String(i.severity ?? '').toLowerCase()];
      const impact = GOOGLE_IMPACT[String(i.status_impact ?? '')];
      return {
        title: name,
        since: isoDate(i.begin) ?? isoDate(i.created),
        url: safeUrl(i.uri, pageUrl),
        impact: severity ?? impact ?? 'unknown',
        text: [name, str(i.service_name) ?? '', ...namesOf(i.affected_products, 'title'), ...namesOf(i.currently_affected_locations, 'id', 'title')].join(' '),
      };
    })
    .filter((i): i is StatusIncident => i !== null);
  const indicator = incidents.reduce<Indicator>((acc, i) => worse(acc, i.impact === 'unknown' ? 'minor' : i.impact), 'none');
  return { reading: { indicator, description: null, incidents, pageUrl } };
}

// ───────────────────────────── Heroku, AWS (tolerant) ─────────────────────────────

const HEROKU_COLOUR: Record<string, Indicator> = { green: 'none', yellow: 'minor', red: 'major', blue: 'maintenance' };

function readHeroku(doc: Record<string, unknown>, documentUrl: string): ParsedStatus {
  const pageUrl = new URL('/', documentUrl).href;
  const systems = (doc.status as unknown[]).filter(isRecord);
  const indicator = systems.reduce<Indicator>((acc, s) => worse(acc, HEROKU_COLOUR[String(s.status ?? '').toLowerCase()] ?? 'unknown'), 'none');
  const incidents = (Array.isArray(doc.incidents) ? doc.incidents : [])
    .filter(isRecord)
    .filter((i) => !str(i.resolved_at) && i.state !== 'resolved')
    .map((i): StatusIncident | null => {
      const name = title(i.title) ?? title(i.name);
      return name ? { title: name, since: isoDate(i.created_at), url: safeUrl(i.full_url, pageUrl) ?? safeUrl(i.url, pageUrl), impact: indicator === 'none' ? 'minor' : indicator, text: name } : null;
    })
    .filter((i): i is StatusIncident => i !== null);
  const degraded = systems.filter((s) => (HEROKU_COLOUR[String(s.status ?? '').toLowerCase()] ?? 'unknown') !== 'none').map((s) => str(s.system) ?? '?');
  return { reading: { indicator, description: degraded.length > 0 ? safeLine(`${degraded.join(', ')} not green`, 200) : null, incidents, pageUrl } };
}

function readEvents(list: unknown[], documentUrl: string): ParsedStatus {
  const pageUrl = new URL('/', documentUrl).href;
  const active = list.filter(isRecord).filter((e) => !str(e.endTime) && !str(e.end_time));
  const incidents = active
    .map((e): StatusIncident | null => {
      const service = str(e.service_name) ?? str(e.service) ?? '';
      const region = str(e.region_name) ?? str(e.region) ?? '';
      const name = title(e.summary) ?? title(e.typeCode) ?? title([service, region].filter(Boolean).join(' '));
      if (!name) return null;
      return { title: name, since: isoDate(e.startTime) ?? isoDate(e.date), url: pageUrl, impact: 'unknown', text: [name, service, region].join(' ') };
    })
    .filter((i): i is StatusIncident => i !== null);
  return { reading: { indicator: incidents.length > 0 ? 'unknown' : 'none', description: null, incidents, pageUrl } };
}

/** A JSON status document of any of the known shapes. */
export function parseJsonStatus(text: string, documentUrl: string): ParsedStatus {
  const parsed = parseJson(text);
  if ('unknown' in parsed) return parsed;
  const doc = parsed.value;
  if (isRecord(doc) && isRecord(doc.status) && typeof doc.status.indicator === 'string') return readStatuspage(doc, documentUrl);
  if (isRecord(doc) && Array.isArray(doc.status)) return readHeroku(doc, documentUrl);
  if (Array.isArray(doc)) {
    const looksGoogle = doc.some((i) => isRecord(i) && ('external_desc' in i || 'begin' in i));
    return looksGoogle ? readGoogle(doc, documentUrl) : readEvents(doc, documentUrl);
  }
  return { unknown: 'JSON of a shape no reader knows' };
}

// ───────────────────────────── RSS / Atom ─────────────────────────────

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function xmlText(raw: string): string {
  const cdata = /^\s*<!\[CDATA\[([\s\S]*?)\]\]>\s*$/.exec(raw);
  const text = cdata ? cdata[1]! : raw;
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return XML_ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

function element(xml: string, name: string): string | null {
  const m = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`, 'i').exec(xml);
  return m ? xmlText(m[1]!) : null;
}

function atomLink(xml: string): string | null {
  const links = [...xml.matchAll(/<link\b([^>]*)\/?>/gi)].map((m) => m[1]!);
  const pick = links.find((l) => /rel=["']alternate["']/i.test(l)) ?? links.find((l) => !/rel=/i.test(l)) ?? links[0];
  return pick ? (/href=["']([^"']+)["']/i.exec(pick)?.[1] ?? null) : null;
}

const stripTags = (html: string) => html.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();

export interface FeedOptions {
  now: Date;
  /** How recent the latest item must be to count as going on (default 6 hours). */
  recentMs?: number;
}

/** The latest item of an RSS or Atom feed. */
export function parseFeed(text: string, documentUrl: string, options: FeedOptions): ParsedStatus {
  const head = text.trimStart().slice(0, 600);
  if (/^<(?:!doctype html|html)/i.test(head)) return { unknown: 'answered an HTML page, not a feed' };
  const isAtom = /<feed[\s>]/i.test(head);
  const isRss = /<rss[\s>]|<rdf:RDF[\s>]/i.test(head);
  if (!isAtom && !isRss) return { unknown: 'not an RSS or Atom feed' };
  const pageUrl = new URL('/', documentUrl).href;
  const blocks = [...text.matchAll(isAtom ? /<entry\b[\s\S]*?<\/entry>/gi : /<item\b[\s\S]*?<\/item>/gi)].map((m) => m[0]).slice(0, 50);
  const items = blocks.map((b) => {
    const date = isoDate(isAtom ? (element(b, 'updated') ?? element(b, 'published')) : (element(b, 'pubDate') ?? element(b, 'dc:date')));
    const body = stripTags(element(b, isAtom ? 'content' : 'description') ?? element(b, 'summary') ?? '');
    return {
      title: title(stripTags(element(b, 'title') ?? '')),
      date,
      url: safeUrl(isAtom ? atomLink(b) : element(b, 'link'), pageUrl),
      body,
    };
  });
  const latest = items.filter((i) => i.title).sort((a, b) => Date.parse(b.date ?? '') - Date.parse(a.date ?? '') || 0)[0];
  const recentMs = options.recentMs ?? 6 * 3_600_000;
  const age = latest?.date ? options.now.getTime() - Date.parse(latest.date) : Infinity;
  // Statuspage feeds put the newest update first, labelled: "Resolved - This incident has been resolved."
  const resolved = latest ? /\bresolved\b/i.test(latest.title ?? '') || /^(?:[A-Z][a-z]{2} \d{1,2}, [\d:]+ [A-Z]{3,4}\s+)?(?:Resolved|Completed)\b/.test(latest.body) : false;
  if (!latest || age > recentMs || resolved) return { reading: { indicator: 'none', description: null, incidents: [], pageUrl } };
  return {
    reading: {
      indicator: 'unknown',
      description: null,
      incidents: [{ title: latest.title!, since: latest.date, url: latest.url, impact: 'unknown', text: `${latest.title} ${latest.body.slice(0, 500)}` }],
      pageUrl,
    },
  };
}

// ───────────────────────────── any page → acknowledgement ─────────────────────────────

/** Parse a fetched status document of the catalog's kind. */
export function parseStatusDocument(kind: StatusPage['kind'], text: string, documentUrl: string, options: FeedOptions): ParsedStatus {
  switch (kind) {
    case 'statuspage':
      return parseStatuspageSummary(text, documentUrl);
    case 'json':
      return parseJsonStatus(text, documentUrl);
    case 'rss':
    case 'atom':
      return parseFeed(text, documentUrl, options);
  }
}

function mentions(text: string, hint: string): boolean {
  const escaped = hint.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?:^|[^A-Za-z0-9])${escaped}(?:$|[^A-Za-z0-9])`, 'i').test(text);
}

/**
 * Does the page acknowledge trouble? An ongoing incident does (the one that mentions one of `hints` —
 * the failing locations or layer words — first, else the most severe, then the newest); so does a
 * non-"none" indicator with no incident listed. All operational is `false`: not acknowledged yet.
 */
export function acknowledgementFrom(reading: StatusReading, hints: string[] = []): Acknowledgement {
  const { incidents } = reading;
  if (incidents.length === 0) {
    if (reading.indicator === 'none') return false;
    return { by: 'status page', indicator: reading.indicator, title: reading.description, since: null, url: reading.pageUrl };
  }
  const rank = (i: StatusIncident) => INDICATOR_ORDER.indexOf(i.impact);
  const relevant = hints.length > 0 ? incidents.filter((i) => hints.some((h) => mentions(i.text, h))) : [];
  const pool = relevant.length > 0 ? relevant : incidents;
  const pick = [...pool].sort((a, b) => rank(b) - rank(a) || Date.parse(b.since ?? '') - Date.parse(a.since ?? '') || 0)[0]!;
  return { by: 'status page', indicator: worse(reading.indicator, pick.impact), title: pick.title, since: pick.since, url: pick.url ?? reading.pageUrl };
}
