// The one-line answer at the top of every report, and the exit code that goes with it. Pure.

import { blamedOn, type HostReport, type Incident, type SiteReport, type Verdict } from '../model.js';
import { EXIT } from '../exit-codes.js';
import { plural } from '../util/text.js';
import type { LocalDown } from './host.js';

export interface VerdictResult {
  verdict: Verdict;
  summary: string;
  exitCode: number;
}

export function decideVerdict(
  sites: SiteReport[],
  local: LocalDown,
  incidents: Incident[],
  host: Pick<HostReport, 'summary' | 'notes'> = { summary: null, notes: [] },
  findings: Incident[] = [],
): VerdictResult {
  const down = sites.filter((s) => s.status === 'down');
  const degraded = sites.filter((s) => s.status === 'degraded');
  const untested = sites.filter((s) => s.status === 'untested');
  // What this host could not do, said once at the end of the line.
  const possibly = findings.length > 0 ? `possibly shared, not confirmed: ${findings.map(findingLabel).join(', ')}` : null;
  const aside = [[untested.length > 0 ? `${untested.length} untested from here` : null, host.summary].filter(Boolean).join(': '), possibly].filter(Boolean).join('; ');
  const tail = aside ? `; ${aside}` : '';
  if (local.down) {
    return {
      verdict: 'local-network',
      summary: `${local.where === 'host' ? 'Problem on this host' : 'Local network problem'}: ${local.evidence.join('; ')}; no provider is blamed`,
      exitCode: EXIT.localNetwork,
    };
  }
  if (incidents.length > 0) {
    const head = incidents[0]!.summary;
    const more = incidents.length > 1 ? ` (+${plural(incidents.length - 1, 'more incident')})` : '';
    // Sites down for no incident's reason would be lost behind the headline: counted there, named in the table. A
    // control plane that an edge incident of its provider already names in its evidence is inside it.
    const inside = (s: SiteReport) =>
      s.blame !== null && incidents.some((i) => blamedOn(s.blame!, i) || (s.kind === 'control-plane' && i.kind === 'provider' && i.provider === s.blame!.provider));
    const alone = down.filter((s) => !inside(s)).length;
    const aside = alone > 0 ? ` (+${plural(alone, 'site')} down outside ${incidents.length === 1 ? 'it' : 'them'})` : '';
    return { verdict: 'provider-incident', summary: `${head}${more}${aside}`, exitCode: EXIT.providerIncident };
  }
  if (down.length > 0 || degraded.length > 0) {
    const parts = [
      down.length > 0 ? `${down.length} down (${names(down)})` : null,
      degraded.length > 0 ? `${degraded.length} degraded (${names(degraded)})` : null,
    ].filter(Boolean);
    return { verdict: 'site-failures', summary: `${parts.join(', ')} of ${plural(sites.length, 'site')}; no shared cause found${tail}`, exitCode: EXIT.siteFailures };
  }
  if (sites.length > 0 && untested.length === sites.length) {
    return {
      verdict: 'local-network',
      summary: `Nothing could be tested from this host: ${host.notes[0] ?? untested[0]!.reason ?? 'every attempt failed here'}; no site or provider is blamed`,
      exitCode: EXIT.localNetwork,
    };
  }
  const ok = sites.length - untested.length;
  return { verdict: 'ok', summary: `${ok === sites.length ? 'All ' : `${ok} of `}${plural(sites.length, 'site')} ok${tail}`, exitCode: EXIT.ok };
}

function names(sites: SiteReport[], max = 4): string {
  const shown = sites.slice(0, max).map((s) => s.name);
  return sites.length > max ? `${shown.join(', ')} +${sites.length - max}` : shown.join(', ');
}

/** A finding in a few words: who, the cloud region a region finding is about (regions.ts puts it last in the id), and the layer. */
function findingLabel(f: Incident): string {
  if (!f.provider) return `${f.layer} (operator unknown)`;
  const region = f.kind === 'provider' && f.id.split(':').length === 4 ? ` ${f.id.split(':')[3]}` : '';
  return `${f.provider}${region} ${f.layer}`;
}
