// This host's way out gone while the run was under way: answers came from several networks, then from none. A link
// or uplink lost, a VPN or tunnel dropping, a firewall cutting this host off: every address goes dark at one moment,
// and from cron a run is as likely to meet that moment as any other. Before, a server whose pages were still on their
// way then read as failing ("none is served from it in this run": measured, six sites at a server answering in 2.5 s,
// everything dropped 0.75 s into the run), and the rest as "no shared cause found".
//
// Read from when each fetch began, when something last came back for it, and when it ended. The moment is the last
// answer of any kind from beyond this host: a response, a refusal, a handshake, a reply from a resolver beyond this
// host's own network. It is the way out only when fetches begun after it, at two networks or more that had answered
// before it, got no answer at all — not even to their connection (a server that hangs still opens its connections,
// and that is an answer) — or failed at once for want of a route. Two networks going silent at one moment with
// nothing heard since is this host's way out or a path all of them share: which of the two cannot be told from here,
// and neither is about the sites.
//
// What it explains: fetches still waiting when the way out went, or begun after. A connected one was waiting for its
// response, which nothing says would not have come. One whose connection was unanswered since shortly before the
// moment — within the slowest connect of the run, and at least TCP's first SYN retransmission (1 s: RFC 6298 §2.1,
// the initial retransmission timeout) — could not have opened before it; one unanswered for longer while other
// networks answered says something of its own address, and stands. Pure.

import type { Attempt, DnsAnswer, ResolverSpec } from '../model.js';
import type { HostSite } from './host.js';
import { connected, noRouteFromHere, replied } from '../classify/reach.js';
import { unanswered } from '../classify/crowding.js';
import { endedByOwnDeadline } from '../classify/outcome.js';
import { isPrivateAddress } from '../util/ip.js';
import { listNames, plural } from '../util/text.js';

export interface WayOutLost {
  explains(a: Attempt): boolean;
  explainsAnswer(d: DnsAnswer): boolean;
  note: string;
  short: string;
  /** Half the sites or more untested for it: the run says little, and the verdict says so. */
  mostUntested: boolean;
}

/** Networks that had answered, then went silent at the moment, needed to read it as the way out. */
const FEWEST_SILENT_NETWORKS = 2;

/** TCP's initial retransmission timeout (RFC 6298 §2.1): a SYN lost once is sent again after it. */
const SYN_RETRANSMIT_MS = 1_000;

const startOf = (x: { startedAt: string }) => Date.parse(x.startedAt);

/** A direct fetch: its address was dialled from this host (a proxy's fetches leave from the proxy). */
const direct = (a: Attempt) => a.address !== null && a.path !== 'proxy';

/** Nothing came back for it at all: no connection opened before its time ran out, or no route to send it. */
function silent(a: Attempt): boolean {
  return (unanswered(a) && !connected(a)) || noRouteFromHere(a);
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
function beyondThisNetwork(r: ResolverSpec): boolean {
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

export function wayOutLost(sites: readonly HostSite[], dns: readonly DnsAnswer[], resolvers: readonly ResolverSpec[]): WayOutLost | null {
  // Most runs have no fetch that heard nothing: looked for before anything is kept.
  if (!sites.some((s) => s.report.attempts.some((a) => direct(a) && silent(a)))) return null;
  let lastHeard = -Infinity;
  let slowestConnect = 0;
  const heardFrom = new Set<string>();
  for (const s of sites) {
    for (const a of s.report.attempts) {
      if (!direct(a)) continue;
      const at = heardAt(a);
      if (at === null) continue;
      lastHeard = Math.max(lastHeard, at);
      heardFrom.add(overFamily(networkOf(s, a), a));
      if (a.timings.connectMs !== null) slowestConnect = Math.max(slowestConnect, a.timings.connectMs - (a.timings.connectStalledMs ?? 0));
    }
  }
  if (heardFrom.size < FEWEST_SILENT_NETWORKS) return null;
  const beyond = new Set(resolvers.filter(beyondThisNetwork).map((r) => r.name));
  for (const d of dns) if (replied(d) && beyond.has(d.resolver)) lastHeard = Math.max(lastHeard, startOf(d) + d.durationMs);
  // Fetches begun after the last answer, at networks that had answered before it: each of them silent since.
  const silentAfter = new Map<string, Set<string>>();
  for (const s of sites) {
    for (const a of s.report.attempts) {
      if (!direct(a) || !silent(a) || startOf(a) < lastHeard) continue;
      const network = networkOf(s, a);
      if (!heardFrom.has(overFamily(network, a))) continue;
      const names = silentAfter.get(network);
      if (names) names.add(s.report.name);
      else silentAfter.set(network, new Set([s.report.name]));
    }
  }
  if (silentAfter.size < FEWEST_SILENT_NETWORKS) return null;
  const grace = Math.max(SYN_RETRANSMIT_MS, slowestConnect);
  // Waiting when it went: a connection opened and waiting for its response, or unanswered since shortly before.
  const waitingThen = (start: number, end: number, opened: boolean) => end > lastHeard && (opened || start >= lastHeard - grace);
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
      const start = startOf(a);
      const end = start + a.timings.totalMs;
      const fetchLost = direct(a) && (silent(a) || (unanswered(a) && connected(a))) && waitingThen(start, end, connected(a));
      // A lookup that went unanswered then (its resolver's questions are explained below).
      const lookupLost = a.address === null && a.failedPhase === 'dns' && a.outcome === 'timeout' && waitingThen(start, end, false);
      if (!fetchLost && !lookupLost) continue;
      explained.add(a.id);
      explainedHere += 1;
    }
    if (!served && failing > 0 && explainedHere === failing) untested.push(s.report.name);
  }
  const questionLost = (d: DnsAnswer) => !replied(d) && waitingThen(startOf(d), startOf(d) + d.durationMs, false);
  const questions = dns.filter(questionLost).length;
  const networks = [...silentAfter.keys()];
  const begunAfter = [...silentAfter.values()].reduce((sum, names) => sum + names.size, 0);
  const at = new Date(lastHeard).toISOString().slice(11, 22);
  const alsoQuestions = questions > 0 ? `, nor did ${plural(questions, 'DNS question')} asked then` : '';
  const untestedWords = untested.length === 0 ? 'no site was left untested by it' : `${plural(untested.length, 'site')} still waiting then or fetched after (${listNames(untested, 4)}) were not tested from here`;
  return {
    explains: (a) => explained.has(a.id),
    explainsAnswer: questionLost,
    note:
      `this host's way out stopped answering during this run, at ${at} UTC: nothing came back from any network after it — ${plural(begunAfter, 'site')} fetched after it at ` +
      `${plural(networks.length, 'network')} that had answered before (${listNames(networks, 3)}) got no answer, not even to their connection${alsoQuestions}: ` +
      `a link or uplink lost, a VPN or tunnel dropping, a firewall cutting this host off, or a path all of them share failing, not the sites; ${untestedWords}`,
    short: `this host's way out stopped answering at ${at} UTC`,
    mostUntested: untested.length > 0 && untested.length * 2 >= sites.length,
  };
}
