// DNS over HTTPS (RFC 8484): GET with the query in `?dns=` (base64url), message id 0 so HTTP caches
// can share answers, `accept: application/dns-message`. The reply body is capped and the whole
// exchange is timed out; an HTTP status other than 200 is a network error named after the status.

import tls from 'node:tls';
import { Agent, request } from 'undici';
import type { DnsType } from '../../model.js';
import { toProbeError } from '../../util/errors.js';
import {
  answersQuery,
  badResponseFailure,
  base64url,
  deadlineFailure,
  decodeMessage,
  encodeQuery,
  failure,
  timeoutFailure,
  type Exchange,
  type ExchangeOptions,
} from './wire.js';

/** No DNS message is larger (the TCP length prefix is 16 bits); anything bigger is not an answer. */
const MAX_REPLY_BYTES = 65_536;

/**
 * Keep-alive agents, one per extra-CA setting, so a burst of queries to one DoH server reuses connections
 * instead of handshaking once per query. A run makes its own pool and closes it when it ends, so one run
 * finishing never closes the connections of another still going in the same process. Idle sockets are
 * unref'd by undici: a pool left open never keeps the process alive.
 */
export interface DohPool {
  agent(ca: string | null): Agent;
  close(): Promise<void>;
}

export function createDohPool(): DohPool {
  const agents = new Map<string, Agent>();
  return {
    agent(ca) {
      const key = ca ?? '';
      let agent = agents.get(key);
      if (!agent) {
        // One secure context built up front: passing `ca` per connection re-parses the whole root bundle
        // on every handshake (~15 ms each), which a burst of new connections turns into seconds.
        const secureContext = ca ? tls.createSecureContext({ ca: [...tls.rootCertificates, ca] }) : undefined;
        agent = new Agent({ connect: secureContext ? { secureContext } : {} });
        agents.set(key, agent);
      }
      return agent;
    },
    async close() {
      const closing = [...agents.values()].map((agent) => agent.destroy().catch(() => undefined));
      agents.clear();
      await Promise.all(closing);
    },
  };
}

/** For callers outside a run (a one-off query). */
const sharedPool = createDohPool();

/** Close the shared pool's connections (tests do, to leave no socket behind). */
export function closeDohAgents(): Promise<void> {
  return sharedPool.close();
}

/** The GET URL for a query: the endpoint (an RFC 8484 `{?dns}` template suffix is accepted) plus `?dns=`. */
export function dohQueryUrl(endpoint: string, message: Buffer): URL {
  const url = new URL(endpoint.replace(/\{\?dns\}$/, ''));
  url.searchParams.set('dns', base64url(message));
  return url;
}

export async function exchangeDoh(
  endpoint: string,
  name: string,
  type: DnsType,
  options: ExchangeOptions & { ca?: string | null; pool?: DohPool },
): Promise<Exchange> {
  if (options.signal?.aborted) return deadlineFailure('doh', endpoint);

  const controller = new AbortController();
  let stoppedBy: 'timeout' | 'deadline' | null = null;
  const timer = setTimeout(() => {
    stoppedBy = 'timeout';
    controller.abort();
  }, options.timeoutMs);
  const onAbort = (): void => {
    stoppedBy = 'deadline';
    controller.abort();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    const response = await request(dohQueryUrl(endpoint, encodeQuery(name, type, 0)), {
      method: 'GET',
      headers: { accept: 'application/dns-message' },
      dispatcher: (options.pool ?? sharedPool).agent(options.ca ?? null),
      signal: controller.signal,
    });
    if (response.statusCode !== 200) {
      discard(response.body);
      return failure('network-error', `HTTP_${response.statusCode}`, `DoH server answered HTTP ${response.statusCode}`, 'doh', endpoint);
    }
    const bytes = await readCapped(response.body, MAX_REPLY_BYTES);
    if (!bytes) {
      return failure('network-error', 'EBADRESP', `DoH reply larger than ${MAX_REPLY_BYTES} bytes`, 'doh', endpoint);
    }
    const reply = decodeMessage(bytes);
    if (!reply || !answersQuery(reply, 0, name, type)) return badResponseFailure('doh', endpoint);
    return { kind: 'reply', reply, transport: 'doh', server: endpoint };
  } catch (err) {
    if (stoppedBy === 'deadline') return deadlineFailure('doh', endpoint);
    if (stoppedBy === 'timeout') return timeoutFailure(options.timeoutMs, 'doh', endpoint);
    const error = toProbeError(err, 'ENETWORK');
    return failure('network-error', error.code, error.message, 'doh', endpoint);
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** The whole body, or null (and the body destroyed) as soon as it passes `limit` bytes. */
type ResponseBody = AsyncIterable<Buffer> & { destroy(): unknown; on(event: 'error', listener: () => void): unknown };

/** Drop a body we will not read; undici reports destroying an unread body as an error, which we expect. */
function discard(body: ResponseBody): void {
  body.on('error', () => undefined);
  body.destroy();
}

async function readCapped(body: ResponseBody, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > limit) {
      discard(body);
      return null;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
