// The pure merge: which incidents are global, regional or vantage-local, and the controls that must never be
// called global (one vantage's ISP trouble, one vantage offline).

import { describe, expect, it } from 'vitest';
import { LOCAL_INCIDENT_ID, mergeReports } from '../../src/merge/index.js';
import { latestPerVantage } from '../../src/merge/runs.js';
import { globalThreshold, spreadOf, vantageImpairment } from '../../src/merge/spread.js';
import type { MergedIncident, MergedReport } from '../../src/merge/types.js';
import { cloudflareEdge, fastlyEdge, fastlyNetwork, MERGE_OPTIONS, run, T0, vantageReport } from './support.js';

const byId = (merged: MergedReport, id: string): MergedIncident => {
  const found = merged.incidents.find((i) => i.id === id);
  if (!found) throw new Error(`no incident ${id} in [${merged.incidents.map((i) => i.id).join(', ')}]`);
  return found;
};
const spreads = (merged: MergedReport) => Object.fromEntries(merged.incidents.map((i) => [i.id, [i.spread, i.vantages]]));

describe('the spread rule', () => {
  it('needs every healthy vantage up to two, then ⌈0.66 × H⌉ (computed without floating-point drift)', () => {
    expect([1, 2, 3, 4, 5, 6, 10, 50, 100].map(globalThreshold)).toEqual([1, 2, 2, 3, 4, 4, 7, 33, 66]);
    expect(spreadOf(0, 3)).toBe('vantage-local');
    expect(spreadOf(1, 3)).toBe('regional');
    expect(spreadOf(2, 3)).toBe('global');
    expect(spreadOf(1, 2)).toBe('regional');
    expect(spreadOf(3, 6)).toBe('regional');
    expect(spreadOf(4, 6)).toBe('global');
  });

  it('calls a vantage impaired when its network is down or not one of its sites was ok', () => {
    expect(vantageImpairment(vantageReport('a'))).toBeNull();
    expect(vantageImpairment(vantageReport('a', { down: ['shop', 'forum'] }))).toBeNull();
    expect(vantageImpairment(vantageReport('a', { verdict: 'local-network', down: ['shop'] }))).toMatch(/own network is down/);
    expect(vantageImpairment(vantageReport('a', { down: ['shop', 'forum', 'news', 'chirp', 'store', 'blog'] }))).toMatch(/no site was ok/);
  });
});

describe('mergeReports', () => {
  it('three loopback-like vantages: a global, a regional and a vantage-local incident', () => {
    const merged = mergeReports(
      [
        run('eu', { down: ['shop', 'forum'], incidents: [cloudflareEdge()] }),
        run('us', { down: ['shop', 'forum', 'news', 'chirp'], incidents: [cloudflareEdge(), fastlyEdge()] }),
        run('ap', { verdict: 'local-network', down: ['shop', 'forum', 'news', 'chirp', 'store', 'blog'] }),
      ],
      MERGE_OPTIONS,
    );
    expect(spreads(merged)).toEqual({
      'provider:Cloudflare:edge': ['global', ['eu', 'us']],
      'provider:Fastly:edge': ['regional', ['us']],
      [LOCAL_INCIDENT_ID]: ['vantage-local', ['ap']],
    });
    expect(merged.incidents.map((i) => i.spread)).toEqual(['global', 'regional', 'vantage-local']);
    expect(byId(merged, 'provider:Fastly:edge').notSeenFrom).toEqual(['eu']);
    const local = byId(merged, LOCAL_INCIDENT_ID);
    expect(local).toMatchObject({ kind: 'local', layer: 'local', provider: null, notSeenFrom: ['eu', 'us'], sites: ['shop', 'forum', 'news', 'chirp', 'store', 'blog'] });
    expect(local.summary).toMatch(/^Local network down at ap, vantage-local/);
    expect(merged).toMatchObject({ verdict: 'provider-incident', exitCode: 2, schema: 'outage-probe.merged/v1', vantage: 'merger', startedAt: '2026-11-22T10:05:00.000Z' });
    expect(merged.tool).toEqual({ name: 'outage-probe', version: '9.9.9' });
    expect(merged.summary).toMatch(/^Cloudflare edge incident, global: seen from every healthy vantage \(eu, us\).*\(1 global, 1 regional, 1 vantage-local\)$/);
    expect(merged.vantages.map((v) => [v.name, v.impaired === null, v.tool.version, v.startedAt, v.file])).toEqual([
      ['eu', true, '0.1.0', T0, 'eu.json'],
      ['us', true, '0.1.0', T0, 'us.json'],
      ['ap', false, '0.1.0', T0, 'ap.json'],
    ]);
  });

  it('with three healthy vantages, two of them make it global and one makes it regional', () => {
    const merged = mergeReports(
      [
        run('eu', { down: ['shop', 'forum'], incidents: [cloudflareEdge()] }),
        run('us', { down: ['shop', 'forum', 'news', 'chirp'], incidents: [cloudflareEdge(), fastlyEdge()] }),
        run('ap'),
      ],
      MERGE_OPTIONS,
    );
    expect(spreads(merged)).toEqual({ 'provider:Cloudflare:edge': ['global', ['eu', 'us']], 'provider:Fastly:edge': ['regional', ['us']] });
    expect(byId(merged, 'provider:Cloudflare:edge').notSeenFrom).toEqual(['ap']);
    expect(byId(merged, 'provider:Cloudflare:edge').summary).toMatch(/global: seen from 2 of 3 healthy vantages \(eu, us\)/);
    expect(byId(merged, 'provider:Fastly:edge').summary).toMatch(/regional: seen from us but not from eu, ap/);
  });

  describe('controls that must not be called global', () => {
    it("one vantage's ISP blocking one provider (its controls fine) is regional, named, never global", () => {
      const merged = mergeReports(
        [run('eu', { down: ['news', 'chirp'], incidents: [fastlyNetwork()] }), run('us'), run('ap')],
        MERGE_OPTIONS,
      );
      expect(spreads(merged)).toEqual({ 'provider:Fastly:network': ['regional', ['eu']] });
      expect(byId(merged, 'provider:Fastly:network').notSeenFrom).toEqual(['us', 'ap']);
    });

    it("one vantage whose ISP breaks everything: its incidents are vantage-local even though its own report blames a provider", () => {
      const everything = ['shop', 'forum', 'news', 'chirp', 'store', 'blog'] as const;
      const merged = mergeReports(
        [
          run('eu', { down: [...everything], incidents: [cloudflareEdge({ controls: [] }), fastlyNetwork({ controls: [] })] }),
          run('us'),
          run('ap'),
        ],
        MERGE_OPTIONS,
      );
      expect(merged.vantages.find((v) => v.name === 'eu')!.impaired).toMatch(/no site was ok/);
      expect(spreads(merged)).toEqual({ 'provider:Cloudflare:edge': ['vantage-local', ['eu']], 'provider:Fastly:network': ['vantage-local', ['eu']] });
      expect(merged.incidents.every((i) => i.observations.every((o) => !o.counted))).toBe(true);
      // Nothing is shared across vantages: sites fail only from an impaired vantage.
      expect(merged).toMatchObject({ verdict: 'site-failures', exitCode: 1 });
      expect(merged.summary).toBe('Vantage eu impaired: no site was ok from it, so nothing shows its own path works; no incident shared across vantages');
    });

    it('one vantage offline while the others are fine: exit 1, the offline vantage listed as vantage-local', () => {
      const merged = mergeReports([run('eu'), run('us'), run('ap', { verdict: 'local-network', down: ['shop', 'store'] })], MERGE_OPTIONS);
      expect(spreads(merged)).toEqual({ [LOCAL_INCIDENT_ID]: ['vantage-local', ['ap']] });
      expect(merged).toMatchObject({ verdict: 'site-failures', exitCode: 1 });
      expect(merged.sites.find((s) => s.name === 'shop')!.failingFrom).toEqual(['ap']);
    });

    it('an incident reported without controls does not count, even from an otherwise healthy vantage', () => {
      const merged = mergeReports([run('eu', { down: ['shop', 'forum'], incidents: [cloudflareEdge({ controls: [] })] }), run('us'), run('ap')], MERGE_OPTIONS);
      const cf = byId(merged, 'provider:Cloudflare:edge');
      expect([cf.spread, cf.vantages]).toEqual(['vantage-local', ['eu']]);
      expect(cf.evidence[0]).toMatch(/^eu \(not counted: no healthy control was seen with it there\): /);
    });
  });

  it('an impaired vantage reporting a global incident too is listed, not counted', () => {
    const merged = mergeReports(
      [
        run('eu', { down: ['shop', 'forum'], incidents: [cloudflareEdge()] }),
        run('us', { down: ['shop', 'forum'], incidents: [cloudflareEdge()] }),
        run('ap', { down: ['shop', 'forum', 'news', 'chirp', 'store', 'blog'], incidents: [cloudflareEdge({ controls: [], sites: ['shop', 'forum', 'extra'] })] }),
      ],
      MERGE_OPTIONS,
    );
    const cf = byId(merged, 'provider:Cloudflare:edge');
    expect([cf.spread, cf.vantages, cf.alsoReportedBy, cf.notSeenFrom]).toEqual(['global', ['eu', 'us'], ['ap'], []]);
    // Combined fields come from the observations that count.
    expect(cf.sites).toEqual(['shop', 'forum']);
    expect(cf.observations.map((o) => [o.vantage, o.counted])).toEqual([['eu', true], ['us', true], ['ap', false]]);
    expect(cf.summary).toMatch(/also reported by ap \(not counted\)/);
  });

  it('combines the incident fields across vantages: unions, highest confidence, earliest since, strongest acknowledgement', () => {
    const merged = mergeReports(
      [
        run('eu', { down: ['shop'], incidents: [cloudflareEdge({ sites: ['shop'], confidence: 0.7, locations: ['FRA'], healthyLocations: ['AMS'], probed: 2, scope: 'partial', since: '2026-11-22T09:50:00.000Z', acknowledged: false })] }),
        run('us', {
          down: ['shop', 'forum'],
          incidents: [
            cloudflareEdge({
              confidence: 0.9,
              locations: ['IAD', 'AMS'],
              probed: 3,
              scope: 'full',
              since: '2026-11-22T09:40:00.000Z',
              acknowledged: { by: 'status page', indicator: 'major', title: 'Elevated errors', since: null, url: 'https://www.cloudflarestatus.com/' },
            }),
          ],
        }),
      ],
      MERGE_OPTIONS,
    );
    const cf = byId(merged, 'provider:Cloudflare:edge');
    expect(cf).toMatchObject({
      sites: ['shop', 'forum'],
      confidence: 0.9,
      probed: 3,
      scope: 'partial',
      locations: ['FRA', 'IAD', 'AMS'],
      healthyLocations: [],
      since: '2026-11-22T09:40:00.000Z',
      change: null,
      acknowledged: { by: 'status page', indicator: 'major' },
    });
    expect(cf.evidence).toHaveLength(2);
    expect(cf.evidence[1]).toMatch(/^us: Cloudflare edge incident/);
  });

  it('keeps resolver incidents apart by id, with their resolver', () => {
    const q9 = (vantage: string) =>
      run(vantage, { down: ['shop'], incidents: [cloudflareEdge({ id: 'resolver:Quad9:resolver:q9', kind: 'resolver', provider: 'Quad9', layer: 'resolver', resolver: 'q9', sites: ['shop'] })] });
    const merged = mergeReports([q9('eu'), q9('us'), run('ap')], MERGE_OPTIONS);
    const incident = byId(merged, 'resolver:Quad9:resolver:q9');
    expect([incident.spread, incident.kind, incident.resolver]).toEqual(['global', 'resolver', 'q9']);
    expect(incident.summary).toMatch(/^Quad9 resolver q9 incident, global/);
  });

  describe('verdict and exit code, as check', () => {
    it('0 when every site is ok from every vantage', () => {
      const merged = mergeReports([run('eu'), run('us')], MERGE_OPTIONS);
      expect(merged).toMatchObject({ verdict: 'ok', exitCode: 0, summary: 'All 6 sites ok from 2 vantages', incidents: [], warnings: [] });
    });

    it('1 when a site fails from a healthy vantage with nothing shared', () => {
      const merged = mergeReports([run('eu', { down: ['shop'] }), run('us')], MERGE_OPTIONS);
      expect(merged).toMatchObject({ verdict: 'site-failures', exitCode: 1, summary: '1 site failing (shop from eu); no incident shared across vantages' });
    });

    it('2 for a regional incident alone', () => {
      const merged = mergeReports([run('eu', { down: ['news', 'chirp'], incidents: [fastlyEdge()] }), run('us')], MERGE_OPTIONS);
      expect(merged).toMatchObject({ verdict: 'provider-incident', exitCode: 2 });
    });

    it('3 only when every vantage is offline', () => {
      const offline = (name: string) => run(name, { verdict: 'local-network', down: ['shop'] });
      const merged = mergeReports([offline('eu'), offline('us')], MERGE_OPTIONS);
      expect(merged).toMatchObject({ verdict: 'local-network', exitCode: 3, summary: "Every vantage's own network is down (eu, us); no provider is blamed" });
      expect(spreads(merged)).toEqual({ [LOCAL_INCIDENT_ID]: ['vantage-local', ['eu', 'us']] });
    });
  });

  it('lists each site with its status from every vantage that probed it', () => {
    const other = { ...vantageReport('ap'), sites: [vantageReport('ap', { down: ['blog'] }).sites.find((s) => s.name === 'blog')!] };
    const merged = mergeReports([run('eu', { down: ['shop'] }), run('us'), { file: 'ap.json', report: other }], MERGE_OPTIONS);
    const shop = merged.sites.find((s) => s.name === 'shop')!;
    expect(shop.byVantage.map((v) => [v.vantage, v.status])).toEqual([['eu', 'down'], ['us', 'ok']]);
    expect(shop.failingFrom).toEqual(['eu']);
    expect(shop.byVantage[0]!.blame).toMatchObject({ layer: 'site' });
    expect(merged.sites.find((s) => s.name === 'blog')!.failingFrom).toEqual(['ap']);
  });

  it('warns when too few healthy vantages are left to compare', () => {
    const merged = mergeReports([run('eu', { down: ['shop', 'forum'], incidents: [cloudflareEdge()] }), run('ap', { verdict: 'local-network' })], MERGE_OPTIONS);
    expect(byId(merged, 'provider:Cloudflare:edge').spread).toBe('global');
    expect(byId(merged, 'provider:Cloudflare:edge').summary).toMatch(/seen from the only healthy vantage/);
    expect(merged.warnings).toEqual(['only 1 healthy vantage of 2: global and regional compare too few vantage points to mean much']);
  });

  it('warns about a run that was cut short', () => {
    const cut = run('eu');
    cut.report = { ...cut.report, complete: false };
    expect(mergeReports([cut, run('us')], MERGE_OPTIONS).warnings).toEqual([expect.stringMatching(/^vantage eu: its run was cut short/)]);
  });
});

describe('one run per vantage', () => {
  const at = (iso: string, file: string, durationMs = 2000) => run('eu', { startedAt: iso, file, durationMs });

  it('two overlapping runs from one vantage: the later is kept, with a warning naming both', () => {
    const { runs, warnings } = latestPerVantage([at('2026-11-22T10:00:01.000Z', 'late.json'), at('2026-11-22T10:00:00.000Z', 'early.json'), run('us')]);
    expect(runs.map((r) => r.file)).toEqual(['late.json', 'us.json']);
    expect(warnings).toEqual([
      'vantage eu: the runs in early.json (started 2026-11-22T10:00:00.000Z) and late.json (started 2026-11-22T10:00:01.000Z) overlap in time (two probes with the same --vantage?); keeping the later one, late.json',
    ]);
  });

  it('the same vantage at different times: the latest is used, with a warning', () => {
    const { runs, warnings } = latestPerVantage([at('2026-11-22T10:05:00.000Z', 'new.json'), at('2026-11-22T10:00:00.000Z', 'old.json')]);
    expect(runs.map((r) => r.file)).toEqual(['new.json']);
    expect(warnings).toEqual(['vantage eu: an older run in old.json (started 2026-11-22T10:00:00.000Z) is dropped; using the latest, new.json (started 2026-11-22T10:05:00.000Z)']);
  });

  it('the same run given twice is used once', () => {
    const { runs, warnings } = latestPerVantage([at(T0, 'a.json'), at(T0, 'b.json')]);
    expect(runs.map((r) => r.file)).toEqual(['b.json']);
    expect(warnings).toEqual(['vantage eu: a.json and b.json hold the same run; using it once']);
  });

  it('a vantage far behind the newest run is kept, with a warning', () => {
    const { runs, warnings } = latestPerVantage([run('eu', { startedAt: '2026-11-22T08:00:00.000Z' }), run('us')]);
    expect(runs).toHaveLength(2);
    expect(warnings).toEqual(['vantage eu: its run (2026-11-22T08:00:00.000Z) is 120 min older than the newest one merged; its view may be out of date']);
  });

  it('mergeReports carries the warnings and counts the vantage once', () => {
    const merged = mergeReports([at('2026-11-22T10:00:00.000Z', 'old.json'), at('2026-11-22T10:05:00.000Z', 'new.json'), run('us', { startedAt: '2026-11-22T10:05:00.000Z' })], MERGE_OPTIONS);
    expect(merged.vantages.map((v) => [v.name, v.file])).toEqual([['eu', 'new.json'], ['us', 'us.json']]);
    expect(merged.warnings).toHaveLength(1);
  });
});
