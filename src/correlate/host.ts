// "It's us": what this run shows about the probing host itself, read across every site before any site or
// provider is judged. Pure. Each finding explains failures that say nothing about the sites:
//
//   - an address family this host cannot use: every attempt of it failed at once with no route (an IPv4-only
//     container, an IPv6-only cluster), or none of it connected while the other family served the same sites on
//     several providers (IPv6 broken on this network); and the NAT64 translator of an IPv6-only network, through
//     which nothing connects to IPv4-only sites on several providers;
//   - resolvers this network blocks: every public resolver of two or more operators answered nothing while the
//     host's own resolver (or DNS-over-HTTPS) answered — one operator failing while another answers is that
//     operator's outage, and stays a resolver incident; or a resolver refusing this host (EDE 18 "Prohibited");
//   - a resolver that redirects names: one address for sites on different providers, serving none of them, while
//     other resolvers' addresses serve;
//   - the whole network down, or not the Internet at all: nothing answered, or every site on every provider
//     answered with one address, one certificate or one untrusted issuer (a captive portal, TLS interception);
//   - this host's clock or CA store: every certificate of unrelated sites outside its validity period here, or
//     refused for its issuer while those issuers are several (no public root in this process's store);
//   - TLS intercepted for some sites only: one untrusted issuer for sites on different providers, others serving;
//   - this host's path losing packets: questions resolvers of two operators or more answer from their caches, lost
//     on the way (packet-loss.ts), which explains a timeout here and there at parties that answered the rest.
//
// A finding never blames anyone; it says what could not be tested from here, and what to check.

import type { Attempt, DnsAnswer, FamilyReach, HostReport, ResolverSpec, SiteReport, LossProbe } from '../model.js';
import { packetLoss } from './packet-loss.js';
import { connected, connectWaitMs, noRouteFromHere, replied, resolverUnroutable, SYN_RESENT_MS } from '../classify/reach.js';
import { whyNoTunnel } from '../classify/proxy-failure.js';
import { dohServerUnresolved } from '../util/errors.js';
import { hostOf, hostOfUrl } from '../util/dns-name.js';
import { ipFamily, isPrivateAddress } from '../util/ip.js';
import { outOfResourcesHere } from '../util/file-limit.js';
import { hostWasBusy } from '../util/stall-clock.js';
import { formatMs } from '../util/time.js';
import { UNKNOWN_ISSUER_ERRORS } from '../util/public-roots.js';
import { HOSTS_FILE } from '../util/hosts-file.js';
import { RESOLV_CONF, searchedFirst, type SearchList } from '../util/nameservers.js';
import { silentNameservers } from './silent-nameserver.js';
import { crowdedServers } from './crowded-servers.js';
import { droppedLookups } from './dropped-lookups.js';
import { wayOutLost } from './way-out.js';
import { dnsWayOutLost } from './dns-way-out.js';
import { untestedBy } from './untested.js';
import { dohRateLimited, resolverRateLimits, turnedAway } from './turned-away.js';
import { resolverTarget } from '../config/resolvers.js';
import { isStale, policyBlockWords, refusesThisClient } from '../classify/dns-facts.js';
import { formatCount, formatKiB, listNames, plural } from '../util/text.js';
import { responseCutOff } from '../classify/outcome.js';
import type { SiteStack } from '../classify/stack.js';
import { nat64Of } from '../fingerprint/ranges/trie.js';

/** What the host findings read of a site: its name, its probed attempts in report order, its edge. */
export interface HostSite {
  report: Pick<SiteReport, 'name' | 'attempts'>;
  stack: Pick<SiteStack, 'edge' | 'origin' | 'zone'>;
}

export interface LocalDown {
  down: boolean;
  /** Why, in plain sentences (what was tried and what came back). */
  evidence: string[];
  /** What is at fault: the network this host is on, or this host itself (its clock, its CA store). */
  where: 'network' | 'host';
}

export interface HostFindings {
  report: HostReport;
  local: LocalDown;
  /** An attempt a host finding explains: it is no evidence about its site or any provider. */
  explains(attempt: Attempt): boolean;
  /** A DNS answer a host finding explains (a blocked or unroutable resolver). */
  explainsAnswer(answer: DnsAnswer): boolean;
}

function isLocalResolver(r: ResolverSpec): boolean {
  return r.kind === 'system' || r.local === true;
}

/** The family a resolver is reached over when its address is fixed (plain DNS, DoH at an IP literal); else 0. */
function resolverFamily(r: ResolverSpec): 0 | 4 | 6 {
  if (r.kind === 'udp' || r.kind === 'tcp') return r.address.includes(':') ? 6 : 4;
  return r.kind === 'doh' ? ipFamily(hostOfUrl(r.url) ?? '') : 0;
}

/** A fetch to an address only a NAT64 translator serves: IPv6 from here, an IPv4 site beyond it. */
export function translated(a: Attempt): boolean {
  return a.family === 6 && a.address !== null && nat64Of(a.address) !== null;
}

// ───────────────────────────── address families ─────────────────────────────

interface FamilyView {
  reach: FamilyReach;
  /** Which of the family's failing attempts the finding explains, or null when it explains none. */
  explains: ((a: Attempt) => boolean) | null;
  note: string | null;
  /** The finding in a few words, for the headline. */
  short: string | null;
  /** Resolvers on the family's addresses that the finding explains: they could not be asked from here. */
  resolvers?: string[];
}

function familyView(family: 4 | 6, sites: HostSite[], dns: DnsAnswer[], resolvers: ResolverSpec[]): FamilyView {
  const word = family === 4 ? 'IPv4' : 'IPv6';
  // Counted, not listed, with indexed loops: every attempt and answer of a run passes here, twice, in code that runs
  // once a run (an iterator's result a step, before V8 optimizes it away, was most of this stage's garbage).
  const ofFamily = new Set(resolvers.filter((r) => resolverFamily(r) === family).map((r) => r.name));
  let tried = 0;
  let opened = 0;
  let unroutable = 0;
  for (let i = 0; i < sites.length; i++) {
    const attempts = sites[i]!.report.attempts;
    for (let j = 0; j < attempts.length; j++) {
      const a = attempts[j]!;
      if (a.address === null || a.family !== family || a.path === 'proxy' || (family === 6 && translated(a))) continue;
      tried += 1;
      if (connected(a)) opened += 1;
      if (noRouteFromHere(a)) unroutable += 1;
    }
  }
  for (let i = 0; i < dns.length; i++) {
    const d = dns[i]!;
    if (!ofFamily.has(d.resolver)) continue;
    tried += 1;
    if (replied(d)) opened += 1;
    if (resolverUnroutable(d)) unroutable += 1;
  }
  if (tried === 0) return { reach: 'untested', explains: null, note: null, short: null };
  if (opened === 0 && unroutable === tried) {
    return { reach: 'no-route', explains: notConnected, note: `this host has no ${word} route: ${word} paths were not tested (${plural(tried, 'attempt')} failed at once)`, short: `no ${word} route here` };
  }
  if (opened > 0) return stalledFamily(family, sites) ?? { reach: 'ok', explains: null, note: null, short: null };
  // Nothing of the family connected. Only a failure across unrelated providers, while the other family served
  // the very same sites, is this host's: one provider's IPv6 outage looks the same on its own sites.
  const failingSites = sites.filter((s) => s.report.attempts.some((a) => a.family === family && a.address !== null && !translated(a)));
  const servedOtherwise = failingSites.filter((s) => s.report.attempts.some((a) => a.family !== family && a.family !== null && a.outcome === 'ok'));
  const providers = new Set(servedOtherwise.map((s) => networkOf(s, family)));
  if (servedOtherwise.length >= 2 && providers.size >= 2 && servedOtherwise.length === failingSites.length) {
    // The family's resolvers answered nothing either (nothing of the family did): over a way out that carries none
    // of it, their silence says nothing about them, as the sites' says nothing about the sites.
    const silent = [...new Set(dns.filter((d) => ofFamily.has(d.resolver)).map((d) => d.resolver))];
    const asked = silent.length > 0 ? `; ${silent.length === 1 ? 'resolver' : 'resolvers'} ${silent.join(', ')} (${word}) could not be asked from here either` : '';
    return {
      reach: 'failing',
      explains: notConnected,
      note: `${word} fails at every site from here while ${family === 6 ? 'IPv4' : 'IPv6'} serves them (${plural(providers.size, 'provider')}): this host's or its network's ${word} is broken, not the sites'${asked}`,
      short: `${word} fails at every site from here`,
      resolvers: silent,
    };
  }
  return { reach: 'failing', explains: null, note: null, short: null };
}

const notConnected = (a: Attempt) => !connected(a);

/**
 * Who serves a site over `family`: its catalogued edge or hosting, else its server — the family's addresses it was
 * fetched at. Several self-hosted sites on one server are one witness of it, not one each.
 */
function networkOf(s: HostSite, family: 4 | 6): string {
  const known = s.stack.edge?.id ?? s.stack.origin?.id;
  if (known) return known;
  const addresses = [...new Set(s.report.attempts.filter((a) => a.family === family && a.address !== null && !translated(a)).map((a) => a.address!))].sort();
  return addresses.length > 0 ? `server:${addresses.join(',')}` : `own:${s.report.name}`;
}

/**
 * Connected, then nothing came back before the time ran out: a TLS handshake or a response that never arrived (one
 * that began to arrive and stopped is a cut, read by cutResponses).
 */
function stalledAfterConnect(a: Attempt): boolean {
  return a.outcome === 'timeout' && a.httpStatus === null && connected(a) && !responseCutOff(a);
}

/**
 * Connections of one family open at sites on several networks, but nothing comes back over them, while the other
 * family serves those very sites: the handshake's small packets pass and the first full-sized ones (the server's
 * certificate flight, a response) are lost. That is this host's path losing large packets — a path MTU black hole:
 * a tunnel, VPN or PPPoE link with a smaller MTU whose ICMP "Packet Too Big" / "Fragmentation Needed" messages are
 * filtered (RFC 8201 §4 for IPv6, RFC 1191 for IPv4; RFC 4821 §1 on such black holes), or a middlebox that accepts
 * connections and forwards nothing. Servers that send smaller packets still get through it (Cloudflare's IPv6 MTU is
 * 1,400: https://blog.cloudflare.com/increasing-ipv6-mtu/), so the family may still serve other sites; a connection
 * that stalls at one network's sites only is that network's to explain (the provider rules).
 */
function stalledFamily(family: 4 | 6, sites: HostSite[]): FamilyView | null {
  // Most runs have no connection that stalled: looked for before anything is kept.
  if (!sites.some((s) => s.report.attempts.some((a) => a.family === family && stalledAfterConnect(a)))) return null;
  const word = family === 4 ? 'IPv4' : 'IPv6';
  const other = family === 4 ? 'IPv6' : 'IPv4';
  interface Network { stalledSites: HostSite[]; stalls: number; handshakes: number; unmatched: number; answered: boolean; otherStalled: boolean }
  const networks = new Map<string, Network>();
  let responded = false;
  for (const s of sites) {
    const id = networkOf(s, family);
    let net = networks.get(id);
    if (!net) networks.set(id, (net = { stalledSites: [], stalls: 0, handshakes: 0, unmatched: 0, answered: false, otherStalled: false }));
    let stalls = 0;
    let handshakes = 0;
    let answered = false;
    let servedOtherwise = false;
    for (const a of s.report.attempts) {
      if (a.address === null || a.path === 'proxy' || a.family === null || translated(a)) continue;
      if (a.family !== family) {
        if (a.outcome === 'ok') servedOtherwise = true;
        else if (stalledAfterConnect(a)) net.otherStalled = true;
      } else if (a.httpStatus !== null) answered = true;
      else if (stalledAfterConnect(a)) {
        stalls += 1;
        if (a.failedPhase === 'tls') handshakes += 1;
      }
    }
    if (answered) responded = net.answered = true;
    if (stalls === 0 || answered) continue;
    if (!servedOtherwise) {
      net.unmatched += 1;
      continue;
    }
    net.stalledSites.push(s);
    net.stalls += stalls;
    net.handshakes += handshakes;
  }
  // A network counts when the family stalls at its sites while the other family serves them, none of its sites
  // answered over the family (a path that loses large packets loses a network's alike; one site's stalling beside
  // its neighbours' answers is that site's), and the other family never stalled there: stalls on both families are
  // no property of one (the servers, or a host too loaded to finish its handshakes).
  const counted = [...networks.values()].filter((n) => n.stalledSites.length > 0 && !n.answered && !n.otherStalled && n.unmatched <= n.stalledSites.length);
  const stalledSites = counted.flatMap((n) => n.stalledSites);
  if (stalledSites.length < 2 || counted.length < 2) return null;
  const stalls = counted.reduce((sum, n) => sum + n.stalls, 0);
  const handshakes = counted.reduce((sum, n) => sum + n.handshakes, 0);
  const explained = new Set(counted.flatMap((n) => n.stalledSites.map((s) => s.report.name)));
  const what = handshakes === stalls ? plural(stalls, 'TLS handshake') : handshakes === 0 ? plural(stalls, 'request') : `${plural(handshakes, 'TLS handshake')} and ${plural(stalls - handshakes, 'request')}`;
  const where = `${plural(stalledSites.length, 'site')} on ${plural(counted.length, 'network')}`;
  const signal = family === 6 ? 'ICMPv6 "Packet Too Big"' : 'ICMP "Fragmentation Needed"';
  const cause = `this host's ${word} path loses large packets — a path MTU black hole (a tunnel, VPN or PPPoE link with a smaller MTU whose ${signal} messages are filtered), or a middlebox that accepts connections and forwards nothing`;
  return {
    // Some site answered over the family: it works for servers that send smaller packets.
    reach: responded ? 'ok' : 'failing',
    explains: (a) => explained.has(a.site) && stalledAfterConnect(a),
    note: responded
      ? `${word} connections to ${where} open but nothing comes back over them (${what} stalled until the timeout) while ${other} serves those sites and ${word} serves others: ${cause}; servers that send smaller packets still get through. Not those sites' fault; their ${word} was not tested from here`
      : `${word} connections open but nothing comes back over any of them (${what} at ${where} stalled until the timeout) while ${other} serves those sites: ${cause}. Not the sites' fault; ${word} paths were not tested from here`,
    short: `${word} stalls after connecting here (path MTU?)`,
  };
}

// ───────────────────────────── responses cut at one size ─────────────────────────────

/** How far apart the largest and the smallest cut may lie: a middlebox counts packets (Cloudflare saw 10–14). */
const CUT_SPREAD = 1.5;

export interface CutBand {
  /** Bytes that had arrived on each connection when its response stopped: the least and the most. */
  min: number;
  max: number;
}

/**
 * The bytes at which these responses stopped (classify/outcome.ts responseCutOff), when every one of them was cut
 * off and they stopped at about one size; null otherwise.
 */
export function cutBand(attempts: readonly Attempt[]): CutBand | null {
  const range = cutRange(attempts);
  return range && range.max <= range.min * CUT_SPREAD ? range : null;
}

/** The least and the most bytes at which these responses stopped, when every one of them was cut off; null otherwise. */
export function cutRange(attempts: readonly Attempt[]): CutBand | null {
  if (attempts.length === 0) return null;
  let min = Infinity;
  let max = 0;
  for (const a of attempts) {
    if (!responseCutOff(a) || !a.received) return null;
    min = Math.min(min, a.received.bytes);
    max = Math.max(max, a.received.bytes);
  }
  return { min, max };
}

/** Some attempt among these brought more than `bytes` over its connection: responses that long got through. */
export function deliveredMore(attempts: Iterable<Attempt>, bytes: number): boolean {
  // A report from before `received` was recorded (merge reads old ones) has none: nothing is known of it.
  for (const a of attempts) if (!responseCutOff(a) && a.received && a.received.bytes > bytes) return true;
  return false;
}

/** "15.9–16.8 KiB", or one figure when they round alike. */
export function bandWords(band: CutBand): string {
  const low = formatKiB(band.min);
  const high = formatKiB(band.max);
  return low === high ? low : `${low.replace(' KiB', '')}–${high}`;
}

/**
 * Responses from sites on two networks or more that began and stopped after about the same number of bytes (the
 * head and part of the body read, or part of a first TLS record), while no response from those networks got
 * further: unrelated servers do not stop at one size together. Something on the way from this host counts bytes
 * and cuts connections — a throttling middlebox: from 2025-06-09 Russian ISPs let "only the first 16 KB of any web
 * asset" of Cloudflare's through, and Hetzner's, DigitalOcean's and OVH's alike
 * (https://blog.cloudflare.com/russian-internet-users-are-unable-to-access-the-open-internet/). Per network and
 * family: a cut on one family only is read with that family's answers. One network's cuts alone stay that network's
 * (incidents.ts cutAtOneSizeShortfall says why its incident is only a finding).
 */
function cutResponses(sites: HostSite[]): { attempts: Set<string>; note: string; short: string } | null {
  // Most runs have no response cut off: looked for before anything is kept.
  if (!sites.some((s) => s.report.attempts.some(responseCutOff))) return null;
  const byNetwork = new Map<string, { cut: Attempt[]; all: Attempt[]; sites: Set<string> }>();
  for (const s of sites) {
    for (const a of s.report.attempts) {
      if (a.address === null || a.path === 'proxy' || a.family === null) continue;
      const key = `${networkOf(s, a.family)}|${a.family}`;
      const entry = byNetwork.get(key) ?? byNetwork.set(key, { cut: [], all: [], sites: new Set() }).get(key)!;
      entry.all.push(a);
      if (responseCutOff(a)) {
        entry.cut.push(a);
        entry.sites.add(s.report.name);
      }
    }
  }
  const counted = [...byNetwork].filter(([, n]) => n.cut.length > 0);
  const band = cutBand(counted.flatMap(([, n]) => n.cut));
  if (!band || counted.some(([, n]) => deliveredMore(n.all, band.max))) return null;
  const networks = new Set(counted.map(([key]) => key.slice(0, key.lastIndexOf('|'))));
  const cutSites = new Set(counted.flatMap(([, n]) => [...n.sites]));
  if (networks.size < 2 || cutSites.size < 2) return null;
  const attempts = new Set(counted.flatMap(([, n]) => n.cut.map((a) => a.id)));
  const names = [...new Set(sites.filter((s) => cutSites.has(s.report.name)).map((s) => s.stack.edge?.name ?? s.stack.origin?.name ?? `site ${s.report.name}`))];
  return {
    attempts,
    note: `responses from ${plural(cutSites.size, 'site')} on ${plural(networks.size, 'network')} (${names.join(', ')}) began and stopped after about the same number of bytes (${bandWords(band)} had arrived on each connection), and no response from those networks got further: unrelated servers do not stop at one size together. Something on the way from this host cuts connections after a number of bytes — a throttling middlebox or a firewall (from 2025-06-09 Russian ISPs let through only the first 16 KB from Cloudflare, Hetzner, DigitalOcean and OVH). Not those sites' or providers' fault; they were not tested from here`,
    short: `connections cut after ~${formatKiB(band.max)} here (${plural(cutSites.size, 'site')} on ${plural(networks.size, 'network')})`,
  };
}

// ───────────────────────────── new connections dropped on the way ─────────────────────────────

/** A connect this many TLS handshakes long waited on a SYN sent again, not on a slow path: both cross the same path. */
const HANDSHAKES_PER_RESENT_CONNECT = 4;
/** Below this share of the other networks' connections opened only by a SYN sent again, drops are a few lost packets. */
const LEAST_RESENT_SHARE = 0.25;
/** Networks whose connections had to be made again or never opened, for the drops to be the way's, not some network's. */
const FEWEST_DROPPING_NETWORKS = 3;

/**
 * A direct connection that opened only after its SYN (or the SYN-ACK) was sent again: its TCP connect took a
 * retransmission timeout and more while this process could run, yet the TLS handshake after it — a round trip or two
 * across the same path — was quick. Null: it says nothing (no direct TLS connection opened, or none was measured).
 */
function connectResent(a: Attempt): boolean | null {
  const { tlsMs, connectStalledMs } = a.timings;
  const waited = connectWaitMs(a);
  if (a.address === null || a.path === 'proxy' || waited === null || tlsMs === null || connectStalledMs === undefined) return null;
  return waited >= SYN_RESENT_MS && waited >= tlsMs * HANDSHAKES_PER_RESENT_CONNECT;
}

/** A connection that never opened because its connect ran out of time (a dropped SYN's signature); not ours to end. */
function connectTimedOut(a: Attempt): boolean {
  return a.address !== null && a.path !== 'proxy' && a.failedPhase === 'connect' && a.error?.code === 'ETIMEDOUT' && !connected(a);
}

/**
 * Connects that ran out of time, in a run where connections opened only after their SYN was sent again — at three
 * networks or more with those that never opened — and those of the networks other than the timed-out site's did so a
 * quarter of the time or more: this host's new connections are being dropped on the way (a firewall's or NAT's limit
 * on connections per host, a full conntrack table, a rate limit on new connections, or heavy loss). Which connections
 * lose is a race: a provider's sites probed side by side can lose together, and read as its outage. The witnesses
 * are other networks': a provider that drops SYNs (its outage, its overload) drops its own sites', and its rules
 * judge that when the others' connections opened at once. The timed-out connects say nothing about their sites or
 * providers; whatever those sites served still counts.
 */
function droppedConnections(
  sites: HostSite[],
  dns: DnsAnswer[],
  resolvers: ResolverSpec[],
): { explains(a: Attempt): boolean; explainsAnswer(d: DnsAnswer): boolean; note: string; short: string; mostUntested: boolean } | null {
  // Most runs have no connect that timed out: looked for before anything is kept.
  if (!sites.some((s) => s.report.attempts.some(connectTimedOut))) return null;
  const byNetwork = new Map<string, { opened: number; resent: number }>();
  let opened = 0;
  let resent = 0;
  let quickest = Infinity;
  let slowest = 0;
  const timedOutNetworks = new Set<string>();
  for (const s of sites) {
    for (const a of s.report.attempts) {
      if (connectTimedOut(a)) timedOutNetworks.add(networkOf(s, a.family!));
      const again = connectResent(a);
      if (again === null) continue;
      const id = networkOf(s, a.family!);
      const tally = byNetwork.get(id) ?? byNetwork.set(id, { opened: 0, resent: 0 }).get(id)!;
      tally.opened += 1;
      opened += 1;
      if (!again) continue;
      tally.resent += 1;
      resent += 1;
      quickest = Math.min(quickest, a.timings.connectMs!);
      slowest = Math.max(slowest, a.timings.connectMs!);
    }
  }
  const resentAt = [...byNetwork].filter(([, n]) => n.resent > 0).map(([id]) => id);
  const resentNetworks = resentAt.length;
  if (resentNetworks === 0 || new Set([...resentAt, ...timedOutNetworks]).size < FEWEST_DROPPING_NETWORKS) return null;
  // Whether the networks other than this one witness the drops: some of theirs sent again, a quarter or more.
  const othersWitness = (network: string): boolean => {
    const own = byNetwork.get(network) ?? { opened: 0, resent: 0 };
    const othersResent = resent - own.resent;
    return othersResent > 0 && othersResent >= (opened - own.opened) * LEAST_RESENT_SHARE;
  };
  const witnessFor = new Map<string, boolean>();
  // A question over a connection (DNS over TCP or HTTPS) waits on one too: timed out at a resolver that answered most
  // of the others, it is one of those dropped, not the resolver's failure.
  const overConnections = new Set(resolvers.filter((r) => r.kind === 'doh' || r.kind === 'tcp').map((r) => r.name));
  const questions = new Map<string, { answered: number; timedOut: number }>();
  for (let i = 0; i < dns.length; i++) {
    const d = dns[i]!;
    if (!overConnections.has(d.resolver)) continue;
    const tally = questions.get(d.resolver) ?? questions.set(d.resolver, { answered: 0, timedOut: 0 }).get(d.resolver)!;
    if (replied(d)) tally.answered += 1;
    else if (d.outcome === 'timeout') tally.timedOut += 1;
  }
  const answersMostly = (resolver: string | null): boolean => {
    const tally = resolver === null ? undefined : questions.get(resolver);
    return tally !== undefined && tally.answered > tally.timedOut;
  };
  const questionDropped = (a: Attempt): boolean => a.address === null && a.failedPhase === 'dns' && a.error?.code === 'ETIMEDOUT' && answersMostly(a.resolver);
  const explainedSites = new Set<string>();
  let connectsLost = 0;
  const { explained, untested } = untestedBy(sites, (a, s) => {
    if (questionDropped(a)) return true;
    if (!connectTimedOut(a)) return false;
    const network = networkOf(s, a.family!);
    const witnessed = witnessFor.get(network) ?? witnessFor.set(network, othersWitness(network)).get(network)!;
    if (!witnessed) return false;
    connectsLost += 1;
    explainedSites.add(s.report.name);
    return true;
  });
  if (connectsLost === 0) return null;
  let questionsLost = 0;
  for (const [resolver, tally] of questions) if (answersMostly(resolver)) questionsLost += tally.timedOut;
  const alsoQuestions = questionsLost > 0 ? `, as did ${plural(questionsLost, 'question')} over DNS-over-HTTPS or TCP at resolvers that answered the rest` : '';
  const names = [...explainedSites];
  const shown = listNames(names, 4);
  return {
    explains: (a) => explained.has(a.id),
    explainsAnswer: (d) => d.outcome === 'timeout' && overConnections.has(d.resolver) && answersMostly(d.resolver),
    note: `new connections from this host are being dropped on the way (a per-host connection limit, a full conntrack table, a rate limit, or heavy loss): ${resent} of ${opened} that opened (at ${plural(resentNetworks, 'network')}) needed their SYN sent again (${formatMs(quickest) === formatMs(slowest) ? formatMs(slowest) : `${formatMs(quickest)}–${formatMs(slowest)}`} to connect, each TLS handshake after it quick) and ${connectsLost} at ${plural(names.length, 'site')} (${shown}) timed out before opening${alsoQuestions}. Which connections lose is a race: those sites and their providers were not tested from here (a lower --concurrency opens fewer at once)`,
    short: `new connections dropped on the way (${resent} of ${opened} opened only on a SYN sent again)`,
    mostUntested: untested.length > 0 && untested.length * 2 >= sites.length,
  };
}

// ───────────────────────────── names this host's hosts file pins ─────────────────────────────

/**
 * Names this host's hosts file gives addresses no other resolver gives (the system resolver's answer marked as the
 * file's: probe/dns/system.ts), where fetches made only through this host's resolver failed: every program here that
 * looks the name up reaches the pinned address — a pin left from a migration test, a staging override. Those
 * failures are the file's, not the site's or its provider's (it read as "degraded … no connection to Cloudflare edge
 * 127.0.0.99"); the site is judged at the addresses the other resolvers give. A pin that serves says nothing wrong.
 */
function hostsFilePins(sites: HostSite[], dns: DnsAnswer[], resolvers: ResolverSpec[]): { attempts: Set<string>; notes: string[]; short: string[] } {
  const out = { attempts: new Set<string>(), notes: [] as string[], short: [] as string[] };
  const pinned = new Map<string, Set<string>>();
  for (let i = 0; i < dns.length; i++) {
    const d = dns[i]!;
    if (d.server !== HOSTS_FILE) continue;
    const set = pinned.get(d.name) ?? pinned.set(d.name, new Set()).get(d.name)!;
    for (const v of d.values) set.add(v);
  }
  if (pinned.size === 0) return out;
  const local = new Set(resolvers.filter(isLocalResolver).map((r) => r.name));
  const elsewhere = new Map<string, Set<string>>();
  for (let i = 0; i < dns.length; i++) {
    const d = dns[i]!;
    if (!pinned.has(d.name) || local.has(d.resolver) || d.outcome !== 'ok') continue;
    const set = elsewhere.get(d.name) ?? elsewhere.set(d.name, new Set()).get(d.name)!;
    for (const v of d.values) set.add(v);
  }
  const said = new Set<string>();
  for (const s of sites) {
    for (const a of s.report.attempts) {
      const name = hostOfUrl(a.url);
      const addresses = name === null ? undefined : pinned.get(name);
      if (!addresses || a.outcome === 'ok' || a.address === null || !addresses.has(a.address) || elsewhere.get(name!)?.has(a.address)) continue;
      if (a.resolvers.length === 0 || !a.resolvers.every((r) => local.has(r))) continue;
      out.attempts.add(a.id);
      if (said.has(`${name} ${a.address}`)) continue;
      said.add(`${name} ${a.address}`);
      const others = [...(elsewhere.get(name!) ?? [])].filter((v) => ipFamily(v) === ipFamily(a.address!));
      const given = others.length > 0 ? `, while the other resolvers give ${others.slice(0, 3).join(', ')}` : '';
      out.short.push(`${HOSTS_FILE} pins ${name} to ${a.address}`);
      out.notes.push(
        `this host's ${HOSTS_FILE} pins ${name} to ${a.address}, which does not serve it here (${a.error?.code ?? a.outcome})${given}: every program on this host that looks the name up reaches the pinned address. Not the site's or its provider's fault; edit ${HOSTS_FILE} (a migration test's or a staging override's leftover?)`,
      );
    }
  }
  return out;
}

// ───────────────────────────── NAT64 ─────────────────────────────

/**
 * The NAT64 translator an IPv6-only host reaches IPv4-only sites through (a DNS64 resolver gives it addresses in
 * 64:ff9b::/96 for them). It fails for everything behind it at once: nothing through it connecting, at sites on two
 * providers or more, is the translator's failure — or, at once, no route to its prefix. At one provider's sites only,
 * the translator and that provider cannot be told apart from here: the provider and region rules say so (translatorShortfall).
 */
function nat64View(sites: HostSite[], nativeV6: FamilyReach): FamilyView {
  let tried = 0;
  let opened = 0;
  let unroutable = 0;
  const prefixes = new Set<string>();
  const reached = new Map<string, string>();
  for (const s of sites) {
    for (const a of s.report.attempts) {
      if (a.path === 'proxy' || !translated(a)) continue;
      tried += 1;
      prefixes.add(nat64Of(a.address!)!.prefix);
      reached.set(s.report.name, s.stack.edge?.id ?? s.stack.origin?.id ?? `own:${s.report.name}`);
      if (connected(a)) opened += 1;
      if (noRouteFromHere(a)) unroutable += 1;
    }
  }
  if (tried === 0) return { reach: 'untested', explains: null, note: null, short: null };
  if (opened > 0) return { reach: 'ok', explains: null, note: null, short: null };
  const prefix = [...prefixes].join(' and ');
  const sitesWord = plural(reached.size, 'site');
  if (unroutable === tried) {
    return {
      reach: 'no-route',
      explains: notConnected,
      note: `this host has no route to ${prefix}, the NAT64 prefix its DNS64 resolver gives IPv4-only sites: ${sitesWord} reached only through it were not tested from here (${plural(tried, 'attempt')} failed at once)`,
      short: 'no route to NAT64 here',
    };
  }
  const edges = new Set(reached.values()).size;
  if (edges < 2) return { reach: 'failing', explains: null, note: null, short: null };
  const native = nativeV6 === 'ok' ? ', while native IPv6 works here' : '';
  return {
    reach: 'failing',
    explains: notConnected,
    note: `this network's NAT64 translator fails: nothing connected through ${prefix} (${plural(tried, 'attempt')}) to ${sitesWord} on ${plural(edges, 'provider')}${native}: IPv4-only sites were not tested from here; check the translator (NAT64 gateway) this network routes ${prefix} to`,
    short: 'NAT64 fails here',
  };
}

// ───────────────────────────── blocked resolvers ─────────────────────────────

/** Plain DNS (port 53) and DNS-over-HTTPS are filtered differently by networks: each is judged on its own. */
const TRANSPORT_CLASSES: Array<{ label: string; kinds: ReadonlyArray<ResolverSpec['kind']> }> = [
  { label: 'plain DNS', kinds: ['udp', 'tcp'] },
  { label: 'DNS-over-HTTPS', kinds: ['doh'] },
];

/**
 * DoH resolvers never reached because this host's resolver gave no address for their servers' names (every DoH
 * client looks its server up so): the system resolver's failure, judged on its own answers, and not this network
 * blocking DoH. Every answer of theirs failing so (or cut by the deadline) makes them unusable here.
 */
function unresolvedDohServers(dns: DnsAnswer[], resolvers: ResolverSpec[]): { unresolved: Set<string>; notes: string[]; short: string[] } {
  // By resolver name: some answer failed so, and every one failed so or was cut by the deadline.
  const failedSo = new Map<string, { some: boolean; every: boolean }>();
  for (let i = 0; i < dns.length; i++) {
    const d = dns[i]!;
    if (d.transport !== 'doh') continue;
    const seen = failedSo.get(d.resolver) ?? { some: false, every: true };
    const unresolved = dohServerUnresolved(d);
    failedSo.set(d.resolver, { some: seen.some || unresolved, every: seen.every && (unresolved || d.error?.code === 'DEADLINE') });
  }
  const unresolved = new Set([...failedSo].filter(([, f]) => f.some && f.every).map(([name]) => name));
  if (unresolved.size === 0) return { unresolved, notes: [], short: [] };
  const hosts = [...new Set(resolvers.flatMap((r) => (r.kind === 'doh' && unresolved.has(r.name) ? [hostOf(new URL(r.url))] : [])))];
  return {
    unresolved,
    notes: [
      `${[...unresolved].join(', ')} could not be asked: this host's resolver gave no address for ${hosts.length === 1 ? 'its server' : 'their servers'} (${hosts.join(', ')}), which DNS-over-HTTPS needs to reach ${hosts.length === 1 ? 'it' : 'them'}; names were judged on the other resolvers`,
    ],
    short: [`DoH servers' names do not resolve here`],
  };
}

/** By resolver name, for each resolver asked: whether every one of its answers is so. */
function everyAnswerOf(dns: DnsAnswer[], test: (d: DnsAnswer) => boolean): Map<string, boolean> {
  const every = new Map<string, boolean>();
  for (let i = 0; i < dns.length; i++) {
    const d = dns[i]!;
    if (every.get(d.resolver) === false) continue;
    every.set(d.resolver, test(d));
  }
  return every;
}

function blockedResolvers(dns: DnsAnswer[], resolvers: ResolverSpec[]): { blocked: Set<string>; notes: string[]; short: string[] } {
  // Silent: asked, never a reply, and not for lack of a route (that is the family finding's).
  const heard = everyAnswerOf(dns, (d) => !replied(d) && !resolverUnroutable(d));
  const asked = resolvers.filter((r) => heard.has(r.name));
  const silent = (r: ResolverSpec) => heard.get(r.name) === true;
  const answering = asked.filter((r) => !silent(r));
  const blocked = new Set<string>();
  const notes: string[] = [];
  const short: string[] = [];
  for (const cls of TRANSPORT_CLASSES) {
    const publicOnes = asked.filter((r) => !isLocalResolver(r) && cls.kinds.includes(r.kind));
    if (publicOnes.length === 0 || !publicOnes.every(silent)) continue;
    const operators = new Set(publicOnes.map((r) => r.provider ?? r.name));
    const others = answering.filter((r) => !cls.kinds.includes(r.kind) || isLocalResolver(r));
    if (operators.size < 2 || others.length === 0) continue;
    for (const r of publicOnes) blocked.add(r.name);
    short.push(`this network blocks public ${cls.label}`);
    notes.push(
      `this network blocks outbound ${cls.label}: ${publicOnes.map((r) => r.name).join(', ')} (${plural(operators.size, 'operator')}) answer nothing from here while ${others.map((r) => r.name).join(', ')} answer${others.length === 1 ? 's' : ''}; names were judged on those`,
    );
  }
  return { blocked, notes, short };
}

/**
 * Public resolvers that refused every question's connection at once (ECONNREFUSED: a reset, or an ICMP
 * port-unreachable for plain DNS) while another resolver answers: a public resolver's anycast service that fails
 * stops answering or answers SERVFAIL, so a refusal every time is likelier something on the way refusing it for this
 * host (a firewall blocking DNS over HTTPS or port 53, a block of its addresses). Not usable here, not an incident;
 * this host's own resolver refusing is its own failure, and stays.
 */
function refusingResolvers(dns: DnsAnswer[], resolvers: ResolverSpec[]): { refusing: Set<string>; notes: string[]; short: string[] } {
  const refusing = new Set<string>();
  const out = { refusing, notes: [] as string[], short: [] as string[] };
  // Most runs have no refused question: looked for before a map of every resolver is made. Another must answer.
  if (!dns.some((d) => d.error?.code === 'ECONNREFUSED') || !dns.some((d) => d.outcome === 'ok')) return out;
  const refusedOnly = everyAnswerOf(dns, (d) => d.error?.code === 'ECONNREFUSED');
  for (const r of resolvers) {
    if (isLocalResolver(r) || refusedOnly.get(r.name) !== true) continue;
    refusing.add(r.name);
    out.short.push(`${r.name} refuses connections from here`);
    out.notes.push(
      `${r.name} (${resolverTarget(r)}) refused every connection from here at once (ECONNREFUSED), which a public resolver failing does not do (it stops answering, or answers SERVFAIL): something on the way refuses it for this host — a firewall blocking ${r.kind === 'doh' ? 'DNS over HTTPS' : 'DNS'}, a block of its addresses; names were judged on the other resolvers`,
    );
  }
  return out;
}

/** Names plain DNS fails and DoH answers, at least, to read it as this network answering port 53. */
const INTERCEPTED_NAMES_MIN = 2;

/** Failures a resolver gives in a reply (a timeout is no reply, and the blocked-resolver rule's). */
const REPLIED_FAILURES: ReadonlySet<DnsAnswer['outcome']> = new Set(['servfail', 'nxdomain', 'refused']);

interface InterceptedDns {
  /** Names plain DNS fails from here that an operator's DoH resolver answers. */
  names: Set<string>;
  /** The resolvers whose failures for those names are this network's: every plain-DNS one, and the host's own. */
  resolvers: Set<string>;
  note: string;
  short: string;
}

/**
 * Plain DNS answered by this network rather than by the resolvers it is sent to: names that every plain-DNS resolver
 * fails in its reply — several operators' and this host's own alike — while an operator among them answers them over
 * DoH, which the network cannot answer in its name. One operator's resolvers share their caches and their view of
 * the authorities whatever the transport, so that operator answering by one and failing by the other is not the
 * operator, nor the zones: port 53 is being answered on the way (a transparent DNS proxy, an ISP's interception, a
 * firewall filtering names), and that answer fails them. A zone whose authority fails is failed over DoH too; a DoH
 * answer from stale cache (EDE 3/19) is no fresh answer and does not count.
 */
function interceptedPlainDns(dns: DnsAnswer[], resolvers: ResolverSpec[]): InterceptedDns | null {
  const plain = new Map(resolvers.filter((r) => (r.kind === 'udp' || r.kind === 'tcp') && !isLocalResolver(r)).map((r) => [r.name, r.provider ?? r.name]));
  const doh = new Map(resolvers.filter((r) => r.kind === 'doh').map((r) => [r.name, r.provider ?? r.name]));
  if (plain.size === 0 || doh.size === 0) return null;
  // Most runs have no plain-DNS reply that failed: looked for before anything is kept.
  if (!dns.some((d) => plain.has(d.resolver) && REPLIED_FAILURES.has(d.outcome))) return null;
  interface NameView { failedBy: Set<string>; plainAnswered: boolean; dohOperators: Set<string>; outcomes: Set<string> }
  const byName = new Map<string, NameView>();
  for (const d of dns) {
    if (d.type !== 'A' && d.type !== 'AAAA') continue;
    let view = byName.get(d.name);
    if (!view) byName.set(d.name, (view = { failedBy: new Set(), plainAnswered: false, dohOperators: new Set(), outcomes: new Set() }));
    if (plain.has(d.resolver)) {
      if (REPLIED_FAILURES.has(d.outcome)) {
        view.failedBy.add(d.resolver);
        view.outcomes.add(d.outcome.toUpperCase());
      } else if (replied(d)) view.plainAnswered = true;
    } else if (doh.has(d.resolver) && d.outcome === 'ok' && d.values.length > 0 && !isStale(d)) view.dohOperators.add(doh.get(d.resolver)!);
  }
  const names: string[] = [];
  const outcomes = new Set<string>();
  const operatorsAnswering = new Set<string>();
  for (const [name, view] of byName) {
    if (view.plainAnswered || view.failedBy.size === 0) continue;
    const failingOperators = new Set([...view.failedBy].map((r) => plain.get(r)!));
    // Every plain resolver asked failed it, of two operators or more, and one of them answered it over DoH.
    const diverging = [...view.dohOperators].filter((operator) => failingOperators.has(operator));
    if (failingOperators.size < 2 || diverging.length === 0) continue;
    names.push(name);
    for (const o of view.outcomes) outcomes.add(o);
    for (const o of diverging) operatorsAnswering.add(o);
  }
  // One name could be a cache: its authority failing, the DoH side still holding it while the others do not. Every
  // plain resolver failing names that the DoH side answers fresh, name after name, is no cache's doing.
  if (names.length < INTERCEPTED_NAMES_MIN) return null;
  const plainNames = [...plain.keys()];
  const operators = new Set(plain.values());
  // This host's own resolver is the network's too: named when it failed those names as well.
  const hostOwn = resolvers.filter(isLocalResolver).map((r) => r.name);
  const hostOwnFailing = hostOwn.filter((name) => dns.some((d) => d.resolver === name && names.includes(d.name) && d.outcome !== 'ok' && d.outcome !== 'empty'));
  const shown = names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
  const answering = [...operatorsAnswering];
  return {
    names: new Set(names),
    resolvers: new Set([...plainNames, ...hostOwn]),
    note: `this network answers plain DNS itself: ${plainNames.join(', ')} (${plural(operators.size, 'operator')})${hostOwnFailing.length > 0 ? ` and this host's own resolver` : ''} fail ${shown} (${[...outcomes].join('/')}), which ${answering.join(', ')}'s own DNS-over-HTTPS ${answering.length === 1 ? 'answers' : 'answer'} — one operator's resolvers do not disagree by transport: port 53 is answered on the way (a transparent DNS proxy, an ISP's interception, a firewall filtering names), not by those resolvers, and neither they nor the sites are at fault; here those names resolve only over DoH`,
    short: `this network's plain DNS fails ${plural(names.length, 'name')} (they resolve over DoH)`,
  };
}

/** A resolver's answer that the name does not exist: NXDOMAIN, not a policy's (EDE 15–17 name a decision about it). */
const saysMissing = (d: DnsAnswer) => d.outcome === 'nxdomain' && policyBlockWords(d) === null;

/**
 * Names only this host's own resolvers give addresses for, that every other resolver which replied says do not exist
 * (NXDOMAIN): names private to this network — a company's internal zone, a VPN's split DNS, a home router's local
 * names — which public resolvers are right not to know (or names so new that public resolvers still hold a negative
 * answer, RFC 2308 §5). Their NXDOMAINs are no failure of theirs. Read so when resolvers of two operators or more say
 * it, or every address this host's resolver gives is one no public DNS could (util/ip.ts isPrivateAddress): one
 * public resolver's NXDOMAIN beside nothing else could be its own filter. A name any other resolver answers exists
 * outside: a resolver saying NXDOMAIN for it fails it (the resolver rule's).
 */
function privateNames(dns: DnsAnswer[], resolvers: ResolverSpec[]): { names: Set<string>; resolvers: Set<string>; note: string } | null {
  const local = new Set(resolvers.filter(isLocalResolver).map((r) => r.name));
  if (local.size === 0) return null;
  const isAddress = (d: DnsAnswer) => d.type === 'A' || d.type === 'AAAA';
  // Most runs have no name another resolver says is missing: looked for before anything else is kept.
  interface Seen { addresses: string[]; missingAt: Set<string>; existsOutside: boolean }
  const byName = new Map<string, Seen>();
  for (let i = 0; i < dns.length; i++) {
    const d = dns[i]!;
    if (isAddress(d) && !local.has(d.resolver) && saysMissing(d)) {
      const seen = byName.get(d.name) ?? byName.set(d.name, { addresses: [], missingAt: new Set(), existsOutside: false }).get(d.name)!;
      seen.missingAt.add(d.resolver);
    }
  }
  if (byName.size === 0) return null;
  for (let i = 0; i < dns.length; i++) {
    const d = dns[i]!;
    const seen = isAddress(d) ? byName.get(d.name) : undefined;
    if (!seen) continue;
    if (local.has(d.resolver)) {
      if (d.outcome === 'ok') seen.addresses.push(...d.values);
    } else if (d.outcome === 'ok' || d.outcome === 'empty' || (d.outcome === 'nxdomain' && !saysMissing(d))) {
      seen.existsOutside = true;
    }
  }
  const operatorOf = new Map(resolvers.map((r) => [r.name, r.provider ?? r.name]));
  const names: string[] = [];
  const outsiders = new Set<string>();
  for (const [name, seen] of byName) {
    if (seen.addresses.length === 0 || seen.missingAt.size === 0 || seen.existsOutside) continue;
    const operators = new Set([...seen.missingAt].map((r) => operatorOf.get(r) ?? r));
    if (operators.size < 2 && !seen.addresses.every(isPrivateAddress)) continue;
    names.push(name);
    for (const r of seen.missingAt) outsiders.add(r);
  }
  if (names.length === 0) return null;
  const shown = names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');
  return {
    names: new Set(names),
    resolvers: outsiders,
    note: `${plural(names.length, 'name')} (${shown}) ${names.length === 1 ? 'resolves' : 'resolve'} only through this host's own resolver: ${[...outsiders].join(', ')} say${outsiders.size === 1 ? 's' : ''} ${names.length === 1 ? 'it does' : 'they do'} not exist (NXDOMAIN) — names private to this network (an internal zone, a VPN's split DNS), which public resolvers are right not to know; not their failure`,
  };
}

/**
 * A resolver that refuses this host's queries (EDE 18 "Prohibited", RFC 8914 §4.19: an access list) and answered
 * nothing, while another resolver answered: it serves other networks (a company's or an ISP's resolver used from
 * elsewhere). Its refusals say nothing about the names, and nothing about its operator's health.
 */
function prohibitedResolvers(dns: DnsAnswer[], resolvers: ResolverSpec[]): { prohibited: string[]; notes: string[]; short: string[] } {
  const refused = new Set<string>();
  const answered = new Set<string>();
  for (let i = 0; i < dns.length; i++) {
    const d = dns[i]!;
    if (d.outcome === 'ok' || d.outcome === 'empty' || d.outcome === 'nxdomain') answered.add(d.resolver);
    else if (refusesThisClient(d)) refused.add(d.resolver);
  }
  const prohibited = resolvers.filter((r) => refused.has(r.name) && !answered.has(r.name)).map((r) => r.name);
  const others = resolvers.filter((r) => answered.has(r.name)).map((r) => r.name);
  if (prohibited.length === 0 || others.length === 0) return { prohibited: [], notes: [], short: [] };
  return {
    prohibited,
    notes: prohibited.map((name) => `resolver ${name} refuses queries from this host (EDE 18 "Prohibited"): it serves other networks, not this one; names were judged on ${others.join(', ')}`),
    short: prohibited.map((name) => `resolver ${name} refuses this host`),
  };
}

/** What one resolver's answers led to across the sites: one address or several, and how those fetches went. */
interface ResolverLead {
  resolver: string;
  family: 4 | 6;
  /** The one address its answers gave every site in this family; null once two fetches through it went to different ones. */
  address: string | null;
  sites: number;
  lastSite: HostSite | null;
  /** Sites that another address, given by another resolver, served. */
  servedElsewhere: number;
  /** Its address served some site. */
  served: boolean;
  /** The sites' edges seen so far (a second is enough): one CDN's shared address is no redirect. */
  firstEdge: string | null;
  edges: number;
  /** A certificate its address presented, to name who answers there. */
  subject: string | null;
  /** The sites' names, to tell whether this host's search list expands them. */
  names: string[];
}

/** By resolver, the addresses it redirects names to (one a family at most). */
export type Redirects = ReadonlyMap<string, ReadonlySet<string>>;

/** This host's resolver's search list, as read when the run started; null for other resolvers, or none. */
function searchListOf(spec: ResolverSpec | undefined): SearchList | null {
  const found = spec?.kind === 'system' ? spec.nameservers : undefined;
  return found?.search !== undefined && found.ndots !== undefined ? { search: found.search, ndots: found.ndots } : null;
}

/** The fetch went only to an address its resolvers redirect names to. */
function redirectedFetch(a: Attempt, redirected: Redirects): boolean {
  return a.path === 'edge' && a.address !== null && a.resolvers.length > 0 && a.resolvers.every((r) => redirected.get(r)?.has(a.address!) === true);
}

/**
 * One resolver answering every name — sites on two providers or more — with one address that serves none of them,
 * while the addresses other resolvers give serve those sites: that resolver, or something on this network answering
 * in its name (an ISP's ad or NXDOMAIN redirect, a DNS proxy), redirects names. Read per address family: a redirect
 * often answers A questions only (a wildcard record with no AAAA), and the resolver's AAAA answers are then the
 * sites' own. Its fetches say nothing about the sites. When every resolver does it, `interception` says so for the
 * whole network instead. For this host's own resolver, names its search list expands first (resolv.conf `search`
 * with `ndots`, util/nameservers.ts) point at the likeliest cause: a search domain with a wildcard record.
 */
function redirectingResolvers(sites: HostSite[], resolvers: ResolverSpec[]): { redirected: Redirects; notes: string[]; short: string[] } {
  const redirected = new Map<string, Set<string>>();
  const none = { redirected, notes: [] as string[], short: [] as string[] };
  // Most runs fetch nothing that failed at an address: looked for before any state is kept.
  if (!sites.some((s) => s.report.attempts.some((a) => a.path === 'edge' && a.address !== null && a.outcome !== 'ok'))) return none;
  const leads = new Map<string, ResolverLead>();
  for (const site of sites) {
    for (const a of site.report.attempts) {
      if (a.path !== 'edge' || a.address === null) continue;
      const family = ipFamily(a.address);
      if (family === 0) continue;
      for (const resolver of a.resolvers) {
        const key = `${family} ${resolver}`;
        let lead = leads.get(key);
        if (!lead) leads.set(key, (lead = { resolver, family, address: a.address, sites: 0, lastSite: null, servedElsewhere: 0, served: false, firstEdge: null, edges: 0, subject: null, names: [] }));
        if (lead.address !== a.address) lead.address = null;
        if (lead.address === null) continue;
        if (a.outcome === 'ok') lead.served = true;
        lead.subject ??= a.tls?.subject ?? null;
        if (lead.lastSite === site) continue;
        lead.lastSite = site;
        lead.sites += 1;
        lead.names.push(hostOfUrl(a.url) ?? '');
        const address = lead.address;
        // Served at an address another resolver gives: this resolver's own other answers (the same server's other
        // family, a shared host's) are no witness against it.
        if (site.report.attempts.some((x) => x.path === 'edge' && x.outcome === 'ok' && x.address !== null && x.address !== address && x.resolvers.some((r) => r !== resolver))) lead.servedElsewhere += 1;
        const edge = site.stack.edge?.id ?? `unknown:${site.report.name}`;
        if (lead.firstEdge === null) (lead.firstEdge = edge), (lead.edges = 1);
        else if (edge !== lead.firstEdge) lead.edges = 2;
      }
    }
  }
  const { notes, short } = none;
  for (const lead of leads.values()) {
    if (lead.address === null || lead.served || lead.sites < 2 || lead.servedElsewhere < 2 || lead.edges < 2) continue;
    const { resolver, address } = lead;
    (redirected.get(resolver) ?? redirected.set(resolver, new Set()).get(resolver)!).add(address);
    const list = searchListOf(resolvers.find((r) => r.name === resolver));
    const family = lead.family === 4 ? 'IPv4' : 'IPv6';
    const answers = `answers ${plural(lead.sites, 'site')} on different providers with one ${family} address, ${address}, which serves none of them${lead.subject ? ` (its certificate is for ${lead.subject})` : ''}`;
    if (list && lead.names.every((n) => searchedFirst(n, list))) {
      const one = list.search.length === 1;
      short.push(`this host's search domain${one ? '' : 's'} ${listNames(list.search, 3)} answer${one ? 's' : ''} every name with ${address}`);
      notes.push(
        `resolver ${resolver}, this host's own, ${answers}, while the other resolvers give the sites' own: ${one ? 'its search domain' : 'one of its search domains'} (${listNames(list.search, 3)}, in ${RESOLV_CONF} or LOCALDOMAIN) is tried first for names with fewer than ${list.ndots} dots (ndots:${list.ndots}), and a record there — a wildcard — answers them: every program on this host that looks these names up reaches ${address}. Not the sites' or their providers' fault; the sites were judged at the addresses other resolvers give. Remove the wildcard, lower ndots, or give names with a trailing dot`,
      );
      continue;
    }
    short.push(`resolver ${resolver} redirects names to ${address}`);
    notes.push(`resolver ${resolver} ${answers}: that resolver, or something on this network answering in its name, redirects names; the sites were judged at the addresses other resolvers give`);
  }
  return { redirected, notes, short };
}

// ───────────────────────────── the whole network ─────────────────────────────

/** "3× ECONNREFUSED, 1× ETIMEDOUT": each code once, with how often it came. */
export function describeErrors(items: Array<{ code: string }>): string {
  const codes = new Map<string, number>();
  for (const { code } of items) codes.set(code, (codes.get(code) ?? 0) + 1);
  return [...codes].map(([c, n]) => `${formatCount(n)}× ${c}`).join(', ');
}

/**
 * One address, one certificate or one untrusted issuer for every site, across providers: whatever answered is not
 * the sites. The sentence names it.
 */
function interception(sites: HostSite[]): string[] {
  if (sites.length < 2) return [];
  // One edge that served is enough to rule all of this out: looked for before any list is made.
  if (sites.some((s) => s.report.attempts.some((a) => a.path === 'edge' && a.address !== null && a.outcome === 'ok'))) return [];
  const edges = sites.map((s) => s.report.attempts.filter((a) => a.path === 'edge' && a.address !== null));
  // Sites sharing an address or an issuer is normal (a CDN, a shared host, one CA); only when none of them
  // serves as expected does one answer for all of them say that something in between answers instead.
  if (edges.some((e) => e.length === 0) || edges.flat().some((a) => a.outcome === 'ok')) return [];
  const findings: string[] = [];
  const addresses = new Set(edges.flat().map((a) => a.address!));
  if (addresses.size === 1) findings.push(`every site resolves to the same address ${[...addresses][0]} at every resolver: this network answers for every name (a captive portal or DNS hijack?)`);
  const certs = edges.flat().filter((a) => a.tls !== null);
  if (certs.length === edges.flat().length && certs.length > 0) {
    const subjects = new Set(certs.map((a) => a.tls!.subject));
    const issuers = new Set(certs.map((a) => a.tls!.issuer));
    // A chain that leads to a public root this process lacks is its store's (publicRootsMissing), not an interceptor's.
    const untrusted = certs.every((a) => !a.tls!.authorized && a.tls!.publicRoot === undefined);
    if (subjects.size === 1 && untrusted) findings.push(`every site presents the same certificate, for ${[...subjects][0]}: this network intercepts connections (a captive portal?)`);
    else if (issuers.size === 1 && untrusted) findings.push(`every site's certificate is issued by ${[...issuers][0]}, which this host does not trust: TLS interception on this network (an inspection proxy?)`);
  }
  const redirects = new Set(edges.flat().flatMap((a) => a.redirects.slice(0, 1).map((r) => { try { return new URL(r.location, a.url).host; } catch { return r.location; } })));
  if (redirects.size === 1 && edges.flat().every((a) => a.redirects.length > 0)) findings.push(`every site redirects to ${[...redirects][0]}: a login page on this network?`);
  return findings;
}

const VALIDITY_ERRORS: ReadonlySet<string> = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/**
 * A certificate for the right name that this host does not trust (no chain to its roots: a self-signed or unknown
 * issuer), as an inspection proxy mints one for each name it intercepts. Expired certificates and other names'
 * certificates are other stories (the clock, a captive portal, the site's own).
 */
function untrustedIssuer(a: Attempt): boolean {
  if (a.outcome !== 'tls-error' || a.tls === null || a.tls.authorized || a.tls.publicRoot !== undefined) return false;
  const code = a.error?.code ?? '';
  return !VALIDITY_ERRORS.has(code) && code !== 'ERR_TLS_CERT_ALTNAME_INVALID';
}

/**
 * TLS refused for its issuer though the chain leads, by verified signatures, to a root Node's own bundled store
 * (Mozilla's) holds (`certificate.publicRoot`, util/public-roots.ts): this process verifies with a store that lacks
 * that root — Node reading an outdated system store (--use-openssl-ca, a distribution's Node), or SSL_CERT_FILE /
 * SSL_CERT_DIR pointing elsewhere. Every site whose chain ends there fails here and nowhere else: not those sites'
 * certificates nor their providers' TLS, whether one provider's sites or many. Said per root.
 */
function publicRootsMissing(sites: HostSite[]): { attempts: Set<string>; notes: string[]; short: string[] } {
  const out = { attempts: new Set<string>(), notes: [] as string[], short: [] as string[] };
  const byRoot = new Map<string, Set<string>>();
  for (const s of sites) {
    for (const a of s.report.attempts) {
      const root = a.outcome === 'tls-error' && a.tls !== null && !a.tls.authorized ? a.tls.publicRoot : undefined;
      if (root === undefined) continue;
      out.attempts.add(a.id);
      (byRoot.get(root) ?? byRoot.set(root, new Set()).get(root)!).add(s.report.name);
    }
  }
  for (const [root, names] of byRoot) {
    const shown = [...names];
    const listed = listNames(shown, 4);
    const cn = /(?:^|, )CN=([^,]+)/.exec(root)?.[1] ?? root;
    out.short.push(`this host's CA store lacks ${cn}`);
    out.notes.push(
      `TLS to ${plural(shown.length, 'site')} (${listed}) is refused here for its issuer, though each chain leads to ${root}, a root Node's own bundled store (Mozilla's) trusts: this process verifies with a CA store that lacks it (Node reading an outdated system store: --use-openssl-ca or a distribution's Node, SSL_CERT_FILE or SSL_CERT_DIR pointing elsewhere). Not those sites' or their providers' fault; they were not tested over TLS from here — update this host's CA store (\`update-ca-certificates\`)`,
    );
  }
  return out;
}

/**
 * Sites on two providers or more presenting certificates from one issuer this host does not trust, while other
 * sites serve: no provider shares an untrusted issuer with another, so something between this host and those sites
 * answers for them (an inspection proxy with exceptions, an antivirus' TLS scanning), or this host lacks a private
 * CA they share. Their TLS failures say nothing about the providers. (When nothing serves, `interception` says it
 * for the whole network.)
 */
function interceptedSites(sites: HostSite[], redirected: Redirects): { attempts: Set<string>; notes: string[]; short: string[] } {
  const out = { attempts: new Set<string>(), notes: [] as string[], short: [] as string[] };
  if (!sites.some((s) => s.report.attempts.some(untrustedIssuer))) return out;
  const byIssuer = new Map<string, { sites: HostSite[]; attempts: Attempt[] }>();
  for (const s of sites) {
    for (const a of s.report.attempts) {
      // A redirect's server presents its own certificate: no connection to the sites' addresses was intercepted.
      if (!untrustedIssuer(a) || redirectedFetch(a, redirected)) continue;
      const entry = byIssuer.get(a.tls!.issuer) ?? byIssuer.set(a.tls!.issuer, { sites: [], attempts: [] }).get(a.tls!.issuer)!;
      if (entry.sites.at(-1) !== s) entry.sites.push(s);
      entry.attempts.push(a);
    }
  }
  for (const [issuer, { sites: shown, attempts }] of byIssuer) {
    const providers = new Set(shown.map((s) => s.stack.edge?.name ?? `site ${s.report.name}`));
    // Names of one customer's zones share its certificate pipeline (a chain it serves incomplete, on every host).
    const zones = new Set(shown.map((s) => s.stack.zone ?? s.report.name));
    if (zones.size < 2 || providers.size < 2) continue;
    for (const a of attempts) out.attempts.add(a.id);
    out.short.push(`TLS to ${plural(shown.length, 'site')} answered with certificates from ${issuer}, untrusted here`);
    out.notes.push(
      `${plural(shown.length, 'site')} on ${plural(providers.size, 'provider')} (${[...providers].join(', ')}) present certificates issued by ${issuer}, which this host does not trust: something on this network intercepts TLS for them (an inspection proxy with exceptions?), or this host lacks a private CA they share; those connections say nothing about the sites or their providers`,
    );
  }
  return out;
}

/**
 * The edge fetches that brought a certificate, when every one was refused so (`refusal`), at sites on two providers
 * or more; null otherwise. Asked only when no edge answered over HTTP (hostFindings looks first).
 */
function everyCertificateRefused(sites: HostSite[], refusal: (a: Attempt) => boolean): { certs: Attempt[]; refused: HostSite[] } | null {
  if (sites.length < 2) return null;
  const certs = sites.flatMap((s) => s.report.attempts.filter((a) => a.path === 'edge' && a.address !== null && a.tls !== null));
  if (certs.length === 0 || !certs.every(refusal)) return null;
  const refusing = new Set(certs.map((a) => a.site));
  const refused = sites.filter((s) => refusing.has(s.report.name));
  return new Set(refused.map((s) => s.stack.edge?.id ?? `unknown:${s.report.name}`)).size < 2 ? null : { certs, refused };
}

/**
 * Every certificate that arrived, from sites on two providers or more, refused for its validity period while no
 * connection served: certificates of unrelated sites do not expire together, so the time or the trust is this
 * host's. Whether each leaf is itself out of date by this host's clock tells which: all leaves expired (or not
 * yet valid) — the clock is ahead (or behind); leaves within their dates — an expired root or intermediate this
 * host still relies on (its CA store). Null when that is not what this run saw.
 */
function certificateValidity(sites: HostSite[]): string | null {
  const found = everyCertificateRefused(sites, (a) => VALIDITY_ERRORS.has(a.error?.code ?? ''));
  if (!found) return null;
  const { certs, refused } = found;
  const now = certs.map((a) => a.startedAt).sort().at(-1)!;
  const at = Date.parse(now);
  const leafExpired = certs.every((a) => Date.parse(a.tls!.validTo) < at);
  const leafNotYet = certs.every((a) => Date.parse(a.tls!.validFrom) > at);
  const whose = `every certificate of ${plural(refused.length, 'site')} on different providers is refused for its dates by this host (its clock reads ${now})`;
  if (leafExpired) {
    const latest = certs.map((a) => a.tls!.validTo).sort().at(-1)!;
    return `${whose}: each had expired by then, the latest valid until ${latest} — unrelated sites' certificates do not expire together: this host's clock is probably ahead (check NTP, \`timedatectl\`)`;
  }
  if (leafNotYet) {
    const earliest = certs.map((a) => a.tls!.validFrom).sort()[0]!;
    return `${whose}: none was valid yet, the earliest from ${earliest} — this host's clock is probably behind (check NTP, \`timedatectl\`)`;
  }
  return `${whose}, though the sites' own certificates are within their dates: a root or intermediate certificate this host relies on has expired — update this host's CA store, or check its clock`;
}

/**
 * Every certificate that arrived, from sites on two providers or more, refused for an issuer this host does not
 * trust — those issuers several — while no connection served: unrelated sites' CAs are not all untrusted at once,
 * and an inspection proxy signs with one issuer (interception() names that). This process's CA store lacks the
 * public roots: Node started with --use-openssl-ca over an empty or outdated OpenSSL store (a container without
 * ca-certificates, SSL_CERT_FILE or SSL_CERT_DIR pointing elsewhere), or an old runtime's own bundle.
 */
function certificateTrust(sites: HostSite[]): string | null {
  const found = everyCertificateRefused(sites, (a) => !a.tls!.authorized && UNKNOWN_ISSUER_ERRORS.has(a.error?.code ?? ''));
  if (!found) return null;
  const { certs, refused } = found;
  const issuers = [...new Set(certs.map((a) => a.tls!.issuer))];
  if (issuers.length < 2) return null;
  const named = issuers.length > 3 ? `${issuers.slice(0, 3).join('; ')} and ${issuers.length - 3} more` : issuers.join('; ');
  return `every certificate of ${plural(refused.length, 'site')} on different providers is refused by this host for its issuer, and the issuers are ${issuers.length} (${named}): unrelated sites' CAs are not all untrusted at once — this host's CA store lacks the public roots (Node started with --use-openssl-ca over an empty or outdated OpenSSL store: a container without ca-certificates, SSL_CERT_FILE or SSL_CERT_DIR pointing elsewhere; or an old runtime's own bundle)`;
}

/** The network's verdict, and the proxies every fetch went through when all did (their advice is theirs). */
function localNetworkDown(sites: HostSite[], dns: DnsAnswer[], findings: string[]): Omit<LocalDown, 'where'> & { proxies: string[] } {
  if (sites.length === 0) return { down: false, evidence: [], proxies: [] };
  // Any HTTP response at all, or any DNS reply, is the common case: the lists below are made only when none came.
  const answered = sites.some((s) => s.report.attempts.some((a) => a.httpStatus !== null));
  const noDnsReply = dns.length > 0 && !dns.some(replied);
  if (answered && !noDnsReply && findings.length === 0) return { down: false, evidence: [], proxies: [] };
  const tried = sites.flatMap((s) => s.report.attempts.filter((a) => a.address !== null || a.proxy !== null));
  const evidence: string[] = [];
  if (noDnsReply) {
    const resolversAsked = new Set(dns.map((d) => d.resolver)).size;
    evidence.push(`no reply from any of ${plural(resolversAsked, 'resolver')} (${plural(dns.length, 'query', 'queries')}: ${describeErrors(dns.map((d) => ({ code: d.error?.code ?? d.outcome })))})`);
  }
  // Every fetch went through the config's proxies: what answers nothing is the proxy, the one way out it gives.
  const proxies = tried.length > 0 && tried.every((a) => a.path === 'proxy') ? [...new Set(tried.map((a) => a.proxy!))] : [];
  if (tried.length > 0 && !answered) {
    const errors = describeErrors(tried.map((a) => ({ code: a.error?.code ?? a.outcome })));
    evidence.push(
      proxies.length > 0
        ? `every fetch goes through ${proxies.length === 1 ? 'the proxy' : 'the proxies'} ${proxies.join(', ')}, which opened a tunnel for none of ${plural(tried.length, 'attempt')} (${errors}): ${whyNoTunnel(tried)}`
        : `no HTTP response from any of ${plural(tried.length, 'attempt')} (${errors})`,
    );
    if (proxies.length === 0 && tried.every(stalledAfterConnect)) {
      evidence.push(
        "every connection opened but nothing came back over any of them before the timeout: this host's way out loses large packets — a path MTU black hole (a VPN, tunnel or PPPoE link with a smaller MTU whose ICMP messages are filtered) — or a middlebox accepts connections and forwards nothing",
      );
    }
  }
  if (noDnsReply && !answered) return { down: true, evidence, proxies };
  if (findings.length > 0) return { down: true, evidence: [...findings, ...evidence], proxies };
  // Resolvers answer, yet no site on any provider accepts a connection: egress is blocked here.
  const providers = new Set(sites.map((s) => s.stack.edge?.id ?? `unknown:${s.report.name}`));
  if (!answered && tried.length > 0 && sites.length >= 2 && providers.size >= 2) return { down: true, evidence, proxies };
  return { down: false, evidence: [], proxies: [] };
}

/**
 * Queries and fetches that timed out while this process could not run for half their wait or more (util/stall-clock.ts):
 * this host was starved of CPU (a container's CPU limit throttling it, other work on a busy host, or its own
 * concurrency too high for it). Nothing was learned about those sites or resolvers.
 */
function busyHost(sites: HostSite[], dns: DnsAnswer[]): { note: string | null; short: string | null; starved: boolean } {
  let queries = 0;
  for (let i = 0; i < dns.length; i++) if (hostWasBusy(dns[i]!.error)) queries += 1;
  let fetches = 0;
  // Sites nothing served, some of whose attempts the stall explains: untested because of it.
  let untested = 0;
  for (const s of sites) {
    let busy = false;
    let served = false;
    for (const a of s.report.attempts) {
      if (hostWasBusy(a.error)) {
        busy = true;
        if (a.address !== null) fetches += 1;
      } else if (a.outcome === 'ok') served = true;
    }
    if (busy && !served) untested += 1;
  }
  if (queries + fetches === 0) return { note: null, short: null, starved: false };
  const what = [fetches > 0 ? plural(fetches, 'fetch', 'fetches') : null, queries > 0 ? plural(queries, 'query', 'queries') : null].filter(Boolean).join(' and ');
  return {
    note: `this host was too busy to hear replies: ${what} timed out while it could not run for half their wait or more (starved of CPU: a container's CPU limit throttling it, other work here, or a --concurrency too high for it); those are not tested, and nobody is blamed for them`,
    short: 'this host was starved of CPU',
    // Half the sites or more untested for it: this run says little, and the verdict says so (exit 3), not "ok".
    starved: untested > 0 && untested * 2 >= sites.length,
  };
}

/** What to check when this process was too starved of CPU to test most sites. */
const BUSY_ADVICE =
  'nothing is blamed and most sites could not be tested from here: this process was starved of CPU; check its CPU limit (a container\'s resources.limits.cpu; cgroup cpu.max or cpu.cfs_quota_us), what else runs on this host (`top`), or run with a lower --concurrency';

/** What to check when this host's path lost so many packets that most sites could not be tested. */
const LOSS_ADVICE =
  'nothing is blamed and most sites could not be tested from here: this host\'s path loses packets; check its link (the Wi-Fi signal, `mtr` to a resolver, the uplink\'s load) and run again';

/** What to check when this host's new connections were dropped so often that most sites could not be tested. */
const DROP_ADVICE =
  "nothing is blamed and most sites could not be tested from here: this host's new connections are dropped on the way; check the connection limit a firewall or NAT sets for it, the conntrack table (`conntrack -C`), and run again with a lower --concurrency";

/** What to check when this host's way out went during the run and most sites could not be tested. */
const WAY_OUT_ADVICE =
  "nothing is blamed and most sites could not be tested from here: this host's way out stopped answering during the run; check its link and route (`ip route`, the Wi-Fi or the cable, a VPN, the uplink) and run again";

/** What to check when this host's way to DNS went during the run and most sites could not be tested. */
const DNS_WAY_OUT_ADVICE =
  "nothing is blamed and most sites could not be tested from here: no resolver beyond this network answered after a moment of the run; check what carries this host's DNS (a firewall or VPN rule on port 53, the tunnel, `dig @RESOLVER . NS` from this host) and run again";

/** What to check when nothing outside answered. */
const LOCAL_ADVICE =
  'nothing is blamed and no site could be tested from here; check: is this host online (a default route: `ip route`), does /etc/resolv.conf name a reachable resolver, does this network need a proxy, a VPN or a captive-portal login?';

/** What to check when every fetch went through proxies and none opened a tunnel. */
const PROXY_ADVICE =
  'nothing is blamed and no site could be tested from here: every fetch goes through the configured proxy; check it — is it running and reachable from this host, does it want credentials, does its policy allow these sites?';

/** What to check when every certificate is refused for its dates. */
const HOST_ADVICE =
  "nothing is blamed and no site could be tested over TLS from here; check this host's clock (`timedatectl`, is NTP synchronised?) and its CA store (`update-ca-certificates`, the runtime's own bundle)";

/** `environmentProxy`: the proxy this process's environment names, which no fetch used (util/env-proxy.ts). */
export function hostFindings(
  sites: HostSite[],
  dns: DnsAnswer[],
  resolvers: ResolverSpec[],
  environmentProxy: string | null = null,
  lossProbes?: ReadonlyMap<string, LossProbe>,
): HostFindings {
  const v4 = familyView(4, sites, dns, resolvers);
  const v6 = familyView(6, sites, dns, resolvers);
  const nat64 = nat64View(sites, v6.reach);
  const { unresolved, notes: unresolvedNotes, short: unresolvedShort } = unresolvedDohServers(dns, resolvers);
  const { blocked, notes: blockedNotes, short: blockedShort } = blockedResolvers(dns, unresolved.size > 0 ? resolvers.filter((r) => !unresolved.has(r.name)) : resolvers);
  for (const name of unresolved) blocked.add(name);
  const { prohibited, notes: prohibitedNotes, short: prohibitedShort } = prohibitedResolvers(dns, resolvers);
  for (const name of prohibited) blocked.add(name);
  const { refusing, notes: refusingNotes, short: refusingShort } = refusingResolvers(dns, resolvers.filter((r) => !blocked.has(r.name)));
  for (const name of refusing) blocked.add(name);
  const { redirected, notes: redirectNotes, short: redirectShort } = redirectingResolvers(sites, resolvers);
  const interceptedDns = interceptedPlainDns(dns, resolvers);
  const privateOnly = privateNames(dns, resolvers);
  const intercepted = interceptedSites(sites, redirected);
  const rootsMissing = publicRootsMissing(sites);
  const pins = hostsFilePins(sites, dns, resolvers);
  const cut = cutResponses(sites);
  const dropped = droppedConnections(sites, dns, resolvers);
  const wayOut = wayOutLost(sites, dns, resolvers);
  // The whole way out's silence says the DNS questions too.
  const dnsWayOut = wayOut ? null : dnsWayOutLost(sites, dns, resolvers, lossProbes);
  const turned = turnedAway(sites);
  // A first try that failed while this host's way out was gone says nothing of a limit at its server.
  const crowded = crowdedServers(sites, (first) => wayOut?.during(first) === true);
  const resolverLimits = resolverRateLimits(dns);
  const busy = busyHost(sites, dns);
  const unreachable = (v: FamilyView) => v.reach === 'failing' || v.reach === 'no-route';
  const slowLookups = silentNameservers(dns, resolvers, new Set([...(unreachable(v4) ? [4] : []), ...(unreachable(v6) ? [6] : [])]));
  const loss = packetLoss(
    sites.map((s) => ({ report: s.report, edge: s.stack.edge?.name ?? null })),
    dns,
    resolvers,
    lossProbes,
  );
  // A path that loses packets loses some of every resolver's questions: those answered when asked again are that loss;
  // and behind a silent name server, this host's resolver's lookups that ran out were waiting for it.
  const lookupDrops = loss ? null : droppedLookups(slowLookups ? resolvers.filter((r) => r.kind !== 'system') : resolvers);
  const pathNotes = [...(busy.note ? [busy.note] : []), ...(loss ? [loss.note] : []), ...(slowLookups ? [slowLookups.note] : []), ...(lookupDrops ? lookupDrops.notes : []), ...blockedNotes, ...unresolvedNotes, ...prohibitedNotes, ...refusingNotes, ...(interceptedDns ? [interceptedDns.note] : []), ...(privateOnly ? [privateOnly.note] : []), ...redirectNotes, ...pins.notes, ...intercepted.notes, ...rootsMissing.notes, ...(cut ? [cut.note] : []), ...(dropped ? [dropped.note] : []), ...(wayOut ? [wayOut.note] : []), ...(dnsWayOut ? [dnsWayOut.note] : []), ...(turned?.notes ?? []), ...(crowded?.notes ?? []), ...(resolverLimits?.notes ?? [])];
  const pathShort = [...(busy.short ? [busy.short] : []), ...(loss ? [loss.short] : []), ...(slowLookups ? [slowLookups.short] : []), ...(lookupDrops ? lookupDrops.short : []), ...blockedShort, ...unresolvedShort, ...prohibitedShort, ...refusingShort, ...(interceptedDns ? [interceptedDns.short] : []), ...redirectShort, ...pins.short, ...intercepted.short, ...rootsMissing.short, ...(cut ? [cut.short] : []), ...(dropped ? [dropped.short] : []), ...(wayOut ? [wayOut.short] : []), ...(dnsWayOut ? [dnsWayOut.short] : []), ...(turned?.short ?? []), ...(crowded?.short ?? []), ...(resolverLimits?.short ?? [])];
  // This host's clock or its CA store, read from the certificates it refused: only when no edge answered over HTTP
  // (most runs: looked for before either rule lists a run's attempts).
  const edgeAnswered = sites.some((s) => s.report.attempts.some((a) => a.path === 'edge' && a.address !== null && (a.outcome === 'ok' || a.httpStatus !== null)));
  const storeLacksRoots = () => (rootsMissing.notes.length > 0 && everyCertificateRefused(sites, (a) => a.tls!.publicRoot !== undefined) ? rootsMissing.notes.join('; ') : null);
  const hostFault = edgeAnswered ? null : (certificateValidity(sites) ?? storeLacksRoots() ?? certificateTrust(sites));
  const { proxies, ...network } = localNetworkDown(sites, dns, hostFault ? [hostFault] : interception(sites));
  const local: LocalDown = busy.starved
    ? { down: true, evidence: [busy.note!], where: 'host' }
    : !network.down && wayOut?.mostUntested
      ? { down: true, evidence: [wayOut.note], where: 'network' }
      : !network.down && dnsWayOut?.mostUntested
      ? { down: true, evidence: [dnsWayOut.note], where: 'network' }
      : !network.down && loss?.mostUntested
      ? { down: true, evidence: [loss.note], where: 'network' }
      : !network.down && dropped?.mostUntested
        ? { down: true, evidence: [dropped.note], where: 'network' }
        : { ...network, where: network.down && hostFault ? 'host' : 'network' };
  const cutOff = !busy.starved && !network.down && wayOut?.mostUntested === true;
  const dnsCutOff = !busy.starved && !network.down && !cutOff && dnsWayOut?.mostUntested === true;
  const lossy = !busy.starved && !network.down && !cutOff && !dnsCutOff && loss?.mostUntested === true;
  const dropping = !busy.starved && !network.down && !cutOff && !dnsCutOff && !lossy && dropped?.mostUntested === true;
  if (local.down && nat64.note) local.evidence.unshift(nat64.note);
  if (local.down && busy.note && !busy.starved) local.evidence.unshift(busy.note);
  if (local.down && local.where === 'network' && proxies.length === 0 && environmentProxy && sites.some((s) => s.report.attempts.some((a) => a.address !== null))) {
    local.evidence.push(
      `this environment sets ${environmentProxy}, which outage-probe does not use (it connects to each address directly, through a proxy only where probes.yaml lists one): if that is this network's way out, add it to the sites' paths (paths: [edge, { proxy: "…" }])`,
    );
  }
  const notes = local.down ? [busy.starved ? BUSY_ADVICE : cutOff ? WAY_OUT_ADVICE : dnsCutOff ? DNS_WAY_OUT_ADVICE : lossy ? LOSS_ADVICE : dropping ? DROP_ADVICE : local.where === 'host' ? HOST_ADVICE : proxies.length > 0 ? PROXY_ADVICE : LOCAL_ADVICE] : [v4.note, v6.note, nat64.note, ...pathNotes].filter((n): n is string => n !== null);
  // Resolvers only a broken family reaches: not asked, as a blocked resolver is not, and not listed as blocked.
  const unaskable = new Set([...(v4.resolvers ?? []), ...(v6.resolvers ?? [])]);
  const familyExplained = (a: Attempt) => {
    const view = translated(a) ? nat64 : a.family === 4 ? v4 : a.family === 6 ? v6 : null;
    return view?.explains?.(a) === true;
  };
  return {
    report: {
      ipv4: v4.reach,
      ipv6: v6.reach,
      nat64: nat64.reach,
      blockedResolvers: [...blocked],
      summary: local.down ? null : [v4.short, v6.short, nat64.short, ...pathShort].filter(Boolean).join('; ') || null,
      notes,
    },
    local,
    explains: (a) =>
      a.outcome !== 'ok' &&
      (a.layer === 'local' ||
        (a.path === 'edge' && a.address === null && a.resolver !== null && (blocked.has(a.resolver) || unaskable.has(a.resolver))) ||
        (interceptedDns !== null && a.address === null && a.resolver !== null && interceptedDns.resolvers.has(a.resolver) && interceptedDns.names.has(hostOfUrl(a.url) ?? '')) ||
        (privateOnly !== null && a.address === null && a.resolver !== null && privateOnly.resolvers.has(a.resolver) && privateOnly.names.has(hostOfUrl(a.url) ?? '')) ||
        redirectedFetch(a, redirected) ||
        intercepted.attempts.has(a.id) ||
        rootsMissing.attempts.has(a.id) ||
        pins.attempts.has(a.id) ||
        cut?.attempts.has(a.id) === true ||
        turned?.attempts.has(a.id) === true ||
        crowded?.attempts.has(a.id) === true ||
        (a.address === null && dohRateLimited(a)) ||
        dropped?.explains(a) === true ||
        wayOut?.explains(a) === true ||
        dnsWayOut?.explains(a) === true ||
        loss?.explains(a) === true ||
        (a.address !== null && a.path !== 'proxy' && familyExplained(a))),
    explainsAnswer: (d) =>
      blocked.has(d.resolver) || unaskable.has(d.resolver) || (interceptedDns !== null && interceptedDns.resolvers.has(d.resolver) && interceptedDns.names.has(d.name)) || (privateOnly !== null && saysMissing(d) && privateOnly.resolvers.has(d.resolver) && privateOnly.names.has(d.name)) || resolverUnroutable(d) || dohServerUnresolved(d) || outOfResourcesHere(d.error) || hostWasBusy(d.error) || loss?.explainsAnswer(d) === true || dropped?.explainsAnswer(d) === true || wayOut?.explainsAnswer(d) === true || dnsWayOut?.explainsAnswer(d) === true || dohRateLimited(d),
  };
}
