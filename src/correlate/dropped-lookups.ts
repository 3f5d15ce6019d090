// This host's resolver dropping the run's own lookups: they ran out of time while it answered the others, and were
// answered when asked again (probe/session.ts asks them, a few at a time). Something on its way limits how fast one
// client may ask — AWS's VPC resolver drops a client's packets beyond 1,024 a second per network interface (AWS,
// "Hybrid Cloud DNS Options for Amazon VPC": Constraints; "How can I determine whether my DNS queries to the
// Amazon-provided DNS server are failing due to VPC DNS throttling?"), a router's dnsmasq its forwards beyond
// --dns-forward-max (150 at once by default, dnsmasq(8)) — or it is overloaded: a long list read "degraded: DNS
// timeout" for sites whose names it answers. Said once, as the run's own load; the names answered again are judged
// on those answers. When none was answered again, nothing is said here: the lookups failed as failures do. Pure.

import type { LookupsAskedAgain, ResolverSpec } from '../model.js';
import { formatCount, plural } from '../util/text.js';

export interface DroppedLookups {
  /** The finding, in one sentence for the host's notes. */
  note: string;
  /** In one clause for a headline. */
  short: string;
}

export function droppedLookups(resolvers: ResolverSpec[]): DroppedLookups | null {
  const system = resolvers.find((r) => r.kind === 'system' && r.askedAgain !== undefined);
  const again: LookupsAskedAgain | undefined = system?.kind === 'system' ? system.askedAgain : undefined;
  if (!system || !again || again.answered === 0) return null;
  const { ranOut, asked, answered } = again;
  const examples = again.names.length > 0 ? ` (${again.names.slice(0, 3).join(', ')}${answered > Math.min(3, again.names.length) ? ', …' : ''})` : '';
  const howMany = answered === ranOut ? (ranOut === 1 ? 'it was' : `all ${formatCount(ranOut)} were`) : `${formatCount(answered)} of ${formatCount(ranOut)} were`;
  const rest =
    answered === asked
      ? asked < ranOut
        ? `; ${formatCount(ranOut - asked)} more ${ranOut - asked === 1 ? 'was' : 'were'} not asked again (the deadline was near), and ${ranOut - asked === 1 ? 'its site is' : 'their sites are'} judged on the first try`
        : ''
      : `; ${formatCount(asked - answered)} ${asked - answered === 1 ? 'was' : 'were'} not answered again either${asked < ranOut ? ` and ${formatCount(ranOut - asked)} not asked again` : ''}, and ${ranOut - answered === 1 ? 'its site is' : 'their sites are'} judged on that`;
  return {
    note:
      `resolver ${system.name} (getaddrinfo) let ${plural(ranOut, 'lookup')} run out of time while it answered this run's others; asked again, a few at a time, ${howMany} answered${examples}${rest} — ` +
      `it drops lookups that come too fast: something on its way limits how fast one client may ask (AWS's VPC resolver drops a client's packets beyond 1,024 a second per network interface; a router's dnsmasq drops what is beyond --dns-forward-max), or it is overloaded; ` +
      `this run's own load, not the sites' DNS${again.pacedAt !== undefined ? ` (from the first drop on, the run paced its lookups, down to ${formatCount(again.pacedAt)} a second)` : ''} — lower \`concurrency\` in probes.yaml, or run a caching resolver on this host`,
    short: `this host's resolver dropped ${plural(ranOut, 'lookup')} under this run's load (${answered === ranOut ? 'each answered when asked again' : `${formatCount(answered)} answered when asked again`})`,
  };
}
