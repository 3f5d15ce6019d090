// What a DNS answer says beyond its outcome, read the same way by every rule that needs it. Pure.

import type { DnsAnswer } from '../model.js';
import { answerNotProbed } from './outcome.js';

/**
 * RFC 8914 Extended DNS Errors 1–12 are DNSSEC failures (unsupported algorithm, bogus, signature expired, no
 * matching DNSKEY ...): the zone's own signing is broken, and a validating resolver is right to fail it.
 * https://www.rfc-editor.org/rfc/rfc8914#section-4
 */
export function isDnssecFailure(answer: Pick<DnsAnswer, 'ede'>): boolean {
  return answer.ede.some((e) => e.code >= 1 && e.code <= 12);
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
