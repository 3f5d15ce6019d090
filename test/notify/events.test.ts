import { describe, expect, it } from 'vitest';
import { eventPayload, sampleEvent, slackEscape, siteDown, EVENT_SCHEMA } from '../../src/notify/events.js';
import { compareRuns } from '../../src/state/transitions.js';
import { incident, report, siteReport } from '../state/reports.js';

const T0 = '2026-11-22T10:00:00.000Z';
const T1 = '2026-11-22T10:12:00.000Z';

const outage = () =>
  report([siteReport('shop', 'down'), siteReport('blog', 'degraded'), siteReport('solo', 'down'), siteReport('control')], [
    incident('Cloudflare', 'edge', ['shop', 'blog']),
  ]);
const healthy = () => report([siteReport('shop'), siteReport('blog'), siteReport('solo'), siteReport('control')]);

describe('change events', () => {
  const opened = compareRuns(null, outage(), T0);
  const resolved = compareRuns(opened.next, healthy(), T1);

  it('an opened incident reads like the sentence an SRE would post', () => {
    const event = opened.events[0]!;
    expect(event.type).toBe('incident-opened');
    expect(event.text).toBe(
      ':red_circle: Cloudflare edge incident (partial): 2 of 3 Cloudflare-fronted sites fail with 500 (confidence 0.85) (from probe-1)',
    );
    expect(event.incident).toEqual({
      id: 'provider:Cloudflare:edge',
      provider: 'Cloudflare',
      layer: 'edge',
      summary: expect.stringContaining('Cloudflare edge incident'),
      sites: ['shop', 'blog'],
      confidence: 0.85,
      since: T0,
    });
    expect(event.site).toBeUndefined();
  });

  it('a site going down names its status and reason; degraded gets its own icon', () => {
    const down = opened.events.find((e) => e.site?.name === 'shop')!;
    expect(down.text).toBe(':red_circle: shop is down: every attempt fails: 2 × http-error (from probe-1)');
    expect(down.site).toMatchObject({ name: 'shop', url: 'https://shop.test/', status: 'down', since: T0, blame: { layer: 'site' } });
    expect(opened.events.find((e) => e.site?.name === 'blog')!.text).toMatch(/^:large_orange_circle: blog is degraded: /);
  });

  it('resolutions say what is over and how long it lasted', () => {
    expect(resolved.events.map((e) => e.text)).toEqual([
      ':white_check_mark: resolved: Cloudflare edge incident (partial) (2 sites: shop, blog, after 12m00s) (from probe-1)',
      ':white_check_mark: shop recovered, after 12m00s (from probe-1)',
      ':white_check_mark: blog recovered, after 12m00s (from probe-1)',
      ':white_check_mark: solo recovered, after 12m00s (from probe-1)',
    ]);
    expect(resolved.events[0]!.incident!.since).toBe(T0);
  });

  it('text is one line, control-free and escaped for Slack', () => {
    const hostile = siteReport('evil<@U123>&co', 'down', { reason: 'line one\nline two \u001b[31mred\u001b[0m <!channel>' });
    const event = siteDown(hostile, T0, 'probe-1');
    expect(event.text).toBe(':red_circle: evil&lt;@U123&gt;&amp;co is down: line one line two red &lt;!channel&gt; (from probe-1)');
    expect(slackEscape('a < b && c > d')).toBe('a &lt; b &amp;&amp; c &gt; d');
  });
});

describe('eventPayload', () => {
  it('carries every event of the run in one body, with a Slack text that folds sites into their incident', () => {
    const { events, report: r } = compareRuns(null, outage(), T0);
    const payload = eventPayload(events, r);
    expect(payload.schema).toBe(EVENT_SCHEMA);
    expect(payload.events).toHaveLength(4); // incident + 3 sites
    expect(payload.text.split('\n')).toEqual([
      expect.stringMatching(/^:red_circle: Cloudflare edge incident/),
      ':red_circle: solo is down: every attempt fails: 2 × http-error (from probe-1)',
    ]);
    expect(payload.run).toEqual({ startedAt: r.startedAt, vantage: 'probe-1', verdict: 'provider-incident', summary: r.summary });
    expect(JSON.parse(JSON.stringify(payload))).toEqual(payload); // plain JSON
  });

  it('cuts a long text and says how much is left out', () => {
    const sites = Array.from({ length: 30 }, (_, i) => siteReport(`site${i}`, 'down'));
    const { events, report: r } = compareRuns(null, report(sites), T0);
    const lines = eventPayload(events, r).text.split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[20]).toBe('…and 10 more changes');
  });

  it('--notify-test sends a plainly labelled test event', () => {
    const event = sampleEvent('probe-1', new Date(T0));
    expect(event).toEqual({
      type: 'test',
      at: T0,
      vantage: 'probe-1',
      text: ':information_source: outage-probe test notification from probe-1: this webhook receives outage-probe alerts',
    });
    const payload = eventPayload([event], { startedAt: T0, vantage: 'probe-1', verdict: 'ok', summary: 'test' });
    expect(payload.text).toBe(event.text);
  });
});

describe('schema/event.schema.json', () => {
  it('describes every payload: each event type, closed objects, every property documented', async () => {
    const { readFileSync } = await import('node:fs');
    const { makeAjv, undocumentedProperties } = await import('../support/schema.js');
    const { providerChanged } = await import('../../src/notify/events.js');
    const eventSchema = JSON.parse(readFileSync(new URL('../../schema/event.schema.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    const validate = makeAjv().compile(eventSchema);
    const outage = () => report([siteReport('shop', 'down'), siteReport('blog', 'down'), siteReport('docs')], [incident('Cloudflare', 'edge', ['shop', 'blog'])]);
    const healthy = () => report([siteReport('shop'), siteReport('blog'), siteReport('docs')]);
    const alerts = { failureThreshold: 1, successThreshold: 1, reminderIntervalMs: 60_000, flapWindow: 5 };
    let state = null as Parameters<typeof compareRuns>[0];
    const seen = new Set<string>();
    const sequence = [outage, outage, healthy, outage, outage, outage, outage, outage, outage];
    for (const [i, run] of sequence.entries()) {
      const at = new Date(Date.UTC(2026, 11, 4, 8, 2 * i)).toISOString();
      const compared = compareRuns(state, run(), at, { file: '', warnings: [] }, alerts);
      state = compared.next;
      if (compared.events.length === 0) continue;
      const payload = JSON.parse(JSON.stringify(eventPayload(compared.events, compared.report))) as unknown;
      expect(validate(payload), JSON.stringify(validate.errors)).toBe(true);
      for (const e of compared.events) seen.add(e.type);
    }
    const change = providerChanged({ site: 'shop', layer: 'edge', from: 'Fastly', to: 'Cloudflare', evidence: ['header cf-ray: 1-FRA'] }, '2026-12-04T08:00:00.000Z', 'probe-1');
    const last = report([siteReport('shop')]);
    for (const e of [change, sampleEvent('probe-1')]) {
      expect(validate(JSON.parse(JSON.stringify(eventPayload([e], last)))), JSON.stringify(validate.errors)).toBe(true);
      seen.add(e.type);
    }
    const types = (eventSchema.$defs as { event: { properties: { type: { enum: string[] } } } }).event.properties.type.enum;
    expect([...seen].sort()).toEqual([...types].sort());
    // Closed: a drifted field is caught.
    expect(validate({ ...(JSON.parse(JSON.stringify(eventPayload([sampleEvent('x')], last))) as object), extra: 1 })).toBe(false);
    expect(undocumentedProperties(eventSchema as never)).toEqual([]);
  });
});
