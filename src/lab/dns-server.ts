// A programmable DNS server on loopback, for tests and for the drill lab: it answers from records
// given as data, like a recursive resolver would (CNAMEs followed within its data, SOA in the
// authority section of NXDOMAIN and NODATA answers), and misbehaves on request: per-query faults,
// delays and Extended DNS Errors are functions of (name, type), so they may change while it runs.
// It listens on UDP and TCP at the same address and port, and optionally serves DoH (RFC 8484).

import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type tls from 'node:tls';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Packet } from 'dns-packet';

export type DnsFault = 'servfail' | 'nxdomain' | 'refused' | 'silent' | 'garbage' | 'truncate' | 'empty';

export interface DnsZoneData {
  /** Records the server answers with, keyed by lower-case name without trailing dot. */
  records: Record<string, { A?: string[]; AAAA?: string[]; CNAME?: string; NS?: string[]; TXT?: string[]; MX?: Array<{ preference: number; exchange: string }>; ttl?: number }>;
  /**
   * Zone apexes it is authoritative for: their SOA goes in the authority section of NODATA and
   * NXDOMAIN answers, so a client asking NS for "www.shop.test" learns the zone is "shop.test".
   */
  zones: string[];
}

export interface DnsServerOptions {
  /** A loopback address, e.g. '127.0.0.53' or '::1'. */
  host: string;
  /** 0 or absent: pick a free port (the same one for UDP and TCP). */
  port?: number;
  data: DnsZoneData;
  /** Per-query fault injection; consulted on every query. */
  /** `checkingDisabled`: the query set CD (RFC 4035 3.2.2), asking for the data even when it fails validation. */
  fault?: (name: string, type: string, checkingDisabled: boolean) => DnsFault | null;
  delayMs?: number | ((name: string, type: string) => number);
  /** Attach an RFC 8914 EDE option to the reply (only when the query carried EDNS, as the RFC requires). */
  ede?: (name: string, type: string, checkingDisabled: boolean) => { code: number; text: string } | null;
  /** Set the AD bit (a validating resolver vouching for the answer, RFC 4035 3.2.3) on replies to these questions. */
  authenticated?: (name: string, type: string) => boolean;
  /** Answer DoH requests with this HTTP status and no DNS message (e.g. 500); null = answer normally. */
  dohStatus?: (name: string, type: string) => number | null;
  /**
   * Also serve DoH over HTTPS at https://host:port/dns-query (GET and POST), HTTP/1.1. `closeAtRequest`: a connection
   * is closed, unanswered, when that many requests have come on it — a kept-alive connection the server closed (its
   * idle timeout, its request limit) just as the client sent a query on it. `silentFromRequest`: from that request
   * on, a connection answers nothing and stays open — as one goes silent behind a network that cuts connections after a
   * number of bytes (netns.ts cutConnectionsAfter does it on the wire; this does it for one server, in any test).
   */
  doh?: { cert: string; key: string; port?: number; closeAtRequest?: number; silentFromRequest?: number };
}

export interface RunningDnsServer {
  host: string;
  port: number;
  dohUrl: string | null;
  /** Queries received on all transports, retransmissions included. */
  readonly queries: number;
  /**
   * How many times each question ("name TYPE") was asked, a retransmission (the same id again over UDP or TCP) not
   * counted again; over DoH, whose id is 0 (RFC 8484 §4.1), each request counts.
   */
  askedQuestions(): Map<string, number>;
  /** Each DoH connection accepted so far, by the protocol it agreed on (ALPN: 'http/1.1'; 'none' without). */
  dohConnections(): string[];
  /** The most DoH requests it held unanswered at once. */
  dohPeakInFlight(): number;
  close(): Promise<void>;
}

type Transport = 'udp' | 'tcp' | 'doh';

const DEFAULT_TTL = 300;
const SOA_TTL = 60;
/** The largest UDP reply for a query without EDNS (RFC 1035). */
const CLASSIC_UDP_LIMIT = 512;
const MAX_CNAME_HOPS = 16;
const MAX_DOH_BODY = 65_535;

// ───────────────────────────── answering (pure) ─────────────────────────────

interface Resolution {
  rcode: 'NOERROR' | 'NXDOMAIN' | 'REFUSED';
  answers: Answer[];
  authorities: Answer[];
}

function normalize(name: string): string {
  return name.toLowerCase().replace(/\.+$/, '');
}

/** The longest configured zone that contains `name`, or null. */
export function zoneOf(name: string, zones: string[]): string | null {
  let best: string | null = null;
  for (const raw of zones) {
    const zone = normalize(raw);
    const inside = name === zone || name.endsWith(`.${zone}`) || zone === '';
    if (inside && (best === null || zone.length > best.length)) best = zone;
  }
  return best;
}

function soaRecord(zone: string, data: DnsZoneData): Answer {
  const primary = data.records[zone]?.NS?.[0] ?? `ns.${zone}`;
  return {
    type: 'SOA',
    name: zone,
    ttl: SOA_TTL,
    class: 'IN',
    data: { mname: primary, rname: `hostmaster.${zone}`, serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: SOA_TTL },
  };
}

/** A name with no records of its own but records below it exists all the same (an empty non-terminal). */
function nameExists(name: string, data: DnsZoneData): boolean {
  return name in data.records || Object.keys(data.records).some((owner) => normalize(owner).endsWith(`.${name}`));
}

/**
 * The records a wildcard synthesises for a name that does not exist (RFC 4592 §3.3.1): those of `*.<closest
 * encloser>`, the closest encloser being the deepest existing ancestor. None when the name exists, or its closest
 * encloser has no wildcard.
 */
function wildcardRecord(name: string, data: DnsZoneData): DnsZoneData['records'][string] | undefined {
  if (nameExists(name, data)) return undefined;
  for (let dot = name.indexOf('.'); dot !== -1; dot = name.indexOf('.', dot + 1)) {
    const ancestor = name.slice(dot + 1);
    if (nameExists(ancestor, data)) return data.records[`*.${ancestor}`];
  }
  return undefined;
}

/**
 * The answer a recursive resolver holding `data` would give: the CNAME chain from `name`, then the
 * records of `type` at its end; NODATA or NXDOMAIN with the zone's SOA when there are none; REFUSED
 * for names outside both the data and the zones (the server is not a resolver for the whole DNS).
 */
export function resolveFromData(qname: string, type: string, data: DnsZoneData): Resolution {
  const answers: Answer[] = [];
  let current = normalize(qname);
  const seen = new Set([current]);
  for (let hops = 0; hops < MAX_CNAME_HOPS; hops++) {
    const target = data.records[current]?.CNAME;
    if (!target || type === 'CNAME') break;
    answers.push({ type: 'CNAME', name: current, ttl: data.records[current]?.ttl ?? DEFAULT_TTL, class: 'IN', data: normalize(target) });
    if (seen.has(normalize(target))) break; // a loop: the chain is shown up to the repeat, like a resolver would
    current = normalize(target);
    seen.add(current);
  }

  const record = data.records[current] ?? wildcardRecord(current, data);
  const ttl = record?.ttl ?? DEFAULT_TTL;
  const zone = zoneOf(current, data.zones);
  const authorities = zone !== null ? [soaRecord(zone, data)] : [];

  if (record) {
    if ((type === 'A' || type === 'AAAA' || type === 'NS' || type === 'TXT' || type === 'MX') && record[type]?.length) {
      for (const value of record[type] ?? []) answers.push({ type, name: current, ttl, class: 'IN', data: value } as Answer);
      return { rcode: 'NOERROR', answers, authorities: [] };
    }
    if (type === 'CNAME' && record.CNAME) {
      answers.push({ type: 'CNAME', name: current, ttl, class: 'IN', data: normalize(record.CNAME) });
      return { rcode: 'NOERROR', answers, authorities: [] };
    }
  }
  if (type === 'SOA' && zone === current) return { rcode: 'NOERROR', answers: [...answers, soaRecord(zone, data)], authorities: [] };
  if (record || nameExists(current, data)) return { rcode: 'NOERROR', answers, authorities };
  if (zone !== null) return { rcode: 'NXDOMAIN', answers, authorities };
  // Outside the data: after a CNAME the chain is what we know; a bare unknown name is not ours to answer.
  return answers.length > 0 ? { rcode: 'NOERROR', answers, authorities: [] } : { rcode: 'REFUSED', answers, authorities: [] };
}

const RCODE_VALUES = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3, REFUSED: 5 } as const;

interface ReplyPlan {
  rcode: keyof typeof RCODE_VALUES;
  answers: Answer[];
  authorities: Answer[];
  truncated: boolean;
}

function encodeReply(query: DecodedPacket, plan: ReplyPlan, ede: { code: number; text: string } | null, authenticated = false): Buffer {
  const opt = (query.additionals ?? []).find((a) => a.type === 'OPT');
  const additionals: Answer[] = [];
  if (opt) {
    const options = ede ? [{ code: 15, data: edeData(ede) }] : [];
    additionals.push({
      type: 'OPT',
      name: '.',
      udpPayloadSize: 1232,
      extendedRcode: 0,
      ednsVersion: 0,
      flags: 0,
      flag_do: false,
      options,
    } as unknown as Answer);
  }
  const flags =
    ((query.flags ?? 0) & dnsPacket.RECURSION_DESIRED) |
    dnsPacket.RECURSION_AVAILABLE |
    (plan.truncated ? dnsPacket.TRUNCATED_RESPONSE : 0) |
    (authenticated ? dnsPacket.AUTHENTIC_DATA : 0) |
    RCODE_VALUES[plan.rcode];
  const packet: Packet = {
    type: 'response',
    id: query.id ?? 0,
    flags,
    questions: query.questions ?? [],
    answers: plan.truncated ? [] : plan.answers,
    authorities: plan.truncated ? [] : plan.authorities,
    additionals,
  };
  return dnsPacket.encode(packet);
}

function edeData(ede: { code: number; text: string }): Buffer {
  const code = Buffer.alloc(2);
  code.writeUInt16BE(ede.code & 0xffff);
  return Buffer.concat([code, Buffer.from(ede.text, 'utf8')]);
}

/** The largest UDP reply this query accepts: its EDNS payload size, or 512 without EDNS. */
function udpLimit(query: DecodedPacket): number {
  const opt = (query.additionals ?? []).find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
  return Math.max(CLASSIC_UDP_LIMIT, opt?.udpPayloadSize ?? CLASSIC_UDP_LIMIT);
}

function decodeQuery(bytes: Buffer): DecodedPacket | null {
  try {
    const packet = dnsPacket.decode(bytes);
    return packet.type === 'query' && (packet.questions?.length ?? 0) > 0 ? packet : null;
  } catch {
    return null;
  }
}

// ───────────────────────────── the server ─────────────────────────────

export async function startDnsServer(options: DnsServerOptions): Promise<RunningDnsServer> {
  let queries = 0;
  // By question: the ids it was asked with (UDP, TCP), and how many DoH requests asked it.
  const asked = new Map<string, { ids: Set<number>; doh: number }>();
  let closed = false;
  const pendingDelays = new Set<NodeJS.Timeout>();
  const tcpSockets = new Set<net.Socket>();

  const wait = (ms: number): Promise<void> =>
    ms <= 0
      ? Promise.resolve()
      : new Promise((resolve) => {
          const timer = setTimeout(() => {
            pendingDelays.delete(timer);
            resolve();
          }, ms);
          pendingDelays.add(timer);
        });

  /** The reply bytes for one query message, or null for no reply at all. */
  const respond = async (bytes: Buffer, transport: Transport): Promise<Buffer | null> => {
    queries += 1;
    const query = decodeQuery(bytes);
    if (!query) return null;
    const question = query.questions![0]!;
    const name = normalize(question.name);
    const type = question.type;
    const seen = asked.get(`${name} ${type}`) ?? { ids: new Set<number>(), doh: 0 };
    asked.set(`${name} ${type}`, seen);
    if (transport === 'doh') seen.doh += 1;
    else seen.ids.add(query.id ?? 0);
    const delay = typeof options.delayMs === 'function' ? options.delayMs(name, type) : (options.delayMs ?? 0);
    await wait(delay);
    if (closed) return null;

    const checkingDisabled = ((query.flags ?? 0) & dnsPacket.CHECKING_DISABLED) !== 0;
    const fault = options.fault?.(name, type, checkingDisabled) ?? null;
    if (fault === 'silent') return null;
    if (fault === 'garbage') return randomBytes(16 + Math.floor(Math.random() * 48));

    const ede = options.ede?.(name, type, checkingDisabled) ?? null;
    const plan: ReplyPlan =
      fault === 'servfail' || fault === 'refused' || fault === 'nxdomain'
        ? { rcode: fault === 'servfail' ? 'SERVFAIL' : fault === 'refused' ? 'REFUSED' : 'NXDOMAIN', answers: [], authorities: [], truncated: false }
        : fault === 'empty'
          ? { rcode: 'NOERROR', answers: [], authorities: [], truncated: false }
          : { ...resolveFromData(name, type, options.data), truncated: fault === 'truncate' && transport === 'udp' };
    const authenticated = plan.rcode === 'NOERROR' && (options.authenticated?.(name, type) ?? false);
    const reply = encodeReply(query, plan, ede, authenticated);
    // A reply too large for the client's UDP size goes out truncated, so the client retries over TCP.
    if (transport === 'udp' && reply.length > udpLimit(query)) return encodeReply(query, { ...plan, truncated: true }, ede, authenticated);
    return reply;
  };

  const onUdpQuery = (udp: dgram.Socket) => (message: Buffer, peer: dgram.RemoteInfo) => {
    void respond(message, 'udp').then((reply) => {
      if (reply && !closed) udp.send(reply, peer.port, peer.address, () => undefined);
    });
  };
  const onTcpConnection = (socket: net.Socket): void => {
    tcpSockets.add(socket);
    socket.on('close', () => tcpSockets.delete(socket));
    socket.on('error', () => undefined);
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2) {
        const length = pending.readUInt16BE(0);
        if (pending.length < 2 + length) break;
        const message = pending.subarray(2, 2 + length);
        pending = pending.subarray(2 + length);
        void respond(message, 'tcp').then((reply) => {
          if (reply && !closed && socket.writable) socket.write(Buffer.concat([lengthPrefix(reply.length), reply]));
        });
      }
    });
  };
  const { udp, tcp, port } = await bindUdpAndTcp(options.host, options.port ?? 0, onUdpQuery, onTcpConnection);

  /** DoH may answer with an HTTP status instead of a DNS message; either way the query counts. */
  const respondDoh = async (bytes: Buffer): Promise<DohResponse> => {
    const question = decodeQuery(bytes)?.questions?.[0];
    const status = question ? (options.dohStatus?.(normalize(question.name), question.type) ?? null) : null;
    if (status === null) return { reply: await respond(bytes, 'doh'), isQuery: question !== undefined };
    queries += 1;
    return { status };
  };

  let dohServer: https.Server | null = null;
  let dohUrl: string | null = null;
  /** The protocol each DoH connection accepted agreed on (ALPN), in order. */
  const dohProtocols: string[] = [];
  let dohInFlight = 0;
  let dohPeak = 0;
  if (options.doh) {
    const { cert, key, closeAtRequest = Infinity, silentFromRequest = Infinity } = options.doh;
    const carried = new WeakMap<net.Socket, number>();
    const handle = (req: IncomingMessage, res: ServerResponse) => {
      const count = (carried.get(req.socket) ?? 0) + 1;
      carried.set(req.socket, count);
      if (count === closeAtRequest) {
        req.socket.destroy();
        return;
      }
      if (count >= silentFromRequest) return;
      dohInFlight += 1;
      dohPeak = Math.max(dohPeak, dohInFlight);
      res.once('close', () => (dohInFlight -= 1));
      void serveDoh(req, res, respondDoh);
    };
    dohServer = https.createServer({ cert, key, ALPNProtocols: ['http/1.1'] }, handle);
    dohServer.on('secureConnection', (socket: tls.TLSSocket) => dohProtocols.push(socket.alpnProtocol || 'none'));
    try {
      await listen(dohServer, options.host, options.doh.port ?? 0);
    } catch (err) {
      udp.close();
      tcp.close();
      throw err;
    }
    const address = dohServer.address() as net.AddressInfo;
    const hostInUrl = net.isIPv6(options.host) ? `[${options.host}]` : options.host;
    dohUrl = `https://${hostInUrl}:${address.port}/dns-query`;
  }

  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    for (const timer of pendingDelays) clearTimeout(timer);
    pendingDelays.clear();
    for (const socket of tcpSockets) socket.destroy();
    await Promise.all([
      new Promise<void>((resolve) => udp.close(() => resolve())),
      new Promise<void>((resolve) => tcp.close(() => resolve())),
      dohServer
        ? new Promise<void>((resolve) => {
            dohServer!.close(() => resolve());
            dohServer!.closeAllConnections();
          })
        : Promise.resolve(),
    ]);
  };

  return {
    host: options.host,
    port,
    dohUrl,
    dohConnections: () => [...dohProtocols],
    dohPeakInFlight: () => dohPeak,
    askedQuestions: () => new Map([...asked].map(([question, seen]) => [question, seen.ids.size + seen.doh])),
    get queries() {
      return queries;
    },
    close,
  };
}

function lengthPrefix(length: number): Buffer {
  const prefix = Buffer.alloc(2);
  prefix.writeUInt16BE(length);
  return prefix;
}

type DohResponse = { status: number } | { reply: Buffer | null; isQuery: boolean };

async function serveDoh(
  req: IncomingMessage,
  res: ServerResponse,
  respondDoh: (bytes: Buffer) => Promise<DohResponse>,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://lab.invalid');
  if (url.pathname !== '/dns-query') return void res.writeHead(404).end();

  let message: Buffer;
  if (req.method === 'GET') {
    const encoded = url.searchParams.get('dns');
    if (!encoded) return void res.writeHead(400).end('missing dns parameter');
    message = Buffer.from(encoded, 'base64url');
  } else if (req.method === 'POST') {
    const body = await readBody(req, MAX_DOH_BODY);
    if (!body) return void res.writeHead(413).end();
    message = body;
  } else {
    return void res.writeHead(405, { allow: 'GET, POST' }).end();
  }

  const response = await respondDoh(message);
  if ('status' in response) {
    return void res.writeHead(response.status, { 'content-type': 'text/plain' }).end(`status ${response.status}\n`);
  }
  if (!response.reply) {
    // 'silent' over DoH: leave the request hanging; close() ends the connection.
    if (!response.isQuery) res.writeHead(400).end('not a DNS query');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/dns-message', 'content-length': response.reply.length }).end(response.reply);
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let total = 0;
    req.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > limit) {
        resolve(null);
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve(null));
  });
}

/**
 * A UDP socket and a TCP server on the same address and port. With port 0 the kernel picks the UDP
 * port, which may be taken for TCP: then both are let go and the pick is tried again.
 */
async function bindUdpAndTcp(
  host: string,
  requestedPort: number,
  onUdpQuery: (udp: dgram.Socket) => (message: Buffer, peer: dgram.RemoteInfo) => void,
  onTcpConnection: (socket: net.Socket) => void,
): Promise<{ udp: dgram.Socket; tcp: net.Server; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const udp = dgram.createSocket({ type: net.isIPv6(host) ? 'udp6' : 'udp4' });
    udp.on('message', onUdpQuery(udp));
    const port = await bindUdp(udp, host, requestedPort);
    udp.on('error', () => undefined);
    try {
      udp.setRecvBufferSize(4 << 20); // a burst of hundreds of queries must not overflow it
    } catch {
      // capped by the host; the default still serves small tests
    }
    const tcp = net.createServer(onTcpConnection);
    try {
      await listen(tcp, host, port);
      return { udp, tcp, port };
    } catch (err) {
      udp.close();
      const inUse = (err as { code?: unknown }).code === 'EADDRINUSE';
      if (!inUse || requestedPort !== 0 || attempt >= 20) throw err;
    }
  }
}

function bindUdp(socket: dgram.Socket, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind({ address: host, port, exclusive: true }, () => {
      socket.off('error', reject);
      resolve(socket.address().port);
    });
  });
}

function listen(server: net.Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
