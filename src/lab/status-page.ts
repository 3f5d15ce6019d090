// A provider's status page as the lab serves it: Atlassian Statuspage's JSON API (providers.md §11),
// /api/v2/summary.json and /api/v2/status.json, over HTTPS with the lab's CA. What it says (operational,
// or an incident going on) is scenario data; times are relative to when the page is asked.

import type { HttpBehaviour, HttpRequestInfo } from './http-server.js';

export type StatusIndicator = 'none' | 'minor' | 'major' | 'critical';
export type StatusIncidentState = 'investigating' | 'identified' | 'monitoring';

export interface StatusPageIncident {
  name: string;
  impact: StatusIndicator;
  status: StatusIncidentState;
  /** The first update's text. */
  update: string;
  /** Components (e.g. "Atlanta, GA, United States - (ATL)") the incident affects. */
  components: string[];
  /** How long before the page is read the incident was opened. */
  startedMinutesAgo: number;
}

export interface StatusPageSpec {
  indicator: StatusIndicator;
  incidents: StatusPageIncident[];
}

const DESCRIPTIONS: Record<StatusIndicator, string> = {
  none: 'All Systems Operational',
  minor: 'Minor Service Outage',
  major: 'Partial System Outage',
  critical: 'Major System Outage',
};

const COMPONENT_STATUS: Record<StatusIndicator, string> = {
  none: 'operational',
  minor: 'degraded_performance',
  major: 'partial_outage',
  critical: 'major_outage',
};

/** A stable Statuspage-style id (12 lower-case alphanumerics) for a name. */
function pageId(text: string): string {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
  let out = '';
  for (let i = 0; i < 12; i++) {
    h = Math.imul(h ^ i, 2246822507) >>> 0;
    out += '0123456789abcdefghijklmnopqrstuvwxyz'[h % 36];
  }
  return out;
}

/** The /api/v2/summary.json document: page, components, unresolved incidents, maintenances, overall status. */
export function statusPageSummary(spec: StatusPageSpec, providerName: string, pageUrl: string, now: Date): Record<string, unknown> {
  const page = { id: pageId(providerName), name: providerName, url: pageUrl, time_zone: 'Etc/UTC', updated_at: now.toISOString() };
  const affected = new Map<string, StatusIndicator>();
  for (const incident of spec.incidents) for (const c of incident.components) affected.set(c, incident.impact);
  const component = (name: string, position: number) => ({
    id: pageId(`${providerName} ${name}`),
    name,
    status: COMPONENT_STATUS[affected.get(name) ?? 'none'],
    created_at: '2014-05-03T01:22:07.274Z',
    updated_at: now.toISOString(),
    position,
    description: null,
    showcase: false,
    group_id: null,
    page_id: page.id,
    group: false,
    only_show_if_degraded: false,
  });
  const incidents = spec.incidents.map((incident) => {
    const id = pageId(`${providerName} ${incident.name}`);
    const started = new Date(now.getTime() - incident.startedMinutesAgo * 60_000).toISOString();
    const components = incident.components.map((name, i) => component(name, i + 1));
    return {
      id,
      name: incident.name,
      status: incident.status,
      created_at: started,
      updated_at: started,
      monitoring_at: null,
      resolved_at: null,
      impact: incident.impact,
      shortlink: new URL(`/incidents/${id}`, pageUrl).href,
      started_at: started,
      page_id: page.id,
      incident_updates: [
        {
          id: pageId(`${id} update`),
          status: incident.status,
          body: incident.update,
          incident_id: id,
          created_at: started,
          updated_at: started,
          display_at: started,
          affected_components: components.map((c) => ({ code: c.id, name: c.name, old_status: 'operational', new_status: c.status })),
          deliver_notifications: true,
        },
      ],
      components,
    };
  });
  return {
    page,
    components: [...affected.keys()].map((name, i) => component(name, i + 1)),
    incidents,
    scheduled_maintenances: [],
    status: { indicator: spec.indicator, description: DESCRIPTIONS[spec.indicator] },
  };
}

/** How the lab's status page server answers one request. */
export function statusPageAnswer(spec: StatusPageSpec, providerName: string, pageUrl: string, req: Pick<HttpRequestInfo, 'path' | 'method'>): HttpBehaviour {
  const path = req.path.split('?')[0];
  const json = (doc: unknown): HttpBehaviour => ({
    kind: 'respond',
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'max-age=0, private, must-revalidate', vary: 'Accept' },
    body: JSON.stringify(doc),
  });
  if (req.method !== 'GET' && req.method !== 'HEAD') return { kind: 'respond', status: 405, headers: { allow: 'GET, HEAD' }, body: '' };
  const summary = statusPageSummary(spec, providerName, pageUrl, new Date());
  if (path === '/api/v2/summary.json') return json(summary);
  if (path === '/api/v2/status.json') return json({ page: summary.page, status: summary.status });
  return { kind: 'respond', status: 404, headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"error":"Not found"}' };
}
