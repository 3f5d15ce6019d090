// Alert thresholds (alerts.failureThreshold / successThreshold): a failure is notified after N consecutive
// failing runs, its resolution after M consecutive runs without it, and a failure flapping inside those bounds
// notifies nothing more: the 2025-11-18 outage failed and recovered every few minutes for hours.

import { describe, expect, it } from 'vitest';
import type { AlertSettings, Attempt, Report } from '../../src/model.js';
import { compareRuns } from '../../src/state/transitions.js';
import type { RunState } from '../../src/state/store.js';
import { incident, report, siteReport } from './reports.js';

const outage = () => report([siteReport('shop', 'down'), siteReport('blog', 'down'), siteReport('docs')], [incident('Cloudflare', 'edge', ['shop', 'blog'])]);
const healthy = () => report([siteReport('shop'), siteReport('blog'), siteReport('docs')]);

/** Run the sequence through compareRuns, saving state between runs; the event types of each run. */
function replay(runs: Array<() => Report>, alerts?: AlertSettings): string[][] {
  let state: RunState | null = null;
  return runs.map((run, i) => {
    const at = new Date(Date.UTC(2025, 10, 18, 11, 20 + 5 * i)).toISOString();
    const compared = compareRuns(state, run(), at, { file: '', warnings: [] }, alerts);
    state = compared.next;
    return compared.events.map((e) => (e.site ? `${e.type}:${e.site.name}` : e.type));
  });
}

const FLAPPING = [outage, healthy, outage, healthy, outage, outage, healthy, outage];

describe('alert thresholds', () => {
  it('with the defaults (1 and 1) a failure and its end are notified at once; its quick return is flapping, said once', () => {
    const events = replay(FLAPPING);
    expect(events[0]).toContain('incident-opened');
    expect(events[1]).toContain('incident-resolved');
    // Back two runs later (within flapWindow, 5): one flapping event, then silence while it goes back and forth.
    expect(events[2]).toEqual(['incident-flapping', 'site-flapping:shop', 'site-flapping:blog']);
    expect(events.slice(3).flat()).toEqual([]);
  });

  it('failureThreshold 2 and successThreshold 3: eight flapping runs notify one opened incident and nothing else', () => {
    const events = replay(FLAPPING, { failureThreshold: 2, successThreshold: 3 });
    const all = events.flat();
    expect(all.filter((e) => e === 'incident-opened')).toEqual(['incident-opened']);
    expect(all.filter((e) => e === 'incident-resolved')).toEqual([]);
    // Opened on the second consecutive failing run (runs 5 and 6), never before.
    expect(events.findIndex((e) => e.includes('incident-opened'))).toBe(5);
    expect(all.filter((e) => e.startsWith('site-'))).toEqual(['site-down:shop', 'site-down:blog']);
  });

  it('an announced failure is announced resolved only after successThreshold runs without it', () => {
    const events = replay([outage, outage, healthy, healthy, healthy], { failureThreshold: 2, successThreshold: 3 });
    expect(events[1]).toContain('incident-opened');
    expect(events[2]).toEqual([]);
    expect(events[3]).toEqual([]);
    expect(events[4]).toEqual(expect.arrayContaining(['incident-resolved', 'site-recovered:shop', 'site-recovered:blog']));
  });

  it('a failure shorter than failureThreshold is forgotten quietly: no opened, no resolved', () => {
    const events = replay([outage, healthy, healthy, healthy], { failureThreshold: 2, successThreshold: 1 });
    expect(events.flat()).toEqual([]);
  });

  it('state saved before thresholds existed reads a remembered incident as already notified', () => {
    const first = compareRuns(null, outage(), '2025-11-18T11:20:00.000Z');
    const legacy = JSON.parse(JSON.stringify(first.next)) as RunState;
    for (const entry of Object.values(legacy.incidents)) delete entry.streak;
    for (const entry of Object.values(legacy.sites)) delete entry.streak;
    const again = compareRuns(legacy, outage(), '2025-11-18T11:25:00.000Z', { file: '', warnings: [] }, { failureThreshold: 2, successThreshold: 1 });
    expect(again.events).toEqual([]);
    const over = compareRuns(again.next, healthy(), '2025-11-18T11:30:00.000Z', { file: '', warnings: [] }, { failureThreshold: 2, successThreshold: 1 });
    expect(over.events.map((e) => e.type)).toContain('incident-resolved');
    const resolved = over.events.find((e) => e.type === 'incident-resolved')!;
    expect(resolved.incident?.since).toBe('2025-11-18T11:20:00.000Z');
  });
});

describe('alerts: in probes.yaml and as flags', () => {
  it('reads the thresholds, defaults them to 1, and refuses a bad one at its line and column', async () => {
    const { parseConfig } = await import('../../src/config/load.js');
    const { ConfigError } = await import('../../src/config/errors.js');
    const site = 'sites:\n  - url: "https://a.test/"\n';
    expect(parseConfig(site, 'p.yaml').alerts).toEqual({ failureThreshold: 1, successThreshold: 1, reminderIntervalMs: null, flapWindow: 5 });
    expect(parseConfig(`alerts: { failureThreshold: 3, successThreshold: 2, reminderInterval: 1h, flapWindow: 8 }\n${site}`, 'p.yaml').alerts).toEqual({ failureThreshold: 3, successThreshold: 2, reminderIntervalMs: 3_600_000, flapWindow: 8 });
    expect(() => parseConfig(`alerts: { flapWindow: 1 }\n${site}`, 'p.yaml')).toThrow(/^p\.yaml:1:23 alerts\.flapWindow: /);
    expect(() => parseConfig(`alerts: { failureThreshold: 0 }\n${site}`, 'p.yaml')).toThrow(ConfigError);
    expect(() => parseConfig(`alerts: { failureThreshold: 0 }\n${site}`, 'p.yaml')).toThrow(/^p\.yaml:1:29 alerts\.failureThreshold: /);
    expect(() => parseConfig(`alerts: { failureTreshold: 2 }\n${site}`, 'p.yaml')).toThrow(/did you mean "failureThreshold"/);
  });

  it('--failure-threshold outside 1-100 is a usage error (64)', async () => {
    const { runCli } = await import('../support/cli.js');
    const r = await runCli(['check', 'https://a.test/', '--resolver', '127.0.0.1:1', '--state', '/nonexistent-dir-for-test/s.json', '--failure-threshold', '0']);
    expect(r.code).toBe(64);
    expect(r.stderr).toMatch(/--failure-threshold: expected an integer from 1 to 100, got "0"/);
  });
});

describe('flapping and reminders', () => {
  const AT_ONCE: AlertSettings = { failureThreshold: 1, successThreshold: 1, reminderIntervalMs: null, flapWindow: 5 };

  function replayWith(runs: Array<() => Report>, alerts: AlertSettings, minutesApart = 5) {
    let state: RunState | null = null;
    return runs.map((run, i) => {
      const at = new Date(Date.UTC(2025, 10, 18, 11, 20 + minutesApart * i)).toISOString();
      const compared = compareRuns(state, run(), at, { file: '', warnings: [] }, alerts);
      state = compared.next;
      return compared;
    });
  }
  const types = (r: ReturnType<typeof replayWith>[number]) => r.events.filter((e) => e.incident).map((e) => e.type);

  it('a flapping incident is marked flapping with its changes, and its end after flapWindow quiet runs is one resolved event', () => {
    const runs = replayWith([outage, healthy, outage, healthy, outage, healthy, healthy, healthy, healthy, healthy], AT_ONCE);
    expect(runs.map(types)).toEqual([['incident-opened'], ['incident-resolved'], ['incident-flapping'], [], [], [], [], [], [], ['incident-resolved']]);
    expect(runs[2]!.report.incidents[0]!.alert).toEqual({ state: 'flapping', changes: 2 });
    expect(runs[4]!.report.incidents[0]!.alert).toEqual({ state: 'flapping', changes: 4 });
    expect(runs[4]!.report.sites.find((s) => s.name === 'shop')!.alert).toEqual({ state: 'flapping', changes: 4 });
    // Once it has resolved for good, a return only after flapWindow runs is a plain new incident.
    const later = replayWith([outage, healthy, healthy, healthy, healthy, healthy, healthy, outage], AT_ONCE);
    expect(later.map(types).at(-1)).toEqual(['incident-opened']);
  });

  it("a failure this run's own samples saw come and go is flapping at once: one flapping event, no opened, and no resolved at its next good run", () => {
    // --samples 3: shop failed 2 of 3 samples, recovering in between.
    const sampled = () => {
      const r = outage();
      const shop = r.sites.find((s) => s.name === 'shop')!;
      const attempts = shop.attempts.map((a) => ({ ...a, samples: { samples: 3, failures: 2, failureRate: 0.67, outcomes: ['http-error', 'ok', 'http-error'] as Attempt['outcome'][] } }));
      return { ...r, sites: r.sites.map((s) => (s.name === 'shop' ? { ...shop, attempts } : s)) };
    };
    const runs = replayWith([healthy, sampled, outage, healthy, healthy], AT_ONCE);
    expect(runs.map(types)).toEqual([[], ['incident-flapping'], [], [], []]);
    expect(runs[1]!.report.incidents[0]!.alert).toEqual({ state: 'flapping', changes: 2 });
    expect(runs[1]!.events.find((e) => e.type === 'incident-flapping')!.text).toMatch(/comes and goes within one run \(its samples failed and recovered\)/);
    expect(runs[1]!.events.filter((e) => e.site).map((e) => `${e.type}:${e.site!.name}`)).toEqual(['site-flapping:shop', 'site-down:blog']);
    // Failure thresholds still hold: with failureThreshold 2 the first sampled run is pending, the second announces it flapping.
    const damped = replayWith([sampled, sampled], { ...AT_ONCE, failureThreshold: 2 });
    expect(damped.map(types)).toEqual([[], ['incident-flapping']]);
  });

  it('a flapping incident that settles on failing is announced once more as ongoing, then as open', () => {
    const runs = replayWith([outage, healthy, outage, outage, outage, outage, outage, outage], AT_ONCE);
    expect(runs.map(types)).toEqual([['incident-opened'], ['incident-resolved'], ['incident-flapping'], [], [], [], ['incident-ongoing'], []]);
    expect(runs[7]!.report.incidents[0]!.alert).toEqual({ state: 'open', changes: 0 });
  });

  it('pending until failureThreshold, then open', () => {
    const runs = replayWith([outage, outage], { ...AT_ONCE, failureThreshold: 2 });
    expect(runs[0]!.report.incidents[0]!.alert).toEqual({ state: 'pending', changes: 0 });
    expect(runs[0]!.report.sites.find((s) => s.name === 'shop')!.alert).toEqual({ state: 'pending', changes: 0 });
    expect(runs[1]!.report.incidents[0]!.alert).toEqual({ state: 'open', changes: 0 });
    expect(runs[1]!.report.sites.find((s) => s.name === 'docs')!.alert).toBeUndefined();
  });

  it('reminderInterval: an open incident is announced again at most that often', () => {
    // Runs 5 minutes apart, a reminder every 15 minutes: runs 3 and 6 (0-based) remind.
    const runs = replayWith(Array.from({ length: 8 }, () => outage), { ...AT_ONCE, reminderIntervalMs: 15 * 60_000 });
    expect(runs.map(types)).toEqual([['incident-opened'], [], [], ['incident-ongoing'], [], [], ['incident-ongoing'], []]);
    expect(runs[3]!.events.find((e) => e.type === 'incident-ongoing')!.text).toMatch(/^:red_circle: still failing after 15m00s: Cloudflare edge incident/);
    // Without it, never.
    expect(replayWith(Array.from({ length: 8 }, () => outage), AT_ONCE).flatMap(types)).toEqual(['incident-opened']);
  });
});

describe('the table says where an alert stands', () => {
  it('flapping with its changes, and pending as not notified yet', async () => {
    const { renderTable } = await import('../../src/report/table.js');
    const alerts: AlertSettings = { failureThreshold: 2, successThreshold: 1, reminderIntervalMs: null, flapWindow: 5 };
    const first = compareRuns(null, outage(), '2025-11-18T11:20:00.000Z', { file: '', warnings: [] }, alerts);
    expect(renderTable(first.report, { color: false, verbose: false, width: 100 })).toMatch(/Incident \[new since 2025-11-18T11:20:00\.000Z, not notified yet\] Cloudflare edge incident/);
    let state = first.next;
    let last = first;
    for (const [i, run] of [outage, healthy, outage, healthy, outage].entries()) {
      last = compareRuns(state, run(), new Date(Date.UTC(2025, 10, 18, 11, 25 + 5 * i)).toISOString(), { file: '', warnings: [] }, alerts);
      state = last.next;
    }
    expect(renderTable(last.report, { color: false, verbose: false, width: 100 })).toMatch(/Incident \[ongoing since [^\]]+, flapping: 4 changes\] Cloudflare edge incident/);
  });
});
