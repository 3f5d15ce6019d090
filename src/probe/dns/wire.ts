// The DNS wire format, shared by every transport: build a query, decode a reply, decide whether a reply
// answers our query, and turn the reply into the fields of a DnsAnswer. Pure: no sockets here.

import { randomInt } from 'node:crypto';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket } from 'dns-packet';
import type { DnsOutcome, DnsRecord, DnsType, ExtendedDnsError, ProbeError, ResolverKind } from '../../model.js';
import { safeLine } from '../../util/text.js';
import { recentStrings } from '../../util/recent.js';
import { formatIpAndPort } from '../../util/ip.js';

export type DnsTransport = ResolverKind;

/** What one transport exchange produced: a reply that answers our query, or why there is none. */
export type Exchange =
  | { kind: 'reply'; reply: DecodedPacket; transport: DnsTransport; server: string }
  | {
      kind: 'failure';
      outcome: 'timeout' | 'network-error';
      error: ProbeError;
      transport: DnsTransport;
      server: string;
    };

/** The EDNS0 payload size we advertise (the DNS Flag Day 2020 value: fits any path MTU without fragments). */
export const EDNS_UDP_PAYLOAD_SIZE = 1232;
/** RFC 8914 Extended DNS Error option code. */
export const EDE_OPTION_CODE = 15;

/** Lower case, no trailing dot, no control characters: the form every reported name takes. */
export function normalizeName(name: string): string {
  const lower = safeLine(name, 1024).toLowerCase();
  return lower === '.' ? '.' : lower.replace(/\.+$/, '');
}

export function randomQueryId(): number {
  return randomInt(0, 0x10000);
}

/**
 * A recursive query (RD set) for one name and type, with an EDNS0 OPT record so servers may attach EDEs, and the
 * AD bit set, which asks a validating resolver to say whether it validated the answer (RFC 6840 5.7). NS questions
 * also set CD (checking disabled, RFC 4035 3.2.2): they are asked only to learn a zone's apex and who serves it,
 * which a zone whose signatures fail validation still shows; its address questions, asked without CD, fail.
 */
export function encodeQuery(name: string, type: DnsType, id: number): Buffer {
  return dnsPacket.encode({
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.AUTHENTIC_DATA | (type === 'NS' ? dnsPacket.CHECKING_DISABLED : 0),
    questions: [{ type, name, class: 'IN' }],
    additionals: [
      {
        type: 'OPT',
        name: '.',
        udpPayloadSize: EDNS_UDP_PAYLOAD_SIZE,
        extendedRcode: 0,
        ednsVersion: 0,
        flags: 0,
        flag_do: false,
        options: [],
      },
    ],
  });
}

/** The decoded message, or null when the bytes are not a DNS message. */
export function decodeMessage(bytes: Uint8Array): DecodedPacket | null {
  try {
    return dnsPacket.decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch {
    return null;
  }
}

/**
 * True when `reply` is the response to our query: same id, a response, and the same question.
 * Anything else is an off-path, stray or forged packet and must be ignored, not believed.
 */
export function answersQuery(reply: DecodedPacket, id: number, name: string, type: DnsType): boolean {
  if (reply.id !== id || reply.type !== 'response') return false;
  const question = reply.questions?.[0];
  if (!question || reply.questions?.length !== 1) return false;
  return question.type === type && normalizeName(question.name) === normalizeName(name);
}

/** Base64url without padding, as RFC 8484 wants in `?dns=`. */
export function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

// ───────────────────────────── reply → answer fields ─────────────────────────────

type OptRecord = Extract<Answer, { type: 'OPT' }>;

function optRecord(reply: DecodedPacket): OptRecord | null {
  const opt = (reply.additionals ?? []).find((a) => a.type === 'OPT');
  return opt ? (opt as OptRecord) : null;
}

/** RFC 8914: each option 15 is a 2-byte INFO-CODE followed by UTF-8 EXTRA-TEXT. */
export function extendedErrors(reply: DecodedPacket): ExtendedDnsError[] {
  const options = (optRecord(reply)?.options ?? []) as Array<{ code: number | string; data?: Buffer }>;
  const errors: ExtendedDnsError[] = [];
  for (const option of options) {
    if (Number(option.code) !== EDE_OPTION_CODE || !option.data || option.data.length < 2) continue;
    errors.push({ code: option.data.readUInt16BE(0), text: safeLine(option.data.subarray(2).toString('utf8')) });
  }
  return errors;
}

const EXTENDED_RCODE_NAMES: Record<number, string> = { 16: 'BADVERS', 23: 'BADCOOKIE' };

/** The full response code name: the header's 4 bits, extended by the OPT record's upper 8 bits. */
export function rcodeName(reply: DecodedPacket): string {
  const extended = optRecord(reply)?.extendedRcode ?? 0;
  if (extended === 0) return (reply as DecodedPacket & { rcode: string }).rcode;
  const value = (extended << 4) | ((reply.flags ?? 0) & 0xf);
  return EXTENDED_RCODE_NAMES[value] ?? `RCODE_${value}`;
}

const NAME_DATA_TYPES = new Set(['CNAME', 'NS', 'PTR', 'DNAME']);

function recordData(record: Answer): string {
  const data = (record as { data?: unknown }).data;
  if (typeof data === 'string') return NAME_DATA_TYPES.has(record.type) ? normalizeName(data) : safeLine(data);
  if (record.type === 'SOA' && data && typeof data === 'object') {
    const soa = data as { mname: string; rname: string; serial?: number; minimum?: number };
    return safeLine(`${normalizeName(soa.mname)} ${normalizeName(soa.rname)} ${soa.serial ?? 0} ${soa.minimum ?? 0}`);
  }
  if (record.type === 'MX' && data && typeof data === 'object') {
    const mx = data as { preference?: number; exchange?: string };
    return safeLine(`${mx.preference ?? 0} ${normalizeName(mx.exchange ?? '')}`);
  }
  if (record.type === 'SRV' && data && typeof data === 'object') {
    const srv = data as { priority?: number; weight?: number; port?: number; target?: string };
    return safeLine(`${srv.priority ?? 0} ${srv.weight ?? 0} ${srv.port ?? 0} ${normalizeName(srv.target ?? '')}`);
  }
  if (record.type === 'CAA' && data && typeof data === 'object') {
    const caa = data as { flags?: number; tag?: string; value?: string };
    return safeLine(`${caa.flags ?? 0} ${caa.tag ?? ''} "${caa.value ?? ''}"`);
  }
  if (record.type === 'TXT' && Array.isArray(data)) return safeLine(data.map((part) => (Buffer.isBuffer(part) ? part.toString('utf8') : String(part))).join(''));
  if (Buffer.isBuffer(data)) return data.toString('hex');
  if (Array.isArray(data)) return safeLine(data.map((part) => String(part)).join(' '));
  return safeLine(JSON.stringify(data) ?? '');
}

// A zone's name repeats in every NS answer under it: kept once while it is recent. Equal replies are kept once
// where an answer is made (answer.ts).
const sharedText = recentStrings(4096);

function toRecord(record: Answer): DnsRecord {
  return {
    name: normalizeName(record.name),
    type: record.type,
    ttl: typeof (record as { ttl?: unknown }).ttl === 'number' ? (record as { ttl: number }).ttl : null,
    data: recordData(record),
  };
}

/** Follow CNAMEs from `name` through `records`; loops and chains longer than 16 stop the walk. */
export function cnameChainFrom(name: string, records: DnsRecord[]): string[] {
  const chain: string[] = [];
  let current = normalizeName(name);
  const seen = new Set([current]);
  while (chain.length < 16) {
    const cname = records.find((r) => r.type === 'CNAME' && r.name === current);
    if (!cname || seen.has(cname.data)) break;
    chain.push(cname.data);
    seen.add(cname.data);
    current = cname.data;
  }
  return chain;
}

export interface ReplyFields {
  outcome: DnsOutcome;
  authenticated: boolean;
  rcode: string;
  answers: DnsRecord[];
  cnameChain: string[];
  values: string[];
  zone: string | null;
  ede: ExtendedDnsError[];
  error: ProbeError | null;
}

const RCODE_OUTCOMES: Record<string, DnsOutcome> = {
  NOERROR: 'ok',
  NXDOMAIN: 'nxdomain',
  SERVFAIL: 'servfail',
  REFUSED: 'refused',
};

/**
 * What a reply says about (name, type). `empty` is NOERROR without a record of the asked type at the end
 * of the CNAME chain; rcodes other than the four common ones count as `servfail`, the true name kept in `rcode`.
 * For NS and SOA queries `zone` is the owner of the NS set, or else the SOA owner in the authority section: a
 * resolver asked NS for a host below the apex answers NODATA with the zone's SOA, which names the apex. For other
 * types `zone` is that SOA owner when the reply holds no record of the type (NODATA or NXDOMAIN, RFC 2308 §3): the
 * zone of the chain's last name, which spares the walk to the host's zone apex a question (plan.ts zoneWalkStart).
 */
export function replyFields(reply: DecodedPacket, name: string, type: DnsType): ReplyFields {
  const rcode = rcodeName(reply);
  const records = (reply.answers ?? []).filter((a) => a.type !== 'OPT').map(toRecord);
  const chain = cnameChainFrom(name, records);
  const target = chain.at(-1) ?? normalizeName(name);
  const ede = extendedErrors(reply);

  const found = records.filter((r) => r.type === type && r.name === target).map((r) => r.data);

  let zone: string | null = null;
  if (type === 'NS' || type === 'SOA' || found.length === 0) {
    const soa = (reply.authorities ?? []).find((a) => a.type === 'SOA');
    zone = found.length > 0 ? target : soa ? sharedText(normalizeName(soa.name)) : null;
  }

  const rcodeOutcome = RCODE_OUTCOMES[rcode] ?? 'servfail';
  const outcome: DnsOutcome = rcodeOutcome === 'ok' && found.length === 0 ? 'empty' : rcodeOutcome;
  const authenticated = ((reply.flags ?? 0) & dnsPacket.AUTHENTIC_DATA) !== 0;
  return { outcome, authenticated, rcode, answers: records, cnameChain: chain, values: found, zone, ede, error: replyError(outcome, rcode, target, type, ede) };
}

/** The error a reply of this outcome and rcode gives for `target` (null when it answered). */
export function replyError(
  outcome: DnsOutcome,
  rcode: string,
  target: string,
  type: DnsType,
  ede: ExtendedDnsError[],
): ProbeError | null {
  if (outcome === 'ok') return null;
  const edeText = ede.map((e) => `EDE ${e.code}${e.text ? `: ${e.text}` : ''}`).join('; ');
  const code = outcome === 'empty' ? 'NODATA' : rcode;
  const message = safeLine(outcome === 'empty' ? `no ${type} records for ${target}${edeText ? ` (${edeText})` : ''}` : `${rcode} for ${target} ${type}${edeText ? ` (${edeText})` : ''}`);
  return { code, message };
}

/** The answer fields of an exchange: the reply read, or the failure as it is. */
export function exchangeFields(exchange: Exchange, name: string, type: DnsType): Pick<ReplyFields, 'outcome' | 'error'> & Partial<ReplyFields> {
  return exchange.kind === 'reply' ? replyFields(exchange.reply, name, type) : { outcome: exchange.outcome, error: exchange.error };
}

// ───────────────────────────── exchange helpers ─────────────────────────────

/** Where a plain-DNS server listens. */
export interface WireTarget {
  address: string;
  port: number;
}

export interface ExchangeOptions {
  /** For the whole exchange, retransmissions and fallback included. */
  timeoutMs: number;
  /** The run's deadline: when it aborts, the exchange ends at once with code DEADLINE. */
  signal?: AbortSignal;
  /** Asked before each retransmission: false skips it (a resolver held to a pace is sent no more than that). */
  mayResend?: () => boolean;
}

/** "ip:port", with brackets around IPv6 addresses so the port stays readable. */
export function serverLabel(target: WireTarget): string {
  // Every answer names its server: one string per target, not one per answer.
  let label = SERVER_LABELS.get(target);
  if (label === undefined) {
    label = formatIpAndPort(target.address, target.port);
    SERVER_LABELS.set(target, label);
  }
  return label;
}

const SERVER_LABELS = new WeakMap<WireTarget, string>();

export function failure(
  outcome: 'timeout' | 'network-error',
  code: string,
  message: string,
  transport: DnsTransport,
  server: string,
): Exchange {
  return { kind: 'failure', outcome, error: { code, message: safeLine(message) }, transport, server };
}

export function deadlineFailure(transport: DnsTransport, server: string): Exchange {
  return failure('timeout', 'DEADLINE', 'the run deadline was reached before a reply', transport, server);
}

export function timeoutFailure(timeoutMs: number, transport: DnsTransport, server: string): Exchange {
  return failure('timeout', 'ETIMEDOUT', `no reply within ${Math.round(timeoutMs)} ms`, transport, server);
}

/** Only replies that did not parse or did not match our query arrived. */
export function badResponseFailure(transport: DnsTransport, server: string): Exchange {
  return failure('network-error', 'EBADRESP', 'only unparseable or mismatched replies arrived', transport, server);
}
