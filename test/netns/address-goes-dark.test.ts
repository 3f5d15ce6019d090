// An address that stops answering while the run is under way (correlate/onset.ts): the sites served there first are
// no control against it. Before, forty sites at a self-hosted server that went dark after its twelfth request read
// "32 down (s9, …) of 160 sites; no shared cause found" (exit 1), and one stop at a Fastly address made two
// incidents — its network's (connections it no longer took) and "Fastly edge incident (partial): 8 of 40 … accepting
// requests and never answering" (the requests in flight) — or, with fewer than half its sites failing to connect,
// the latter alone "(+16 sites down outside it)". The control: this host's way out gone at that moment (every
// address dark at once, each having served some) blames nobody; without the control in time onset.ts asks for, it
// read as four servers that each "stopped answering during this run". It is said as the way out now
// (correlate/way-out.ts): before, "no shared cause found" (exit 1), and a server whose pages were still on their
// way then was blamed as "none is served from it in this run". Both for a while, then back: the server's own stretch
// (onset.ts) is its incident said with both moments; the way out's (way-out.ts) leaves the sites waiting then untested.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { namespaceSupport, runInNamespace, skipReason, toolSupport } from '../../src/lab/netns.js';
import { expectValidReport } from '../support/schema.js';

const INSIDE = fileURLToPath(new URL('./inside/address-goes-dark.mjs', import.meta.url));
const reason = skipReason('an address going dark mid-run (nftables in a namespace)', namespaceSupport(), toolSupport([['nft', '--version']]));
const FASTLY_HEADERS = { 'x-served-by': 'cache-fra-etou8220051-FRA', 'x-cache': 'MISS', via: '1.1 varnish' };

async function check(spec: { address: string; darkAfter: number; headers?: Record<string, string>; everything?: boolean; slowMs?: number; backAfterMs?: number }): Promise<{ code: number | null; report: Report; failing: string[]; served: string[] }> {
  const run = await runInNamespace(INSIDE, { args: [JSON.stringify(spec)], timeoutMs: 90_000 });
  expect(run.error).toBeUndefined();
  const value = run.value as { code: number | null; stderr: string; report: Report; requests: number };
  expect(value.stderr).not.toMatch(/^\s+at |internal error/m);
  expect(value.report, value.stderr).not.toBeNull();
  expectValidReport(value.report);
  console.log(`${spec.address}${spec.everything ? ' and every other address' : ''} dark after ${spec.darkAfter} requests: exit ${value.code}: ${value.report.summary}`);
  const going = value.report.sites.filter((s) => s.name.startsWith('s'));
  // The address did serve some sites before it stopped, and failed some after (or the test proves nothing).
  const served = going.filter((s) => s.status === 'ok').map((s) => s.name);
  const failing = value.report.sites.filter((s) => s.status !== 'ok').map((s) => s.name);
  expect(served.length).toBeGreaterThanOrEqual(2);
  // Every site probed within the deadline: before, the address's limit was halved wave by wave down to one, each
  // fetch there then a whole wait, and the last site cut by the deadline.
  expect(value.report.sites.flatMap((s) => s.attempts).filter((a) => a.error?.code === 'DEADLINE' || a.error?.code === 'NOT_PROBED')).toEqual([]);
  expect(failing.filter((n) => n.startsWith('s')).length).toBeGreaterThanOrEqual(2);
  return { code: value.code, report: value.report, failing, served };
}

describe.skipIf(reason !== null)('an address that stops answering during the run', () => {
  it("a self-hosted server: its incident, said as stopping mid-run; the sites it served first are ok (exit 2)", async () => {
    const { code, report, failing, served } = await check({ address: '203.0.113.99', darkAfter: 12 });
    expect(failing.every((n) => n.startsWith('s'))).toBe(true);
    expect(report.incidents.map((i) => [i.provider, i.layer, [...i.sites].sort()])).toEqual([['server 203.0.113.99', 'network', [...failing].sort()]]);
    expect(report.incidents[0]!.summary).toMatch(new RegExp(`^server 203\\.0\\.113\\.99 failing: ${failing.length} sites served from it fail there: it stopped answering during this run — the ${served.length} sites served there were all served by \\d\\d:\\d\\d:\\d\\d\\.\\d\\d UTC, and none of the ${failing.length} fetches there still waiting then or begun after got an answer`));
    expect(code).toBe(2);
  }, 100_000);

  it('a Fastly address: one incident of its network holds every site failing there, none down outside it (exit 2)', async () => {
    const { code, report, failing } = await check({ address: '151.101.1.57', darkAfter: 12, headers: FASTLY_HEADERS });
    expect(report.incidents.map((i) => [i.provider, i.layer, [...i.sites].sort()])).toEqual([['Fastly', 'network', [...failing].sort()]]);
    expect(report.incidents[0]!.summary).toMatch(/^Fastly network incident \(partial\): \d+ of 40 Fastly-fronted sites fail with .*; Fastly's 151\.101\.1\.57 stopped answering during this run — /);
    expect(report.summary).not.toMatch(/outside it/);
    expect(code).toBe(2);
  }, 100_000);

  it('a self-hosted server dark for 4 s, then serving again: its incident, said with both moments (exit 2)', async () => {
    // Before: "8 down (s9, …) of 160 sites; no shared cause found" (exit 1): the sites served there after it came back
    // read as controls against it. The fetches begun while it was dark connected only when it answered again.
    const { code, report, failing } = await check({ address: '203.0.113.99', darkAfter: 12, backAfterMs: 4_000 });
    expect(failing.every((n) => n.startsWith('s'))).toBe(true);
    expect(report.incidents.map((i) => [i.provider, i.layer, [...i.sites].sort()])).toEqual([['server 203.0.113.99', 'network', [...failing].sort()]]);
    expect(report.incidents[0]!.summary).toMatch(
      /^server 203\.0\.113\.99 failing: \d+ sites served from it fail there: it stopped answering for a while during this run — the \d+ sites served there before were all served by [\d:.]+ UTC, none of the \d+ fetches there still waiting then or begun after got an answer until it answered again \(\d+ sites served there from [\d:.]+ UTC\)/,
    );
    expect(report.sites.filter((s) => s.name.startsWith('s') && s.status === 'ok').length).toBeGreaterThan(failing.length);
    expect(code).toBe(2);
  }, 100_000);

  it("every address dark at that moment (this host's way out gone), each having served some: nobody blamed, the way out said (exit 3)", async () => {
    // After the 24th request there, the third wave: each other server has served some sites by then too.
    const { code, report } = await check({ address: '203.0.113.99', darkAfter: 24, everything: true });
    for (const server of ['o1', 'o2', 'o3']) expect(report.sites.find((s) => s.name === server)?.status).toBe('ok');
    expect(report.incidents).toEqual([]);
    // Before: "112 down …; no shared cause found" (exit 1); without onset.ts's control in time, four servers that
    // each "stopped answering during this run".
    expect(report.summary).not.toMatch(/stopped answering during this run —/);
    // Nor "refuses this client for now" (a control fetched after an ask alone that got no answer): it answers nothing.
    expect(report.summary).not.toMatch(/refuses this client/);
    expectWayOut(report);
    expect(code).toBe(3);
  }, 100_000);

  it('and a server whose pages were still on their way then: not blamed either (exit 3)', async () => {
    // Six sites at a server answering in 2.5 s, connected and waiting when everything went dark 0.75 s in. Before:
    // "server 198.18.0.20 failing: 6 sites served from it fail there, and none is served from it in this run …
    // (+108 sites down outside it)", exit 2.
    const { code, report } = await check({ address: '203.0.113.99', darkAfter: 24, everything: true, slowMs: 2_500 });
    expect(report.incidents).toEqual([]);
    const slow = report.sites.filter((s) => s.name.startsWith('w'));
    expect(slow.map((s) => s.status)).toEqual(Array(6).fill('untested'));
    expectWayOut(report);
    expect(code).toBe(3);
  }, 100_000);

  it('a blip: everything dark for 5 s, then back — the sites waiting then untested, the rest ok, no limit read into it (exit 0)', async () => {
    // Before: "32 down (s25, …) of 160 sites; no shared cause found; server 203.0.113.99 limits this probe's fetches
    // at once (each served alone); …" (exit 1): the fetches under way then timed out, and those begun during it
    // connected only when the way was back. (Measured too with 2.5 s, shorter than a fetch's 3 s: said the same.)
    const { code, report } = await check({ address: '203.0.113.99', darkAfter: 24, everything: true, backAfterMs: 5_000 });
    expect(report.incidents).toEqual([]);
    expect(report.host.notes.join('\n')).toMatch(/this host's way out stopped answering during this run, from \d\d:\d\d:\d\d\.\d\d to \d\d:\d\d:\d\d\.\d\d UTC \([\d.]+s\): nothing came back from any network then/);
    expect(report.summary).not.toMatch(/limits this probe|no shared cause/);
    // What failed then is untested; under load the probe may have asked every one again alone once the way was back,
    // and had each served (the silence is then seen in their first tries).
    const notOk = report.sites.filter((s) => s.status !== 'ok');
    expect(notOk.every((s) => s.status === 'untested')).toBe(true);
    // The sites fetched after it were served: the way back is read, not only its going.
    expect(report.sites.filter((s) => s.status === 'ok').length).toBeGreaterThan(notOk.length);
    expect(code).toBe(0);
  }, 100_000);
});

/** The verdict: this host's way out went during the run; every site not served untested, none down. */
function expectWayOut(report: Report): void {
  expect(report.summary).toMatch(/^Local network problem: this host's way out stopped answering during this run, at \d\d:\d\d:\d\d\.\d\d UTC: nothing came back from any network after it — \d+ sites fetched after it at [34] networks that had answered before/);
  expect(report.sites.filter((s) => s.status !== 'ok').every((s) => s.status === 'untested')).toBe(true);
}
