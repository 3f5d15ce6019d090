// What a DNS answer says beyond its outcome, read the same way by every rule that needs it. Pure.

import type { DnsAnswer } from '../model.js';
import { edeOf, edeWords } from '../util/ede.js';
import { answerNotProbed } from './outcome.js';

export { edeWords } from '../util/ede.js';

/**
 * A DNSSEC failure (util/ede.ts says which EDEs): the zone's own signing is broken, and a validating resolver is
 * right to fail it.
 */
export function isDnssecFailure(answer: Pick<DnsAnswer, 'ede'>): boolean {
  return edeOf(answer.ede, 'dnssec') !== undefined;
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

/** The host's own answers to the address questions: A and AAAA asked for `host` itself. */
export function hostAddressAnswers(dns: readonly DnsAnswer[], host: string): DnsAnswer[] {
  return addressAnswers(dns as DnsAnswer[]).filter((d) => d.name === host);
}

/**
 * By name, among the answers `counts` keeps: the one resolver that gave them, or null for two or more (grouped once
 * so thousands of names stay linear; a set a name would be most of a stage's memory over a long list). Names with
 * none are absent.
 */
export function soleResolverByName(answers: readonly DnsAnswer[], counts: (d: DnsAnswer) => boolean): Map<string, string | null> {
  const by = new Map<string, string | null>();
  for (let i = 0; i < answers.length; i++) {
    const d = answers[i]!;
    if (!counts(d)) continue;
    const before = by.get(d.name);
    if (before === undefined) by.set(d.name, d.resolver);
    else if (before !== d.resolver) by.set(d.name, null);
  }
  return by;
}

/**
 * By name: the resolver that answered it with the AD bit set (RFC 4035 §3.2.3: a validating resolver vouching that
 * the data's signatures check out), or null when two or more did. Names nobody validated are absent.
 */
export function validatingResolvers(answers: readonly DnsAnswer[]): Map<string, string | null> {
  return soleResolverByName(answers, (d) => d.outcome === 'ok' && d.authenticated === true);
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
  const ede = edeOf(answer.ede, 'dnssec');
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

/** The resolver answered from cache past the TTL (serve-stale, RFC 8767): it could not reach the authority. */
export function isStale(answer: Pick<DnsAnswer, 'ede'>): boolean {
  return edeOf(answer.ede, 'stale') !== undefined;
}

/** The stale EDE of an answer, as a report says it: `EDE 3 "Stale Answer"`. */
export function staleWords(answer: Pick<DnsAnswer, 'ede'>): string[] {
  const ede = edeOf(answer.ede, 'stale');
  return ede ? [edeWords(ede)] : [];
}

/**
 * The resolvers that answered `host` from stale cache, when no resolver answered it fresh (its authority does not
 * answer; those that fail it serve no stale data); empty otherwise.
 */
export function onlyStaleAnswers(host: string, dns: readonly DnsAnswer[]): string[] {
  const answered = hostAddressAnswers(dns, host).filter((d) => d.outcome === 'ok' || d.outcome === 'empty' || d.outcome === 'nxdomain');
  return answered.length > 0 && answered.every(isStale) ? [...new Set(answered.map((d) => d.resolver))] : [];
}

/**
 * The policy EDE that withholds the name, as a report says it (`EDE 16 "Censored"`), or null: a decision about the
 * name, not a failure of the resolver or of the site.
 */
export function policyBlockWords(answer: Pick<DnsAnswer, 'ede'>): string | null {
  const ede = edeOf(answer.ede, 'policy');
  return ede ? edeWords(ede) : null;
}

/** The resolver refuses this client (EDE 18 "Prohibited": an access list): it serves other networks. */
export function refusesThisClient(answer: Pick<DnsAnswer, 'ede'>): boolean {
  return edeOf(answer.ede, 'prohibited') !== undefined;
}
