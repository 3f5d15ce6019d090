// One run's shared probing machinery: the DNS cache (one query per resolver, name and type, whoever asks), each
// resolver's own queue, the fetch limits (global and per host), the DoH connection pool, and the deadline that
// stops everything. Probe kinds ask and fetch through it; nothing here judges an answer.

import pLimit from 'p-limit';
import type { DnsAnswer, DnsQuery, LookupsAskedAgain, LossProbe, NameserverReply, ProbeError, ResolverSpec, RunSettings, WireResolverSpec } from '../model.js';
import { keyedLimit } from '../util/keyed-limit.js';
import { isoNow } from '../util/time.js';
import { askNameservers, createDohPool, FIRST_RETRANSMIT, NAMESERVER_WAIT_MS, probeLoss, PROBE_WAIT_MS, queryDns, transportFor } from './dns/index.js';
import { LOOKUP_FIRST_WAIT_MS, ranOutOfTime } from '../util/lookup-helper.js';
import { HOSTS_FILE } from '../util/hosts-file.js';
import { outOfResourcesHere } from '../util/file-limit.js';
import { busyTimeout, startStallClock, stalledMs } from '../util/stall-clock.js';
import { createPacer, type Pacer } from '../util/pacer.js';
import { onAbort } from '../util/abort.js';

export interface SessionOptions {
  resolvers: ResolverSpec[];
  run: RunSettings;
  /** Extra trusted CA (PEM): DoH and probed HTTPS. */
  ca: string | null;
  /** Absolute time (performance.now() scale) by which everything must be finished. */
  deadlineAt: number;
  /** Aborted on SIGINT/SIGTERM: stop at once and report what is known. */
  signal?: AbortSignal;
  /** DNS queries in flight at most per resolver (each has its own socket; this only paces bursts). */
  dnsConcurrency?: number;
  /** Called whenever a DNS query or a fetch finishes. */
  onProgress?: (done: number, planned: number) => void;
  /** By resolver name: the pace its operator allows one client (config/resolvers.ts resolverPaces); unpaced when absent. */
  paces?: ReadonlyMap<string, { operator: string; qps: number }>;
}

export interface ProbeSession {
  readonly resolvers: ResolverSpec[];
  readonly ca: string | null;
  readonly deadlineAt: number;
  /** Aborted at the deadline or on a signal: every exchange in flight ends with DEADLINE. */
  readonly signal: AbortSignal;
  /** Ask once per (resolver, name, type) while the name is remembered; later askers share the first answer. */
  resolve(query: DnsQuery, timeoutMs: number): Promise<DnsAnswer>;
  /**
   * The one site with this host is done: its answers for the name leave the question cache (they stay in the run's
   * list). Over a long list the cache would otherwise hold an entry a question of every site to the run's end. A
   * later site that asks the same name (its zone walk passing through it) asks it again.
   */
  forget(name: string): void;
  /** Has this resolver replied (with any rcode) to some question of this run so far? */
  heardFrom(resolver: string): boolean;
  /** Run `work` (one fetch and its follow-ups) within the site host's slots and a global one. */
  withFetchSlot<T>(host: string, work: () => Promise<T>): Promise<T>;
  /** Count a planned fetch, for progress. */
  planned(): void;
  /** Count a finished fetch, for progress. */
  finished(): void;
  /**
   * Run `work` (a fetch, a query) and, while this host had no descriptor for it (EMFILE, ENFILE, ENOBUFS: the
   * open-file limit), run it again once another fetch has ended or a wait has passed (50 ms, doubling to 1 s), until
   * the run stops; the last result is returned, whatever it is.
   */
  withDescriptors<T extends { error: ProbeError | null }>(work: () => Promise<T>): Promise<T>;
  /**
   * Stop the deadline timer and close connections; every DNS answer of the run, whether it ran to the end, and the
   * loss probes sent (probe/dns/loss-probe.ts) by resolver name, or null when none were (or the process was too
   * starved of CPU while they waited for their word to count); this host's name servers asked directly
   * (probe/dns/nameserver-asks.ts), or null when they were not; this host's resolver's lookups that ran out of time
   * while it answered others, asked again, or null when none ran out.
   */
  close(): Promise<{ dns: DnsAnswer[]; complete: boolean; lossProbes: Map<string, LossProbe> | null; nameserverReplies: NameserverReply[] | null; askedAgain: LookupsAskedAgain | null }>;
}

/**
 * A resolver that has not answered one of its first queries is not asked the rest: each would cost a full
 * timeout. Its remaining queries are recorded as timeouts, with a code that says they were not sent.
 */
const SILENT_AFTER = 16;

/**
 * This host's resolver's lookups asked a second time at once, at most: a resolver that drops what comes too fast is
 * not sent the run's drops again in one burst.
 */
const ASKED_AGAIN_AT_ONCE = 4;
/**
 * How many times such a lookup is asked after its first: under a limit that drops what comes too fast, one more ask
 * still ran out of time once in some forty (measured: 40 of 41 answered at a second ask).
 */
const ASKS_AFTER_THE_FIRST = 2;
/** This host's resolver's last answers kept, to tell how fast it was answering when a drop is proven. */
const ANSWER_TIMES_KEPT = 4_096;
/** The slowest pace lookups to this host's resolver are held to, a second. */
const MIN_SYSTEM_QPS = 4;
/** Lookups left unanswered by every ask before asking again stops (and more of them than were answered): they fail anyway. */
const ASKED_AGAIN_IN_VAIN = 2;

/** The first wait for a descriptor when this host had none for a fetch or a query, doubled each time up to the last. */
const DESCRIPTOR_WAIT_MS = 50;
const DESCRIPTOR_WAIT_MAX_MS = 1_000;

export function createProbeSession(options: SessionOptions): ProbeSession {
  const stop = new AbortController();
  const deadlineTimer = setTimeout(() => stop.abort(new Error('deadline')), Math.max(0, options.deadlineAt - performance.now()));
  const onExternalAbort = () => stop.abort(new Error('interrupted'));
  options.signal?.addEventListener('abort', onExternalAbort, { once: true });
  if (options.signal?.aborted) stop.abort(new Error('interrupted'));

  const dohPool = createDohPool();
  // One pace per operator that throttles a client: its resolvers share it.
  const pacers = new Map<string, Pacer>();
  const pacerFor = (resolver: string): Pacer | null => {
    const pace = options.paces?.get(resolver);
    if (!pace) return null;
    let pacer = pacers.get(pace.operator);
    if (!pacer) pacers.set(pace.operator, (pacer = createPacer(pace.qps)));
    return pacer;
  };
  // How long this process could not run while each query and fetch waited (util/stall-clock.ts).
  const stopStallClock = startStallClock();
  // Each resolver has its own queue: a resolver that never answers holds only its own slots for a timeout
  // each, and the others' queries (and so every fetch) go on.
  const dnsSlots = options.dnsConcurrency ?? Math.max(64, options.run.concurrency * 2);
  const dnsLimit = keyedLimit(dnsSlots);
  const silence = new Map<string, { replies: number; timeouts: number }>();
  // Packet loss on the way, measured once some question over UDP had to be sent again (probe/dns/loss-probe.ts).
  let lossProbing: Promise<Map<string, LossProbe> | null> | null = null;
  const measureLoss = async (): Promise<Map<string, LossProbe> | null> => {
    const wire = options.resolvers.filter((r): r is WireResolverSpec => r.kind === 'udp');
    const stalledBefore = stalledMs();
    const probes = await probeLoss(wire, stop.signal);
    // Replies this process could not read in time are no loss on the way.
    return stalledMs() - stalledBefore >= PROBE_WAIT_MS / 2 ? null : probes;
  };
  // This host's name servers, asked directly once getaddrinfo answered only after its first wait for a server (or not
  // at all): one of them silent would explain it. Not when the answer came from /etc/hosts.
  let nameserverAsking: Promise<NameserverReply[]> | null = null;
  const systemSlow = (a: DnsAnswer) => a.transport === 'system' && a.server !== HOSTS_FILE && a.error?.code !== 'DEADLINE' && (a.durationMs >= LOOKUP_FIRST_WAIT_MS || a.outcome === 'timeout');
  const askSystemNameservers = (a: DnsAnswer): Promise<NameserverReply[]> | null => {
    const spec = options.resolvers.find((r) => r.name === a.resolver);
    const addresses = spec?.kind === 'system' ? spec.nameservers?.addresses : undefined;
    return addresses ? askNameservers(addresses, { timeoutMs: Math.min(NAMESERVER_WAIT_MS, msLeft(options.deadlineAt)), signal: stop.signal }) : null;
  };
  // This host's resolver, asked faster than something on its path lets one client ask, drops lookups: AWS's VPC
  // resolver drops a client's packets beyond 1,024 a second per network interface (docs.aws.amazon.com, "Hybrid Cloud
  // DNS Options for Amazon VPC": Constraints), unbound with `ip-ratelimit` its queries beyond that rate, a home
  // router's dnsmasq its forwards beyond --dns-forward-max (150). glibc sends each again every second
  // (util/lookup-helper.ts), yet behind such a limit 20 of 120 sites read "degraded: DNS timeout" at the system
  // resolver — the run's own load, read as a diagnosis. So a lookup that ran out of time while this resolver answers
  // others, of a name another resolver replied to (or that no other resolver was asked), is asked again
  // (ASKS_AFTER_THE_FIRST times at most), a few at a time; what is answered then stands, and the report says how many
  // (correlate/dropped-lookups.ts). A name no resolver replied to is its own failure (its zone down) and is not asked
  // again: a DNS host's outage is not held up. Names this resolver fails whatever the load fail those asks too, and
  // after ASKED_AGAIN_IN_VAIN no more are asked. A lookup answered when asked again proves a drop: from then on,
  // lookups are paced at the rate this resolver was answering them in the second before (a fifth slower at each drop
  // proven later, a tenth faster each second without one). Fewer lookups at once did not do it: halving them at each
  // drop, down to four, doubled the run and the drops went on — the limit is on a rate, and four lookups answered in
  // a millisecond each exceed any.
  let systemAnswered = 0;
  const systemAnswerTimes = new Float64Array(ANSWER_TIMES_KEPT);
  let systemAnswerCount = 0;
  const answersInTheLastSecond = () => {
    const since = performance.now() - 1_000;
    let n = 0;
    while (n < Math.min(systemAnswerCount, ANSWER_TIMES_KEPT) && systemAnswerTimes[(systemAnswerCount - 1 - n) % ANSWER_TIMES_KEPT]! >= since) n += 1;
    return n;
  };
  let systemPace: { pacer: Pacer; qps: number; setAt: number } | null = null;
  const paceSystem = (qps: number) => {
    systemPace = { pacer: createPacer(qps, 1), qps, setAt: performance.now() };
    askedAgain.pacedAt = Math.min(askedAgain.pacedAt ?? Infinity, Math.round(qps));
  };
  const dropProven = () => {
    const answering = Math.max(MIN_SYSTEM_QPS, answersInTheLastSecond());
    if (!systemPace) paceSystem(answering);
    else if (performance.now() - systemPace.setAt >= 1_000) paceSystem(Math.max(MIN_SYSTEM_QPS, Math.min(systemPace.qps, answering) * 0.8));
  };
  const systemTurn = async () => {
    if (!systemPace) return;
    if (performance.now() - systemPace.setAt >= 1_000) paceSystem(systemPace.qps * 1.1);
    await systemPace.pacer.take(stop.signal);
  };
  const askedAgain: LookupsAskedAgain = { ranOut: 0, asked: 0, answered: 0, names: [] };
  let askedInVain = 0;
  const askAgainLimit = pLimit(ASKED_AGAIN_AT_ONCE);
  // The other resolvers' answers for the same name (awaited when still asked): none replying is the name's own failure
  // (its zone down), not a drop, and is not asked again; null when no other resolver asked it.
  const othersAnswered = async (a: DnsAnswer): Promise<boolean | null> => {
    let asked = false;
    for (const [key, byName] of dnsCache) {
      if (key.startsWith(`${a.resolver}|`)) continue;
      const held = byName.get(a.name);
      if (held === undefined) continue;
      asked = true;
      const other = await held;
      if (other.rcode !== null || other.outcome === 'ok' || other.outcome === 'nxdomain' || other.outcome === 'empty') return true;
    }
    return asked ? false : null;
  };
  const askingAgainHelps = () => askedInVain < ASKED_AGAIN_IN_VAIN || askedInVain <= askedAgain.answered;
  const systemLookup = async (first: DnsAnswer, ask: () => Promise<DnsAnswer>, timeoutMs: number): Promise<DnsAnswer> => {
    if (!ranOutOfTime(first.outcome, first.error)) {
      if (first.outcome !== 'timeout' && first.outcome !== 'network-error' && first.server !== HOSTS_FILE) {
        systemAnswered += 1;
        systemAnswerTimes[systemAnswerCount++ % ANSWER_TIMES_KEPT] = performance.now();
      }
      return first;
    }
    if (systemAnswered === 0 || (await othersAnswered(first)) === false) return first;
    askedAgain.ranOut += 1;
    return askAgainLimit(async () => {
      // An ask again must have its whole wait before the deadline, or it proves nothing.
      const mayAsk = () => !stop.signal.aborted && askingAgainHelps() && msLeft(options.deadlineAt) > timeoutMs;
      if (!mayAsk()) return first;
      askedAgain.asked += 1;
      for (let asks = 0; asks < ASKS_AFTER_THE_FIRST && mayAsk(); asks += 1) {
        await systemTurn();
        const again = await ask();
        if (again.error?.code === 'DEADLINE') return first;
        if (ranOutOfTime(again.outcome, again.error)) continue;
        askedAgain.answered += 1;
        dropProven();
        if (askedAgain.names.length < 5 && !askedAgain.names.includes(again.name)) askedAgain.names.push(again.name);
        return again;
      }
      askedInVain += 1;
      return first;
    });
  };
  // Sent again over UDP: answered only after its first retransmission, or timed out at a resolver that has replied to
  // something (one that answers nothing is no measure of loss, and probing it would only hold the run's end).
  const sentAgain = (a: DnsAnswer, timeoutMs: number) =>
    a.transport === 'udp' && (a.rcode !== null ? a.durationMs >= timeoutMs * FIRST_RETRANSMIT : a.error?.code === 'ETIMEDOUT' && (silence.get(a.resolver)?.replies ?? 0) > 0);
  // A query's promise while it is asked, then its answer: a settled promise kept per query cost more than the answer.
  // Found by resolver and type, then by the name itself (a string the site's spec holds anyway): a key string per
  // question would outweigh many answers. `asked` keeps every question's answer in the order first asked.
  const dnsCache = new Map<string, Map<string, Promise<DnsAnswer> | DnsAnswer>>();
  const asked: (Promise<DnsAnswer> | DnsAnswer)[] = [];
  const answersFor = (query: DnsQuery) => {
    const key = `${query.resolver.name}|${query.type}`;
    let byName = dnsCache.get(key);
    if (!byName) dnsCache.set(key, (byName = new Map()));
    return byName;
  };
  const fetchLimit = pLimit(options.run.concurrency);
  const hostLimit = keyedLimit(options.run.perHostConcurrency);
  let done = 0;
  let planned = 0;
  const progress = () => options.onProgress?.(done, planned);
  /** How a question is sent in this run: its timeout cut to the deadline, stopped with the run. */
  const exchange = (timeoutMs: number) => ({ timeoutMs: Math.min(timeoutMs, msLeft(options.deadlineAt)), signal: stop.signal, ca: options.ca, dohPool });
  // Its first questions unanswered may be names nobody answers for (a list that begins with sites on a DNS host that
  // is down): before a resolver's other questions are given up, it is asked one it can answer whatever those zones
  // do — the root's name servers (any recursive resolver has them), or, for getaddrinfo, which asks only addresses, a
  // name another resolver has answered. A reply of any kind means it answers; it is asked once.
  const liveness = new Map<string, Promise<boolean>>();
  const stillAnswers = (resolver: ResolverSpec, timeoutMs: number): Promise<boolean> => {
    let answers = liveness.get(resolver.name);
    if (!answers) {
      const ask = async (): Promise<boolean> => {
        const known = resolver.kind === 'system' ? await answeredElsewhere(resolver.name, timeoutMs) : '.';
        if (known === null) return false;
        const question: DnsQuery = { resolver, name: known, type: resolver.kind === 'system' ? 'A' : 'NS' };
        const a = await queryDns(question, exchange(timeoutMs));
        return resolver.kind === 'system' ? a.outcome === 'ok' : a.rcode !== null;
      };
      answers = ask();
      liveness.set(resolver.name, answers);
    }
    return answers;
  };
  /** A name another resolver gave an address for: one it has, or the next within `waitMs`; null when none comes. */
  const addressGiven = (a: DnsAnswer, resolver: string) => a.resolver !== resolver && a.type === 'A' && a.outcome === 'ok';
  const answerListeners = new Set<(a: DnsAnswer) => void>();
  const answeredElsewhere = (resolver: string, waitMs: number): Promise<string | null> => {
    for (const a of asked) if (!(a instanceof Promise) && addressGiven(a, resolver)) return Promise.resolve(a.name);
    return new Promise((resolve) => {
      const done = (name: string | null) => {
        clearTimeout(timer);
        answerListeners.delete(listen);
        resolve(name);
      };
      const listen = (a: DnsAnswer) => {
        if (addressGiven(a, resolver)) done(a.name);
      };
      const timer = setTimeout(() => done(null), Math.max(0, Math.min(waitMs, msLeft(options.deadlineAt))));
      answerListeners.add(listen);
    });
  };
  const waitingForDescriptors: Array<() => void> = [];
  const descriptorsFreed = (maxMs: number): Promise<void> => {
    if (stop.signal.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        stopWaiting();
        const at = waitingForDescriptors.indexOf(wake);
        if (at >= 0) waitingForDescriptors.splice(at, 1);
        resolve();
      };
      const timer = setTimeout(wake, Math.max(0, Math.min(maxMs, msLeft(options.deadlineAt))));
      const stopWaiting = onAbort(stop.signal, wake);
      waitingForDescriptors.push(wake);
    });
  };
  // A timeout while this process could not run for half the wait or more is its own (busyTimeout), not the other side's.
  // Asked once more when the deadline leaves room for the same wait: a moment's starvation passes, and a server that
  // really does not answer then times out while this process could run.
  const timed = async <T extends { error: ProbeError | null }>(work: () => Promise<T>, again = true): Promise<T> => {
    const stalledBefore = stalledMs();
    const started = performance.now();
    const result = await work();
    const waited = performance.now() - started;
    const busy = result.error?.code === 'ETIMEDOUT' ? busyTimeout(result.error, waited, stalledMs() - stalledBefore) : null;
    if (!busy) return result;
    if (again && !stop.signal.aborted && msLeft(options.deadlineAt) > waited) return timed(work, false);
    // A DNS answer keeps its fields behind getters (probe/dns/answer.ts): copied as its plain record.
    const plain = typeof (result as { toJSON?: unknown }).toJSON === 'function' ? (result as unknown as { toJSON(): T }).toJSON() : result;
    return { ...plain, error: busy };
  };
  const withDescriptors = async <T extends { error: ProbeError | null }>(work: () => Promise<T>): Promise<T> => {
    let result = await timed(work);
    for (let waitMs = DESCRIPTOR_WAIT_MS; outOfResourcesHere(result.error) && !stop.signal.aborted; waitMs = Math.min(waitMs * 2, DESCRIPTOR_WAIT_MAX_MS)) {
      await descriptorsFreed(waitMs);
      if (stop.signal.aborted) break;
      result = await timed(work);
    }
    return result;
  };

  return {
    resolvers: options.resolvers,
    ca: options.ca,
    deadlineAt: options.deadlineAt,
    signal: stop.signal,
    resolve(query, timeoutMs) {
      const byName = answersFor(query);
      const cached = byName.get(query.name);
      if (cached) return cached instanceof Promise ? cached : Promise.resolve(cached);
      planned += 1;
      const position = asked.length;
      const answer = dnsLimit(query.resolver.name, async () => {
        const heard = silence.get(query.resolver.name) ?? { replies: 0, timeouts: 0 };
        silence.set(query.resolver.name, heard);
        if (stop.signal.aborted) return notSent(query, { code: 'NOT_PROBED', message: `not sent: ${whyStopped(stop.signal)}` });
        // getaddrinfo tells no rcode: this host's resolver has replied when it gave an answer (systemLookup counts them).
        const replied = heard.replies > 0 || (query.resolver.kind === 'system' && systemAnswered > 0);
        if (!replied && heard.timeouts >= SILENT_AFTER && !(await stillAnswers(query.resolver, timeoutMs))) {
          return notSent(query, { code: 'RESOLVER_SILENT', message: `not sent: ${query.resolver.name} answered none of its first ${heard.timeouts} queries, nor a question every resolver can answer` });
        }
        await pacerFor(query.resolver.name)?.take(stop.signal);
        if (stop.signal.aborted) return notSent(query, { code: 'NOT_PROBED', message: `not sent: ${whyStopped(stop.signal)}` });
        const ask = () => withDescriptors(() => queryDns(query, exchange(timeoutMs)));
        if (query.resolver.kind === 'system') await systemTurn();
        const a = await ask();
        if (a.rcode !== null) heard.replies += 1;
        else if (a.outcome === 'timeout' && a.error?.code !== 'DEADLINE') heard.timeouts += 1;
        return query.resolver.kind === 'system' ? systemLookup(a, ask, timeoutMs) : a;
      }).then((a) => {
        if (lossProbing === null && sentAgain(a, timeoutMs)) lossProbing = measureLoss();
        if (nameserverAsking === null && systemSlow(a)) nameserverAsking = askSystemNameservers(a);
        done += 1;
        progress();
        byName.set(query.name, a);
        asked[position] = a;
        for (const listen of answerListeners) listen(a);
        return a;
      });
      byName.set(query.name, answer);
      asked.push(answer);
      return answer;
    },
    forget(name) {
      for (const byName of dnsCache.values()) {
        const held = byName.get(name);
        // A question still being asked stays: someone is waiting for it.
        if (held !== undefined && !(held instanceof Promise)) byName.delete(name);
      }
    },
    heardFrom: (resolver) => (silence.get(resolver)?.replies ?? 0) > 0,
    // Per-host slot first, then a global slot, so a queue behind one busy host never holds global slots.
    withFetchSlot: (host, work) => hostLimit(host, () => fetchLimit(work)),
    planned() {
      planned += 1;
    },
    finished() {
      done += 1;
      progress();
      waitingForDescriptors.shift()?.();
    },
    withDescriptors,
    async close() {
      // Loss probes still waiting end by the deadline like everything else: its timer stops after them.
      const lossProbes = lossProbing ? await lossProbing : null;
      const nameserverReplies = nameserverAsking ? await nameserverAsking : null;
      clearTimeout(deadlineTimer);
      stopStallClock();
      options.signal?.removeEventListener('abort', onExternalAbort);
      // Each question's slot holds its answer once it came (six or more a site): only those still asked are awaited.
      const pending = asked.filter((a) => a instanceof Promise);
      if (pending.length > 0) await Promise.all(pending);
      await dohPool.close();
      return { dns: asked as DnsAnswer[], complete: !stop.signal.aborted, lossProbes, nameserverReplies, askedAgain: askedAgain.ranOut > 0 ? askedAgain : null };
    },
  };
}

function notSent(query: DnsQuery, error: { code: string; message: string }): DnsAnswer {
  const r = query.resolver;
  return {
    resolver: r.name,
    name: query.name,
    type: query.type,
    outcome: 'timeout',
    rcode: null,
    answers: [],
    cnameChain: [],
    values: [],
    zone: null,
    ede: [],
    authenticated: null,
    server: transportFor(r).server(r),
    transport: r.kind,
    startedAt: isoNow(),
    durationMs: 0,
    error,
  };
}

/** Why the session stopped, for "not sent: …" messages. */
export function whyStopped(signal: AbortSignal): string {
  return signal.reason instanceof Error && signal.reason.message === 'interrupted' ? 'the run was interrupted' : 'the run deadline came first';
}

export function msLeft(deadlineAt: number): number {
  return Math.max(1, Math.floor(deadlineAt - performance.now()));
}
