// One resolver that never answers must not stall the run: its queries wait in their own queue, and once it has
// answered none of its first queries, the rest are not sent (recorded as timeouts, code RESOLVER_SILENT).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopback, type Loopback } from '../support/loopback.js';
import { runCli } from '../support/cli.js';

const SITES = 120;
let lab: Loopback;
let config: string;

beforeAll(async () => {
  lab = loopback();
  const records: Record<string, { A: string[] }> = {};
  for (let i = 0; i < SITES; i += 1) records[`s${i}.lab.test`] = { A: ['127.0.4.1'] };
  const data = { zones: ['lab.test'], records };
  const good = await lab.dns({ host: '127.0.4.53', data });
  const silent = await lab.dns({ host: '127.0.4.54', data, fault: () => 'silent' });
  const port = await lab.edges(['127.0.4.1'], ['*.lab.test'], () => () => ({ kind: 'respond', status: 200, body: 'ok' }));
  config = lab.writeFile(
    'silent.yaml',
    `resolvers:
  - { name: good, address: "127.0.4.53:${good.port}" }
  - { name: mute, address: "127.0.4.54:${silent.port}", provider: "Mute DNS" }
defaults: { timeout: 1s, deadline: 30s, concurrency: 8, perHostConcurrency: 8, perAddressConcurrency: 8 }
tls: { ca: ./ca.pem }
sites:
${Array.from({ length: SITES }, (_, i) => `  - { name: s${i}, url: "https://s${i}.lab.test:${port}/" }`).join('\n')}
`,
  );
});
afterAll(async () => {
  await lab.close();
});

describe('a silent resolver among healthy ones', () => {
  it('costs its timeout once, not once per query: the healthy resolver serves every site and the silent one is named', async () => {
    const r = await runCli(['check', '--config', config, '--json'], { cwd: lab.dir });
    const report = JSON.parse(r.stdout) as {
      verdict: string;
      incidents: { kind: string; resolver?: string; provider: string | null }[];
      sites: { attempts: { resolvers: string[]; outcome: string }[]; dns: { resolver: string; error: { code: string } | null }[] }[];
    };
    // 360 queries to the silent resolver at 1 s each would take 6 s or more in 64-wide batches.
    expect(r.ms).toBeLessThan(5000);
    expect(report.verdict).toBe('provider-incident');
    expect(report.incidents).toEqual([expect.objectContaining({ kind: 'resolver', resolver: 'mute', provider: 'Mute DNS' })]);
    for (const site of report.sites) expect(site.attempts.find((a) => a.resolvers.includes('good'))?.outcome).toBe('ok');
    const codes = report.sites.flatMap((s) => s.dns.filter((d) => d.resolver === 'mute').map((d) => d.error?.code));
    expect(codes).toContain('ETIMEDOUT');
    expect(codes).toContain('RESOLVER_SILENT');
  });
});
