// Drift: with --state, a site whose provider at a layer (DNS host, edge, hosting) is not the one the last run saw
// is reported once, in the report and as a provider-changed event; memory, silence and challenges are no drift.

import { describe, expect, it } from 'vitest';
import type { SiteProvider } from '../../src/model.js';
import { compareRuns, providerChanges } from '../../src/state/transitions.js';
import { eventPayload } from '../../src/notify/events.js';
import { renderTable } from '../../src/report/table.js';
import { report, siteReport } from './reports.js';

const on = (edge: string, dns = 'Cloudflare'): SiteProvider[] => [
  { layer: 'authoritative-dns', provider: dns, evidence: ['NS kate.ns.cloudflare.com'] },
  { layer: 'edge', provider: edge, evidence: [`header of ${edge}`] },
];

describe('provider changes', () => {
  it('a moved CDN is reported once: in the report, as an event, and in the table', () => {
    const first = compareRuns(null, report([siteReport('shop', 'ok', { providers: on('Fastly') })]), '2026-12-01T10:00:00.000Z');
    expect(first.report.providerChanges).toEqual([]);
    const moved = report([siteReport('shop', 'ok', { providers: on('Cloudflare') })]);
    const second = compareRuns(first.next, moved, '2026-12-01T10:05:00.000Z');
    expect(second.report.providerChanges).toEqual([{ site: 'shop', layer: 'edge', from: 'Fastly', to: 'Cloudflare', evidence: ['header of Cloudflare'] }]);
    expect(second.events.map((e) => [e.type, e.text])).toEqual([['provider-changed', ':arrows_counterclockwise: shop: edge (CDN) changed from Fastly to Cloudflare (from probe-1)']]);
    expect(eventPayload(second.events, second.report).text).toContain('changed from Fastly to Cloudflare');
    expect(renderTable(second.report, { color: false, verbose: false, width: 100 })).toContain('Changed shop: edge (CDN) Fastly → Cloudflare since the last run');
    // The state now remembers Cloudflare: the next run with the same stack reports nothing.
    const third = compareRuns(second.next, moved, '2026-12-01T10:10:00.000Z');
    expect(third.report.providerChanges).toEqual([]);
    expect(third.events).toEqual([]);
  });

  it('a new DNS host is a change at its own layer', () => {
    const changes = providerChanges({ shop: on('Cloudflare', 'Cloudflare') }, [siteReport('shop', 'ok', { providers: on('Cloudflare', 'AWS') })]);
    expect(changes.map((c) => [c.layer, c.from, c.to])).toEqual([['authoritative-dns', 'Cloudflare', 'AWS']]);
  });

  it('what this run filled in from memory, or did not see, or a challenge appearing, is no change', () => {
    const remembered: SiteProvider[] = [{ layer: 'edge', provider: 'Akamai', evidence: ['remembered from an earlier run: header x'] }];
    const challenge: SiteProvider[] = [...on('Cloudflare'), { layer: 'challenge', provider: 'Cloudflare', evidence: ['challenge page served'] }];
    expect(providerChanges({ shop: on('Cloudflare') }, [siteReport('shop', 'down', { providers: remembered })])).toEqual([]);
    expect(providerChanges({ shop: on('Cloudflare') }, [siteReport('shop', 'down', { providers: [] })])).toEqual([]);
    expect(providerChanges({ shop: on('Cloudflare') }, [siteReport('shop', 'ok', { providers: challenge })])).toEqual([]);
    expect(providerChanges({}, [siteReport('shop', 'ok', { providers: on('Cloudflare') })])).toEqual([]);
  });
});
