// Opening the connection ourselves, before undici sees it. That is how a fetch
//   - goes to an exact address (the site's name is never resolved here),
//   - measures connect and TLS as separate phases,
//   - keeps the peer certificate even when it is bad (verification is recorded, not enforced by the handshake),
//   - can tunnel through an HTTP CONNECT proxy first.
// The open socket is then handed to an undici Client through `socketConnector`.

import net, { type Socket } from 'node:net';
import { formatIpAndPort, ipFamily } from '../../util/ip.js';
import tls, { type PeerCertificate, type TLSSocket } from 'node:tls';
import type { buildConnector } from 'undici';
import type { CertificateInfo, ProbeError } from '../../model.js';
import { recentValues } from '../../util/recent.js';
import { toProbeError } from '../../util/errors.js';
import { onAbort } from '../../util/abort.js';
import { noop } from '../../util/collections.js';
import { secureContextFor } from '../../util/secure-context.js';
import { safeLine } from '../../util/text.js';
import { elapsedMs } from '../../util/time.js';
import { stalledMs } from '../../util/stall-clock.js';
import { publicRootOf, UNKNOWN_ISSUER_ERRORS } from '../../util/public-roots.js';
import { connectLookup } from '../../util/lookup-helper.js';

export type ConnectPhase = 'connect' | 'proxy' | 'tls';

export interface ConnectPlan {
  /** Where TCP goes: the site's address, or the proxy when `tunnel` is set. */
  address: string;
  port: number;
  /** Ask the proxy at address:port for a CONNECT tunnel to this host and port. */
  tunnel: { host: string; port: number } | null;
  /** TLS over the connection: `host` is the SNI (unless an IP literal) and the name the certificate must match. */
  tls: { host: string; ca: string | null } | null;
  /** Abort → the attempt ends in the phase it was in, with the abort reason as its error. */
  signal: AbortSignal;
}

export interface OpenConnection {
  ok: true;
  socket: Socket;
  /** TCP connect, plus the CONNECT exchange when tunnelling. */
  connectMs: number;
  /** Of connectMs, how long this process's event loop could not run. */
  connectStalledMs: number;
  tlsMs: number | null;
  cert: CertificateInfo | null;
  /** Negotiated ALPN protocol ("h2", "http/1.1"), null for none. */
  alpn: string | null;
  /** Bytes received on the TCP connection so far, as the network carried them (TLS records and all). */
  receivedBytes(): number;
  destroy(): void;
}

export interface FailedConnection {
  ok: false;
  phase: ConnectPhase;
  error: ProbeError;
  connectMs: number | null;
  /** Of connectMs, or of the failed connect's own time when it never opened: how long this process could not run. */
  connectStalledMs: number | null;
  tlsMs: number | null;
  cert: CertificateInfo | null;
  /** Bytes received on the TCP connection before it failed; null when it never opened. */
  receivedBytes: number | null;
}

const ALPN = ['h2', 'http/1.1'];
const MAX_PROXY_REPLY_BYTES = 16 * 1024;
const MAX_SUBJECT_ALT_NAMES = 100;

const CERT_ERROR_TEXT: Record<string, string> = {
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  CERT_REVOKED: 'certificate revoked',
};

function codedError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/** Resolve on `event`; reject on error, early close or abort. Listeners are removed either way. */
function waitFor(socket: Socket, event: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let stopWaiting: () => void = noop;
    const done = (): void => {
      socket.off(event, onEvent).off('error', onError).off('close', onClose);
      stopWaiting();
    };
    const onEvent = (): void => (done(), resolve());
    const onError = (err: Error): void => (done(), reject(err));
    const onClose = (): void => (done(), reject(codedError('ECONNRESET', 'connection closed by the peer')));
    const aborted = (): void => (done(), reject(signal.reason));
    if (signal.aborted) return aborted();
    socket.once(event, onEvent).once('error', onError).once('close', onClose);
    stopWaiting = onAbort(signal, aborted);
  });
}

/** Send CONNECT and read the proxy's reply head (bounded); anything after the head goes back to the socket. */
async function openTunnel(socket: Socket, target: { host: string; port: number }, signal: AbortSignal): Promise<void> {
  const authority = formatIpAndPort(target.host, target.port);
  socket.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
  const reply = await new Promise<Buffer>((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    let stopWaiting: () => void = noop;
    const done = (): void => {
      socket.off('data', onData).off('error', onError).off('close', onClose);
      stopWaiting();
    };
    const onData = (data: Buffer): void => {
      buffered = Buffer.concat([buffered, data]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end !== -1) {
        done();
        // Normally empty: the client speaks first on both HTTP and TLS.
        const rest = buffered.subarray(end + 4);
        if (rest.length > 0) socket.unshift(rest);
        resolve(buffered.subarray(0, end));
      } else if (buffered.length > MAX_PROXY_REPLY_BYTES) {
        done();
        reject(codedError('PROXY_BAD_REPLY', `proxy reply head larger than ${MAX_PROXY_REPLY_BYTES} bytes`));
      }
    };
    const onError = (err: Error): void => (done(), reject(err));
    const onClose = (): void => (done(), reject(codedError('PROXY_CLOSED', 'proxy closed the connection before answering CONNECT')));
    const aborted = (): void => (done(), reject(signal.reason));
    if (signal.aborted) return aborted();
    socket.on('data', onData).once('error', onError).once('close', onClose);
    stopWaiting = onAbort(signal, aborted);
  });
  const [statusLine = '', ...headerLines] = reply.toString('latin1').split('\r\n');
  const status = /^HTTP\/\d(?:\.\d)? (\d{3})/.exec(statusLine)?.[1];
  if (!status) throw codedError('PROXY_BAD_REPLY', `proxy answered CONNECT with: ${safeLine(statusLine, 120)}`);
  if (!status.startsWith('2')) throw codedError(`PROXY_${status}`, `proxy refused CONNECT ${authority}: ${safeLine(statusLine, 120)}${proxyErrorDetail(headerLines)}`);
}

/**
 * What a proxy says of its refusal beyond the status, for the message: RFC 9209's `Proxy-Status` (its error type,
 * dns_timeout to connection_refused, §2.3) and Squid's `X-Squid-Error` (its error page's name and the errno it got:
 * "ERR_CONNECT_FAIL 111" is ECONNREFUSED from the site's server). Empty when it says neither.
 */
function proxyErrorDetail(headerLines: string[]): string {
  const said = headerLines.filter((line) => /^(proxy-status|x-squid-error):/i.test(line)).map((line) => safeLine(line, 160));
  return said.length > 0 ? ` (${said.slice(0, 2).join('; ')})` : '';
}

function distinguishedName(name: Record<string, string | string[]> | undefined): string {
  if (!name) return '';
  const parts = Object.entries(name).flatMap(([key, value]) => (Array.isArray(value) ? value : [value]).map((v) => `${key}=${v}`));
  return safeLine(parts.join(', '), 500);
}

function isoDate(text: string | undefined): string {
  const date = new Date(text ?? '');
  return Number.isNaN(date.getTime()) ? safeLine(text ?? '') : date.toISOString();
}

/** "DNS:a.test, IP Address:127.0.0.1" → ["a.test", "127.0.0.1"]. */
function subjectAltNames(text: string | undefined): string[] {
  if (!text) return [];
  return text
    .split(', ')
    .slice(0, MAX_SUBJECT_ALT_NAMES)
    .map((entry) => safeLine(entry.replace(/^(DNS|IP Address):/, ''), 255));
}

// Sites behind one edge are mostly served one certificate (a CDN's shared one, a wildcard): its record is made once
// while it is recent, and every attempt that saw it keeps that one.
const recentCertificates = recentValues<CertificateInfo>(512);

export function certificateInfo(cert: PeerCertificate, authorized: boolean, authorizationError: string | null): CertificateInfo {
  if (!cert.fingerprint256) return describeCertificate(cert, authorized, authorizationError);
  return recentCertificates.get(`${cert.fingerprint256} ${authorized} ${authorizationError}`, () => describeCertificate(cert, authorized, authorizationError));
}

function describeCertificate(cert: PeerCertificate, authorized: boolean, authorizationError: string | null): CertificateInfo {
  return {
    subject: distinguishedName(cert.subject as unknown as Record<string, string | string[]>),
    issuer: distinguishedName(cert.issuer as unknown as Record<string, string | string[]>),
    validFrom: isoDate(cert.valid_from),
    validTo: isoDate(cert.valid_to),
    subjectAltNames: subjectAltNames(cert.subjectaltname),
    authorized,
    authorizationError,
  };
}

/**
 * Chain verification (from the handshake) and name check (tls.checkServerIdentity), as a record. `handed` is the
 * certificate Node handed to checkServerIdentity during the handshake, when it did.
 */
function verifyPeer(socket: TLSSocket, host: string, handed: PeerCertificate | null): { cert: CertificateInfo | null; error: ProbeError | null } {
  const peer = handed ?? socket.getPeerCertificate(false);
  const hasCert = peer && Object.keys(peer).length > 0;
  let error: ProbeError | null = null;
  if (!socket.authorized) {
    const code = String(socket.authorizationError ?? 'CERT_UNTRUSTED');
    error = { code, message: `${CERT_ERROR_TEXT[code] ?? 'certificate verification failed'} (${code})` };
  } else if (!hasCert) {
    error = { code: 'CERT_MISSING', message: 'the server sent no certificate' };
  } else {
    const mismatch = tls.checkServerIdentity(host, peer);
    if (mismatch) error = toProbeError(mismatch, 'ERR_TLS_CERT_ALTNAME_INVALID');
  }
  const cert = hasCert ? certificateInfo(peer, error === null, error?.code ?? null) : null;
  const publicRoot = cert && error && UNKNOWN_ISSUER_ERRORS.has(error.code) ? refusedPublicRoot(socket) : null;
  return { cert: publicRoot ? { ...cert!, publicRoot } : cert, error };
}

/** The public root a chain refused for its issuer leads to (util/public-roots.ts), or null. */
function refusedPublicRoot(socket: TLSSocket): string | null {
  try {
    const leaf = socket.getPeerX509Certificate();
    return leaf ? publicRootOf(leaf) : null;
  } catch {
    return null;
  }
}

/** Open TCP (optionally through a CONNECT proxy) and TLS. Never throws: failures come back with their phase. */
export async function openConnection(plan: ConnectPlan): Promise<OpenConnection | FailedConnection> {
  const start = performance.now();
  const stalledAtStart = stalledMs();
  let phase: ConnectPhase = plan.tunnel ? 'proxy' : 'connect';
  let connectMs: number | null = null;
  let connectStalledMs: number | null = null;
  let tlsMs: number | null = null;
  let cert: CertificateInfo | null = null;
  // A proxy named by host name is looked up in the lookup helper: never a getaddrinfo here that holds the exit.
  const raw = net.connect({ host: plan.address, port: plan.port, noDelay: true, lookup: connectLookup });
  raw.on('error', noop); // errors are read through waitFor; this keeps late ones from crashing the process
  let tlsSocket: TLSSocket | null = null;
  let opened = false;
  const destroy = (): void => {
    tlsSocket?.destroy();
    raw.destroy();
  };
  // The TCP socket's count, which a TLS socket wrapping it keeps up to date: the wire's bytes, not the plaintext.
  const receivedBytes = (): number => raw.bytesRead;
  const fail = (err: unknown): FailedConnection => {
    destroy();
    // A connect that failed: how long of it this process could not run (a failure the kernel gave at once is read late
    // by a starved process, and "at once" is how classify tells this host's missing route from a router's answer).
    if (!opened) connectStalledMs = Math.min(elapsedMs(start), Math.round((stalledMs() - stalledAtStart) * 10) / 10);
    const error = toProbeError(plan.signal.aborted ? plan.signal.reason : err, 'ECONNECT');
    return { ok: false, phase, error, connectMs, connectStalledMs, tlsMs, cert, receivedBytes: opened ? receivedBytes() : null };
  };

  try {
    await waitFor(raw, 'connect', plan.signal);
    opened = true;
    if (plan.tunnel) await openTunnel(raw, plan.tunnel, plan.signal);
    connectMs = elapsedMs(start);
    // A loop that could not run reads the connect late: said beside it, so a long connect is not taken for the network's.
    connectStalledMs = Math.min(connectMs, Math.round((stalledMs() - stalledAtStart) * 10) / 10);
    if (!plan.tls) return { ok: true, socket: raw, connectMs, connectStalledMs, tlsMs, cert, alpn: null, receivedBytes, destroy };

    phase = 'tls';
    const tlsStart = performance.now();
    const host = plan.tls.host;
    let handed: PeerCertificate | null = null;
    tlsSocket = tls.connect({
      socket: raw,
      // RFC 6066: no SNI for an IP literal.
      ...(ipFamily(host) ? {} : { servername: host }),
      ALPNProtocols: ALPN,
      secureContext: secureContextFor(plan.tls.ca),
      // Verification is recorded, not enforced, so a bad certificate is still described in the result.
      rejectUnauthorized: false,
      checkServerIdentity: (_host, peer) => {
        handed = peer;
        return undefined;
      },
    });
    // Node reads the peer's whole chain as JS objects (getPeerCertificate(true)) to hand to checkServerIdentity:
    // 0.7 ms a handshake, most of the TLS CPU of a run. Nothing here reads past the leaf, so it gets the leaf.
    const leafOnly = tlsSocket.getPeerCertificate.bind(tlsSocket, false);
    tlsSocket.getPeerCertificate = leafOnly as TLSSocket['getPeerCertificate'];
    tlsSocket.on('error', noop);
    await waitFor(tlsSocket, 'secureConnect', plan.signal);
    tlsMs = elapsedMs(tlsStart);
    const verdict = verifyPeer(tlsSocket, host, handed);
    cert = verdict.cert;
    if (verdict.error) {
      destroy();
      return { ok: false, phase, error: verdict.error, connectMs, connectStalledMs, tlsMs, cert, receivedBytes: receivedBytes() };
    }
    const alpn = typeof tlsSocket.alpnProtocol === 'string' ? tlsSocket.alpnProtocol : null;
    return { ok: true, socket: tlsSocket, connectMs, connectStalledMs, tlsMs, cert, alpn, receivedBytes, destroy };
  } catch (err) {
    return fail(err);
  }
}

/**
 * An undici connector that hands over one already-open socket. A second call (undici reconnecting after the
 * socket died) gets an error instead of a new connection: one attempt is one connection.
 */
export function socketConnector(socket: Socket): buildConnector.connector {
  let used = false;
  let lastError: Error | null = null;
  socket.on('error', (err: Error) => {
    lastError = err;
  });
  // Called back on a later tick: undici's dispatch loop is not re-entrant, and a synchronous answer
  // would leave the request queued forever.
  return (_options, callback) => {
    const reuse = used || socket.destroyed;
    used = true;
    process.nextTick(() => {
      if (reuse) callback(lastError ?? codedError('UND_ERR_SOCKET', 'connection closed before the request was sent'), null);
      else callback(null, socket);
    });
  };
}
