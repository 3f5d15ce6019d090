// A server that failed some of this run's fetches while the run had several there at once, and served them when each
// was asked again alone (probe/address-slots.ts, classify/crowding.ts): it limits how many connections or requests in
// process one client may have — nginx's limit_conn (503 unless set), a firewall's connlimit refusing, resetting or dropping, a
// small pool of workers behind a proxy — and this run's own crowd met that limit. Said once per server; the sites are
// judged on the fetch made alone, as any site is on its fetch. Fetches that failed alone too are judged on that and
// said here with the rest; a server that served none of them alone is said to limit nothing (its sites' own readings
// say what failed).
// A server that refused one alone too, and then refused the page it had served last in the run, fetched again right
// after, still alone there (the probe's control), refuses this client now, whatever the page: a limit on this client's rate
// (nginx's limit_req answers 503 unless told otherwise, https://nginx.org/en/docs/http/ngx_http_limit_req_module.html),
// or a server failing since — which of the two is not known from here, and neither is about those sites: they are
// untested from here, said once. A fetch refused alone with the site's own 429 or 451 is the turned-away rule's to say
// (correlate/turned-away.ts): said once, there. Pure.

import type { Attempt, CrowdedTry, FetchResult } from '../model.js';
import { formatCount, listNames, plural } from '../util/text.js';
import { turnedAwayStatus } from './turned-away.js';
import { connectTimedOut } from '../classify/outcome.js';

interface CrowdedSite {
  report: { name: string; attempts: Attempt[] };
}

export interface CrowdedServers {
  /** Ids of the fetches a server refused along with a page it had served: untested from here. */
  attempts: ReadonlySet<string>;
  notes: string[];
  short: string[];
}

/** `lostOtherwise`: whether a first try's failure is explained by something else (this host's way out gone then). */
export function crowdedServers(sites: CrowdedSite[], lostOtherwise: (first: CrowdedTry['first']) => boolean = () => false): CrowdedServers | null {
  const byAddress = new Map<string, { site: string; attempt: Attempt & { crowded: CrowdedTry } }[]>();
  for (const site of sites) {
    for (const a of site.report.attempts) {
      if (a.crowded === undefined || a.address === null || turnedAwayStatus(a) !== null || lostOtherwise(a.crowded.first)) continue;
      const list = byAddress.get(a.address) ?? [];
      list.push({ site: site.report.name, attempt: a as Attempt & { crowded: CrowdedTry } });
      byAddress.set(a.address, list);
    }
  }
  const notes: string[] = [];
  const short: string[] = [];
  const refusedHere = new Set<string>();
  for (const [address, crowded] of byAddress) {
    // One control refused is the server refusing this client now: every fetch it refused alone is that, whatever its
    // own control (a limit on a rate lets one through now and then); those served alone were let through by it.
    const control = crowded.find((c) => c.attempt.crowded.control !== undefined)?.attempt.crowded.control;
    if (control !== undefined) {
      const refused = crowded.filter((c) => c.attempt.outcome !== 'ok');
      for (const c of refused) refusedHere.add(c.attempt.id);
      notes.push(refusalNote(address, refused, control, [...new Set(crowded.filter((c) => c.attempt.outcome === 'ok').map((c) => c.site))]));
      short.push(`server ${address} refuses this client for now (${plural(new Set(refused.map((c) => c.site)).size, 'site')} untested)`);
      continue;
    }
    const served = crowded.filter((c) => c.attempt.outcome === 'ok');
    if (served.length === 0) continue;
    const failedAlone = crowded.filter((c) => c.attempt.outcome !== 'ok');
    const atOnce = Math.max(...crowded.map((c) => c.attempt.crowded.atOnce));
    const servedNames = [...new Set(served.map((c) => c.site))];
    const alsoFailed = failedAlone.length > 0 ? `; ${plural(failedAlone.length, 'fetch', 'fetches')} failed alone too (${listNames([...new Set(failedAlone.map((c) => c.site))], 3)}), and ${failedAlone.length === 1 ? 'its site is' : 'their sites are'} judged on that` : '';
    // Connects that only timed out are a limit that drops what is over it, or a path that lost them: both fit.
    const why = crowded.every((c) => connectTimedOut(c.attempt.crowded.first))
      ? "it drops connections over a limit one client may have at once (a firewall's connlimit with drop), or the way to it lost those: this run's own load or the path, not the sites"
      : "it limits how many connections or requests one client may have at once (nginx's limit_conn, a firewall's connlimit, a small pool of workers behind it): this run's own load, not the sites";
    notes.push(
      `server ${address} failed ${plural(crowded.length, 'fetch', 'fetches')} while this probe had up to ${formatCount(atOnce)} there at once (${answers(crowded.map((c) => c.attempt.crowded.first))}); ` +
        `asked again alone, ${servedHowMany(served.length, crowded.length)} served (${listNames(servedNames, 3)})${alsoFailed} — ` +
        `${why}; the run sent it fewer at once from then on — lower \`perAddressConcurrency\` in probes.yaml`,
    );
    short.push(`server ${address} limits this probe's fetches at once (${served.length === crowded.length ? 'each served alone' : `${formatCount(served.length)} of ${formatCount(crowded.length)} served alone`})`);
  }
  return notes.length > 0 ? { attempts: refusedHere, notes, short } : null;
}

function refusalNote(address: string, refused: { site: string; attempt: Attempt & { crowded: CrowdedTry } }[], control: NonNullable<CrowdedTry['control']>, servedAlone: string[]): string {
  const names = [...new Set(refused.map((c) => c.site))];
  const what = answers([control]);
  return (
    `server ${address} refuses this client for now: it answered ${plural(refused.length, 'fetch', 'fetches')} of this run at once and again alone (${answers(refused.map((c) => c.attempt))}), ` +
    `and ${control.site}'s page, which it had served, fetched again right after one of those got ${what} too — a limit on this client's request rate (nginx's limit_req answers 503 unless told otherwise), or the server failing since; not about those pages: ` +
    `${plural(names.length, 'site')} untested from here (${listNames(names, 3)})${servedAlone.length > 0 ? `; ${plural(servedAlone.length, 'other')} served when asked again alone (${listNames(servedAlone, 3)})` : ''}. Probe them less often or with less concurrency, or have this host's address allowed`
  );
}

function servedHowMany(served: number, crowded: number): string {
  if (served < crowded) return `${formatCount(served)} ${served === 1 ? 'was' : 'were'}`;
  return served === 1 ? 'it was' : served === 2 ? 'both were' : `all ${formatCount(served)} were`;
}

/** What fetches got, most common first: "HTTP 503 ×20, connection refused ×4, ETIMEDOUT at connect ×2". */
function answers(got: Pick<FetchResult, 'httpStatus' | 'error' | 'failedPhase'>[]): string {
  const counts = new Map<string, number>();
  for (const g of got) {
    const code = g.error?.code;
    const what =
      g.httpStatus !== null ? `HTTP ${g.httpStatus}` : code === 'ECONNREFUSED' ? 'connection refused' : connectTimedOut(g) ? `${code} at connect` : (code ?? 'no answer');
    counts.set(what, (counts.get(what) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([what, n]) => (counts.size === 1 ? what : `${what} ×${formatCount(n)}`))
    .join(', ');
}
