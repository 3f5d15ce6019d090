// One HTTP fetch, pinned to an address (or through a CONNECT proxy), measured phase by phase.
// Every hop gets its own connection and its own undici Client: we measure the edge, not a pool.
// The result is a record, never an exception: timeouts, resets and bad certificates are data.

import { ipFamily } from '../../util/ip.js';
import type { Readable } from 'node:stream';
import type { Client, Dispatcher } from 'undici';
import type { FailurePhase, FetchResult, ProbeError } from '../../model.js';
import { toProbeError, withoutStacks } from '../../util/errors.js';
import { safeLine, stripControl } from '../../util/text.js';
import { elapsedMs } from '../../util/time.js';
import { childController, onAbort, untilAborted } from '../../util/abort.js';
import { noop } from '../../util/collections.js';
import { recentStrings } from '../../util/recent.js';
import pLimit from 'p-limit';
import { openConnection, socketConnector, type OpenConnection } from './connect.js';

export type FetchTarget =
  | { kind: 'address'; address: string; port?: number } // connect to this IP (v4 or v6), keep the URL host as Host + SNI
  | { kind: 'proxy'; proxyUrl: string }; // HTTP CONNECT through the proxy; the proxy resolves the host

export interface FetchRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  userAgent: string;
  target: FetchTarget;
  /** Per attempt, everything included (connect, TLS, headers, body sample, redirects). */
  timeoutMs: number;
  /** The run's deadline: abort → a result with error.code 'DEADLINE', promptly. */
  signal?: AbortSignal;
  /** Read at most this many body bytes (plus the rest of one chunk), then stop reading. */
  bodySampleBytes: number;
  /**
   * Decode and return only the first this-many bytes of what was read (default: all of it), or as many as the
   * response's status calls for. Reading still goes on to bodySampleBytes, so bodyBytes and bodyTruncated do not
   * depend on it.
   */
  bodyKeepBytes?: number | ((status: number) => number);
  /** 0 = do not follow: a 3xx is the final answer. */
  maxRedirects: number;
  /** Extra trusted CA (PEM). */
  ca?: string | null;
  /** Response head limit (default 64 KiB); larger → UND_ERR_HEADERS_OVERFLOW in phase 'response'. */
  maxHeaderBytes?: number;
  /** Address for a redirect to another host (resolved by the caller's resolver); null → REDIRECT_DNS. */
  resolveRedirectHost?: (host: string) => Promise<string | null>;
}

const DEFAULT_MAX_HEADER_BYTES = 64 * 1024;
const MAX_HEADER_VALUE_CHARS = 4096;
const MAX_HEADERS_TOTAL_CHARS = 32 * 1024;
const MAX_LOCATION_CHARS = 2048;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

interface Failure {
  phase: FailurePhase;
  error: ProbeError;
}

/** The response of one hop, headers read, body not yet. */
interface HopResponse {
  status: number;
  headers: Record<string, string>;
  httpVersion: '1.1' | '2';
  body: Readable;
  contentLength: number | null;
}

interface Hop {
  url: URL;
  method: string;
  /** Connect here: the pinned address (null through a proxy) and port. */
  address: string | null;
  port: number;
}

function codedError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

const defaultPort = (url: URL): number => (url.protocol === 'https:' ? 443 : 80);
const hostOf = (url: URL): string => url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
const originKey = (url: URL): string => `${url.protocol}//${hostOf(url)}:${url.port}`;

// Most header values repeat from response to response (a server's name, a content type, a cache policy): a run
// keeps every attempt's headers to its end, each repeated value once while it is recent.
const sharedHeaderValue = recentStrings(2048);

/** Lower-case names, control characters stripped, repeated headers joined, sizes capped. */
export function sanitizeHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  let total = 0;
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const key = stripControl(name.toLowerCase());
    const joined = Array.isArray(value) ? value.join(', ') : value;
    const clean = stripControl(joined).slice(0, MAX_HEADER_VALUE_CHARS);
    total += key.length + clean.length;
    if (total > MAX_HEADERS_TOTAL_CHARS) break;
    out[key] = sharedHeaderValue(clean);
  }
  return out;
}

function errorOf(err: unknown, signal: AbortSignal): ProbeError {
  return toProbeError(signal.aborted ? signal.reason : err);
}

/**
 * undici reports any parse error of a head that carried Content-Length as a length mismatch (control
 * characters in a header value, a head cut short). Before the headers are complete no body was counted,
 * so the honest name is a malformed response.
 */
function preResponseError(error: ProbeError): ProbeError {
  if (error.code !== 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH') return error;
  return { code: 'MALFORMED_RESPONSE', message: 'the response head is malformed or cut short (invalid characters or framing)' };
}

/** Errors before any response: a failure to send the request, or (the usual case) no response. */
function preResponsePhase(error: ProbeError): FailurePhase {
  return error.code === 'EPIPE' || error.code.startsWith('UND_ERR_INVALID') || error.code === 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH'
    ? 'request'
    : 'response';
}

type RequestOn = (this: Client, options: Dispatcher.RequestOptions) => Promise<Dispatcher.ResponseData>;
interface UndiciClient {
  Client: typeof Client;
  request: RequestOn;
}
let undici: UndiciClient | null = null;

/**
 * undici's Client and its request method, loaded on the first fetch. Its index loads all of undici (fetch,
 * WebSocket, caches: ~110 files, 58 ms of a 0.4 s one-site run); these two files are all a probe uses. The
 * specifiers are literal so that scripts/bundle.mjs puts the two files (and what they require) in the bundle, where
 * V8's code cache covers them: loaded from node_modules they cost ~9 ms of a one-site check.
 */
async function undiciClient(): Promise<UndiciClient> {
  if (undici) return undici;
  const [clientModule, requestModule] = await Promise.all([
    import('undici/lib/dispatcher/client.js'),
    import('undici/lib/api/api-request.js'),
  ]);
  undici = { Client: clientModule.default, request: requestModule.default };
  return undici;
}

/** Load what the first fetch would (undici, and through it Node's http and http2), ahead of it. */
export async function loadFetchClient(): Promise<void> {
  await undiciClient();
}

async function sendRequest(
  conn: OpenConnection,
  hop: Hop,
  req: FetchRequest,
  signal: AbortSignal,
): Promise<{ client: Client; response: HopResponse } | { client: Client; failure: Failure }> {
  const { Client: ClientClass, request } = undici ?? (await undiciClient());
  const client = new ClientClass(hop.url.origin, {
    connect: socketConnector(conn.socket),
    allowH2: true,
    maxHeaderSize: req.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES,
    // Our own attempt timer covers every phase; undici's would only report a different code.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  client.on('connectionError', noop);
  const headers = { 'user-agent': req.userAgent, accept: '*/*', ...req.headers };
  try {
    const data: Dispatcher.ResponseData = await untilAborted(
      request.call(client, { path: `${hop.url.pathname}${hop.url.search}`, method: hop.method, headers, signal }),
      signal,
    );
    data.body.on('error', noop);
    const length = Number(data.headers['content-length']);
    return {
      client,
      response: {
        status: data.statusCode,
        headers: sanitizeHeaders(data.headers),
        httpVersion: conn.alpn === 'h2' ? '2' : '1.1',
        body: data.body,
        contentLength: hop.method !== 'HEAD' && Number.isFinite(length) ? length : null,
      },
    };
  } catch (err) {
    const error = preResponseError(errorOf(err, signal));
    return { client, failure: { phase: signal.aborted ? 'response' : preResponsePhase(error), error } };
  }
}

interface BodySample {
  sample: string;
  bytes: number;
  truncated: boolean;
  failure: Failure | null;
}

/**
 * Read up to `cap` bytes (the chunk that crosses it is counted whole), then stop reading; only the first `keep`
 * bytes are held and decoded.
 */
async function readBodySample(response: HopResponse, cap: number, keep: number, signal: AbortSignal): Promise<BodySample> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let bytes = 0;
  let ended = false;
  let failure: Failure | null = null;
  const iterator = response.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  try {
    while (bytes < cap || (cap === 0 && bytes === 0)) {
      const next = await untilAborted(iterator.next(), signal);
      if (next.done) {
        ended = true;
        break;
      }
      const chunk = next.value;
      bytes += chunk.length;
      if (kept < keep) {
        const part = chunk.subarray(0, keep - kept);
        chunks.push(part);
        kept += part.length;
      }
    }
  } catch (err) {
    failure = { phase: 'body', error: errorOf(err, signal) };
  }
  withoutStacks(() => response.body.destroy());
  // Stopped before the end, unless we stopped exactly at the cap and Content-Length says that was all.
  const truncated = !ended && !(bytes === cap && response.contentLength === bytes);
  // stream: true holds back a multi-byte character cut by the cap instead of turning it into U+FFFD.
  const text = new TextDecoder('utf-8').decode(Buffer.concat(chunks), { stream: true });
  return { sample: stripControl(text, true), bytes, truncated, failure };
}

function closeClient(client: Client | null, conn: OpenConnection | null): void {
  withoutStacks(() => {
    client?.destroy().catch(noop);
    conn?.destroy();
  });
}

/** Where the next hop connects: same host → same address; same origin → same port; else the URL's port. */
async function nextHop(
  current: Hop,
  next: URL,
  req: FetchRequest,
  addresses: Map<string, string>,
  ports: Map<string, number>,
): Promise<Hop | Failure> {
  const hop = { url: next, method: current.method, port: ports.get(originKey(next)) ?? (next.port ? Number(next.port) : defaultPort(next)) };
  if (req.target.kind === 'proxy') return { ...hop, address: null };
  const host = hostOf(next);
  let address = addresses.get(host) ?? (ipFamily(host) ? host : null);
  if (address === null) {
    try {
      address = req.resolveRedirectHost ? await req.resolveRedirectHost(host) : null;
    } catch (err) {
      return { phase: 'redirect', error: { code: 'REDIRECT_DNS', message: `cannot resolve ${safeLine(host)}: ${toProbeError(err).message}` } };
    }
    if (!address) return { phase: 'redirect', error: { code: 'REDIRECT_DNS', message: `cannot resolve redirect host ${safeLine(host)}` } };
    addresses.set(host, address);
  }
  return { ...hop, address };
}

function redirectMethod(status: number, method: string): string {
  if (status === 303 && method !== 'HEAD') return 'GET';
  if ((status === 301 || status === 302) && method === 'POST') return 'GET';
  return method;
}

function proxyAddress(proxyUrl: string): { host: string; port: number } | null {
  try {
    const url = new URL(proxyUrl);
    if (url.protocol !== 'http:') return null;
    return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : 80 };
  } catch {
    return null;
  }
}

/** A FetchResult with nothing measured yet. */
export function emptyFetchResult(url: string, address: string | null, port: number): FetchResult {
  return {
    url,
    address,
    port,
    httpStatus: null,
    httpVersion: null,
    headers: {},
    bodySample: '',
    bodyBytes: 0,
    bodyTruncated: false,
    redirects: [],
    tls: null,
    timings: { connectMs: null, tlsMs: null, ttfbMs: null, totalMs: 0 },
    received: null,
    error: null,
    failedPhase: null,
  };
}

/** A signal that follows `parent` only while `work` runs, so listeners do not pile up hop after hop. */
async function withChildSignal<T>(parent: AbortSignal, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const child = childController(parent);
  try {
    return await work(child.controller.signal);
  } finally {
    child.release();
  }
}

/**
 * The bytes the current hop's connection had received when three quarters of the attempt's wait had passed
 * (fetchPinned reads it then, on an attempt still running): an attempt that times out with no more since went
 * silent for the last quarter of its wait — a stream that stopped, not one still trickling in.
 */
interface ReceiveMeter {
  /** The current hop's connection's count; null before one opened. */
  read: (() => number) | null;
  /** What `read` gave at three quarters of the wait, and for which connection. */
  mark: { bytes: number; read: () => number } | null;
}

type HopOutcome = { kind: 'final' } | { kind: 'failed'; failure: Failure } | { kind: 'redirect'; status: number; location: string };

/** One connection, one request: fills `result` with what this hop measured; the caller decides what follows. */
async function fetchHop(
  hop: Hop,
  req: FetchRequest,
  proxy: { host: string; port: number } | null,
  result: FetchResult,
  firstHop: { started: number; onConnected: () => void } | null,
  signal: AbortSignal,
  meter: ReceiveMeter,
): Promise<HopOutcome> {
  const host = hostOf(hop.url);
  const conn = await openConnection({
    address: proxy ? proxy.host : (hop.address ?? ''),
    port: proxy ? proxy.port : hop.port,
    tunnel: proxy ? { host, port: hop.port } : null,
    tls: hop.url.protocol === 'https:' ? { host, ca: req.ca ?? null } : null,
    signal,
  });
  if (firstHop) {
    firstHop.onConnected();
    result.timings.connectMs = conn.connectMs;
    result.timings.tlsMs = conn.tlsMs;
    if (conn.connectStalledMs !== null) result.timings.connectStalledMs = conn.connectStalledMs;
  }
  if (conn.cert) result.tls = conn.cert;
  if (!conn.ok) {
    result.received = conn.receivedBytes === null ? null : { bytes: conn.receivedBytes, afterRequest: null, stalled: null };
    return { kind: 'failed', failure: { phase: conn.phase, error: conn.error } };
  }

  const beforeRequest = conn.receivedBytes();
  meter.read = conn.receivedBytes;
  const noteReceived = (): void => {
    const bytes = conn.receivedBytes();
    const mark = meter.mark?.read === conn.receivedBytes ? meter.mark.bytes : null;
    result.received = { bytes, afterRequest: bytes - beforeRequest, stalled: mark !== null && (signal.reason as { code?: unknown } | undefined)?.code === 'ETIMEDOUT' ? bytes === mark : null };
  };
  const sent = await sendRequest(conn, hop, req, signal);
  if ('failure' in sent) {
    noteReceived();
    closeClient(sent.client, conn);
    return { kind: 'failed', failure: sent.failure };
  }
  const { client, response } = sent;
  if (firstHop) {
    // Rounding each phase separately must not make the parts exceed the whole.
    result.timings.ttfbMs = Math.max(elapsedMs(firstHop.started), (conn.connectMs ?? 0) + (conn.tlsMs ?? 0));
  }
  result.httpStatus = response.status;
  result.httpVersion = response.httpVersion;
  result.headers = response.headers;

  const location = response.headers.location;
  if (REDIRECT_STATUSES.has(response.status) && location && req.maxRedirects > 0) {
    withoutStacks(() => response.body.destroy());
    noteReceived();
    closeClient(client, conn);
    return { kind: 'redirect', status: response.status, location };
  }
  const keep = typeof req.bodyKeepBytes === 'function' ? req.bodyKeepBytes(response.status) : (req.bodyKeepBytes ?? Infinity);
  const body = await readBodySample(response, req.bodySampleBytes, Math.min(keep, req.bodySampleBytes), signal);
  noteReceived();
  closeClient(client, conn);
  result.bodySample = body.sample;
  result.bodyBytes = body.bytes;
  result.bodyTruncated = body.truncated;
  return body.failure ? { kind: 'failed', failure: body.failure } : { kind: 'final' };
}

/** The URL a Location points to, or why it cannot be followed. */
function redirectTarget(location: string, from: URL, visited: Set<string>, redirects: number, maxRedirects: number): URL | Failure {
  const next = URL.canParse(location, from.href) ? new URL(location, from) : null;
  if (!next || (next.protocol !== 'http:' && next.protocol !== 'https:')) {
    return { phase: 'redirect', error: { code: 'REDIRECT_INVALID', message: `cannot follow Location ${safeLine(location, 200)}` } };
  }
  next.hash = '';
  if (visited.has(next.href)) {
    return { phase: 'redirect', error: { code: 'REDIRECT_LOOP', message: `redirect loop back to ${safeLine(next.href, 200)}` } };
  }
  if (redirects > maxRedirects) {
    return { phase: 'redirect', error: { code: 'TOO_MANY_REDIRECTS', message: `more than ${maxRedirects} redirects` } };
  }
  return next;
}

async function attempt(req: FetchRequest, signal: AbortSignal, started: number, onConnected: () => void, meter: ReceiveMeter): Promise<FetchResult> {
  const firstAddress = req.target.kind === 'address' ? req.target.address : null;
  let url: URL;
  try {
    url = new URL(req.url);
  } catch {
    return { ...emptyFetchResult(req.url, firstAddress, 0), error: { code: 'ERR_INVALID_URL', message: `invalid URL ${safeLine(req.url)}` }, failedPhase: 'request' };
  }
  const firstPort = req.target.kind === 'address' && req.target.port ? req.target.port : url.port ? Number(url.port) : defaultPort(url);
  const result = emptyFetchResult(url.href, firstAddress, firstPort);
  const fail = (failure: Failure): FetchResult => ({ ...result, error: failure.error, failedPhase: failure.phase });
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return fail({ phase: 'request', error: { code: 'UNSUPPORTED_PROTOCOL', message: `unsupported URL scheme ${safeLine(url.protocol)}` } });
  }
  const proxy = req.target.kind === 'proxy' ? proxyAddress(req.target.proxyUrl) : null;
  if (req.target.kind === 'proxy' && !proxy) {
    return fail({ phase: 'proxy', error: { code: 'PROXY_URL_INVALID', message: `proxy must be http://host:port, not ${safeLine(req.target.proxyUrl)}` } });
  }

  const addresses = new Map<string, string>(firstAddress ? [[hostOf(url), firstAddress]] : []);
  const ports = new Map<string, number>([[originKey(url), firstPort]]);
  const visited = new Set<string>();
  let hop: Hop = { url, method: req.method.toUpperCase(), address: firstAddress, port: firstPort };

  for (;;) {
    const firstHop = visited.size === 0 ? { started, onConnected } : null;
    visited.add(hop.url.href);
    result.url = hop.url.href;
    const current = hop;
    const outcome = await withChildSignal(signal, (hopSignal) => fetchHop(current, req, proxy, result, firstHop, hopSignal, meter));
    if (outcome.kind === 'final') return result;
    if (outcome.kind === 'failed') return fail(outcome.failure);

    result.redirects.push({ url: hop.url.href, status: outcome.status, location: safeLine(outcome.location, MAX_LOCATION_CHARS), address: hop.address });
    const next = redirectTarget(outcome.location, hop.url, visited, result.redirects.length, req.maxRedirects);
    if (!(next instanceof URL)) return fail(next);
    let planned: Hop | Failure;
    try {
      const from = { ...hop, method: redirectMethod(outcome.status, hop.method) };
      planned = await untilAborted(nextHop(from, next, req, addresses, ports), signal);
    } catch (err) {
      planned = { phase: 'redirect', error: errorOf(err, signal) };
    }
    if ('phase' in planned) return fail(planned);
    ports.set(originKey(next), planned.port);
    hop = planned;
  }
}

/**
 * Connections being opened (TCP + TLS) at most at once, across every fetch in the process. TLS handshakes are CPU
 * work: a thousand started together on two cores make each wait for the others, and a timer that counted that
 * wait would blame the server for our own burst. An attempt's clock starts when it is let through.
 */
export const CONNECTING_AT_ONCE = 64;
const connectGate = pLimit(CONNECTING_AT_ONCE);

/** Wait for a place to open a connection; the returned function gives it back (safe to call twice). */
function enterConnectGate(): Promise<() => void> {
  return new Promise((admitted) => {
    void connectGate(
      () =>
        new Promise<void>((leave) => {
          let left = false;
          admitted(() => {
            if (!left) {
              left = true;
              leave();
            }
          });
        }),
    );
  });
}

/** Fetch `req.url` as one attempt. Never throws, never outlives `timeoutMs` (from its admission) or the deadline signal. */
export async function fetchPinned(req: FetchRequest): Promise<FetchResult> {
  const leaveGate = await enterConnectGate();
  const started = performance.now();
  const controller = new AbortController();
  const meter: ReceiveMeter = { read: null, mark: null };
  const wait = Math.max(1, req.timeoutMs);
  const timeOut = (): void => controller.abort(codedError('ETIMEDOUT', `attempt timed out after ${req.timeoutMs} ms`));
  // Two steps, the first only on an attempt still running at three quarters of its wait (a healthy run's end
  // long before): it marks what had arrived by then, so a timeout can tell a stream gone silent from one trickling.
  let timer = setTimeout(() => {
    if (meter.read) meter.mark = { bytes: meter.read(), read: meter.read };
    timer = setTimeout(timeOut, wait - Math.floor(wait * 0.75));
  }, Math.floor(wait * 0.75));
  const onDeadline = (): void => controller.abort(codedError('DEADLINE', 'the run deadline passed'));
  if (req.signal?.aborted) onDeadline();
  const stopWaiting = req.signal ? onAbort(req.signal, onDeadline) : noop;

  let result: FetchResult;
  try {
    result = await attempt(req, controller.signal, started, leaveGate, meter);
  } catch (err) {
    // A bug, not a network failure; still a record rather than a crash.
    const address = req.target.kind === 'address' ? req.target.address : null;
    result = { ...emptyFetchResult(req.url, address, 0), error: toProbeError(err, 'EINTERNAL'), failedPhase: 'request' };
  } finally {
    leaveGate();
    clearTimeout(timer);
    stopWaiting();
  }
  return { ...result, timings: { ...result.timings, totalMs: elapsedMs(started) } };
}
