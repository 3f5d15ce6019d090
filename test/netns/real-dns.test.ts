// Real DNS software in a namespace (src/lab/real-dns.ts): NSD serves a private root, the `example.` TLD, a
// CDN-style pair of zones that site CNAME chains pass through and the sites' own zones; unbound 1.17 recurses
// from the private root. These tests pin what a real resolver answers when one authority fails, which the
// attribution rules of issue 14 must read correctly. test/netns/README.md records the same findings for people.
// Pure tests of the zone files run everywhere; the rest need root (namespaces), nsd and unbound.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { namespaceSupport, nftablesSupport, runInNamespace, skipReason, toolSupport } from '../../src/lab/netns.js';
import { CDN_CHAIN_HIERARCHY, HierarchyError, nsdConfig, unboundConfig, zoneFiles, type DnsHierarchy, type ResolverAnswer } from '../../src/lab/real-dns.js';

const INSIDE = fileURLToPath(new URL('./inside/real-dns.mjs', import.meta.url));

interface Round {
  waitMs?: number;
  timeoutMs: number;
  queries: Array<[string, string]>;
}
interface Outcome {
  rounds: Array<Array<ResolverAnswer & { name: string; type: string }>>;
  servfailLog: string[];
}

async function scenario(spec: { resolver?: DnsHierarchy['resolver'] extends infer R ? Partial<R> : never; breaks: Array<{ server: string; how: string }>; rounds: Round[] }): Promise<Outcome> {
  const run = await runInNamespace(INSIDE, { args: [JSON.stringify(spec)], timeoutMs: 90_000 });
  expect(run.error).toBeUndefined();
  return run.value as Outcome;
}

/** name/type → rcode, EDE codes, and the last answer's data (the address a chain ends in). */
function summary(answers: Outcome['rounds'][number]): Record<string, { rcode: string; ede: number[]; last: string | null }> {
  return Object.fromEntries(answers.map((a) => [`${a.name} ${a.type}`, { rcode: a.rcode, ede: a.ede.map((e) => e.code), last: a.answers.at(-1)?.data ?? null }]));
}

const BEHIND_CDN: Array<[string, string]> = [
  ['www.alpha.example', 'A'],
  ['www.beta.example', 'A'],
];
const NOT_BEHIND_CDN: Array<[string, string]> = [
  ['www.gamma.example', 'A'],
  ['alpha.example', 'NS'], // the site's own zone
  ['www.alpha.example.cdn-edge.example', 'CNAME'], // the first CDN zone
];
const resolves = (last: string | null) => ({ rcode: 'NOERROR', ede: [], last });
const UNAFFECTED = {
  'www.gamma.example A': resolves('203.0.113.203'),
  'alpha.example NS': resolves('ns1.sitedns.example'),
  'www.alpha.example.cdn-edge.example CNAME': resolves('e101.a.cdn-map.example'),
};
const servfail = { rcode: 'SERVFAIL', ede: [], last: null };
const timeout = { rcode: 'timeout', ede: [], last: null };

describe('the zone files of a hierarchy (pure)', () => {
  const files = zoneFiles(CDN_CHAIN_HIERARCHY);

  it('delegate each zone from its parent with glue for in-bailiwick name servers, and give each apex its SOA and NS', () => {
    expect(files.get('.')).toContain('example. 60 IN NS a.nic.example.');
    expect(files.get('.')).toContain('a.nic.example. 60 IN A 192.0.2.2');
    expect(files.get('example')).toContain('cdn-map.example. 60 IN NS ns-cdn-map.cdn-map.example.');
    expect(files.get('example')).toContain('ns-cdn-map.cdn-map.example. 60 IN A 198.51.100.2');
    expect(files.get('example')).toContain('alpha.example. 60 IN NS ns1.sitedns.example.');
    expect(files.get('example')).toContain('ns1.sitedns.example. 60 IN A 203.0.113.1'); // out of the child zones: plain data
    expect(files.get('cdn-map.example')).toMatch(/^cdn-map\.example\. 60 IN SOA ns-cdn-map\.cdn-map\.example\. /m);
    expect(files.get('gamma.example')).toContain('gamma.example. 60 IN TXT "a site not behind the CDN"');
  });

  it('refuse records outside their zone or below one of its delegations, and a tree without a root', () => {
    const withRecord = (apex: string, name: string): DnsHierarchy => ({
      ...CDN_CHAIN_HIERARCHY,
      zones: CDN_CHAIN_HIERARCHY.zones.map((z) => (z.apex === apex ? { ...z, records: [...z.records, { name, type: 'A', value: '192.0.2.99' }] } : z)),
    });
    expect(() => zoneFiles(withRecord('gamma.example', 'www.alpha.example'))).toThrow(HierarchyError);
    expect(() => zoneFiles(withRecord('example', 'www.gamma.example'))).toThrow(/delegated away/);
    expect(() => zoneFiles({ ...CDN_CHAIN_HIERARCHY, zones: CDN_CHAIN_HIERARCHY.zones.filter((z) => z.apex !== '.') })).toThrow(/root zone/);
  });

  const tools = toolSupport([
    ['nsd-checkzone', '-h'],
    ['unbound-checkconf', '-h'],
  ]);
  it.skipIf(!tools.ok)('pass nsd-checkzone, and the generated nsd.conf and unbound.conf pass the programs\' own checkers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'real-dns-check-'));
    try {
      for (const [apex, text] of files) {
        const file = join(dir, `${apex}.zone`);
        writeFileSync(file, text);
        const check = spawnSync('nsd-checkzone', [apex, file], { encoding: 'utf8' });
        expect({ apex, status: check.status, out: check.stderr + check.stdout }).toMatchObject({ apex, status: 0 });
      }
      const nsdConf = join(dir, 'nsd.conf');
      writeFileSync(nsdConf, nsdConfig(CDN_CHAIN_HIERARCHY.servers[0]!, dir, dir, 'serving'));
      expect(spawnSync('nsd-checkconf', [nsdConf], { encoding: 'utf8' }).status).toBe(0);
      writeFileSync(join(dir, 'root.hints'), '');
      const unboundConf = join(dir, 'unbound.conf');
      writeFileSync(unboundConf, unboundConfig(CDN_CHAIN_HIERARCHY, dir));
      const check = spawnSync('unbound-checkconf', [unboundConf], { encoding: 'utf8' });
      expect({ status: check.status, out: check.stderr + check.stdout }).toMatchObject({ status: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

const reason = skipReason('real-DNS tests (NSD + unbound in a namespace)', namespaceSupport(), toolSupport([
  ['nsd', '-v'],
  ['unbound', '-V'],
]));

describe.skipIf(reason !== null)('unbound in front of NSD, one authority broken at a time', () => {
  it('healthy: unbound follows a site\'s CNAME chain through the CDN\'s two zones to the edge address', async () => {
    const outcome = await scenario({ breaks: [], rounds: [{ timeoutMs: 5000, queries: [...BEHIND_CDN, ...NOT_BEHIND_CDN] }] });
    const alpha = outcome.rounds[0]!.find((a) => a.name === 'www.alpha.example')!;
    expect(alpha.answers.map((a) => [a.name, a.type, a.data])).toEqual([
      ['www.alpha.example', 'CNAME', 'www.alpha.example.cdn-edge.example'],
      ['www.alpha.example.cdn-edge.example', 'CNAME', 'e101.a.cdn-map.example'],
      ['e101.a.cdn-map.example', 'A', '203.0.113.101'],
    ]);
    expect(summary(outcome.rounds[0]!)).toEqual({ 'www.alpha.example A': resolves('203.0.113.101'), 'www.beta.example A': resolves('203.0.113.102'), ...UNAFFECTED });
  });

  for (const how of ['refused', 'servfail'] as const) {
    it(`the CDN's mapping server answering ${how.toUpperCase()}: names behind it SERVFAIL without any EDE, others resolve`, async () => {
      const outcome = await scenario({ breaks: [{ server: 'cdn-map', how }], rounds: [{ timeoutMs: 5000, queries: [...BEHIND_CDN, ...NOT_BEHIND_CDN] }] });
      expect(summary(outcome.rounds[0]!)).toEqual({ 'www.alpha.example A': servfail, 'www.beta.example A': servfail, ...UNAFFECTED });
      // Only unbound's log names the failing zone; nothing of it reaches the client (no EDE, no EXTRA-TEXT).
      expect(outcome.servfailLog.join('\n')).toContain(`at zone cdn-map.example. from 198.51.100.2 got ${how.toUpperCase()}`);
    });
  }

  for (const how of ['stop', 'reject'] as const) {
    it.skipIf(how === 'reject' && !nftablesSupport().ok)(`the CDN's mapping server ${how === 'stop' ? 'stopped' : 'rejected (ICMP port unreachable)'}: at first unbound answers nothing at all`, async () => {
      const outcome = await scenario({ breaks: [{ server: 'cdn-map', how }], rounds: [{ timeoutMs: 3000, queries: [...BEHIND_CDN, ...NOT_BEHIND_CDN] }] });
      expect(summary(outcome.rounds[0]!)).toEqual({ 'www.alpha.example A': timeout, 'www.beta.example A': timeout, ...UNAFFECTED });
    });
  }

  for (const how of ['stop', 'drop'] as const) {
    it.skipIf(how === 'drop' && !nftablesSupport().ok)(`once unbound has marked the ${how === 'stop' ? 'stopped' : 'dropping'} server down (infra-cache-max-rtt 1000), names behind it SERVFAIL at once, no EDE`, async () => {
      const outcome = await scenario({
        resolver: { options: ['infra-cache-max-rtt: 1000'] },
        breaks: [{ server: 'cdn-map', how }],
        rounds: [
          { timeoutMs: 5000, queries: [['www.alpha.example', 'A']] },
          { waitMs: 3000, timeoutMs: 5000, queries: [...BEHIND_CDN, ['www.gamma.example', 'A']] },
        ],
      });
      expect(summary(outcome.rounds[0]!)).toEqual({ 'www.alpha.example A': timeout });
      expect(summary(outcome.rounds[1]!)).toEqual({ 'www.alpha.example A': servfail, 'www.beta.example A': servfail, 'www.gamma.example A': resolves('203.0.113.203') });
      expect(Math.max(...outcome.rounds[1]!.filter((r) => r.rcode === 'SERVFAIL').map((r) => r.ms))).toBeLessThan(1000);
    });
  }

  it('the silence is unbound dropping the waiting query (discard-timeout): with it off, the first query gets SERVFAIL', async () => {
    const outcome = await scenario({
      resolver: { options: ['discard-timeout: 0', 'infra-cache-max-rtt: 1000'] },
      breaks: [{ server: 'cdn-map', how: 'stop' }],
      rounds: [{ timeoutMs: 15_000, queries: [['www.alpha.example', 'A']] }],
    });
    expect(summary(outcome.rounds[0]!)).toEqual({ 'www.alpha.example A': servfail });
  });

  it('a site\'s own name server stopped: its names and its NS time out, sites on other servers resolve', async () => {
    const outcome = await scenario({
      breaks: [{ server: 'sitedns-g', how: 'stop' }],
      rounds: [{ timeoutMs: 3000, queries: [['www.gamma.example', 'A'], ['gamma.example', 'NS'], ['www.alpha.example', 'A'], ['alpha.example', 'NS']] }],
    });
    expect(summary(outcome.rounds[0]!)).toEqual({
      'www.gamma.example A': timeout,
      'gamma.example NS': timeout,
      'www.alpha.example A': resolves('203.0.113.101'),
      'alpha.example NS': resolves('ns1.sitedns.example'),
    });
  });

  it('a site\'s own name server answering REFUSED: its names and its NS SERVFAIL without EDE', async () => {
    const outcome = await scenario({
      breaks: [{ server: 'sitedns-g', how: 'refused' }],
      rounds: [{ timeoutMs: 5000, queries: [['www.gamma.example', 'A'], ['gamma.example', 'NS'], ['www.alpha.example', 'A']] }],
    });
    expect(summary(outcome.rounds[0]!)).toEqual({ 'www.gamma.example A': servfail, 'gamma.example NS': servfail, 'www.alpha.example A': resolves('203.0.113.101') });
  });

  // The control that makes "no EDE" above a finding and not a mistake in our configuration: with `ede: yes`,
  // this unbound does attach EDEs where it implements them, e.g. a DNSSEC failure (RFC 8914 code 9).
  it('control: `ede: yes` is in force: a zone made bogus by a trust anchor SERVFAILs with EDE 9 (DNSKEY Missing)', async () => {
    const outcome = await scenario({
      resolver: { trustAnchors: [`gamma.example. DS 12345 13 2 ${'00'.repeat(32)}`] },
      breaks: [],
      rounds: [{ timeoutMs: 5000, queries: [['www.gamma.example', 'A'], ['www.alpha.example', 'A']] }],
    });
    expect(summary(outcome.rounds[0]!)).toEqual({ 'www.gamma.example A': { rcode: 'SERVFAIL', ede: [9], last: null }, 'www.alpha.example A': resolves('203.0.113.101') });
  });
});
