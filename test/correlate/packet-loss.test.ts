// A host whose path loses packets (a weak Wi-Fi, a congested uplink): some of everything is lost, so a question or a
// fetch times out here and there while the same parties answer the rest. The run's loss probes show it
// (probe/dns/loss-probe.ts: questions resolvers answer from their caches, one datagram each); lost at resolvers of two
// operators or more it is this host's path, and those timeouts are read as it (correlate/packet-loss.ts), never as a
// site's, a provider's or a resolver's. Recorded answers through classify and correlate, the way the pipeline runs them.

import { describe, expect, it } from 'vitest';
import { attributeRecorded } from '../support/pipeline.js';
import { decideVerdict } from '../../src/correlate/verdict.js';
import { loadCatalog } from '../../src/fingerprint/index.js';
import type { Attempt, DnsAnswer, ResolverSpec, LossProbe } from '../../src/model.js';
import { attempt, dnsAnswer, fetchResult, site } from '../support/records.js';
import { responses } from '../support/responses.js';

const catalog = loadCatalog([]);
const wire = (name: string, provider: string, address: string): ResolverSpec => ({ name, kind: 'udp', address, port: 53, provider });
const RESOLVERS = [wire('cloudflare', 'Cloudflare', '1.1.1.1'), wire('google', 'Google', '8.8.8.8'), wire('quad9', 'Quad9', '9.9.9.9')];
const RESOLVER_NAMES = RESOLVERS.map((r) => r.name);

/** Loss probes lost at Cloudflare's and Google's resolvers: 7 of 48. */
const LOSSY: ReadonlyMap<string, LossProbe> = new Map([
  ['cloudflare', { sent: 16, answered: 13 }],
  ['google', { sent: 16, answered: 12 }],
  ['quad9', { sent: 16, answered: 16 }],
]);
/** As many lost at one operator's resolver only: its own path. */
const ONE_OPERATOR: ReadonlyMap<string, LossProbe> = new Map([
  ['cloudflare', { sent: 16, answered: 16 }],
  ['google', { sent: 16, answered: 9 }],
  ['quad9', { sent: 16, answered: 16 }],
]);

const timeout = { outcome: 'timeout' as const, httpStatus: null, error: { code: 'ETIMEDOUT', message: 'no response within 5000 ms' }, failedPhase: 'response' as const };

interface SiteShape {
  name: string;
  /** Edge addresses: each serves with these headers, or times out. */
  edges: Array<{ address: string; served: ReturnType<(typeof responses)['healthy']> | null }>;
  /** Resolvers that time out for this site's name (the others answer). */
  silentAt?: string[];
}

function run(shapes: SiteShape[], lossProbes: ReadonlyMap<string, LossProbe> | undefined) {
  const dns: DnsAnswer[] = shapes.flatMap((s) =>
    RESOLVER_NAMES.flatMap((r) =>
      s.silentAt?.includes(r)
        ? [dnsAnswer({ resolver: r, name: `${s.name}.test`, type: 'A', outcome: 'timeout', rcode: null, values: [], error: { code: 'ETIMEDOUT', message: 'no reply within 5000 ms' } })]
        : [dnsAnswer({ resolver: r, name: `${s.name}.test`, type: 'A', values: s.edges.map((e) => e.address) }), dnsAnswer({ resolver: r, name: `${s.name}.test`, type: 'AAAA', outcome: 'empty', values: [] })],
    ),
  );
  const attempts = shapes.flatMap((s): Attempt[] => {
    const answering = RESOLVER_NAMES.filter((r) => !s.silentAt?.includes(r));
    return [
      ...s.edges.map((e) =>
        e.served
          ? attempt({ ...fetchResult({ ...e.served, address: e.address }), id: `${s.name}|edge|${e.address}`, site: s.name, resolver: answering[0]!, resolvers: answering, outcome: 'ok' })
          : attempt({ ...fetchResult({ ...timeout, address: e.address }), id: `${s.name}|edge|${e.address}`, site: s.name, resolver: answering[0]!, resolvers: answering, outcome: 'timeout' }),
      ),
      ...(s.silentAt ?? []).map((r) =>
        attempt({ ...fetchResult({ httpStatus: null, address: null, error: { code: 'ETIMEDOUT', message: 'no reply within 5000 ms' }, failedPhase: 'dns' }), id: `${s.name}|edge|dns:${r}`, site: s.name, resolver: r, resolvers: [r], outcome: 'dns-error' }),
      ),
    ];
  });
  const sites = shapes.map((s) => site({ name: s.name, url: `https://${s.name}.test/` }));
  const result = attributeRecorded({ sites, resolvers: RESOLVERS }, dns, attempts, catalog, { minSites: 2, ...(lossProbes ? { lossProbes } : {}) });
  return { ...result, verdict: decideVerdict(result.sites, result.local, result.incidents, result.host, result.findings), status: Object.fromEntries(result.sites.map((s) => [s.name, s.status])) };
}

const cf = responses.cloudflareOk();
const fastly = responses.fastlyOk();
/** Seven healthy sites on two CDNs and one timeout of each kind a lossy path makes. */
const SPORADIC: SiteShape[] = [
  // A resolver's question lost: the other two answered it, and it answered every other name.
  { name: 'shop', edges: [{ address: '104.16.1.1', served: cf }], silentAt: ['quad9'] },
  // One of a site's two Cloudflare addresses timed out; the other served.
  { name: 'blog', edges: [{ address: '104.16.2.1', served: cf }, { address: '104.16.2.2', served: null }] },
  // A site's only address timed out, while its provider's other sites served.
  { name: 'docs', edges: [{ address: '151.101.3.1', served: null }] },
  { name: 'wiki', edges: [{ address: '151.101.4.1', served: fastly }] },
  { name: 'news', edges: [{ address: '151.101.5.1', served: fastly }] },
  { name: 'mail', edges: [{ address: '104.16.6.1', served: cf }] },
  { name: 'maps', edges: [{ address: '104.16.7.1', served: cf }] },
];

describe("a host whose path loses packets", () => {
  it('timeouts here and there where the rest answered are the loss: all sites ok but one untested, said once, nobody blamed', () => {
    const r = run(SPORADIC, LOSSY);
    expect(r.incidents).toEqual([]);
    expect(r.findings).toEqual([]);
    expect(r.status).toEqual({ shop: 'ok', blog: 'ok', docs: 'untested', wiki: 'ok', news: 'ok', mail: 'ok', maps: 'ok' });
    expect(r.verdict.verdict).toBe('ok');
    expect(r.verdict.exitCode).toBe(0);
    expect(r.host.summary).toBe("packet loss on this host's path (15 % of probe questions lost)");
    expect(r.host.notes).toContain(
      "this host's path loses packets: 7 of 48 questions resolvers of 2 operators (Cloudflare, Google) answer from their caches went unanswered (15 %; one datagram each, 1 s to answer): a Wi-Fi or uplink losing traffic, a congested link; 3 timeouts where the rest answered are read as this loss, not as a site's, a provider's or a resolver's",
    );
  });

  it('control: the same timeouts with no loss seen are read as before (a degraded site, a site down, a resolver missing a name)', () => {
    const r = run(SPORADIC, undefined);
    expect(r.status).toMatchObject({ shop: 'degraded', blog: 'degraded', docs: 'down' });
    expect(r.verdict.exitCode).toBe(1);
    expect(r.host.summary).toBeNull();
  });

  it("loss at one operator's resolvers only is that operator's path, not this host's: nothing is set aside", () => {
    const r = run(SPORADIC, ONE_OPERATOR);
    expect(r.status).toMatchObject({ shop: 'degraded', blog: 'degraded', docs: 'down' });
    expect(r.host.notes.join(' ')).not.toMatch(/loses packets/);
  });

  it('a provider failing beyond loss — two sites of it, none served — stays its own, with the loss said beside it', () => {
    const shapes: SiteShape[] = [
      { name: 'docs', edges: [{ address: '151.101.3.1', served: null }] },
      { name: 'wiki', edges: [{ address: '151.101.4.1', served: null }] },
      { name: 'mail', edges: [{ address: '104.16.6.1', served: cf }] },
      { name: 'maps', edges: [{ address: '104.16.7.1', served: cf }] },
    ];
    const r = run(shapes, LOSSY);
    expect(r.status).toEqual({ docs: 'down', wiki: 'down', mail: 'ok', maps: 'ok' });
    expect(r.incidents.map((i) => [i.provider, i.sites])).toEqual([['Fastly', ['docs', 'wiki']]]);
    expect(r.host.summary).toMatch(/^packet loss on this host's path/);
  });

  it('so much loss that most sites were never seen served: the verdict says this host\'s path, exit 3, nobody blamed', () => {
    const shapes: SiteShape[] = [
      { name: 'shop', edges: [{ address: '104.16.1.1', served: null }] },
      { name: 'docs', edges: [{ address: '151.101.3.1', served: null }] },
      { name: 'wiki', edges: [{ address: '13.107.4.1', served: null }] },
      { name: 'maps', edges: [{ address: '104.16.7.1', served: cf }] },
    ];
    const r = run(shapes, LOSSY);
    expect(r.incidents).toEqual([]);
    expect(r.local.down).toBe(true);
    expect(r.verdict.verdict).toBe('local-network');
    expect(r.verdict.exitCode).toBe(3);
    expect(r.verdict.summary).toMatch(/this host's path loses packets: 7 of 48 questions/);
    expect(r.host.notes[0]).toMatch(/^nothing is blamed and most sites could not be tested from here: this host's path loses packets/);
  });
});
