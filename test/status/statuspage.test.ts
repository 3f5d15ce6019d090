// Status documents → readings → acknowledgements: Statuspage, Google Cloud, Heroku, AWS-style events, feeds,
// and pages that are not what they should be.

import { describe, expect, it } from 'vitest';
import { acknowledgementFrom, parseFeed, parseJsonStatus, parseStatusDocument, parseStatuspageSummary, type StatusReading } from '../../src/status/statuspage.js';

const SUMMARY_URL = 'https://www.cloudflarestatus.com/api/v2/summary.json';
const NOW = new Date('2026-11-22T12:00:00Z');

function statuspageSummary(indicator: string, incidents: unknown[] = [], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    page: { id: 'yh6f0r4529hb', name: 'Cloudflare', url: 'https://www.cloudflarestatus.com', updated_at: '2026-11-22T11:50:00Z' },
    status: { indicator, description: indicator === 'none' ? 'All Systems Operational' : 'Minor Service Outage' },
    components: [{ id: 'c1', name: 'Frankfurt, Germany - (FRA)', status: 'partial_outage' }],
    incidents,
    scheduled_maintenances: [],
    ...extra,
  });
}

const edgeIncident = {
  id: 'inc1',
  name: 'Elevated 5xx errors for Cloudflare-proxied sites',
  status: 'investigating',
  impact: 'minor',
  created_at: '2026-11-22T11:31:00.000Z',
  started_at: '2026-11-22T11:28:00.000Z',
  shortlink: 'https://stspg.io/abc123',
  incident_updates: [{ body: 'We are investigating elevated errors.' }],
  components: [],
};

function reading(text: string): StatusReading {
  const parsed = parseStatuspageSummary(text, SUMMARY_URL);
  if ('unknown' in parsed) throw new Error(parsed.unknown);
  return parsed.reading;
}

describe('Atlassian Statuspage summary', () => {
  it('acknowledges an open incident: indicator, title, start, shortlink', () => {
    expect(acknowledgementFrom(reading(statuspageSummary('minor', [edgeIncident])))).toEqual({
      by: 'status page',
      indicator: 'minor',
      title: 'Elevated 5xx errors for Cloudflare-proxied sites',
      since: '2026-11-22T11:28:00.000Z',
      url: 'https://stspg.io/abc123',
    });
  });

  it('is not acknowledged yet when all is operational, and ignores resolved incidents', () => {
    expect(acknowledgementFrom(reading(statuspageSummary('none')))).toBe(false);
    expect(acknowledgementFrom(reading(statuspageSummary('none', [{ ...edgeIncident, status: 'resolved' }, { ...edgeIncident, status: 'postmortem' }])))).toBe(false);
  });

  it('acknowledges a raised indicator without an incident, in the page own words', () => {
    expect(acknowledgementFrom(reading(statuspageSummary('major')))).toEqual({ by: 'status page', indicator: 'major', title: 'Minor Service Outage', since: null, url: 'https://www.cloudflarestatus.com/' });
  });

  it('counts maintenance in progress', () => {
    const text = statuspageSummary('maintenance', [], {
      scheduled_maintenances: [
        { name: 'FRA datacenter maintenance', status: 'in_progress', impact: 'maintenance', scheduled_for: '2026-11-22T10:00:00Z', shortlink: 'https://stspg.io/m1' },
        { name: 'Later maintenance', status: 'scheduled', impact: 'maintenance', scheduled_for: '2026-11-30T10:00:00Z' },
      ],
    });
    expect(acknowledgementFrom(reading(text))).toMatchObject({ indicator: 'maintenance', title: 'FRA datacenter maintenance', since: '2026-11-22T10:00:00.000Z' });
  });

  it('picks the incident that mentions a failing location, else the most severe', () => {
    const fra = { ...edgeIncident, id: 'i2', name: 'Frankfurt (FRA) connectivity issues', impact: 'minor', shortlink: 'https://stspg.io/fra' };
    const dash = { ...edgeIncident, id: 'i3', name: 'Dashboard login failures', impact: 'major', shortlink: 'https://stspg.io/dash' };
    const r = reading(statuspageSummary('major', [dash, fra]));
    expect(acknowledgementFrom(r, ['FRA'])).toMatchObject({ title: 'Frankfurt (FRA) connectivity issues', url: 'https://stspg.io/fra', indicator: 'major' });
    expect(acknowledgementFrom(r, ['ZRH'])).toMatchObject({ title: 'Dashboard login failures' });
    // A hint must be a whole word: "FRA" is not inside "FRAGMENTED".
    const fragmented = { ...fra, name: 'FRAGMENTED packets', shortlink: 'https://stspg.io/frag' };
    expect(acknowledgementFrom(reading(statuspageSummary('major', [dash, fragmented])), ['FRA'])).toMatchObject({ title: 'Dashboard login failures' });
  });

  it('never passes control characters or non-http links through', () => {
    const hostile = { ...edgeIncident, name: 'Errors\u001b[2J\u001b]0;owned\u0007 in FRA\nnext line', shortlink: 'javascript:alert(1)' };
    const ack = acknowledgementFrom(reading(statuspageSummary('minor', [hostile])));
    expect(ack).not.toBe(false);
    expect(ack).toMatchObject({ title: 'Errors in FRA next line', url: 'https://www.cloudflarestatus.com/' });
    const long = acknowledgementFrom(reading(statuspageSummary('minor', [{ ...edgeIncident, name: 'x'.repeat(5000) }])));
    expect(long && 'title' in long ? long.title?.length : null).toBe(200);
  });

  it('reports pages that are not a summary as unknown', () => {
    expect(parseStatuspageSummary('<!DOCTYPE html><html><body>Status</body></html>', SUMMARY_URL)).toEqual({ unknown: 'answered an HTML page, not JSON' });
    expect(parseStatuspageSummary('{"status": {"indicator": "minor"', SUMMARY_URL)).toMatchObject({ unknown: expect.stringMatching(/^not valid JSON/) });
    expect(parseStatuspageSummary('{"hello": "world"}', SUMMARY_URL)).toEqual({ unknown: 'JSON without status.indicator: not a Statuspage summary' });
    expect(parseStatuspageSummary('[]', SUMMARY_URL)).toMatchObject({ unknown: expect.any(String) });
  });
});

describe('other JSON status documents', () => {
  const GOOGLE_URL = 'https://status.cloud.google.com/incidents.json';

  it('reads Google Cloud incidents.json: only incidents without an end, with their severity', () => {
    const text = JSON.stringify([
      { id: 'old', external_desc: 'Old outage', begin: '2026-10-01T00:00:00+00:00', end: '2026-10-01T02:00:00+00:00', severity: 'high', uri: 'incidents/old' },
      {
        id: 'now',
        external_desc: 'Cloud Run elevated errors in us-central1',
        begin: '2026-11-22T11:00:00+00:00',
        severity: 'medium',
        status_impact: 'SERVICE_DISRUPTION',
        uri: 'incidents/now',
        affected_products: [{ title: 'Cloud Run', id: 'run' }],
        currently_affected_locations: [{ title: 'Iowa (us-central1)', id: 'us-central1' }],
      },
    ]);
    const parsed = parseJsonStatus(text, GOOGLE_URL);
    if ('unknown' in parsed) throw new Error(parsed.unknown);
    expect(acknowledgementFrom(parsed.reading, ['us-central1'])).toEqual({
      by: 'status page',
      indicator: 'minor',
      title: 'Cloud Run elevated errors in us-central1',
      since: '2026-11-22T11:00:00.000Z',
      url: 'https://status.cloud.google.com/incidents/now',
    });
    const calm = parseJsonStatus(JSON.stringify([{ id: 'old', external_desc: 'Old', begin: '2026-10-01T00:00:00Z', end: '2026-10-01T02:00:00Z' }]), GOOGLE_URL);
    expect('reading' in calm && acknowledgementFrom(calm.reading)).toBe(false);
  });

  it('reads Heroku current-status colours', () => {
    const red = parseJsonStatus(JSON.stringify({ status: [{ system: 'Apps', status: 'red' }, { system: 'Data', status: 'green' }], incidents: [{ title: 'Routing errors', created_at: '2026-11-22T11:00:00Z', full_url: 'https://status.heroku.com/incidents/1' }] }), 'https://status.heroku.com/api/v4/current-status');
    expect('reading' in red && acknowledgementFrom(red.reading)).toMatchObject({ indicator: 'major', title: 'Routing errors', url: 'https://status.heroku.com/incidents/1' });
    const green = parseJsonStatus(JSON.stringify({ status: [{ system: 'Apps', status: 'green' }], incidents: [] }), 'https://status.heroku.com/api/v4/current-status');
    expect('reading' in green && acknowledgementFrom(green.reading)).toBe(false);
  });

  it('reads an AWS-style list of events: none is all clear, an open one is acknowledged', () => {
    const url = 'https://health.aws.amazon.com/public/currentevents';
    const empty = parseJsonStatus('[]', url);
    expect('reading' in empty && acknowledgementFrom(empty.reading)).toBe(false);
    const open = parseJsonStatus(JSON.stringify([{ service_name: 'Amazon DynamoDB', region_name: 'us-east-1', summary: 'Increased error rates', date: '1795000000' }]), url);
    expect('reading' in open && acknowledgementFrom(open.reading, ['us-east-1'])).toMatchObject({ by: 'status page', title: 'Increased error rates', since: new Date(1795000000 * 1000).toISOString() });
  });
});

describe('RSS and Atom feeds: the latest item', () => {
  const rss = (items: string) => `<?xml version="1.0"?><rss version="2.0"><channel><title>Fastly Status</title>${items}</channel></rss>`;
  const item = (title: string, date: string, description = 'We are investigating.') =>
    `<item><title><![CDATA[${title}]]></title><pubDate>${date}</pubDate><link>https://www.fastlystatus.com/incident/1234</link><description>${description}</description></item>`;
  const url = 'https://www.fastlystatus.com/rss/';

  it('acknowledges a recent item (severity unknown), and not an old or resolved one', () => {
    const recent = parseFeed(rss(item('Elevated errors in Europe', 'Sun, 22 Nov 2026 11:30:00 GMT') + item('Old', 'Sun, 01 Nov 2026 11:30:00 GMT')), url, { now: NOW });
    expect('reading' in recent && acknowledgementFrom(recent.reading)).toEqual({
      by: 'status page',
      indicator: 'unknown',
      title: 'Elevated errors in Europe',
      since: '2026-11-22T11:30:00.000Z',
      url: 'https://www.fastlystatus.com/incident/1234',
    });
    const old = parseFeed(rss(item('Elevated errors', 'Sun, 01 Nov 2026 11:30:00 GMT')), url, { now: NOW });
    expect('reading' in old && acknowledgementFrom(old.reading)).toBe(false);
    const resolved = parseFeed(rss(item('Elevated errors', 'Sun, 22 Nov 2026 11:30:00 GMT', '&lt;p&gt;&lt;strong&gt;Resolved&lt;/strong&gt; - This incident has been resolved.&lt;/p&gt;')), url, { now: NOW });
    expect('reading' in resolved && acknowledgementFrom(resolved.reading)).toBe(false);
  });

  it('reads Atom entries, and calls HTML or other text not a feed', () => {
    const atom = `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>GCP</title><entry><title>Networking issue &amp; packet loss</title><updated>2026-11-22T10:00:00Z</updated><link rel="alternate" href="https://status.cloud.google.com/incidents/x"/><content type="html">Investigating</content></entry></feed>`;
    const parsed = parseStatusDocument('atom', atom, 'https://status.cloud.google.com/en/feed.atom', { now: NOW });
    expect('reading' in parsed && acknowledgementFrom(parsed.reading)).toMatchObject({ title: 'Networking issue & packet loss', url: 'https://status.cloud.google.com/incidents/x' });
    expect(parseFeed('<html><body>hi</body></html>', url, { now: NOW })).toEqual({ unknown: 'answered an HTML page, not a feed' });
    expect(parseFeed('{"items": []}', url, { now: NOW })).toEqual({ unknown: 'not an RSS or Atom feed' });
  });
});
