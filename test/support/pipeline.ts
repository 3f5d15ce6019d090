// Recorded attempts and DNS answers through the pure stages, the way the pipeline runs them: grouped into raw
// sites (each with its own answers: its host's, and the NS walk to its zone apex), classified, correlated.

import { classifySite, retainedSite, type ClassifiedSite, type Memory } from '../../src/classify/index.js';
import { correlate, type Attribution } from '../../src/correlate/index.js';
import type { AttributionOptions } from '../../src/correlate/incidents.js';
import { siteReport } from '../../src/correlate/sites.js';
import type { Catalog } from '../../src/fingerprint/index.js';
import type { Attempt, DnsAnswer, RawAttempt, RawSite, ResolverSpec, SiteSpec } from '../../src/model.js';
import { zoneFromNsAnswer } from '../../src/plan/index.js';
import { attemptOutcome } from '../../src/classify/outcome.js';
import { loadCatalog } from '../../src/fingerprint/index.js';
import { evaluateExpect } from '../../src/probe/kinds/http.js';
import { attempt, fetchResult, site } from './records.js';
import { responses } from './responses.js';

/** A recorded attempt as the probe stage hands it over: the judgement fields dropped, samples as recorded. */
export function asRaw(a: Attempt): RawAttempt {
  const { outcome: _o, layer: _l, provider: _p, explanation: _e, location, samples, ...raw } = a;
  const resamples = samples ? samples.outcomes.slice(1).map((o) => (o === 'ok' ? { httpStatus: 200, error: null, failedPhase: null, expect: { ok: true, failures: [] } } : { httpStatus: a.httpStatus, error: a.error, failedPhase: a.failedPhase, expect: a.expect })) : null;
  return { ...raw, resamples } as RawAttempt;
}

/**
 * The site's own DNS answers: its host's, the SOA answers of its parents (the walk up from a failing name), and the
 * NS answers on the way to its zone apex.
 */
export function siteDns(site: SiteSpec, dns: DnsAnswer[]): DnsAnswer[] {
  const mine = dns.filter((d) => d.name === site.host || (d.type === 'SOA' && site.host.endsWith(`.${d.name}`)));
  const zones = new Set<string>();
  let frontier = mine.filter((d) => d.type === 'NS');
  const ns: DnsAnswer[] = [];
  for (let step = 0; step < 5 && frontier.length > 0; step += 1) {
    const next = new Set(frontier.map((d) => zoneFromNsAnswer(d)).filter((z) => !z.final && z.zone).map((z) => z.zone!));
    frontier = [...next].filter((zone) => !zones.has(zone)).flatMap((zone) => dns.filter((d) => d.name === zone && d.type === 'NS'));
    for (const z of next) zones.add(z);
    ns.push(...frontier);
  }
  return [...mine, ...ns];
}

export function rawSites(sites: SiteSpec[], dns: DnsAnswer[], attempts: Attempt[]): RawSite[] {
  return sites.map((spec) => ({ spec, dns: siteDns(spec, dns), attempts: attempts.filter((a) => a.site === spec.name).map(asRaw) }));
}

export function classifyRecorded(sites: SiteSpec[], dns: DnsAnswer[], attempts: Attempt[], resolvers: ResolverSpec[], catalog: Catalog, memory: Memory = {}): ClassifiedSite[] {
  // What the pipeline keeps of each classified site is what correlation reads.
  return rawSites(sites, dns, attempts).map((raw) => retainedSite(classifySite(raw, { resolvers, catalog, memory })));
}

/** classify + correlate over recorded records. */
export function attributeRecorded(
  config: { sites: SiteSpec[]; resolvers: ResolverSpec[] },
  dns: DnsAnswer[],
  attempts: Attempt[],
  catalog: Catalog,
  options: AttributionOptions,
  memory: Memory = {},
): Attribution {
  return correlate(classifyRecorded(config.sites, dns, attempts, config.resolvers, catalog, memory), dns, config.resolvers, options);
}

/** SiteFacts (report + stack) for the correlate rules' own tests. */
export function siteFacts(classified: ClassifiedSite[]) {
  return classified.map((site) => ({ report: siteReport(site), stack: site.stack, explained: new Set<string>() }));
}

/**
 * Sites named `names`, each served (a Cloudflare edge answering 200) at 127.0.1.<n> through `resolvers`' names — the
 * first answering — attributed over `dns`: for host rules that read the answers of sites that are all ok.
 */
export function attributeServedSites(names: string[], resolvers: ResolverSpec[], dns: DnsAnswer[], options: AttributionOptions = { minSites: 2 }): Attribution {
  const attempts: Attempt[] = names.map((name, i) => {
    const fetch = fetchResult({ url: `https://${name}/`, ...responses.cloudflareOk(), address: `127.0.1.${i + 1}` });
    const expect = evaluateExpect(site().expect, fetch);
    return attempt({ ...fetch, id: `${name}|edge`, site: name, resolver: resolvers[0]!.name, resolvers: resolvers.map((r) => r.name), expect, outcome: attemptOutcome(fetch, expect) });
  });
  return attributeRecorded({ sites: names.map((name) => site({ name, url: `https://${name}/` })), resolvers }, dns, attempts, loadCatalog([]), options);
}
