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
// stopped is part of it. It may answer again before the run ends (a restart, a reload, a route flapping): then every
// failure there lies between the last fetch served before and the first served after, three sites or more failed
// in it, and the control in time was served while it lasted (before, such a stretch read as "no shared cause": the
// sites served after were controls against it). From here it cannot be told whether the server stopped answering
// everyone or this client only (a firewall banning it after many requests): the words say both. Pure.

import type { Attempt } from '../model.js';
import type { SiteFacts } from './incidents.js';
import { translated } from './host.js';
import { unanswered } from '../classify/crowding.js';
import { connectWaitMs, SYN_RESENT_MS } from '../classify/reach.js';
import { clockUtc } from '../util/time.js';
import { plural } from '../util/text.js';

export interface DarkOnset {
  /** When the last fetch served there before it stopped ended (epoch ms): the address answered until then. */
  lastServedAt: number;
  /** Sites served there before then. */
  servedBefore: ReadonlySet<string>;
  /** When it answered again: the first connection opened there by a fetch begun after every one that got no answer; null: never. */
  answeredAgainAt: number | null;
  /** Sites served there from then on. */
  servedAfter: ReadonlySet<string>;
}

/** Fetches begun after the last one served, of distinct sites, needed to say the address stopped answering. */
const FAILED_AFTER_AT_LEAST = 2;

/**
 * The same, when it answered again: a server that fails a connection now and then fails two in a row now and then
 * too, and all of a run's failures there in one stretch with three in it is rarer by far.
 */
const FAILED_FOR_A_WHILE_AT_LEAST = 3;

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
  // By owner (a provider, a server), when it began the fetches it served: a control in time for another's onset.
  const servedStarts = new Map<string, number[]>();
  for (const s of sites) {
    for (const a of s.report.attempts) {
      if (a.path === 'proxy' || a.address === null || translated(a) || s.explained.has(a.id)) continue;
      let owner = ownerOf.get(a.address);
      if (owner === undefined) ownerOf.set(a.address, (owner = s.stack.edge?.name ?? `server ${a.address}`));
      if (answered(a)) {
        const starts = servedStarts.get(owner);
        if (starts) starts.push(startOf(a));
        else servedStarts.set(owner, [startOf(a)]);
      }
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
    // Begun after it stopped, and before it answered again.
    const until = onset.answeredAgainAt ?? Infinity;
    const controlled = [...servedStarts].some(([other, starts]) => other !== owner && starts.some((t) => t >= onset.lastServedAt && t < until));
    if (!controlled) dark.delete(address);
  }
  return dark;
}

const openedAt = (a: Attempt) => startOf(a) + (a.timings.connectMs ?? 0);

/**
 * Its connection opened only after TCP sent its SYN again while this process could run: begun while the address
 * answered nothing, served when it answered again — neither before nor after.
 */
const servedLate = (a: Attempt) => (connectWaitMs(a) ?? 0) >= SYN_RESENT_MS;

/**
 * `attempts`: every fetch of the run at one address (all sites, this vantage). Null unless it stopped answering: to
 * the run's end, or for a while — every fetch that got no answer there lies between the last one served before and
 * the first served after (served then, it answered again; one failing among served ones is a server failing now and
 * then, and is not read so).
 */
function darkOnset(attempts: readonly Attempt[]): DarkOnset | null {
  const failed = attempts.filter(unanswered);
  if (failed.length === 0) return null;
  const lastFailedStart = failed.reduce((latest, a) => Math.max(latest, startOf(a)), -Infinity);
  const before: Attempt[] = [];
  const after: Attempt[] = [];
  for (const a of attempts) {
    if (!answered(a)) continue;
    if (startOf(a) > lastFailedStart) after.push(a);
    // One that opened only after the last failure began waited through the stretch: neither before it nor after.
    else if (!(servedLate(a) && openedAt(a) > lastFailedStart)) before.push(a);
  }
  if (before.length === 0) return null;
  const lastServedAt = before.reduce((latest, a) => Math.max(latest, endOf(a)), -Infinity);
  if (failed.some((a) => endOf(a) <= lastServedAt)) return null;
  // Each would have been served by a server still answering.
  const failedAfter = new Set(failed.filter((a) => startOf(a) >= lastServedAt).map((a) => a.site));
  if (after.length === 0) return failedAfter.size < FAILED_AFTER_AT_LEAST ? null : { lastServedAt, servedBefore: new Set(before.map((a) => a.site)), answeredAgainAt: null, servedAfter: new Set() };
  // When it answered again: the first connection there that opened after the stretch. Those begun in the stretch and
  // opened only then (their SYN sent again) waited through it too: they are its witnesses, though served.
  const answeredAgainAt = after.reduce((earliest, a) => Math.min(earliest, openedAt(a)), Infinity);
  for (const a of after) if (servedLate(a) && startOf(a) >= lastServedAt && startOf(a) < answeredAgainAt) failedAfter.add(a.site);
  if (failedAfter.size < FAILED_FOR_A_WHILE_AT_LEAST) return null;
  return { lastServedAt, servedBefore: new Set(before.map((a) => a.site)), answeredAgainAt, servedAfter: new Set(after.map((a) => a.site)) };
}

/** "<subject> stopped answering during this run — …": what both rules say; `failed`: its fetches that got no answer. */
export function onsetWords(subject: string, onset: DarkOnset, failed: number): string {
  const served = onset.servedBefore.size;
  const there = onset.answeredAgainAt === null ? 'there' : 'there before';
  const before = `${served === 1 ? `the one site served ${there} was` : `the ${served} sites served ${there} were all`} served by ${clockUtc(onset.lastServedAt)} UTC`;
  const none = `none of the ${plural(failed, 'fetch', 'fetches')} there still waiting then or begun after got an answer`;
  if (onset.answeredAgainAt !== null) {
    return (
      `${subject} stopped answering for a while during this run — ${before}, ${none} until it answered again (${plural(onset.servedAfter.size, 'site')} served there from ${clockUtc(onset.answeredAgainAt)} UTC); ` +
      `the server or the way to it failed then (a restart, a reload, a route flapping), or it refused this client for that long`
    );
  }
  return (
    `${subject} stopped answering during this run — ${before}, and ${none}; the server or the way to it failed then, ` +
    `or it stopped answering this client (a firewall banning it after many requests looks the same from here)`
  );
}
