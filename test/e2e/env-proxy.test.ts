// A host whose only way out is the proxy its environment names (HTTPS_PROXY, as corporate hosts and CI runners set
// it): outage-probe connects to each address directly, so every fetch fails and the verdict is the local network's.
// That verdict names the variable (never its credentials), since it is the likeliest answer to "why can't it reach
// anything when curl can?". The real binary; the resolvers answer, nothing listens at the sites' addresses, and the
// proxy named is never dialled.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { loopback, type Loopback } from '../support/loopback.js';
import { runCli } from '../support/cli.js';

let lab: Loopback;
let config: string;

beforeAll(async () => {
  lab = loopback();
  const records = { 'shop.test': { A: ['127.0.11.1'] }, 'news.test': { A: ['127.0.11.2'] } };
  const dns = await lab.dns({ host: '127.0.11.53', data: { zones: ['test'], records } });
  config = lab.writeFile(
    'env-proxy.yaml',
    `resolvers:
  - { name: lab, address: "127.0.11.53:${dns.port}" }
defaults: { timeout: 1s, deadline: 10s, paths: [edge] }
sites:
  - { name: shop, url: "https://shop.test:9/" }
  - { name: news, url: "https://news.test:9/" }
`,
  );
});

afterAll(async () => {
  await lab.close();
});

async function check(env: NodeJS.ProcessEnv): Promise<{ code: number | null; report: Report }> {
  // Every proxy variable cleared but the ones given: the test's own environment must not decide the outcome.
  const cleared = Object.fromEntries(['HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy', 'HTTP_PROXY', 'http_proxy'].map((n) => [n, '']));
  const run = await runCli(['check', '--config', config, '--json'], { cwd: lab.dir, env: { ...cleared, ...env } });
  return { code: run.code, report: JSON.parse(run.stdout) as Report };
}

describe('a host whose way out is the proxy its environment names', () => {
  it('the local-network verdict names the variable and the proxy, without its credentials (exit 3)', async () => {
    const { code, report } = await check({ HTTPS_PROXY: 'http://alice:s3cret@127.0.11.99:3128' });
    expect(code).toBe(3);
    expect(report.verdict).toBe('local-network');
    expect(report.summary).toMatch(/this environment sets HTTPS_PROXY=http:\/\/127\.0\.11\.99:3128, which outage-probe does not use \(it connects to each address directly/);
    expect(JSON.stringify(report)).not.toMatch(/s3cret|alice/);
  }, 30_000);

  it('control: with no proxy in the environment, nothing is said of one', async () => {
    const { code, report } = await check({});
    expect(code).toBe(3);
    expect(report.summary).not.toMatch(/this environment sets/);
  }, 30_000);
});
