// What a DNS answer says beyond its outcome, read the same way by every rule that needs it. Pure.

import type { DnsAnswer, ExtendedDnsError } from '../model.js';
import { answerNotProbed } from './outcome.js';

/**
 * RFC 8914 Extended DNS Errors 1, 2 and 5–12 are DNSSEC failures (unsupported algorithm or digest, indeterminate,
 * bogus, signature expired or not yet valid, DNSKEY, RRSIGs, zone key bit or NSEC missing): the zone's own signing
 * is broken, and a validating resolver is right to fail it. 3 (Stale Answer) and 4 (Forged Answer) sit among them
 * and are not: a cache past its TTL, a resolver's own answer. https://www.rfc-editor.org/rfc/rfc8914#section-4
 */
const DNSSEC_EDE_CODES: ReadonlySet<number> = new Set([1, 2, 5, 6, 7, 8, 9, 10, 11, 12]);

export function isDnssecFailure(answer: Pick<DnsAnswer, 'ede'>): boolean {
  return answer.ede.some((e) => DNSSEC_EDE_CODES.has(e.code));
}

/** An Extended DNS Error as every report line says it: `EDE 6 "DNSSEC Bogus"`. */
export function edeWords(e: ExtendedDnsError): string {
  return `EDE ${e.code}${e.text ? ` "${e.text}"` : ''}`;
}

/** Answers to the address questions (A and AAAA) that were asked: the ones that decide whether a site can be reached. */
export function addressAnswers(dns: DnsAnswer[]): DnsAnswer[] {
  return dns.filter((d) => (d.type === 'A' || d.type === 'AAAA') && !answerNotProbed(d));
}

/** No resolver returned an address (failures and empty answers alike), and no DNSSEC fault explains it. */
export function noAddressFromAnyResolver(dns: DnsAnswer[]): boolean {
  const answers = addressAnswers(dns);
  return answers.length > 0 && answers.every((d) => d.outcome !== 'ok' || d.values.length === 0) && !answers.some(isDnssecFailure);
}

/**
 * By name: the resolver that answered it with the AD bit set (RFC 4035 §3.2.3: a validating resolver vouching that
 * the data's signatures check out), or null when two or more did. Names nobody validated are absent.
 */
export function validatingResolvers(answers: readonly DnsAnswer[]): Map<string, string | null> {
  const by = new Map<string, string | null>();
  for (const d of answers) {
    if (d.outcome !== 'ok' || d.authenticated !== true) continue;
    const before = by.get(d.name);
    if (before === undefined) by.set(d.name, d.resolver);
    else if (before !== d.resolver) by.set(d.name, null);
  }
  return by;
}

/**
 * A resolver rejecting a name for DNSSEC that another resolver validated: the zone's signatures hold, so what fails
 * is this resolver's own validation (a wrong clock, a stale trust anchor), not the zone's signing.
 */
export function rejectedDespiteValidation(answer: Pick<DnsAnswer, 'name' | 'resolver' | 'ede'>, validating: ReadonlyMap<string, string | null>): boolean {
  if (!isDnssecFailure(answer)) return false;
  const by = validating.get(answer.name);
  return by === null || (by !== undefined && by !== answer.resolver);
}

/** The EDE that makes an answer a DNSSEC failure, as a report says it: `EDE 6 "DNSSEC Bogus"`. */
export function dnssecFailureWords(answer: Pick<DnsAnswer, 'ede'>): string | null {
  const ede = answer.ede.find((e) => DNSSEC_EDE_CODES.has(e.code));
  return ede ? edeWords(ede) : null;
}

/**
 * The zone a DNSSEC failure is in, as far as the answers show: the child of the deepest ancestor of `host` whose SOA
 * question a resolver answered without a DNSSEC error (the SOA walk up from a failing name asks each; NS questions,
 * asked with checking disabled, would answer for a bogus zone too). A signed zone that fails validation fails every
 * question at or below its apex, so the first name under the last one answered is its apex (or a zone below it). When nothing above the host answered, the highest ancestor rejected for DNSSEC (a
 * TLD whose own keys fail); null when no ancestor was asked.
 */
export function dnssecFailureZone(host: string, dns: readonly DnsAnswer[]): string | null {
  const answered = new Set<string>();
  const rejected = new Set<string>();
  for (const d of dns) {
    if (d.type !== 'SOA') continue;
    if (isDnssecFailure(d)) rejected.add(d.name);
    else if (d.rcode === 'NOERROR' || d.rcode === 'NXDOMAIN') answered.add(d.name);
  }
  const labels = host.split('.');
  let highestRejected: string | null = null;
  for (let i = 1; i < labels.length; i++) {
    const ancestor = labels.slice(i).join('.');
    if (answered.has(ancestor)) return labels.slice(i - 1).join('.');
    if (rejected.has(ancestor)) highestRejected = ancestor;
  }
  return highestRejected;
}

/** RFC 8914 §4.4 (3 "Stale Answer") and §4.20 (19 "Stale NXDOMAIN Answer"). */
const STALE_EDE_CODES: ReadonlySet<number> = new Set([3, 19]);

/** The resolver answered from cache past the TTL (serve-stale, RFC 8767): it could not reach the authority. */
export function isStale(answer: Pick<DnsAnswer, 'ede'>): boolean {
  return answer.ede.some((e) => STALE_EDE_CODES.has(e.code));
}

/** The stale EDEs of an answer, as a report says them: `EDE 3 "Stale Answer"`. */
export function staleWords(answer: Pick<DnsAnswer, 'ede'>): string[] {
  return answer.ede.filter((e) => STALE_EDE_CODES.has(e.code)).map(edeWords);
}

/**
 * The resolvers that answered `host` from stale cache, when no resolver answered it fresh (its authority does not
 * answer; those that fail it serve no stale data); empty otherwise.
 */
export function onlyStaleAnswers(host: string, dns: readonly DnsAnswer[]): string[] {
  const answered = addressAnswers(dns as DnsAnswer[]).filter((d) => d.name === host && (d.outcome === 'ok' || d.outcome === 'empty' || d.outcome === 'nxdomain'));
  return answered.length > 0 && answered.every(isStale) ? [...new Set(answered.map((d) => d.resolver))] : [];
}

/**
 * RFC 8914 §4.5 and §4.16–4.18: 4 "Forged Answer" (the resolver answers in the name's stead, e.g. by policy), 15
 * "Blocked" (its own blocklist), 16 "Censored" (an external, e.g. legal, requirement), 17 "Filtered" (a filter the
 * client asked for): the resolver withholds the name by policy, a decision about the name, not a failure of the
 * resolver or of the site.
 */
const POLICY_EDE_CODES: ReadonlySet<number> = new Set([4, 15, 16, 17]);

/** The policy EDE that withholds the name, as a report says it (`EDE 16 "Censored"`), or null. */
export function policyBlockWords(answer: Pick<DnsAnswer, 'ede'>): string | null {
  const ede = answer.ede.find((e) => POLICY_EDE_CODES.has(e.code));
  return ede ? edeWords(ede) : null;
}

/** RFC 8914 §4.19: 18 "Prohibited": the resolver refuses this client (an access list): it serves other networks. */
export function refusesThisClient(answer: Pick<DnsAnswer, 'ede'>): boolean {
  return answer.ede.some((e) => e.code === 18);
}
