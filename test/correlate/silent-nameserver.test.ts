// A dead name server ahead of a working one in resolv.conf: every site answers, every lookup on this host waits.
// Over recorded answers and direct asks (probe/dns/nameserver-asks.ts); each control is a layout where the same
// asks or the same slow answers have another cause, and nothing is said.

import { describe, expect, it } from 'vitest';
import { decideVerdict } from '../../src/correlate/verdict.js';
import { silentNameservers } from '../../src/correlate/silent-nameserver.js';
import type { DnsAnswer, NameserverReply, ResolverSpec, SystemNameservers } from '../../src/model.js';
import { attributeServedSites } from '../support/pipeline.js';
import { dnsAnswer } from '../support/records.js';

const SILENT: NameserverReply = { address: '192.168.1.1', rcode: null, ms: 2000, error: 'ETIMEDOUT' };
const ANSWERS: NameserverReply = { address: '192.168.53.53', rcode: 'NOERROR', ms: 3, error: null };

function systemAsking(replies: NameserverReply[], via: SystemNameservers['via'] = null, options: Pick<SystemNameservers, 'timeout' | 'rotate'> = {}): ResolverSpec {
  return { name: 'system', kind: 'system', provider: null, nameservers: { addresses: replies.map((r) => r.address), file: '/etc/resolv.conf', via, replies, ...options } };
}
const google: ResolverSpec = { name: 'google', kind: 'udp', address: '8.8.8.8', port: 53, provider: 'Google' };

/** Each site's A answer from the system resolver after `systemMs`, and from google after 20 ms. */
function answersFor(names: string[], systemMs: (i: number) => number): DnsAnswer[] {
  return names.flatMap((name, i) => [
    dnsAnswer({ resolver: 'system', name, transport: 'system', server: 'system', rcode: null, durationMs: systemMs(i), values: [`127.0.1.${i + 1}`] }),
    dnsAnswer({ resolver: 'google', name, durationMs: 20, values: [`127.0.1.${i + 1}`] }),
  ]);
}

const NAMES = ['a.test', 'b.test', 'c.test'];
const slow = (i: number) => 1040 + i * 60;

describe('a silent name server ahead of one that answers', () => {
  it('is said with its evidence, and every site stays ok (exit 0, no incident)', () => {
    const resolvers = [systemAsking([SILENT, ANSWERS]), google];
    const r = attributeServedSites(NAMES, resolvers, answersFor(NAMES, slow));
    const verdict = decideVerdict(r.sites, r.local, r.incidents, r.host);
    expect(verdict).toMatchObject({ verdict: 'ok', exitCode: 0 });
    expect(verdict.summary).toBe("All 3 sites ok; this host's first name server 192.168.1.1 does not answer: every lookup here waits for the next");
    expect(r.host.notes).toEqual([
      "/etc/resolv.conf's first name server 192.168.1.1 does not answer — asked directly, no reply in 2.00s — while 192.168.53.53, listed after, does (in 3ms): " +
        "getaddrinfo asks the servers in order and waits for each silent one its whole timeout (5 s, resolv.conf's default) before the next, so every lookup on this host is answered late — " +
        "this run's own, which wait 1.00s, took 1.04s–1.16s, against 20ms (median) at the other resolvers; remove 192.168.1.1 from /etc/resolv.conf or bring it back",
    ]);
    expect(r.incidents).toEqual([]);
  });

  it("says the file's own wait, and with options rotate that lookups coming to it first wait", () => {
    const waits = silentNameservers(answersFor(NAMES, slow), [systemAsking([SILENT, ANSWERS], null, { timeout: 2 })]);
    expect(waits?.note).toMatch(/getaddrinfo asks the servers in order and waits for each silent one its whole timeout \(2 s: options timeout:2\) before the next, so every lookup on this host is answered late/);
    const rotating = silentNameservers(answersFor(NAMES, slow), [systemAsking([SILENT, ANSWERS], null, { rotate: true })]);
    expect(rotating?.note).toMatch(/getaddrinfo asks the servers in turn \(options rotate\) and waits for a silent one its whole timeout \(5 s, resolv\.conf's default\) before the next, so lookups on this host that come to it first are answered late/);
    expect(rotating?.short).toBe("this host's first name server 192.168.1.1 does not answer: lookups here wait for the next");
  });

  it('over an address family this host cannot reach: the server is not blamed, the wait is said as that family\'s', () => {
    const v6Answers: NameserverReply = { ...ANSWERS, address: 'fd00:53::53' };
    const v4Broken = silentNameservers(answersFor(NAMES, slow), [systemAsking([SILENT, v6Answers])], new Set([4]));
    expect(v4Broken?.short).toBe("this host's first name server 192.168.1.1 does not answer over IPv4: every lookup here waits for the next");
    expect(v4Broken?.note).toMatch(/^\/etc\/resolv\.conf's first name server 192\.168\.1\.1 does not answer, as nothing over IPv4 does from here — asked directly, .* mend this host's IPv4, or list fd00:53::53 first in \/etc\/resolv\.conf$/);
    expect(silentNameservers(answersFor(NAMES, slow), [systemAsking([SILENT, v6Answers])], new Set([6]))?.short).toBe("this host's first name server 192.168.1.1 does not answer: every lookup here waits for the next");
    // A server silent in its own right is the one said, beside one the broken family explains.
    const v6Silent: NameserverReply = { ...SILENT, address: 'fd00:53::1' };
    expect(silentNameservers(answersFor(NAMES, slow), [systemAsking([v6Silent, SILENT, ANSWERS])], new Set([6]))?.short).toBe("this host's name server 192.168.1.1 does not answer: every lookup here waits for the next");
  });

  it("counts lookups that ran out of time: behind two silent servers the run's own wait can end before the third answers", () => {
    const twoSilent = [SILENT, { ...SILENT, address: '192.168.1.2' }, ANSWERS];
    const outOfTime = answersFor(NAMES, () => 2000).map((d) => (d.resolver === 'system' ? { ...d, outcome: 'timeout' as const, values: [], error: { code: 'ETIMEDOUT', message: 'no answer within 2000 ms' } } : d));
    const found = silentNameservers(outOfTime, [systemAsking(twoSilent)]);
    expect(found?.short).toBe("this host's name servers 192.168.1.1 and 192.168.1.2 do not answer: every lookup here waits for the next");
    expect(found?.note).toMatch(/this run's own, which wait 1\.00s, took 2\.00s–2\.00s \(3 of 3 ran out of time first\), against 20ms \(median\) at the other resolvers/);
    // Failing at once (EAI_AGAIN with nothing waited: no route, no server) is not a wait.
    const atOnce = outOfTime.map((d) => (d.resolver === 'system' ? { ...d, durationMs: 2, error: { code: 'EAI_AGAIN', message: 'getaddrinfo EAI_AGAIN' } } : d));
    expect(silentNameservers(atOnce, [systemAsking(twoSilent)])).toBeNull();
  });

  it('names every silent server ahead of the first that answers, whichever place it holds', () => {
    const refusing: NameserverReply = { address: '10.0.0.2', rcode: null, ms: 1, error: 'ECONNREFUSED' };
    const found = silentNameservers(answersFor(NAMES, slow), [systemAsking([refusing, SILENT, ANSWERS])]);
    expect(found?.short).toBe("this host's name server 192.168.1.1 does not answer: every lookup here waits for the next");
    const two = silentNameservers(answersFor(NAMES, slow), [systemAsking([SILENT, { ...SILENT, address: '192.168.1.2' }, ANSWERS])]);
    expect(two?.short).toBe("this host's name servers 192.168.1.1 and 192.168.1.2 do not answer: every lookup here waits for the next");
  });
});

describe('controls: nothing is said', () => {
  it('when the lookups were not slow (the server is silent only to a direct question, not to getaddrinfo)', () => {
    expect(silentNameservers(answersFor(NAMES, () => 12), [systemAsking([SILENT, ANSWERS])])).toBeNull();
  });

  it('when the server ahead refuses or cannot be routed to: getaddrinfo moves on at once', () => {
    for (const error of ['ECONNREFUSED', 'ENETUNREACH']) {
      expect(silentNameservers(answersFor(NAMES, slow), [systemAsking([{ ...SILENT, ms: 1, error }, ANSWERS])])).toBeNull();
    }
  });

  it('when the wait was cut short (by the deadline) before a server could be called silent', () => {
    expect(silentNameservers(answersFor(NAMES, slow), [systemAsking([{ ...SILENT, ms: 300 }, ANSWERS])])).toBeNull();
  });

  it('when the silent server is listed after the one that answers, or no server answers', () => {
    expect(silentNameservers(answersFor(NAMES, slow), [systemAsking([ANSWERS, SILENT])])).toBeNull();
    expect(silentNameservers(answersFor(NAMES, slow), [systemAsking([SILENT])])).toBeNull();
  });

  it('with systemd-resolved between: it keeps asking the uplink that answers', () => {
    expect(silentNameservers(answersFor(NAMES, slow), [systemAsking([SILENT, ANSWERS], 'systemd-resolved')])).toBeNull();
  });

  it('when the slow answers came from /etc/hosts, or were never asked (the deadline, a resolver given up on)', () => {
    const fromFile = answersFor(NAMES, slow).map((d) => (d.resolver === 'system' ? { ...d, server: '/etc/hosts' } : d));
    expect(silentNameservers(fromFile, [systemAsking([SILENT, ANSWERS])])).toBeNull();
    const notSent = answersFor(NAMES, slow).map((d) => (d.resolver === 'system' ? { ...d, outcome: 'timeout' as const, values: [], error: { code: 'NOT_PROBED', message: 'not sent: deadline' } } : d));
    expect(silentNameservers(notSent, [systemAsking([SILENT, ANSWERS])])).toBeNull();
  });
});
