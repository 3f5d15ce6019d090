// A network that filters TLS by name: the real binary against loopback edges behind a middlebox that resets the
// connection when the ClientHello asks for a blocked name (test/support/sni-filter.ts) and passes every other one on.
// The edge's address completes TLS for the other names in the same run, so the blocked ones are refused by name —
// never the edge provider's TLS incident, as it read ("labcdn TLS incident (partial): 2 of 4 … sites", exit 2).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { loopback, type Loopback } from '../support/loopback.js';
import { runCli } from '../support/cli.js';
import { expectValidReport } from '../support/schema.js';
import { startSniFilter, type RunningSniFilter } from '../support/sni-filter.js';

const FILTERED = ['social1', 'social2'];
const PASSED = ['shop', 'docs'];
let lab: Loopback;
let filter: RunningSniFilter;
let config: string;

beforeAll(async () => {
  lab = loopback();
  const behind = [...FILTERED, ...PASSED];
  const records: Record<string, { A: string[] }> = Object.fromEntries(behind.map((n) => [`www.${n}.test`, { A: ['127.0.15.2'] }]));
  records['www.other.test'] = { A: ['127.0.16.1'] };
  const resolver = await lab.dns({ host: '127.0.15.53', data: { zones: ['test'], records } });
  const port = await lab.edges(['127.0.15.1', '127.0.16.1'], Object.keys(records), () => () => ({ kind: 'respond', status: 200, body: 'ok' }));
  filter = await startSniFilter({ host: '127.0.15.2', upstream: { host: '127.0.15.1', port }, blocks: (name) => FILTERED.some((n) => name === `www.${n}.test`) });
  config = lab.writeFile(
    'sni-filter.yaml',
    `resolvers:
  - { name: one, address: "127.0.15.53:${resolver.port}" }
defaults: { timeout: 2s, deadline: 15s }
tls: { ca: ./ca.pem }
providers:
  - { name: labcdn, ranges: [127.0.15.0/24] }
sites:
${behind.map((n) => `  - { name: ${n}, url: "https://www.${n}.test:${filter.port}/" }`).join('\n')}
  - { name: other, url: "https://www.other.test:${port}/" }
`,
  );
});

afterAll(async () => {
  await filter?.close();
  await lab?.close();
});

describe('a filter on the way that resets TLS for some names', () => {
  it('is no provider TLS incident: the same address completes TLS for other names; a finding says so', async () => {
    const r = await runCli(['check', '--config', config, '--json'], { timeoutMs: 20_000 });
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as Report;
    expectValidReport(report);
    // A reset while other fetches were at that address, which served them, is asked again alone: reset again.
    expect([...new Set(filter.blocked)].sort()).toEqual(['www.social1.test', 'www.social2.test']);
    expect(Object.fromEntries(report.sites.map((s) => [s.name, s.status]))).toEqual({ social1: 'down', social2: 'down', shop: 'ok', docs: 'ok', other: 'ok' });
    expect(report.incidents).toEqual([]);
    expect(report.findings.map((f) => [f.provider, f.layer])).toEqual([['labcdn', 'tls']]);
    expect(report.findings[0]!.summary).toContain("not an incident: the same labcdn addresses complete TLS for other sites' names in this run (127.0.15.2 for shop");
    expect(r.code).toBe(1);
  });
});
