// drill NAME --timeline: the cron loop rehearsed in one process — healed, broken, broken, healed, healed — each run
// compared with the one before as check --state compares them, printing what each run would notify; with --notify
// a real webhook receives exactly those notifications.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { receiveWebhooks, type WebhookReceiver } from '../support/webhook.js';

let hook: WebhookReceiver<{ events: Array<{ type: string }> }>;

beforeAll(async () => {
  hook = await receiveWebhooks('/hooks/timeline');
});

afterAll(async () => {
  await hook.close();
});

/** What a failed run said, for the failure's message: a run killed at its limit shows how far it got. */
function howItEnded(run: CliResult): string {
  return `${run.signal ? `killed (${run.signal}) after ${Math.round(run.ms / 1000)} s; ` : ''}stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
}

describe('drill --timeline', () => {
  it('prints each run, and notifies the opening and the end of the outage once each', async () => {
    const run = await runCli(['drill', 'dyn-2016-10-21', '--timeline', '--notify', hook.url], { timeoutMs: 120_000 });
    expect(run.stderr).not.toMatch(/^\s+at |internal error/m);
    expect(run.code, howItEnded(run)).toBe(0);
    const runs = run.stdout.split(/^(?=run \d)/m).filter((r) => r.startsWith('run'));
    expect(runs.map((r) => r.split(':')[0])).toEqual(['run 1 (healed)', 'run 2 (broken)', 'run 3 (broken)', 'run 4 (healed)', 'run 5 (healed)']);
    expect(runs[0]).toMatch(/no notification/);
    expect(runs[1]).toMatch(/incident new \(open\): /);
    expect(runs[1]).toMatch(/notification sent: \d+ events?\n {4}:red_circle: /);
    expect(runs[2]).toMatch(/incident ongoing \(open\): /);
    expect(runs[2]).toMatch(/no notification/);
    expect(runs[3]).toMatch(/notification sent: \d+ events?\n {4}:white_check_mark: resolved: /);
    expect(runs[4]).toMatch(/no notification/);
    expect(run.stderr).toMatch(/^outage-probe drill: 2 notifications over 5 runs$/m);
    expect(hook.received.map((p) => p.events.filter((e) => e.type.startsWith('incident-')).map((e) => e.type))).toEqual([['incident-opened'], ['incident-resolved']]);
  }, 150_000);

  // The issue's "done when": the flapping 2025-11-18 world makes one opened incident marked flapping and at most two
  // notifications over the timeline. Its fault comes and goes every 8 s, faster than the runs: each broken run takes
  // three samples 3 s apart, so the run itself sees it fail and recover.
  it('cloudflare-2025-11-18: one incident, marked flapping from its first run, and one notification', async () => {
    const run = await runCli(['drill', 'cloudflare-2025-11-18', '--timeline', '--notify', hook.url], { timeoutMs: 120_000 });
    expect(run.stderr).not.toMatch(/^\s+at |internal error/m);
    expect(run.code, howItEnded(run)).toBe(0);
    expect(run.stderr).toMatch(/its fault flaps \(failing 50 % of every 8 s\): each broken run takes 3 samples 3 s apart/);
    const runs = run.stdout.split(/^(?=run \d)/m).filter((r) => r.startsWith('run'));
    expect(runs[1]).toMatch(/incident new \(flapping, 2 changes\): provider:Cloudflare:edge/);
    expect(runs[1]).toMatch(/:large_orange_circle: flapping: Cloudflare edge incident.* comes and goes within one run/);
    // One incident over the whole timeline, and no resolved event while it is not yet stable.
    const ids = new Set([...run.stdout.matchAll(/incident \w+ \([^)]*\): (\S+)/g)].map((m) => m[1]));
    expect([...ids]).toEqual(['provider:Cloudflare:edge']);
    const notified = Number(/^outage-probe drill: (\d+) notifications? over 5 runs$/m.exec(run.stderr)![1]);
    expect(notified).toBeGreaterThanOrEqual(1);
    expect(notified).toBeLessThanOrEqual(2);
    const incidentEvents = hook.received.slice(-notified).flatMap((p) => p.events.filter((e) => e.type.startsWith('incident-')).map((e) => e.type));
    expect(incidentEvents[0]).toBe('incident-flapping');
    expect(incidentEvents).not.toContain('incident-opened');
  }, 150_000);

  it('the alert flags apply: with --failure-threshold 2 the outage opens on its second broken run', async () => {
    const run = await runCli(['drill', 'dyn-2016-10-21', '--timeline', '--failure-threshold', '2'], { timeoutMs: 120_000 });
    const runs = run.stdout.split(/^(?=run \d)/m).filter((r) => r.startsWith('run'));
    expect(runs[1]).toMatch(/incident new \(pending\): /);
    expect(runs[1]).toMatch(/no notification/);
    expect(runs[2]).toMatch(/incident ongoing \(open\): /);
    expect(runs[2]).toMatch(/notification would send/);
  }, 150_000);

  it('--notify without --timeline is a usage error', async () => {
    const run = await runCli(['drill', 'healthy', '--notify', hook.url]);
    expect(run.code).toBe(64);
    expect(run.stderr).toMatch(/apply to drill --timeline/);
  });
});
