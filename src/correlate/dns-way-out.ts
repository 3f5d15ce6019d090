// This host's way to DNS gone while the run was under way: resolvers of two operators or more, beyond this host's
// network, replied to the run's questions and then to none — not to the rest of its questions, and not to the loss
// probes (probe/dns/loss-probe.ts: questions every recursive resolver answers from its cache, sent once some question
// had to be sent again), while the sites they had already resolved may still be served. A firewall or VPN that starts
// dropping DNS (port 53), a tunnel carrying it dropping, or a path all of them share failing: two operators' resolvers
// going silent at one moment is not either operator's outage, and not the sites'. Before, the names asked after it
// read as sites down ("118 down, 16 degraded of 160 sites; no shared cause found", exit 1: three resolvers dropped
// after their 200th question in a namespace, test/netns/dns-goes-dark.test.ts).
//
// The loss probes are the control: a zone whose name servers fail (a DNS host under attack) makes resolvers time out
// on its names, but they still answer what they hold in their cache, so its outage never reads as this. One
// operator's resolvers silent together (1.1.1.1 and 1.0.0.1) are that operator's to say (correlate/incidents.ts).
// Only to the run's end: the probes are sent once, so a silence that ended before them has no control here (a path
// that lost some of every resolver's questions is correlate/packet-loss.ts's). Said only when the whole way out did
// not go too (correlate/way-out.ts says that one, DNS questions included). Pure.

import type { DnsAnswer, LossProbe, ResolverSpec } from '../model.js';
import type { HostSite } from './host.js';
import { lookupRanOut, NO_REPLY_CODES, replied } from '../classify/reach.js';
import { hostOfUrl } from '../util/dns-name.js';
import { formatCount, listNames, plural } from '../util/text.js';
import { clockUtc } from '../util/time.js';
import { untestedBy } from './untested.js';
import { beyondThisNetwork, type WayOutLost } from './way-out.js';

/** Said as the whole way out's silence is, without its moments for a first try (the fetches were served). */
export type DnsWayOutLost = Omit<WayOutLost, 'during'>;

/** Operators whose resolvers went silent together, needed to read it as this host's way to DNS. */
const FEWEST_OPERATORS = 2;
/** A resolver's questions asked after its last reply and never answered, at least: one lost question is no silence. */
const FEWEST_UNANSWERED_AFTER = 3;

const startOf = (x: { startedAt: string }) => Date.parse(x.startedAt);
const endOf = (d: DnsAnswer) => startOf(d) + d.durationMs;
/** A question with no reply: its own wait ran out, or it was not sent to a resolver gone silent (not the run's deadline). */
const ranOut = (d: DnsAnswer) => d.outcome === 'timeout' && d.error !== null && NO_REPLY_CODES.has(d.error.code);

export function dnsWayOutLost(sites: readonly HostSite[], dns: readonly DnsAnswer[], resolvers: readonly ResolverSpec[], lossProbes: ReadonlyMap<string, LossProbe> | undefined): DnsWayOutLost | null {
  // Most runs send no loss probe, or have them answered: looked at before any question is.
  const probedSilent = resolvers.filter((r) => {
    const probe = lossProbes?.get(r.name);
    return probe !== undefined && probe.sent > 0 && probe.answered === 0 && beyondThisNetwork(r);
  });
  if (new Set(probedSilent.map((r) => r.provider ?? r.name)).size < FEWEST_OPERATORS) return null;
  // Each one's last reply; it must have replied, and then left questions begun after it unanswered.
  const lastReply = new Map<string, number>();
  const candidates = new Set(probedSilent.map((r) => r.name));
  for (const d of dns) if (candidates.has(d.resolver) && replied(d)) lastReply.set(d.resolver, Math.max(lastReply.get(d.resolver) ?? -Infinity, endOf(d)));
  const unansweredAfter = new Map<string, number>();
  for (const d of dns) {
    const last = lastReply.get(d.resolver);
    if (last !== undefined && ranOut(d) && startOf(d) > last) unansweredAfter.set(d.resolver, (unansweredAfter.get(d.resolver) ?? 0) + 1);
  }
  const silenced = probedSilent.filter((r) => (unansweredAfter.get(r.name) ?? 0) >= FEWEST_UNANSWERED_AFTER);
  const operators = new Set(silenced.map((r) => r.provider ?? r.name));
  if (operators.size < FEWEST_OPERATORS) return null;
  const silentFrom = new Map(silenced.map((r) => [r.name, lastReply.get(r.name)!]));
  // A question still waiting when its resolver went silent, or asked after: no reply could come.
  const questionLost = (d: DnsAnswer) => {
    const from = silentFrom.get(d.resolver);
    return from !== undefined && ranOut(d) && endOf(d) > from;
  };
  const lost = dns.filter(questionLost);
  // The session stops asking a resolver that went silent (probe/session.ts): those questions were never sent.
  const notSent = lost.filter((d) => d.error?.code === 'RESOLVER_SILENT').length;
  const lostNames = new Set(lost.map((d) => `${d.resolver}|${d.name}`));
  const { explained, untested } = untestedBy(sites, (a) => {
    if (!lookupRanOut(a) || a.resolver === null) return false;
    const host = hostOfUrl(a.url);
    return host !== null && lostNames.has(`${a.resolver}|${host}`);
  });
  const from = Math.max(...silentFrom.values());
  const replies = dns.filter((d) => silentFrom.has(d.resolver) && replied(d)).length;
  const probes = silenced.reduce((sum, r) => sum + lossProbes!.get(r.name)!.sent, 0);
  const servedAfter = sites.filter((s) => s.report.attempts.some((a) => a.outcome === 'ok' && a.address !== null && startOf(a) + a.timings.totalMs > from)).length;
  const still = servedAfter > 0 ? `, while ${plural(servedAfter, 'site')} ${servedAfter === 1 ? 'was' : 'were'} still served after it` : '';
  const names = silenced.map((r) => r.name);
  // Their operators by name where the tool knows them (Cloudflare, Google), else how many.
  const operatorWords = silenced.every((r) => r.provider !== null) ? [...operators].join(', ') : plural(operators.size, 'operator');
  const untestedWords = untested.length === 0 ? 'no site was left untested by it' : `${plural(untested.length, 'site')} whose names were asked then (${listNames(untested, 4)}) were not tested from here`;
  return {
    explains: (a) => explained.has(a.id),
    explainsAnswer: questionLost,
    note:
      `this host's way to DNS stopped answering during this run: ${listNames(names, 4)} (${operatorWords}) replied to ${plural(replies, 'question')}, then to none after ${clockUtc(from)} UTC — ` +
      `not to the ${plural(lost.length - notSent, 'question')} asked then${notSent > 0 ? ` (${formatCount(notSent)} more were not sent once it had gone quiet)` : ''}, nor to ${plural(probes, 'question')} every resolver answers from its cache${still}: ` +
      `a firewall or VPN now dropping DNS, a tunnel carrying it gone, or a path all of them share failing, not the resolvers or the sites; ${untestedWords}`,
    short: `this host's way to DNS stopped answering at ${clockUtc(from)} UTC`,
    mostUntested: untested.length > 0 && untested.length * 2 >= sites.length,
  };
}
