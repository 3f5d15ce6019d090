// The check table at any resolver count: one column per resolver when they fit, else one per operator (its
// resolvers' agreed result, or each result with the resolvers that gave it), else one column for all; every
// line within the width. Tried with 1, 3, 7 and 12 resolvers at 80, 100 and 120 columns.

import { describe, expect, it } from 'vitest';
import type { ResolverReport, SiteReport } from '../../src/model.js';
import { renderTable } from '../../src/report/table.js';
import { attempt, dnsAnswer } from '../support/records.js';
import { report, siteReport } from '../state/reports.js';

const OPERATORS: Array<[string, string | null]> = [
  ['system', null],
  ['cloudflare', 'Cloudflare'],
  ['cloudflare-secondary', 'Cloudflare'],
  ['cloudflare-doh', 'Cloudflare'],
  ['google', 'Google'],
  ['google-doh', 'Google'],
  ['quad9', 'Quad9'],
  ['quad9-doh', 'Quad9'],
  ['opendns', 'Cisco OpenDNS'],
  ['adguard', 'AdGuard'],
  ['mullvad', 'Mullvad'],
  ['nextdns', 'NextDNS'],
];

/** The packaged default's seven: system, three Cloudflare, two Google, one Quad9. */
const SEVEN = [0, 1, 2, 3, 4, 5, 6];

function resolvers(indexes: number[]): ResolverReport[] {
  return indexes.map((i) => ({ name: OPERATORS[i]![0], kind: 'udp', address: `127.0.0.${i + 1}`, url: null, provider: OPERATORS[i]![1] }));
}

function sites(names: string[], failingAt: string | null): SiteReport[] {
  return ['shop', 'news', 'blog'].map((site) =>
    siteReport(site, failingAt && site === 'shop' ? 'degraded' : 'ok', {
      reason: null,
      blame: null,
      dns: failingAt && site === 'shop' ? [dnsAnswer({ resolver: failingAt, name: `${site}.test`, outcome: 'timeout', rcode: null, values: [] })] : [],
      attempts: [
        attempt({ site, id: `${site}|ok`, resolvers: names.filter((n) => n !== failingAt || site !== 'shop'), httpStatus: 200, timings: { connectMs: 5, tlsMs: 5, ttfbMs: 40, totalMs: 41 } }),
        ...(failingAt && site === 'shop' ? [attempt({ site, id: `${site}|dns`, resolvers: [failingAt], resolver: failingAt, address: null, outcome: 'dns-error', httpStatus: null, error: { code: 'ETIMEDOUT', message: 'timeout' }, failedPhase: 'dns' })] : []),
      ],
    }),
  );
}

function table(indexes: number[], width: number, failingAt: string | null = null): string[] {
  const rs = resolvers(indexes);
  const r = { ...report(sites(rs.map((x) => x.name), failingAt)), resolvers: rs };
  return renderTable(r, { color: false, verbose: false, width }).split('\n');
}

const header = (lines: string[]) => lines.find((l) => l.startsWith('│ Site'))!;

describe('resolver columns', () => {
  for (const count of [1, 3, 7, 12]) {
    for (const width of [80, 100, 120]) {
      it(`${count} resolvers at ${width} columns: every line fits`, () => {
        const indexes = count === 7 ? SEVEN : Array.from({ length: count }, (_, i) => i);
        const lines = table(indexes, width, count >= 3 ? 'cloudflare' : null);
        expect(Math.max(...lines.map((l) => [...l].length))).toBeLessThanOrEqual(width);
      });
    }
  }

  it('three resolvers at 80 columns: one column each', () => {
    expect(header(table([0, 1, 4], 80))).toMatch(/│ system +│ cloudflare +│ google +│/);
  });

  it("the packaged default's seven at 100 columns: side by side by operator, and an operator's split named", () => {
    const lines = table(SEVEN, 100, 'cloudflare');
    expect(header(lines)).toMatch(/│ system +│ Cloudflare \(3\) +│ Google \(2\) +│ quad9 +│/);
    // The Cloudflare column of shop's row, its wrapped lines joined.
    const start = lines.findIndex((l) => l.startsWith('│ shop'));
    const rows = [lines[start]!, ...lines.slice(start + 1).filter((l, i, all) => all.slice(0, i + 1).every((x) => /^│ {8}│/.test(x)))];
    const cell = rows.map((l) => l.split('│')[4]!.trim()).join(' ');
    expect(cell).toBe('cloudflare: DNS timeout; cloudflare-se…, cloudflare-doh: ok 40ms');
    // Agreeing operators show one result.
    expect(lines.find((l) => l.startsWith('│ news'))).toMatch(/│ ok 40ms +│ ok 40ms +│ ok 40ms +│ ok 40ms +│/);
  });

  it('twelve resolvers at 80 columns: one column for all, still naming the one that differs', () => {
    const lines = table(Array.from({ length: 12 }, (_, i) => i), 80, 'cloudflare');
    expect(header(lines)).toMatch(/│ Resolvers +│/);
    expect(lines.find((l) => l.startsWith('│ news'))).toMatch(/all 12 ok 40ms/);
    expect(lines.join('\n')).toMatch(/cloudflare: DNS timeout/);
  });
});

describe('short words in cells and counts', () => {
  it('a resolver this host cannot reach reads "unreachable" in its cell (not a cut NETWORK-ERROR)', () => {
    const rs = resolvers([0, 1, 4]);
    const shop = siteReport('shop', 'degraded', {
      reason: null,
      blame: null,
      dns: [dnsAnswer({ resolver: 'cloudflare', name: 'shop.test', outcome: 'network-error', rcode: null, values: [] })],
      attempts: [
        attempt({ site: 'shop', id: 'shop|ok', resolvers: ['system', 'google'], httpStatus: 200 }),
        attempt({ site: 'shop', id: 'shop|dns', resolvers: ['cloudflare'], resolver: 'cloudflare', address: null, outcome: 'dns-error', httpStatus: null, error: { code: 'ENETUNREACH', message: 'no route' }, failedPhase: 'dns' }),
      ],
    });
    const lines = renderTable({ ...report([shop]), resolvers: rs }, { color: false, verbose: false, width: 80 }).split('\n');
    expect(lines.find((l) => l.startsWith('│ shop'))).toMatch(/│ unreachable +│/);
  });

  it('one site is "1 site"', () => {
    const untested = siteReport('shop', 'untested', { reason: 'nothing could be tested from this host', blame: null, dns: [], attempts: [] });
    const text = renderTable({ ...report([untested], [], { verdict: 'local-network' }), resolvers: resolvers([0]) }, { color: false, verbose: false, width: 100 });
    expect(text).toMatch(/Not tested from here \(1 of 1 site\): shop/);
  });

  it('a long list on an offline host is named in part, its counts grouped: a screen, not one line per thousand sites', () => {
    const sites = Array.from({ length: 25_000 }, (_, i) => siteReport(`s${i}`, 'untested', { reason: 'nothing could be tested from this host', blame: null, dns: [], attempts: [] }));
    const text = renderTable({ ...report(sites, [], { verdict: 'local-network' }), resolvers: resolvers([0]) }, { color: false, verbose: false, width: 100 });
    expect(text).toMatch(/ · 25,000 sites · /);
    expect(text.replace(/\n\s+/g, ' ')).toMatch(/Not tested from here \(25,000 of 25,000 sites\): s0, s1, .*, s19 \+24,980 more/);
    expect(text.split('\n').length).toBeLessThan(20);
  });
});

describe('resolver cells say why a resolver gave no address, or that its answer was stale', () => {
  const rs = resolvers([0, 1, 2]);
  const [a, b, c] = rs.map((r) => r.name) as [string, string, string];
  const withEde = (resolver: string, code: number, text: string, outcome: 'ok' | 'servfail' | 'refused') =>
    dnsAnswer({ resolver, name: 'shop.test', outcome, rcode: outcome === 'ok' ? 'NOERROR' : outcome.toUpperCase(), values: outcome === 'ok' ? ['127.0.0.9'] : [], ede: [{ code, text }] });
  const noAddress = (resolver: string) => attempt({ site: 'shop', id: `shop|dns:${resolver}`, resolvers: [resolver], resolver, address: null, outcome: 'dns-error', httpStatus: null, error: { code: 'SERVFAIL', message: 'x' }, failedPhase: 'dns' });

  it('DNSSEC, withheld, refuses us; stale 40ms for an address from cache past its TTL', () => {
    const site = siteReport('shop', 'degraded', {
      reason: null,
      blame: null,
      dns: [withEde(a, 6, 'DNSSEC Bogus', 'servfail'), withEde(b, 16, 'Censored', 'refused'), withEde(c, 3, 'Stale Answer', 'ok')],
      attempts: [noAddress(a), noAddress(b), attempt({ site: 'shop', id: 'shop|ok', resolvers: [c], httpStatus: 200, timings: { connectMs: 5, tlsMs: 5, ttfbMs: 40, totalMs: 41 } })],
    });
    const text = renderTable({ ...report([site]), resolvers: rs }, { color: false, verbose: false, width: 120 });
    const row = text.split('\n').find((l) => l.startsWith('│ shop'))!;
    expect(row.split('│').slice(3, 6).map((cell) => cell.trim())).toEqual(['DNSSEC', 'withheld', 'stale 40ms']);
    const refused = siteReport('shop', 'degraded', { reason: null, blame: null, dns: [withEde(a, 18, 'Prohibited', 'refused')], attempts: [noAddress(a)] });
    const refusedRow = renderTable({ ...report([refused]), resolvers: rs }, { color: false, verbose: false, width: 120 }).split('\n').find((l) => l.startsWith('│ shop'))!;
    expect(refusedRow.split('│')[3]!.trim()).toBe('refuses us');
  });
});
