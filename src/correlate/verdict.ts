// The one-line answer at the top of every report, and the exit code that goes with it. Pure.

import type { Attempt, DnsAnswer, Incident, SiteReport, Verdict } from '../model.js';
import { EXIT } from '../exit-codes.js';
import { plural } from '../util/text.js';

const NO_REPLY = new Set(['timeout', 'network-error']);

/**
 * The probing host's own network is unusable when nothing outside answered at all: no resolver sent a single
 * reply and no fetch got a single HTTP response. Then nothing is blamed on anyone else.
 */
export function isLocalNetworkDown(dns: DnsAnswer[], attempts: Attempt[]): boolean {
  if (attempts.some((a) => a.httpStatus !== null)) return false;
  const wireDns = dns.filter((d) => d.transport !== 'system');
  const anyDnsReply = wireDns.some((d) => !NO_REPLY.has(d.outcome));
  const tried = wireDns.length > 0 || attempts.some((a) => a.address !== null);
  return tried && !anyDnsReply && attempts.every((a) => a.outcome !== 'ok');
}

export interface VerdictResult {
  verdict: Verdict;
  summary: string;
  exitCode: number;
}

export function decideVerdict(sites: SiteReport[], dns: DnsAnswer[], attempts: Attempt[], incidents: Incident[]): VerdictResult {
  const down = sites.filter((s) => s.status === 'down');
  const degraded = sites.filter((s) => s.status === 'degraded');
  if (sites.length > 0 && isLocalNetworkDown(dns, attempts)) {
    return {
      verdict: 'local-network',
      summary: `Local network problem: no resolver answered and no site could be reached (${plural(sites.length, 'site')}); no provider is blamed`,
      exitCode: EXIT.localNetwork,
    };
  }
  if (incidents.length > 0) {
    return { verdict: 'provider-incident', summary: incidents.map((i) => i.summary).join('; '), exitCode: EXIT.providerIncident };
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
