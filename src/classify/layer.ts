// Which layer produced each failed attempt, and which provider's. Pure and table-driven:
// provider-specific readings of errors live in the catalog (fingerprint/catalog/*: each provider's documented
// error vocabulary), the generic ones below. A response is read by the vocabularies of the providers whose
// headers are on it; when none is, by the vocabulary of the provider the site is known to sit behind (its
// CNAME chain, published ranges or an earlier run), and the explanation says that the reading rests on it.

import type { Attempt, AttemptOutcome, ChallengeKind, ClientRefusal, Layer } from '../model.js';
import type { ErrorRule, ProviderDef } from '../fingerprint/types.js';
import { explainRule, isChallengePage, isHostingMatch, matchAddress, matchErrorRule, matchErrorRuleByMarkers, matchHeaders } from '../fingerprint/match.js';
import type { Catalog } from '../fingerprint/index.js';
import { addressWords } from '../fingerprint/ranges/trie.js';
import { IMMEDIATE_MS, NO_ROUTE_CODES, familyWord, noRouteFromHere } from './reach.js';
import { noTunnelWords } from './proxy-failure.js';
import { outOfResourcesHere } from '../util/file-limit.js';
import { hostWasBusy } from '../util/stall-clock.js';
import { deadlineExplanation, endedByOwnDeadline, responseCutOff } from './outcome.js';
import { formatKiB } from '../util/text.js';
import { isLoopbackAddress, isPrivateAddress } from '../util/ip.js';

export interface Classification {
  outcome: AttemptOutcome;
  layer: Layer | null;
  provider: string | null;
  explanation: string | null;
  /** For a challenge: whether it works as designed or its platform is failing (from the provider's rule). */
  challengeKind?: ChallengeKind;
  /** For a block: what of this client the page says it refuses (from the provider's rule). */
  challengeRefuses?: ClientRefusal;
}

/** What is known about a site before one of its attempts is judged. */
export interface SiteContext {
  /** The provider that fronts the site (from headers, CNAME, address ranges or memory), outermost first. */
  edge: ProviderDef | null;
  /**
   * What the edge is known from, as the stack words it ("CNAME shop.example.com.edgekey.net", "address … in …",
   * "header cf-ray: …", "remembered from an earlier run: …"); explanations cite it. Absent: not said.
   */
  edgeEvidence?: string[];
  /** The provider hosting the origin, when known. */
  origin: ProviderDef | null;
  /** Provider of the resolver each attempt was credited to, by resolver name. */
  resolverProviders: Record<string, string | null>;
  /**
   * The other owner's host a redirect took this attempt to (classify/redirect.ts): what failed is named by it, not
   * by the address the site's own first hop connected to.
   */
  offSiteHost?: string;
}

interface Facts {
  attempt: Attempt;
  /** The provider that answered this very attempt, by its headers; else the site's known edge. */
  responder: ProviderDef | null;
  answeredByProvider: boolean;
  context: SiteContext;
}

interface GenericRule {
  /** Read as: "when <when>, the failure is at <layer>". */
  when: (f: Facts) => boolean;
  layer: Layer;
  provider: (f: Facts) => string | null;
  says: (f: Facts) => string;
}

const phase = (f: Facts) => f.attempt.failedPhase;
const edgeName = (f: Facts) => f.responder?.name ?? null;
const originName = (f: Facts) => f.context.origin?.name ?? null;
const where = (f: Facts) => f.context.offSiteHost ?? (f.attempt.address ? addressWords(f.attempt.address) : f.attempt.proxy ? `proxy ${f.attempt.proxy}` : 'the site');
const viaWhom = (f: Facts) => (f.responder ? `${f.responder.name} edge ${where(f)}` : where(f));
/** A response cut off (classify/outcome.ts); an error status whose body broke off is read by its status instead. */
const cutShort = (f: Facts) => responseCutOff(f.attempt) && (f.attempt.outcome === 'timeout' || (f.attempt.httpStatus ?? 0) < 400);

/**
 * Failures that need no provider knowledge to place, and the fallbacks when a provider's own rules say
 * nothing. Tried in order; the first match wins. Provider error rules (from the catalog) run before the
 * HTTP rows, so "Cloudflare answered 521" beats "the site answered 521".
 */
const NETWORK_RULES: GenericRule[] = [
  {
    // The wait timed out while this process could not run for half of it or more (util/stall-clock.ts).
    when: (f) => hostWasBusy(f.attempt.error),
    layer: 'local',
    provider: () => null,
    says: () => 'timed out while this host was too busy to read a reply (starved of CPU): not tested',
  },
  {
    // This host ran out of open files (or buffers) for the fetch, even after waiting for others to end.
    when: (f) => outOfResourcesHere(f.attempt.error),
    layer: 'local',
    provider: () => null,
    says: (f) => `this host ran out of ${f.attempt.error!.code === 'ENOBUFS' ? 'socket buffers' : 'open files'} for the fetch (${f.attempt.error!.code}; \`ulimit -n\`, or a lower --concurrency): not tested`,
  },
  {
    // This host cannot send to the address at all: nothing about the site or its provider follows.
    when: (f) => noRouteFromHere(f.attempt),
    layer: 'local',
    provider: () => null,
    says: (f) => `this host has no route to ${familyWord(f.attempt.address)} address ${f.attempt.address} (${f.attempt.error!.code})`,
  },
  {
    when: (f) => f.attempt.outcome === 'dns-error' && f.attempt.error !== null && NO_ROUTE_CODES.has(f.attempt.error.code) && f.attempt.timings.totalMs < IMMEDIATE_MS,
    layer: 'local',
    provider: () => null,
    says: (f) => `this host has no route to resolver ${f.attempt.resolver ?? '?'} (${f.attempt.error!.code})`,
  },
  {
    // Probing stopped at the answer (probe/kinds/http.ts): the unspecified address reaches no site.
    when: (f) => f.attempt.outcome === 'dns-error' && f.attempt.error?.code === 'BLOCKED',
    layer: 'resolver',
    provider: (f) => f.context.resolverProviders[f.attempt.resolver ?? ''] ?? null,
    says: (f) => `${f.attempt.error!.message}: the unspecified address, the way filtering resolvers block a name; nothing was fetched through it`,
  },
  {
    when: (f) => f.attempt.outcome === 'dns-error',
    layer: 'resolver',
    provider: (f) => f.context.resolverProviders[f.attempt.resolver ?? ''] ?? null,
    says: (f) => `resolver ${f.attempt.resolver ?? '?'} gave no address (${f.attempt.error?.code ?? 'no answer'})`,
  },
  {
    when: (f) => f.attempt.path === 'proxy' && phase(f) === 'proxy',
    layer: 'network',
    provider: () => null,
    says: (f) => noTunnelWords(f.attempt),
  },
  {
    when: (f) => f.attempt.path === 'origin' && (f.attempt.outcome === 'connect-error' || f.attempt.outcome === 'timeout' || f.attempt.outcome === 'tls-error'),
    layer: 'origin',
    provider: originName,
    says: (f) => `the origin ${where(f)} failed directly: ${f.attempt.error?.code ?? f.attempt.outcome}`,
  },
  {
    when: (f) => f.attempt.outcome === 'connect-error' || (f.attempt.outcome === 'timeout' && phase(f) === 'connect'),
    layer: 'network',
    provider: edgeName,
    says: (f) => `no connection to ${viaWhom(f)} (${f.attempt.error?.code ?? 'timeout'})`,
  },
  {
    when: (f) => f.attempt.outcome === 'tls-error' || (f.attempt.outcome === 'timeout' && phase(f) === 'tls'),
    layer: 'tls',
    provider: edgeName,
    says: (f) => `TLS with ${viaWhom(f)} failed (${f.attempt.error?.code ?? 'timeout'})`,
  },
  {
    // The response began and stopped short (classify/outcome.ts): whoever holds the connection, or something on
    // the way to it, cut it off. Said as what arrived, not as "never answered".
    when: (f) => cutShort(f) && f.attempt.path === 'origin',
    layer: 'origin',
    provider: originName,
    says: (f) => `the origin ${where(f)} ${cutOffWords(f.attempt)}`,
  },
  {
    when: (f) => cutShort(f) && f.responder !== null,
    layer: 'edge',
    provider: edgeName,
    says: (f) => `${viaWhom(f)} ${cutOffWords(f.attempt)}`,
  },
  {
    when: cutShort,
    layer: 'site',
    provider: () => null,
    says: (f) => `${where(f)} ${cutOffWords(f.attempt)}`,
  },
  {
    // A reset or a garbled answer after the request was sent: whoever holds the connection broke it off.
    when: (f) => f.attempt.httpStatus === null && f.attempt.error !== null && f.attempt.outcome === 'http-error' && f.attempt.path !== 'origin' && f.responder !== null,
    layer: 'edge',
    provider: edgeName,
    says: (f) => `${viaWhom(f)} broke off the exchange after the request (${f.attempt.error!.code})`,
  },
  {
    when: (f) => f.attempt.outcome === 'timeout' && f.attempt.path === 'origin',
    layer: 'origin',
    provider: originName,
    says: (f) => `the origin ${where(f)} accepted the connection and never answered in time`,
  },
  {
    when: (f) => f.attempt.outcome === 'timeout' && f.responder !== null,
    layer: 'edge',
    provider: edgeName,
    says: (f) => `${viaWhom(f)} ${notInTime(f.attempt)}`,
  },
  {
    when: (f) => f.attempt.outcome === 'timeout',
    layer: 'site',
    provider: () => null,
    says: (f) => `${where(f)} ${notInTime(f.attempt)}`,
  },
];

const HTTP_RULES: GenericRule[] = [
  {
    when: (f) => f.attempt.path === 'origin',
    layer: 'site',
    provider: () => null,
    says: (f) => `the origin itself answered ${statusText(f.attempt)}`,
  },
  {
    when: (f) => f.answeredByProvider && f.attempt.outcome === 'http-error',
    layer: 'site',
    provider: () => null,
    says: (f) => `${f.responder!.name} passed through ${statusText(f.attempt)} from the origin`,
  },
  {
    // RFC 6585 §4: "the user has sent too many requests in a given amount of time" — a limit on this client.
    when: (f) => f.attempt.outcome === 'http-error' && f.attempt.httpStatus === 429,
    layer: 'site',
    provider: () => null,
    says: (f) => `the site rate-limits this probe (429 Too Many Requests${retryAfterWords(f.attempt)}): it answers, and refuses this client for now`,
  },
  {
    // RFC 7725 §3: "denying access to the resource as a consequence of a legal demand" — about where this client is.
    when: (f) => f.attempt.outcome === 'http-error' && f.attempt.httpStatus === 451,
    layer: 'site',
    provider: () => null,
    says: () => 'the site refuses this host for legal reasons (451 Unavailable For Legal Reasons): a legal demand about where this host is, not an outage',
  },
  {
    when: (f) => f.attempt.outcome === 'http-error',
    layer: 'site',
    provider: () => null,
    says: (f) => `the site answered ${statusText(f.attempt)}`,
  },
  {
    when: () => true,
    layer: 'site',
    provider: () => null,
    says: (f) => `the page is not what was expected: ${f.attempt.expect.failures.join('; ') || f.attempt.outcome}`,
  },
];

/** A timeout's words: a response whose head came had a body that did not finish (still arriving, or stopped). */
function notInTime(a: Attempt): string {
  return a.httpStatus === null ? 'accepted the request and never answered in time' : `answered ${a.httpStatus} and its body did not finish in time (${formatKiB(a.bodyBytes)} read)`;
}

/** "answered 200 and the body stopped after 12.3 KiB (ETIMEDOUT; 16.1 KiB had arrived on the connection)". */
function cutOffWords(a: Attempt): string {
  const arrived = a.received ? `; ${formatKiB(a.received.bytes)} had arrived on the connection` : '';
  const began = a.httpStatus !== null ? `answered ${a.httpStatus} and the body stopped after ${formatKiB(a.bodyBytes)}` : `began to answer and the response stopped before its head could be read`;
  return `${began} (${a.error!.code}${arrived})`;
}

/** "; Retry-After: 60" (RFC 9110 §10.2.3: seconds or a date), bounded; empty without the header. */
function retryAfterWords(a: Attempt): string {
  const value = a.headers['retry-after'];
  return value ? `; Retry-After: ${value.slice(0, 40)}` : '';
}

function statusText(a: Attempt): string {
  if (a.error && a.httpStatus === null) return `by breaking off the exchange (${a.error.code})`;
  return a.httpStatus !== null ? String(a.httpStatus) : a.outcome;
}

/** The providers whose headers are on this response, outermost first (catalog order is precedence order). */
export function respondingProviders(attempt: Pick<Attempt, 'httpStatus' | 'headers'>, catalog: Catalog): ProviderDef[] {
  if (attempt.httpStatus === null) return [];
  const matched = new Set(matchHeaders(attempt.headers, catalog.providers).map((m) => m.provider));
  return catalog.providers.filter((p) => matched.has(p.id));
}

function fromRule(rule: ErrorRule, provider: ProviderDef, attempt: Attempt): Classification {
  return {
    outcome: rule.layer === 'challenge' ? 'challenge' : attempt.outcome === 'ok' ? 'http-error' : attempt.outcome,
    layer: rule.layer,
    provider: rule.layer === 'site' ? null : provider.name,
    explanation: explainRule(rule, attempt.bodySample),
    ...(rule.layer === 'challenge' ? { challengeKind: rule.challenge ?? 'routine' } : {}),
    ...(rule.refuses ? { challengeRefuses: rule.refuses } : {}),
  };
}

/** How each kind of stack evidence is said, in order of preference: the site's own DNS first. */
const EDGE_BASIS: Array<{ prefix: string; says: (name: string, detail: string) => string }> = [
  { prefix: 'CNAME ', says: (name, detail) => `the site's CNAME chain points at ${name} (${detail})` },
  { prefix: 'address ', says: (name, detail) => `the site's address is in ${name}'s published ranges (${detail})` },
  { prefix: 'header ', says: (name, detail) => `the site's other answers in this run carry ${name}'s headers (${detail})` },
  { prefix: 'remembered ', says: (name) => `an earlier run found the site behind ${name}` },
];

function edgeBasis(edge: ProviderDef, evidence: string[]): string {
  for (const basis of EDGE_BASIS) {
    const found = evidence.find((e) => e.startsWith(basis.prefix));
    if (found) return basis.says(edge.name, found.slice(basis.prefix.length));
  }
  return `the site is known to sit behind ${edge.name}`;
}

/**
 * A response that carries no header of the provider the site is known to sit behind is still read by that
 * provider's vocabulary — only by rules resting on its own markers (an Akamai "Reference #18", a Fastly
 * reason), never by a bare status — and the explanation says what the attribution rests on.
 */
function knownEdgeReading(attempt: Attempt, responders: ProviderDef[], context: SiteContext): Classification | null {
  const edge = context.edge;
  if (!edge || attempt.path === 'origin' || attempt.httpStatus === null || responders.some((p) => p.id === edge.id)) return null;
  const rule = matchErrorRuleByMarkers(edge, attempt.httpStatus, attempt.headers, attempt.bodySample);
  if (!rule) return null;
  const reading = fromRule(rule, edge, attempt);
  const basis = `no ${edge.name} header on this response; ${edgeBasis(edge, context.edgeEvidence ?? [])}`;
  return { ...reading, explanation: `${reading.explanation} — ${basis}` };
}

/** The provider's challenge page, in the words of its challenge rule when one names it (routine or failing platform). */
function challengeReading(attempt: Attempt, p: ProviderDef): Classification | null {
  if (!isChallengePage({ status: attempt.httpStatus, headers: attempt.headers, body: attempt.bodySample }, p)) return null;
  const rule = matchErrorRule(p, attempt.httpStatus, attempt.headers, attempt.bodySample);
  const explanation = rule?.layer === 'challenge' ? explainRule(rule, attempt.bodySample) : `${p.name} served a challenge page instead of the site's content`;
  return { outcome: 'challenge', layer: 'challenge', provider: p.name, explanation, challengeKind: rule?.layer === 'challenge' ? (rule.challenge ?? 'routine') : 'routine' };
}

/**
 * Who an edge attempt that no provider's headers name reached: the site's known edge, unless the address lies in
 * another provider's published ranges (a stale or steered answer, a pin): then that provider when it fronts sites,
 * or nobody but the address (a cloud's customer ranges hold some customer's server, a private network no provider's
 * edge). An address in no published range stays the edge's (most providers publish no ranges, or not all of them);
 * so does loopback, where this machine serves (a lab's edges, a local proxy in front of the site).
 */
function unnamedResponder(attempt: Attempt, edge: ProviderDef | null, catalog: Catalog): ProviderDef | null {
  if (edge === null || attempt.address === null) return edge;
  // No provider's edge is on a private network (a search domain's wildcard, a local override, a corporate proxy).
  if (isPrivateAddress(attempt.address) && !isLoopbackAddress(attempt.address)) return null;
  const match = matchAddress(attempt.address, catalog.ranges, catalog.providers)[0];
  if (!match || match.provider === edge.id) return edge;
  if (isHostingMatch(match, catalog.providers)) return null;
  const owner = catalog.providers.find((p) => p.id === match.provider);
  return owner?.roles.includes('edge') ? owner : null;
}

export function classifyAttempt(attempt: Attempt, context: SiteContext, catalog: Catalog): Classification {
  const responders = respondingProviders(attempt, catalog);
  const responder = responders[0] ?? (attempt.path === 'edge' ? unnamedResponder(attempt, context.edge, catalog) : null);
  const facts: Facts = { attempt, responder, answeredByProvider: responders.length > 0, context };

  if (attempt.outcome === 'ok') {
    // A challenge page where content should be is a failure, even with a 200.
    for (const p of responders) {
      const challenge = challengeReading(attempt, p);
      if (challenge) return challenge;
    }
    return { outcome: 'ok', layer: null, provider: null, explanation: null };
  }
  if (endedByOwnDeadline(attempt)) return { outcome: attempt.outcome, layer: null, provider: null, explanation: deadlineExplanation(attempt) };
  for (const rule of NETWORK_RULES) {
    if (rule.when(facts)) return { outcome: attempt.outcome, layer: rule.layer, provider: rule.provider(facts), explanation: rule.says(facts) };
  }
  // A response arrived: the providers that put their headers on it say who generated it, outermost first.
  // An outer provider that only passed the error through ("site") lets an inner one (Cloudflare in front of
  // Vercel) claim it, and then the site's known edge by its own markers; if none does, the pass-through stands.
  let passedThrough: Classification | null = null;
  for (const p of responders) {
    const rule = matchErrorRule(p, attempt.httpStatus, attempt.headers, attempt.bodySample);
    if (rule && rule.layer !== 'site') return fromRule(rule, p, attempt);
    const challenge = challengeReading(attempt, p);
    if (challenge) return challenge;
    if (rule && !passedThrough) passedThrough = fromRule(rule, p, attempt);
  }
  const known = knownEdgeReading(attempt, responders, context);
  if (known && (known.layer !== 'site' || !passedThrough)) return known;
  if (passedThrough) return passedThrough;
  for (const rule of HTTP_RULES) {
    if (rule.when(facts)) return { outcome: attempt.outcome, layer: rule.layer, provider: rule.provider(facts), explanation: rule.says(facts) };
  }
  return { outcome: attempt.outcome, layer: 'site', provider: null, explanation: null };
}
