// --samples: a flapping edge is recognised as intermittent, not missed and not called down.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopback, type Loopback } from '../support/loopback.js';
import { runCli } from '../support/cli.js';

let lab: Loopback;
let config: string;

beforeAll(async () => {
  lab = loopback();
  let served = 0;
  // The first answer fails, then it alternates: fail, ok, fail, ok ...
  const port = await lab.edges(['127.0.8.1', '127.0.8.2'], ['flap.test', 'steady.test'], (address) => (req) => {
    if (address === '127.0.8.2') return { kind: 'respond', status: 200, body: 'steady' };
    served += 1;
    return served % 2 === 1 ? { kind: 'respond', status: 503, body: 'busy' } : { kind: 'respond', status: 200, body: `ok ${req.path}` };
  });
  config = lab.writeFile(
    'samples.yaml',
    `defaults: { timeout: 1s, deadline: 10s }
tls: { ca: ./ca.pem }
paths: [origin]
sites:
  - { name: flap, url: "https://flap.test:${port}/", origin: "127.0.8.1" }
  - { name: steady, url: "https://steady.test:${port}/", origin: "127.0.8.2" }
`,
  );
});
afterAll(async () => {
  await lab.close();
});

describe('--samples', () => {
  it('probes failing attempts again and reports the failure rate; the site is degraded, not down', async () => {
    const r = await runCli(['check', '--config', config, '--json', '--samples', '4', '--interval', '100ms'], { cwd: lab.dir });
    const report = JSON.parse(r.stdout) as { sites: { name: string; status: string; reason: string; attempts: { samples: { samples: number; failures: number; failureRate: number; outcomes: string[] } | null }[] }[] };
    const flap = report.sites.find((s) => s.name === 'flap')!;
    expect(flap.attempts[0]!.samples).toEqual({ samples: 4, failures: 2, failureRate: 0.5, outcomes: ['http-error', 'ok', 'http-error', 'ok'] });
    expect(flap.status).toBe('degraded');
    expect(flap.reason).toMatch(/failed 2 of 4 samples/);
    expect(report.sites.find((s) => s.name === 'steady')!.attempts[0]!.samples).toBeNull();
  });

  it('without --samples a single failure stands as down', async () => {
    const r = await runCli(['check', '--config', config, '--json'], { cwd: lab.dir });
    const report = JSON.parse(r.stdout) as { sites: { name: string; status: string }[] };
    // The server's counter is odd again after four samples and one plain run → this run fails.
    expect(report.sites.find((s) => s.name === 'flap')!.status).toBe('down');
  });
});
