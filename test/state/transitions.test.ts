import { describe, expect, it } from 'vitest';
import { compareRuns, isQuietRun } from '../../src/state/transitions.js';
import { judgeState, STATE_SCHEMA } from '../../src/state/store.js';
import { renderJson } from '../../src/report/json.js';
import { expectValidReport } from '../support/schema.js';
import { CLOUDFLARE_STACK, incident, report, siteReport } from './reports.js';

const T0 = '2026-11-22T10:00:00.000Z';
const T1 = '2026-11-22T10:05:00.000Z';
const T2 = '2026-11-22T10:10:00.000Z';

const cfIncident = () => incident('Cloudflare', 'edge', ['shop', 'blog']);
const outage = () => report([siteReport('shop', 'down'), siteReport('blog', 'degraded'), siteReport('control')], [cfIncident()]);
const healthy = () => report([siteReport('shop'), siteReport('blog'), siteReport('control')]);

describe('compareRuns: the first run', () => {
  const first = compareRuns(null, outage(), T0, { file: '/var/lib/op/state.json', warnings: ['w'] });

  it('marks every incident and every failing site new, since now; ok sites unchanged', () => {
    expect(first.report.incidents.map((i) => [i.id, i.change, i.since])).toEqual([['provider:Cloudflare:edge', 'new', T0]]);
    expect(first.report.sites.map((s) => [s.name, s.change, s.since])).toEqual([
      ['shop', 'new', T0],
      ['blog', 'new', T0],
      ['control', null, T0],
    ]);
    expect(first.report.resolvedIncidents).toEqual([]);
    expect(first.report.state).toEqual({ file: '/var/lib/op/state.json', previousRun: null, warnings: ['w'] });
  });

  it('notifies the incident opening and each site going down, incidents first', () => {
    expect(first.events.map((e) => [e.type, e.incident?.id ?? e.site?.name])).toEqual([
      ['incident-opened', 'provider:Cloudflare:edge'],
      ['site-down', 'shop'],
      ['site-down', 'blog'],
    ]);
    expect(first.events.every((e) => e.at === T0 && e.vantage === 'probe-1')).toBe(true);
  });

  it('saves a valid v1 state with the evidence trimmed', () => {
    const saved = judgeState(JSON.stringify(first.next));
    expect('state' in saved).toBe(true);
    expect(first.next.schema).toBe(STATE_SCHEMA);
    expect(first.next.lastRun).toEqual({ startedAt: T0, verdict: 'provider-incident' });
    expect(first.next.incidents['provider:Cloudflare:edge']!.since).toBe(T0);
    expect(first.next.incidents['provider:Cloudflare:edge']!.incident.evidence).toHaveLength(5);
    expect(first.next.sites).toEqual({
      shop: { status: 'down', since: T0, change: 'new', streak: { failing: 1, passing: 0, alerted: true, failingSince: T0, announcedAt: T0 } },
      blog: { status: 'degraded', since: T0, change: 'new', streak: { failing: 1, passing: 0, alerted: true, failingSince: T0, announcedAt: T0 } },
      // The control served its content: the baseline a later challenge is compared with.
      control: { status: 'ok', since: T0, change: null, served: 'content', streak: { failing: 0, passing: 1, alerted: false, failingSince: null, announcedAt: null } },
    });
  });

  it('produces reports valid against the schema', () => {
    expectValidReport(JSON.parse(renderJson(first.report)));
  });
});

describe('compareRuns: later runs', () => {
  const first = compareRuns(null, outage(), T0);

  it('a second identical run produces no events, and keeps the original since', () => {
    const second = compareRuns(first.next, outage(), T1);
    expect(second.events).toEqual([]);
    expect(second.report.incidents.map((i) => [i.change, i.since])).toEqual([['ongoing', T0]]);
    expect(second.report.sites.map((s) => [s.name, s.change, s.since])).toEqual([
      ['shop', 'ongoing', T0],
      ['blog', 'ongoing', T0],
      ['control', null, T0],
    ]);
    expect(second.report.state?.previousRun).toBe(T0);
    expect(compareRuns(second.next, outage(), T2).events).toEqual([]);
  });

  it('a swing between down and degraded keeps since and is not an event', () => {
    const swung = report([siteReport('shop', 'degraded'), siteReport('blog', 'down'), siteReport('control')], [cfIncident()]);
    const second = compareRuns(first.next, swung, T1);
    expect(second.events).toEqual([]);
    expect(second.report.sites.find((s) => s.name === 'blog')).toMatchObject({ status: 'down', change: 'ongoing', since: T0 });
    expect(second.next.sites.blog).toEqual({ status: 'down', since: T0, change: 'ongoing', streak: { failing: 2, passing: 0, alerted: true, failingSince: T0, announcedAt: T0 } });
  });

  it('recovery resolves the incident and the sites, with since-when', () => {
    const later = compareRuns(first.next, healthy(), T2);
    expect(later.report.incidents).toEqual([]);
    expect(later.report.resolvedIncidents).toHaveLength(1);
    expect(later.report.resolvedIncidents[0]).toMatchObject({ id: 'provider:Cloudflare:edge', change: 'resolved', since: T0, sites: ['shop', 'blog'] });
    expect(later.report.sites.map((s) => [s.name, s.change, s.since])).toEqual([
      ['shop', 'resolved', T2],
      ['blog', 'resolved', T2],
      ['control', null, T0],
    ]);
    expect(later.events.map((e) => [e.type, e.incident?.id ?? e.site?.name])).toEqual([
      ['incident-resolved', 'provider:Cloudflare:edge'],
      ['site-recovered', 'shop'],
      ['site-recovered', 'blog'],
    ]);
    expect(later.events[1]!.site!.since).toBe(T0); // when it had started failing
    // Remembered as resolved for flapWindow runs, so a quick return is flapping, not a new incident.
    expect(Object.keys(later.next.incidents)).toEqual(['provider:Cloudflare:edge']);
    expect(later.next.incidents['provider:Cloudflare:edge']!.streak).toMatchObject({ alerted: false, sinceResolved: 0 });
    expectValidReport(JSON.parse(renderJson(later.report)));

    // and the run after that is quiet again, sites ok since the recovery
    const after = compareRuns(later.next, healthy(), '2026-11-22T10:15:00.000Z');
    expect(after.events).toEqual([]);
    expect(after.report.sites.map((s) => [s.change, s.since])).toEqual([[null, T2], [null, T2], [null, T0]]);
  });

  it('a new incident and a new failing site next to ongoing ones are new, since now', () => {
    const more = report(
      [siteReport('shop', 'down'), siteReport('blog', 'degraded'), siteReport('control', 'down'), siteReport('added', 'down')],
      [cfIncident(), incident('Fastly', 'edge', ['control', 'added'])],
    );
    const second = compareRuns(first.next, more, T1);
    expect(second.report.incidents.map((i) => [i.id, i.change, i.since])).toEqual([
      ['provider:Cloudflare:edge', 'ongoing', T0],
      ['provider:Fastly:edge', 'new', T1],
    ]);
    expect(second.events.map((e) => [e.type, e.incident?.id ?? e.site?.name])).toEqual([
      ['incident-opened', 'provider:Fastly:edge'],
      ['site-down', 'control'],
      ['site-down', 'added'],
    ]);
  });

  it('a site removed from the config is dropped from the state without an event', () => {
    const fewer = report([siteReport('shop', 'down'), siteReport('blog', 'degraded')], [cfIncident()]);
    const second = compareRuns(first.next, fewer, T1);
    expect(second.events).toEqual([]);
    expect(Object.keys(second.next.sites)).toEqual(['shop', 'blog']);
  });
});

describe('compareRuns: provider stacks', () => {
  it('keeps the last known stack of a site whose edge no longer answers, and of sites not in this run', () => {
    const withStacks = report([siteReport('shop', 'ok', { providers: CLOUDFLARE_STACK }), siteReport('blog', 'ok', { providers: CLOUDFLARE_STACK })]);
    const first = compareRuns(null, withStacks, T0);
    expect(first.next.stacks).toEqual({ shop: CLOUDFLARE_STACK, blog: CLOUDFLARE_STACK });

    const fastly = [{ layer: 'edge' as const, provider: 'Fastly', evidence: ['x-served-by: cache-fra'] }];
    const silent = report([siteReport('shop', 'down', { providers: [] }), siteReport('other', 'ok', { providers: fastly })]);
    const second = compareRuns(first.next, silent, T1);
    expect(second.next.stacks).toEqual({ shop: CLOUDFLARE_STACK, blog: CLOUDFLARE_STACK, other: fastly });
  });
});

describe('compareRuns: a local-network run saw nothing of the sites', () => {
  it('sends no events and carries the remembered incidents and sites over unchanged', () => {
    const first = compareRuns(null, outage(), T0);
    const offline = report([siteReport('shop', 'down'), siteReport('blog', 'down'), siteReport('control', 'down')], [], {
      verdict: 'local-network',
      exitCode: 3,
    });
    const second = compareRuns(first.next, offline, T1);
    expect(second.events).toEqual([]);
    expect(second.report.resolvedIncidents).toEqual([]);
    expect(second.report.sites.map((s) => [s.change, s.since])).toEqual([[null, T0], [null, T0], [null, T0]]);
    expect(second.next.incidents).toEqual(first.next.incidents);
    expect(second.next.sites).toEqual(first.next.sites);
    expect(second.next.lastRun).toEqual({ startedAt: T0, verdict: 'local-network' });

    // back online and still failing: ongoing, no repeated alert; the control is fine: no event (it never went down)
    const back = compareRuns(second.next, outage(), T2);
    expect(back.events).toEqual([]);
    expect(back.report.incidents[0]).toMatchObject({ change: 'ongoing', since: T0 });
  });

  it('on a first run, saves empty incidents and sites', () => {
    const offline = report([siteReport('shop', 'down')], [], { verdict: 'local-network', exitCode: 3 });
    const first = compareRuns(null, offline, T0);
    expect(first.events).toEqual([]);
    expect(first.next.sites).toEqual({});
    expect(first.report.sites[0]).toMatchObject({ change: null, since: null });
  });
});

describe('compareRuns is pure', () => {
  it('does not change its inputs', () => {
    const previous = compareRuns(null, outage(), T0).next;
    const frozenPrevious = JSON.stringify(previous);
    const input = healthy();
    const frozenInput = JSON.stringify(input);
    compareRuns(previous, input, T1);
    expect(JSON.stringify(previous)).toBe(frozenPrevious);
    expect(JSON.stringify(input)).toBe(frozenInput);
  });
});

describe('isQuietRun (--quiet)', () => {
  it('is quiet only when all is ok, the run complete, and nothing changed', () => {
    const first = compareRuns(null, outage(), T0);
    const recovered = compareRuns(first.next, healthy(), T1);
    expect(isQuietRun(recovered.report, recovered.events)).toBe(false); // recoveries are news
    const calm = compareRuns(recovered.next, healthy(), T2);
    expect(isQuietRun(calm.report, calm.events)).toBe(true);
    expect(isQuietRun(outage(), [])).toBe(false);
    expect(isQuietRun({ ...healthy(), complete: false }, [])).toBe(false);
    expect(isQuietRun(healthy(), [])).toBe(true); // without --state
  });
});
