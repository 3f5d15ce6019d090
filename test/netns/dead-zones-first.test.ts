// Names nobody answers for, first in the list: their lookups hang, and must not make the resolvers that answer the
// rest look broken. The host's own resolver is getaddrinfo, whose lookups each hold a thread of libuv's pool until
// glibc gives up (10 s with its defaults); handed to the pool all at once, the healthy names' lookups waited behind
// them and read as "Resolver system failing: timeout for 24 of 30 names", exit 2 (probe/dns/system.ts). And the
// process must end by its deadline, though those lookups outlast it.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { namespaceSupport, runInNamespace, skipReason } from '../../src/lab/netns.js';

const INSIDE = fileURLToPath(new URL('./inside/dead-zones-first.mjs', import.meta.url));

interface Run {
  code: number | null;
  stderr: string;
  report: Report;
  ms: number;
}

async function check(spec: { dead: number; healthy: number; deadline: string; doh?: 'named' | 'dropped' }): Promise<Run> {
  const run = await runInNamespace(INSIDE, { args: [JSON.stringify(spec)], timeoutMs: 120_000 });
  expect(run.error).toBeUndefined();
  const value = run.value as Run;
  expect(value.stderr).not.toMatch(/^\s+at /m);
  expect(value.report, value.stderr).not.toBeNull();
  console.log(`${spec.dead} dead first, ${spec.healthy} healthy: exit ${value.code}, ${value.ms} ms: ${value.report.summary}`);
  return value;
}

const statuses = (r: Report) => {
  const count: Record<string, number> = {};
  for (const s of r.sites) count[`${s.name.replace(/\d+$/, '')}:${s.status}`] = (count[`${s.name.replace(/\d+$/, '')}:${s.status}`] ?? 0) + 1;
  return count;
};

describe.skipIf(skipReason('dead-zone tests', namespaceSupport()) !== null)('zones nobody answers for, first in the list', () => {
  it('the system resolver answers the healthy names: no resolver is blamed, the dead zones are their own', async () => {
    const { code, report } = await check({ dead: 10, healthy: 24, deadline: '40s' });
    expect(report.incidents).toEqual([]);
    expect(statuses(report)).toEqual({ 'dead:down': 10, 'ok:ok': 24 });
    const healthySystem = report.sites.filter((s) => s.name.startsWith('ok')).flatMap((s) => s.dns.filter((d) => d.resolver === 'system' && d.type === 'A'));
    expect(healthySystem.map((d) => d.outcome)).toEqual(Array(24).fill('ok'));
    // The dead names ran out of time while the system resolver answered the rest, but no resolver replied to them:
    // their zones' failure, not drops — none was asked again (that would hold up a DNS host's outage), none is said.
    expect(report.resolvers.find((r) => r.kind === 'system')!.askedAgain).toBeUndefined();
    expect(report.summary).not.toMatch(/dropped/);
    expect(code).toBe(1);
  }, 150_000);

  it('more dead names first than a resolver has slots: the resolvers are still asked the rest, never "the local network"', async () => {
    // The first 64 questions at each resolver were all for dead zones: both read as silent, their other questions
    // were not sent, and the run said "Local network problem: no reply from any of 2 resolvers", exit 3.
    const { code, report } = await check({ dead: 40, healthy: 24, deadline: '40s' });
    expect(report.verdict).not.toBe('local-network');
    expect(report.incidents).toEqual([]);
    expect(statuses(report)).toEqual({ 'dead:down': 40, 'ok:ok': 24 });
    expect(code).toBe(1);
  }, 150_000);

  it("ends by its deadline though glibc's lookups of the dead names run on (10 s): the process does not wait for them", async () => {
    // getaddrinfo cannot be cancelled and libuv joins its pool at exit: with the lookups in this process, exit came
    // only when glibc gave up, 10 s after they started, whatever the deadline (util/lookup-helper.ts).
    const { code, report, ms } = await check({ dead: 4, healthy: 2, deadline: '4s' });
    expect(statuses(report)).toEqual({ 'dead:down': 4, 'ok:ok': 2 });
    expect(code).toBe(1);
    expect(ms).toBeLessThan(8000);
  }, 150_000);

  it("a DoH server named in a dead zone: the run ends by its deadline, and that resolver is one this host could not ask, not one failing", async () => {
    // The DoH server's name is looked up by getaddrinfo for its connection. In this process, that lookup held the
    // exit for glibc's 10 s; and undici honours an abort only once connected, so each query waited for its 10 s
    // connect timeout: the 4 s run ended after 10.5 s. Its queries read as the DoH resolver failing every name.
    const { code, report, ms } = await check({ dead: 4, healthy: 2, deadline: '4s', doh: 'named' });
    expect(ms).toBeLessThan(8000);
    expect(report.incidents).toEqual([]);
    expect(report.host.blockedResolvers).toEqual(['doh']);
    expect(report.host.notes).toEqual([
      "doh could not be asked: this host's resolver gave no address for its server (dns.dead1.test), which DNS-over-HTTPS needs to reach it; names were judged on the other resolvers",
    ]);
    expect(statuses(report)).toEqual({ 'dead:down': 4, 'ok:ok': 2 });
    expect(code).toBe(1);
  }, 150_000);

  it('a DoH server whose packets are dropped: each query ends at its 3 s timeout, not at undici\'s 10 s connect timeout', async () => {
    const { report, ms } = await check({ dead: 0, healthy: 2, deadline: '20s', doh: 'dropped' });
    const asked = report.sites.flatMap((s) => s.dns.filter((d) => d.resolver === 'doh'));
    expect(asked.length).toBeGreaterThan(0);
    for (const d of asked) {
      expect(d.outcome).toBe('timeout');
      expect(d.durationMs).toBeLessThan(4000);
    }
    expect(ms).toBeLessThan(8000);
  }, 150_000);
});
