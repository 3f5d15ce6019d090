// Challenges through the real binary with --state: a host that every Cloudflare site challenges learns that as
// its baseline and stops failing; sites that served content before and now challenge together are an incident.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopback, type Loopback } from '../support/loopback.js';
import { runCli } from '../support/cli.js';
import { expectValidReport } from '../support/schema.js';
import { responses } from '../support/responses.js';

let lab: Loopback;
let config: string;
/** What each Cloudflare-fronted site serves this probe right now. */
const serving: Record<string, 'content' | 'challenge'> = { a: 'challenge', b: 'challenge', c: 'challenge' };
const ADDRESSES: Record<string, string> = { '127.0.11.1': 'a', '127.0.11.2': 'b', '127.0.11.3': 'c' };

interface Report {
  verdict: string;
  exitCode: number;
  incidents: { provider: string; layer: string; sites: string[] }[];
  findings: { provider: string; layer: string; sites: string[]; summary: string }[];
  sites: { name: string; status: string; attempts: { outcome: string; explanation: string | null; challenge: { expected: boolean; before: string | null } | null }[] }[];
}

beforeAll(async () => {
  lab = loopback();
  const port = await lab.edges([...Object.keys(ADDRESSES), '127.0.11.9'], ['a.test', 'b.test', 'c.test', 'plain.test'], (address) => () => {
    const name = ADDRESSES[address];
    if (!name) return { kind: 'respond', status: 200, headers: { server: 'nginx' }, body: 'plain ok' };
    const r = serving[name] === 'challenge' ? responses.cloudflareChallenge() : responses.cloudflareOk();
    return { kind: 'respond', status: r.httpStatus!, headers: r.headers, body: r.bodySample };
  });
  const dns = await lab.dns({
    host: '127.0.11.53',
    data: { zones: ['test'], records: { 'a.test': { A: ['127.0.11.1'] }, 'b.test': { A: ['127.0.11.2'] }, 'c.test': { A: ['127.0.11.3'] }, 'plain.test': { A: ['127.0.11.9'] } } },
  });
  config = lab.writeFile(
    'challenges.yaml',
    `resolvers:
  - { name: lab, address: "127.0.11.53:${dns.port}" }
defaults: { timeout: 2s, deadline: 15s }
tls: { ca: ./ca.pem }
paths: [edge]
sites:
  - { name: a, url: "https://a.test:${port}/" }
  - { name: b, url: "https://b.test:${port}/" }
  - { name: c, url: "https://c.test:${port}/" }
  - { name: plain, url: "https://plain.test:${port}/" }
`,
  );
});

afterAll(async () => {
  await lab.close();
});

async function check(state: string | null): Promise<Report> {
  const r = await runCli(['check', '--config', config, '--json', ...(state ? ['--state', `${lab.dir}/${state}`] : [])], { cwd: lab.dir });
  const report = JSON.parse(r.stdout) as Report;
  expectValidReport(report);
  expect(r.code).toBe(report.exitCode);
  return report;
}

describe('challenges and what this host saw before', () => {
  it('without --state, every Cloudflare site (three) challenging is a Cloudflare challenge incident', async () => {
    Object.assign(serving, { a: 'challenge', b: 'challenge', c: 'challenge' });
    const report = await check(null);
    expect(report.incidents.map((i) => [i.provider, i.layer, i.sites])).toEqual([['Cloudflare', 'challenge', ['a', 'b', 'c']]]);
    expect(report.exitCode).toBe(2);
  });

  it('with a new state file the same challenges are learned, not alerted on; the next run is ok', async () => {
    const first = await check('learn.json');
    expect(first.incidents).toEqual([]);
    expect(first.findings.map((f) => [f.provider, f.layer, f.sites])).toEqual([['Cloudflare', 'challenge', ['a', 'b', 'c']]]);
    expect(first.findings[0]!.summary).toMatch(/nothing is remembered of these sites yet/);
    expect(first.exitCode).toBe(1);

    const second = await check('learn.json');
    expect(second.verdict).toBe('ok');
    expect(second.exitCode).toBe(0);
    const a = second.sites.find((s) => s.name === 'a')!;
    expect(a.status).toBe('ok');
    expect(a.attempts[0]!.challenge).toMatchObject({ expected: true, before: 'challenge' });
    expect(a.attempts[0]!.explanation).toMatch(/as on its last healthy-looking run/);
  });

  it('sites that served content start challenging together: a challenge incident, exit 2', async () => {
    Object.assign(serving, { a: 'content', b: 'content', c: 'content' });
    expect((await check('change.json')).exitCode).toBe(0);
    Object.assign(serving, { a: 'challenge', b: 'challenge' });
    const report = await check('change.json');
    expect(report.incidents.map((i) => [i.provider, i.layer, i.sites])).toEqual([['Cloudflare', 'challenge', ['a', 'b']]]);
    expect(report.exitCode).toBe(2);
  });
});
