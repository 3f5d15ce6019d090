// The probe stage: the only place that touches the network. It takes the plan's sites through a bounded pool of
// workers, lets each site's probe kind ask and fetch through the run's session, probes failing attempts again
// with --samples, and hands every finished site on as a RawSite. It judges nothing: what counts as a failure
// and which provider's health endpoint to try come in from classify/ through the ProbePolicy.
//
// probe/ never imports config/, classify/, correlate/, fingerprint/, report/, state/, notify/, status/, merge/, lab/ or commands/.

import type { RawSite, SiteSpec } from '../model.js';
import type { Plan } from '../plan/index.js';
import { sleep } from '../util/time.js';
import { endedByOwnDeadline } from '../util/run-deadline.js';
import { PROBE_KINDS, type ProbeKind, type ProbePolicy } from './kinds/index.js';
import type { ProbeSession } from './session.js';

export { createProbeSession, type ProbeSession, type SessionOptions } from './session.js';
export { PROBE_KINDS, SITE_PLANNERS, type ProbeKind, type ProbePolicy, type SelfTestSpec } from './kinds/index.js';
export { loadFetchClient } from './http/fetch.js';
export { prepareSystemLookups } from './dns/system.js';

export interface Sampling {
  /** Probe failing attempts this many times in all (1 = no resampling). */
  samples: number;
  intervalMs: number;
}

/**
 * Probe every site of the plan; `onSite` receives each one as soon as it is done (after its resamples), with its
 * index in the plan's list, and the run waits for it. A fixed pool of workers takes the sites in order, each
 * planned only when it is taken: ten thousand sites pending at once would hold ten thousand plans and closures for
 * nothing, since fetches are limited anyway. A site waiting between samples does not hold a worker. The sites the
 * run's end overtakes are reported as not probed, a batch per turn of the event loop.
 */
export async function probeSites(
  plan: Plan,
  session: ProbeSession,
  options: { policy: ProbePolicy; sampling: Sampling; concurrency: number; onSite: (site: RawSite, index: number) => void | Promise<void> },
  kinds: Record<string, ProbeKind> = PROBE_KINDS,
): Promise<void> {
  const sites = plan.sites;
  const finishing = pendingWork();
  // A host only one site has is forgotten by the question cache once that site is done (ProbeSession.forget).
  const sharedHosts = hostsOfSeveral(sites);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < sites.length && !session.signal.aborted) {
      const index = next++;
      const site = sites[index]!;
      // Each site starts on a turn of the event loop of its own. Where every attempt fails at once (no route:
      // connect errors arrive as next-tick callbacks) the whole run would otherwise be one long chain of
      // microtasks: the deadline's timer could not fire and no closed socket could be released until the end.
      await nextTurn();
      const kind = kinds[site.probe]!;
      if (session.signal.aborted) {
        await options.onSite(kind.notProbed(site, session.signal), index);
        continue;
      }
      const raw = await kind.probe(plan.planFor(site), session, options.policy);
      finishing.add(
        resampleSite(raw, kind, session, options).then(async (sampled) => {
          await options.onSite(sampled, index);
          if (!sharedHosts.has(site.host)) session.forget(site.host);
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(sites.length, Math.max(256, options.concurrency * 4)) }, worker));
  while (next < sites.length) {
    for (const end = Math.min(sites.length, next + NOT_PROBED_PER_TURN); next < end; next += 1) {
      const site = sites[next]!;
      await options.onSite(kinds[site.probe]!.notProbed(site, session.signal), next);
    }
    await nextTurn();
  }
  await finishing.settled();
}

/** The hosts more than one site of the list has (the list's every host is gone through once, then only these kept). */
function hostsOfSeveral(sites: readonly SiteSpec[]): Set<string> {
  const seen = new Set<string>();
  const several = new Set<string>();
  for (const site of sites) (seen.has(site.host) ? several : seen).add(site.host);
  return several;
}

/**
 * Work in flight, awaited together at the end: a count, not a list of every site's promise (a list would hold one
 * settled promise a site to the run's end). Once every piece has settled, rejects with the first failure, if any.
 */
function pendingWork() {
  let pending = 0;
  let failure: { error: unknown } | null = null;
  let wake: (() => void) | null = null;
  const done = () => {
    pending -= 1;
    if (pending === 0) wake?.();
  };
  return {
    add(work: Promise<void>): void {
      pending += 1;
      work.then(done, (error: unknown) => {
        failure ??= { error };
        done();
      });
    },
    async settled(): Promise<void> {
      if (pending > 0) await new Promise<void>((resolve) => (wake = resolve));
      if (failure) throw failure.error;
    },
  };
}

/** Sites reported as not probed in one turn of the event loop: output keeps flowing, and a signal is still heard. */
const NOT_PROBED_PER_TURN = 500;

function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * --samples: probe the site's failing attempts again, `samples - 1` more times `intervalMs` apart, so a flapping
 * provider is recognised (the 2025-11-18 Cloudflare outage failed and recovered every few minutes). Stops early
 * when the next round could not finish before the deadline.
 */
async function resampleSite(raw: RawSite, kind: ProbeKind, session: ProbeSession, options: { policy: ProbePolicy; sampling: Sampling }): Promise<RawSite> {
  const { samples, intervalMs } = options.sampling;
  const failing = raw.attempts.filter((a) => options.policy.failed(a) && !endedByOwnDeadline(a));
  if (samples <= 1 || failing.length === 0) return raw;
  const spec: SiteSpec = raw.spec;
  const resamples = new Map(failing.map((a) => [a.id, [] as NonNullable<(typeof a)['resamples']>]));
  for (let round = 2; round <= samples; round += 1) {
    if (performance.now() + intervalMs + spec.timeoutMs > session.deadlineAt || session.signal.aborted) break;
    await sleep(intervalMs, session.signal);
    const results = await Promise.all(failing.map((a) => kind.again(a, spec, session, options.policy)));
    results.forEach((result, i) => resamples.get(failing[i]!.id)!.push(result));
  }
  return { ...raw, attempts: raw.attempts.map((a) => (resamples.get(a.id)?.length ? { ...a, resamples: resamples.get(a.id)! } : a)) };
}
