// drill NAME --timeline: the cron loop rehearsed in one process — healed, broken, broken, healed, healed — each run
// compared with the one before as check --state compares them, printing what each run would notify; with --notify
// a real webhook receives exactly those notifications.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { receiveWebhooks, type WebhookReceiver } from '../support/webhook.js';

let hook: WebhookReceiver<{ events: Array<{ type: string }> }>;

beforeAll(async () => {
  hook = await receiveWebhooks('/hooks/timeline');
});

afterAll(async () => {
  await hook.close();
});

describe('drill --timeline', () => {
  it('prints each run, and notifies the opening and the end of the outage once each', async () => {
    const run = await runCli(['drill', 'dyn-2016-10-21', '--timeline', '--notify', hook.url], { timeoutMs: 120_000 });
    expect(run.stderr).not.toMatch(/^\s+at |internal error/m);
    expect(run.code).toBe(0);
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
