// A server, or one address of an edge, that stops answering while the run is under way: the sites fetched there first
// were served, and every fetch begun after the last of them got no answer. A site served from an address in this run
// is otherwise the control that rules the address out (servers.ts), and a provider's connection failures count only
// when most of its sites fail that way (incidents.ts): both read an outage that began mid-run as "no shared cause"
// (measured: forty sites at one address dropped after a second, 24 down, "no shared cause found"; at a Fastly
// address, 16 of its 24 failures "down outside" a partial incident of the other 8). A long list takes minutes, and
// from cron every run has its minute: an outage starts inside a run as often as not.
//
// Read only from when each fetch began and ended, at one address: served fetches there, then fetches that waited
// their whole time for an answer (classify/crowding.ts `unanswered`: a certificate refused, a connection refused or
// a 5xx is an answer, and may be one site's own), with no such failure over before the last served one ended (one
// failing between served ones is a server failing now and then, not one that stopped). What was in flight when it
// stopped is part of it. From here it cannot be told whether the server stopped answering everyone or this client
// only (a firewall banning it after many requests): the words say both. Pure.

import type { Attempt } from '../model.js';
import type { SiteFacts } from './incidents.js';
import { translated } from './host.js';
import { unanswered } from '../classify/crowding.js';
import { plural } from '../util/text.js';

export interface DarkOnset {
  /** When the last fetch served there ended (epoch ms): the address answered until then. */
  lastServedAt: number;
  /** Sites served there, every one before then. */
  servedBefore: ReadonlySet<string>;
}

/** Fetches begun after the last one served, of distinct sites, needed to say the address stopped answering. */
const FAILED_AFTER_AT_LEAST = 2;

/** The server answered it, whatever it said. */
const answered = (a: Attempt) => a.httpStatus !== null;

const startOf = (a: Attempt) => Date.parse(a.startedAt);
const endOf = (a: Attempt) => startOf(a) + a.timings.totalMs;

/**
 * By address, those that stopped answering during the run, each with a control in time: a fetch begun after it
 * stopped that another network served (another provider's, another server's). Without one, this host's own way out
 * may have gone then (its network, its uplink): every address would look the same, and none is read so.
 */
export function darkAddresses(sites: readonly SiteFacts[]): ReadonlyMap<string, DarkOnset> {
  const dark = new Map<string, DarkOnset>();
  const failedAt = new Set<string>();
  for (const s of sites) for (const a of s.report.attempts) if (a.address !== null && unanswered(a)) failedAt.add(a.address);
  if (failedAt.size === 0) return dark;
  const at = new Map<string, Attempt[]>();
  const ownerOf = new Map<string, string>();
  // By owner (a provider, a server), when it last began a fetch it served: a control in time for another's onset.
  const servedLatest = new Map<string, number>();
  for (const s of sites) {
    for (const a of s.report.attempts) {
      if (a.path === 'proxy' || a.address === null || translated(a) || s.explained.has(a.id)) continue;
      let owner = ownerOf.get(a.address);
      if (owner === undefined) ownerOf.set(a.address, (owner = s.stack.edge?.name ?? `server ${a.address}`));
      if (answered(a)) servedLatest.set(owner, Math.max(servedLatest.get(owner) ?? -Infinity, startOf(a)));
      if (!failedAt.has(a.address)) continue;
      const list = at.get(a.address);
      if (list) list.push(a);
      else at.set(a.address, [a]);
    }
  }
  for (const [address, attempts] of at) {
    const onset = darkOnset(attempts);
    if (onset) dark.set(address, onset);
  }
  for (const [address, onset] of dark) {
    const owner = ownerOf.get(address);
    const controlled = [...servedLatest].some(([other, latest]) => other !== owner && latest >= onset.lastServedAt);
    if (!controlled) dark.delete(address);
  }
  return dark;
}

/** `attempts`: every fetch of the run at one address (all sites, this vantage). Null unless it stopped answering. */
function darkOnset(attempts: readonly Attempt[]): DarkOnset | null {
  const served = attempts.filter(answered);
  const failed = attempts.filter(unanswered);
  if (served.length === 0 || failed.length === 0) return null;
  const lastServedAt = served.reduce((latest, a) => Math.max(latest, endOf(a)), -Infinity);
  if (failed.some((a) => endOf(a) <= lastServedAt)) return null;
  // Each would have been served by a server still answering.
  const failedAfter = new Set(failed.filter((a) => startOf(a) >= lastServedAt).map((a) => a.site));
  if (failedAfter.size < FAILED_AFTER_AT_LEAST) return null;
  return { lastServedAt, servedBefore: new Set(served.map((a) => a.site)) };
}

/** "<subject> stopped answering during this run — …": what both rules say; `failed`: its fetches that got no answer. */
export function onsetWords(subject: string, onset: DarkOnset, failed: number): string {
  const at = new Date(onset.lastServedAt).toISOString().slice(11, 22);
  const served = onset.servedBefore.size;
  return (
    `${subject} stopped answering during this run — ${served === 1 ? 'the one site served there was' : `the ${served} sites served there were all`} served by ${at} UTC, ` +
    `and none of the ${plural(failed, 'fetch', 'fetches')} there still waiting then or begun after got an answer; the server or the way to it failed then, ` +
    `or it stopped answering this client (a firewall banning it after many requests looks the same from here)`
  );
}
