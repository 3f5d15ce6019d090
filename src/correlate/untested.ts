// What a host finding leaves untested. Pure.

import type { Attempt } from '../model.js';

/**
 * The failing attempts `explains` accepts (each asked once, in report order), and the sites left untested by them:
 * nothing of theirs served, and every failure explained.
 */
export function untestedBy<S extends { report: { name: string; attempts: readonly Attempt[] } }>(
  sites: readonly S[],
  explains: (a: Attempt, site: S) => boolean,
): { explained: Set<string>; untested: string[] } {
  const explained = new Set<string>();
  const untested: string[] = [];
  for (const s of sites) {
    let served = false;
    let failing = 0;
    let explainedHere = 0;
    for (const a of s.report.attempts) {
      if (a.outcome === 'ok') {
        served = true;
        continue;
      }
      failing += 1;
      if (!explains(a, s)) continue;
      explained.add(a.id);
      explainedHere += 1;
    }
    if (!served && failing > 0 && explainedHere === failing) untested.push(s.report.name);
  }
  return { explained, untested };
}
