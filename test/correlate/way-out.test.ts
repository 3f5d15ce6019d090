// This host's way out gone during the run (correlate/way-out.ts), read directly: what a silence explains besides
// fetches (lookups and DNS questions), and what rules one out (a resolver beyond this network answering then). The
// site-level readings, with incidents and verdicts, are in servers.test.ts.

import { describe, expect, it } from 'vitest';
import { wayOutLost } from '../../src/correlate/way-out.js';
import { hostFindings, type HostSite } from '../../src/correlate/host.js';
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

  describe('a blip as the run began: nothing had been served yet', () => {
    // The resolver beyond this network replies at 10 ms; fetches begun at 20 ms at three networks open their
    // connections and their TLS handshakes are cut (nothing comes back for 3 s); then every network serves, the first
    // tries among them asked again alone (measured in a namespace: "server … limits this probe's fetches at once
    // (each served alone)" for each of three servers, and no silence seen: no network had served before it).
    const handshakeCut = (site: string, address: string, began: number): Attempt =>
      attempt({ ...timedOut, id: `${site}|edge|${address}`, site, address, startedAt: at(began), failedPhase: 'tls', timings: { connectMs: 5, tlsMs: null, ttfbMs: null, totalMs: 3_000 } });
    const servedAlone = (site: string, address: string, began: number): Attempt => ({
      ...served(site, address, 3_100 + began),
      crowded: { atOnce: 8, first: { httpStatus: null, error: { code: 'ETIMEDOUT', message: 'attempt timed out after 3000 ms' }, failedPhase: 'connect', startedAt: at(began), totalMs: 3_000 } },
    });
    const resolverReply = dnsAnswer({ resolver: 'lab', name: 'h1.test', startedAt: at(5), durationMs: 5 });
    const early = [handshakeCut('h1', '198.51.100.7', 20), handshakeCut('h2', '203.0.113.5', 20), handshakeCut('h3', '192.0.2.9', 21)];
    const alone = [servedAlone('c1', '198.51.100.7', 22), servedAlone('c2', '203.0.113.5', 22), servedAlone('c3', '192.0.2.9', 23), servedAlone('c4', '198.51.100.7', 24)];

    it('said as the way out, with both moments; the cut fetches untested, the first tries no limit of any server', () => {
      const sites = [...early, ...alone].map(hostSite);
      const found = wayOutLost(sites, [resolverReply], [lab]);
      expect(found).not.toBeNull();
      expect(found!.note).toMatch(/^this host's way out stopped answering during this run, from 00:00:00\.02 to 00:00:03\.16 UTC \(3\.14s\): nothing came back from any network then — 3 sites fetched then at 3 networks that answered before or after it/);
      expect(early.every((a) => found!.explains(a))).toBe(true);
      const host = hostFindings(sites, [resolverReply], [lab]);
      expect(host.report.notes.join(' ')).toMatch(/way out stopped answering/);
      expect(host.report.notes.join(' ')).not.toMatch(/limit/);
    });

    it('control: three networks that never serve (TLS cut at each, nothing served after) are no blip', () => {
      expect(wayOutLost(early.map(hostSite), [resolverReply], [lab])).toBeNull();
    });

    it('control: another network answering every half second meanwhile — no silence: those handshakes are their servers\'', () => {
      const other = [400, 900, 1_400, 1_900, 2_400, 2_900].map((began, i) => served(`o${i}`, '192.0.2.77', began));
      expect(wayOutLost([...early, ...alone, ...other].map(hostSite), [resolverReply], [lab])).toBeNull();
    });
  });
});
