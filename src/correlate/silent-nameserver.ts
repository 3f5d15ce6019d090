// A name server in this host's resolv.conf that does not answer, ahead of one that does. getaddrinfo asks the servers
// in the order listed (in turn with `options rotate`) and gives each silent one its whole timeout before asking the
// next (resolv.conf(5): `options timeout:n`, 5 s by default), so on this host every lookup is slow while every
// answer comes: nothing fails, every program waits. Read from the servers asked directly (once the resolver's answers
// came late: probe/dns/nameserver-asks.ts) and from those answers: a server silent when asked, one listed after it
// answering, and this host's resolver's answers having waited, as a rule, at least one timeout of its own. Not with
// systemd-resolved between (it keeps asking the uplink that answered), nor for a server that refuses or cannot be
// routed to (getaddrinfo moves on from those at once). A server silent over an address family this host cannot
// reach is not at fault: the wait is said as that family's consequence. Pure.

import type { DnsAnswer, ResolverSpec, SystemResolverSpec } from '../model.js';
import { HOSTS_FILE } from '../util/hosts-file.js';
import { LOOKUP_FIRST_WAIT_MS, ranOutOfTime } from '../util/lookup-helper.js';
import { median } from '../util/collections.js';
import { formatMs } from '../util/time.js';
import { joinAnd } from '../util/text.js';
import { ipFamily } from '../util/ip.js';

const NO_FAMILY: ReadonlySet<number> = new Set();

export interface SilentNameservers {
  /** The finding, in one sentence for the host's notes. */
  note: string;
  /** In one clause for a headline. */
  short: string;
}

/** `brokenFamilies`: the address families this host cannot reach (correlate/host.ts): a server silent over one is not at fault. */
export function silentNameservers(dns: DnsAnswer[], resolvers: ResolverSpec[], brokenFamilies: ReadonlySet<number> = NO_FAMILY): SilentNameservers | null {
  const system = resolvers.find((r): r is SystemResolverSpec => r.kind === 'system' && r.nameservers?.replies !== undefined);
  const servers = system?.nameservers;
  if (!system || !servers?.replies || servers.via !== null) return null;
  const answering = servers.replies.findIndex((r) => r.rcode !== null);
  if (answering <= 0) return null;
  const silentAll = servers.replies.slice(0, answering).filter((r) => r.error === 'ETIMEDOUT' && r.ms >= LOOKUP_FIRST_WAIT_MS);
  // Servers silent over a family this host cannot reach are not at fault: said as that family's consequence, and
  // only when no other server is silent in its own right.
  const own = silentAll.filter((r) => !brokenFamilies.has(ipFamily(r.address)));
  const silent = own.length > 0 ? own : silentAll;
  if (silent.length === 0) return null;
  const unreachableFamily = own.length === 0 ? `IPv${ipFamily(silent[0]!.address)}` : null;
  const answered = (d: DnsAnswer) => d.outcome === 'ok' && d.server !== HOSTS_FILE;
  // A lookup that ran out of time waited too: behind two silent servers, the run's own wait can end before the
  // third answers.
  const gaveUp = (d: DnsAnswer) => ranOutOfTime(d.outcome, d.error);
  const lookups = dns.filter((d) => d.resolver === system.name && (answered(d) || gaveUp(d)));
  const waits = lookups.map((d) => d.durationMs);
  if (waits.length === 0 || median(waits) < LOOKUP_FIRST_WAIT_MS) return null;
  const timedOut = lookups.filter(gaveUp).length;

  const next = servers.replies[answering]!;
  const others = dns.filter((d) => d.resolver !== system.name && answered(d)).map((d) => d.durationMs);
  const took = `${formatMs(Math.min(...waits))}–${formatMs(Math.max(...waits))}`;
  const addresses = joinAnd(silent.map((r) => r.address));
  const one = silent.length === 1;
  const which = one && answering === 1 ? `first name server ${addresses}` : `name ${one ? 'server' : 'servers'} ${addresses}`;
  const wait = servers.timeout === undefined ? "5 s, resolv.conf's default" : `${servers.timeout} s: options timeout:${servers.timeout}`;
  const order = servers.rotate
    ? `getaddrinfo asks the servers in turn (options rotate) and waits for a silent one its whole timeout (${wait}) before the next, so lookups on this host that come to it first are answered late`
    : `getaddrinfo asks the servers in order and waits for each silent one its whole timeout (${wait}) before the next, so every lookup on this host is answered late`;
  const why = unreachableFamily ? `, as nothing over ${unreachableFamily} does from here` : '';
  const advice = unreachableFamily ? `mend this host's ${unreachableFamily}, or list ${next.address} first in ${servers.file}` : `remove ${addresses} from ${servers.file} or bring ${one ? 'it' : 'them'} back`;
  return {
    note:
      `${servers.file}'s ${which} ${one ? 'does' : 'do'} not answer${why} — asked directly, no reply in ${formatMs(Math.min(...silent.map((r) => r.ms)))} — while ${next.address}, listed after, does (in ${formatMs(next.ms)}): ${order} — ` +
      `this run's own, which wait ${formatMs(LOOKUP_FIRST_WAIT_MS)}, took ${took}${timedOut > 0 ? ` (${timedOut} of ${lookups.length} ran out of time first)` : ''}${others.length > 0 ? `, against ${formatMs(median(others))} (median) at the other resolvers` : ''}; ${advice}`,
    short: `this host's ${which} ${one ? 'does' : 'do'} not answer${unreachableFamily ? ` over ${unreachableFamily}` : ''}: ${servers.rotate ? 'lookups here wait' : 'every lookup here waits'} for the next`,
  };
}
