// Networks that intercept: a captive portal (hotel, airport Wi-Fi) answers every DNS name with its own address and
// redirects every web request to its login page, presenting a certificate for its own name; a TLS-inspecting
// proxy presents, for every site, a certificate issued by its own CA. These are the primitives; a test composes
// them inside a network namespace (netns.ts), where they may take public-looking addresses such as 1.1.1.1 (the
// "public resolver" the network answers for) and the portal's own.
//
// The TLS-interception world needs nothing new: issue every site's certificate from a second createCa('Corp
// Inspection CA') that the probes.yaml does not trust (tls.ca), on the same lab edge servers.

import dgram from 'node:dgram';
import { isIP } from 'node:net';
import dnsPacket from 'dns-packet';
import type { Answer } from 'dns-packet';
import type { Pem } from './ca.js';
import { assertLoopback, startHttpServer, type HttpBehaviour, type RunningHttpServer } from './http-server.js';

export interface HijackingResolverOptions {
  /** Where it listens (UDP); inside a namespace any alias, e.g. a public resolver's address. */
  host: string;
  port?: number;
  /** The address every A query gets. */
  ipv4: string;
  /** The address every AAAA query gets; none: AAAA queries get NOERROR with no answer, as many portals do. */
  ipv6?: string;
  ttl?: number;
}

export interface RunningHijacker {
  host: string;
  port: number;
  readonly queries: number;
  close(): Promise<void>;
}

/** The reply a hijacking resolver gives: the portal's address for every name, NODATA for other types. */
export function hijackedReply(query: dnsPacket.DecodedPacket, options: Pick<HijackingResolverOptions, 'ipv4' | 'ipv6' | 'ttl'>): Buffer {
  const question = query.questions?.[0];
  const answers: Answer[] = [];
  if (question?.type === 'A') answers.push({ type: 'A', name: question.name, ttl: options.ttl ?? 60, class: 'IN', data: options.ipv4 });
  if (question?.type === 'AAAA' && options.ipv6) answers.push({ type: 'AAAA', name: question.name, ttl: options.ttl ?? 60, class: 'IN', data: options.ipv6 });
  return dnsPacket.encode({
    type: 'response',
    id: query.id,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE,
    questions: query.questions,
    answers,
  });
}

/** A DNS server (UDP) that answers every name with one address: the DNS side of a captive portal. */
export async function startHijackingResolver(options: HijackingResolverOptions): Promise<RunningHijacker> {
  assertLoopback(options.host);
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(isIP(options.host) === 6 ? 'udp6' : 'udp4');
    let queries = 0;
    socket.on('message', (bytes, peer) => {
      queries++;
      let query: dnsPacket.DecodedPacket;
      try {
        query = dnsPacket.decode(bytes);
      } catch {
        return;
      }
      if (query.type !== 'query' || !query.questions?.length) return;
      socket.send(hijackedReply(query, options), peer.port, peer.address);
    });
    socket.once('error', reject);
    socket.bind(options.port ?? 53, options.host, () => {
      socket.off('error', reject);
      socket.on('error', () => {});
      resolve({
        host: options.host,
        port: socket.address().port,
        get queries() {
          return queries;
        },
        close: () => new Promise<void>((done) => socket.close(() => done())),
      });
    });
  });
}

export interface CaptivePortalOptions {
  host: string;
  port?: number;
  /** The portal's own name: its certificate's and its login page's. */
  portalName: string;
  /** Its certificate (for portalName); none: plain HTTP. */
  tls?: Pem;
}

/** What a captive portal answers: its login page at /login, a 302 there for every other request, whatever the Host. */
export function portalAnswer(portalName: string, scheme: 'http' | 'https', path: string): HttpBehaviour {
  if (path.split('?')[0] === '/login') {
    return { kind: 'respond', status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: `<!doctype html><title>Sign in to ${portalName}</title><form method="post"><button>Accept and connect</button></form>` };
  }
  return { kind: 'redirect', status: 302, location: `${scheme}://${portalName}/login` };
}

/** The web side of a captive portal. */
export function startCaptivePortal(options: CaptivePortalOptions): Promise<RunningHttpServer> {
  const scheme = options.tls ? 'https' : 'http';
  return startHttpServer({
    host: options.host,
    port: options.port ?? (options.tls ? 443 : 80),
    ...(options.tls ? { tls: options.tls } : {}),
    handler: (req) => portalAnswer(options.portalName, scheme, req.path),
  });
}
