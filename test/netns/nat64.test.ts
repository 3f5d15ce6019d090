// An IPv6-only host behind NAT64, for real (src/lab/nat64.ts): Unbound's dns64 module synthesizes the AAAA records
// of IPv4-only sites in 64:ff9b::/96, and the binary fetches them there. The translator failing is this network's,
// never the providers' behind it; one provider failing while the translator carries another stays that provider's.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { namespaceSupport, nftablesSupport, runInNamespace, skipReason, toolSupport } from '../../src/lab/netns.js';

const NAT64 = fileURLToPath(new URL('./inside/nat64.mjs', import.meta.url));

interface Nat64Run {
  code: number | null;
  stderr: string;
  report: Report;
  ms: number;
  aaaa: { rcode: string; answers: Array<{ type: string; data: string }> };
}

async function checkIn(scenario: string): Promise<Nat64Run> {
  const run = await runInNamespace(NAT64, { args: [scenario], timeoutMs: 90_000 });
  expect(run.error).toBeUndefined();
  const value = run.value as Nat64Run;
  expect(value.stderr).not.toMatch(/^\s+at /m);
  expect(value.report, value.stderr).not.toBeNull();
  expect(value.ms).toBeLessThan(21_000);
  console.log(`${scenario}: exit ${value.code}, ${value.ms} ms: ${value.report.summary}`);
  return value;
}

const statuses = (r: Report) => Object.fromEntries(r.sites.map((s) => [s.name, s.status]));
const reason = skipReason('NAT64 host tests', namespaceSupport(), nftablesSupport(), toolSupport([['unbound', '-V'], ['nsd', '-v']]));

describe.skipIf(reason !== null)('an IPv6-only host behind NAT64 and DNS64 (Unbound, NSD)', () => {
  it('healthy: IPv4-only sites are served through the translator at the AAAA records Unbound synthesizes', async () => {
    const { code, report, aaaa } = await checkIn('healthy');
    // Unbound synthesized the IPv4-only name's AAAA in the well-known prefix (151.101.1.10 = 9765:10a).
    expect(aaaa.answers.filter((a) => a.type === 'AAAA').map((a) => a.data)).toEqual(['64:ff9b::9765:10a']);
    expect(code).toBe(0);
    expect(report.host).toMatchObject({ ipv4: 'no-route', ipv6: 'ok', nat64: 'ok' });
    expect(statuses(report)).toEqual({ shop: 'ok', news: 'ok', blog: 'ok', bank: 'ok' });
    const news = report.sites.find((s) => s.name === 'news')!;
    expect(news.attempts.find((a) => a.address === '64:ff9b::9765:10a')?.outcome).toBe('ok');
    expect(news.providers.find((p) => p.layer === 'edge')?.provider).toBe('Fastly');
  }, 120_000);

  it('the translator forwarding nothing: the IPv4-only sites are untested from here, nobody is blamed', async () => {
    const { code, report } = await checkIn('translator-down');
    expect(report.host).toMatchObject({ ipv4: 'no-route', ipv6: 'ok', nat64: 'failing' });
    expect(statuses(report)).toEqual({ shop: 'ok', news: 'untested', blog: 'untested', bank: 'untested' });
    expect(report.incidents).toEqual([]);
    expect(report.findings ?? []).toEqual([]);
    expect(report.summary).toMatch(/3 untested from here: .*NAT64 fails here/);
    expect(report.host.notes.join(' ')).toMatch(/this network's NAT64 translator fails: nothing connected through 64:ff9b::\/96/);
    expect(code).toBe(0);
  }, 120_000);

  it("the translator forwarding nothing, with only one provider's sites behind it: a finding that says both could be it", async () => {
    const { code, report } = await checkIn('translator-down-one-provider');
    expect(report.incidents).toEqual([]);
    expect(report.findings.map((f) => [f.provider, f.layer])).toEqual([['Fastly', 'network']]);
    expect(report.findings[0]!.summary).toMatch(/not an incident: every failed connection went to 64:ff9b::\/96, through this network's NAT64 translator/);
    expect(code).toBe(1);
  }, 120_000);

  it("control: Fastly's addresses dropping while the translator carries Akamai's site is Fastly's network incident", async () => {
    const { code, report } = await checkIn('fastly-down');
    expect(report.host.nat64).toBe('ok');
    expect(statuses(report)).toEqual({ shop: 'ok', news: 'down', blog: 'down', bank: 'ok' });
    expect(report.incidents.map((i) => [i.provider, i.layer])).toEqual([['Fastly', 'network']]);
    // The failed fetch says where it went: the translator's address, and the IPv4 address inside it.
    const failed = report.sites.find((s) => s.name === 'news')!.attempts.find((a) => a.address === '64:ff9b::9765:10a');
    expect(failed?.explanation).toMatch(/^no connection to Fastly edge 64:ff9b::9765:10a \(NAT64 for 151\.101\.1\.10\)/);
    expect(code).toBe(2);
  }, 120_000);
});
