// End to end: the real binary against 3 loopback resolvers (two plain DNS, one DoH) and 10 HTTPS sites.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopback, type Loopback } from '../support/loopback.js';
import { runCli } from '../support/cli.js';
import { expectValidNdjson, expectValidReport } from '../support/schema.js';
import type { RunningDnsServer } from '../../src/lab/dns-server.js';
import type { HttpServerOptions } from '../../src/lab/http-server.js';

const SITES = Array.from({ length: 10 }, (_, i) => i + 1);
const host = (k: number) => `site${k}.lab.test`;
const primary = (k: number) => `127.0.1.${k}`;
const secondary = (k: number) => `127.0.2.${k}`;

let lab: Loopback;
let alpha: RunningDnsServer;
let beta: RunningDnsServer;
let gamma: RunningDnsServer;
let configFile: string;

interface AttemptJson {
  site: string;
  path: string;
  address: string | null;
  resolver: string | null;
  resolvers: string[];
  outcome: string;
  httpStatus: number | null;
  httpVersion: string | null;
  timings: { connectMs: number | null; tlsMs: number | null; ttfbMs: number | null; totalMs: number };
  tls: { subject: string; issuer: string } | null;
  error: { code: string; message: string } | null;
}
interface ReportJson {
  schema: string;
  verdict: string;
  exitCode: number;
  complete: boolean;
  resolvers: { name: string; kind: string }[];
  sites: { name: string; status: string; reason: string | null; attempts: AttemptJson[]; dns: { resolver: string; type: string; outcome: string }[] }[];
}

beforeAll(async () => {
  lab = loopback();
  const records: Record<string, { A: string[] }> = {};
  for (const k of SITES) records[host(k)] = { A: [primary(k), secondary(k)] };
  const data = { records, zones: ['lab.test'] };
  // alpha fails site10 with SERVFAIL; gamma (DoH) returns only the primary address of every site.
  alpha = await lab.dns({ host: '127.0.0.53', data, fault: (name) => (name === host(10) ? 'servfail' : null) });
  beta = await lab.dns({ host: '127.0.0.54', data });
  const dohPem = lab.ca.issue(['127.0.0.55']);
  const gammaRecords: Record<string, { A: string[] }> = {};
  for (const k of SITES) gammaRecords[host(k)] = { A: [primary(k)] };
  gamma = await lab.dns({ host: '127.0.0.55', data: { records: gammaRecords, zones: ['lab.test'] }, doh: dohPem });

  const handlerFor = (address: string): HttpServerOptions['handler'] => (req) => {
    if (address === secondary(7)) return { kind: 'hang' };
    if (req.host.startsWith(host(8))) return { kind: 'respond', status: 503, body: 'upstream sad' };
    return { kind: 'respond', status: 200, headers: { 'x-served-by': address }, body: `hello from ${req.host}` };
  };
  const addresses = [...SITES.map(primary), ...SITES.map(secondary), '127.0.3.9'];
  const port = await lab.edges(addresses, SITES.map(host), handlerFor);

  configFile = lab.writeFile(
    'probes.yaml',
    `resolvers:
  - { name: alpha, address: "127.0.0.53:${alpha.port}" }
  - { name: beta, address: "127.0.0.54:${beta.port}" }
  - { name: gamma, doh: "${gamma.dohUrl}" }
defaults: { timeout: 1s, deadline: 20s, concurrency: 16 }
tls: { ca: ./ca.pem }
sites:
${SITES.map((k) => `  - { name: site${k}, url: "https://${host(k)}:${port}/"${k === 9 ? `, origin: "127.0.3.9"` : ''} }`).join('\n')}
`,
  );
});

afterAll(async () => {
  await lab?.close();
});

describe('check against 3 resolvers and 10 sites', () => {
  let report: ReportJson;
  let code: number | null;

  beforeAll(async () => {
    const r = await runCli(['check', '--config', configFile, '--json', '--vantage', 'test-vantage']);
    code = r.code;
    expect(r.stderr).toBe('');
    report = JSON.parse(r.stdout) as ReportJson;
    expectValidReport(report);
  });

  it('reports site failures with exit code 1', () => {
    expect(code).toBe(1);
    expect(report.schema).toBe('outage-probe.report/v1');
    expect(report.verdict).toBe('site-failures');
    expect(report.complete).toBe(true);
    expect(report.resolvers.map((r) => [r.name, r.kind])).toEqual([['alpha', 'udp'], ['beta', 'udp'], ['gamma', 'doh']]);
  });

  it('fetches each address once and credits every resolver that returned it', () => {
    const site1 = report.sites.find((s) => s.name === 'site1')!;
    expect(site1.status).toBe('ok');
    expect(site1.attempts.map((a) => [a.address, a.resolvers.sort()])).toEqual([
      [primary(1), ['alpha', 'beta', 'gamma']],
      [secondary(1), ['alpha', 'beta']],
    ]);
    for (const a of site1.attempts) {
      expect(a.outcome).toBe('ok');
      expect(a.httpStatus).toBe(200);
      expect(a.tls?.subject).toContain(host(1));
      expect(a.timings.connectMs).toBeGreaterThanOrEqual(0);
      expect(a.timings.tlsMs).toBeGreaterThanOrEqual(0);
      expect(a.timings.ttfbMs).toBeGreaterThanOrEqual(a.timings.connectMs! + a.timings.tlsMs!);
      expect(a.timings.totalMs).toBeGreaterThanOrEqual(a.timings.ttfbMs!);
    }
  });

  it('reports every (resolver, path, address) attempt', () => {
    const expected = SITES.flatMap((k) => {
      const rows = [`site${k} edge ${primary(k)}`, `site${k} edge ${secondary(k)}`];
      if (k === 9) rows.push(`site${k} origin 127.0.3.9`);
      if (k === 10) rows.push(`site${k} edge null`); // alpha answered SERVFAIL: no address to fetch
      return rows;
    });
    const actual = report.sites.flatMap((s) => s.attempts.map((a) => `${s.name} ${a.path} ${a.address}`));
    expect(actual.sort()).toEqual(expected.sort());
  });

  it('sends one query per (resolver, name, type), shared across sites', () => {
    // Per site: A, and AAAA → NODATA with the zone's SOA, which names the apex; then NS(lab.test) once for all sites.
    // A host's own NS is asked only when its answers came later than 500 ms (a loaded machine), and a retransmission
    // is the same query again: neither is a question asked twice, which is what this counts. Nor are the loss probes
    // (the root's NS, sent once an answer came late: probe/dns/loss-probe.ts), which ask about no site.
    for (const server of [beta, gamma]) {
      const asked = new Map([...server.askedQuestions()].filter(([question]) => !/^\.? NS$/.test(question)));
      for (const k of SITES) for (const type of ['A', 'AAAA']) expect([host(k), type, asked.get(`${host(k)} ${type}`)]).toEqual([host(k), type, 1]);
      expect(asked.get('lab.test NS')).toBe(1);
      for (const [question, times] of asked) expect([question, times]).toEqual([question, 1]);
      expect([...asked.keys()].every((q) => q === 'lab.test NS' || SITES.some((k) => q.startsWith(`${host(k)} `)))).toBe(true);
    }
  });

  it('classifies the hanging edge, the 503 site, the origin path and the SERVFAIL resolver', () => {
    const bySite = Object.fromEntries(report.sites.map((s) => [s.name, s]));
    const hung = bySite.site7!.attempts.find((a) => a.address === secondary(7))!;
    expect(bySite.site7!.status).toBe('degraded');
    expect(hung.outcome).toBe('timeout');
    expect(hung.error?.code).toBe('ETIMEDOUT');

    expect(bySite.site8!.status).toBe('down');
    expect(bySite.site8!.attempts.every((a) => a.outcome === 'http-error' && a.httpStatus === 503)).toBe(true);

    const origin = bySite.site9!.attempts.find((a) => a.path === 'origin')!;
    expect(origin.outcome).toBe('ok');
    expect(origin.resolvers).toEqual([]);

    const site10 = bySite.site10!;
    expect(site10.status).toBe('degraded');
    const noAddress = site10.attempts.find((a) => a.address === null)!;
    expect(noAddress).toMatchObject({ resolver: 'alpha', outcome: 'dns-error' });
    expect(site10.dns.find((d) => d.resolver === 'alpha' && d.type === 'A')?.outcome).toBe('servfail');
  });

  it('prints a table that fits 100 columns, verdict first', async () => {
    const r = await runCli(['check', '--config', configFile]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^✖ 1 down \(site8\), 2 degraded \(site7, site10\) of 10 sites/);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
    for (const k of SITES) expect(r.stdout).toContain(`site${k} `);
    expect(r.stdout).not.toMatch(/\u001b\[/); // no colour when not a terminal
  });

  it('lists every attempt with -v, with its DNS time and negotiated HTTP version', async () => {
    const r = await runCli(['check', '--config', configFile, '-v']);
    for (const k of SITES) expect(r.stdout).toContain(primary(k));
    for (const line of r.stdout.trimEnd().split('\n')) expect(line.length).toBeLessThanOrEqual(100);
    const lines = r.stdout.split('\n');
    const head = lines.findIndex((l) => /^SITE\s+PATH\s+ADDRESS\s+VIA\s+DNS\s+CONN\s+TLS\s+TTFB\s+TOTAL\s+HTTP\s+RESULT$/.test(l));
    expect(head).toBeGreaterThan(-1);
    // Every ok edge attempt resolved its address through a resolver (a DNS time) and spoke HTTP/1.1 or h2.
    const ok = lines.slice(head + 1).filter((l) => / edge /.test(l) && / ok \d{3}$/.test(l));
    expect(ok.length).toBeGreaterThan(0);
    for (const l of ok) expect(l).toMatch(/\s\d+(\.\d+)?m?s\s+\S+\s+\S+\s+\S+\s+\S+\s+(h1\.1|h2)\s+ok \d{3}$/);
  });

  it('streams NDJSON: one line per attempt, then a summary', async () => {
    const r = await runCli(['check', '--config', configFile, '--ndjson']);
    expectValidNdjson(r.stdout);
    const lines = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string; schema: string });
    const attempts = lines.filter((l) => l.type === 'attempt');
    expect(attempts).toHaveLength(report.sites.reduce((n, s) => n + s.attempts.length, 0));
    expect(lines.at(-1)).toMatchObject({ type: 'summary', schema: 'outage-probe.summary/v1', verdict: 'site-failures' });
    expect(lines.slice(0, -1).every((l) => l.type === 'attempt')).toBe(true);
  });
});
