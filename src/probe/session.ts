// One run's shared probing machinery: the DNS cache (one query per resolver, name and type, whoever asks), each
// resolver's own queue, the fetch limits (global and per host), the DoH connection pool, and the deadline that
// stops everything. Probe kinds ask and fetch through it; nothing here judges an answer.

import pLimit from 'p-limit';
import type { DnsAnswer, DnsQuery, LookupsAskedAgain, LossProbe, NameserverReply, ProbeError, ResolverSpec, RunSettings, WireResolverSpec } from '../model.js';
import { keyedLimit } from '../util/keyed-limit.js';
import { AddressSlots, type AddressAnswer, type AddressTurn } from './address-slots.js';
import { clockUtc, isoNow } from '../util/time.js';
import { askNameservers, createAskingAgain, createDohPool, FIRST_RETRANSMIT, NAMESERVER_WAIT_MS, probeLoss, PROBE_WAIT_MS, queryDns, transportFor } from './dns/index.js';
import { LOOKUP_FIRST_WAIT_MS } from '../util/lookup-helper.js';
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
  /**
   * Run one fetch at `address` (null: through a proxy) within the site host's slots, the address's (probe/address-slots.ts;
   * `alone`: none other there meanwhile) and a global one; `answer` says what the server did with its result, and
   * `again` (the work itself unless given) is kept as the address's last served fetch when it was served.
   */
  fetchAt<T>(host: string, address: string | null, work: () => Promise<T>, answer: (result: T) => AddressAnswer, alone?: boolean, again?: () => Promise<unknown>): Promise<AddressTurn<T>>;
  /** A fetch of `wave` at `address` failed while `atOnce` of this run's were there: fewer at once there from now on. */
  crowdedAt(address: string, wave: number, atOnce: number): void;
  /**
   * Whether the server at `address` serves this run, having served a fetch since `since` (a turn's startedAt; any time
   * unless given): waits while fetches there are in flight and none was served since.
   */
  servesAt(address: string, since?: number): Promise<boolean>;
  /** A fetch asked alone at `address` got no answer after the last served there: it stopped answering. */
  stoppedAnsweringAt(address: string): boolean;
  /** The last fetch `address` served, to run again as a control (probe/address-slots.ts); null when none is known. */
  lastServedAt<T>(address: string): (() => Promise<T>) | null;
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
   * (probe/dns/nameserver-asks.ts), or null when they were not; by resolver name, the questions that ran out of time
   * while it replied to others, asked again (probe/dns/asking-again.ts), or null when none ran out.
   */
  close(): Promise<{ dns: DnsAnswer[]; complete: boolean; lossProbes: Map<string, LossProbe> | null; nameserverReplies: NameserverReply[] | null; askedAgain: Map<string, LookupsAskedAgain> | null }>;
}

/**
 * A resolver that has not answered one of its first queries is not asked the rest: each would cost a full
 * timeout. Its remaining queries are recorded as timeouts, with a code that says they were not sent.
 */
const SILENT_AFTER = 16;
/**
 * A resolver that answered, then let SILENT_AFTER queries in a row run out and gave nothing for this many of their
 * waits (a limit on how fast one client may ask lets some through every second; asking-again.ts's asks are answered)
 * is asked a question every resolver can answer; unanswered, it is asked no more (its outage from that moment, or this
 * host's way to it gone: correlate/dns-way-out.ts). Each would otherwise hold its site a full wait, to the deadline.
 */
const WENT_SILENT_WAITS = 2;

/** The first wait for a descriptor when this host had none for a fetch or a query, doubled each time up to the last. */
const DESCRIPTOR_WAIT_MS = 50;
const DESCRIPTOR_WAIT_MAX_MS = 1_000;

/** What a resolver has said in this run: replies and queries that ran out, in all and since its last reply. */
interface Heard {
  replies: number;
  timeouts: number;
  sinceReply: number;
  /** performance.now() at its last reply. */
  lastReplyAt: number;
}

function repliedNow(heard: Heard): void {
  heard.replies += 1;
  heard.sinceReply = 0;
  heard.lastReplyAt = performance.now();
}

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
  const silence = new Map<string, Heard>();
  const heardOf = (resolver: string): Heard => silence.get(resolver) ?? silence.set(resolver, { replies: 0, timeouts: 0, sinceReply: 0, lastReplyAt: 0 }).get(resolver)!;
  // Answered for WENT_SILENT_WAITS waits and more, SILENT_AFTER queries run out in a row: asked whether it answers at all.
  const wentSilent = (resolver: ResolverSpec, heard: Heard, timeoutMs: number) =>
    resolver.kind !== 'system' && heard.replies > 0 && heard.sinceReply >= SILENT_AFTER && performance.now() - heard.lastReplyAt >= WENT_SILENT_WAITS * timeoutMs;
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
  // The other resolvers' replies about a name (awaited while still asked): none replying is the name's own failure
  // (its zone down), not a drop (probe/dns/asking-again.ts); null when there is no other resolver.
  const othersReplied = async (a: DnsAnswer): Promise<boolean | null> => {
    let asked = false;
    for (const [key, byName] of dnsCache) {
      const [resolver, type] = key.split('|') as [string, string];
      if (resolver === a.resolver) continue;
      const held = byName.get(a.name);
      if (held === undefined) continue;
      asked = true;
      // Ran out of time there too, and being asked again: no reply (waiting for it could wait for this one).
      if (held instanceof Promise && askingAgain.settling(resolver, type, a.name)) continue;
      const other = await held;
      if (other.rcode !== null || other.outcome === 'ok' || other.outcome === 'nxdomain' || other.outcome === 'empty') return true;
    }
    // A name only this resolver was asked (a zone walk's question) has nothing to be told by: kept as it came, unless
    // this resolver is the run's only one.
    return asked || options.resolvers.length > 1 ? false : null;
  };
  // Questions that ran out of time at a resolver dropping what comes too fast, asked again; paced after a drop proven.
  const askingAgain = createAskingAgain({ signal: stop.signal, msLeft: () => msLeft(options.deadlineAt), othersReplied });
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
  const addressSlots = new AddressSlots(options.run.perAddressConcurrency);
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
  // A resolver that went silent after answering: asked once for each time it did (keyed by its replies then).
  const answersAgain = new Map<string, { replies: number; answers: Promise<boolean> }>();
  const stillAnswersAgain = (resolver: ResolverSpec, heard: Heard, timeoutMs: number): Promise<boolean> => {
    const held = answersAgain.get(resolver.name);
    if (held?.replies === heard.replies) return held.answers;
    // Only a wait that ran out while this process could run says it answers nothing (a starved process's is no proof).
    const [stalledBefore, sentAt] = [stalledMs(), performance.now()];
    const answers = queryDns({ resolver, name: '.', type: 'NS' }, exchange(timeoutMs)).then(
      (a) => a.rcode !== null || a.error?.code !== 'ETIMEDOUT' || stalledMs() - stalledBefore >= (performance.now() - sentAt) / 2,
    );
    answersAgain.set(resolver.name, { replies: heard.replies, answers });
    return answers;
  };
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
      // The first ask holds one of the resolver's slots; asking again (askingAgain.settle) waits for the other
      // resolvers' answers about the name and has its own few places, so it holds none: a question holding its slot
      // while it waited for another resolver's question still queued behind that resolver's slots — each held the
      // same way — waited forever once both had run out of time together (this host's way out gone mid-run).
      let askAgain: ((waitMs: number) => Promise<DnsAnswer>) | null = null;
      const answer = dnsLimit(query.resolver.name, async () => {
        const heard = heardOf(query.resolver.name);
        if (stop.signal.aborted) return notSent(query, { code: 'NOT_PROBED', message: `not sent: ${whyStopped(stop.signal)}` });
        // getaddrinfo tells no rcode: this host's resolver has replied when it gave an answer (askingAgain counts it).
        const replied = heard.replies > 0 || askingAgain.replied(query.resolver.name);
        if (!replied && heard.timeouts >= SILENT_AFTER && !(await stillAnswers(query.resolver, timeoutMs))) {
          return notSent(query, { code: 'RESOLVER_SILENT', message: `not sent: ${query.resolver.name} answered none of its first ${heard.timeouts} queries, nor a question every resolver can answer` });
        }
        if (wentSilent(query.resolver, heard, timeoutMs) && !(await stillAnswersAgain(query.resolver, heard, timeoutMs))) {
          return notSent(query, {
            code: 'RESOLVER_SILENT',
            message: `not sent: ${query.resolver.name} has answered nothing since ${clockUtc(performance.timeOrigin + heard.lastReplyAt)} UTC (its last ${heard.sinceReply} queries ran out), nor a question every resolver can answer`,
          });
        }
        await pacerFor(query.resolver.name)?.take(stop.signal);
        if (stop.signal.aborted) return notSent(query, { code: 'NOT_PROBED', message: `not sent: ${whyStopped(stop.signal)}` });
        const mayResend = () => askingAgain.mayResend(query.resolver.name);
        const askOnce = (waitMs: number) => withDescriptors(() => queryDns(query, { ...exchange(waitMs), mayResend }));
        // A question that failed without a reply while this process could not run for most of it is asked once more
        // (one packet): a send this host refused at once (no route) reads late in a starved process, and "at once"
        // is how classify tells a missing route here from a router's answer on the way (classify/reach.ts).
        const ask = async (waitMs: number) => {
          const [stalledBefore, started] = [stalledMs(), performance.now()];
          const a = await askOnce(waitMs);
          const starved = stalledMs() - stalledBefore >= (performance.now() - started) / 2;
          return a.rcode === null && a.outcome === 'network-error' && starved && !stop.signal.aborted ? askOnce(waitMs) : a;
        };
        await askingAgain.turn(query.resolver.name);
        const a = await ask(timeoutMs);
        if (a.rcode !== null) repliedNow(heard);
        else if (a.outcome === 'timeout' && a.error?.code !== 'DEADLINE') {
          heard.timeouts += 1;
          // A wait this process could not run through (HOST_BUSY) says nothing of the resolver.
          if (a.error?.code === 'ETIMEDOUT') heard.sinceReply += 1;
        }
        // What the first ask tells of the way there (a question sent again, a lookup that waited), whatever asking
        // again then gets: its answer says nothing of the wait before it.
        if (lossProbing === null && sentAgain(a, timeoutMs)) lossProbing = measureLoss();
        if (nameserverAsking === null && systemSlow(a)) nameserverAsking = askSystemNameservers(a);
        askAgain = ask;
        return a;
      })
        .then((a) => (askAgain ? askingAgain.settle(a, askAgain, timeoutMs) : a))
        .then((a) => {
          // Answered when asked again: the resolver answers.
          if (a.rcode !== null && askAgain) repliedNow(heardOf(query.resolver.name));
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
    // Host, then address, then global: a queue behind one busy server holds no global slot either.
    fetchAt: (host, address, work, answer, alone = false, again = work) =>
      hostLimit(host, () => (address === null ? fetchLimit(work).then((result) => ({ result, atOnce: 1, wave: 0, startedAt: -Infinity })) : addressSlots.run(address, () => fetchLimit(work), answer, alone, again))),
    crowdedAt: (address, wave, atOnce) => addressSlots.crowded(address, wave, atOnce),
    servesAt: (address, since) => addressSlots.serves(address, since),
    stoppedAnsweringAt: (address) => addressSlots.stoppedAnswering(address),
    lastServedAt: (address) => addressSlots.lastServed(address),
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
      return { dns: asked as DnsAnswer[], complete: !stop.signal.aborted, lossProbes, nameserverReplies, askedAgain: askingAgain.report() };
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
