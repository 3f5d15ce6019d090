// A site that publishes no address of the family its paths ask for is a DNS fact, not a resolver's fault: every
// resolver answering NOERROR with no AAAA (paths: [ipv6]) or with neither record. Its own zone's, or, through a
// CNAME, the target's. The real binary
// against loopback resolvers that agree; no resolver is blamed, no incident is raised, however many sites.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { loopback, type Loopback } from '../support/loopback.js';
import { runCli } from '../support/cli.js';
import { expectValidReport } from '../support/schema.js';

let lab: Loopback;
let config: string;

beforeAll(async () => {
  lab = loopback();
  const records = {
    'v4only-a.test': { A: ['127.0.8.1'] },
    'v4only-b.test': { A: ['127.0.8.1'] },
    'v4only-c.test': { A: ['127.0.8.1'] },
    'both.test': { A: ['127.0.8.1'], AAAA: ['::1'] },
    'noaddr.test': { TXT: ['v=spf1 -all'] },
    'alias.test': { CNAME: 'v4only-a.test' },
  };
  const r1 = await lab.dns({ host: '127.0.8.53', data: { zones: ['test'], records } });
  const r2 = await lab.dns({ host: '127.0.8.54', data: { zones: ['test'], records } });
  const port = await lab.edges(['127.0.8.1', '::1'], Object.keys(records), () => () => ({ kind: 'respond', status: 200, body: 'ok' }));
  config = lab.writeFile(
    'no-address.yaml',
    `resolvers:
  - { name: one, address: "127.0.8.53:${r1.port}" }
  - { name: two, address: "127.0.8.54:${r2.port}" }
defaults: { timeout: 2s, deadline: 15s }
tls: { ca: ./ca.pem }
sites:
  - { name: a, url: "https://v4only-a.test:${port}/", paths: [ipv6] }
  - { name: b, url: "https://v4only-b.test:${port}/", paths: [ipv6] }
  - { name: c, url: "https://v4only-c.test:${port}/", paths: [ipv6] }
  - { name: both, url: "https://both.test:${port}/", paths: [ipv6] }
  - { name: noaddr, url: "https://noaddr.test:${port}/" }
  - { name: alias, url: "https://alias.test:${port}/", paths: [ipv6] }
`,
  );
});

afterAll(async () => {
  await lab.close();
});

describe('no address of the family asked', () => {
  it('reads as the site’s zone’s (or its CNAME target’s) empty record: down, with the reason; no resolver blamed, no incident', async () => {
    const run = await runCli(['check', '--config', config, '--json'], { cwd: lab.dir });
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as Report;
    expectValidReport(report);
    expect(run.code).toBe(1);
    expect(report.verdict).toBe('site-failures');
    expect(report.incidents).toEqual([]);
    const site = (name: string) => report.sites.find((s) => s.name === name)!;
    expect(site('both').status).toBe('ok');
    for (const name of ['a', 'b', 'c']) {
      expect(site(name).status).toBe('down');
      expect(site(name).blame?.layer).toBe('site');
      for (const a of site(name).attempts) {
        expect(a.layer).toBe('site');
        expect(a.provider).toBeNull();
        expect(a.explanation).toMatch(/every resolver answers that v4only-.\.test exists with no AAAA record \(the site's paths ask for IPv6 only\): the site's zone publishes no IPv6 address for it/);
      }
    }
    expect(site('noaddr').attempts.every((a) => a.layer === 'site' && /exists with no A or AAAA record: the site's zone publishes no address for it/.test(a.explanation ?? ''))).toBe(true);
    // Through a CNAME, the empty record is the target's: its DNS is named, not the site's zone.
    for (const a of site('alias').attempts) {
      expect(a.layer).toBe('authoritative-dns');
      expect(a.explanation).toMatch(/every resolver follows alias\.test to v4only-a\.test and finds no AAAA record there \(the site's paths ask for IPv6 only\): the target's DNS publishes no address for it/);
    }
    const table = await runCli(['check', '--config', config], { cwd: lab.dir });
    expect(table.stdout).not.toMatch(/nothing could be probed/);
    expect(table.stdout).not.toMatch(/resolver (one|two) gave no address/);
  });
});
