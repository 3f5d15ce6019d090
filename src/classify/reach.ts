// Failures this host produces itself, before any packet leaves: the kernel has no route to the address (no
// default route for the family, an IPv4-only container asked for IPv6), or no such family at all. Connect and
// send fail at once with these codes; a router on the way that reports unreachability is only heard after a
// round trip (and TCP retries a SYN on such soft errors until its timeout), so a failure that came back at once
// is this host's. Pure.

import type { Attempt, DnsAnswer } from '../model.js';

/** What connect(2), sendto(2) and getaddrinfo say when this host cannot send to the address at all. */
export const NO_ROUTE_CODES: ReadonlySet<string> = new Set(['ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL', 'EAFNOSUPPORT', 'ENETDOWN']);

/** A no-route failure later than this may be a router's ICMP answer, not this host's routing table. */
export const IMMEDIATE_MS = 250;

/**
 * The fetch failed to connect because this host has no route to its address. Time this process could not run during
 * the connect does not count against "at once": a starved process reads the kernel's instant refusal late.
 */
export function noRouteFromHere(a: Pick<Attempt, 'error' | 'failedPhase' | 'timings' | 'address'>): boolean {
  return a.address !== null && a.failedPhase === 'connect' && a.error !== null && NO_ROUTE_CODES.has(a.error.code) && a.timings.totalMs - (a.timings.connectStalledMs ?? 0) < IMMEDIATE_MS;
}

/** The query got no reply because this host has no route to the resolver. */
export function resolverUnroutable(d: Pick<DnsAnswer, 'rcode' | 'error' | 'durationMs'>): boolean {
  return d.rcode === null && d.error !== null && NO_ROUTE_CODES.has(d.error.code) && d.durationMs < IMMEDIATE_MS;
}

const NO_REPLY = new Set(['timeout', 'network-error']);

/** A reply of any kind came back (NXDOMAIN and SERVFAIL are replies; getaddrinfo's ENOTFOUND is too). */
export function replied(d: Pick<DnsAnswer, 'outcome'>): boolean {
  return !NO_REPLY.has(d.outcome);
}

/** How long a client waits before sending a SYN again: 1 s (RFC 6298 §2.1, 5.7; Linux's TCP_TIMEOUT_INIT). */
export const SYN_RESENT_MS = 1_000;

/**
 * How long a fetch's TCP connection took to open while this process could run (a starved process reads a connect
 * late: `connectStalledMs`); null when none opened.
 */
export function connectWaitMs(a: Pick<Attempt, 'timings'>): number | null {
  const { connectMs, connectStalledMs } = a.timings;
  return connectMs === null ? null : connectMs - (connectStalledMs ?? 0);
}

/** The connection opened: anything after the connect phase happened. */
export function connected(a: Pick<Attempt, 'httpStatus' | 'timings' | 'failedPhase'>): boolean {
  return a.httpStatus !== null || a.timings.connectMs !== null || (a.failedPhase !== null && !['connect', 'dns', 'proxy'].includes(a.failedPhase));
}

export function familyWord(address: string | null): string {
  return address?.includes(':') ? 'IPv6' : 'IPv4';
}

/** A question's codes for no reply: its wait ran out (glibc's: EAI_AGAIN), or it was not sent to a resolver gone silent. */
export const NO_REPLY_CODES: ReadonlySet<string> = new Set(['ETIMEDOUT', 'EAI_AGAIN', 'RESOLVER_SILENT']);

/**
 * The fetch got no address because its lookup got no reply (NO_REPLY_CODES): what a path that stopped answering does
 * to a lookup. Its outcome is a DNS error, as every failed lookup's is.
 */
export function lookupRanOut(a: Pick<Attempt, 'address' | 'failedPhase' | 'error'>): boolean {
  return a.address === null && a.failedPhase === 'dns' && a.error !== null && NO_REPLY_CODES.has(a.error.code);
}
