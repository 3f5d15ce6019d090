// "It's us", for real: the real binary on hosts shaped the way real networks are (issue 13), each inside its own
// network namespace with public-looking addresses (src/lab/host-worlds.ts). Where the fault is this host's or its
// network's, no provider is blamed and no resolver incident is raised; the control — one resolver operator's real
// outage — still is one. Never a stack trace, always within the deadline.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { namespaceSupport, nftablesSupport, runInNamespace, skipReason } from '../../src/lab/netns.js';
import { expectValidReport } from '../support/schema.js';

const ENVIRONMENT = fileURLToPath(new URL('./inside/environment.mjs', import.meta.url));

interface EnvironmentRun {
  code: number | null;
  stderr: string;
  report: Report;
  ms: number;
}

async function checkIn(environment: string): Promise<EnvironmentRun> {
  const run = await runInNamespace(ENVIRONMENT, { args: [environment], timeoutMs: 90_000 });
  if (run.setupRetried) console.warn(`${environment}: the lab world did not finish starting; tried once more. The first try's steps: ${run.setupRetried}`);
  expect(run.error).toBeUndefined();
  const value = run.value as EnvironmentRun;
  expect(value.stderr).not.toMatch(/^\s+at /m);
  expect(value.stderr).not.toMatch(/internal error/);
  expect(value.report, value.stderr).not.toBeNull();
  // The run ends by its deadline (20 s), whatever the network does.
  expect(value.ms).toBeLessThan(21_000);
  console.log(`${environment}: exit ${value.code}, ${value.ms} ms: ${value.report.summary}`);
  return value;
}

const statuses = (r: Report) => Object.fromEntries(r.sites.map((s) => [s.name, s.status]));
const ALL_OK = { shop: 'ok', news: 'ok', bank: 'ok', blog: 'ok' };
const reason = skipReason('host-environment tests', namespaceSupport());
// The worlds that drop a resolver's packets do it with nftables rules inside the namespace.
const nftReason = reason ?? skipReason('host-environment tests that block resolvers', nftablesSupport());

describe.skipIf(reason !== null)('the probing host in the shapes real networks take', () => {
  it('dual-stack (control): every site ok over both families, exit 0', async () => {
    const { code, report } = await checkIn('dual-stack');
    expect(code).toBe(0);
    expect(report.host).toMatchObject({ ipv4: 'ok', ipv6: 'ok', blockedResolvers: [] });
    expect(statuses(report)).toEqual(ALL_OK);
    // getaddrinfo answered at once: this host's name servers were not asked directly.
    expect(report.resolvers.find((r) => r.name === 'system')!.nameservers!.replies).toBeUndefined();
    // None of its lookups ran out of time: none was asked again.
    expect(report.resolvers.find((r) => r.name === 'system')!.askedAgain).toBeUndefined();
  }, 120_000);

  it('IPv4-only: the sites are fine, this host has no IPv6; said once, exit 0', async () => {
    const { code, report } = await checkIn('ipv4-only');
    expect(code).toBe(0);
    expect(report.host).toMatchObject({ ipv4: 'ok', ipv6: 'no-route' });
    expect(statuses(report)).toEqual(ALL_OK);
    expect(report.incidents).toEqual([]);
    expect(report.summary).toMatch(/no IPv6 route here/);
    const v6 = report.sites.flatMap((s) => s.attempts).filter((a) => a.family === 6);
    expect(v6.length).toBeGreaterThan(0);
    for (const a of v6) expect(a).toMatchObject({ layer: 'local', provider: null });
  }, 120_000);

  it('IPv6-only: the mirror, exit 0', async () => {
    const { code, report } = await checkIn('ipv6-only');
    expect(code).toBe(0);
    expect(report.host).toMatchObject({ ipv4: 'no-route', ipv6: 'ok' });
    expect(statuses(report)).toEqual(ALL_OK);
    expect(report.incidents).toEqual([]);
  }, 120_000);

  it('offline: the local-network verdict, exit 3, within seconds', async () => {
    const { code, report, ms } = await checkIn('offline');
    expect(code).toBe(3);
    expect(report.verdict).toBe('local-network');
    expect(report.incidents).toEqual([]);
    expect(report.host.notes.join(' ')).toMatch(/nothing is blamed and no site could be tested from here; check: is this host online/);
    expect(ms).toBeLessThan(5000);
  }, 120_000);

  it.skipIf(nftReason !== null)('outbound DNS blocked: the public resolvers are this network\'s doing, not three outages; exit 0', async () => {
    const { code, report } = await checkIn('dns-blocked');
    expect(report.incidents).toEqual([]);
    expect(report.host.blockedResolvers.sort()).toEqual(['cloudflare', 'cloudflare-v6', 'google', 'quad9']);
    expect(statuses(report)).toEqual(ALL_OK);
    expect(code).toBe(0);
  }, 120_000);

  it('captive portal: one address and one certificate for every site, named; exit 3, nobody blamed', async () => {
    const { code, report } = await checkIn('captive-portal');
    expect(code).toBe(3);
    expect(report.verdict).toBe('local-network');
    expect(report.incidents).toEqual([]);
    expect(report.summary).toMatch(/192\.0\.2\.200/);
    expect(report.summary).toMatch(/portal\.hotel\.example/);
  }, 120_000);

  it('TLS interception: one untrusted issuer for every site on every provider, named; exit 3', async () => {
    const { code, report } = await checkIn('tls-interception');
    expect(code).toBe(3);
    expect(report.incidents).toEqual([]);
    expect(report.summary).toMatch(/issued by .*Corp Inspection CA.*which this host does not trust: TLS interception/);
  }, 120_000);

  it('TLS intercepted for some sites only (an inspection proxy with exceptions): said once, those sites untested, no provider blamed, exit 0', async () => {
    const { code, report } = await checkIn('partial-interception');
    expect(report.incidents).toEqual([]);
    expect(statuses(report)).toEqual({ shop: 'untested', news: 'untested', bank: 'ok', blog: 'ok' });
    expect(report.summary).toMatch(/^2 of 4 sites ok; 2 untested from here: TLS to 2 sites answered with certificates from CN=Corp Inspection CA, untrusted here/);
    expect(report.host.notes.join('\n')).toMatch(/2 sites on 2 providers \(Cloudflare, Fastly\) present certificates issued by CN=Corp Inspection CA/);
    expect(code).toBe(0);
  }, 120_000);

  it("a clock ahead of every site's certificate: this host's clock, not TLS interception, nobody blamed (exit 3)", async () => {
    const { code, report } = await checkIn('clock-ahead');
    expect(code).toBe(3);
    expect(report.incidents).toEqual([]);
    expect(report.summary).toMatch(/^Problem on this host: every certificate of 4 sites on different providers is refused for its dates by this host .*: each had expired by then, the latest valid until .* this host's clock is probably ahead/);
    expect(report.summary).not.toMatch(/interception/);
    // The probe recorded each refused certificate with its dates: the reading rests on them.
    const refused = report.sites.flatMap((s) => s.attempts).filter((a) => a.tls !== null);
    expect(refused.length).toBeGreaterThanOrEqual(4);
    for (const a of refused) expect([a.error?.code, Date.parse(a.tls!.validTo) < Date.parse(a.startedAt)]).toEqual(['CERT_HAS_EXPIRED', true]);
    for (const site of report.sites) expect(site.status).toBe('untested');
  }, 120_000);

  it.skipIf(nftReason !== null)('an IPv6 way out that loses large packets (a 6in4 tunnel, ICMPv6 "Packet Too Big" filtered): connections open, responses never come; this host, nobody blamed, exit 0', async () => {
    const { code, report } = await checkIn('ipv6-mtu-black-hole');
    // The real kernel and TLS stack: every IPv6 connection opened, its (small, ECDSA) handshake finished, and the
    // page's first full-sized packet never arrived.
    const v6 = report.sites.flatMap((s) => s.attempts).filter((a) => a.family === 6);
    expect(v6.length).toBeGreaterThanOrEqual(4);
    for (const a of v6) expect([a.outcome, a.failedPhase, a.timings.tlsMs !== null, a.httpStatus]).toEqual(['timeout', 'response', true, null]);
    expect(report.host).toMatchObject({ ipv4: 'ok', ipv6: 'failing', summary: 'IPv6 stalls after connecting here (path MTU?)' });
    expect(report.host.notes.join(' ')).toMatch(/path MTU black hole/);
    expect(statuses(report)).toEqual(ALL_OK);
    expect(report.incidents).toEqual([]);
    expect(code).toBe(0);
  }, 120_000);

  it.skipIf(nftReason !== null)("the same tunnel with one edge whose servers send packets that fit it: that site answers over IPv6, the others' stalls are still the path, exit 0", async () => {
    const { code, report } = await checkIn('ipv6-mtu-black-hole-partial');
    const shopV6 = report.sites.find((s) => s.name === 'shop')!.attempts.filter((a) => a.family === 6);
    expect(shopV6.map((a) => a.outcome)).toContain('ok');
    expect(report.host).toMatchObject({ ipv6: 'ok', summary: 'IPv6 stalls after connecting here (path MTU?)' });
    expect(report.host.notes.join(' ')).toMatch(/^IPv6 connections to 3 sites on 3 networks open but nothing comes back over them/);
    expect(statuses(report)).toEqual(ALL_OK);
    expect(report.incidents).toEqual([]);
    expect(code).toBe(0);
  }, 120_000);

  it.skipIf(nftReason !== null)("IPv6 leading nowhere (every IPv6 packet dropped, no error back): the sites' IPv6 and the IPv6 resolver's silence are this host's, nobody blamed, exit 0", async () => {
    const { code, report } = await checkIn('ipv6-black-hole');
    // It read as "Cloudflare resolver cloudflare-v6 failing" (exit 2) and every site degraded.
    expect(report.incidents).toEqual([]);
    expect(report.host).toMatchObject({ ipv4: 'ok', ipv6: 'failing', blockedResolvers: [], summary: 'IPv6 fails at every site from here' });
    expect(report.host.notes).toEqual([expect.stringMatching(/IPv6 is broken, not the sites'; resolver cloudflare-v6 \(IPv6\) could not be asked from here either$/)]);
    // The real kernel dropped them: every IPv6 connection and the IPv6 resolver's every answer timed out.
    const v6 = report.sites.flatMap((s) => s.attempts).filter((a) => a.family === 6);
    expect(v6.length).toBeGreaterThanOrEqual(4);
    for (const a of v6) expect(a.outcome).toBe('timeout');
    for (const d of report.sites.flatMap((s) => s.dns).filter((d) => d.resolver === 'cloudflare-v6')) expect(d.outcome).toBe('timeout');
    expect(statuses(report)).toEqual(ALL_OK);
    expect(code).toBe(0);
  }, 120_000);

  it.skipIf(nftReason !== null)('the mirror, IPv4 leading nowhere: three operators\' IPv4 resolvers and the DoH server silent are this host\'s IPv4, not a resolver incident nor a DNS block, exit 0', async () => {
    const { code, report } = await checkIn('ipv4-black-hole');
    expect(report.incidents).toEqual([]);
    expect(report.host).toMatchObject({ ipv4: 'failing', ipv6: 'ok', blockedResolvers: [] });
    expect(report.host.notes).toEqual([
      expect.stringMatching(/IPv4 is broken, not the sites'; resolvers cloudflare, google, quad9, cloudflare-doh \(IPv4\) could not be asked from here either$/),
      // Its resolv.conf names the IPv4 server first: every lookup waits for it, not the server's fault.
      expect.stringMatching(/^\/etc\/resolv\.conf's first name server 192\.168\.53\.53 does not answer, as nothing over IPv4 does from here — .* mend this host's IPv4, or list fd00:53::53 first in \/etc\/resolv\.conf$/),
    ]);
    expect(statuses(report)).toEqual(ALL_OK);
    expect(code).toBe(0);
  }, 120_000);

  it("a network answering plain DNS itself (port 53 intercepted) and failing two sites' names, which Cloudflare's DoH answers: this network, not four resolver incidents; exit 0", async () => {
    const { code, report } = await checkIn('dns-intercepted-failing');
    // It read as four resolver incidents (this host's own, Cloudflare's, Google's, Quad9's), exit 2.
    expect(report.incidents).toEqual([]);
    expect(report.host.summary).toBe("this network's plain DNS fails 2 names (they resolve over DoH)");
    expect(report.host.notes).toEqual([expect.stringMatching(/^this network answers plain DNS itself: cloudflare, cloudflare-v6, google, quad9 \(3 operators\) and this host's own resolver fail shop\.example\.com, news\.example\.org \(SERVFAIL\), which Cloudflare's own DNS-over-HTTPS answers/)]);
    // The real replies: every plain-DNS resolver SERVFAILed those names, the DoH resolver answered them.
    const shop = report.sites.find((s) => s.name === 'shop')!;
    for (const d of shop.dns.filter((x) => x.name === 'shop.example.com' && x.type === 'A')) expect([d.resolver, d.outcome]).toEqual([d.resolver, d.resolver === 'cloudflare-doh' ? 'ok' : d.resolver === 'system' ? 'network-error' : 'servfail']);
    expect(statuses(report)).toEqual(ALL_OK);
    expect(code).toBe(0);
  }, 120_000);

  it("a company's internal sites (.internal, RFC 1918) only this host's resolver knows: private names, not three public resolvers failing; exit 0", async () => {
    // It read as "2 degraded (wiki, git) of 6 sites; no shared cause found" (exit 1); with internal names half of a
    // config's or more, as resolver incidents at every public operator (exit 2: test/correlate/host.test.ts).
    const { code, report } = await checkIn('split-horizon');
    expect(report.incidents).toEqual([]);
    expect(report.findings).toEqual([]);
    expect(statuses(report)).toEqual({ ...ALL_OK, wiki: 'ok', git: 'ok' });
    expect(report.host.notes.join(' ')).toMatch(/^2 names \(wiki\.corp\.internal, git\.eng\.internal\) resolve only through this host's own resolver: .*say they do not exist \(NXDOMAIN\) — names private to this network/);
    expect(code).toBe(0);
  });

  it("a site's name pinned in this host's /etc/hosts to an address that does not serve it: the file, said with the name and address; the site ok, exit 0", async () => {
    // It read as "1 degraded (shop) of 4 sites; no shared cause found … no connection to Cloudflare edge 127.0.0.99" (exit 1).
    const { code, report } = await checkIn('hosts-file-pin');
    const shop = report.sites.find((s) => s.name === 'shop')!;
    const pinned = shop.dns.find((d) => d.resolver === 'system' && d.type === 'A')!;
    expect([pinned.server, pinned.values]).toEqual(['/etc/hosts', ['127.0.0.99']]);
    // Its AAAA is not in the file: getaddrinfo asked DNS for it.
    expect(shop.dns.find((d) => d.resolver === 'system' && d.type === 'AAAA')!.server).toBe('system');
    expect(report.incidents).toEqual([]);
    expect(statuses(report)).toEqual(ALL_OK);
    expect(report.summary).toBe('All 4 sites ok; /etc/hosts pins shop.example.com to 127.0.0.99');
    expect(report.host.notes).toEqual([
      "this host's /etc/hosts pins shop.example.com to 127.0.0.99, which does not serve it here (ECONNREFUSED), while the other resolvers give 104.16.10.10: every program on this host that looks the name up reaches the pinned address. Not the site's or its provider's fault; edit /etc/hosts (a migration test's or a staging override's leftover?)",
    ]);
    expect(code).toBe(0);
  }, 120_000);

  it("this host's resolver still giving a moved site its old provider's addresses: that resolver's stale answer, neither provider blamed", async () => {
    // It read as "degraded shop: TLS with Cloudflare edge 151.101.1.10 failed (ERR_TLS_CERT_ALTNAME_INVALID)": a
    // Fastly address named as Cloudflare's edge, and the answer that led there not said.
    const { code, report } = await checkIn('stale-answer');
    const shop = report.sites.find((s) => s.name === 'shop')!;
    const strayed = shop.attempts.filter((a) => a.outcome !== 'ok');
    expect(strayed.map((a) => [a.address, a.resolvers]).sort()).toEqual([
      ['151.101.1.10', ['system']],
      ['2a04:4e42::10', ['system']],
    ]);
    for (const a of strayed) {
      expect(a).toMatchObject({ layer: 'resolver', provider: null });
      expect(a.explanation).toMatch(/^resolver system's address for shop\.example\.com, (151\.101\.1\.10|2a04:4e42::10) \(Fastly's range\), is not where it is served: whose server's certificate is for news\.example\.org, while .*google.* give (104\.16\.10\.10|2606:4700::6810:a0a) \(Cloudflare's range\), which serves it\. A stale or overridden answer/);
    }
    expect(shop).toMatchObject({ status: 'degraded', blame: { layer: 'resolver', provider: null } });
    expect(report.incidents).toEqual([]);
    expect(statuses(report)).toEqual({ ...ALL_OK, shop: 'degraded' });
    expect(code).toBe(1);
  }, 120_000);

  it("a search domain whose wildcard answers every site's name first (ndots:5): said as this host's search list, the sites ok, exit 0", async () => {
    // It read as "All 4 sites ok; TLS to 4 sites answered with certificates from CN=Corp Root CA, untrusted here",
    // with the note "something on this network intercepts TLS for them": the intranet server's own certificate,
    // reached through real getaddrinfo's search list, read as interception.
    const { code, report } = await checkIn('search-domain-wildcard');
    const system = report.resolvers.find((r) => r.name === 'system')!;
    expect(system.nameservers).toMatchObject({ search: ['corp.example'], ndots: 5 });
    for (const s of report.sites) {
      // glibc tried <name>.corp.example first: its A answer is the wildcard's; the wildcard has no AAAA, so the
      // name's own AAAA came back.
      expect(s.dns.find((d) => d.resolver === 'system' && d.type === 'A')!.values).toEqual(['10.20.0.9']);
      expect(s.dns.find((d) => d.resolver === 'system' && d.type === 'AAAA')!.values).not.toContain('10.20.0.9');
    }
    expect(report.summary).toBe("All 4 sites ok; this host's search domain corp.example answers every name with 10.20.0.9");
    expect(report.host.notes).toHaveLength(1);
    expect(report.host.notes[0]).toMatch(/^resolver system, this host's own, answers 4 sites on different providers with one IPv4 address, 10\.20\.0\.9, which serves none of them \(its certificate is for CN=\*\.corp\.example\), while the other resolvers give the sites' own: its search domain \(corp\.example, in \/etc\/resolv\.conf or LOCALDOMAIN\) is tried first for names with fewer than 5 dots \(ndots:5\)/);
    expect(report.incidents).toEqual([]);
    expect(statuses(report)).toEqual(ALL_OK);
    expect(code).toBe(0);
  }, 120_000);

  it.skipIf(nftReason !== null)('a dead first name server in resolv.conf: every site ok, and every lookup waiting for it said, exit 0', async () => {
    const { code, report } = await checkIn('dead-nameserver');
    const system = report.resolvers.find((r) => r.name === 'system')!;
    // Asked directly because getaddrinfo answered late: the first silent for the whole wait, the next answering.
    expect(system.nameservers!.addresses).toEqual(['192.168.1.1', '192.168.53.53', 'fd00:53::53']);
    // (The lab's resolvers hold only the sites' zones: they refuse the root's name servers — a reply all the same.)
    expect(system.nameservers!.replies!.map((r) => [r.address, r.rcode !== null, r.error])).toEqual([
      ['192.168.1.1', false, 'ETIMEDOUT'],
      ['192.168.53.53', true, null],
      ['fd00:53::53', true, null],
    ]);
    for (const s of report.sites) {
      for (const d of s.dns.filter((d) => d.resolver === 'system')) expect(d.durationMs).toBeGreaterThanOrEqual(1000);
    }
    expect(report.summary).toBe("All 4 sites ok; this host's first name server 192.168.1.1 does not answer: every lookup here waits for the next");
    expect(report.host.notes).toHaveLength(1);
    expect(report.host.notes[0]).toMatch(/^\/etc\/resolv\.conf's first name server 192\.168\.1\.1 does not answer — asked directly, no reply in 2\.\d\ds — while 192\.168\.53\.53, listed after, does \(in \d+ms\): getaddrinfo asks the servers in order and waits for each silent one its whole timeout \(5 s, resolv\.conf's default\)/);
    expect(report.host.blockedResolvers).toEqual([]);
    expect(report.incidents).toEqual([]);
    expect(statuses(report)).toEqual(ALL_OK);
    expect(code).toBe(0);
    expectValidReport(report);
  }, 120_000);

  it.skipIf(nftReason !== null)('control: one operator\'s resolvers silent while another operator answers is a resolver incident (exit 2)', async () => {
    const { code, report } = await checkIn('resolver-outage');
    expect(code).toBe(2);
    expect(report.host.blockedResolvers).toEqual([]);
    expect(report.incidents.map((i) => [i.kind, i.provider, [...(i.resolvers ?? [])].sort()])).toEqual([['resolver', 'Cloudflare', ['cloudflare', 'cloudflare-v6']]]);
    // Whoever uses Cloudflare's resolvers cannot reach the sites: degraded, and blamed on that resolver operator.
    for (const site of report.sites) expect(site).toMatchObject({ status: 'degraded', blame: { layer: 'resolver', provider: 'Cloudflare' } });
  }, 120_000);
});
