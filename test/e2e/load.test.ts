// No false failures under load: the real binary against 300 healthy sites on 8 loopback edges and 2 resolvers,
// with 512 fetches in flight. Every site must come back ok — a probe that times out its own queries or
// connections under a burst would blame healthy sites (or a healthy resolver) for its own load.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopback, type Loopback } from '../support/loopback.js';
import { fileURLToPath } from 'node:url';
import { BIN, runCli, runShell } from '../support/cli.js';
import type { RunningDnsServer } from '../../src/lab/dns-server.js';

const SITES = 300;
const EDGES = Array.from({ length: 8 }, (_, i) => `127.0.40.${i + 1}`);
const EDGE_DELAY_MS = 20;
const host = (k: number) => `site${k}.load.test`;
const edgeOf = (k: number) => EDGES[k % EDGES.length]!;

interface ReportJson {
  verdict: string;
  exitCode: number;
  complete: boolean;
  incidents: { kind: string; resolver?: string }[];
  sites: {
    name: string;
    status: string;
    reason: string | null;
    dns: { resolver: string; type: string; outcome: string }[];
    attempts: { address: string | null; outcome: string; resolvers: string[]; httpStatus: number | null }[];
  }[];
}

let lab: Loopback;
let resolvers: RunningDnsServer[];
let configFile: string;

beforeAll(async () => {
  lab = loopback();
  const records: Record<string, { A: string[] }> = {};
  for (let k = 1; k <= SITES; k++) records[host(k)] = { A: [edgeOf(k)] };
  const data = { records, zones: ['load.test'] };
  resolvers = [await lab.dns({ host: '127.0.40.53', data }), await lab.dns({ host: '127.0.40.54', data })];
  // A wildcard certificate: one handshake-sized certificate for every site name.
  const port = await lab.edges(EDGES, ['*.load.test'], () => () => ({ kind: 'respond', status: 200, body: 'ok', delayMs: EDGE_DELAY_MS }));
  const sites = Array.from({ length: SITES }, (_, i) => `  - { name: site${i + 1}, url: "https://${host(i + 1)}:${port}/" }`);
  configFile = lab.writeFile(
    'load.yaml',
    `resolvers:
  - { name: alpha, address: "127.0.40.53:${resolvers[0]!.port}" }
  - { name: beta, address: "127.0.40.54:${resolvers[1]!.port}" }
defaults: { timeout: 5s, deadline: 20s, concurrency: 512 }
tls: { ca: ./ca.pem }
sites:
${sites.join('\n')}
`,
  );
});

afterAll(async () => {
  await lab?.close();
});

describe(`${SITES} healthy sites at concurrency 512`, () => {
  let report: ReportJson;
  let code: number | null;

  beforeAll(async () => {
    const r = await runCli(['check', '--config', configFile, '--json'], { timeoutMs: 25_000 });
    code = r.code;
    expect(r.stderr).toBe('');
    report = JSON.parse(r.stdout) as ReportJson;
  }, 30_000);

  it('finds every site ok: exit 0, verdict ok, a complete report', () => {
    const notOk = report.sites.filter((s) => s.status !== 'ok').map((s) => `${s.name}: ${s.reason}`);
    expect(notOk).toEqual([]);
    expect(report.sites).toHaveLength(SITES);
    expect(code).toBe(0);
    expect(report.exitCode).toBe(0);
    expect(report.verdict).toBe('ok');
    expect(report.complete).toBe(true);
  });

  it('raises no incident, resolver or otherwise', () => {
    expect(report.incidents.filter((i) => i.kind === 'resolver' || i.resolver)).toEqual([]);
    expect(report.incidents).toEqual([]);
  });

  it('has no timeout anywhere: every DNS answer and every fetch succeeded', () => {
    const dns = report.sites.flatMap((s) => s.dns);
    expect(dns.filter((d) => d.outcome === 'timeout')).toEqual([]);
    expect(dns.filter((d) => d.type === 'A' && d.outcome !== 'ok')).toEqual([]);
    const attempts = report.sites.flatMap((s) => s.attempts);
    expect(attempts.filter((a) => a.outcome === 'timeout')).toEqual([]);
    // One address per site, returned by both resolvers: fetched once, credited to both.
    expect(attempts).toHaveLength(SITES);
    expect(attempts.every((a) => a.outcome === 'ok' && a.httpStatus === 200 && a.resolvers.length === 2)).toBe(true);
  });

  it('asked each resolver A and AAAA for every site', () => {
    // Plus NS for the zone, once per resolver; the AAAA answers' SOA names it, so no site's host is asked NS unless its
    // answers came late (retransmissions and those only add to the count).
    for (const r of resolvers) expect(r.queries).toBeGreaterThanOrEqual(SITES * 2 + 1);
  });
});

// This host's open-file limit is no site's failure. A --concurrency above what `ulimit -n` allows made fetches fail
// with EMFILE: "923 down of 1,000 sites; no shared cause found", exit 1. The run lowers its concurrency to fit and
// says so; fetches and queries that still meet EMFILE (descriptors held by something else in the process) wait for
// others to end and try again.
const HOG = fileURLToPath(new URL('../support/descriptor-hog.cjs', import.meta.url));
describe.skipIf(process.platform !== 'linux')(`${SITES} healthy sites with few file descriptors`, () => {
  /** The binary under `ulimit -n 160`; with `free`, all but that many descriptors held before it starts. */
  const check = (free: number | null) =>
    runShell(`ulimit -n 160 && ${free === null ? '' : `HOG_FREE=${free} `}exec "${process.execPath}" ${free === null ? '' : `--require "${HOG}" `}"${BIN}" check --config "${configFile}" --json`, {
      timeoutMs: 25_000,
    });

  it('at concurrency 512 under `ulimit -n 160`: lowered to fit, said on stderr, every site ok', async () => {
    const r = await check(null);
    expect(r.stderr).toBe('outage-probe: warning: concurrency 512 lowered to 48: this process may open 160 files (ulimit -n), and each fetch needs a socket; raise the limit to run more at once\n');
    const report = JSON.parse(r.stdout) as ReportJson;
    expect(report.sites.filter((s) => s.status !== 'ok').map((s) => `${s.name}: ${s.reason}`)).toEqual([]);
    expect(r.code).toBe(0);
  }, 30_000);

  it('with all but 16 descriptors held elsewhere in the process: fetches and queries wait for descriptors, every site ok', async () => {
    const r = await check(16);
    const report = JSON.parse(r.stdout) as ReportJson;
    expect(report.sites.filter((s) => s.status !== 'ok').map((s) => `${s.name}: ${s.reason}`)).toEqual([]);
    expect(report.complete).toBe(true);
    expect(r.code).toBe(0);
  }, 30_000);
});
