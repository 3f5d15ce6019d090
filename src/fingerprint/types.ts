// The shape of the provider catalog: data a newcomer can read and extend without touching control flow.
// Built-in providers live in catalog/; users add or extend providers from probes.yaml (`providers:`).
// Everything the tool knows about one provider is on its ProviderDef: how to recognise it (headers, CNAME
// and NS suffixes, ranges), how to read the errors it generates (its documented error vocabulary), where it
// says it served a request (PoP headers, cloud-region host names), its API domains, self-test and status page.

import type { ChallengeKind, ClientRefusal, Layer } from '../model.js';

/** A response header that points at a provider. `pattern` is a case-insensitive regex on the value. */
export interface HeaderRule {
  header: string;
  pattern?: string;
  /** strong: enough alone (cf-ray). weak: needs a second signal (x-cache, via: 1.1 google). */
  weight: 'strong' | 'weak';
}

/**
 * The layers an error rule may name. `unknown`: the provider generated the page (its synthetic error page,
 * a reference number, an error code) but what it names is not in its documented vocabulary, or its
 * documentation leaves edge and origin open. Such an attempt is placed at the provider with low
 * confidence, and never makes a provider incident.
 */
export type ErrorLayer = Extract<Layer, 'edge' | 'challenge' | 'origin' | 'site' | 'unknown'>;

/**
 * One entry of a provider's error vocabulary: how to read an error, block or challenge it generated.
 * Rules are tried in order; the first that matches names the layer. All given conditions must hold. Body
 * markers are matched case-insensitively on the body sample after HTML entities are decoded.
 */
export interface ErrorRule {
  status?: number[];
  /** A header that must be present (and match `pattern` when given). */
  header?: { name: string; pattern?: string };
  /** Every one of these markers must be in the body. */
  body?: string[];
  /** At least one of these markers must be in the body. */
  bodyAny?: string[];
  /** None of these markers may be in the body. */
  bodyNone?: string[];
  /**
   * A case-insensitive regular expression that must match the decoded body, for markers a plain
   * substring would over-match (an error code inside a Ray ID, "cloudflare" inside cdnjs.cloudflare.com).
   */
  bodyPattern?: string;
  layer: ErrorLayer;
  /** What an SRE would say, e.g. "Cloudflare answered 521: the edge is up, the origin refused the connection". */
  says: string;
  /**
   * Where the meaning comes from: the URL of the provider's documentation page (or, where the provider
   * documents nothing, the public source providers.md cites); "probes.yaml" for a user's rule.
   */
  source: string;
  /**
   * For `challenge` rules: `routine` when the provider's challenge works as designed (a bot check stands in
   * front of content; many sites do this to every data-centre client), `platform-failing` when the page says
   * the challenge platform itself cannot load or answer (2025-11-18), `blocked` when the page refuses this
   * requester outright (its address, network, country or request rate; a firewall rule): a statement about the
   * probe, never about the provider's health. Lets a later stage tell a site's normal challenge from a challenge
   * layer in trouble, and both from this host being turned away.
   */
  challenge?: ChallengeKind;
  /**
   * For `blocked` rules whose page names what of this client it refuses: its request rate (`rate`), or its address,
   * network or country (`address`). Said of this client only, like a site's own 429 or 451: the site is untested from
   * here (correlate/turned-away.ts). A firewall rule or a "you have been blocked" page names no such thing.
   */
  refuses?: ClientRefusal;
  /**
   * A case-insensitive regular expression whose first group, found in the decoded body, is quoted in the
   * explanation: the page's own words for the cause (Fastly's reason, Akamai's reference), so that an
   * `unknown` reading still shows its evidence.
   */
  quote?: string;
}

export interface SelfTest {
  /** Path fetched through the same edge address, e.g. /cdn-cgi/trace. */
  path: string;
  /** What a healthy answer contains, e.g. "colo=". */
  expect: string;
  /** A key=value line of the answer that names the location (e.g. colo). */
  locationKey?: string;
}

export interface StatusPage {
  url: string;
  kind: 'statuspage' | 'rss' | 'atom' | 'json';
}

/**
 * A response header that names the point of presence that served the request, e.g. cf-ray's colo
 * "8fcb3f8a0cc56750-ATL" → "ATL". `read` returns the code, or null when the value is not the documented
 * shape (the caller still validates the code before it is shown).
 */
export interface PopHeader {
  header: string;
  read: (value: string) => string | null;
}

/** Host names under `domains` whose labels name a cloud region, e.g. dynamodb.us-east-1.amazonaws.com. */
export interface RegionHostRule {
  domains: string[];
  /** Which label to read: any label below the domain (rightmost match wins), or only the one right below it. */
  labels: 'any' | 'adjacent';
  /** Its first group is the region, as the cloud spells it. */
  region: RegExp;
}

/** Host names that always mean one region though no label says so (EC2's compute-1.amazonaws.com). */
export interface FixedRegionHost {
  suffix: string;
  region: string;
}

export interface ProviderDef<Id extends string = string> {
  /** Stable id used in JSON and state: lower-case, e.g. "cloudflare". Built-in ids are a checked union (catalog/index.ts). */
  id: Id;
  /** Display name, e.g. "Cloudflare". */
  name: string;
  /** Layers this provider can serve for a site. */
  roles: Array<'authoritative-dns' | 'edge' | 'challenge' | 'origin'>;
  /** Response headers that identify its edge (or its origin hosting, for role origin). */
  headers: HeaderRule[];
  /** Its error vocabulary: how to read the errors, blocks and challenges it generates, each rule with its source. */
  errors: ErrorRule[];
  /** Body markers of its challenge / bot-verification pages (used with a provider header). */
  challengeMarkers: string[];
  /**
   * CNAME target suffixes, e.g. "cdn.cloudflare.net", matched on label boundaries. A label "*" matches
   * any one label ("execute-api.*.amazonaws.com"); a label ending in "*" matches by prefix ("awsdns-*.com").
   */
  cnameSuffixes: string[];
  /** Authoritative name server host suffixes, e.g. "ns.cloudflare.com" (same syntax as cnameSuffixes). */
  nsSuffixes: string[];
  /** Ids of the range sets in the snapshot that belong to this provider (see ranges/). */
  rangeSets: string[];
  /**
   * Those of `rangeSets` that hold customers' own resources (virtual machines, their load balancers' addresses)
   * rather than the provider's edge: an address in one says where a site is hosted, never that the provider fronts it.
   */
  hostingRangeSets?: string[];
  selfTest?: SelfTest;
  statusPage?: StatusPage;
  /** Response headers that name the point of presence that served a request (locations). */
  popHeaders?: PopHeader[];
  /** Host names whose labels name the cloud region a site or endpoint is hosted in. */
  regionHosts?: RegionHostRule[];
  /** Host names that always mean one region. */
  fixedRegionHosts?: FixedRegionHost[];
  /**
   * Domains under which its own API endpoints live (`kind: endpoint` hosts such as
   * dynamodb.us-east-1.amazonaws.com) that no CNAME suffix names; same suffix syntax as cnameSuffixes.
   */
  apiDomains?: string[];
}

/** One piece of evidence that a provider serves a layer. */
export interface ProviderEvidence {
  kind: 'header' | 'body' | 'cname' | 'ns' | 'address' | 'self-test' | 'remembered' | 'configured';
  /** Human text, e.g. "header cf-ray: 8fcb3f8a0cc56750-ATL", "address 104.16.1.1 in 104.16.0.0/13". */
  detail: string;
}

export interface ProviderMatch {
  provider: string; // ProviderDef.id
  evidence: ProviderEvidence[];
  /** For an address match: the range set holding the address. */
  rangeSet?: string;
}

/** A prefix of a provider's published ranges, as found by an address lookup. */
export interface RangeMatch {
  provider: string;
  set: string;
  prefix: string;
  region: string | null;
  service: string | null;
}
