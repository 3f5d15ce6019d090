// The records that flow through one run: config → plan → probe → classify → correlate → report.
// Every stage imports its types from here, so the shape of the data is visible in one file.
// The JSON report (schema/report.schema.json) is a serialisation of `Report`; change both together.

// ───────────────────────────── config ─────────────────────────────

/** How a resolver is asked; each kind is one transport in probe/dns/transports.ts. */
export type ResolverKind = 'system' | 'udp' | 'tcp' | 'doh';

interface ResolverCommon {
  name: string;
  /** Who runs it (configured, or inferred for well-known public addresses); null when unknown. */
  provider: string | null;
  /**
   * This host's own resolver (a corporate or ISP resolver the network allows), like the system resolver: when
   * every other resolver answers nothing while the local ones answer, the network blocks outbound DNS.
   */
  local?: boolean;
  /** Its questions that ran out of time while it replied to others, asked again (probe/dns/asking-again.ts); absent when none did. */
  askedAgain?: LookupsAskedAgain;
}

/** Plain DNS to a server's IP address: over UDP (TCP when a reply is truncated), or over TCP only. */
export interface WireResolverSpec extends ResolverCommon {
  kind: 'udp' | 'tcp';
  /** The server's IP address (v4 or v6). */
  address: string;
  /** The server's port (53 unless given). */
  port: number;
}

/** DNS-over-HTTPS (RFC 8484). */
export interface DohResolverSpec extends ResolverCommon {
  kind: 'doh';
  /** The RFC 8484 endpoint URL. */
  url: string;
}

/** This host's own resolver, through getaddrinfo. */
export interface SystemResolverSpec extends ResolverCommon {
  kind: 'system';
  /** The servers it asks, read when the run started (util/nameservers.ts); absent when not read. */
  nameservers?: SystemNameservers;
}

/**
 * A resolver's questions (this host's resolver's lookups, or plain DNS over UDP) that ran out of time while it replied
 * to the run's others, of names another resolver replied to (any, when it is the run's only resolver), each asked
 * again (twice at most, waiting 2 s at most), a few at a time (probe/dns/asking-again.ts): answered then, what dropped
 * them was the run's own load — something on the way limits how fast one client may ask.
 */
export interface LookupsAskedAgain {
  /** Questions that ran out of time while this resolver replied to others, of names another resolver replied to. */
  ranOut: number;
  /** Of those, asked again (the rest: the deadline was near, or asking again had stopped helping). */
  asked: number;
  /** Of those asked, answered when asked again. */
  answered: number;
  /** Up to five of the names answered when asked again. */
  names: string[];
  /**
   * Once a drop was proven, its questions (and over UDP their retransmissions) were paced, a little under the most
   * replies it gave in a second; the slowest pace, in questions a second. Absent when none was answered again.
   */
  pacedAt?: number;
}

/** The name servers this host's resolver asks, as its files name them. */
export interface SystemNameservers {
  /** In the order they are asked (at most three, resolv.conf(5) MAXNS). */
  addresses: string[];
  /** The file that names them: /etc/resolv.conf, or systemd-resolved's list of uplinks. */
  file: string;
  /** A local stub between getaddrinfo and them ('systemd-resolved'), or null when getaddrinfo asks them itself. */
  via: 'systemd-resolved' | null;
  /** The domains getaddrinfo tries a short name under first (resolv.conf `search`, LOCALDOMAIN); absent when none. */
  search?: string[];
  /** With `search`: names with fewer dots than this are tried under the search domains before as they are. */
  ndots?: number;
  /** Seconds getaddrinfo waits for a server before the next (`options timeout:n`); absent when the default, 5. */
  timeout?: number;
  /** `options rotate`: it starts at the next server each time; absent when not set. */
  rotate?: true;
  /**
   * Each server, in order, asked directly once this resolver's answers came slowly or not at all
   * (probe/dns/nameserver-asks.ts); absent when they were not asked.
   */
  replies?: NameserverReply[];
}

/** One of this host's name servers asked directly over UDP (the root's name servers, sent again as any question is). */
export interface NameserverReply {
  address: string;
  /** Its response code (a refusal is a reply too), or null when none came. */
  rcode: string | null;
  /** In ms: until its reply, or, with none, until given up (the whole wait when silent). */
  ms: number;
  /** Why none came (ETIMEDOUT: nothing in the wait; ECONNREFUSED: nothing listens; …), null with a reply. */
  error: string | null;
}

export type ResolverSpec = WireResolverSpec | DohResolverSpec | SystemResolverSpec;

export interface ExpectSpec {
  /** Acceptable final status codes; empty = any 2xx or 3xx that is not followed. (http) */
  status: number[];
  /** Text the body sample (http) or one of the answer records (dns) must contain. */
  contains: string | null;
  matches: string | null;
  maxMs: number | null;
  /** `ok`: a challenge (bot check) standing where content should be is fine for this site. (http) */
  challenge: 'ok' | 'fail';
  /** The response code every resolver must give, e.g. NOERROR or NXDOMAIN; null = NOERROR with an answer. (dns) */
  rcode: string | null;
  /** The answer must be DNSSEC-validated by the resolver (the AD bit). (dns) */
  dnssec: boolean;
}

export interface PathSelection {
  /** Fetch every address the resolvers returned. */
  edge: boolean;
  /** Address families allowed on the edge path. */
  ipv4: boolean;
  ipv6: boolean;
  /** Fetch the site's configured origin address directly (only for sites that name one). */
  origin: boolean;
  /** Fetch through these HTTP CONNECT proxies (http://host:port). */
  proxies: string[];
}

/** Settings that `defaults` sets for every site and each site may override. */
export interface ProbeSettings {
  timeoutMs: number;
  paths: PathSelection;
  maxAddressesPerFamily: number;
  userAgent: string;
  bodySampleBytes: number;
  maxRedirects: number;
}

export interface RunSettings {
  deadlineMs: number;
  concurrency: number;
  perHostConcurrency: number;
  /** Fetches in flight at one server address at most (probe/address-slots.ts): many sites, one server. */
  perAddressConcurrency: number;
}

/** What is probed for a site; each kind is one file in probe/kinds/. */
export type ProbeKindId = 'http' | 'dns';

export interface SiteSpec extends ProbeSettings {
  name: string;
  /** http: fetch the URL over every path; dns: ask every resolver for `record` records of the host. */
  probe: ProbeKindId;
  /** dns: the record type asked for (A unless given). */
  record: DnsType;
  /** `endpoint`: an API others depend on; any HTTP answer below 500 from it counts as up (403 to an anonymous request is healthy). */
  kind: SiteKind;
  /** For endpoints: the provider expected to answer (display name or id); null = infer from the host name. */
  provider: string | null;
  /** http: the URL fetched; dns: an RFC 4501 DNS URI, e.g. "dns:example.com?type=MX". */
  url: string;
  /** Host name taken from the URL, or the name a dns check asks about (lower case, no brackets). */
  host: string;
  method: string;
  headers: Record<string, string>;
  expect: ExpectSpec;
  /** Address of the origin for the `origin` path (IP, or IP:port). */
  origin: string | null;
}

export interface TlsSettings {
  /** Extra CA certificates (PEM text) trusted in addition to Node's bundle. */
  ca: string | null;
  caFile: string | null;
}

export interface AttributionSettings {
  /** Sites that must fail at one provider's layer before it is called an incident. */
  minSites: number;
  /** Probe failing attempts this many times in all (1 = no resampling), to recognise intermittent failures. */
  samples: number;
  /** Pause between samples. */
  intervalMs: number;
}

/** When a change is worth a notification (--state): Gatus-style thresholds, so a flapping failure pages once. */
export interface AlertSettings {
  /** Consecutive failing runs before an incident or a site failure is announced. */
  failureThreshold: number;
  /** Consecutive runs without it before an announced failure is announced resolved. */
  successThreshold: number;
  /** Re-announce a failure still open after this long (ms), at most that often; null: never. */
  reminderIntervalMs: number | null;
  /**
   * Runs: a failure that returns within this many runs of being announced resolved is flapping (one announcement,
   * no more opened/resolved pairs), and it stops flapping after this many runs on one side.
   */
  flapWindow: number;
}

/** With --state: where an incident's or a site's failure stands in alerting. */
export interface AlertMark {
  /**
   * pending: failing, not announced yet (below failureThreshold); open: announced; flapping: came back soon after
   * it was announced resolved, or its samples failed and recovered within one run, so it is one open alert until it
   * is stable for flapWindow runs.
   */
  state: 'pending' | 'open' | 'flapping';
  /** Flapping: how often it changed between failing and not since it started flapping; else 0. */
  changes: number;
}

export interface Config {
  /** Where the config came from: a file path, or "(command line)". */
  source: string;
  resolvers: ResolverSpec[];
  run: RunSettings;
  defaults: ProbeSettings;
  sites: SiteSpec[];
  tls: TlsSettings;
  attribution: AttributionSettings;
  /** User-defined providers (`providers:` in probes.yaml), validated; merged into the catalog by fingerprint/. */
  providers: unknown[];
  /** Status page per provider (id or name), overriding the catalog's (for --status-pages). */
  statusPages: Record<string, string>;
  alerts: AlertSettings;
}

// ───────────────────────────── plan ─────────────────────────────

/** Record types outage-probe asks for: addresses and NS for every site; the rest for `probe: dns` checks. */
export type DnsType = 'A' | 'AAAA' | 'NS' | 'CNAME' | 'SOA' | 'MX' | 'TXT' | 'CAA' | 'SRV' | 'DS' | 'DNSKEY';

/** One query to send: shared by every site that needs (resolver, name, type). */
export interface DnsQuery {
  resolver: ResolverSpec;
  name: string;
  type: DnsType;
}

// ───────────────────────────── probe: DNS ─────────────────────────────

export type DnsOutcome = 'ok' | 'nxdomain' | 'servfail' | 'refused' | 'timeout' | 'empty' | 'network-error';

export interface DnsRecord {
  name: string;
  type: string; // A, AAAA, CNAME, NS, SOA ...
  ttl: number | null; // null where the resolver does not tell (system resolver)
  data: string;
}

/** RFC 8914 Extended DNS Error carried in the reply's OPT record. */
export interface ExtendedDnsError {
  code: number;
  text: string;
}

export interface ProbeError {
  /** Stable machine code: ETIMEDOUT, ECONNREFUSED, CERT_HAS_EXPIRED, UND_ERR_HEADERS_OVERFLOW, DEADLINE ... */
  code: string;
  /** Human text, stripped of control characters. */
  message: string;
}

export interface DnsAnswer {
  resolver: string;
  name: string;
  type: DnsType;
  outcome: DnsOutcome;
  /** Response code name as sent by the server (NOERROR, SERVFAIL ...); null when no reply arrived. */
  rcode: string | null;
  /** Answer section records (CNAMEs included), in order. */
  answers: DnsRecord[];
  /** CNAME chain from the queried name to the final target (excluding the queried name). */
  cnameChain: string[];
  /** Addresses (A or AAAA), or NS host names for an NS query. */
  values: string[];
  /**
   * For NS and SOA queries: the zone the name belongs to (from the answer, or the SOA in the authority section). For
   * other types, when the reply holds no record of the type: the SOA owner of its authority section, the zone of the
   * chain's last name. Null otherwise.
   */
  zone: string | null;
  ede: ExtendedDnsError[];
  /** The AD bit of the reply: the resolver validated the answer with DNSSEC; null when no reply (or getaddrinfo). */
  authenticated: boolean | null;
  /** Who answered: "ip:port", the DoH URL, or "system". */
  server: string;
  transport: ResolverKind;
  startedAt: string;
  durationMs: number;
  error: ProbeError | null;
}

// ───────────────────────────── probe: HTTP ─────────────────────────────

/** edge, origin, proxy: an HTTP fetch; dns: one resolver's answer to a `probe: dns` check. */
export type PathKind = 'edge' | 'origin' | 'proxy' | 'dns';

/** Where a fetch failed, from the network in. */
export type FailurePhase = 'dns' | 'connect' | 'proxy' | 'tls' | 'request' | 'response' | 'body' | 'redirect';

/**
 * Phase timings in milliseconds, null when the phase did not happen.
 * connectMs and tlsMs are durations of those phases (first hop);
 * ttfbMs is from the attempt's start to the first byte of the response headers (curl's time_starttransfer);
 * totalMs is from the attempt's start to its end (all redirect hops, body sample read).
 * connectStalledMs, present when the first hop's TCP connection opened: how much of connectMs this process's event
 * loop could not run (a starved process reads a connect late; what remains is the network's); and when its connect
 * failed (connectMs null): how much of that failed connect's time.
 */
export interface Timings {
  connectMs: number | null;
  tlsMs: number | null;
  ttfbMs: number | null;
  totalMs: number;
  connectStalledMs?: number;
}

export interface CertificateInfo {
  subject: string;
  issuer: string;
  validFrom: string; // ISO 8601
  validTo: string; // ISO 8601
  subjectAltNames: string[];
  /** Whether the chain verified against the trusted CAs and the name matched. */
  authorized: boolean;
  authorizationError: string | null;
  /**
   * Present when this process refused the chain for its issuer though it leads to a root Node's own bundled store
   * (Mozilla's) holds: that root's name. This process's store lacks it (util/public-roots.ts).
   */
  publicRoot?: string;
}

export interface RedirectHop {
  url: string;
  status: number;
  location: string;
  address: string | null;
}

export interface ExpectResult {
  ok: boolean;
  /** One line per failed expectation, e.g. `status 503 not in [200]`. */
  failures: string[];
}

/** The raw result of one fetch, as measured: no judgement yet. */
export interface FetchResult {
  url: string; // the URL finally fetched (after redirects)
  address: string | null; // the address connected to for the first hop
  port: number;
  httpStatus: number | null;
  httpVersion: string | null; // "1.1" | "2"
  /** Response headers of the final hop, names lower-cased, values stripped of control characters. */
  headers: Record<string, string>;
  /** The start of the body (up to bodySampleBytes), decoded as UTF-8. Kept for fingerprinting and `expect`. */
  bodySample: string;
  bodyBytes: number; // bytes read (≤ bodySampleBytes + one chunk)
  bodyTruncated: boolean;
  redirects: RedirectHop[];
  tls: CertificateInfo | null;
  timings: Timings;
  /** What arrived on the last hop's connection; null when no connection opened. */
  received: Received | null;
  error: ProbeError | null;
  failedPhase: FailurePhase | null;
}

/**
 * Bytes that arrived on a connection as the network carried them (TCP payload: the TLS handshake and records with
 * all they hold), whatever could be read of them: a response cut mid-record arrived in part and read as nothing.
 */
export interface Received {
  bytes: number;
  /** Of those, the ones that arrived after the request was sent; null when no request was sent. */
  afterRequest: number | null;
  /**
   * For an attempt its own timeout ended: whether nothing had arrived in the last quarter of its wait (true: the
   * stream had stopped; false: bytes were still trickling in). Null for any other ending.
   */
  stalled: boolean | null;
}

// ───────────────────────────── classify ─────────────────────────────

export type AttemptOutcome =
  | 'ok'
  | 'dns-error'
  | 'connect-error'
  | 'tls-error'
  | 'timeout'
  | 'http-error'
  | 'content-mismatch'
  | 'challenge';

/**
 * Where a failure came from, from the outside in (see DESIGN.md). `unknown`: a provider generated the
 * error page but what it names is outside its documented vocabulary (placed at that provider with low
 * confidence; never the ground for a provider incident).
 */
/**
 * site: a page people use; endpoint: an API sites depend on (up when it answers below 500); control-plane: a
 * provider's management API or dashboard (same reading), whose failure breaks changes, not traffic.
 */
export type SiteKind = 'site' | 'endpoint' | 'control-plane';

export type Layer =
  | 'local'
  | 'resolver'
  | 'authoritative-dns'
  | 'network'
  | 'tls'
  | 'edge'
  | 'challenge'
  | 'origin'
  | 'control-plane'
  | 'site'
  | 'unknown';

/** One (site, path, address) fetch as the probe stage measured it: no judgement yet. */
export interface RawAttempt extends FetchResult {
  id: string;
  site: string;
  path: PathKind;
  /** The first resolver credited (edge and dns paths); null for origin and proxy paths. */
  resolver: string | null;
  /** Every resolver whose answers contained `address` (edge path); empty for origin and proxy paths. */
  resolvers: string[];
  family: 4 | 6 | null;
  proxy: string | null;
  startedAt: string;
  /**
   * The site's `expect`, evaluated by the probe on everything it read (the whole body sample), before the body
   * is cut to what fingerprinting needs. A measurement, like blackbox_exporter's regexp checks.
   */
  expect: ExpectResult;
  /** The provider's own health endpoint fetched through the same edge address, when the attempt failed. */
  selfTest: SelfTestResult | null;
  /** With --samples: what the attempt's later samples gave (the first pass is the attempt itself). */
  resamples: SampleResult[] | null;
  /**
   * Its first try failed while this run had other fetches at the same address, which served some fetch of the run:
   * the attempt is what asking again alone there gave, and this is what the first try got. Absent otherwise.
   */
  crowded?: CrowdedTry;
}

/** A first try spoilt, perhaps, by this run's own fetches at one server (probe/address-slots.ts). */
export interface CrowdedTry {
  /** The most of this run's fetches in flight at the address at once while the first try ran, itself included. */
  atOnce: number;
  /** What the first try got, and when it began and how long it took (absent in reports of versions before them). */
  first: Pick<FetchResult, 'httpStatus' | 'error' | 'failedPhase'> & { startedAt?: string; totalMs?: number };
  /**
   * Refused alone too: the page this server served last in the run (`site`'s), fetched again right after, still
   * alone there, refused the same way — the server refuses this client now (a limit on its rate), whatever the page.
   * Absent otherwise.
   */
  control?: Pick<FetchResult, 'httpStatus' | 'error' | 'failedPhase'> & { site: string };
}

/** One later sample of an attempt: just what its outcome is judged from. */
export type SampleResult = Pick<FetchResult, 'httpStatus' | 'error' | 'failedPhase'> & { expect: ExpectResult };

/** Everything the probe stage learned about one site. */
export interface RawSite {
  spec: SiteSpec;
  /** The site's own DNS answers: its host's records at every resolver, and the NS walk to its zone apex. */
  dns: DnsAnswer[];
  attempts: RawAttempt[];
}

/**
 * One (site, path, address) fetch, credited to every resolver that returned the address, as classify judged it.
 * Flat on purpose: it is the line NDJSON consumers read.
 */
export interface Attempt extends Omit<RawAttempt, 'resamples'> {
  outcome: AttemptOutcome;
  /** The layer that produced the failure (null when ok); decided by classify/. */
  layer: Layer | null;
  /** The provider whose layer failed, or who generated the response (display name); null when unknown or none. */
  provider: string | null;
  /** One sentence an SRE would say, e.g. "Cloudflare answered 521: the edge is up, the origin refused the connection". */
  explanation: string | null;
  /** Per-provider location evidence (PoP or region) seen on this attempt, when the provider tells. */
  location: AttemptLocation | null;
  /** With --samples: how often this attempt failed across the samples (failures / samples). */
  samples: SampleStats | null;
  /** A challenge (bot or human verification) stood where the site's content should be; null when none did. */
  challenge: ChallengeSeen | null;
}

export type ChallengeKind = 'routine' | 'platform-failing' | 'blocked';

export interface ChallengeSeen {
  /** Display name of the provider whose challenge it was. */
  provider: string;
  /**
   * routine: the challenge works as designed (a bot check); platform-failing: the challenge itself cannot load;
   * blocked: the page turns this requester away (its address, network, country, rate; a firewall rule).
   */
  kind: ChallengeKind;
  /** The site is known to challenge this probe (its last healthy-looking run did, or expect.challenge is ok). */
  expected: boolean;
  /** What the last healthy-looking run of the site (with --state) got: content, a challenge, or unknown (null). */
  before: 'content' | 'challenge' | null;
  /**
   * A `blocked` page that names what of this client it refuses: its request rate, or its address, network or country
   * (Cloudflare's 1015; 1005–1009, 1106). Absent when the page names no such thing (a firewall rule).
   */
  refuses?: ClientRefusal;
}

/** What of this client a provider's page says it refuses: its request rate, or its address (network, country). */
export type ClientRefusal = 'rate' | 'address';

export interface AttemptLocation {
  provider: string;
  code: string;
  kind: 'pop' | 'region';
  evidence: string;
}

export interface SelfTestResult {
  url: string;
  ok: boolean;
  httpStatus: number | null;
  /** e.g. the colo= line of /cdn-cgi/trace. */
  location: string | null;
  error: ProbeError | null;
}

export interface SampleStats {
  samples: number;
  failures: number;
  failureRate: number;
  /** Outcomes of each sample in order, e.g. ["http-error", "ok", "http-error"]. */
  outcomes: AttemptOutcome[];
}

/** The attempt's samples saw it fail and succeed within one run: its failure comes and goes (it flaps). */
export function samplesFlapped(stats: SampleStats | null): boolean {
  return stats !== null && stats.failures > 0 && stats.failures < stats.samples;
}

// ───────────────────────────── correlate / report ─────────────────────────────

/** untested: every attempt was one this host could not make (no route for the family, a blocked resolver). */
export type SiteStatus = 'ok' | 'degraded' | 'down' | 'untested';

export type Verdict = 'ok' | 'site-failures' | 'provider-incident' | 'local-network';

export interface SiteReport {
  name: string;
  url: string;
  host: string;
  /** site, endpoint (an API sites depend on) or control-plane (a provider's management API), as configured. */
  kind: SiteKind;
  /** The provider the config says answers this endpoint or control plane (`provider:`); null when not given. */
  declaredProvider: string | null;
  status: SiteStatus;
  /** One line on why the site is not ok; null when ok. */
  reason: string | null;
  /** Who serves each layer of the site, with the evidence that matched. */
  providers: SiteProvider[];
  /** Where the site's failure comes from; null when ok. */
  blame: Blame | null;
  /** With --state: `new` (started failing), `ongoing` (still failing), `resolved` (recovered); null when unchanged-ok or without state. */
  change: Change | null;
  /** With --state: since when the site has been in its current status (ISO 8601); null without state. */
  since: string | null;
  /** With --state, while the site fails (or flaps): where its alert stands. Absent otherwise. */
  alert?: AlertMark;
  /**
   * The site's name on its way to an address: each CNAME hop and which resolvers answered or failed it, read from
   * the address answers and, where a resolver gave no address, from CNAME questions hop by hop. Empty for an IP.
   */
  chain: ChainHop[];
  /** Where a name that no resolver can resolve breaks: the zone that fails and who runs it; null otherwise. */
  failingZone: FailingZone | null;
  dns: DnsAnswer[];
  attempts: Attempt[];
}

export interface ChainHop {
  name: string;
  /** The CNAME target this name points at; null at the end of the chain (or where nothing was learned). */
  target: string | null;
  /** Resolvers that answered for this name (with its CNAME, or with the chain through it). */
  answeredBy: string[];
  /** Resolvers whose question about this name failed, with what they said. */
  failedAt: HopFailure[];
  /** Known only from an earlier run (--state): this run learned nothing about the hop. */
  remembered: boolean;
}

/** What a run that resolved the site learned of how its name is delegated: kept in the state file. */
export interface Delegation {
  /** The CNAME chain after the host. */
  chain: string[];
  /** The name servers of the host's zone. */
  nameServers: string[];
}

export interface HopFailure {
  resolver: string;
  outcome: DnsOutcome;
  rcode: string | null;
  ede: ExtendedDnsError[];
}

export interface FailingZone {
  /** The zone whose authority fails (e.g. akamaiedge.net); null when no zone could be told. */
  zone: string | null;
  /** The first name on the chain that fails at every resolver asked. */
  hop: string;
  /** The provider that runs the zone (its catalogued CNAME or NS suffixes, or the site's own DNS host); null when unknown. */
  provider: string | null;
  /** The zone is the site's own (its host is in it), not a zone its CNAME chain passes through. */
  own: boolean;
  /** What placed it: the chain, the SOA answers of its parents, the EDE text, the catalog. */
  evidence: string[];
}

export interface SiteProvider {
  layer: 'authoritative-dns' | 'edge' | 'challenge' | 'origin';
  provider: string;
  evidence: string[];
}

/** The layers `map` reads: the attribution layers a provider can serve, plus the CA that issued the certificate. */
export type DependencyLayer = 'authoritative-dns' | 'edge' | 'challenge' | 'origin' | 'tls-issuer';

/** One provider a site depends on at one layer (classify/dependencies.ts), with the evidence that named it. */
export interface Dependency {
  layer: DependencyLayer;
  /** Display name: a catalogued provider, a CA, or "<domain> name servers" for name servers no provider claims. */
  provider: string;
  /** False for what the catalog does not know (the site's own name servers, say). */
  identified: boolean;
  evidence: string[];
  /** Edge only: the resolvers whose answers led to this provider (different CDNs from different resolvers is multi-CDN). */
  resolvers: string[] | null;
  /** Hosting only: the cloud region, where address ranges or the provider's headers tell. */
  region: string | null;
}

/** What a site serves, as one run saw it. */
export interface ServedInfo {
  /** served: reached over IPv6; published(-unreachable): AAAA records, not reached from here; not-published: no AAAA. */
  ipv6: 'served' | 'published' | 'published-unreachable' | 'not-published' | 'unknown';
  /** HTTP versions negotiated with the site's edge ("2", "1.1"). */
  httpVersions: string[];
}

export interface Blame {
  layer: Layer;
  /** The provider blamed, or null (the site itself, the local network, an unknown host). */
  provider: string | null;
  confidence: number;
  reason: string;
}

/** Whether a site's blame is this incident's: a blame taken from an incident copies its layer, provider and summary. */
export function blamedOn(blame: Blame, incident: Incident): boolean {
  return blame.layer === incident.layer && blame.provider === incident.provider && blame.reason === incident.summary;
}

export type IncidentKind = 'provider' | 'resolver' | 'authoritative-dns';

/** What the provider's official status page says: acknowledged, not yet (false), or unknown (the page failed). */
export type Acknowledgement =
  | { by: 'status page'; indicator: string; title: string | null; since: string | null; url: string }
  | false
  | { unknown: string };

/** With --state: how this run compares with the last one. */
export type Change = 'new' | 'ongoing' | 'resolved';

export interface Incident {
  /** Stable across runs: kind, provider, layer (and resolver, or what sets it apart), e.g. "provider:Cloudflare:edge"; a DNSSEC incident ends in ":dnssec". */
  id: string;
  kind: IncidentKind;
  /**
   * Who is failing: a provider or DNS host name; for a host several sites redirect to (a login service), that
   * host's name (correlate/redirects.ts); for a platform customers' names point at, the name they point at
   * (correlate/platforms.ts); for a CONNECT proxy that opens a tunnel for none of its sites, "proxy <URL>"
   * (correlate/proxies.ts); for a server several customers' sites are served from, failing for all of them,
   * "server <address>" (correlate/servers.ts). Null when unknown.
   */
  provider: string | null;
  layer: Layer;
  /** Names of the failing sites. */
  sites: string[];
  /** How many sites on this provider (or DNS host, or names asked of this resolver) were probed. */
  probed: number;
  /** Healthy sites on other providers: the controls that show the rest of the path works. */
  controls: string[];
  /**
   * `full`: every probed site of the provider fails; `partial`: only some sites, addresses, samples or locations;
   * `all`: every location of the provider seen in this run fails.
   */
  scope: 'full' | 'partial' | 'all';
  /** Location codes (PoPs, cloud regions) where the failures were seen; empty when unknown. */
  locations: string[];
  /** Location codes where the same provider served without these failures. */
  healthyLocations: string[];
  /** With --status-pages: whether the provider's status page acknowledges trouble; null when not asked. */
  acknowledged: Acknowledgement | null;
  confidence: number;
  summary: string;
  evidence: string[];
  /** Resolver incidents: the configured name of the (first) failing resolver. */
  resolver?: string;
  /** Resolver incidents: every failing resolver of the operator. */
  resolvers?: string[];
  /** With --state: new, ongoing or resolved since the last run; null without state. */
  change: Change | null;
  /** With --state: when this incident was first seen (ISO 8601); null without state. */
  since: string | null;
  /** With --state, while it is open (or flapping): where its alert stands. Absent otherwise. */
  alert?: AlertMark;
}

export interface ResolverReport {
  name: string;
  kind: ResolverKind;
  address: string | null;
  url: string | null;
  provider: string | null;
  /** system: the servers it asks, as read when the run started, or null when unread; absent for other kinds (and in reports from before it was added). */
  nameservers?: SystemNameservers | null;
  /**
   * udp: the questions it answers from its cache that the run sent it to measure packet loss (probe/dns/loss-probe.ts),
   * once some question of the run had to be sent again; absent when none were sent (and in reports from before it was added).
   */
  lossProbe?: LossProbe;
  /** system and udp: its questions that ran out of time while it replied to others, asked again; absent when none did. */
  askedAgain?: LookupsAskedAgain;
}

/** Questions a resolver answers from its cache (the root's name servers), one datagram each, never sent again. */
export interface LossProbe {
  /** Sent and waited for to the end (or answered). */
  sent: number;
  /** Answered within the wait (1 s); the rest were lost on the way there or back. */
  answered: number;
}

/** How far this host could reach one address family. */
export type FamilyReach = 'ok' | 'no-route' | 'failing' | 'untested';

/** What the run learned about the probing host itself: facts that explain failures no site or provider caused. */
export interface HostReport {
  /** ok: connections opened; no-route: the kernel has no route (every attempt failed at once); failing: nothing of
   * the family connected while the other family served the same sites, on several providers — or connections opened
   * and nothing came back over any of them (a path MTU black hole); untested: none asked. */
  ipv4: FamilyReach;
  /** Native IPv6: fetches to addresses in a NAT64 prefix are counted under nat64. */
  ipv6: FamilyReach;
  /**
   * The NAT64 translator an IPv6-only host reaches IPv4-only sites through (addresses in 64:ff9b::/96 or
   * 64:ff9b:1::/48, given by a DNS64 resolver): ok, no-route, failing (nothing connected through it at sites on
   * several providers, or at one provider's, which then cannot be told from the translator), untested (no such address).
   */
  nat64: FamilyReach;
  /**
   * Resolvers this host cannot use: this network appears to block them (none answered anything, across operators,
   * while others answered), or they refuse this host (EDE 18 "Prohibited" and no answer).
   */
  blockedResolvers: string[];
  /** The findings in one short clause for a headline ("no IPv6 route here"), or null when there are none. */
  summary: string | null;
  /** Plain sentences: what about this host explains which failures, and what could not be tested from here. */
  notes: string[];
}

export interface Report {
  schema: 'outage-probe.report/v1';
  tool: { name: 'outage-probe'; version: string };
  startedAt: string;
  durationMs: number;
  vantage: string;
  config: string;
  /** False when the run was cut short (deadline hit, or interrupted). */
  complete: boolean;
  verdict: Verdict;
  summary: string;
  exitCode: number;
  resolvers: ResolverReport[];
  /** What this run learned about the probing host itself. */
  host: HostReport;
  sites: SiteReport[];
  incidents: Incident[];
  /**
   * Shared observations too weak to be incidents, each saying why (a partial set of routine challenges, a
   * provider's undocumented error on several sites with no origin reached to tell): no exit 2, no alert.
   */
  findings: Incident[];
  /** With --state: incidents of the last run that are over now (change "resolved"). */
  resolvedIncidents: Incident[];
  /** With --state: the state file and the run it was compared with. */
  state: StateInfo | null;
  /**
   * With --state: sites whose provider at a layer (DNS host, edge, hosting) differs from the last run that saw
   * it, each reported once (moved CDN, new DNS host). Empty without state.
   */
  providerChanges: ProviderChange[];
  /** With --notify: one entry per webhook. */
  notifications: NotificationResult[];
  /** With --shard K/N: which share of the config's sites this run probed; null for a whole run. */
  shard: Shard | null;
}

/** `--shard K/N`: the K-th of N disjoint shares of a config's sites, chosen by a stable hash of each site's name. */
export interface Shard {
  /** 1 to count. */
  index: number;
  count: number;
  /** How many sites the whole config has (this shard probed a share of them). */
  sites: number;
}

/** What the site served on its last healthy-looking run (with --state): its content, or a challenge. */
export type ServedBaseline = 'content' | 'challenge';

/** How a stack entry filled in from the state file's memory begins its evidence (not seen on this run). */
export const REMEMBERED_EVIDENCE = 'remembered from an earlier run';

/** A site's provider at one layer, changed since the last run that saw that layer. */
export interface ProviderChange {
  site: string;
  layer: 'authoritative-dns' | 'edge' | 'origin';
  from: string;
  to: string;
  /** What named the new provider on this run. */
  evidence: string[];
}

export interface StateInfo {
  file: string;
  /** startedAt of the run this one was compared with; null on the first run. */
  previousRun: string | null;
  /** e.g. "state file was corrupt; moved aside to …" */
  warnings: string[];
}

export interface NotificationResult {
  url: string;
  events: number;
  ok: boolean;
  attempts: number;
  error: string | null;
}
