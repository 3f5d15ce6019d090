// What a provider's edge sends, as data and small page builders: the lab's edges answer through one of
// these, so the probe meets the providers' real header names and page shapes, never lab-made markers.

import { createHash, randomBytes } from 'node:crypto';
import type { BuiltinProviderId } from '../../fingerprint/catalog/index.js';

export interface LabResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request as an edge sees it. */
export interface EdgeRequest {
  host: string;
  path: string;
  method: string;
  userAgent: string;
  httpVersion: '1.1' | '2';
  /** Which of the provider's lab addresses answered: picks its point of presence. */
  edgeIndex: number;
  /** The point of presence the scenario names for this address (e.g. "ATL"); null: the personality picks by edgeIndex. */
  pop: string | null;
  now: Date;
}

/** Why the edge could not get an answer from the origin. */
export type OriginTrouble = 'refused' | 'timeout';

export interface EdgePersonality {
  /** The fingerprint catalog's id, e.g. "cloudflare" (checked against the built-in catalog when compiled). */
  id: BuiltinProviderId;
  /** Display name as the catalog names it, e.g. "Cloudflare". */
  name: string;
  /** DNS zones its edge host names live in (their SOA answers NODATA). */
  zones: string[];
  /**
   * The CNAME chain from a customer's host name to the name that holds the edge addresses; `region` is the
   * site's cloud region for a regional provider (a load balancer's name carries it), null otherwise.
   */
  cnameChain(host: string, region: string | null): string[];
  /**
   * `shared`: every site on the provider is served by the same few addresses (anycast CDNs).
   * `per-site`: each site gets addresses of its own (a cloud load balancer per customer). Default shared.
   */
  addressing?: 'shared' | 'per-site';
  /** Sites on it must name a cloud region (its host names carry the region). */
  regional?: boolean;
  /** Point-of-presence codes a scenario may assign to its addresses (absent: the provider has none to name). */
  pops?: readonly string[];
  /** Domains of the provider's own API endpoints (dynamodb.us-east-1.amazonaws.com): a scenario's `kind: endpoint` hosts. */
  apiDomains?: readonly string[];
  /** The origin's answer (its page, or its own error) delivered through the edge with the edge's headers. */
  relay(req: EdgeRequest, origin: LabResponse): LabResponse;
  /** The provider's own failure: the error page its proxy generates. */
  edgeError(req: EdgeRequest): LabResponse;
  /** The edge is up, the origin behind it is not answering. */
  originUnreachable(req: EdgeRequest, trouble: OriginTrouble): LabResponse;
  /** A host name the provider does not serve. */
  unknownHost(req: EdgeRequest): LabResponse;
  /** The bot-verification page, in the state where its script cannot load (absent: the provider has none). */
  challengeFailure?(req: EdgeRequest): LabResponse;
  /** An endpoint on every customer host that the edge itself answers, e.g. /cdn-cgi/trace. */
  selfTest?: { path: string; respond(req: EdgeRequest): LabResponse };
}

export interface Pop {
  /** IATA code, as the provider prints it. */
  code: string;
  city: string;
  country: string;
}

/** The point of presence for an edge address: a different one per address, as anycast would give. */
export function popFor<T>(pops: readonly T[], edgeIndex: number): T {
  return pops[edgeIndex % pops.length]!;
}

/** The PoP of the address that answered: the one the scenario named for it, else one per address. */
export function popOf(pops: readonly Pop[], req: Pick<EdgeRequest, 'pop' | 'edgeIndex'>): Pop {
  return pops.find((p) => p.code === req.pop) ?? popFor(pops, req.edgeIndex);
}

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

/** A short stable token derived from a name (for CNAME targets that look like a provider's). */
export function stableToken(text: string, length: number, alphabet = '0123456789abcdefghijklmnopqrstuvwxyz'): string {
  const digest = createHash('sha256').update(text).digest();
  let out = '';
  for (let i = 0; out.length < length; i++) out += alphabet[digest[i % digest.length]! % alphabet.length];
  return out;
}

export function httpDate(now: Date): string {
  return now.toUTCString();
}

/** "2025-11-18 11:48:22 UTC", the way Cloudflare and others print a time on their pages. */
export function pageTime(now: Date): string {
  return `${now.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The header every HTML answer carries. */
export const HTML = 'text/html; charset=UTF-8';
