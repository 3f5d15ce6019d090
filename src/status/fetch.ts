// Fetch one status document: a GET with a hard time cap (connect, headers and body together), a body cap,
// a few redirects, an extra CA for loopback tests. Never throws: every failure is a reason in words,
// because a status page is context and must never change the verdict, the exit code or the run's timing.

import type { Agent, Dispatcher } from 'undici';
import { agentFor, discardBody, readCapped, timedRequest } from '../util/http-client.js';
import { formatMs } from '../util/time.js';
import { safeLine } from '../util/text.js';
import { TOOL_VERSION } from '../version.js';

export const DEFAULT_MAX_BYTES = 1024 * 1024;

export interface FetchStatusOptions {
  /** The whole fetch (every redirect hop, the body) ends within this. */
  timeoutMs: number;
  /** Stop reading past this many bytes (default 1 MiB): the page is then unusable. */
  maxBytes?: number;
  /** Extra CA (PEM) trusted besides Node's bundle. Ignored when `dispatcher` is given. */
  ca?: string | null;
  /** A shared agent (see statusAgent); one is made (and closed) per call otherwise. */
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
  maxRedirects?: number;
}

export type StatusFetch =
  | { ok: true; url: string; status: number; contentType: string; text: string }
  | { ok: false; url: string; reason: string };

/** An agent that trusts Node's CAs plus `ca`. */
export function statusAgent(ca: string | null = null): Agent {
  return agentFor(ca);
}

/** UTF-8 unless a byte-order mark says UTF-16 (AWS's currentevents is served that way). */
export function decodeBody(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    // Big-endian: swap each pair (a dangling odd byte is dropped) and read as little-endian.
    const swapped = Buffer.from(bytes.subarray(2, 2 + ((bytes.length - 2) & ~1)));
    return swapped.swap16().toString('utf16le');
  }
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString('utf8');
  return bytes.toString('utf8');
}

function sizeText(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

export async function fetchStatusDocument(url: string, options: FetchStatusOptions): Promise<StatusFetch> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxRedirects = options.maxRedirects ?? 3;
  const fail = (at: string, reason: string): StatusFetch => ({ ok: false, url: safeLine(at, 300), reason: safeLine(reason, 200) });
  if (options.timeoutMs <= 0) return fail(url, 'no time left before the run deadline');
  const ownAgent = options.dispatcher ? null : statusAgent(options.ca ?? null);
  const dispatcher = options.dispatcher ?? ownAgent!;
  const endsAt = performance.now() + options.timeoutMs;
  let current = url;
  try {
    for (let hop = 0; ; hop++) {
      let target: URL;
      try {
        target = new URL(current);
      } catch {
        return fail(current, 'not a URL');
      }
      if (target.protocol !== 'https:' && target.protocol !== 'http:') return fail(current, 'not an http(s) URL');
      const answer = await timedRequest(
        target,
        {
          headers: { accept: 'application/json, application/rss+xml, application/atom+xml;q=0.9, */*;q=0.1', 'user-agent': `outage-probe/${TOOL_VERSION}` },
          dispatcher,
          timeoutMs: endsAt - performance.now(),
          ...(options.signal ? { signal: options.signal } : {}),
        },
        async (response): Promise<StatusFetch | { redirect: string }> => {
          const status = response.statusCode;
          const location = response.headers.location;
          if (status >= 300 && status < 400 && typeof location === 'string') {
            discardBody(response.body);
            return { redirect: new URL(location, target).href };
          }
          if (status < 200 || status >= 300) {
            discardBody(response.body);
            return fail(current, `HTTP ${status}`);
          }
          const declared = Number(response.headers['content-length']);
          if (Number.isFinite(declared) && declared > maxBytes) {
            discardBody(response.body);
            return fail(current, `body of ${sizeText(declared)} is over the ${sizeText(maxBytes)} cap`);
          }
          const bytes = await readCapped(response.body, maxBytes);
          if (bytes === null) return fail(current, `body over the ${sizeText(maxBytes)} cap (stopped reading)`);
          const type = response.headers['content-type'];
          return { ok: true, url: current, status, contentType: typeof type === 'string' ? safeLine(type, 100) : '', text: decodeBody(bytes) };
        },
      );
      if (!answer.ok) {
        if (answer.stoppedBy === 'timeout') return fail(current, `no complete answer within ${formatMs(options.timeoutMs)}`);
        if (answer.stoppedBy === 'signal') return fail(current, 'interrupted');
        return fail(current, `${answer.error.code}: ${answer.error.message}`);
      }
      if (!('redirect' in answer.value)) return answer.value;
      if (hop >= maxRedirects) return fail(current, `more than ${maxRedirects} redirects`);
      current = answer.value.redirect;
    }
  } finally {
    await ownAgent?.destroy().catch(() => undefined);
  }
}
