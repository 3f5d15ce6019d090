// A resolver asked faster than something on its way lets one client ask drops queries, silently: AWS's VPC resolver
// drops a client's packets beyond 1,024 a second per network interface (docs.aws.amazon.com, "Hybrid Cloud DNS
// Options for Amazon VPC": Constraints), unbound with `ip-ratelimit` its queries beyond that rate (unbound.conf(5):
// "completely dropped and will not receive a reply"), a home router's dnsmasq its forwards beyond --dns-forward-max
// (150). Each question is sent again within its wait (glibc every second, util/lookup-helper.ts; over UDP four
// times, udp.ts), yet behind such a limit 20 of 120 sites read "degraded: DNS timeout" at this host's resolver, and
// 35 of 120 at a company resolver listed by address — the run's own load, read as a diagnosis.
//
// So a question that ran out of time at a resolver that replies to the run's others, of a name another resolver
// replied to (or of any name when it is the run's only resolver), is asked again (ASKS_AFTER_THE_FIRST times at most,
// waiting ASK_AGAIN_WAIT_MS at most), a few at a time; what is answered then stands, and the report says how many
// (resolvers[].askedAgain; correlate/dropped-lookups.ts says it). A name no resolver replied to is its own failure
// (its zone down) and is not asked again: a DNS host's outage is not held up. Questions a resolver fails whatever the
// load fail those asks too, and after ASKED_AGAIN_IN_VAIN such asks no more are asked of it. One answered when asked
// again proves a drop: from then on, that resolver's questions are paced at the rate it was replying in the second
// before (a fifth slower at each drop proven later, a tenth faster each second without one). Fewer questions at once
// did not do it: halving them at each drop, down to four, doubled the run and the drops went on — the limit is on a
// rate, and four questions answered in a millisecond each exceed any.
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
 * How many times such a question is asked after its first: behind a limit that drops what comes too fast, one more
 * ask still ran out of time once in some forty (measured: 40 of 41 answered at a second ask, 50 of 50 with a third).
 */
const ASKS_AFTER_THE_FIRST = 2;
/**
 * Asks again that ran out of time before a resolver is asked no more again (while more of them ran out than questions
 * were answered): a resolver really failing names the others answer (its own outage) costs the run one wait, the
 * first few asks going out together, not two for every name.
 */
const ASKED_AGAIN_IN_VAIN = 3;
/** A resolver's last replies kept, to tell how fast it was replying when a drop is proven. */
const REPLY_TIMES_KEPT = 4_096;
/** The slowest pace a resolver's questions are held to, a second. */
const MIN_QPS = 4;
const PACE_STEP_MS = 1_000;
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

interface ResolverState {
  replies: number;
  replyTimes: Float64Array;
  pace: { pacer: Pacer; qps: number; setAt: number } | null;
  inVain: number;
  lane: ReturnType<typeof pLimit>;
  record: LookupsAskedAgain;
}

/** A reply from the resolver itself: any rcode over the wire, an answer from getaddrinfo that was not /etc/hosts'. */
function isReply(a: DnsAnswer): boolean {
  return a.rcode !== null || ((a.outcome === 'ok' || a.outcome === 'nxdomain' || a.outcome === 'empty') && a.server !== HOSTS_FILE);
}

export function createAskingAgain(options: AskingAgainOptions): AskingAgain {
  const states = new Map<string, ResolverState>();
  // Questions being settled after running out of time (few: only those), by resolver, type and name.
  const settlingNow = new Set<string>();
  const questionKey = (resolver: string, type: string, name: string) => `${resolver}|${type}|${name}`;
  const stateOf = (resolver: string): ResolverState => {
    let state = states.get(resolver);
    if (!state) {
      state = { replies: 0, replyTimes: new Float64Array(REPLY_TIMES_KEPT), pace: null, inVain: 0, lane: pLimit(ASKED_AGAIN_AT_ONCE), record: { ranOut: 0, asked: 0, answered: 0, names: [] } };
      states.set(resolver, state);
    }
    return state;
  };
  const repliesInTheLastSecond = (state: ResolverState): number => {
    const since = performance.now() - 1_000;
    const kept = Math.min(state.replies, REPLY_TIMES_KEPT);
    let n = 0;
    while (n < kept && state.replyTimes[(state.replies - 1 - n) % REPLY_TIMES_KEPT]! >= since) n += 1;
    return n;
  };
  const paceAt = (state: ResolverState, qps: number) => {
    state.pace = { pacer: createPacer(qps, 1), qps, setAt: performance.now() };
    state.record.pacedAt = Math.min(state.record.pacedAt ?? Infinity, Math.round(qps));
  };
  const dropProven = (state: ResolverState) => {
    const replying = Math.max(MIN_QPS, repliesInTheLastSecond(state));
    if (!state.pace) paceAt(state, replying);
    else if (performance.now() - state.pace.setAt >= PACE_STEP_MS) paceAt(state, Math.max(MIN_QPS, Math.min(state.pace.qps, replying) * 0.8));
  };
  const turn = async (resolver: string): Promise<void> => {
    const state = states.get(resolver);
    if (!state?.pace) return;
    if (performance.now() - state.pace.setAt >= PACE_STEP_MS) paceAt(state, state.pace.qps * 1.1);
    await state.pace.pacer.take(options.signal);
  };
  const helps = (state: ResolverState) => state.inVain < ASKED_AGAIN_IN_VAIN || state.inVain <= state.record.answered;

  return {
    turn,
    async settle(first, ask, timeoutMs) {
      if (!DROPPING_KINDS.has(first.transport)) return first;
      const state = stateOf(first.resolver);
      if (!ranOutOfTime(first.outcome, first.error)) {
        if (isReply(first)) state.replyTimes[state.replies++ % REPLY_TIMES_KEPT] = performance.now();
        return first;
      }
      if (state.replies === 0) return first;
      const key = questionKey(first.resolver, first.type, first.name);
      settlingNow.add(key);
      try {
        return await askAgain(state, first, ask, timeoutMs);
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

  /** Asked again, a few at a time, unless no other resolver replied about the name (its own failure). */
  async function askAgain(state: ResolverState, first: DnsAnswer, ask: (timeoutMs: number) => Promise<DnsAnswer>, timeoutMs: number): Promise<DnsAnswer> {
    if ((await options.othersReplied(first)) === false) return first;
    const record = state.record;
    record.ranOut += 1;
    return state.lane(async () => {
      // An ask again must have its whole wait before the deadline, or it proves nothing.
      const waitMs = Math.min(timeoutMs, ASK_AGAIN_WAIT_MS);
      const mayAsk = () => !options.signal.aborted && helps(state) && options.msLeft() > waitMs;
      if (!mayAsk()) return first;
      record.asked += 1;
      for (let asks = 0; asks < ASKS_AFTER_THE_FIRST && mayAsk(); asks += 1) {
        await turn(first.resolver);
        const again = await ask(waitMs);
        if (again.error?.code === 'DEADLINE') return first;
        if (ranOutOfTime(again.outcome, again.error)) {
          state.inVain += 1;
          continue;
        }
        record.answered += 1;
        dropProven(state);
        if (record.names.length < 5 && !record.names.includes(again.name)) record.names.push(again.name);
        return again;
      }
      return first;
    });
  }
}
