// Packets lost on this host's way out, measured by the run's loss probes (probe/dns/loss-probe.ts): questions every
// recursive resolver answers from its cache, one datagram each, of which some got no reply. Lost at resolvers of one
// operator, it is that operator's path; at resolvers of two operators or more, this host's (its Wi-Fi, its uplink, a
// congested link). A lossy path loses some of everything, so a question or a fetch that timed out here and there
// says nothing about the site, its provider or the resolver, while that party answered the rest. Pure.

import type { Attempt, DnsAnswer, ResolverSpec, LossProbe } from '../model.js';
import { percent, plural } from '../util/text.js';

/** Below these the loss is not said: probes lost in all, resolvers' operators that lost some, share of probes lost. */
const FEWEST_LOST = 3;
const FEWEST_OPERATORS = 2;
const LEAST_SHARE = 0.02;

/** Failures a lossy path makes: a wait that ran out (a fetch's, a question's, glibc's own: EAI_AGAIN). */
const TIMEOUT_CODES: ReadonlySet<string> = new Set(['ETIMEDOUT', 'EAI_AGAIN']);

export interface LossSite {
  report: { name: string; attempts: Attempt[] };
  /** The site's edge provider's name, when known. */
  edge: string | null;
}

export interface PacketLoss {
  /** The finding, in one sentence for the host's notes. */
  note: string;
  /** In one clause for a headline. */
  short: string;
  /**
   * A failed attempt this loss explains: it timed out, and whoever it waited on answered most of what it was asked (a
   * resolver), or is not seen failing beyond it (an edge provider: not two sites or more of it with none served).
   */
  explains(a: Attempt): boolean;
  /** A DNS answer this loss explains: a timeout at a resolver that answered most of its questions. */
  explainsAnswer(d: DnsAnswer): boolean;
  /** Half the sites or more have nothing left but attempts this loss explains: the run says little about them. */
  mostUntested: boolean;
}

function timedOut(a: { outcome: string; error: { code: string } | null }): boolean {
  return a.outcome === 'timeout' || (a.error !== null && TIMEOUT_CODES.has(a.error.code));
}

/** Counts of successes and failures by a key; `mostly` when more succeeded than failed. */
class Tally {
  private readonly counts = new Map<string, { ok: number; failed: number }>();
  add(key: string, ok: boolean): void {
    const c = this.counts.get(key) ?? { ok: 0, failed: 0 };
    if (ok) c.ok += 1;
    else c.failed += 1;
    this.counts.set(key, c);
  }
  mostly(key: string): boolean {
    return this.ok(key) > this.failed(key);
  }
  ok(key: string): number {
    return this.counts.get(key)?.ok ?? 0;
  }
  failed(key: string): number {
    return this.counts.get(key)?.failed ?? 0;
  }
}

export function packetLoss(sites: LossSite[], dns: DnsAnswer[], resolvers: ResolverSpec[], lossProbes: ReadonlyMap<string, LossProbe> | undefined): PacketLoss | null {
  if (!lossProbes || lossProbes.size === 0) return null;
  let lost = 0;
  let sent = 0;
  const losing = new Set<string>();
  for (const r of resolvers) {
    const probe = lossProbes.get(r.name);
    // A resolver that answered under a quarter is unreachable or failing (the blocked-resolver and resolver rules' case);
    // a path losing two packets in five still gets a third of them answered.
    if (!probe || probe.answered * 4 < probe.sent) continue;
    lost += probe.sent - probe.answered;
    sent += probe.sent;
    if (probe.answered < probe.sent) losing.add(r.provider ?? r.name);
  }
  const share = lost / Math.max(1, sent);
  if (lost < FEWEST_LOST || losing.size < FEWEST_OPERATORS || share < LEAST_SHARE) return null;

  // Who answered most of what it was asked: a resolver its questions (any reply counts), an edge provider its fetches.
  const resolverAnswers = new Tally();
  for (let i = 0; i < dns.length; i++) {
    const d = dns[i]!;
    resolverAnswers.add(d.resolver, !timedOut(d));
  }
  // By edge provider: its sites that served something, and its sites that served nothing.
  const edgeSites = new Tally();
  for (const s of sites) if (s.edge !== null) edgeSites.add(s.edge, s.report.attempts.some((a) => a.outcome === 'ok'));
  // A fetch's timeout is the loss's unless its provider shows more than loss: two sites or more of it, none served
  // (then the provider's own failure is as likely, and the rules after this one judge it, with this note beside).
  const providerFailing = (edge: string | null) => edge !== null && edgeSites.failed(edge) >= 2 && edgeSites.ok(edge) === 0;
  const explained = new Set<string>();
  let untested = 0;
  for (const s of sites) {
    const served = s.report.attempts.some((a) => a.outcome === 'ok');
    let failing = 0;
    let explainedHere = 0;
    for (const a of s.report.attempts) {
      if (a.outcome === 'ok') continue;
      failing += 1;
      if (!timedOut(a)) continue;
      const answeringParty = a.address === null ? a.resolver !== null && resolverAnswers.mostly(a.resolver) : served || !providerFailing(s.edge);
      if (!answeringParty) continue;
      explained.add(a.id);
      explainedHere += 1;
    }
    if (!served && failing > 0 && explainedHere === failing) untested += 1;
  }
  const names = [...losing].sort();
  const read = explained.size > 0 ? `; ${plural(explained.size, 'timeout')} where the rest answered ${explained.size === 1 ? 'is' : 'are'} read as this loss, not as a site's, a provider's or a resolver's` : '';
  return {
    note: `this host's path loses packets: ${lost} of ${sent} questions resolvers of ${names.length} operators (${names.join(', ')}) answer from their caches went unanswered (${percent(share)}; one datagram each, 1 s to answer): a Wi-Fi or uplink losing traffic, a congested link${read}`,
    short: `packet loss on this host's path (${percent(share)} of probe questions lost)`,
    explains: (a) => explained.has(a.id),
    explainsAnswer: (d) => timedOut(d) && resolverAnswers.mostly(d.resolver),
    mostUntested: untested > 0 && untested * 2 >= sites.length,
  };
}
