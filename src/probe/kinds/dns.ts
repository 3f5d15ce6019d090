// The dns probe kind (`probe: dns`): ask every resolver for one record type of one name, and check the answers
// against the site's `expect` — the response code (NOERROR with an answer unless given), text an answer record
// must contain, DNSSEC validation (the AD bit) and time. Each resolver's answer is one attempt on the `dns` path,
// so attribution, the table and every output treat a DNS check like any other site.

import type { DnsAnswer, DnsQuery, ExpectResult, FetchResult, RawAttempt, RawSite, ResolverSpec, SampleResult, SiteSpec } from '../../model.js';
import { dnsQuery, fetchId, nsQueries, type SitePlan } from '../../plan/index.js';
import { queryDns, transportFor } from '../dns/index.js';
import { emptyFetchResult } from '../http/fetch.js';
import type { ProbeSession } from '../session.js';
import { notProbedSite, walkToZoneApex } from './http.js';
import type { ProbeKind } from './types.js';

export const dnsKind: ProbeKind = {
  id: 'dns',
  plan: planDnsSite,
  probe: probeDnsSite,
  notProbed: (site, signal) => notProbedSite(site, 'dns', signal),
  async again(attempt, site, session) {
    const resolver = session.resolvers.find((r) => r.name === attempt.resolver);
    if (!resolver) return { httpStatus: null, error: attempt.error, failedPhase: attempt.failedPhase, expect: attempt.expect };
    const answer = await session.withFetchSlot(site.host, () => queryDns(dnsQuery(resolver, site.host, site.record), { timeoutMs: site.timeoutMs, ca: session.ca, signal: session.signal }));
    const { error, failedPhase, expect } = judgeAnswer(site, answer);
    return { httpStatus: null, error, failedPhase, expect } satisfies SampleResult;
  },
};

/** The resolvers that can be asked this record type (getaddrinfo knows only addresses). */
function askable(site: SiteSpec, resolvers: ResolverSpec[]): ResolverSpec[] {
  return resolvers.filter((r) => transportFor(r).types?.has(site.record) ?? true);
}

export function planDnsSite(site: SiteSpec, resolvers: ResolverSpec[]): SitePlan {
  return { site, queries: askable(site, resolvers).map((r) => dnsQuery(r, site.host, site.record)), zoneQueries: nsQueries(site, resolvers), fetches: [] };
}

async function probeDnsSite(plan: SitePlan, session: ProbeSession): Promise<RawSite> {
  const site = plan.site;
  const siteAnswers: Promise<DnsAnswer>[] = [];
  const ask = (query: DnsQuery) => {
    const answer = session.resolve(query, site.timeoutMs);
    siteAnswers.push(answer);
    return answer;
  };
  const checks = plan.queries.map(async (q) => checkAttempt(site, q.resolver, await ask(q)));
  const [attempts] = await Promise.all([Promise.all(checks), Promise.all(plan.zoneQueries.map((q) => walkToZoneApex(q, ask)))]);
  return { spec: site, dns: await Promise.all(siteAnswers), attempts };
}

/** What the answer says against the check's expectations: the measurement, not yet an outcome. */
function judgeAnswer(site: SiteSpec, answer: DnsAnswer): Pick<RawAttempt, 'error' | 'failedPhase' | 'expect'> {
  const wanted = site.expect.rcode ?? 'NOERROR';
  const failures: string[] = [];
  let error: RawAttempt['error'] = null;
  if (answer.rcode === null) {
    error = answer.error ?? { code: 'NO_REPLY', message: `no reply from ${answer.resolver}` };
    failures.push(`no reply (${error.code})`);
  } else if (answer.rcode !== wanted) {
    error = { code: answer.rcode, message: answer.error?.message ?? `${answer.rcode} for ${answer.name} ${answer.type}, expected ${wanted}` };
    failures.push(`rcode ${answer.rcode}, expected ${wanted}`);
  } else if (site.expect.rcode === null && answer.values.length === 0) {
    error = answer.error ?? { code: 'NODATA', message: `no ${answer.type} records for ${answer.name}` };
    failures.push(`no ${answer.type} records`);
  }
  if (error === null) {
    if (site.expect.contains !== null && !answer.values.some((v) => v.includes(site.expect.contains!))) {
      failures.push(`no ${answer.type} record contains ${JSON.stringify(site.expect.contains)}`);
    }
    if (site.expect.dnssec && answer.authenticated !== true) failures.push(`not DNSSEC-validated by ${answer.resolver} (no AD bit)`);
    if (site.expect.maxMs !== null && answer.durationMs > site.expect.maxMs) failures.push(`took ${Math.round(answer.durationMs)}ms, over ${site.expect.maxMs}ms`);
  }
  return { error, failedPhase: error ? 'dns' : null, expect: { ok: failures.length === 0, failures } satisfies ExpectResult };
}

function checkAttempt(site: SiteSpec, resolver: ResolverSpec, answer: DnsAnswer): RawAttempt {
  const fetch: FetchResult = {
    ...emptyFetchResult(site.url, null, 0),
    timings: { connectMs: null, tlsMs: null, ttfbMs: null, totalMs: answer.durationMs },
  };
  return {
    ...fetch,
    ...judgeAnswer(site, answer),
    id: fetchId(site.name, 'dns', resolver.name),
    site: site.name,
    path: 'dns',
    resolver: resolver.name,
    resolvers: [resolver.name],
    family: null,
    proxy: null,
    startedAt: answer.startedAt,
    selfTest: null,
    resamples: null,
  };
}
