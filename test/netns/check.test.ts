// The real binary in a network namespace, driven from the host: the smoke test that later tests build on to put
// `outage-probe check` into any shaped network (src/lab/netns.ts). The inside script (inside/check.mjs) starts a
// drill scenario's lab world there when asked, shapes the host, runs bin/outage-probe and sends back its exit
// code, output and JSON report.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { namespaceSupport, runInNamespace, skipReason, toolSupport, type HostShape } from '../../src/lab/netns.js';

const CHECK = fileURLToPath(new URL('./inside/check.mjs', import.meta.url));
const THROUGH_UNBOUND = fileURLToPath(new URL('./inside/check-through-unbound.mjs', import.meta.url));

interface CheckRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
  report: Report | null;
}

async function checkInNamespace(spec: { scenario?: string; loopback?: boolean; shape?: HostShape; args: string[] }): Promise<CheckRun> {
  const run = await runInNamespace(CHECK, { args: [JSON.stringify(spec)], timeoutMs: 90_000 });
  expect(run.error).toBeUndefined();
  return run.value as CheckRun;
}

const reason = skipReason('network-namespace check tests', namespaceSupport());

describe.skipIf(reason !== null)('outage-probe check inside a network namespace', () => {
  it('the healthy lab world, started inside, comes back as exit 0 with every site ok', async () => {
    const run = await checkInNamespace({ scenario: 'healthy', args: ['check', '--config', '{config}', '--json'] });
    expect(run.timedOut).toBe(false);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.code).toBe(0);
    expect(run.report?.verdict).toBe('ok');
    expect(run.report?.sites.map((s) => s.status).filter((status) => status !== 'ok')).toEqual([]);
    expect(run.report?.sites.length).toBe(11);
  }, 120_000);

  // The README's first command on a host with no network at all: a fresh namespace has only lo, and it is down,
  // so every connect and send fails at once (ENETUNREACH). The packaged default must end with the local-network
  // verdict and exit 3, never a stack trace.
  it('on a host with no network, the packaged default ends with exit 3 and the local-network verdict', async () => {
    const run = await checkInNamespace({ loopback: false, args: ['check', '--json'] });
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.stderr).not.toMatch(/internal error/);
    expect(run.code).toBe(3);
    expect(run.report?.verdict).toBe('local-network');
    expect(run.report?.incidents).toEqual([]);
  }, 120_000);
});

const realDnsReason = skipReason('check through real unbound', namespaceSupport(), toolSupport([
  ['nsd', '-v'],
  ['unbound', '-V'],
]));

// The binary resolving through a real recursive resolver (src/lab/real-dns.ts) to HTTPS edges on the addresses
// the CNAME chains end in, IPv6 included: the setup issue 14's drills need. Which layer a failure is blamed on
// is for those rules to decide; here only that the run works end to end and sees what unbound sees.
describe.skipIf(realDnsReason !== null)('outage-probe check through unbound and NSD', () => {
  async function checkThroughUnbound(breaks: Array<{ server: string; how: string }>, trustAnchors?: string[]): Promise<CheckRun> {
    const run = await runInNamespace(THROUGH_UNBOUND, { args: [JSON.stringify({ breaks, ...(trustAnchors ? { trustAnchors } : {}) })], timeoutMs: 90_000 });
    expect(run.error).toBeUndefined();
    return run.value as CheckRun;
  }
  const statuses = (run: CheckRun) => Object.fromEntries(run.report?.sites.map((s) => [s.name, s.status]) ?? []);

  it('all authorities up: every site, behind the CDN chain or not, over IPv4 and IPv6, is ok (exit 0)', async () => {
    const run = await checkThroughUnbound([]);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.code).toBe(0);
    expect(statuses(run)).toEqual({ alpha: 'ok', beta: 'ok', gamma: 'ok' });
  }, 120_000);

  // Unbound answers what it really answers (SERVFAIL after its own timeouts, no EDE): the rules must still place
  // the failure at the zone the chains pass through, and never at the resolver.
  it('the CDN mapping zone\'s server stopped: the sites behind it fail at cdn-map.example, one authoritative-DNS incident, never the resolver', async () => {
    const run = await checkThroughUnbound([{ server: 'cdn-map', how: 'stop' }]);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.timedOut).toBe(false);
    expect(statuses(run)).toEqual({ alpha: 'down', beta: 'down', gamma: 'ok' });
    const site = (name: string) => run.report!.sites.find((s) => s.name === name)!;
    for (const name of ['alpha', 'beta']) {
      expect(site(name).failingZone).toMatchObject({ zone: 'cdn-map.example', own: false });
      expect(site(name).failingZone!.hop).toMatch(/\.a\.cdn-map\.example$/);
      expect(site(name).chain.slice(0, 2).map((h) => h.answeredBy)).toEqual([['unbound'], ['unbound']]);
      expect(site(name).blame).toMatchObject({ layer: 'authoritative-dns' });
    }
    expect(run.report!.incidents.map((i) => [i.kind, i.layer, i.provider, [...i.sites].sort()])).toEqual([['authoritative-dns', 'authoritative-dns', null, ['alpha', 'beta']]]);
    expect(run.report!.incidents[0]!.summary).toMatch(/the zone cdn-map\.example/);
    expect(run.code).toBe(2);
  }, 120_000);

  it('the sites\' own DNS server answers SERVFAIL: each is blamed on its own zone\'s authoritative DNS, no resolver, no provider', async () => {
    const run = await checkThroughUnbound([{ server: 'sitedns-a', how: 'servfail' }]);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(statuses(run)).toEqual({ alpha: 'down', beta: 'down', gamma: 'ok' });
    for (const name of ['alpha', 'beta']) {
      const s = run.report!.sites.find((x) => x.name === name)!;
      expect(s.failingZone).toMatchObject({ zone: `${name}.example`, own: true, provider: null });
      expect(s.blame).toMatchObject({ layer: 'authoritative-dns', provider: null });
    }
    expect(run.report!.incidents).toEqual([]);
    expect(run.code).toBe(1);
  }, 120_000);

  // Unbound validating with anchors for two zones it finds unsigned: both fail validation (EDE 9, as the real-dns
  // control shows), NS questions asked with CD still name their server, and the two zones on one name server host
  // are one DNSSEC incident for those servers, never the resolver's.
  it('two zones on one DNS host failing DNSSEC validation: one DNSSEC incident naming their name servers, no resolver blamed', async () => {
    const anchor = (zone: string) => `${zone}. DS 12345 13 2 ${'00'.repeat(32)}`;
    const run = await checkThroughUnbound([], [anchor('alpha.example'), anchor('beta.example')]);
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(statuses(run)).toEqual({ alpha: 'down', beta: 'down', gamma: 'ok' });
    for (const name of ['alpha', 'beta']) {
      const s = run.report!.sites.find((x) => x.name === name)!;
      expect(s.dns.filter((d) => d.type === 'A' && d.name === s.host).map((d) => [d.rcode, d.ede.map((e) => e.code)])).toEqual([['SERVFAIL', [9]]]);
      expect(s.dns.some((d) => d.type === 'NS' && d.outcome === 'ok' && d.values.includes('ns1.sitedns.example'))).toBe(true);
      expect(s.blame).toMatchObject({ layer: 'authoritative-dns', provider: null });
    }
    expect(run.report!.incidents.map((i) => [i.kind, i.layer, i.provider, [...i.sites].sort()])).toEqual([['authoritative-dns', 'authoritative-dns', null, ['alpha', 'beta']]]);
    expect(run.report!.incidents[0]!.summary).toMatch(/^DNSSEC incident \(name servers under sitedns\.example\): 2 of 2 sites fail DNSSEC validation at every resolver \(EDE 9/);
    expect(run.code).toBe(2);
  }, 120_000);
});
