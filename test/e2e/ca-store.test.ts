// This process's CA store without the roots the sites chain to (a container without ca-certificates under
// NODE_OPTIONS=--use-openssl-ca, an old runtime's bundle): every certificate is refused for its issuer, and the
// issuers are several. It read as "Local network problem … is this host online, does it need a proxy or a VPN?";
// it is this host's trust store, said as such, and no provider is blamed. The real binary against loopback sites
// whose certificates come from two CAs it was not given (no tls.ca), as public roots are missing from such a store.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { createCa } from '../../src/lab/ca.js';
import { startHttpServer, type RunningHttpServer } from '../../src/lab/http-server.js';
import { loopback, type Loopback } from '../support/loopback.js';
import { runCli } from '../support/cli.js';

let lab: Loopback;
const servers: RunningHttpServer[] = [];
let report: Report;
let code: number | null;

beforeAll(async () => {
  lab = loopback();
  const roots = [createCa('Lab Public Root A'), createCa('Lab Public Root B')];
  const sites = [
    { host: 'shop.test', address: '127.0.12.1', ca: roots[0]! },
    { host: 'news.test', address: '127.0.12.2', ca: roots[1]! },
    { host: 'blog.test', address: '127.0.12.3', ca: roots[0]! },
  ];
  let port = 0;
  for (const s of sites) {
    const server = await startHttpServer({ host: s.address, port, tls: s.ca.issue([s.host]), handler: () => ({ kind: 'respond', status: 200, body: 'ok' }) });
    port = server.port;
    servers.push(server);
  }
  const dns = await lab.dns({ host: '127.0.12.53', data: { zones: ['test'], records: Object.fromEntries(sites.map((s) => [s.host, { A: [s.address] }])) } });
  const config = lab.writeFile(
    'ca-store.yaml',
    `resolvers:
  - { name: lab, address: "127.0.12.53:${dns.port}" }
defaults: { timeout: 2s, deadline: 10s, paths: [edge] }
sites:
${sites.map((s) => `  - { name: ${s.host.split('.')[0]}, url: "https://${s.host}:${port}/" }`).join('\n')}
`,
  );
  const run = await runCli(['check', '--config', config, '--json'], { cwd: lab.dir });
  code = run.code;
  report = JSON.parse(run.stdout) as Report;
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  await lab.close();
});

describe("a CA store without the sites' roots", () => {
  it("is this host's trust store: nobody blamed, the host's advice, exit 3", () => {
    const refused = report.sites.flatMap((s) => s.attempts);
    expect(refused.map((a) => [a.outcome, a.tls?.authorized])).toEqual([['tls-error', false], ['tls-error', false], ['tls-error', false]]);
    expect(new Set(refused.map((a) => a.tls?.issuer)).size).toBe(2);
    expect(report.verdict).toBe('local-network');
    expect(report.summary).toMatch(/^Problem on this host: every certificate of 3 sites on different providers is refused by this host for its issuer, and the issuers are 2 \(.*Lab Public Root [AB].*\): .*this host's CA store lacks the public roots/);
    expect(report.host.notes.join(' ')).toMatch(/check this host's clock .* and its CA store/);
    expect(report.incidents).toEqual([]);
    expect(code).toBe(3);
  });
});
