// A resolver asked faster than something on its way lets one client ask drops queries, silently: AWS's VPC resolver
// drops a client's packets beyond 1,024 a second per network interface (docs.aws.amazon.com, "Hybrid Cloud DNS
// Options for Amazon VPC": Constraints), unbound with `ip-ratelimit` its queries beyond that rate (unbound.conf(5):
// "completely dropped and will not receive a reply"), a home router's dnsmasq its forwards beyond --dns-forward-max
// (150). Each question is sent again within its wait (glibc every second, util/lookup-helper.ts; over UDP four
// times, udp.ts), yet behind such a limit 20 of 120 sites read "degraded: DNS timeout" at this host's resolver, and
// 35 of 120 at a company resolver listed by address — the run's own load, read as a diagnosis.
//
// So a question that ran out of time at a resolver that replies to the run's others, of a name another resolver
// replied to (or of any name when it is the run's only resolver), is asked again (until answered, ASKS_AFTER_THE_FIRST
// asks that ran out at a pace the resolver takes, waiting ASK_AGAIN_WAIT_MS at most each), a few at a time; what is
// answered then stands, and the report says how many (resolvers[].askedAgain; correlate/dropped-lookups.ts says it).
// A name no resolver replied to is its own failure (its zone down) and is not asked again: a DNS host's outage is not
// held up. Questions a resolver fails whatever the load fail those asks too, and after ASKED_AGAIN_IN_VAIN such asks
// no more are asked of it.
//
// The asks again must not go out into the flood that lost the first: a limit on a second lets through what comes
// first in it. From the first question that ran out, the resolver's questions — and over UDP their retransmissions,
// for a limit counts datagrams — are paced a little under the most replies it gave in a second; one answered when
// asked again proves the drop and keeps the pace (none answered lifts it). Then a drop of a question sent at a pace
// slows it by a fifth and caps it under that pace; a second without one grows it by a tenth. The pace starts a
// second after it is set: the flood sent before it may have spent the limit's current second, and what is sent in it
// is dropped whatever the pace (measured: four asks again sent within 170 ms of the pace, in the second the run's
// retransmissions had spent, all lost — the resolver then asked no more again and 35 of 120 sites read "degraded",
// one run in six). Measured against
// unbound's ip-ratelimit, each part was needed: a pace set from the last second's replies (6, the run's places held
// by dropped questions) that grew a tenth a second reached 27 against a limit of 20 and lost the asks again (a site
// "degraded" one run in six); unpaced retransmissions kept the limit exceeded. Fewer questions at once did not do it:
// halving them at each drop, down to four, doubled the run and the drops went on — the limit is on a rate, and four
// questions answered in a millisecond each exceed any.
//
// Only where a drop is silent: this host's resolver (getaddrinfo) and plain DNS over UDP. Over TCP and DoH a server
// that will not take more refuses or closes a connection, which says so.

import pLimit from 'p-limit';
import type { DnsAnswer, LookupsAskedAgain, ResolverKind } from '../../model.js';
import { createPacer, type Pacer } from '../../util/pacer.js';
import { ranOutOfTime } from '../../util/lookup-helper.js';
import { HOSTS_FILE } from '../../util/hosts-file.js';

const DROPPING_KINDS: ReadonlySet<ResolverKind> = new Set(['system', 'udp']);
/** A resolver's questions asked again at once, at most: one dropping what comes too fast is not sent them in a burst. */
const ASKED_AGAIN_AT_ONCE = 4;
/**
 * How many asks again of such a question may run out of time before it is left as it came, not counting those sent
 * faster than the resolver takes (before its pace, or at one since slowed): one ask more ran out once in some forty
 * behind a limit (measured: 40 of 41 answered at a second ask, 50 of 50 with a third).
 */
const ASKS_AFTER_THE_FIRST = 2;
/**
 * Asks again that ran out of time before a resolver is asked no more again (while more of them ran out than questions
 * were answered): a resolver really failing names the others answer (its own outage) costs the run one wait, the
 * first few asks going out together, not two for every name.
 */
const ASKED_AGAIN_IN_VAIN = 3;
/** A resolver's replies counted for each of its last seconds (of this process's clock). */
const SECONDS_KEPT = 8;
/** The slowest pace a resolver's questions are held to, a second. */
const MIN_QPS = 4;
/** The first pace, as a share of how many replies a second the resolver gave before: a limit lets that many through. */
const FIRST_PACE_SHARE = 0.9;
/**
 * From a first pace set to its first send: a limit counting each second (unbound's ip-ratelimit; the VPC resolver's
 * packets a second) has its current second spent by the flood before the pace, whenever in that second it begins.
 */
const SPENT_SECOND_MS = 1_000;
/** The pace after a question sent at it was dropped, as a share of it. */
const SLOWER_SHARE = 0.8;
/** Each second without a drop at it, the pace grows by this share, up to UNDER_THE_CEILING of a pace that dropped one. */
const FASTER_SHARE = 1.1;
const UNDER_THE_CEILING = 0.9;
/** The paces a resolver was held to, kept to tell which one a question was sent at (older ones read as unpaced). */
const PACES_KEPT = 64;
/**
 * Asks again of one question at most, those a pace too fast for the resolver lost included: while the pace is being
 * slowed to what it takes, the asks sent at the faster one run out as the first did.
 */
const ASKS_AT_MOST = 5;
/**
 * The wait of an ask again, at most: one that gets through a limit is answered at once (or at glibc's second try),
 * and a resolver really failing names the others answer holds its sites this long once, not a whole timeout.
 */
const ASK_AGAIN_WAIT_MS = 2_000;

export interface AskingAgainOptions {
  signal: AbortSignal;
  /** Milliseconds left before the run's deadline. */
  msLeft: () => number;
  /** Did another resolver reply about this answer's name (awaited while still asked)? null when there is no other. */
  othersReplied: (a: DnsAnswer) => Promise<boolean | null>;
}

export interface AskingAgain {
  /** Before each question to `resolver`: its pace, once a drop there was proven. */
  turn(resolver: string): Promise<void>;
  /**
   * Before each retransmission of a question to `resolver`: false when it is held to a pace that has no room now.
   * A limit counts datagrams, not questions: the retransmissions of the questions in flight, unpaced, kept it
   * exceeded and dropped the asks again.
   */
  mayResend(resolver: string): boolean;
  /** The answer that stands for a question first answered `first`: it, or what asking again (`ask`) gave. */
  settle(first: DnsAnswer, ask: (timeoutMs: number) => Promise<DnsAnswer>, timeoutMs: number): Promise<DnsAnswer>;
  /** Has this resolver replied to some question of the run (getaddrinfo tells no rcode: an answer counts)? */
  replied(resolver: string): boolean;
  /**
   * Is this question's first ask over, run out of time, and the question being settled here? Its answer is no reply
   * so far: `othersReplied` must not wait for it (two resolvers that both ran out of time would wait for each other).
   */
  settling(resolver: string, type: string, name: string): boolean;
  /** By resolver name, what ran out of time and was asked again; null when nothing did. */
  report(): Map<string, LookupsAskedAgain> | null;
}

interface Pace {
  pacer: Pacer;
  qps: number;
  /** The paces held to, oldest first, each from when it was in force (the sends already given a slot kept it). */
  history: Array<{ from: number; qps: number }>;
  /** No faster than this: a pace a question sent at was dropped. */
  ceiling: number;
  changedAt: number;
  /** A question was answered when asked again. Until then the pace holds while the first asks again are out. */
  proven: boolean;
}

interface ResolverState {
  replies: number;
  /** Replies in each of the last SECONDS_KEPT seconds, at [second % SECONDS_KEPT]; `second`: the latest counted. */
  perSecond: Uint32Array;
  second: number;
  pace: Pace | null;
  /** Until then, questions sent before the pace may still be out, sent again by getaddrinfo at the full rate. */
  unpacedOutUntil: number;
  inVain: number;
  lane: ReturnType<typeof pLimit>;
  record: LookupsAskedAgain;
}

/** A reply from the resolver itself: any rcode over the wire, an answer from getaddrinfo that was not /etc/hosts'. */
function isReply(a: DnsAnswer): boolean {
  return a.rcode !== null || ((a.outcome === 'ok' || a.outcome === 'nxdomain' || a.outcome === 'empty') && a.server !== HOSTS_FILE);
}

const secondNow = () => Math.floor(performance.now() / 1_000);

export function createAskingAgain(options: AskingAgainOptions): AskingAgain {
  const states = new Map<string, ResolverState>();
  // Questions being settled after running out of time (few: only those), by resolver, type and name.
  const settlingNow = new Set<string>();
  const questionKey = (resolver: string, type: string, name: string) => `${resolver}|${type}|${name}`;
  const helps = (state: ResolverState) => state.inVain < ASKED_AGAIN_IN_VAIN || state.inVain <= state.record.answered;
  const stateOf = (resolver: string): ResolverState => {
    let state = states.get(resolver);
    if (!state) {
      state = { replies: 0, perSecond: new Uint32Array(SECONDS_KEPT), second: secondNow(), pace: null, unpacedOutUntil: 0, inVain: 0, lane: pLimit(ASKED_AGAIN_AT_ONCE), record: { ranOut: 0, asked: 0, answered: 0, names: [] } };
      states.set(resolver, state);
    }
    return state;
  };
  const replied = (state: ResolverState) => {
    const second = secondNow();
    for (let s = Math.max(state.second + 1, second - SECONDS_KEPT + 1); s <= second; s += 1) state.perSecond[s % SECONDS_KEPT] = 0;
    state.second = Math.max(state.second, second);
    state.perSecond[second % SECONDS_KEPT]! += 1;
    state.replies += 1;
  };
  /**
   * The most replies the resolver gave in one of its last whole seconds (the current one when none is whole): what a
   * limit lets through. Not the last second's: once dropped questions hold the run's places in line, fewer are asked
   * than the limit takes (measured: 18 a second against a limit of 300). It may read up to twice the limit (a burst
   * across the limit's own second): a drop at the pace set from it slows it.
   */
  const mostRepliesPerSecond = (state: ResolverState): number => {
    const now = secondNow();
    let most = 0;
    for (let s = Math.max(0, now - SECONDS_KEPT + 1); s < now && s <= state.second; s += 1) most = Math.max(most, state.perSecond[s % SECONDS_KEPT]!);
    return most > 0 || state.second !== now ? most : state.perSecond[now % SECONDS_KEPT]!;
  };
  const paceAt = (state: ResolverState, qps: number) => {
    const now = performance.now();
    const pace = state.pace;
    if (!pace) {
      const startAt = now + SPENT_SECOND_MS;
      state.pace = { pacer: createPacer(qps, 1, startAt), qps, history: [{ from: startAt, qps }], ceiling: Infinity, changedAt: startAt, proven: false };
      return;
    }
    pace.history.push({ from: pace.pacer.setQps(qps), qps });
    if (pace.history.length > PACES_KEPT) pace.history.shift();
    pace.qps = qps;
    pace.changedAt = now;
    if (pace.proven) state.record.pacedAt = Math.min(state.record.pacedAt ?? Infinity, Math.round(qps));
  };
  /** The pace a question sent at `sentAt` went out at: Infinity before there was one (the run's full rate). */
  const paceWhenSent = (pace: Pace, sentAt: number): number => {
    for (let i = pace.history.length - 1; i >= 0; i -= 1) if (pace.history[i]!.from <= sentAt) return pace.history[i]!.qps;
    return Infinity;
  };
  /**
   * A question ran out of time while the resolver replied to others: before it is asked again, the resolver's
   * questions are held a little under the most replies a second it gave, or the asks again go out into the same
   * flood and are lost with it (a limit on a second lets through what comes first in it: measured, all four first
   * asks again lost twice each, and ten sites "degraded"). Over UDP the questions already out are sent again only as
   * the pace allows (mayResend); getaddrinfo sends its own again every second until their wait ends, and an ask again
   * lost before then is not held against the resolver. Not once asking again has stopped helping (its pace lifted).
   */
  const suspected = (state: ResolverState, first: DnsAnswer, timeoutMs: number) => {
    if (state.pace || !helps(state)) return;
    paceAt(state, Math.max(MIN_QPS, mostRepliesPerSecond(state) * FIRST_PACE_SHARE));
    if (first.transport === 'system') state.unpacedOutUntil = performance.now() + timeoutMs;
  };
  /** No question it dropped was answered again, and none will be asked again: its pace is lifted. */
  const cleared = (state: ResolverState) => {
    if (state.pace && !state.pace.proven) state.pace = null;
  };
  /**
   * A question sent at `sentAt` was dropped (it was answered when asked again, or an ask again ran out after one was).
   * The first proves the pace needed. Then, a drop of a question sent at a pace no faster than the one in force
   * slows it to four fifths of that, and the pace never again grows past nine tenths of it; one sent faster (before
   * the pace, or at one since slowed) says nothing new. Returns whether the question was sent faster than the
   * resolver takes: its loss is the run's.
   */
  const dropped = (state: ResolverState, sentAt: number): boolean => {
    const pace = state.pace!;
    if (!pace.proven) {
      pace.proven = true;
      state.record.pacedAt = Math.round(pace.qps);
      return false;
    }
    const sentAtQps = paceWhenSent(pace, sentAt);
    if (sentAtQps > pace.qps) return true;
    if (pace.qps <= MIN_QPS) return false;
    pace.ceiling = Math.min(pace.ceiling, sentAtQps * UNDER_THE_CEILING);
    paceAt(state, Math.max(MIN_QPS, sentAtQps * SLOWER_SHARE));
    return true;
  };
  /**
   * Once proven, the pace grows a tenth each second without a drop at it: the replies a second the first pace came
   * from were fewer than a limit lets through once dropped questions held the run's places in line (measured: 24 to
   * 139 a second before the first drop, against a limit of 300).
   */
  const turn = async (resolver: string): Promise<void> => {
    const state = states.get(resolver);
    const pace = state?.pace;
    if (!state || !pace) return;
    if (pace.proven && performance.now() - pace.changedAt >= 1_000 && pace.qps < pace.ceiling) paceAt(state, Math.min(pace.qps * FASTER_SHARE, pace.ceiling));
    await pace.pacer.take(options.signal);
  };

  return {
    turn,
    mayResend: (resolver) => states.get(resolver)?.pace?.pacer.tryTake() ?? true,
    async settle(first, ask, timeoutMs) {
      if (!DROPPING_KINDS.has(first.transport)) return first;
      const state = stateOf(first.resolver);
      if (!ranOutOfTime(first.outcome, first.error)) {
        if (isReply(first)) replied(state);
        return first;
      }
      if (state.replies === 0) return first;
      const firstSentAt = performance.now() - first.durationMs;
      const key = questionKey(first.resolver, first.type, first.name);
      settlingNow.add(key);
      try {
        return await askAgain(state, first, firstSentAt, ask, timeoutMs);
      } finally {
        settlingNow.delete(key);
      }
    },
    replied: (resolver) => (states.get(resolver)?.replies ?? 0) > 0,
    settling: (resolver, type, name) => settlingNow.has(questionKey(resolver, type, name)),
    report() {
      const ranOut = [...states].filter(([, s]) => s.record.ranOut > 0);
      return ranOut.length > 0 ? new Map(ranOut.map(([name, s]) => [name, s.record])) : null;
    },
  };

  /**
   * Asked again, a few at a time, unless no other resolver replied about the name (its own failure): until answered,
   * ASKS_AFTER_THE_FIRST asks at most that ran out of time at a pace the resolver takes (those lost to a pace too fast
   * for it, then slowed, are asked once more), ASKS_AT_MOST in all.
   */
  async function askAgain(state: ResolverState, first: DnsAnswer, firstSentAt: number, ask: (timeoutMs: number) => Promise<DnsAnswer>, timeoutMs: number): Promise<DnsAnswer> {
    if ((await options.othersReplied(first)) === false) return first;
    const record = state.record;
    record.ranOut += 1;
    suspected(state, first, timeoutMs);
    return state.lane(async () => {
      // An ask again must have its whole wait before the deadline, or it proves nothing.
      const waitMs = Math.min(timeoutMs, ASK_AGAIN_WAIT_MS);
      const mayAsk = () => !options.signal.aborted && helps(state) && options.msLeft() > waitMs;
      const unanswered = () => {
        if (!helps(state)) cleared(state);
        return first;
      };
      if (!mayAsk()) return unanswered();
      record.asked += 1;
      let inVain = 0;
      for (let asks = 0; asks < ASKS_AT_MOST && inVain < ASKS_AFTER_THE_FIRST && mayAsk(); asks += 1) {
        await turn(first.resolver);
        const again = await ask(waitMs);
        if (again.error?.code === 'DEADLINE') return first;
        if (ranOutOfTime(again.outcome, again.error)) {
          const sentAt = performance.now() - again.durationMs;
          if (sentAt < state.unpacedOutUntil || (state.pace?.proven && dropped(state, sentAt))) continue;
          inVain += 1;
          state.inVain += 1;
          continue;
        }
        if (isReply(again)) replied(state);
        record.answered += 1;
        if (state.pace) dropped(state, firstSentAt);
        if (record.names.length < 5 && !record.names.includes(again.name)) record.names.push(again.name);
        return again;
      }
      return unanswered();
    });
  }
}
