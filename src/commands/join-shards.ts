// The N shard reports of one vantage (check --shard K/N) → the report one unsharded run would have made. Incidents
// are cross-site claims ("7 sites fail at Cloudflare's edge"), and a shard sees only its share of the sites, so the
// shards' own incidents are not added up: their classified sites are correlated again, together, with the same
// rules and the config's settings. Classification is not redone (the reports carry no bodies): each attempt keeps
// the reading its shard gave it, and each site its stack as its shard found it.

import type { ClassifiedSite } from '../classify/index.js';
import { customerZone, failingSiteFacts, zoneNameServers } from '../classify/stack.js';
import type { Config, DnsAnswer, Report, SiteReport, LossProbe, LookupsAskedAgain } from '../model.js';
import { judge, NOT_COMPARED } from './pipeline.js';
import { resolverReport, withLookupsAskedAgain, withSystemNameservers } from '../config/resolvers.js';
import { loadCatalog, type Catalog } from '../fingerprint/index.js';
import { plural } from '../util/text.js';

export type JoinResult = { report: Report; warnings: string[] } | { problem: string };

/** Shard reports grouped by vantage; reports without a shard pass through untouched. */
export function groupShards(reports: Report[]): { whole: Report[]; shards: Map<string, Report[]> } {
  const whole: Report[] = [];
  const shards = new Map<string, Report[]>();
  for (const report of reports) {
    if (!report.shard) whole.push(report);
    else shards.set(report.vantage, [...(shards.get(report.vantage) ?? []), report]);
  }
  return { whole, shards };
}

export function joinShards(reports: Report[], config: Config): JoinResult {
  const vantage = reports[0]!.vantage;
  const count = reports[0]!.shard!.count;
  if (reports.some((r) => r.shard!.count !== count)) {
    return { problem: `vantage ${vantage}: shards of different splits (${[...new Set(reports.map((r) => `/${r.shard!.count}`))].join(', ')}): give the N reports of one --shard K/N run` };
  }
  const byIndex = new Map<number, Report>();
  for (const r of reports) {
    if (byIndex.has(r.shard!.index)) return { problem: `vantage ${vantage}: shard ${r.shard!.index}/${count} given twice` };
    byIndex.set(r.shard!.index, r);
  }
  const names = config.resolvers.map((r) => r.name).join(', ');
  const odd = reports.find((r) => r.resolvers.map((x) => x.name).join(', ') !== names);
  if (odd) return { problem: `vantage ${vantage}: shard ${odd.shard!.index}/${count} asked resolvers ${odd.resolvers.map((x) => x.name).join(', ')}, the config (${config.source}) names ${names}: join shards with the config they ran with (--config)` };

  const warnings: string[] = [];
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0) warnings.push(`vantage ${vantage}: ${plural(missing.length, 'shard')} of ${count} missing (${missing.map((i) => `${i}/${count}`).join(', ')}): their sites are not in the report`);

  const catalog = loadCatalog(config.providers);
  const ordered = [...byIndex.values()].sort((a, b) => a.shard!.index - b.shard!.index);
  const classified = ordered.flatMap((r) => r.sites.map((site) => classifiedAgain(site, catalog)));
  const first = ordered[0]!;
  // The servers this host's resolver asked, as the shards read them (the config cannot say): a shard's that asked
  // them directly first.
  const systemServers = ordered.map((r) => r.resolvers.find((x) => x.kind === 'system')?.nameservers ?? null);
  const asked = systemServers.find((ns) => ns?.replies !== undefined) ?? systemServers[0] ?? null;
  const lossProbes = shardLossProbes(ordered);
  const resolvers = withLookupsAskedAgain(withSystemNameservers(config.resolvers, asked), shardsAskedAgain(ordered));
  const { attribution, verdict } = judge(classified, everyAnswer(classified), { ...config, resolvers }, { remembering: false, ...(lossProbes ? { lossProbes } : {}) });
  const complete = missing.length === 0 && ordered.every((r) => r.complete);
  const interrupted = ordered.find((r) => r.exitCode >= 128);
  return {
    report: {
      ...first,
      startedAt: ordered.map((r) => r.startedAt).sort()[0]!,
      durationMs: Math.max(...ordered.map((r) => r.durationMs)),
      complete,
      verdict: verdict.verdict,
      summary: verdict.summary,
      exitCode: interrupted ? interrupted.exitCode : verdict.exitCode,
      resolvers: resolvers.map((r) => resolverReport(r, lossProbes)),
      host: attribution.host,
      sites: attribution.sites,
      incidents: attribution.incidents,
      findings: attribution.findings,
      ...NOT_COMPARED,
    },
    warnings,
  };
}

/** A reported site as correlate reads it: its attempts as its shard judged them, its stack as its shard found it. */
function classifiedAgain(site: SiteReport, catalog: Catalog): ClassifiedSite {
  const provider = (layer: string) => {
    const name = site.providers.find((p) => p.layer === layer)?.provider;
    return catalog.providers.find((p) => p.name === name) ?? null;
  };
  const attempts = site.attempts.map((a) => ({ ...a, bodySample: a.bodySample ?? '' }));
  const zone = customerZone(site.dns, catalog);
  return {
    // Correlation reads a spec's name, url, host, kind and provider only; the report has those.
    spec: { name: site.name, url: site.url, host: site.host, kind: site.kind, provider: site.declaredProvider } as ClassifiedSite['spec'],
    dns: site.dns,
    attempts,
    stack: {
      providers: site.providers,
      dnsHost: provider('authoritative-dns'),
      edge: provider('edge'),
      origin: provider('origin'),
      nameServers: zoneNameServers(site.dns),
      zone,
      ...failingSiteFacts(site.dns, attempts, zone, catalog),
    },
    chain: site.chain,
    failingZone: site.failingZone,
  };
}

/** By resolver name, the questions asked again over all shards (each asked its own), or null when none ran out. */
function shardsAskedAgain(reports: Report[]): Map<string, LookupsAskedAgain> | null {
  const byName = new Map<string, LookupsAskedAgain[]>();
  for (const report of reports) for (const r of report.resolvers) if (r.askedAgain) byName.set(r.name, [...(byName.get(r.name) ?? []), r.askedAgain]);
  if (byName.size === 0) return null;
  return new Map(
    [...byName].map(([name, each]) => {
      const paced = each.map((a) => a.pacedAt).filter((p): p is number => p !== undefined);
      const sum = (field: 'ranOut' | 'asked' | 'answered') => each.reduce((n, a) => n + a[field], 0);
      return [name, { ranOut: sum('ranOut'), asked: sum('asked'), answered: sum('answered'), names: [...new Set(each.flatMap((a) => a.names))].slice(0, 5), ...(paced.length > 0 ? { pacedAt: Math.min(...paced) } : {}) }];
    }),
  );
}

/** Each plain-DNS resolver's loss probes over all shards (each shard sent its own, or none). */
function shardLossProbes(reports: Report[]): Map<string, LossProbe> | undefined {
  const sum = new Map<string, LossProbe>();
  for (const report of reports) {
    for (const r of report.resolvers) {
      if (!r.lossProbe) continue;
      const seen = sum.get(r.name) ?? { sent: 0, answered: 0 };
      sum.set(r.name, { sent: seen.sent + r.lossProbe.sent, answered: seen.answered + r.lossProbe.answered });
    }
  }
  return sum.size > 0 ? sum : undefined;
}

/** Every answer of the run once: a zone's NS answer is in the record of each site in that zone. */
function everyAnswer(sites: ClassifiedSite[]): DnsAnswer[] {
  const seen = new Map<string, DnsAnswer>();
  for (const site of sites) {
    for (const d of site.dns) {
      const key = `${d.resolver}|${d.name}|${d.type}`;
      if (!seen.has(key)) seen.set(key, d);
    }
  }
  return [...seen.values()];
}
