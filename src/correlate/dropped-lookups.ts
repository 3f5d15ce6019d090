// A resolver dropping the run's own questions: they ran out of time while it replied to the others, and were answered
// when asked again (probe/dns/asking-again.ts asks them, a few at a time). Something on its way limits how fast one
// client may ask — AWS's VPC resolver drops a client's packets beyond 1,024 a second per network interface (AWS,
// "Hybrid Cloud DNS Options for Amazon VPC": Constraints; "How can I determine whether my DNS queries to the
// Amazon-provided DNS server are failing due to VPC DNS throttling?"), unbound with `ip-ratelimit` its queries beyond
// that rate, a router's dnsmasq its forwards beyond --dns-forward-max (150 at once by default, dnsmasq(8)) — or it is
// overloaded: a long list read "degraded: DNS timeout" for sites whose names it answers. Said once per resolver, as the
// run's own load; the names answered again are judged on those answers. When none was answered again, nothing is said
// here: the questions failed as failures do; nor on a path that loses packets (correlate/packet-loss.ts: lost at
// resolvers of two operators or more), where questions answered when asked again are that loss, nor for this host's
// resolver behind a silent name server (correlate/silent-nameserver.ts), whose lookups ran out waiting for it. Pure.

import type { LookupsAskedAgain, ResolverSpec } from '../model.js';
import { formatCount, plural } from '../util/text.js';

export interface DroppedLookups {
  /** The findings, one sentence per resolver, for the host's notes. */
  notes: string[];
  /** In one clause each for a headline. */
  short: string[];
}

export function droppedLookups(resolvers: ResolverSpec[]): DroppedLookups | null {
  const dropping = resolvers.filter((r): r is ResolverSpec & { askedAgain: LookupsAskedAgain } => r.askedAgain !== undefined && r.askedAgain.answered > 0);
  if (dropping.length === 0) return null;
  return { notes: dropping.map(note), short: dropping.map(short) };
}

/** getaddrinfo's are lookups it sends again every second; plain DNS questions are sent four times within their wait. */
function questions(r: ResolverSpec, n: number): string {
  return r.kind === 'system' ? plural(n, 'lookup') : plural(n, 'query', 'queries');
}

function note(r: ResolverSpec & { askedAgain: LookupsAskedAgain }): string {
  const { ranOut, asked, answered, names, pacedAt } = r.askedAgain;
  const who = r.kind === 'system' ? `resolver ${r.name} (getaddrinfo)` : `resolver ${r.name}${r.kind === 'udp' ? ` (${r.address})` : ''}`;
  const examples = names.length > 0 ? ` (${names.slice(0, 3).join(', ')}${answered > Math.min(3, names.length) ? ', …' : ''})` : '';
  const howMany = answered === ranOut ? (ranOut === 1 ? 'it was' : `all ${formatCount(ranOut)} were`) : `${formatCount(answered)} of ${formatCount(ranOut)} were`;
  const notAsked = ranOut - asked;
  const rest =
    answered === asked
      ? notAsked > 0
        ? `; ${formatCount(notAsked)} more ${notAsked === 1 ? 'was' : 'were'} not asked again (the deadline was near), and ${notAsked === 1 ? 'its site is' : 'their sites are'} judged on the first try`
        : ''
      : `; ${formatCount(asked - answered)} ${asked - answered === 1 ? 'was' : 'were'} not answered again either${notAsked > 0 ? ` and ${formatCount(notAsked)} not asked again` : ''}, and ${ranOut - answered === 1 ? 'its site is' : 'their sites are'} judged on that`;
  const paced = pacedAt !== undefined ? ` (from the first drop on, the run paced its ${r.kind === 'system' ? 'lookups' : 'queries'} there, down to ${formatCount(pacedAt)} a second)` : '';
  return (
    `${who} let ${questions(r, ranOut)} run out of time while it replied to this run's others; asked again, a few at a time, ${howMany} answered${examples}${rest} — ` +
    `it drops what comes too fast: something on its way limits how fast one client may ask (AWS's VPC resolver drops a client's packets beyond 1,024 a second per network interface; unbound's ip-ratelimit; a router's dnsmasq beyond --dns-forward-max), or it is overloaded; ` +
    `this run's own load, not the sites' DNS${paced} — lower \`concurrency\` in probes.yaml${r.kind === 'system' ? ', or run a caching resolver on this host' : ''}`
  );
}

function short(r: ResolverSpec & { askedAgain: LookupsAskedAgain }): string {
  const { ranOut, answered } = r.askedAgain;
  const who = r.kind === 'system' ? "this host's resolver" : `resolver ${r.name}`;
  return `${who} dropped ${questions(r, ranOut)} under this run's load (${answered === ranOut ? 'each answered when asked again' : `${formatCount(answered)} answered when asked again`})`;
}
