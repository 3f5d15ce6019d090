// Cron and pipelines, through the real binary: state between runs, one webhook event per change,
// quiet when healthy, metrics and history files, and two runs that must not interleave.

import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopback, type Loopback } from '../support/loopback.js';
import { runCli } from '../support/cli.js';
import { expectValidReport } from '../support/schema.js';
import { responses } from '../support/responses.js';
import { receiveWebhooks, type WebhookReceiver } from '../support/webhook.js';

let lab: Loopback;
let config: string;
type Post = { events: { type: string; incident?: { provider: string; layer: string } }[]; text: string };
let webhook: WebhookReceiver<Post>;
let webhookUrl: string;
let received: Post[];
/** Flipped by the tests: the "Cloudflare" edge answers its own 500 page while broken. */
let cloudflareBroken = false;

beforeAll(async () => {
  lab = loopback();
  const port = await lab.edges(['127.0.9.1', '127.0.9.2', '127.0.9.3'], ['a.test', 'b.test', 'plain.test'], (address) => () => {
    if (address === '127.0.9.3') return { kind: 'respond', status: 200, headers: { server: 'nginx' }, body: 'plain ok' };
    const r = cloudflareBroken ? responses.cloudflareEdge500() : responses.cloudflareOk();
    return { kind: 'respond', status: r.httpStatus!, headers: r.headers, body: r.bodySample };
  });
  const dns = await lab.dns({
    host: '127.0.9.53',
    data: { zones: ['test'], records: { 'a.test': { A: ['127.0.9.1'] }, 'b.test': { A: ['127.0.9.2'] }, 'plain.test': { A: ['127.0.9.3'] } } },
  });
  config = lab.writeFile(
    'cron.yaml',
    `resolvers:
  - { name: lab, address: "127.0.9.53:${dns.port}" }
defaults: { timeout: 2s, deadline: 15s }
tls: { ca: ./ca.pem }
paths: [edge]
sites:
  - { name: a, url: "https://a.test:${port}/" }
  - { name: b, url: "https://b.test:${port}/" }
  - { name: plain, url: "https://plain.test:${port}/" }
`,
  );
  webhook = await receiveWebhooks('/hooks/outage');
  webhookUrl = webhook.url;
  received = webhook.received;
});

afterAll(async () => {
  await lab.close();
  await webhook.close();
});

const run = (...args: string[]) => runCli(['check', '--config', config, ...args], { cwd: lab.dir });

describe('state and alerts on change', () => {
  const state = () => `${lab.dir}/state.json`;

  it('a healthy first run is quiet: nothing on stdout, exit 0, no event', async () => {
    cloudflareBroken = false;
    const r = await run('--state', state(), '--notify', webhookUrl, '--quiet');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(received).toHaveLength(0);
    expect(JSON.parse(readFileSync(state(), 'utf8'))).toMatchObject({ schema: 'outage-probe.state/v1' });
  });

  it('the provider breaks: exactly one new incident event at the webhook', async () => {
    cloudflareBroken = true;
    const r = await run('--state', state(), '--notify', webhookUrl, '--json');
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as { incidents: { id: string; change: string }[]; notifications: { ok: boolean }[] };
    expectValidReport(report);
    expect(report.incidents).toEqual([expect.objectContaining({ id: 'provider:Cloudflare:edge', change: 'new' })]);
    expect(report.notifications).toEqual([expect.objectContaining({ ok: true, events: expect.any(Number) })]);
    expect(received).toHaveLength(1);
    const opened = received[0]!.events.filter((e) => e.type === 'incident-opened');
    expect(opened).toEqual([expect.objectContaining({ incident: expect.objectContaining({ provider: 'Cloudflare', layer: 'edge' }) })]);
    expect(received[0]!.text).toMatch(/Cloudflare edge incident/);
  });

  it('the same failure again: ongoing, and no event', async () => {
    const r = await run('--state', state(), '--notify', webhookUrl, '--json');
    const report = JSON.parse(r.stdout) as { incidents: { change: string; since: string }[] };
    expectValidReport(report);
    expect(report.incidents[0]!.change).toBe('ongoing');
    expect(received).toHaveLength(1);
  });

  it('recovery: one resolved event', async () => {
    cloudflareBroken = false;
    const r = await run('--state', state(), '--notify', webhookUrl, '--json');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { resolvedIncidents: { id: string; change: string }[] };
    expectValidReport(report);
    expect(report.resolvedIncidents).toEqual([expect.objectContaining({ id: 'provider:Cloudflare:edge', change: 'resolved' })]);
    expect(received).toHaveLength(2);
    expect(received[1]!.events.filter((e) => e.type === 'incident-resolved')).toHaveLength(1);
  });

  it('broken again at once, then back, then broken: one flapping event, then silence (no opened/resolved per swing)', async () => {
    cloudflareBroken = true;
    const again = await run('--state', state(), '--notify', webhookUrl, '--json');
    expect(again.code).toBe(2);
    const report = JSON.parse(again.stdout) as { incidents: { id: string; change: string; alert: unknown }[] };
    expectValidReport(report);
    expect(report.incidents).toEqual([expect.objectContaining({ id: 'provider:Cloudflare:edge', change: 'new', alert: { state: 'flapping', changes: 2 } })]);
    expect(received).toHaveLength(3);
    expect(received[2]!.events.map((e) => e.type)).toEqual(['incident-flapping', 'site-flapping', 'site-flapping']);
    expect(received[2]!.text).toMatch(/^:large_orange_circle: flapping: Cloudflare edge incident/);
    for (const broken of [false, true]) {
      cloudflareBroken = broken;
      await run('--state', state(), '--notify', webhookUrl, '--json');
    }
    expect(received).toHaveLength(3);
    cloudflareBroken = false;
    // Every body the webhook got is what schema/event.schema.json describes.
    const { makeAjv } = await import('../support/schema.js');
    const validate = makeAjv().compile(JSON.parse(readFileSync(new URL('../../schema/event.schema.json', import.meta.url), 'utf8')) as object);
    for (const body of received) expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
  });

  it('a webhook that is down is reported and never loses the run', async () => {
    cloudflareBroken = true;
    const r = await run('--state', `${lab.dir}/state-2.json`, '--notify', 'http://127.0.0.1:9/hook', '--json', '--deadline', '6s');
    cloudflareBroken = false;
    expect(r.code).toBe(2);
    const report = JSON.parse(r.stdout) as { notifications: { ok: boolean; error: string }[]; incidents: unknown[] };
    expect(report.incidents).toHaveLength(1);
    expect(report.notifications[0]!.ok).toBe(false);
    expect(r.stderr).toMatch(/notif|webhook|127\.0\.0\.1:9/i);
  });

  it('two runs on one state file never interleave: the second exits 75 at once', async () => {
    // A site whose edge never answers keeps the first run busy for its 2 s timeout.
    const hung = await lab.edges(['127.0.9.9'], ['slow.test'], () => () => ({ kind: 'hang' }));
    const slowConfig = lab.writeFile('slow.yaml', `defaults: { timeout: 2s, deadline: 15s }\ntls: { ca: ./ca.pem }\npaths: [origin]\nsites:\n  - { name: slow, url: "https://slow.test:${hung}/", origin: "127.0.9.9" }\n`);
    const first = runCli(['check', '--config', slowConfig, '--state', `${lab.dir}/state-3.json`, '--quiet'], { cwd: lab.dir });
    await new Promise((r) => setTimeout(r, 400));
    const second = await runCli(['check', '--config', slowConfig, '--state', `${lab.dir}/state-3.json`], { cwd: lab.dir });
    expect(second.code).toBe(75);
    expect(second.stderr).toMatch(/lock|another run/i);
    expect((await first).code).not.toBe(75);
  });

  it('a run killed with SIGKILL leaves the state file valid', async () => {
    const file = `${lab.dir}/state-4.json`;
    await run('--state', file, '--quiet');
    const before = readFileSync(file, 'utf8');
    const child = runCli(['check', '--config', config, '--state', file, '--deadline', '10s'], { cwd: lab.dir, timeoutMs: 300 });
    await child;
    expect(() => JSON.parse(readFileSync(file, 'utf8'))).not.toThrow();
    expect(JSON.parse(readFileSync(file, 'utf8')).schema).toBe(JSON.parse(before).schema);
  });
});

describe('pipelines', () => {
  it('writes OpenMetrics atomically with --output, one vantage label on every sample', async () => {
    const out = `${lab.dir}/outage.prom`;
    const r = await run('--format', 'openmetrics', '--output', out, '--vantage', 'probe-1');
    expect(r.stdout).toBe('');
    const text = readFileSync(out, 'utf8');
    expect(text.endsWith('# EOF\n')).toBe(true);
    expect(text).toMatch(/^outage_probe_site_up\{.*site="a".*\} 1$/m);
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/vantage="probe-1"/);
    expect(existsSync(`${out}.tmp`)).toBe(false);
  });

  it('appends one NDJSON history line per run', async () => {
    const history = `${lab.dir}/history.ndjson`;
    await run('--append', history, '--quiet');
    await run('--append', history, '--quiet');
    const lines = readFileSync(history, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { schema: string; verdict: string });
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ schema: 'outage-probe.history/v1', verdict: 'ok' });
  });

  it('--notify-test sends one sample event', async () => {
    const before = received.length;
    const r = await run('--notify', webhookUrl, '--notify-test');
    expect(r.code).toBe(0);
    expect(received).toHaveLength(before + 1);
    expect(received.at(-1)!.events[0]!.type).toBe('test');
  });
});
