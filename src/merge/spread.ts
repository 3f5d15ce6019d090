// How far an incident reaches across vantage points. Pure.
//
// The rule, exactly:
//   1. A vantage is impaired when its own verdict is local-network, or when not one of its sites was ok
//      (nothing shows the rest of its path works). An impaired vantage is not healthy.
//   2. One vantage's report of one incident (an observation) counts when the vantage is healthy and the
//      incident had controls there (healthy sites on other providers, other resolvers answering).
//   3. With H healthy vantages and C counting observations of an incident:
//        C = 0                 → vantage-local: only impaired vantages, or ones without controls, report it;
//        C ≥ need(H)           → global, where need(H) = H when H ≤ 2, else ⌈0.66 × H⌉
//                                (2 of 3, 3 of 4, 4 of 5 or 6, 7 of 10);
//        1 ≤ C < need(H)       → regional, naming the vantages that see it and the healthy ones that do not.
//   4. A vantage whose verdict is local-network has no incidents of its own (check blames no one); the merge
//      gives it one vantage-local incident, kind and layer `local`, so its trouble is listed, never hidden.
// So one vantage's ISP trouble is never global: with its network down it is vantage-local, and with one
// provider's range blocked (its controls fine) it is regional, named, while the other vantages see no incident.

import type { Report } from '../model.js';
import type { Spread } from './types.js';

/** Why a vantage's incidents cannot count towards global or regional; null when the vantage is healthy. */
export function vantageImpairment(report: Pick<Report, 'verdict' | 'sites'>): string | null {
  if (report.verdict === 'local-network') return 'its own network is down (verdict local-network)';
  if (report.sites.length === 0) return 'it probed no site';
  if (!report.sites.some((s) => s.status === 'ok')) return 'no site was ok from it, so nothing shows its own path works';
  return null;
}

/** How many healthy vantages must see an incident for it to be global. */
export function globalThreshold(healthy: number): number {
  // 66/100 in integers: 0.66 × 50 is 33.000000000000004 in floating point.
  return healthy <= 2 ? healthy : Math.ceil((66 * healthy) / 100);
}

export function spreadOf(counted: number, healthy: number): Spread {
  if (counted === 0) return 'vantage-local';
  return counted >= globalThreshold(healthy) ? 'global' : 'regional';
}
