// A filtering resolver (Pi-hole, NextDNS, AdGuard, Cloudflare's 1.1.1.3) answers 0.0.0.0 for a name it blocks. The
// probe never connects there (the unspecified address reaches this host itself, where some local service may
// answer), and the reading is that resolver's filter, not the site's network or edge; when every resolver answers
// it, the zone points the name nowhere. The real binary against loopback resolvers, with a trap on 127.0.0.1 that
// a connection to 0.0.0.0 would reach.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { loopback, type Loopback } from '../support/loopback.js';
import { runCli } from '../support/cli.js';
import { expectValidReport } from '../support/schema.js';

let lab: Loopback;
let report: Report;
let stderr: string;
const trapped: string[] = [];

beforeAll(async () => {
  lab = loopback();
  const names = ['shop.test', 'ads.test', 'parked.test'];
  const plain = { 'shop.test': { A: ['127.0.8.1'] }, 'ads.test': { A: ['127.0.8.1'] }, 'parked.test': { A: ['0.0.0.0'] } };
  const filtering = { ...plain, 'ads.test': { A: ['0.0.0.0'], AAAA: ['::'] } };
  const r1 = await lab.dns({ host: '127.0.8.53', data: { zones: ['test'], records: plain } });
  const r2 = await lab.dns({ host: '127.0.8.63', data: { zones: ['test'], records: filtering } });
  const port = await lab.edges(['127.0.8.1', '127.0.0.1'], names, (address) => (req) => {
    if (address === '127.0.0.1') trapped.push(req.host);
    return { kind: 'respond', status: 200, body: 'ok' };
  });
  const config = lab.writeFile(
    'blocked.yaml',
    `resolvers:
  - { name: plain, address: "127.0.8.53:${r1.port}" }
  - { name: filter, address: "127.0.8.63:${r2.port}", provider: Cloudflare }
defaults: { timeout: 2s, deadline: 15s }
tls: { ca: ./ca.pem }
sites:
  - { name: shop, url: "https://shop.test:${port}/" }
  - { name: ads, url: "https://ads.test:${port}/" }
  - { name: parked, url: "https://parked.test:${port}/" }
`,
  );
  const run = await runCli(['check', '--config', config, '--json'], { cwd: lab.dir });
  stderr = run.stderr;
  report = JSON.parse(run.stdout) as Report;
});

afterAll(async () => {
  await lab.close();
});

describe('a name a resolver blocks with the unspecified address', () => {
  it('is that resolver filtering it, never fetched at 0.0.0.0; answered so by every resolver, the zone points it nowhere', () => {
    expect(stderr).toBe('');
    expectValidReport(report);
    expect(trapped).toEqual([]);
    const site = (name: string) => report.sites.find((s) => s.name === name)!;
    expect(site('shop').status).toBe('ok');
    // A lone blame names a provider only at the edge: the attempt names the resolver's operator.
    expect(site('ads')).toMatchObject({ status: 'degraded', blame: { layer: 'resolver', provider: null } });
    expect(site('ads').blame!.reason).toMatch(/^filter answers 0\.0\.0\.0 for ads\.test: the unspecified address/);
    const blocked = site('ads').attempts.find((a) => a.resolver === 'filter')!;
    expect(blocked).toMatchObject({ address: null, outcome: 'dns-error', layer: 'resolver', provider: 'Cloudflare', error: { code: 'BLOCKED' } });
    expect(blocked.explanation).toMatch(/^filter answers 0\.0\.0\.0 for ads\.test: the unspecified address, the way filtering resolvers block a name; nothing was fetched through it$/);
    expect(site('parked')).toMatchObject({ status: 'down', blame: { layer: 'site', provider: null } });
    for (const a of site('parked').attempts) expect(a.explanation).toMatch(/every resolver answers parked\.test with the unspecified address only: its zone points it nowhere/);
    expect(report.sites.flatMap((s) => s.attempts).filter((a) => a.address === '0.0.0.0' || a.address === '::')).toEqual([]);
    expect(report.incidents).toEqual([]);
    expect(report.exitCode).toBe(1);
  });
});
