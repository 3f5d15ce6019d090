// A resolver that says names do not exist (NXDOMAIN) while other resolvers answer them with addresses that serve the
// sites — a filter answering NXDOMAIN, a VPN or split-horizon resolver without the public names, a resolver cut off
// from the public DNS. It read as "3 degraded of 4 sites; no shared cause found" (exit 1): an NXDOMAIN was never a
// resolver's failure. The real binary against loopback resolvers and edges.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { loopback, type Loopback } from '../support/loopback.js';
import { runCli } from '../support/cli.js';
import { expectValidReport } from '../support/schema.js';

let lab: Loopback;
let report: Report;
let code: number | null;

beforeAll(async () => {
  lab = loopback();
  const names = ['shop.alpha.test', 'news.bravo.test', 'blog.charlie.test', 'intranet.delta.test'];
  const records = Object.fromEntries(names.map((n, i) => [n, { A: [`127.0.10.${i + 1}`] }]));
  const zones = ['alpha.test', 'bravo.test', 'charlie.test', 'delta.test'];
  const one = await lab.dns({ host: '127.0.10.53', data: { zones, records } });
  const two = await lab.dns({ host: '127.0.10.63', data: { zones, records } });
  // The office resolver knows only its own zone: every other name "does not exist" there.
  const office = await lab.dns({ host: '127.0.10.73', data: { zones, records: { 'intranet.delta.test': records['intranet.delta.test']! } } });
  const port = await lab.edges(names.map((_, i) => `127.0.10.${i + 1}`), names, () => () => ({ kind: 'respond', status: 200, body: 'ok' }));
  const config = lab.writeFile(
    'denying.yaml',
    `resolvers:
  - { name: office, address: "127.0.10.73:${office.port}" }
  - { name: one, address: "127.0.10.53:${one.port}", provider: Cloudflare }
  - { name: two, address: "127.0.10.63:${two.port}", provider: Google }
defaults: { timeout: 2s, deadline: 15s }
tls: { ca: ./ca.pem }
sites:
${names.map((n) => `  - { name: ${n.split('.')[0]}, url: "https://${n}:${port}/" }`).join('\n')}
`,
  );
  const run = await runCli(['check', '--config', config, '--json'], { cwd: lab.dir });
  code = run.code;
  report = JSON.parse(run.stdout) as Report;
});

afterAll(async () => {
  await lab.close();
});

describe('a resolver that denies names the others answer', () => {
  it('is that resolver failing them: one resolver incident, the sites degraded by it, exit 2', () => {
    expectValidReport(report);
    const office = report.sites.flatMap((s) => s.attempts).filter((a) => a.resolver === 'office' && a.address === null);
    expect(office.map((a) => a.error?.code).sort()).toEqual(['NXDOMAIN', 'NXDOMAIN', 'NXDOMAIN']);
    expect(report.incidents.map((i) => [i.kind, i.resolvers])).toEqual([['resolver', ['office']]]);
    expect(report.incidents[0]!.summary).toMatch(/^Resolver office failing: nxdomain for 3 of 4 names that one, two answer/);
    expect(report.incidents[0]!.evidence.join(' ')).toMatch(/it says names do not exist \(NXDOMAIN\) that other resolvers answer with addresses that serve the sites/);
    const status = Object.fromEntries(report.sites.map((s) => [s.name, s.status]));
    expect(status).toEqual({ shop: 'degraded', news: 'degraded', blog: 'degraded', intranet: 'ok' });
    expect(code).toBe(2);
  });
});
