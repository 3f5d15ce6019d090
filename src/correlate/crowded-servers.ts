// A server that failed some of this run's fetches while the run had several there at once, and served them when each
// was asked again alone (probe/address-slots.ts, classify/crowding.ts): it limits how many connections or requests in
// process one client may have — nginx's limit_conn (503 unless set), a firewall's connlimit refusing or resetting, a
// small pool of workers behind a proxy — and this run's own crowd met that limit. Said once per server; the sites are
// judged on the fetch made alone, as any site is on its fetch. Fetches that failed alone too are judged on that and
// said here with the rest; a server that served none of them alone is said to limit nothing (its sites' own readings
// say what failed). Pure.

import type { Attempt, CrowdedTry } from '../model.js';
import { formatCount, listNames, plural } from '../util/text.js';

interface CrowdedSite {
  report: { name: string; attempts: Attempt[] };
}

export interface CrowdedServers {
  notes: string[];
  short: string[];
}

export function crowdedServers(sites: CrowdedSite[]): CrowdedServers | null {
  const byAddress = new Map<string, { site: string; attempt: Attempt & { crowded: CrowdedTry } }[]>();
  for (const site of sites) {
    for (const a of site.report.attempts) {
      if (a.crowded === undefined || a.address === null) continue;
      const list = byAddress.get(a.address) ?? [];
      list.push({ site: site.report.name, attempt: a as Attempt & { crowded: CrowdedTry } });
      byAddress.set(a.address, list);
    }
  }
  const notes: string[] = [];
  const short: string[] = [];
  for (const [address, crowded] of byAddress) {
    const served = crowded.filter((c) => c.attempt.outcome === 'ok');
    if (served.length === 0) continue;
    const failedAlone = crowded.filter((c) => c.attempt.outcome !== 'ok');
    const atOnce = Math.max(...crowded.map((c) => c.attempt.crowded.atOnce));
    const servedNames = [...new Set(served.map((c) => c.site))];
    const alsoFailed = failedAlone.length > 0 ? `; ${plural(failedAlone.length, 'fetch', 'fetches')} failed alone too (${listNames([...new Set(failedAlone.map((c) => c.site))], 3)}), and ${failedAlone.length === 1 ? 'its site is' : 'their sites are'} judged on that` : '';
    notes.push(
      `server ${address} failed ${plural(crowded.length, 'fetch', 'fetches')} while this probe had up to ${formatCount(atOnce)} there at once (${firstTries(crowded.map((c) => c.attempt.crowded))}); ` +
        `asked again alone, ${servedHowMany(served.length, crowded.length)} served (${listNames(servedNames, 3)})${alsoFailed} — ` +
        `it limits how many connections or requests one client may have at once (nginx's limit_conn, a firewall's connlimit, a small pool of workers behind it): this run's own load, not the sites; the run sent it fewer at once from then on — lower \`perAddressConcurrency\` in probes.yaml`,
    );
    short.push(`server ${address} limits this probe's fetches at once (${served.length === crowded.length ? 'each served alone' : `${formatCount(served.length)} of ${formatCount(crowded.length)} served alone`})`);
  }
  return notes.length > 0 ? { notes, short } : null;
}

function servedHowMany(served: number, crowded: number): string {
  if (served < crowded) return `${formatCount(served)} ${served === 1 ? 'was' : 'were'}`;
  return served === 1 ? 'it was' : served === 2 ? 'both were' : `all ${formatCount(served)} were`;
}

/** What the first tries got, most common first: "503 ×20, connection refused ×4". */
function firstTries(tries: CrowdedTry[]): string {
  const counts = new Map<string, number>();
  for (const t of tries) {
    const what = t.first.httpStatus !== null ? `HTTP ${t.first.httpStatus}` : t.first.error?.code === 'ECONNREFUSED' ? 'connection refused' : (t.first.error?.code ?? 'no answer');
    counts.set(what, (counts.get(what) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([what, n]) => (counts.size === 1 && n === tries.length ? what : `${what} ×${formatCount(n)}`))
    .join(', ');
}
