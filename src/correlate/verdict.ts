// The one-line answer at the top of every report, and the exit code that goes with it. Pure.

import type { Incident, SiteReport, Verdict } from '../model.js';
import { EXIT } from '../exit-codes.js';
import { plural } from '../util/text.js';

export interface VerdictResult {
  verdict: Verdict;
  summary: string;
  exitCode: number;
}

export function decideVerdict(sites: SiteReport[], local: { down: boolean; evidence: string[] }, incidents: Incident[]): VerdictResult {
  const down = sites.filter((s) => s.status === 'down');
  const degraded = sites.filter((s) => s.status === 'degraded');
  if (local.down) {
    return {
      verdict: 'local-network',
      summary: `Local network problem: ${local.evidence.join('; ')}; no provider is blamed`,
      exitCode: EXIT.localNetwork,
    };
  }
  if (incidents.length > 0) {
    const head = incidents[0]!.summary;
    const more = incidents.length > 1 ? ` (+${plural(incidents.length - 1, 'more incident')})` : '';
    return { verdict: 'provider-incident', summary: `${head}${more}`, exitCode: EXIT.providerIncident };
  }
  if (down.length > 0 || degraded.length > 0) {
    const parts = [
      down.length > 0 ? `${down.length} down (${names(down)})` : null,
      degraded.length > 0 ? `${degraded.length} degraded (${names(degraded)})` : null,
    ].filter(Boolean);
    return { verdict: 'site-failures', summary: `${parts.join(', ')} of ${plural(sites.length, 'site')}; no shared cause found`, exitCode: EXIT.siteFailures };
  }
  return { verdict: 'ok', summary: `All ${plural(sites.length, 'site')} ok`, exitCode: EXIT.ok };
}

function names(sites: SiteReport[], max = 4): string {
  const shown = sites.slice(0, max).map((s) => s.name);
  return sites.length > max ? `${shown.join(', ')} +${sites.length - max}` : shown.join(', ');
}
