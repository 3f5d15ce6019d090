// `providers identify URL`: gather what the fingerprint catalog reads (headers, body, CNAME chain, NS, addresses)
// by running the ordinary probe stage on that one URL, so identify sees exactly what check would see.

import type { Config, ResolverSpec } from '../model.js';
import { configFromArgs } from '../config/load.js';
import { runProbes } from '../probe/run.js';
import { siteReports } from '../correlate/sites.js';
import { zoneFromNsAnswer } from '../plan/plan.js';
import type { IdentifyEvidence } from './providers.js';

export interface GatherOptions {
  timeoutMs?: number;
  ca?: string | null;
  /** Resolvers from a config file, used when no --resolver flag is given. */
  resolvers?: ResolverSpec[];
  /** Told what could not be gathered (the name did not resolve, nothing answered). */
  onProblem?: (text: string) => void;
}

export async function gatherEvidence(url: string, resolverFlags: string[], options: GatherOptions = {}): Promise<IdentifyEvidence> {
  const base = configFromArgs([url], resolverFlags);
  const config: Config = {
    ...base,
    resolvers: resolverFlags.length === 0 && options.resolvers && options.resolvers.length > 0 ? options.resolvers : base.resolvers,
    tls: { ca: options.ca ?? null, caFile: null },
    sites: base.sites.map((s) => ({ ...s, timeoutMs: options.timeoutMs ?? 5000, paths: { ...s.paths, origin: false } })),
  };
  const deadlineAt = performance.now() + (options.timeoutMs ?? 5000) * 2;
  const results = await runProbes(config, { deadlineAt });
  const [site] = siteReports(config.sites, results.dns, results.attempts);
  const answered = site?.attempts.find((a) => a.httpStatus !== null);
  const dns = site?.dns ?? [];
  if (!answered) {
    const why = site?.attempts.map((a) => `${a.resolver ?? a.path}: ${a.error?.code ?? a.outcome}`).join(', ') || 'nothing was probed';
    options.onProblem?.(`no HTTP answer from ${url} (${why})`);
  }
  return {
    status: answered?.httpStatus ?? null,
    headers: answered?.headers ?? {},
    body: answered?.bodySample ?? '',
    cnameChain: [...new Set(dns.filter((d) => d.type !== 'NS').flatMap((d) => d.cnameChain))],
    ns: [...new Set(dns.filter((d) => d.type === 'NS' && zoneFromNsAnswer(d).final).flatMap((d) => d.values))],
    addresses: [...new Set(dns.filter((d) => d.type !== 'NS' && d.outcome === 'ok').flatMap((d) => d.values))],
  };
}
