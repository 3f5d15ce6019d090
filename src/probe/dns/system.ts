// The system resolver, as every other program on this host sees it: getaddrinfo via dns.lookup, in a helper process
// (util/lookup-helper.ts: a lookup in this process could hold its exit for glibc's 10 s). getaddrinfo tells neither TTLs
// nor CNAME chains nor the response code, so records carry ttl null, the chain is empty and rcode is null. It cannot
// be cancelled: on timeout or deadline we stop waiting and the lookup finishes unobserved in the helper's pool.
//
// Each lookup holds one of that pool's threads until glibc gives up (its resolv.conf timeout × attempts: 10 s by
// default for a name nobody answers, 4 s with the helper's own options: util/lookup-helper.ts RETRANSMIT_OPTIONS), whatever our timeout. Lookups handed to the pool beyond its threads wait there,
// and a timer started at the hand-over counted that wait as the resolver's: names of one dead zone listed first
// made every other name "time out at the system resolver" ("Resolver system failing: timeout for 24 of 30 names"),
// exit 2. libuv runs at most half its pool's threads on such slow work at once (threadpool.c,
// slow_work_thread_threshold: (threads + 1) / 2), so of the default 4 only 2 lookups run. So lookups are handed over
// only as those slots are free — one counts as busy until its lookup really ends — and a query's time starts when its
// lookup does; and bin/outage-probe gives the pool 64 threads (32 lookups at once) unless UV_THREADPOOL_SIZE says
// otherwise. Names still waiting at the deadline are not probed, never a resolver's failure.
//
// getaddrinfo error → outcome (Node folds EAI_NONAME, EAI_NODATA and EAI_MEMORY into ENOTFOUND):
//   ENOTFOUND              → nxdomain       (the name or the address family has no answer)
//   EAI_AGAIN              → timeout        (glibc: no resolver answered in time, or SERVFAIL); at once: network-error
//   EAI_FAIL               → servfail       (non-recoverable failure in name resolution)
//   ENODATA                → empty          (some platforms: the name exists, no address of the family)
//   anything else          → network-error  (code kept as given, e.g. ECONNREFUSED, EAI_SYSTEM)

import { fromHostsFile, HOSTS_FILE } from '../../util/hosts-file.js';
import type { DnsOutcome, DnsRecord, DnsType, ProbeError, ResolverSpec, SystemResolverSpec } from '../../model.js';
import { ipFamily } from '../../util/ip.js';
import { hostOfUrl } from '../../util/dns-name.js';
import type { ResolverTransport } from './transports.js';
import { toProbeError } from '../../util/errors.js';
import { onAbort } from '../../util/abort.js';
import { noop } from '../../util/collections.js';
import { normalizeName, type ExchangeOptions } from './wire.js';
import { HELPER_THREADS, lookupAddresses, lookupError, lookupReady } from '../../util/lookup-helper.js';

export interface SystemResult {
  outcome: DnsOutcome;
  answers: DnsRecord[];
  values: string[];
  error: ProbeError | null;
}

const LOOKUP_ERROR_OUTCOMES: Record<string, DnsOutcome> = {
  ENOTFOUND: 'nxdomain',
  EAI_AGAIN: 'timeout',
  EAI_FAIL: 'servfail',
  ENODATA: 'empty',
};

/** Lookups libuv runs at once: half the helper's pool threads, rounded up (the rest stay free for file and zlib work). */
const LOOKUP_THREADS = Math.floor((HELPER_THREADS + 1) / 2);
let lookupsRunning = 0;
const waitingForThread: Array<() => void> = [];

/** Wait for a free thread: its release when one is, or null when `signal` stops the run first. */
function lookupThread(signal: AbortSignal | undefined): Promise<(() => void) | null> {
  const release = () => {
    const next = waitingForThread.shift();
    if (next) next();
    else lookupsRunning -= 1;
  };
  if (lookupsRunning < LOOKUP_THREADS) {
    lookupsRunning += 1;
    return Promise.resolve(release);
  }
  return new Promise((resolve) => {
    let stopWaiting: () => void = noop;
    const start = () => {
      stopWaiting();
      resolve(release);
    };
    waitingForThread.push(start);
    if (signal) {
      stopWaiting = onAbort(signal, () => {
        const at = waitingForThread.indexOf(start);
        if (at >= 0) waitingForThread.splice(at, 1);
        resolve(null);
      });
    }
  });
}

/** getaddrinfo in the helper process (util/lookup-helper.ts): its addresses, or its error as dns.lookup gives it. */
async function lookupAll(name: string, family: 4 | 6): Promise<string[]> {
  const reply = await lookupAddresses(name, family);
  if ('addresses' in reply) return reply.addresses;
  throw lookupError(reply.error, name);
}

/**
 * Start the lookup helper now when a system resolver will be asked, or a DoH server by name: its start-up (some 70 ms) then runs alongside
 * the run's own, not in front of its first lookup.
 */
export function prepareSystemLookups(resolvers: readonly ResolverSpec[]): void {
  if (resolvers.some((r) => r.kind === 'system' || (r.kind === 'doh' && !isIpUrl(r.url)))) void lookupReady(HELPER_THREADS);
}

/** A URL whose host is an IP literal: connecting to it looks nothing up. */
function isIpUrl(url: string): boolean {
  const host = hostOfUrl(url);
  return host !== null && ipFamily(host) !== 0;
}

/** This host's resolver, as every other program here sees it. */
export const systemTransport: ResolverTransport<SystemResolverSpec> = {
  kind: 'system',
  server: () => 'system',
  types: new Set<DnsType>(['A', 'AAAA']),
  async ask(_spec, name, type, options) {
    const { answers, values, outcome, error } = await lookupSystem(name, type, options);
    // An answer that is the hosts file's entry says so: no server was asked for it.
    const server = outcome === 'ok' && fromHostsFile(name, values) ? HOSTS_FILE : 'system';
    return { fields: { outcome, error, answers, values }, server, transport: 'system' };
  },
};

export async function lookupSystem(name: string, type: DnsType, options: ExchangeOptions): Promise<SystemResult> {
  const fail = (outcome: DnsOutcome, error: ProbeError): SystemResult => ({ outcome, answers: [], values: [], error });
  if (type !== 'A' && type !== 'AAAA') {
    return fail('network-error', { code: 'ENOTSUP', message: `the system resolver (getaddrinfo) cannot answer ${type} queries` });
  }
  if (options.signal?.aborted) return fail('timeout', { code: 'DEADLINE', message: 'the run deadline was reached before a reply' });
  const release = await lookupThread(options.signal);
  if (!release) return fail('timeout', { code: 'DEADLINE', message: 'the run deadline was reached before a reply' });
  // The helper process's start-up (once a run) is no resolver's time.
  await lookupReady(HELPER_THREADS);
  if (options.signal?.aborted) {
    release();
    return fail('timeout', { code: 'DEADLINE', message: 'the run deadline was reached before a reply' });
  }

  let timer: NodeJS.Timeout | undefined;
  let stopWaiting: () => void = noop;
  const stopped = new Promise<SystemResult>((resolve) => {
    timer = setTimeout(
      () => resolve(fail('timeout', { code: 'ETIMEDOUT', message: `no answer within ${Math.round(options.timeoutMs)} ms` })),
      options.timeoutMs,
    );
    if (options.signal) stopWaiting = onAbort(options.signal, () => resolve(fail('timeout', { code: 'DEADLINE', message: 'the run deadline was reached before a reply' })));
  });
  const started = performance.now();
  const lookup = lookupAll(name, type === 'AAAA' ? 6 : 4);
  // The thread is free when getaddrinfo returns, not when we stop waiting for it.
  lookup.then(release, release);
  const looked = lookup.then(
    (values): SystemResult => {
      const answers = values.map((address) => ({ name: normalizeName(name), type, ttl: null, data: address }));
      return values.length > 0
        ? { outcome: 'ok', answers, values, error: null }
        : fail('empty', { code: 'NODATA', message: `no ${type} records for ${normalizeName(name)}` });
    },
    (err: unknown): SystemResult => {
      const error = toProbeError(err, 'ENETWORK');
      // glibc says EAI_AGAIN both when its resolvers time out and when none can be reached at all (no network):
      // an answer well before any timeout is the second, and is not a "DNS timeout".
      if (error.code === 'EAI_AGAIN' && performance.now() - started < Math.min(1000, options.timeoutMs / 2)) {
        return fail('network-error', { code: 'EAI_AGAIN', message: `getaddrinfo gave up at once (EAI_AGAIN, temporary failure in name resolution): no DNS server is reachable from this host` });
      }
      return fail(LOOKUP_ERROR_OUTCOMES[error.code] ?? 'network-error', error);
    },
  );
  try {
    return await Promise.race([looked, stopped]);
  } finally {
    clearTimeout(timer);
    stopWaiting();
  }
}
