// getaddrinfo in a helper process. A lookup cannot be cancelled, and at exit libuv joins its thread pool: a lookup
// still inside glibc (10 s by default for a name nobody answers) kept this process alive that long after its report
// and past its deadline (measured in a namespace: process.exit(3) right after looking up a silent resolver's name
// returned after 10.09 s). The helper is a second Node process doing nothing but dns.lookup; it sees the same
// resolv.conf, nsswitch.conf and environment, so its answers are this host's, and it is killed when this process
// exits. Started on the first lookup; if it cannot be started, or dies, lookups run in this process as before.

import { spawn, type ChildProcess } from 'node:child_process';
import dns, { type LookupAddress } from 'node:dns';
import type { Socket } from 'node:net';

/** The helper: one JSON line in per lookup ({ id, name, family }), one out per answer; "ready" first. */
const HELPER_SOURCE = `
const dns = require('node:dns');
let buffered = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  for (let nl = buffered.indexOf('\\n'); nl >= 0; nl = buffered.indexOf('\\n')) {
    const { id, name, family } = JSON.parse(buffered.slice(0, nl));
    buffered = buffered.slice(nl + 1);
    dns.lookup(name, { all: true, family }, (err, addresses) => {
      const reply = err ? { id, error: { code: err.code || 'ENETWORK', message: err.message } } : { id, addresses: addresses.map((a) => a.address) };
      process.stdout.write(JSON.stringify(reply) + '\\n');
    });
  }
});
process.stdin.on('end', () => process.exit(0));
process.stdout.write('ready\\n');
`;

type Reply = { addresses: string[] } | { error: { code: string; message: string } };
/** dns.lookup's family: 4, 6, or 0 for either. */
export type LookupFamily = 0 | 4 | 6;

interface Helper {
  child: ChildProcess;
  ready: Promise<boolean>;
  pending: Map<number, { name: string; family: LookupFamily; settle: (reply: Reply) => void }>;
}

let helper: Helper | null = null;
/** The helper could not be started, or died: lookups run in this process from then on. */
let inProcess = false;
let nextId = 0;

function lookupHere(name: string, family: LookupFamily): Promise<Reply> {
  return new Promise((resolve) => {
    dns.lookup(name, { all: true, family }, (err, addresses) =>
      resolve(err ? { error: { code: (err as NodeJS.ErrnoException).code ?? 'ENETWORK', message: err.message } } : { addresses: addresses.map((a) => a.address) }),
    );
  });
}

/** How long the helper's glibc waits for a server before asking again (or asking the next). */
export const LOOKUP_FIRST_WAIT_MS = 1_000;
/**
 * glibc's resolver asks again only after 5 s without a reply (resolv.conf(5): timeout:5, attempts:2 by default), which
 * is a query's whole wait here: one datagram lost on the way would read as the resolver failing the name, where every
 * other program on this host gets its answer 5 s late. The helper's glibc asks again every second, four times in all
 * (measured with glibc 2.36 and one nameserver: sends at 0, 1, 2 and 3 s, EAI_AGAIN after 4 s): a lost datagram costs
 * a second, and a name nobody answers holds a thread 4 s, not 10. RES_OPTIONS amends resolv.conf's options for the
 * helper alone (resolv.conf(5)); this environment's own RES_OPTIONS, read after these, still has the last word.
 */
const RETRANSMIT_OPTIONS = `timeout:${LOOKUP_FIRST_WAIT_MS / 1000} attempts:4`;

/**
 * A lookup whose wait ran out: the run's own (ETIMEDOUT), or glibc's (EAI_AGAIN after its tries: at once, it is no
 * wait — probe/dns/system.ts makes that a network error).
 */
export function ranOutOfTime(outcome: string, error: { code: string } | null): boolean {
  return outcome === 'timeout' && error !== null && (error.code === 'ETIMEDOUT' || error.code === 'EAI_AGAIN');
}

/** RES_OPTIONS for the helper: these, then this environment's own. */
function retransmitting(own: string | undefined): string {
  return own ? `${RETRANSMIT_OPTIONS} ${own}` : RETRANSMIT_OPTIONS;
}

function startHelper(threads: number): Helper {
  const child = spawn(process.execPath, ['-e', HELPER_SOURCE], {
    // Nothing of the helper's may hold this process's stderr: a pipeline reading it would wait for the helper too.
    stdio: ['pipe', 'pipe', 'ignore'],
    // Its own process group: a Ctrl-C at the terminal stops this process (which ends the helper), not the helper
    // under it (whose lookups would then be asked here, holding the exit once more).
    detached: true,
    // No NODE_OPTIONS: a --require'd agent or a heap setting is this process's, not the helper's.
    env: { ...process.env, UV_THREADPOOL_SIZE: String(threads), NODE_OPTIONS: '', RES_OPTIONS: retransmitting(process.env.RES_OPTIONS) },
  });
  if (!child.stdin || !child.stdout) throw new Error('the lookup helper has no pipes');
  const pending: Helper['pending'] = new Map();
  let markReady: (ok: boolean) => void = () => {};
  const ready = new Promise<boolean>((resolve) => (markReady = resolve));
  let buffered = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    buffered += chunk;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line === 'ready') {
        markReady(true);
        continue;
      }
      let parsed: Reply & { id: number };
      try {
        parsed = JSON.parse(line) as Reply & { id: number };
      } catch {
        continue; // not the helper's reply (it writes nothing else): never a crash here
      }
      const { id, ...reply } = parsed;
      const waiting = pending.get(id);
      pending.delete(id);
      waiting?.settle(reply);
    }
  });
  const gone = () => {
    // Never started, or died: what it was asked is asked here instead.
    inProcess = true;
    helper = null;
    markReady(false);
    for (const { name, family, settle } of pending.values()) void lookupHere(name, family).then(settle);
    pending.clear();
  };
  child.once('error', gone);
  child.once('exit', gone);
  child.stdin!.on('error', () => {});
  // The helper never keeps this process alive; a lookup waits on its own timer.
  child.unref();
  (child.stdin as Socket).unref();
  (child.stdout as Socket).unref();
  process.once('exit', () => child.kill('SIGKILL'));
  return { child, ready, pending };
}

/**
 * Resolves once lookups can be sent (the helper has started, or lookups will run here). Awaited before a query's
 * time starts: the helper's start-up is no resolver's time.
 */
export function lookupReady(threads: number): Promise<unknown> {
  if (inProcess) return Promise.resolve();
  if (helper === null) {
    try {
      helper = startHelper(threads);
    } catch {
      // No process or pipe to be had (out of descriptors, a process limit): lookups run here.
      inProcess = true;
      return Promise.resolve();
    }
  }
  return helper.ready;
}

/** getaddrinfo for `name` in `family` (0: either), all addresses: in the helper when it runs, else here. */
export function lookupAddresses(name: string, family: LookupFamily): Promise<Reply> {
  if (inProcess || helper === null) return lookupHere(name, family);
  const id = nextId++;
  const h = helper;
  return new Promise((settle) => {
    h.pending.set(id, { name, family, settle });
    h.child.stdin!.write(`${JSON.stringify({ id, name, family })}\n`);
  });
}

/** A failed lookup as dns.lookup reports one: an Error with getaddrinfo's code. */
export function lookupError(error: { code: string; message: string }, hostname: string): NodeJS.ErrnoException {
  return Object.assign(new Error(error.message), { code: error.code, hostname, syscall: 'getaddrinfo' });
}

/** libuv's pool size: UV_THREADPOOL_SIZE when it is a number (libuv clamps it to 1–1024), else its default of 4. */
export function threadPoolSize(setting: string | undefined): number {
  const n = Number(setting);
  return Number.isInteger(n) && n > 0 ? Math.min(n, 1024) : 4;
}

/** The helper's pool: this process's size (bin/outage-probe sets 64), which the helper inherits. */
export const HELPER_THREADS = threadPoolSize(process.env.UV_THREADPOOL_SIZE);

/** By host name: connection lookups (connectLookup) still waiting for getaddrinfo. */
const connectLookupsPending = new Map<string, number>();

/** A connection to `hostname` is still waiting for this host's resolver to give its address. */
export function connectLookupPending(hostname: string): boolean {
  return connectLookupsPending.has(hostname);
}

type ConnectLookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * net's `lookup` for connections to a host name (a DoH server's, a proxy's, a webhook's): getaddrinfo in the
 * helper, so a lookup glibc still holds never holds this process's exit, as dns.lookup here would. Called with
 * `all` (net's happy eyeballs), it answers every address; without, the first.
 */
export function connectLookup(hostname: string, options: { family?: number | string; all?: boolean }, callback: ConnectLookupCallback): void {
  const family: LookupFamily = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
  // A connection waiting for its address keeps the process alive, as a lookup in this process would (the helper's
  // pipes do not); the CLI's process.exit ends it whatever is still waiting.
  const waiting = setTimeout(() => {}, 2 ** 31 - 1);
  connectLookupsPending.set(hostname, (connectLookupsPending.get(hostname) ?? 0) + 1);
  void lookupReady(HELPER_THREADS)
    .then(() => lookupAddresses(hostname, family))
    .then((reply) => {
      clearTimeout(waiting);
      const left = connectLookupsPending.get(hostname)! - 1;
      if (left === 0) connectLookupsPending.delete(hostname);
      else connectLookupsPending.set(hostname, left);
      if ('error' in reply) {
        callback(lookupError(reply.error, hostname), options.all ? [] : '');
        return;
      }
      const found = reply.addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
      if (options.all) callback(null, found);
      else if (found.length > 0) callback(null, found[0]!.address, found[0]!.family);
      else callback(lookupError({ code: 'ENOTFOUND', message: `getaddrinfo ENOTFOUND ${hostname}` }, hostname), '');
    });
}
