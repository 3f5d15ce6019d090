// This host's resolver dropping the run's own lookups (a limit on how fast one client may ask): lookups that ran out
// of time while it answered others, answered when asked again (probe/session.ts). Over recorded answers: the note,
// the headline and the verdict; each control is a layout where asking again proved nothing, and nothing is said.

import { describe, expect, it } from 'vitest';
import { decideVerdict } from '../../src/correlate/verdict.js';
import { droppedLookups } from '../../src/correlate/dropped-lookups.js';
import type { LookupsAskedAgain, ResolverSpec } from '../../src/model.js';
import { attributeServedSites } from '../support/pipeline.js';
import { dnsAnswer } from '../support/records.js';

const system = (askedAgain?: LookupsAskedAgain): ResolverSpec => ({ name: 'system', kind: 'system', provider: null, ...(askedAgain ? { askedAgain } : {}) });
const google: ResolverSpec = { name: 'google', kind: 'udp', address: '8.8.8.8', port: 53, provider: 'Google' };
const NAMES = ['a.test', 'b.test', 'c.test'];
const ALL_ANSWERED: LookupsAskedAgain = { ranOut: 33, asked: 33, answered: 33, names: ['s20.list.example', 's19.list.example', 's18.list.example', 's17.list.example', 's22.list.example'], pacedAt: 4 };

describe("this host's resolver dropping the run's own lookups", () => {
  it('is said once as the run’s load, the sites judged on the answers given when asked again: ok, exit 0, no incident', () => {
    const resolvers = [system(ALL_ANSWERED), google];
    const answers = NAMES.flatMap((name, i) => [
      dnsAnswer({ resolver: 'system', name, transport: 'system', server: 'system', rcode: null, durationMs: 3, values: [`127.0.1.${i + 1}`] }),
      dnsAnswer({ resolver: 'google', name, durationMs: 20, values: [`127.0.1.${i + 1}`] }),
    ]);
    const r = attributeServedSites(NAMES, resolvers, answers);
    const verdict = decideVerdict(r.sites, r.local, r.incidents, r.host);
    expect(verdict).toMatchObject({ verdict: 'ok', exitCode: 0 });
    expect(verdict.summary).toBe("All 3 sites ok; this host's resolver dropped 33 lookups under this run's load (each answered when asked again)");
    expect(r.host.notes).toEqual([
      "resolver system (getaddrinfo) let 33 lookups run out of time while it replied to this run's others; asked again, a few at a time, all 33 were answered (s20.list.example, s19.list.example, s18.list.example, …) — " +
        "it drops what comes too fast: something on its way limits how fast one client may ask (AWS's VPC resolver drops a client's packets beyond 1,024 a second per network interface; unbound's ip-ratelimit; a router's dnsmasq beyond --dns-forward-max), or it is overloaded; " +
        "this run's own load, not the sites' DNS (from the first drop on, the run paced its lookups there, down to 4 a second) — lower `concurrency` in probes.yaml, or run a caching resolver on this host",
    ]);
    expect(r.incidents).toEqual([]);
  });

  it('says how many were not answered again, or not asked, and that their sites are judged on that', () => {
    const some = droppedLookups([system({ ranOut: 10, asked: 8, answered: 6, names: ['a.test'] })]);
    expect(some?.notes[0]).toMatch(/asked again, a few at a time, 6 of 10 were answered \(a\.test, …\); 2 were not answered again either and 2 not asked again, and their sites are judged on that — /);
    expect(some?.short).toEqual(["this host's resolver dropped 10 lookups under this run's load (6 answered when asked again)"]);
    const cut = droppedLookups([system({ ranOut: 5, asked: 4, answered: 4, names: ['a.test', 'b.test'] })]);
    expect(cut?.notes[0]).toMatch(/4 of 5 were answered \(a\.test, b\.test, …\); 1 more was not asked again \(the deadline was near\), and its site is judged on the first try — /);
    const one = droppedLookups([system({ ranOut: 1, asked: 1, answered: 1, names: ['a.test'] })]);
    expect(one?.notes[0]).toMatch(/let 1 lookup run out of time .* it was answered \(a\.test\) — /);
    expect(one?.notes[0]).not.toMatch(/paced/);
  });

  it('a resolver asked over UDP is said by its name and address, its queries counted as queries; each dropping resolver said once', () => {
    const corp: ResolverSpec = { name: 'corp', kind: 'udp', address: '10.0.0.2', port: 53, provider: null, askedAgain: { ranOut: 35, asked: 35, answered: 35, names: ['s31.list.example'], pacedAt: 12 } };
    const both = droppedLookups([system(ALL_ANSWERED), corp, google]);
    expect(both?.short).toEqual([
      "this host's resolver dropped 33 lookups under this run's load (each answered when asked again)",
      "resolver corp dropped 35 queries under this run's load (each answered when asked again)",
    ]);
    expect(both?.notes[1]).toMatch(/^resolver corp \(10\.0\.0\.2\) let 35 queries run out of time while it replied to this run's others; asked again, a few at a time, all 35 were answered \(s31\.list\.example, …\) — /);
    expect(both?.notes[1]).toMatch(/the run paced its queries there, down to 12 a second\) — lower `concurrency` in probes\.yaml$/);
  });

  it('on a path that loses packets, questions answered when asked again are that loss: the loss is said, not drops under load', () => {
    const quad9: ResolverSpec = { name: 'quad9', kind: 'udp', address: '9.9.9.9', port: 53, provider: 'Quad9' };
    const resolvers: ResolverSpec[] = [{ ...google, askedAgain: { ranOut: 2, asked: 2, answered: 2, names: ['a.test'] } }, quad9];
    const answers = NAMES.flatMap((name, i) => [dnsAnswer({ resolver: 'google', name, durationMs: 20, values: [`127.0.1.${i + 1}`] }), dnsAnswer({ resolver: 'quad9', name, durationMs: 20, values: [`127.0.1.${i + 1}`] })]);
    const lossProbes = new Map([['google', { sent: 16, answered: 11 }], ['quad9', { sent: 16, answered: 12 }]]);
    const r = attributeServedSites(NAMES, resolvers, answers, { minSites: 2, lossProbes });
    expect(r.host.notes.join('\n')).toMatch(/this host's path loses packets/);
    expect(r.host.notes.join('\n')).not.toMatch(/this run's own load/);
    // Without the loss measured, the same record is said as drops under load.
    const unmeasured = attributeServedSites(NAMES, resolvers, answers);
    expect(unmeasured.host.notes.join('\n')).toMatch(/resolver google \(8\.8\.8\.8\) let 2 queries run out of time .* this run's own load/);
  });

  it("behind a silent name server, this host's resolver's lookups that ran out were waiting for it: that is said, not drops under load", () => {
    const silentFirst: ResolverSpec = {
      ...system(ALL_ANSWERED),
      nameservers: {
        addresses: ['192.168.1.1', '192.168.53.53'],
        file: '/etc/resolv.conf',
        via: null,
        replies: [
          { address: '192.168.1.1', rcode: null, ms: 2000, error: 'ETIMEDOUT' },
          { address: '192.168.53.53', rcode: 'NOERROR', ms: 3, error: null },
        ],
      },
    } as ResolverSpec;
    const answers = NAMES.flatMap((name, i) => [
      dnsAnswer({ resolver: 'system', name, transport: 'system', server: 'system', rcode: null, durationMs: 1040 + i * 60, values: [`127.0.1.${i + 1}`] }),
      dnsAnswer({ resolver: 'google', name, durationMs: 20, values: [`127.0.1.${i + 1}`] }),
    ]);
    const r = attributeServedSites(NAMES, [silentFirst, google], answers);
    expect(r.host.notes.join('\n')).toMatch(/first name server 192\.168\.1\.1 does not answer/);
    expect(r.host.notes.join('\n')).not.toMatch(/this run's own load/);
  });

  it('says nothing when no lookup was answered when asked again (a zone it cannot reach fails every ask), or none ran out', () => {
    expect(droppedLookups([system({ ranOut: 4, asked: 4, answered: 0, names: [] }), google])).toBeNull();
    expect(droppedLookups([system({ ranOut: 3, asked: 0, answered: 0, names: [] })])).toBeNull();
    expect(droppedLookups([system(), google])).toBeNull();
    expect(droppedLookups([google])).toBeNull();
  });
});
