// Resolvers that stop answering while the run is under way (correlate/dns-way-out.ts). Before, three resolvers of
// three operators dropped after their 200th question, the servers serving on, read "118 down (s43, …), 16 degraded
// (…) of 160 sites; no shared cause found" (exit 1): the names asked after it read as sites down. And with every
// address dropped at that moment — or the resolvers alone — questions holding all of one resolver's slots while they
// waited for another resolver's questions queued behind its slots ended the run "internal error: the command stopped
// before finishing" (exit 70; probe/session.ts). The control: one operator's two resolvers dropped, a third
// answering, is that operator's resolver incident, as it was.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { namespaceSupport, runInNamespace, skipReason, toolSupport } from '../../src/lab/netns.js';
import { expectValidReport } from '../support/schema.js';

const INSIDE = fileURLToPath(new URL('./inside/dns-goes-dark.mjs', import.meta.url));
const reason = skipReason('resolvers going dark mid-run (nftables in a namespace)', namespaceSupport(), toolSupport([['nft', '--version']]));
// Addresses on the namespace's own `lo`, served by lab resolvers: the tool names their operators from them.
const THREE_OPERATORS = ['1.1.1.1', '8.8.8.8', '9.9.9.9'];

async function check(spec: { resolvers: string[]; dark?: string[]; everything?: boolean; darkAfter: number; backAfterMs?: number }): Promise<{ code: number | null; report: Report }> {
  const run = await runInNamespace(INSIDE, { args: [JSON.stringify(spec)], timeoutMs: 90_000 });
  expect(run.error).toBeUndefined();
  const value = run.value as { code: number | null; stderr: string; report: Report | null; questions: number };
  expect(value.stderr).not.toMatch(/^\s+at |internal error/m);
  expect(value.report, value.stderr).not.toBeNull();
  expectValidReport(value.report!);
  console.log(`${spec.everything ? 'every address' : (spec.dark ?? spec.resolvers).join(', ')} dark after ${spec.darkAfter} questions: exit ${value.code}: ${value.report!.summary}`);
  // The resolvers answered before the drop, and sites were served (or the test proves nothing).
  expect(value.questions).toBeGreaterThan(spec.darkAfter);
  return { code: value.code, report: value.report! };
}

describe.skipIf(reason !== null)('resolvers that stop answering during the run', () => {
  it("three operators' resolvers at once, the servers serving on: this host's way to DNS, nobody blamed, no site down (exit 3)", async () => {
    const { code, report } = await check({ resolvers: THREE_OPERATORS, darkAfter: 200 });
    expect(report.incidents).toEqual([]);
    expect(report.sites.filter((s) => s.status === 'ok').length).toBeGreaterThanOrEqual(10);
    expect(report.sites.filter((s) => s.status !== 'ok' && s.status !== 'untested').map((s) => `${s.name}: ${s.status}`)).toEqual([]);
    expect(report.summary).toMatch(
      /^Local network problem: this host's way to DNS stopped answering during this run: r1, r2, r3 \(Cloudflare, Google, Quad9\) replied to \d+ questions, then to none after \d\d:\d\d:\d\d\.\d\d UTC — not to the [\d,]+ questions asked then \([\d,]+ more were not sent once it had gone quiet\), nor to 48 questions every resolver answers from its cache, while \d+ sites were still served after it: /,
    );
    expect(code).toBe(3);
  }, 100_000);

  it('every address dark at that moment: the run ends with its report, nobody blamed (exit 3)', async () => {
    const { code, report } = await check({ resolvers: THREE_OPERATORS, everything: true, darkAfter: 200 });
    expect(report.incidents).toEqual([]);
    expect(report.verdict).toBe('local-network');
    expect(code).toBe(3);
  }, 100_000);

  it("every address dark for 3 s just then, as the run began: this host's way out for a while, no server limiting this client (exit 0)", async () => {
    // Before, nothing had been served yet, so no network "had answered before": the fetches cut then and served when
    // asked again alone read "server 203.0.113.20 limits this probe's fetches at once (each served alone)" for each of
    // the three servers (correlate/way-out.ts now counts a network that served once the silence ended).
    const { code, report } = await check({ resolvers: THREE_OPERATORS, everything: true, darkAfter: 200, backAfterMs: 3_000 });
    expect(report.incidents).toEqual([]);
    expect(report.host.notes.join(' ')).toMatch(/this host's way out stopped answering during this run, from \d\d:\d\d:\d\d\.\d\d to \d\d:\d\d:\d\d\.\d\d UTC \(\d\.\d\ds\): nothing came back from any network then — \d+ sites fetched then at 3 networks that answered before or after it/);
    expect(report.host.notes.join(' ')).not.toMatch(/limits this probe/);
    expect(report.sites.filter((s) => s.status !== 'ok' && s.status !== 'untested')).toEqual([]);
    expect(code).toBe(0);
  }, 100_000);

  it("control: Cloudflare's two resolvers dark, Quad9's answering: Cloudflare's resolver incident, not this host's way (exit 2)", async () => {
    const { code, report } = await check({ resolvers: ['1.1.1.1', '1.0.0.1', '9.9.9.9'], dark: ['1.1.1.1', '1.0.0.1'], darkAfter: 200 });
    expect(report.incidents.map((i) => [i.provider, i.layer])).toEqual([['Cloudflare', 'resolver']]);
    expect(report.incidents[0]!.summary).toMatch(/^Cloudflare resolvers r1, r2 failing: timeout for \d+ of \d+ names that r3 answers/);
    expect(report.host.notes.join(' ')).not.toMatch(/way to DNS/);
    expect(code).toBe(2);
  }, 100_000);
});
