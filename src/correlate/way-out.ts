// This host's way out gone while the run was under way: answers came from several networks, then from none, for a
// while or to the run's end. A link or uplink lost, a Wi-Fi roam, a VPN or tunnel reconnecting, a firewall cutting
// this host off: every address goes dark at one moment, and from cron a run is as likely to meet it as any other.
// Before, a server whose pages were still on their way then read as failing ("none is served from it in this run"),
// the rest as "no shared cause found", and first tries asked again alone once the way was back as servers limiting
// this client's connections (all measured: test/netns/address-goes-dark.test.ts).
//
// Read from when each fetch began, when something last came back for it, and when it ended. A silence is a stretch
// with no answer of any kind from beyond this host (a response, a refusal, a connection or handshake opened, a reply
// from a resolver outside this host's network) for a second or more. It is the way out's only when fetches at two
// networks or more that served before it (or, when it ended, after it: a blip as the run began) got nothing from it:
// begun during it, with no answer to their connection (or one only when it ended), or cut in their TLS handshake just
// as it began (a live server's TLS stack answers at once, whatever its application does; a server that hangs still
// opens its connections and finishes its handshakes, and that is an answer). Two networks going silent at one moment
// with nothing from anyone meanwhile is this host's way out or a path all of them share: which of the two cannot be
// told from here, and neither is about the sites. Requests that only waited for their responses are no evidence:
// pages slower than the timeout look so.
//
// What it explains: what was waiting for an answer when it began, or began during it, and could not have been
// answered before it ended — a connection whose every SYN went out during it (Linux sends one again after 1, 2, 4 …
// s), begun at most a little before it (what the run's slower connections took, its 95th percentile, and at least
// TCP's first retransmission, 1 s: RFC 6298 §2.1); one open and waiting for its response, until about the silence's
// length after it (the server's TCP sends again, later each time it is lost); a lookup begun before it ended. A
// connection unanswered for longer while other networks answered says something of its own address, and stands.
// Pure.

import type { Attempt, DnsAnswer, ExpectResult, ResolverSpec } from '../model.js';
import type { HostSite } from './host.js';
import { connected, connectWaitMs, lookupRanOut, noRouteFromHere, replied, SYN_RESENT_MS } from '../classify/reach.js';
import { unanswered } from '../classify/crowding.js';
import { attemptOutcome, endedByOwnDeadline } from '../classify/outcome.js';
import { isPrivateAddress } from '../util/ip.js';
import { hostWasBusy } from '../util/stall-clock.js';
import { listNames, plural } from '../util/text.js';
import { clockUtc, formatMs } from '../util/time.js';
import { percentile } from '../util/collections.js';
import { untestedBy } from './untested.js';

export interface WayOutLost {
  explains(a: Attempt): boolean;
  explainsAnswer(d: DnsAnswer): boolean;
  /** Whether a try (one not in the report: a first try asked again alone) was under way during a silence. */
  during(attempt: { startedAt?: string; totalMs?: number }): boolean;
  note: string;
  short: string;
  /** Half the sites or more untested for it: the run says little, and the verdict says so. */
  mostUntested: boolean;
}

/** Networks that had answered, then went silent at the moment, needed to read it as the way out. */
const FEWEST_SILENT_NETWORKS = 2;

/**
 * How long this run's connections took to open, at this percentile: the longest a connection begun before a silence
 * may have needed. Not the slowest: connections sent during a silence open only when it ends, seconds later.
 */
const SLOW_CONNECT_PERCENTILE = 0.95;

const startOf = (x: { startedAt: string }) => Date.parse(x.startedAt);

/** A direct fetch: its address was dialled from this host (a proxy's fetches leave from the proxy). */
const direct = (a: Attempt) => a.address !== null && a.path !== 'proxy';

/**
 * Nothing came back for it at all: no connection opened before its time ran out, or no route to send it. (A wait this
 * process could not run through is no silence: util/stall-clock.ts marks it, and the busy-host finding reads it.)
 */
function silent(a: Attempt): boolean {
  return (unanswered(a) && !connected(a) && !hostWasBusy(a.error)) || noRouteFromHere(a);
}

/** Its connection opened only after `grace` or more while this process could run: its SYN was sent again. */
const connectedLate = (a: Attempt, grace: number) => (connectWaitMs(a) ?? 0) >= grace;

/** Its connection opened and the TLS handshake then got no answer before its time ran out. */
function handshakeStalled(a: Attempt): boolean {
  return a.failedPhase === 'tls' && a.timings.connectMs !== null && a.timings.tlsMs === null && unanswered(a) && !hostWasBusy(a.error);
}

/**
 * When something last came back for a direct fetch (epoch ms), or null when nothing did. A connection that opened and
 * then waited was last heard at its handshake; anything else that got an answer, at its end.
 */
function heardAt(a: Attempt): number | null {
  if (silent(a)) return null;
  const opened = startOf(a) + (a.timings.connectMs ?? 0) + (a.timings.tlsMs ?? 0);
  if (unanswered(a) || endedByOwnDeadline(a)) return connected(a) ? opened : null;
  return startOf(a) + a.timings.totalMs;
}

/** A resolver whose replies come from beyond this host's own network: not this host's, not its network's own. */
export function beyondThisNetwork(r: ResolverSpec): boolean {
  if (r.kind === 'system' || r.local === true) return false;
  return r.kind === 'doh' || !isPrivateAddress(r.address);
}

/** The owner of a fetch's address: its catalogued edge or hosting, else its server. */
const networkOf = (s: HostSite, a: Attempt) => s.stack.edge?.name ?? s.stack.origin?.name ?? `server ${a.address}`;

/**
 * A network over one address family: one whose IPv6 never answered in this run (this host's IPv6 broken, the
 * family rules' to say) is no network that went silent when fetches over it begun late got nothing.
 */
const overFamily = (network: string, a: Attempt) => `${network} over IPv${a.family}`;

/**
 * When a connection begun at `start` sent its SYN (Linux: the first, then again after 1, 2, 4 … s, RFC 6298 §5.5's
 * doubling; tcp_syn_retries 6), the last one before `end`.
 */
function lastSynBefore(start: number, end: number): number {
  let sent = start;
  for (let wait = SYN_RESENT_MS; sent + wait < end && wait <= 32 * SYN_RESENT_MS; wait *= 2) sent += wait;
  return sent;
}

const FAILED: ExpectResult = { ok: false, failures: [] };

/**
 * A fetch and, when it was asked again alone (probe/address-slots.ts), its first try: a fetch of its own, made with the
 * rest of the run, that the report keeps only as `crowded.first` — when it began, how long it took, what it got.
 * Without it a silence whose fetches were all served when asked again alone is not seen, and reads as servers
 * limiting this client (measured: four servers "limit this probe's fetches at once" after a 5 s blip).
 */
function triesOf(a: Attempt): Attempt[] {
  const first = a.crowded?.first;
  if (first?.startedAt === undefined || first.totalMs === undefined) return [a];
  const { httpStatus, error, failedPhase, startedAt, totalMs } = first;
  const tried: Attempt = { ...a, id: `${a.id}#first`, httpStatus, error, failedPhase, startedAt, expect: FAILED, outcome: attemptOutcome(first, FAILED), timings: { connectMs: null, tlsMs: null, ttfbMs: null, totalMs } };
  return [tried, a];
}

/** A silence: nothing came back from beyond this host between `from` and `until` (Infinity: the run's end). */
interface Silence {
  from: number;
  until: number;
  /** By network, the sites fetched during it there (or whose handshake it cut), after it had served: each got nothing. */
  fetchedThen: Map<string, Set<string>>;
  /** One of those networks served only after it ended (it came as the run began). */
  servedOnlyAfter: boolean;
}

export function wayOutLost(sites: readonly HostSite[], dns: readonly DnsAnswer[], resolvers: readonly ResolverSpec[]): WayOutLost | null {
  // Most runs have no fetch that went unanswered: looked for before anything is kept.
  const heardNothing = (a: Attempt) => a.outcome !== 'ok' && direct(a) && (silent(a) || handshakeStalled(a));
  if (!sites.some((s) => s.report.attempts.some((a) => heardNothing(a) || (a.crowded !== undefined && triesOf(a).some(heardNothing))))) return null;
  // Every moment something came back from beyond this host, and when each network (over each family) first served a
  // fetch — an answer, not a connection alone: a network that only opens connections was never seen working.
  const heard: number[] = [];
  const firstServed = new Map<string, number>();
  const lastServed = new Map<string, number>();
  const connects: number[] = [];
  const tried = sites.map((s) => ({ site: s, tries: s.report.attempts.flatMap(triesOf) }));
  for (const { site: s, tries } of tried) {
    for (const a of tries) {
      if (!direct(a)) continue;
      const at = heardAt(a);
      if (at === null) continue;
      heard.push(at);
      if (!unanswered(a) && !endedByOwnDeadline(a)) {
        const key = overFamily(networkOf(s, a), a);
        firstServed.set(key, Math.min(firstServed.get(key) ?? Infinity, at));
        lastServed.set(key, Math.max(lastServed.get(key) ?? -Infinity, at));
      }
      const waited = connectWaitMs(a);
      if (waited !== null) connects.push(waited);
    }
  }
  if (firstServed.size < FEWEST_SILENT_NETWORKS) return null;
  const beyond = new Set(resolvers.filter(beyondThisNetwork).map((r) => r.name));
  for (const d of dns) if (replied(d) && beyond.has(d.resolver)) heard.push(startOf(d) + d.durationMs);
  heard.sort((x, y) => x - y);
  const grace = Math.max(SYN_RESENT_MS, percentile(connects, SLOW_CONNECT_PERCENTILE));
  // Where nothing came back for `grace` or longer: the last moment heard before each such stretch.
  const stretches: number[] = [];
  for (let i = 0; i < heard.length; i++) if ((heard[i + 1] ?? Infinity) - heard[i]! >= grace) stretches.push(heard[i]!);
  // Fetches that got nothing at networks that served before (or after a stretch that ended): one begun during such a
  // stretch (no answer to its connection, or only when the stretch ended), or one whose connection opened shortly
  // before it began and whose TLS handshake never finished (a live server's TLS stack answers at once, whatever its
  // application does). Grouped by the stretch.
  const silences = new Map<number, Silence>();
  for (const { site: s, tries } of tried) {
    for (const a of tries) {
      if (!direct(a)) continue;
      let from: number;
      if (silent(a) || connectedLate(a, grace)) {
        const start = startOf(a);
        const next = firstAfter(heard, start);
        // Something came back soon after it began: the way out worked, and its silence is its own address's.
        if (next === 0 || (heard[next] ?? Infinity) - start < grace) continue;
        from = heard[next - 1]!;
      } else if (handshakeStalled(a)) {
        const opened = heardAt(a)!;
        const stretch = stretches[firstAtOrAfter(stretches, opened)];
        if (stretch === undefined || stretch - opened > grace) continue;
        from = stretch;
      } else continue;
      const network = networkOf(s, a);
      const until = heard[firstAfter(heard, from)] ?? Infinity;
      const key = overFamily(network, a);
      // It had served before, or served once it ended (a blip as the run began: nothing had been served yet).
      const servedBefore = (firstServed.get(key) ?? Infinity) <= from;
      if (!servedBefore && !(until !== Infinity && (lastServed.get(key) ?? -Infinity) >= until)) continue;
      const silence = silences.get(from) ?? silences.set(from, { from, until, fetchedThen: new Map(), servedOnlyAfter: false }).get(from)!;
      if (!servedBefore) silence.servedOnlyAfter = true;
      const names = silence.fetchedThen.get(network);
      if (names) names.add(s.report.name);
      else silence.fetchedThen.set(network, new Set([s.report.name]));
    }
  }
  const found = [...silences.values()].filter((g) => g.fetchedThen.size >= FEWEST_SILENT_NETWORKS);
  if (found.length === 0) return null;
  // What a silence explains (the header says why): `start` is when it began, or for an open connection when it opened.
  const during = (start: number, end: number, g: Silence, how: 'connect' | 'open' | 'lookup') => {
    if (end <= g.from) return false;
    if (how === 'open') return start <= g.from && end - g.until < g.until - g.from + grace;
    return start >= g.from - grace && (how === 'lookup' ? start < g.until : lastSynBefore(start, end) < g.until);
  };
  const inSilence = (start: number, end: number, how: 'connect' | 'open' | 'lookup') => found.some((g) => during(start, end, g, how));
  const { explained, untested } = untestedBy(sites, (a) => {
    const start = startOf(a);
    const end = start + a.timings.totalMs;
    if (direct(a)) return silent(a) ? inSilence(start, end, 'connect') : unanswered(a) && inSilence(heardAt(a) ?? start, end, 'open');
    // A lookup that went unanswered then (its resolver's questions are explained below).
    return lookupRanOut(a) && inSilence(start, end, 'lookup');
  });
  const questionLost = (d: DnsAnswer) => !replied(d) && inSilence(startOf(d), startOf(d) + d.durationMs, 'lookup');
  const questions = dns.filter(questionLost).length;
  // Said by its longest silence (most sites fetched during it), and how many more there were.
  const sitesThen = (g: Silence) => [...g.fetchedThen.values()].reduce((sum, names) => sum + names.size, 0);
  const main = found.reduce((most, g) => (sitesThen(g) > sitesThen(most) ? g : most));
  const networks = [...main.fetchedThen.keys()];
  const when = main.until === Infinity ? `at ${clockUtc(main.from)} UTC: nothing came back from any network after it` : `from ${clockUtc(main.from)} to ${clockUtc(main.until)} UTC (${formatMs(main.until - main.from)}): nothing came back from any network then`;
  const fetched = main.until === Infinity ? 'fetched after it' : 'fetched then';
  const others = found.length > 1 ? `; it did so ${plural(found.length - 1, 'more time')} in this run` : '';
  const alsoQuestions = questions > 0 ? `, nor did ${plural(questions, 'DNS question')} asked then` : '';
  const untestedWords = untested.length === 0 ? 'no site was left untested by it' : `${plural(untested.length, 'site')} waiting for an answer then (${listNames(untested, 4)}) were not tested from here`;
  return {
    explains: (a) => explained.has(a.id),
    explainsAnswer: questionLost,
    during: ({ startedAt, totalMs }) => {
      if (startedAt === undefined || totalMs === undefined) return false;
      const start = Date.parse(startedAt);
      return found.some((g) => start + totalMs > g.from && start < g.until);
    },
    note:
      `this host's way out stopped answering during this run, ${when} — ${plural(sitesThen(main), 'site')} ${fetched} at ` +
      `${plural(networks.length, 'network')} that ${main.servedOnlyAfter ? 'answered before or after it' : 'had answered before'} (${listNames(networks, 3)}) got nothing back while it lasted, not even to their connection or TLS handshake${alsoQuestions}${others}: ` +
      `a link or uplink lost, a VPN or tunnel dropping, a firewall cutting this host off, or a path all of them share failing, not the sites; ${untestedWords}`,
    short: main.until === Infinity ? `this host's way out stopped answering at ${clockUtc(main.from)} UTC` : `this host's way out stopped answering from ${clockUtc(main.from)} to ${clockUtc(main.until)} UTC`,
    mostUntested: untested.length > 0 && untested.length * 2 >= sites.length,
  };
}

/** In ascending `sorted`, the index of the first value `reached` holds for (it holds for every later one); its length when none. */
function firstWhere(sorted: readonly number[], reached: (value: number) => boolean): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (reached(sorted[mid]!)) high = mid;
    else low = mid + 1;
  }
  return low;
}

/** The index of the first moment in `sorted` later than `at` (its length when none is). */
const firstAfter = (sorted: readonly number[], at: number) => firstWhere(sorted, (t) => t > at);

/**
 * The index of the first moment in `sorted` at or after `at`. Epoch milliseconds leave no room for an epsilon:
 * 1.8e12 − 1e-6 is 1.8e12 again.
 */
const firstAtOrAfter = (sorted: readonly number[], at: number) => firstWhere(sorted, (t) => t >= at);
