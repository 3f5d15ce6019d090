// This host's way out gone during the run (correlate/way-out.ts), read directly: what a silence explains besides
// fetches (lookups and DNS questions), and what rules one out (a resolver beyond this network answering then). The
// site-level readings, with incidents and verdicts, are in servers.test.ts.

import { describe, expect, it } from 'vitest';
import { wayOutLost } from '../../src/correlate/way-out.js';
import type { HostSite } from '../../src/correlate/host.js';
import type { Attempt, DnsAnswer, ResolverSpec } from '../../src/model.js';
import { attempt, dnsAnswer } from '../support/records.js';

const RUN_BEGAN = Date.parse('2026-11-22T00:00:00.000Z');
const at = (ms: number) => new Date(RUN_BEGAN + ms).toISOString();
const timedOut = { httpStatus: null, error: { code: 'ETIMEDOUT', message: 'attempt timed out after 3000 ms' }, outcome: 'timeout' as const, expect: { ok: false, failures: ['no HTTP response'] } };

const served = (site: string, address: string, began: number): Attempt =>
  attempt({ id: `${site}|edge|${address}`, site, address, startedAt: at(began), timings: { connectMs: 1, tlsMs: 2, ttfbMs: 39, totalMs: 40 } });
const noConnection = (site: string, address: string, began: number): Attempt =>
  attempt({ ...timedOut, id: `${site}|edge|${address}`, site, address, startedAt: at(began), failedPhase: 'connect', timings: { connectMs: null, tlsMs: null, ttfbMs: null, totalMs: 3_000 } });
const lookupTimedOut = (site: string, began: number): Attempt =>
  attempt({ ...timedOut, outcome: 'dns-error', id: `${site}|edge|-`, site, address: null, startedAt: at(began), failedPhase: 'dns', error: { code: 'ETIMEDOUT', message: 'lookup timed out' }, timings: { connectMs: null, tlsMs: null, ttfbMs: null, totalMs: 5_000 } });

const hostSite = (a: Attempt): HostSite => ({ report: { name: a.site, attempts: [a] }, stack: { edge: null, origin: null, zone: null } });

// Two servers serve in the run's first 100 ms; then fetches begun at each get no answer to their connection, and a
// lookup and a DNS question asked then get no reply.
const world: Attempt[] = [
  served('a1', '198.51.100.7', 0),
  served('b1', '203.0.113.5', 20),
  served('a2', '198.51.100.7', 60),
  noConnection('a3', '198.51.100.7', 110),
  noConnection('b2', '203.0.113.5', 120),
  lookupTimedOut('c1', 130),
];
const questionLost: DnsAnswer = dnsAnswer({ resolver: 'lab', name: 'c1.test', outcome: 'timeout', rcode: null, values: [], startedAt: at(130), durationMs: 5_000, error: { code: 'ETIMEDOUT', message: 'query timed out' } });
const lab: ResolverSpec = { name: 'lab', kind: 'udp', address: '192.0.2.53', port: 53, provider: null };
const own: ResolverSpec = { name: 'own', kind: 'udp', address: '192.168.1.1', port: 53, provider: null };

describe("this host's way out gone during the run, read directly", () => {
  it('explains the fetches and the lookup begun then, and the DNS question that got no reply; most sites untested', () => {
    const found = wayOutLost(world.map(hostSite), [questionLost], [lab]);
    expect(found).not.toBeNull();
    expect(world.filter((a) => found!.explains(a)).map((a) => a.site)).toEqual(['a3', 'b2', 'c1']);
    expect(found!.explainsAnswer(questionLost)).toBe(true);
    expect(found!.note).toMatch(/at 00:00:00\.10 UTC: nothing came back from any network after it — 2 sites fetched after it at 2 networks .* nor did 1 DNS question asked then/);
    expect(found!.mostUntested).toBe(true);
  });

  it('control: a reply from a resolver beyond this network while those connections waited — the way out worked: nothing', () => {
    const reply = dnsAnswer({ resolver: 'lab', name: 'd1.test', startedAt: at(400), durationMs: 5 });
    expect(wayOutLost(world.map(hostSite), [questionLost, reply], [lab])).toBeNull();
  });

  it("a reply from this network's own resolver (its router, from cache) says nothing of the way out", () => {
    const reply = dnsAnswer({ resolver: 'own', name: 'd1.test', startedAt: at(400), durationMs: 5 });
    expect(wayOutLost(world.map(hostSite), [questionLost, reply], [lab, own])).not.toBeNull();
  });

  it('control: one network silent after the others were done is that network, not the way out', () => {
    expect(wayOutLost(world.filter((a) => a.site !== 'b2').map(hostSite), [], [lab])).toBeNull();
  });
});
