// Where a name breaks on its way to an address: its CNAME chain hop by hop, and, when no resolver can resolve it,
// the zone that fails and who runs it. Pure: it reads the site's DNS answers (address answers carry the chain
// when they succeed; where a resolver gave no address the probe stage asked CNAME hop by hop and SOA up from the
// first failing hop), the catalog and the remembered chain.
//
// The rules, and the evidence each one uses:
//   - Every resolver fails the name (SERVFAIL, timeout, REFUSED, or NOERROR without an address) and no DNSSEC
//     error explains it, while the same resolvers answer something else on the way (an earlier hop, a parent's
//     SOA): the authority of some zone on the chain fails, not the resolvers.
//   - The failing hop is the first name on the chain that every resolver asked about fails.
//   - The failing zone is, in this order: the highest of the hop's parents that still fails below the deepest one
//     that answers SOA; the name an Extended DNS Error's EXTRA-TEXT gives (RFC 8914 §2, e.g. "at delegation
//     example.com."); the catalogued CNAME suffix the hop falls under; the zone its NS answers name.
//   - The zone's operator: the site's own DNS host when the zone is the site's own; otherwise the provider whose
//     catalogued CNAME suffixes hold the hop. Nobody is named when nothing says.

import type { Attempt, ChainHop, DnsAnswer, DnsOutcome, ExtendedDnsError, FailingZone, HopFailure } from '../model.js';
import type { Catalog } from '../fingerprint/index.js';
import type { ProviderDef } from '../fingerprint/types.js';
import { hostMatchesSuffix } from '../fingerprint/match.js';
import { addressAnswers, edeWords, hostAddressAnswers, isDnssecFailure } from './dns-facts.js';
import { isAtOrBelow } from '../util/dns-name.js';
import { isUnspecifiedAddress } from '../util/ip.js';

const FAILED: ReadonlySet<DnsOutcome> = new Set(['servfail', 'timeout', 'refused', 'network-error']);
/** A reply that shows the resolver and the zone's authority working: the name exists or is known not to. */
const ANSWERED_RCODES: ReadonlySet<string> = new Set(['NOERROR', 'NXDOMAIN']);

function failureOf(d: DnsAnswer): HopFailure {
  return { resolver: d.resolver, outcome: d.outcome, rcode: d.rcode, ede: d.ede };
}

/** The chain from `host`, as every resolver showed it this run, then what an earlier run remembered. */
export function siteChain(host: string, dns: DnsAnswer[], remembered: string[] = []): ChainHop[] {
  const hops = new Map<string, ChainHop>();
  const hop = (name: string): ChainHop => {
    let h = hops.get(name);
    if (!h) hops.set(name, (h = { name, target: null, answeredBy: [], failedAt: [], remembered: false }));
    return h;
  };
  const answered = (h: ChainHop, resolver: string) => {
    if (!h.answeredBy.includes(resolver)) h.answeredBy.push(resolver);
  };
  hop(host);
  const addressed = new Set<string>();
  for (const d of addressAnswers(dns)) {
    if (d.name !== host || d.outcome !== 'ok') continue;
    addressed.add(d.resolver);
    const names = [host, ...d.cnameChain];
    names.forEach((name, i) => {
      const h = hop(name);
      h.target ??= names[i + 1] ?? null;
      answered(h, d.resolver);
    });
  }
  const cnames = dns.filter((d) => d.type === 'CNAME');
  for (const resolver of new Set(dns.map((d) => d.resolver))) {
    if (addressed.has(resolver)) continue;
    const mine = new Map(cnames.filter((d) => d.resolver === resolver).map((d) => [d.name, d]));
    if (mine.size === 0) {
      // No CNAME questions (getaddrinfo cannot ask them): the failure is known at the host only.
      const failed = addressAnswers(dns).find((d) => d.resolver === resolver && d.name === host && d.outcome !== 'ok');
      if (failed) hop(host).failedAt.push(failureOf(failed));
      continue;
    }
    const walked = new Set<string>();
    for (let name: string | null = host; name !== null && !walked.has(name); ) {
      walked.add(name);
      const d = mine.get(name);
      if (!d) break;
      const h = hop(name);
      if (d.rcode !== 'NOERROR') {
        h.failedAt.push(failureOf(d));
        break;
      }
      answered(h, resolver);
      const next: string | null = d.cnameChain[0] ?? null;
      h.target ??= next;
      if (next !== null) hop(next);
      name = next;
    }
  }
  // What an earlier run saw beyond what this one learned: kept, and marked as remembered.
  let last = [...hops.values()].at(-1)!;
  for (const name of remembered) {
    if (hops.has(name)) {
      last = hops.get(name)!;
      continue;
    }
    last.target ??= name;
    last = hop(name);
    last.remembered = true;
  }
  return orderedFrom(host, hops);
}

/** Hops in chain order from the host (following targets), then any others in the order they were learned. */
function orderedFrom(host: string, hops: Map<string, ChainHop>): ChainHop[] {
  const ordered: ChainHop[] = [];
  const seen = new Set<string>();
  for (let name: string | null = host; name !== null && !seen.has(name) && hops.has(name); name = hops.get(name)!.target) {
    seen.add(name);
    ordered.push(hops.get(name)!);
  }
  for (const h of hops.values()) if (!seen.has(h.name)) ordered.push(h);
  return ordered;
}

/** Every resolver asked gave no address for the host, with failures or empty answers, and no DNSSEC error. */
export function noResolverResolves(host: string, dns: DnsAnswer[]): boolean {
  const answers = hostAddressAnswers(dns, host);
  if (answers.length === 0 || answers.some(isDnssecFailure)) return false;
  if (answers.some((d) => d.outcome === 'ok' && d.values.length > 0)) return false;
  if (answers.every((d) => d.outcome === 'nxdomain')) return false;
  return answers.every((d) => FAILED.has(d.outcome) || d.outcome === 'empty' || d.outcome === 'nxdomain');
}

/**
 * Every resolver that spoke for the authority says the host does not exist: the name is missing from its zone (or
 * from a zone on its chain).
 */
export function everyResolverSaysNxdomain(host: string, dns: DnsAnswer[]): boolean {
  return everyAddressAnswerIs('nxdomain', host, dns, ['A', 'AAAA']);
}

/**
 * Resolvers that answer `host` with an address while two or more others say it does not exist (NXDOMAIN) and no
 * other gives one, where every fetch through their addresses met a certificate for another name: an NXDOMAIN
 * redirect (an ISP's search or ad page, a DNS proxy), not the site. A resolver that alone knows the name (a
 * company's internal zone) leads to the site's own certificate, or to no answer at all when the site is down: it
 * is not one. Empty for most sites (none of their answers is NXDOMAIN).
 */
export function nxdomainRedirectors(host: string, dns: DnsAnswer[], attempts: Attempt[]): ReadonlySet<string> {
  const answers = hostAddressAnswers(dns, host);
  if (!answers.some((d) => d.outcome === 'nxdomain')) return NO_RESOLVERS;
  const nx = new Set(answers.filter((d) => d.outcome === 'nxdomain').map((d) => d.resolver));
  const giving = new Set(answers.filter((d) => d.outcome === 'ok' && d.values.length > 0).map((d) => d.resolver));
  for (const r of giving) nx.delete(r);
  if (nx.size < 2 || giving.size === 0) return NO_RESOLVERS;
  const through = attempts.filter((a) => a.path === 'edge' && a.address !== null && a.resolvers.some((r) => giving.has(r)));
  const elsewhere = through.length > 0 && through.every((a) => a.resolvers.every((r) => giving.has(r)) && a.error?.code === 'ERR_TLS_CERT_ALTNAME_INVALID' && a.tls !== null);
  return elsewhere ? giving : NO_RESOLVERS;
}

const NO_RESOLVERS: ReadonlySet<string> = new Set();

/**
 * Every resolver that spoke for the authority answered the address questions the site's paths ask (A, AAAA or
 * both) with NOERROR and no record: the name exists and has no address of that family.
 */
export function everyResolverSaysNoData(host: string, dns: DnsAnswer[], types: ReadonlyArray<'A' | 'AAAA'>): boolean {
  return everyAddressAnswerIs('empty', host, dns, types);
}

/**
 * Every resolver that spoke for the authority answered the host with only the unspecified address (0.0.0.0, ::):
 * the zone publishes it (a parked or retired name), no resolver's filter.
 */
export function everyResolverSaysUnspecified(host: string, dns: DnsAnswer[]): boolean {
  const answers = speakingForAuthority(addressAnswers(dns).filter((d) => d.name === host && d.outcome !== 'empty'));
  return answers.length > 0 && answers.every((d) => d.outcome === 'ok' && d.values.length > 0 && d.values.every(isUnspecifiedAddress));
}

/** The host's address answers of these types that speak for the authority (at least one), all with this outcome. */
function everyAddressAnswerIs(outcome: DnsAnswer['outcome'], host: string, dns: DnsAnswer[], types: ReadonlyArray<'A' | 'AAAA'>): boolean {
  const answers = speakingForAuthority(addressAnswers(dns).filter((d) => d.name === host && (types as readonly string[]).includes(d.type)));
  return answers.length > 0 && answers.every((d) => d.outcome === outcome);
}

/**
 * A resolver that never replied, or refused us, says nothing about the zone (a SERVFAIL does: it could not get the
 * authority's answer). When some resolver spoke, the silent ones are set aside; when none did, all count.
 */
const SAYS_NOTHING: ReadonlySet<DnsOutcome> = new Set(['timeout', 'network-error', 'refused']);

function speakingForAuthority(answers: DnsAnswer[]): DnsAnswer[] {
  const spoke = answers.filter((d) => !SAYS_NOTHING.has(d.outcome));
  return spoke.length > 0 && spoke.length < answers.length ? spoke : answers;
}

/** " (quad9 gave no reply)": the resolvers set aside for the host because they said nothing while others spoke. */
export function withoutWord(host: string, dns: DnsAnswer[]): string {
  const answers = hostAddressAnswers(dns, host);
  if (answers.every((d) => SAYS_NOTHING.has(d.outcome))) return '';
  const silent = [...new Set(answers.filter((d) => SAYS_NOTHING.has(d.outcome)).map((d) => d.resolver))];
  return silent.length === 0 ? '' : ` (${silent.join(', ')} gave no reply)`;
}

/**
 * The reading of a name every resolver answers with NOERROR and no address of the families asked: the record is
 * empty where the name ends. Reached through a CNAME, the empty record is the target's zone's (a CDN's or a
 * cloud load balancer's name, often): its DNS publishes no address, named when the target is catalogued. Without
 * one, it is the site's own zone that publishes none.
 */
export function noAddressReading(
  host: string,
  dns: DnsAnswer[],
  types: ReadonlyArray<'A' | 'AAAA'>,
  catalog: Catalog,
): { layer: 'site' | 'authoritative-dns'; provider: string | null; explanation: string } | null {
  if (!everyResolverSaysNoData(host, dns, types)) return null;
  const what = types.length === 1 ? `no ${types[0]} record` : 'no A or AAAA record';
  const only = types.length === 1 ? ` (the site's paths ask for IPv${types[0] === 'A' ? '4' : '6'} only)` : '';
  const target = addressAnswers(dns).find((d) => d.name === host && d.cnameChain.length > 0)?.cnameChain.at(-1);
  if (target) {
    const provider = chainProvider(target, catalog);
    return {
      layer: 'authoritative-dns',
      provider: provider?.name ?? null,
      explanation: `every resolver follows ${host} to ${target} and finds ${what} there${only}${withoutWord(host, dns)}: ${provider ? `${provider.name}'s` : "the target's"} DNS publishes no address for it, not a resolver's fault`,
    };
  }
  const family = types.length === 1 ? `no ${types[0] === 'A' ? 'IPv4' : 'IPv6'} address` : 'no address';
  return { layer: 'site', provider: null, explanation: `every resolver answers that ${host} exists with ${what}${only}${withoutWord(host, dns)}: the site's zone publishes ${family} for it, not a resolver's fault` };
}

export interface DelegationContext {
  catalog: Catalog;
  /** The site's own DNS host, from its NS answers or memory. */
  dnsHost: ProviderDef | null;
}

/** Where a name that no resolver resolves breaks; null when some resolver resolves it, or nothing can be placed. */
export function failingZoneOf(host: string, dns: DnsAnswer[], chain: ChainHop[], context: DelegationContext): FailingZone | null {
  if (!noResolverResolves(host, dns)) return null;
  // NOERROR with no address, or NXDOMAIN, at every resolver that spoke for the authority: the zones on the way
  // answered; the name has no address, or is missing. Nothing failed there.
  if (everyResolverSaysNoData(host, dns, ['A', 'AAAA']) || everyResolverSaysNxdomain(host, dns)) return null;
  // The resolvers must be seen working for some name on the way; otherwise this may be them, or us.
  const somethingAnswered = chain.some((h) => h.answeredBy.length > 0) || dns.some((d) => d.rcode !== null && ANSWERED_RCODES.has(d.rcode));
  if (!somethingAnswered) return null;

  const failingHop = chain.find((h) => h.failedAt.length > 0 && h.answeredBy.length === 0);
  const hop = failingHop?.name ?? chain.filter((h) => !h.remembered).at(-1)?.name ?? host;
  const evidence: string[] = [];
  const failures = failingHop?.failedAt ?? hostAddressAnswers(dns, host).map(failureOf);
  evidence.push(describeFailures(hop, failures));
  if (chain.length > 1) evidence.push(`chain: ${chain.map((h) => (h.remembered ? `${h.name} (remembered)` : h.name)).join(' → ')}`);

  const zone = zoneFromSoa(hop, dns, evidence) ?? zoneFromEde(hop, [...failures.flatMap((f) => f.ede), ...dns.flatMap((d) => d.ede)], evidence) ?? zoneFromCatalog(hop, context.catalog, evidence) ?? zoneFromNs(hop, dns, evidence);
  const own = isAtOrBelow(host, zone ?? hop) || hop === host;
  const provider = own ? context.dnsHost : chainProvider(hop, context.catalog);
  if (provider) evidence.push(own ? `the site's own DNS host: ${provider.name}` : `${hop} is under ${provider.name}'s catalogued names`);
  return { zone, hop, provider: provider?.name ?? null, own, evidence };
}

function describeFailures(hop: string, failures: HopFailure[]): string {
  const byWhat = new Map<string, string[]>();
  for (const f of failures) {
    const what = `${f.rcode ?? f.outcome.toUpperCase()}${f.ede.length > 0 ? ` (${f.ede.map(edeWords).join(', ')})` : ''}`;
    byWhat.set(what, [...(byWhat.get(what) ?? []), f.resolver]);
  }
  return `${hop}: ${[...byWhat].map(([what, resolvers]) => `${what} from ${resolvers.join(', ')}`).join('; ')}`;
}

/** The highest parent of the hop that still fails SOA, below the deepest one that answers it. */
function zoneFromSoa(hop: string, dns: DnsAnswer[], evidence: string[]): string | null {
  const soa = dns.filter((d) => d.type === 'SOA' && isAtOrBelow(hop, d.name));
  if (soa.length === 0) return null;
  const answering = soa.filter((d) => d.rcode !== null && ANSWERED_RCODES.has(d.rcode)).sort((a, b) => b.name.length - a.name.length)[0];
  if (!answering || answering.name === hop) return null;
  const failing = soa.filter((d) => FAILED.has(d.outcome) && d.name.length > answering.name.length && isAtOrBelow(d.name, answering.name) && !soa.some((o) => o.name === d.name && o.rcode !== null && ANSWERED_RCODES.has(o.rcode)));
  const zone = failing.sort((a, b) => a.name.length - b.name.length)[0]?.name ?? null;
  if (zone) evidence.push(`SOA of ${zone} fails at ${failing.filter((d) => d.name === zone).map((d) => d.resolver).join(', ')} while SOA of ${answering.name} answers`);
  return zone;
}

const DOMAIN_IN_TEXT = /(?:[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?\.)+[a-z0-9_-]+\.?/gi;

/** A name in an EDE's EXTRA-TEXT that the hop is at or below (resolvers name the delegation they could not reach). */
function zoneFromEde(hop: string, edes: ExtendedDnsError[], evidence: string[]): string | null {
  let best: { zone: string; ede: ExtendedDnsError } | null = null;
  for (const ede of edes) {
    for (const match of ede.text.matchAll(DOMAIN_IN_TEXT)) {
      const zone = match[0].toLowerCase().replace(/\.$/, '');
      // Resolvers name the delegation and often the question too ("At delegation example.com for www.example.com/a"):
      // a parent of the hop is the zone; the hop itself only when nothing else is named.
      const rank = (z: string) => (z === hop ? 0 : z.length);
      if (isAtOrBelow(hop, zone) && (!best || rank(zone) > rank(best.zone))) best = { zone, ede };
    }
  }
  if (best) evidence.push(`EDE ${best.ede.code} names it: "${best.ede.text}"`);
  return best?.zone ?? null;
}

function chainProvider(hop: string, catalog: Catalog): ProviderDef | null {
  return catalog.providers.find((p) => p.cnameSuffixes.some((s) => hostMatchesSuffix(hop, s))) ?? null;
}

/** The catalogued CNAME suffix the hop falls under, when it names a zone (no wildcard in it). */
function zoneFromCatalog(hop: string, catalog: Catalog, evidence: string[]): string | null {
  for (const p of catalog.providers) {
    const suffix = p.cnameSuffixes.find((s) => !s.includes('*') && hostMatchesSuffix(hop, s));
    if (suffix) {
      evidence.push(`${suffix} is ${p.name}'s (catalog)`);
      return suffix.replace(/^\./, '');
    }
  }
  return null;
}

/** The zone an NS answer named for the hop or a parent. */
function zoneFromNs(hop: string, dns: DnsAnswer[], evidence: string[]): string | null {
  const zone = dns.filter((d) => d.type === 'NS' && d.zone !== null && isAtOrBelow(hop, d.zone)).sort((a, b) => b.zone!.length - a.zone!.length)[0]?.zone ?? null;
  if (zone) evidence.push(`NS answers name the zone ${zone}`);
  return zone;
}

/** One line for people: where the name breaks. */
export function describeFailingZone(host: string, fz: FailingZone): string {
  const who = fz.provider ? ` (${fz.provider}'s DNS)` : '';
  if (fz.own) return `its own zone ${fz.zone ?? fz.hop} fails${who}`;
  return `the zone ${fz.zone ?? `of ${fz.hop}`} on its CNAME chain fails at ${fz.hop}${who}`;
}
