// The one HTTP client helper for every request that is not a probe measurement: DoH queries, webhooks, status
// pages, range updates. It owns the three things each of them needs and used to rebuild: trust in the extra CA
// (probes.yaml tls.ca) besides Node's bundle, a body read that stops at a cap, and a timeout that covers the
// whole exchange. The probe's own pinned fetch (probe/http/) opens its connections itself, and shares only the
// secure context from here.

import { createRequire } from 'node:module';
import type { Agent, Dispatcher } from 'undici';
import { toProbeError } from './errors.js';
import { secureContextFor } from './secure-context.js';
import type { ProbeError } from '../model.js';
import { connectLookup } from './lookup-helper.js';
import { noop } from './collections.js';

export { secureContextFor };

// undici is loaded by the first request that needs it (a DoH query, a webhook, a status page), not by every run:
// its index is ~110 files.
const undici = (): typeof import('undici') => createRequire(import.meta.url)('undici') as typeof import('undici');

/**
 * A keep-alive undici agent that trusts Node's CAs plus `ca`. The caller closes it (`agent.destroy()`). Host names
 * are looked up in the lookup helper (util/lookup-helper.ts connectLookup), never by getaddrinfo in this process.
 */
export function agentFor(ca: string | null | undefined, limits: AgentLimits = {}): Agent {
  const secureContext = secureContextFor(ca);
  return new (undici().Agent)({
    connect: { lookup: connectLookup, ...(secureContext ? { secureContext } : {}) },
    ...(limits.connectionsPerOrigin !== undefined ? { connections: limits.connectionsPerOrigin } : {}),
    // A server's Keep-Alive hint may lengthen undici's timeout up to keepAliveMaxTimeout: capped at ours too.
    ...(limits.keepAliveTimeoutMs !== undefined ? { keepAliveTimeout: limits.keepAliveTimeoutMs, keepAliveMaxTimeout: limits.keepAliveTimeoutMs } : {}),
  });
}

export interface AgentLimits {
  /** Connections to one origin at most (undici's default: no limit). */
  connectionsPerOrigin?: number;
  /** How long an idle connection is kept, whatever the server's Keep-Alive hint (undici's default: 4 s, or the hint). */
  keepAliveTimeoutMs?: number;
}

export type ResponseBody = Dispatcher.ResponseData['body'];

/** Drop a body we will not read; undici reports destroying an unread body as an error, which we expect. */
export function discardBody(body: ResponseBody): void {
  body.on('error', () => undefined);
  body.destroy();
}

/** The whole body, or null (and the body destroyed) as soon as it passes `limit` bytes. */
export async function readCapped(body: ResponseBody, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let total = 0;
  body.on('error', () => undefined);
  for await (const chunk of body) {
    total += (chunk as Buffer).length;
    if (total > limit) {
      body.destroy();
      return null;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The first `limit` bytes of the body; the rest is never read. */
export async function readStart(body: ResponseBody, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  body.on('error', () => undefined);
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    total += (chunk as Buffer).length;
    if (total >= limit) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, limit);
}

export interface TimedRequestOptions {
  method?: Dispatcher.HttpMethod;
  headers?: Record<string, string>;
  body?: string;
  dispatcher: Dispatcher;
  /** The whole exchange (headers and what the caller reads of the body inside `read`) ends within this. */
  timeoutMs: number;
  /** The run's deadline or a signal: aborting it stops the exchange. */
  signal?: AbortSignal;
}

/** How a timed request ended when it did not return a response. */
export type TimedFailure = { stoppedBy: 'timeout'; error: null } | { stoppedBy: 'signal'; error: null } | { stoppedBy: null; error: ProbeError };

/**
 * One request whose whole exchange — including `read`, the caller's handling of the response — is cut at
 * `timeoutMs` or when `signal` aborts. Never throws for network conditions: a failure says whether our timer,
 * the caller's signal, or the network ended it.
 */
export async function timedRequest<T>(
  url: string | URL,
  options: TimedRequestOptions,
  read: (response: Dispatcher.ResponseData) => Promise<T>,
): Promise<{ ok: true; value: T } | ({ ok: false } & TimedFailure)> {
  const controller = new AbortController();
  let stoppedBy: 'timeout' | 'signal' | null = null;
  const timer = setTimeout(() => {
    stoppedBy = 'timeout';
    controller.abort();
  }, Math.max(1, options.timeoutMs));
  const onAbort = (): void => {
    stoppedBy = 'signal';
    controller.abort();
  };
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  // undici honours an abort only once the connection is up: a request still connecting (its host name in a
  // lookup nobody answers, a server whose SYNs are dropped) waited for undici's own 10 s connect timeout, past our
  // timeout and the run's deadline. So the abort ends the wait here, and the request is left to settle unobserved.
  const stopped = new Promise<null>((resolve) => controller.signal.addEventListener('abort', () => resolve(null), { once: true }));
  try {
    const pending = undici().request(url, {
      method: options.method ?? 'GET',
      ...(options.headers ? { headers: options.headers } : {}),
      ...(options.body !== undefined ? { body: options.body } : {}),
      dispatcher: options.dispatcher,
      signal: controller.signal,
    });
    const response = await Promise.race([pending, stopped]);
    if (response === null) {
      pending.then((late) => discardBody(late.body), noop);
      throw controller.signal.reason;
    }
    return { ok: true, value: await read(response) };
  } catch (err) {
    if (stoppedBy === 'timeout') return { ok: false, stoppedBy, error: null };
    if (stoppedBy === 'signal') return { ok: false, stoppedBy, error: null };
    return { ok: false, stoppedBy: null, error: toProbeError(err, 'ENETWORK') };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}
