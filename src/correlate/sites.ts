// Per-site verdicts from the attempts: ok, degraded (some paths or resolvers fail), down (no user-facing path
// works), or untested (every attempt was one this host could not make: the host findings explain them). Pure.

import { redactSiteUrl } from '../util/redact.js';
import type { Attempt, SiteReport, SiteStatus } from '../model.js';
import type { ClassifiedSite } from '../classify/index.js';
import { notProbed } from '../classify/outcome.js';

/** Attempts a visitor's traffic could take: through the edge addresses, or through a proxy. */
function userFacing(attempts: Attempt[]): Attempt[] {
  const facing = attempts.filter((a) => a.path !== 'origin');
  return facing.length > 0 ? facing : attempts;
}

/** An untested site's reason names at most this many of its explanations. */
const UNTESTED_REASONS = 3;

/**
 * `explained`: attempts a host finding explains (no route from here, a blocked resolver). They say nothing about
 * the site, so the site is judged on the others; with none left it is untested from here, not down.
 */
export function siteStatus(all: Attempt[], explained: (a: Attempt) => boolean = () => false): { status: SiteStatus; reason: string | null } {
  // Every attempt served (most sites of a run): nothing to set aside, nothing to list.
  if (all.length > 0 && all.every((a) => a.outcome === 'ok' && !notProbed(a) && !explained(a))) return { status: 'ok', reason: null };
  // An attempt the run never made (its deadline came first) says nothing about the site: load is no diagnosis.
  const attempts = all.filter((a) => !explained(a) && !notProbed(a));
  if (all.length > 0 && all.every(notProbed)) return { status: 'untested', reason: all[0]!.explanation ?? 'not probed: the run deadline came first' };
  if (all.length > 0 && attempts.length === 0) {
    // Each way this host could not test the site, once (no IPv4 route, and the NAT64 translator connecting nowhere).
    const why = [...new Set(all.map((a) => a.explanation).filter((e): e is string => e !== null))].slice(0, UNTESTED_REASONS);
    return { status: 'untested', reason: `nothing could be tested from this host: ${why.length > 0 ? why.join('; ') : 'every attempt is explained by this host'}` };
  }
  if (attempts.length === 0) return { status: 'down', reason: 'nothing could be probed' };
  const failed = attempts.filter((a) => a.outcome !== 'ok');
  if (failed.length === 0) return { status: 'ok', reason: null };
  const facing = userFacing(attempts);
  // An attempt that failed in some samples only still served sometimes: the site is degraded, not down.
  const facingOk = facing.filter((a) => a.outcome === 'ok' || (a.samples !== null && a.samples.failures < a.samples.samples)).length;
  if (facingOk === 0) {
    return { status: 'down', reason: `every ${facing.length === attempts.length ? '' : 'user-facing '}attempt fails: ${outcomeCounts(facing)}` };
  }
  return { status: 'degraded', reason: `${failed.length} of ${attempts.length} attempts fail: ${failed.map(describeAttempt).join('; ')}` };
}

/** "2 timeout, 1 http-error 503" */
export function outcomeCounts(attempts: Attempt[]): string {
  const counts = new Map<string, number>();
  for (const a of attempts) {
    const key = a.outcome === 'http-error' && a.httpStatus !== null ? `http-error ${a.httpStatus}` : a.outcome;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${n} ${k}`).join(', ');
}

/** "edge 127.0.0.3 via alpha: http-error 503" */
export function describeAttempt(a: Attempt): string {
  const where =
    a.path === 'proxy' ? `proxy ${a.proxy}` : a.address ? `${a.path} ${a.address}` : `${a.path} (no address)`;
  const via = a.resolvers.length > 0 ? ` via ${a.resolvers.join(', ')}` : '';
  const what = a.outcome === 'http-error' && a.httpStatus !== null ? `http-error ${a.httpStatus}` : a.outcome;
  const detail = a.error ? ` (${a.error.code})` : '';
  const samples = a.samples ? `, failed ${a.samples.failures} of ${a.samples.samples} samples` : '';
  return `${where}${via}: ${what}${detail}${samples}`;
}


/** The site's report before blame: its status from its attempts, in a stable order (path, family, address). */
export function siteReport(site: Pick<ClassifiedSite, 'spec' | 'dns' | 'attempts' | 'stack' | 'chain' | 'failingZone'>, explained: (a: Attempt) => boolean = () => false): SiteReport {
  const attempts = inReportOrder(site.attempts);
  const { status, reason } = siteStatus(attempts, explained);
  const { name, url, host, kind, provider } = site.spec;
  return { name, url: redactSiteUrl(url), host, kind, declaredProvider: provider, status, reason, providers: site.stack.providers, blame: null, change: null, since: null, chain: site.chain, failingZone: site.failingZone, dns: site.dns, attempts };
}

const PATH_ORDER = { dns: 0, edge: 0, proxy: 1, origin: 2 } as const;

/** A site's attempts in the order its report lists them; a list of one is its own order (no copy a site). */
export function inReportOrder(attempts: Attempt[]): Attempt[] {
  return attempts.length < 2 ? attempts : [...attempts].sort(byPathThenAddress);
}

function byPathThenAddress(a: Attempt, b: Attempt): number {
  return PATH_ORDER[a.path] - PATH_ORDER[b.path] || (a.family ?? 0) - (b.family ?? 0) || (a.address ?? '').localeCompare(b.address ?? '');
}
