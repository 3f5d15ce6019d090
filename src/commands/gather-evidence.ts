// `providers identify URL`: gather what the fingerprint catalog reads (headers, body, CNAME chain, NS, addresses)
// by running the ordinary probe stage on that one URL, so identify sees exactly what check would see.

import { configFromArgs } from '../config/load.js';
import type { Config, RawSite, ResolverSpec } from '../model.js';
import { planRun, zoneFromNsAnswer } from '../plan/index.js';
import { createProbeSession, probeSites, SITE_PLANNERS } from '../probe/index.js';
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
  const session = createProbeSession({ resolvers: config.resolvers, run: config.run, ca: config.tls.ca, deadlineAt: performance.now() + (options.timeoutMs ?? 5000) * 2 });
  let site: RawSite | undefined;
  await probeSites(planRun(config, SITE_PLANNERS), session, {
    policy: { failed: () => false },
    sampling: { samples: 1, intervalMs: 0 },
    concurrency: config.run.concurrency,
    onSite: (raw) => {
      site = raw;
    },
  });
  await session.close();
  const answered = site?.attempts.find((a) => a.httpStatus !== null);
  const dns = site?.dns ?? [];
  if (!answered) {
    const why = site?.attempts.map((a) => `${a.resolver ?? a.path}: ${a.error?.code ?? (a.expect.ok ? 'ok' : a.expect.failures[0])}`).join(', ') || 'nothing was probed';
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
