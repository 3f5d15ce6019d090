// Dependency endpoints (`kind: endpoint`): APIs a site depends on, such as dynamodb.us-east-1.amazonaws.com.
// They are judged by other rules than pages. Pure.
//
//   - Any HTTP answer below 500 means the endpoint is up: an API answers an anonymous GET with 403, 404 or
//     a 400 "missing parameter", and that answer proves its front door, TLS and routing work. `expect.status`
//     and body expectations do not apply; only `maxMs` would, and the lead may keep it.
//   - A 5xx is the endpoint failing (http-error), and the failure is the provider's own service (layer
//     origin, the hosting), not a "site" of some customer.
//   - A positive answer from a different catalogued provider (a proxy or captive portal that put its own
//     headers on it) is not the endpoint answering.
//   - No address from any resolver (empty answers or failures everywhere) is that provider's
//     authoritative-dns failure; from some resolvers only, it stays a resolver question.

import type { Attempt, AttemptOutcome, DnsAnswer } from '../model.js';
import type { ProviderDef } from '../fingerprint/types.js';
import { hostMatchesSuffix, matchHeaders } from '../fingerprint/match.js';
import type { Classification } from './layer.js';
import { addressAnswers, noAddressFromAnyResolver } from './dns-facts.js';
import { deadlineExplanation, endedByOwnDeadline } from './outcome.js';

/**
 * The provider an endpoint belongs to: the configured one (by id or name) when given, else the one whose
 * CNAME suffixes or API domains (ProviderDef.apiDomains, in the catalog) hold the host name; null when
 * nothing says.
 */
export function expectedEndpointProvider(host: string, providers: ProviderDef[], configured: string | null = null): ProviderDef | null {
  if (configured) {
    const wanted = configured.toLowerCase();
    return providers.find((p) => p.id === wanted || p.name.toLowerCase() === wanted) ?? null;
  }
  const bySuffix = providers.find((p) => p.cnameSuffixes.some((s) => hostMatchesSuffix(host, s)));
  if (bySuffix) return bySuffix;
  return providers.find((p) => p.apiDomains?.some((d) => hostMatchesSuffix(host, d))) ?? null;
}

/** Did a catalogued provider other than the expected one put its headers on this answer (and the expected did not)? */
export function answeredBySomeoneElse(attempt: Pick<Attempt, 'headers'>, expected: ProviderDef | null, providers: ProviderDef[]): ProviderDef | null {
  if (!expected) return null;
  const matched = matchHeaders(attempt.headers, providers).map((m) => m.provider);
  if (matched.length === 0 || matched.includes(expected.id)) return null;
  return providers.find((p) => p.id === matched[0]) ?? null;
}

/**
 * The outcome of an endpoint attempt: an HTTP status below 500 is `ok`, 500 and above `http-error`;
 * without an HTTP answer the measured outcome stands (timeout, connect-error, tls-error, dns-error).
 * With `expected` and `providers`, an answer another catalogued provider generated is `content-mismatch`.
 */
export function endpointOutcome(
  attempt: Pick<Attempt, 'httpStatus' | 'outcome' | 'headers'>,
  expected: ProviderDef | null = null,
  providers: ProviderDef[] = [],
): AttemptOutcome {
  if (attempt.httpStatus === null) return attempt.outcome;
  // The status line is the answer: a body that then stalls or breaks does not make a working API down.
  if (attempt.httpStatus >= 500) return 'http-error';
  if (answeredBySomeoneElse(attempt, expected, providers)) return 'content-mismatch';
  return 'ok';
}


function describeDns(dns: DnsAnswer[]): string {
  const byResolver = new Map<string, Set<string>>();
  for (const d of addressAnswers(dns)) {
    byResolver.set(d.resolver, (byResolver.get(d.resolver) ?? new Set()).add(d.outcome));
  }
  return [...byResolver].map(([r, outcomes]) => `${[...outcomes].join('/')} from ${r}`).join(', ');
}

/**
 * The classification of one attempt at a dependency endpoint. `dns` is the endpoint's own DNS answers.
 * Returns null when the generic reading (classify/layer.ts) applies unchanged: a DNS failure at some
 * resolvers only (a resolver question).
 */
export function classifyEndpointAttempt(attempt: Attempt, dns: DnsAnswer[], expected: ProviderDef | null, providers: ProviderDef[]): Classification | null {
  const outcome = endpointOutcome(attempt, expected, providers);
  const name = expected?.name ?? null;
  const who = name ?? 'the endpoint';
  const where = attempt.address ?? attempt.proxy ?? 'the endpoint';
  switch (outcome) {
    case 'ok':
      return { outcome, layer: null, provider: null, explanation: null };
    case 'dns-error':
      if (!noAddressFromAnyResolver(dns)) return null;
      return {
        outcome,
        layer: 'authoritative-dns',
        provider: name,
        explanation: `no address for the endpoint from any resolver (${describeDns(dns)}): ${who}'s DNS for it fails`,
      };
    case 'http-error':
      return { outcome, layer: 'origin', provider: name, explanation: `${who} answered ${attempt.httpStatus ?? attempt.error?.code ?? 'an error'} for its own endpoint: the service behind it fails` };
    case 'content-mismatch': {
      const other = answeredBySomeoneElse(attempt, expected, providers);
      return { outcome, layer: 'network', provider: null, explanation: `${other?.name ?? 'another provider'} answered instead of ${who}: something between here and the endpoint intercepts it` };
    }
    case 'connect-error':
      return { outcome, layer: 'network', provider: name, explanation: `no connection to ${who} at ${where} (${attempt.error?.code ?? 'failed'})` };
    case 'tls-error':
      return { outcome, layer: 'tls', provider: name, explanation: `TLS with ${who} at ${where} failed (${attempt.error?.code ?? 'failed'})` };
    case 'timeout':
      if (endedByOwnDeadline(attempt)) return { outcome, layer: null, provider: null, explanation: deadlineExplanation(attempt) };
      return attempt.failedPhase === 'connect'
        ? { outcome, layer: 'network', provider: name, explanation: `no connection to ${who} at ${where} (timeout)` }
        : attempt.failedPhase === 'tls'
          ? { outcome, layer: 'tls', provider: name, explanation: `TLS with ${who} at ${where} timed out` }
          : { outcome, layer: 'origin', provider: name, explanation: `${who} accepted the request at ${where} and never answered in time` };
    default:
      return null;
  }
}
