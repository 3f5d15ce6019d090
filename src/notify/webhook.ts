// POST the run's events to a webhook (--notify URL). Retries network errors, 408, 429 and 5xx with exponential
// backoff (250 ms, 500 ms, 1 s …, or the server's Retry-After when longer), never past the run's deadline;
// any other answer is final. Never throws: a failure is a NotificationResult, so it can never cost the run
// its report.

import { redactWebhookUrl } from '../util/redact.js';
import type { Agent } from 'undici';
import type { NotificationResult } from '../model.js';
import { toProbeError } from '../util/errors.js';
import { agentFor, readStart, timedRequest } from '../util/http-client.js';
import { safeLine } from '../util/text.js';
import { formatMs, sleep } from '../util/time.js';
import { TOOL_VERSION } from '../version.js';
import type { EventPayload } from './events.js';

export { sampleEvent } from './events.js';

export interface PostOptions {
  /** performance.now() reading after which no attempt starts and the one in flight is cut (the run's deadline). */
  deadlineAt: number;
  /** Aborts the posting (SIGINT / SIGTERM). */
  signal?: AbortSignal;
  /** Extra CA certificates (PEM) trusted besides Node's bundle: probes.yaml `tls.ca`. */
  ca?: string | null;
  /** Pause before retry n (1-based), in ms; default 250 · 2^(n-1). */
  backoffMs?: (retry: number) => number;
  /** At most this many attempts (default 6). */
  maxAttempts?: number;
  /** One attempt waits at most this long for the reply (default 10 s; always cut at the deadline). */
  attemptTimeoutMs?: number;
}

const DEFAULT_MAX_ATTEMPTS = 6;
const DEFAULT_ATTEMPT_TIMEOUT_MS = 10_000;
/** Enough of the reply to quote in an error; the rest is dropped unread. */
const MAX_REPLY_BYTES = 1024;

export function defaultBackoffMs(retry: number): number {
  return 250 * 2 ** (retry - 1);
}

/** An absolute http(s) URL with a host, or why not. For checking --notify values before the run. */
export function parseWebhookUrl(text: string): URL | { error: string } {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    // Not echoed: a webhook URL carries its secret, and a malformed one cannot be redacted reliably.
    return { error: 'not a URL (its text is not shown: webhook URLs carry secrets)' };
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || !url.hostname) {
    return { error: `expected an http(s) URL, got ${JSON.stringify(safeLine(redactWebhookUrl(url.href), 80))}` };
  }
  return url;
}

/** The line for stderr when a notification failed. */
export function notificationProblem(result: NotificationResult): string {
  return `notify ${result.url}: ${result.error ?? 'failed'} (${result.attempts} attempt${result.attempts === 1 ? '' : 's'}); the run's result is unaffected`;
}

/** Post to every URL at once; one result per URL, in order. */
export function notifyAll(urls: string[], payload: EventPayload, options: PostOptions): Promise<NotificationResult[]> {
  return Promise.all(urls.map((url) => postEvents(url, payload, options)));
}

type AttemptOutcome = { ok: true } | { ok: false; error: string; retry: boolean; retryAfterMs: number | null };

export async function postEvents(url: string, payload: EventPayload, options: PostOptions): Promise<NotificationResult> {
  const result = (ok: boolean, attempts: number, error: string | null): NotificationResult => ({
    url: redactWebhookUrl(url),
    events: payload.events.length,
    ok,
    attempts,
    error,
  });
  const parsed = parseWebhookUrl(url);
  if ('error' in parsed) return result(false, 0, parsed.error);
  const { target, authorization } = withoutUserinfo(parsed);
  const body = JSON.stringify(payload);
  const backoff = options.backoffMs ?? defaultBackoffMs;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  let agent: Agent | null = null;
  let attempts = 0;
  let lastError: string | null = null;
  try {
    agent = agentFor(options.ca ?? null);
    for (;;) {
      if (options.signal?.aborted) return result(false, attempts, lastError ?? 'interrupted before sending');
      const remaining = options.deadlineAt - performance.now();
      if (remaining <= 0) return result(false, attempts, lastError ?? 'no time left before the run deadline');
      attempts += 1;
      const outcome = await postOnce(target, authorization, body, agent, Math.min(remaining, options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS), options.signal);
      if (outcome.ok) return result(true, attempts, null);
      lastError = outcome.error;
      if (!outcome.retry || attempts >= maxAttempts) return result(false, attempts, lastError);
      const pause = Math.max(backoff(attempts), outcome.retryAfterMs ?? 0);
      if (performance.now() + pause >= options.deadlineAt) {
        return result(false, attempts, `${lastError}; no time left to retry before the run deadline`);
      }
      await sleep(pause, options.signal);
    }
  } catch (err) {
    // Not expected (undici errors are caught per attempt), but a notification must never throw.
    const error = toProbeError(err, 'ENOTIFY');
    return result(false, attempts, `${error.code}: ${error.message}`);
  } finally {
    await agent?.destroy().catch(() => undefined);
  }
}

/**
 * A user name and password in the URL (https://user:pw@host/…) are sent as HTTP Basic authentication (RFC 7617),
 * as curl does; the URL itself goes without them, and they are never printed (redactWebhookUrl drops userinfo).
 */
export function withoutUserinfo(url: URL): { target: string; authorization: string | null } {
  if (!url.username && !url.password) return { target: url.href, authorization: null };
  const credentials = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  const bare = new URL(url.href);
  bare.username = '';
  bare.password = '';
  return { target: bare.href, authorization: `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}` };
}

async function postOnce(url: string, authorization: string | null, body: string, agent: Agent, timeoutMs: number, signal: AbortSignal | undefined): Promise<AttemptOutcome> {
  const answer = await timedRequest(
    url,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': `outage-probe/${TOOL_VERSION}`, ...(authorization ? { authorization } : {}) },
      body,
      dispatcher: agent,
      timeoutMs,
      ...(signal ? { signal } : {}),
    },
    async (response): Promise<AttemptOutcome> => {
      const status = response.statusCode;
      if (status >= 200 && status < 300) {
        // The answer is the status; a receiver that then stalls on its body must not hold the run.
        response.body.on('error', () => undefined);
        response.body.destroy();
        return { ok: true };
      }
      const reply = (await readStart(response.body, MAX_REPLY_BYTES)).toString('utf8');
      const said = reply.trim() ? `: ${safeLine(reply, 200)}` : '';
      const retry = status === 408 || status === 429 || status >= 500;
      const location = locationText(response.headers.location, url);
      const error = status >= 300 && status < 400 ? `HTTP ${status}: redirected${location}; give the final URL` : `HTTP ${status}${said}`;
      return { ok: false, error, retry, retryAfterMs: retryAfterMs(response.headers['retry-after']) };
    },
  );
  if (answer.ok) return answer.value;
  if (answer.stoppedBy === 'timeout') return { ok: false, error: `no reply within ${formatMs(timeoutMs)}`, retry: true, retryAfterMs: null };
  if (answer.stoppedBy === 'signal') return { ok: false, error: 'interrupted', retry: false, retryAfterMs: null };
  return { ok: false, error: `${answer.error.code}: ${answer.error.message}`, retry: true, retryAfterMs: null };
}

function locationText(value: string | string[] | undefined, base: string): string {
  if (typeof value !== 'string') return '';
  try {
    return ` to ${safeLine(redactWebhookUrl(new URL(value, base).href), 120)}`;
  } catch {
    return '';
  }
}

/** Retry-After in seconds (the HTTP-date form is rare on webhooks and ignored). */
function retryAfterMs(value: string | string[] | undefined): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (!text || !/^\s*\d+\s*$/.test(text)) return null;
  return Number(text) * 1000;
}

