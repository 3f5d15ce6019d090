// A resolver dropping what one client asks beyond a rate: real unbound with `ip-ratelimit` (unbound.conf(5): "More
// queries are completely dropped and will not receive a reply"), as AWS's VPC resolver drops a client's packets beyond
// 1,024 a second per network interface. A long list asks faster than that; every name is answered at the limit's
// pace. Before, the run's own load read as a diagnosis: as this host's resolver, 20 of 120 sites "degraded" (exit 1)
// with this limit, "This host's own resolver failing" (exit 2) at a lower one; listed by address, 35 of 120
// "degraded". Now the questions that ran out of time are asked again, the run paces that resolver after the first
// proven drop, and the drops are said as the run's own load.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { namespaceSupport, runInNamespace, skipReason, toolSupport } from '../../src/lab/netns.js';
import { expectValidReport } from '../support/schema.js';

const INSIDE = fileURLToPath(new URL('./inside/rate-limited-resolver.mjs', import.meta.url));
const reason = skipReason('a rate-limited resolver (unbound in a namespace)', namespaceSupport(), toolSupport([['unbound', '-V'], ['nsd', '-v']]));

interface Run {
  code: number | null;
  stderr: string;
  report: Report;
  ms: number;
  unbound: string;
}

async function check(spec: { sites: number; qps: number; listed?: 'system' | 'address' }): Promise<Run> {
  const run = await runInNamespace(INSIDE, { args: [JSON.stringify(spec)], timeoutMs: 150_000 });
  expect(run.error).toBeUndefined();
  const value = run.value as Run;
  expect(value.stderr).not.toMatch(/^\s+at |internal error/m);
  expect(value.report, value.stderr).not.toBeNull();
  console.log(`rate-limited resolver (${spec.listed ?? 'system'}): exit ${value.code}, ${value.ms} ms: ${value.report.summary}`);
  expectValidReport(value.report);
  return value;
}

describe.skipIf(reason !== null)("a resolver that drops a client's queries beyond a rate", () => {
  it('this host\'s resolver, 120 sites against 20 queries a second: every site ok, the drops said as the run’s own load, no incident, exit 0', async () => {
    const { report, code, ms } = await check({ sites: 120, qps: 20 });
    const notOk = report.sites.filter((s) => s.status !== 'ok');
    expect(notOk.map((s) => `${s.name}: ${s.reason}`)).toEqual([]);
    expect(report.incidents).toEqual([]);
    expect(code).toBe(0);
    // The limit did drop lookups (or this test proves nothing), and each was answered when asked again.
    const again = report.resolvers.find((r) => r.kind === 'system')!.askedAgain!;
    expect(again.ranOut).toBeGreaterThan(0);
    expect(again.answered).toBe(again.ranOut);
    expect(again.pacedAt).toBeGreaterThan(0);
    expect(report.summary).toMatch(/^All 120 sites ok; this host's resolver dropped \d+ lookups? under this run's load \(each answered when asked again\)$/);
    expect(report.host.notes.join('\n')).toMatch(/resolver system \(getaddrinfo\) let \d+ lookups? run out of time while it replied to this run's others; asked again, a few at a time, (all \d+ were|it was) answered/);
    // Every site's system answer is the one given when asked again: an address, no failure kept.
    const systemA = report.sites.flatMap((s) => s.dns.filter((d) => d.resolver === 'system' && d.type === 'A'));
    expect(systemA.filter((d) => d.outcome !== 'ok')).toEqual([]);
    // The run stays within its deadline (90 s) with the pacing.
    expect(ms).toBeLessThan(90_000);
  }, 160_000);

  it('a company resolver listed by its address, asked over UDP: the same, said by its name (35 of 120 sites read "degraded", exit 1)', async () => {
    const { report, code } = await check({ sites: 120, qps: 20, listed: 'address' });
    const notOk = report.sites.filter((s) => s.status !== 'ok');
    expect(notOk.map((s) => `${s.name}: ${s.reason}`)).toEqual([]);
    expect(report.incidents).toEqual([]);
    expect(code).toBe(0);
    const again = report.resolvers.find((r) => r.name === 'corp')!.askedAgain!;
    expect(again.ranOut).toBeGreaterThan(0);
    expect(again.answered).toBe(again.ranOut);
    expect(report.summary).toMatch(/^All 120 sites ok; resolver corp dropped \d+ quer(y|ies) under this run's load \(each answered when asked again\)$/);
    expect(report.host.notes.join('\n')).toMatch(/resolver corp \(192\.0\.2\.53\) let \d+ quer(y|ies) run out of time while it replied to this run's others/);
    const corpA = report.sites.flatMap((s) => s.dns.filter((d) => d.resolver === 'corp' && d.type === 'A'));
    expect(corpA.filter((d) => d.outcome !== 'ok')).toEqual([]);
  }, 160_000);
});
