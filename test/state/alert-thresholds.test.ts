// Alert thresholds (alerts.failureThreshold / successThreshold): a failure is notified after N consecutive
// failing runs, its resolution after M consecutive runs without it, and a failure flapping inside those bounds
// notifies nothing more: the 2025-11-18 outage failed and recovered every few minutes for hours.

import { describe, expect, it } from 'vitest';
import type { AlertSettings, Report } from '../../src/model.js';
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
  it('with the defaults (1 and 1) every change is notified at once, as before', () => {
    const events = replay(FLAPPING);
    expect(events.filter((e) => e.includes('incident-opened'))).toHaveLength(4);
    expect(events.filter((e) => e.includes('incident-resolved'))).toHaveLength(3);
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
    expect(parseConfig(site, 'p.yaml').alerts).toEqual({ failureThreshold: 1, successThreshold: 1 });
    expect(parseConfig(`alerts: { failureThreshold: 3, successThreshold: 2 }\n${site}`, 'p.yaml').alerts).toEqual({ failureThreshold: 3, successThreshold: 2 });
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
