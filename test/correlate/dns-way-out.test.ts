// This host's way to DNS gone during the run (correlate/dns-way-out.ts), read directly and through the host findings:
// resolvers of two operators replied, then answered nothing — not the rest of the run's questions, not the loss
// probes. What rules it out: one operator only (its outage is its own), the loss probes answered (resolvers timing out
// on a dead zone's names still answer from their cache: a DNS host's outage), a resolver that never replied, a
// question or two lost.

import { describe, expect, it } from 'vitest';
import { dnsWayOutLost } from '../../src/correlate/dns-way-out.js';
import { hostFindings, type HostSite } from '../../src/correlate/host.js';
import type { Attempt, DnsAnswer, LossProbe, ResolverSpec } from '../../src/model.js';
import { attempt, dnsAnswer } from '../support/records.js';

const RUN_BEGAN = Date.parse('2026-11-22T00:00:00.000Z');
const at = (ms: number) => new Date(RUN_BEGAN + ms).toISOString();

const resolver = (name: string, address: string, provider: string | null = null): ResolverSpec => ({ name, kind: 'udp', address, port: 53, provider });
const alpha = resolver('alpha', '192.0.2.53');
const beta = resolver('beta', '198.51.100.53');

const answered = (r: string, name: string, began: number): DnsAnswer => dnsAnswer({ resolver: r, name, values: ['203.0.113.10'], startedAt: at(began), durationMs: 5 });
const ranOut = (r: string, name: string, began: number): DnsAnswer =>
  dnsAnswer({ resolver: r, name, outcome: 'timeout', rcode: null, values: [], startedAt: at(began), durationMs: 3_000, error: { code: 'ETIMEDOUT', message: 'no reply within 3000 ms' } });
const served = (site: string, r: string, began: number): Attempt =>
  attempt({ id: `${site}|edge|${r}`, site, url: `https://${site}.test/`, resolver: r, resolvers: [r], address: '203.0.113.10', startedAt: at(began), timings: { connectMs: 1, tlsMs: 2, ttfbMs: 39, totalMs: 400 } });
const noAddress = (site: string, r: string, began: number): Attempt =>
  attempt({
    id: `${site}|edge|${r}`,
    site,
    url: `https://${site}.test/`,
    resolver: r,
    resolvers: [r],
    address: null,
    family: null,
    startedAt: at(began),
    outcome: 'dns-error',
    failedPhase: 'dns',
    layer: 'resolver',
    httpStatus: null,
    error: { code: 'ETIMEDOUT', message: 'no reply within 3000 ms' },
    expect: { ok: false, failures: [] },
    timings: { connectMs: null, tlsMs: null, ttfbMs: null, totalMs: 3_000 },
  });

const siteOf = (name: string, attempts: Attempt[]): HostSite => ({ report: { name, attempts }, stack: { edge: null, origin: null, zone: null } });

// Sites a1–a2 resolved at both before 200 ms and served after it; b1–b4 asked from 300 ms on, answered by nobody.
const early = ['a1', 'a2'];
const late = ['b1', 'b2', 'b3', 'b4'];
const sites = [...early.map((n, i) => siteOf(n, [served(n, 'alpha', 100 + i * 10), served(n, 'beta', 100 + i * 10)])), ...late.map((n, i) => siteOf(n, [noAddress(n, 'alpha', 300 + i * 10), noAddress(n, 'beta', 300 + i * 10)]))];
const dns = [
  ...early.flatMap((n, i) => [answered('alpha', `${n}.test`, 50 + i * 10), answered('beta', `${n}.test`, 60 + i * 10)]),
  ...late.flatMap((n, i) => [ranOut('alpha', `${n}.test`, 300 + i * 10), ranOut('beta', `${n}.test`, 300 + i * 10)]),
];
const silentProbes = new Map<string, LossProbe>([
  ['alpha', { sent: 16, answered: 0 }],
  ['beta', { sent: 16, answered: 0 }],
]);

describe("this host's way to DNS gone during the run, read directly", () => {
  it('explains the lookups and questions that got no reply after it; the note names the moment, the resolvers and the control', () => {
    const found = dnsWayOutLost(sites, dns, [alpha, beta], silentProbes);
    expect(found).not.toBeNull();
    const failed = sites.flatMap((s) => s.report.attempts).filter((a) => a.outcome !== 'ok');
    expect(failed.filter((a) => found!.explains(a)).map((a) => a.id)).toEqual(failed.map((a) => a.id));
    expect(dns.filter((d) => found!.explainsAnswer(d)).map((d) => d.name)).toEqual(late.flatMap((n) => [`${n}.test`, `${n}.test`]));
    expect(found!.note).toMatch(
      /^this host's way to DNS stopped answering during this run: alpha, beta \(2 operators\) replied to 4 questions, then to none after 00:00:00\.07 UTC — not to the 8 questions asked then, nor to 32 questions every resolver answers from its cache, while 2 sites were still served after it: .*; 4 sites whose names were asked then \(b1, b2, b3, b4\) were not tested from here$/,
    );
    expect(found!.mostUntested).toBe(true);
  });

  it('names the operators where it knows them', () => {
    const found = dnsWayOutLost(sites, dns, [resolver('alpha', '192.0.2.53', 'Cloudflare'), resolver('beta', '198.51.100.53', 'Google')], silentProbes);
    expect(found!.note).toMatch(/^this host's way to DNS stopped answering during this run: alpha, beta \(Cloudflare, Google\) replied to 4 questions/);
  });

  it('through the host findings: the local verdict with it as the evidence, every failure explained', () => {
    const host = hostFindings(sites, dns, [alpha, beta], null, silentProbes);
    expect(host.local.down).toBe(true);
    expect(host.local.evidence).toEqual([expect.stringMatching(/^this host's way to DNS stopped answering during this run/)]);
    expect(host.report.notes).toEqual([expect.stringMatching(/no resolver beyond this network answered after a moment of the run/)]);
    expect(sites.flatMap((s) => s.report.attempts).filter((a) => a.outcome !== 'ok' && !host.explains(a))).toEqual([]);
    expect(dns.filter((d) => d.outcome !== 'ok' && !host.explainsAnswer(d))).toEqual([]);
  });

  it('control: the loss probes answered (resolvers timing out on a dead zone still answer from their cache): nothing', () => {
    const probes = new Map<string, LossProbe>([
      ['alpha', { sent: 16, answered: 16 }],
      ['beta', { sent: 16, answered: 16 }],
    ]);
    expect(dnsWayOutLost(sites, dns, [alpha, beta], probes)).toBeNull();
    expect(hostFindings(sites, dns, [alpha, beta], null, probes).local.down).toBe(false);
  });

  it("control: both resolvers one operator's (its outage, not this host's way): nothing", () => {
    expect(dnsWayOutLost(sites, dns, [resolver('alpha', '192.0.2.53', 'Cloudflare'), resolver('beta', '198.51.100.53', 'Cloudflare')], silentProbes)).toBeNull();
  });

  it('control: a resolver that never replied is no resolver that went silent', () => {
    const neverBeta = dns.filter((d) => d.resolver !== 'beta' || d.outcome !== 'ok');
    expect(dnsWayOutLost(sites, neverBeta, [alpha, beta], silentProbes)).toBeNull();
  });

  it('control: two questions unanswered after the last reply are too few to call a silence', () => {
    const fewer = dns.filter((d) => d.outcome === 'ok' || ['b1.test', 'b2.test'].includes(d.name));
    expect(dnsWayOutLost(sites, fewer, [alpha, beta], silentProbes)).toBeNull();
  });

  it("control: this network's own resolvers (private addresses) say nothing of the way beyond it", () => {
    expect(dnsWayOutLost(sites, dns, [resolver('alpha', '192.168.1.1'), resolver('beta', '10.0.0.53')], silentProbes)).toBeNull();
  });
});
