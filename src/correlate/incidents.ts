// Across sites: which failures share a cause. Pure; reads only classified records, so the same code
// can later merge reports from many vantage points.
//
// The rules, in the order they are applied (after the host findings of host.ts, which explain failures that say
// nothing about any site and, when nothing outside answered, stop the rest: nothing is blamed on anyone):
//   2. Resolver: one resolver fails (timeout, SERVFAIL, REFUSED, network error) for names other resolvers answer.
//   3. Authoritative DNS: every resolver fails for names whose failing zone one operator runs (or one zone, or one
//      set of name servers), while other names resolve.
//   4. Shared provider: at least `minSites` sites fail at one provider's layer (edge, challenge, network, tls), or
//      the provider's own pages say it cannot reach or use the origins of at least `minSites` sites whose origins,
//      at as many distinct addresses, answer when fetched directly (the path from the provider to them is shared).
// A single site's origin or own failure never makes an incident.

import { samplesFlapped, type Attempt, type DnsAnswer, type Incident, type IncidentKind, type Layer, type ResolverSpec, type SiteReport, type SystemResolverSpec, type LossProbe } from '../model.js';
import type { SiteStack } from '../classify/stack.js';
import { oneOffSiteHost } from '../classify/redirect.js';
import { joinAnd, listNames, plural } from '../util/text.js';
import { dnsFailureWord } from '../util/errors.js';
import { resolverTarget } from '../config/resolvers.js';
import { addressAnswers, dnssecFailureWords, dnssecFailureZone, edeWords, hostAddressAnswers, isDnssecFailure, isStale, policyBlockWords, rejectedDespiteValidation, soleResolverByName, staleWords, validatingResolvers } from '../classify/dns-facts.js';
import { groupBy, linkedGroups } from '../util/collections.js';
import { isAtOrBelow } from '../util/dns-name.js';
import { nat64Of } from '../fingerprint/ranges/trie.js';
import { bandWords, cutBand, cutRange, deliveredMore, translated } from './host.js';
import { connected } from '../classify/reach.js';
import { onsetWords, type DarkOnset } from './onset.js';
import { unanswered } from '../classify/crowding.js';

export interface AttributionOptions {
  /** Sites that must fail at one provider's layer before it is called an incident (default 2). */
  minSites: number;
  /**
   * The run has a state file to learn from (--state): a set of challenges that nothing explains yet is this host's
   * baseline being learned, not an incident.
   */
  remembering?: boolean;
  /**
   * The proxy this process's environment names (util/env-proxy.ts), which no fetch uses: with nothing reachable
   * directly, the local-network evidence names it.
   */
  environmentProxy?: string | null;
  /** By resolver name: the loss probes the run sent (probe/dns/loss-probe.ts); none when it sent none. */
  lossProbes?: ReadonlyMap<string, LossProbe>;
}

export interface SiteFacts {
  report: SiteReport;
  stack: SiteStack;
  /** Ids of the site's attempts that a host finding explains (no route from here, a blocked resolver): no evidence. */
  explained: ReadonlySet<string>;
}

const DNS_FAILURE = new Set(['timeout', 'servfail', 'refused', 'network-error']);

const PROVIDER_LAYERS: ReadonlySet<Layer> = new Set(['edge', 'challenge', 'network', 'tls']);

const round2 = (x: number) => Math.round(Math.min(0.99, Math.max(0, x)) * 100) / 100;

/** The same incident in two runs has the same id: "provider:Cloudflare:edge", "resolver:Cloudflare:resolver:alpha". */
export function incidentId(kind: IncidentKind, provider: string | null, layer: Layer, resolver?: string): string {
  return [kind, provider ?? '-', layer, ...(resolver ? [resolver] : [])].join(':');
}

/** What an incident holds before state, locations and status pages speak to it: nothing yet. */
function notYetKnown(): Pick<Incident, 'change' | 'since' | 'locations' | 'healthyLocations' | 'acknowledged'> {
  return { change: null, since: null, locations: [], healthyLocations: [], acknowledged: null };
}

// ───────────────────────────── 2. resolver ─────────────────────────────

/** One resolver failing for names other resolvers answer: the names, and what it said. */
interface FailingResolver {
  resolver: ResolverSpec;
  asked: number;
  failed: string[];
  outcomes: string[];
  /** This host's resolver: the resolvers that asked its own servers directly and were answered. */
  serversAnswer?: string[];
}

/** Who runs a resolver, for grouping: its provider, or the resolver itself when nobody is known to run it. */
function operatorOf(r: ResolverSpec): string {
  return r.provider ?? `resolver ${r.name}`;
}

/**
 * Resolvers that fail (timeout, SERVFAIL, REFUSED, network error — or NXDOMAIN for a name whose site another
 * resolver's address served) for at least `minSites` names, and at least half of those asked, that other resolvers
 * answer. One incident per operator, naming each of its failing
 * resolvers and those of its resolvers that still answer (on 2025-07-14 Cloudflare's DoH kept working while
 * 1.1.1.1 and 1.0.0.1 were gone).
 *
 * Names of one customer's zone are one witness: a resolver failing every name of one zone while it answers other
 * zones is at odds with that zone's name servers (one of them failing or turning the resolver away: resolvers
 * pick different servers), not failing itself. Short of `minSites` zones only by that, it is a finding.
 */
export function resolverIncidents(sites: SiteFacts[], dns: DnsAnswer[], resolvers: ResolverSpec[], options: AttributionOptions): SharedFailures {
  const answers = addressAnswers(dns);
  const answeredBy = answeringResolvers(answers);
  // A DNSSEC rejection is the resolver's own failure only where another resolver validated the name: looked up
  // only when some answer rejects one (a healthy run builds no map).
  const validating = answers.some(isDnssecFailure) ? validatingResolvers(answers) : NO_VALIDATORS;
  // A name withheld by policy (EDE 15–17) is the resolver doing what it is meant to, not failing.
  const failedAnswer = (d: DnsAnswer) => DNS_FAILURE.has(d.outcome) || (d.outcome === 'nxdomain' && deniesServedName(d));
  const ownFailure = (d: DnsAnswer) => failedAnswer(d) && policyBlockWords(d) === null && (!isDnssecFailure(d) || rejectedDespiteValidation(d, validating));
  // A resolver saying a name does not exist fails it only when another resolver's address for it served the site: a
  // name that really is missing, which one resolver "answers" (an NXDOMAIN redirect), must not make the honest ones
  // fail. Looked up only when some answer is an NXDOMAIN.
  let servedThrough: Map<string, Set<string>> | null = null;
  const deniesServedName = (d: DnsAnswer) => {
    servedThrough ??= resolversThatServed(sites);
    const served = servedThrough.get(d.name);
    return served !== undefined && [...served].some((r) => r !== d.resolver);
  };
  const byResolver = groupBy(answers, (d) => d.resolver);
  const answering = new Set(resolvers.filter((r) => (byResolver.get(r.name) ?? []).some((d) => d.outcome === 'ok')).map((r) => r.name));
  const failing: FailingResolver[] = [];
  const atOdds: Array<{ failing: FailingResolver; why: string }> = [];
  let witnessesOf: ((names: string[]) => WitnessLabel[]) | null = null;
  let dnsHostOf: Map<string, string | null> | null = null;
  for (const resolver of resolvers) {
    const mine = byResolver.get(resolver.name) ?? [];
    // A resolver none of whose answers failed fails no name: no map of its names is made (a long run's healthy case).
    if (!mine.some(ownFailure)) continue;
    // By name, in first-asked order: did every answer of this resolver fail, and none for DNSSEC?
    const ownFailed = new Map<string, boolean>();
    for (const d of mine) ownFailed.set(d.name, (ownFailed.get(d.name) ?? true) && ownFailure(d));
    const asked = [...ownFailed.keys()];
    const failed = asked.filter((name) => {
      if (!ownFailed.get(name)) return false;
      // Other resolvers answered the same name.
      const others = answeredBy.get(name);
      return others === null || (others !== undefined && others !== resolver.name);
    });
    if (failed.length === 0 || failed.length < Math.min(options.minSites, asked.length) || failed.length / asked.length < 0.5) continue;
    const failedNames = new Set(failed);
    const found = { resolver, asked: asked.length, failed, outcomes: [...new Set(mine.filter((d) => failedNames.has(d.name) && ownFailure(d)).map(resolverFailureWord))] };
    // What it does answer is what the names it fails are compared with (a resolver that answers nothing compares nothing).
    const answered = [...new Set(mine.filter((d) => d.outcome === 'ok').map((d) => d.name))].filter((name) => !failedNames.has(name));
    witnessesOf ??= namesAsWitnesses(sites);
    const failedWitnesses = witnessesOf(failed);
    const failedLabels = new Set(failedWitnesses.map((w) => w.name));
    const answeredWitnesses = witnessesOf(answered).filter((w) => !failedLabels.has(w.name)).length;
    if (failedWitnesses.length < options.minSites && answeredWitnesses > 0) {
      atOdds.push({ failing: found, why: zonesShortfall(resolver.name, failedWitnesses, answeredWitnesses) });
      continue;
    }
    // Every name it fails on one DNS host while it answers names on others: that host's servers and it at odds.
    dnsHostOf ??= dnsHostsByName(sites);
    const failedHosts = new Set(failed.map((name) => dnsHostOf!.get(name) ?? null));
    const [host] = failedHosts;
    const answeredHosts = new Set(answered.map((name) => dnsHostOf!.get(name) ?? null).filter((h) => h !== null && h !== host));
    if (failedHosts.size === 1 && host && answeredHosts.size > 0) atOdds.push({ failing: found, why: dnsHostShortfall(resolver.name, host, failedWitnesses.length, answeredHosts.size) });
    else failing.push(withServersAnswering(found, resolvers, answering));
  }
  const incidents = [...groupBy(failing, (f) => operatorOf(f.resolver)).values()].map((group) => operatorIncident(group, resolvers, answering, byResolver, sites));
  const findings = atOdds.map(({ failing: f, why }) => {
    const built = operatorIncident([f], resolvers, answering, byResolver, sites);
    return { ...built, confidence: Math.min(built.confidence, FINDING_CONFIDENCE), summary: tentativeSummary(built, why), evidence: [...built.evidence, `not an incident: ${why}`] };
  });
  return { incidents, findings };
}

/**
 * This host's resolver failing while its own servers answer when asked directly (the same address, as another
 * resolver here): what fails is between getaddrinfo and them — a stub such as systemd-resolved, nsswitch.conf,
 * resolv.conf's options, a local firewall — so it is this host's, whoever runs the servers.
 */
function withServersAnswering(found: FailingResolver, resolvers: ResolverSpec[], answering: Set<string>): FailingResolver {
  const servers = found.resolver.kind === 'system' ? found.resolver.nameservers?.addresses : undefined;
  if (!servers) return found;
  const direct = resolvers.filter((r) => (r.kind === 'udp' || r.kind === 'tcp') && r.port === 53 && servers.includes(r.address) && answering.has(r.name)).map((r) => r.name);
  return direct.length === 0 ? found : { ...found, resolver: { ...found.resolver, provider: null }, serversAnswer: direct };
}

/** A resolver as evidence names it: where it is reached; for this host's own, the servers it asks. */
function resolverWhere(r: ResolverSpec): string {
  if (r.kind !== 'system') return resolverTarget(r);
  const ns = r.nameservers;
  if (!ns) return 'getaddrinfo, /etc/resolv.conf';
  return `getaddrinfo → ${ns.via ? `${ns.via} → ` : ''}${ns.addresses.join(', ')}, from ${ns.file}`;
}

/** The independent witnesses among names (a site's name as its site witnesses: witnessGroups; a name no site has by itself). */
function namesAsWitnesses(sites: SiteFacts[]): (names: string[]) => WitnessLabel[] {
  const byHost = groupBy(sites, (s) => s.report.host);
  return (names) => {
    const named = names.flatMap((name) => byHost.get(name) ?? []);
    const loose = names.filter((name) => !byHost.has(name)).map((name): WitnessLabel => ({ name, kind: 'names' }));
    return [...witnessGroups(named).map(witnessLabel), ...loose];
  };
}

export interface WitnessLabel {
  /** The other owner's name the group goes through, its one zone, or its names. */
  name: string;
  kind: 'through' | 'zone' | 'names';
}

/** What a group of linked witnesses shares: the other owner's name all of them go through, else their one zone, else their names. */
export function witnessLabel(group: SiteFacts[]): WitnessLabel {
  const through = group.length > 1 ? group[0]!.stack.throughNames.find((name) => group.every((s) => s.stack.throughNames.includes(name))) : undefined;
  if (through) return { name: through, kind: 'through' };
  const zone = group[0]!.stack.zone;
  if (zone !== null && group.every((s) => s.stack.zone === zone)) return { name: zone, kind: 'zone' };
  return { name: listNames(group.map((s) => s.report.host), 3), kind: 'names' };
}

/** By site name (host): the DNS host of its zone (dnsHostKey), where one is known. */
function dnsHostsByName(sites: SiteFacts[]): Map<string, string | null> {
  return new Map(sites.map((s) => [s.report.host, dnsHostKey(s.stack)]));
}

/** Why one resolver failing the names of one DNS host's zones, while it answers names on others, is not that resolver failing. */
function dnsHostShortfall(resolver: string, host: string, zones: number, otherHosts: number): string {
  return `every one is in a zone on one DNS host, ${host} (${plural(zones, 'zone')}), and ${resolver} answers names on ${plural(otherHosts, 'other DNS host')}: ${host}'s servers and ${resolver} disagree (some of them failing or unreachable from ${resolver}; resolvers reach different ones)`;
}

/** Why one resolver failing the names of too few witnesses, while it answers others, is not that resolver failing. */
function zonesShortfall(resolver: string, failed: WitnessLabel[], others: number): string {
  const one = failed.length === 1 ? failed[0]! : null;
  const where = one ? (one.kind === 'through' ? `every one leads through ${one.name}` : one.kind === 'zone' ? `every one is in the zone ${one.name}` : `every one is one owner's (${one.name})`) : `they come down to ${plural(failed.length, 'zone')} (${listNames(failed.map((w) => w.name), 3)})`;
  const those = one ? "that zone's name servers" : "those zones' name servers";
  return `${where}, and ${resolver} answers names in ${plural(others, 'other zone')}: ${those} and ${resolver} disagree (a server of ${one ? 'the zone' : 'theirs'} failing or turning ${resolver} away; resolvers pick different servers)`;
}

/**
 * Which resolvers answered each name from its authority, grouped once so thousands of names stay linear: the one
 * resolver that did, or null for two or more (a set a name would be most of this stage's memory over a long list).
 * An answer from stale cache is not one: a resolver failing a name that others answer only stale is right to fail.
 */
function answeringResolvers(answers: DnsAnswer[]): Map<string, string | null> {
  return soleResolverByName(answers, (d) => d.outcome === 'ok' && !isStale(d));
}

/**
 * One resolver alone rejecting for DNSSEC, in `minSites` customer zones or more and at least half the names it was
 * asked, names that other resolvers answer without vouching for them (no AD bit: they may not validate at all). Unrelated
 * zones' signing rarely breaks at once, so that resolver's validation is the likelier fault; but nothing here shows
 * the signatures are sound, so it is said, not alerted on. A rejection another resolver's validation contradicts is
 * the resolver incident's (resolverIncidents).
 */
export function doubtedValidationFindings(sites: SiteFacts[], dns: DnsAnswer[], resolvers: ResolverSpec[], options: AttributionOptions): Incident[] {
  if (!dns.some(isDnssecFailure)) return [];
  const answers = addressAnswers(dns);
  const validating = validatingResolvers(answers);
  const answeredBy = answeringResolvers(answers);
  // Names two resolvers or more reject for DNSSEC: validators agreeing is the zone's signing, no one resolver's.
  const rejectedBy = soleResolverByName(answers, isDnssecFailure);
  const findings: Incident[] = [];
  for (const resolver of resolvers) {
    const mine = answers.filter((d) => d.resolver === resolver.name);
    const doubted = new Map<string, boolean>();
    for (const d of mine) doubted.set(d.name, (doubted.get(d.name) ?? true) && isDnssecFailure(d) && !rejectedDespiteValidation(d, validating));
    const names = [...doubted].filter(([name, rejected]) => {
      const others = answeredBy.get(name);
      return rejected && rejectedBy.get(name) === resolver.name && (others === null || (others !== undefined && others !== resolver.name));
    }).map(([name]) => name);
    const named = new Set(names);
    const rejectedSites = sites.filter((s) => named.has(s.report.host));
    if (names.length / doubted.size < 0.5 || zoneWitnesses(rejectedSites) < options.minSites) continue;
    const answering = resolvers.filter((r) => r.name !== resolver.name && answers.some((d) => d.resolver === r.name && named.has(d.name) && d.outcome === 'ok')).map((r) => r.name);
    const said = [...new Set(mine.filter((d) => named.has(d.name)).map((d) => dnssecFailureWords(d)!))];
    findings.push({
      id: incidentId('resolver', resolver.provider, 'resolver', resolver.name),
      ...notYetKnown(),
      kind: 'resolver',
      provider: resolver.provider,
      layer: 'resolver',
      resolver: resolver.name,
      resolvers: [resolver.name],
      sites: rejectedSites.map((s) => s.report.name),
      probed: doubted.size,
      controls: answering,
      scope: names.length === doubted.size ? 'full' : 'partial',
      confidence: FINDING_CONFIDENCE,
      summary:
        `Possibly resolver ${resolver.name}'s DNSSEC validation failing: it rejects ${names.length} of ${plural(doubted.size, 'name')} (${said.join(', ')}) in ${plural(zoneWitnesses(rejectedSites), 'zone')} that ${answering.join(', ')} answer${answering.length === 1 ? 's' : ''}` +
        ` — not an incident: ${answering.length === 1 ? 'it does' : 'they do'} not vouch for the answers (no AD bit), so the zones' signing could be what is broken; a validating resolver in the list would tell (confidence ${FINDING_CONFIDENCE})`,
      evidence: [
        `${resolver.name} (${resolverTarget(resolver)}): ${said.join(', ')} for ${listNames(names)}`,
        `answered without the AD bit by ${answering.join(', ')}`,
        'not an incident: no resolver here validated these names, so whether the zones or this resolver are wrong is not shown',
      ],
    });
  }
  return findings;
}

/** The resolvers that resolver incidents name as failing. */
export function failingResolvers(incidents: readonly Incident[]): ReadonlySet<string> {
  return new Set(incidents.flatMap((i) => (i.kind === 'resolver' ? (i.resolvers ?? []) : [])));
}

/** The attempts of a site that a resolver incident explains: the addresses its failing resolvers did not give. */
export function resolverIncidentAttempts(site: SiteReport, failing: ReadonlySet<string>): Attempt[] {
  return site.attempts.filter((a) => a.outcome !== 'ok' && a.layer === 'resolver' && a.resolver !== null && failing.has(a.resolver));
}

const NO_VALIDATORS: ReadonlyMap<string, string | null> = new Map();

/** By host name: the resolvers whose addresses served its site (an edge fetch through them came back ok). */
function resolversThatServed(sites: SiteFacts[]): Map<string, Set<string>> {
  const served = new Map<string, Set<string>>();
  for (const s of sites) {
    for (const a of s.report.attempts) {
      if (a.path !== 'edge' || a.address === null || a.outcome !== 'ok') continue;
      let set = served.get(s.report.host);
      if (!set) served.set(s.report.host, (set = new Set()));
      for (const r of a.resolvers) set.add(r);
    }
  }
  return served;
}

/** Whether these answers (one resolver's address answers) answer every one of `names` with an address, fresh. */
function answeredEvery(answers: readonly DnsAnswer[], names: ReadonlySet<string>): boolean {
  const answered = new Set<string>();
  for (const d of answers) if (d.outcome === 'ok' && !isStale(d) && names.has(d.name)) answered.add(d.name);
  return answered.size === names.size;
}

/** What a failing resolver said: its outcome, or the DNSSEC rejection another resolver's validation contradicts. */
function resolverFailureWord(d: DnsAnswer): string {
  const dnssec = dnssecFailureWords(d);
  return dnssec ? `DNSSEC rejection (${dnssec}) of names others validate` : dnsFailureWord(d);
}

function operatorIncident(failingGroup: FailingResolver[], resolvers: ResolverSpec[], answering: Set<string>, byResolver: ReadonlyMap<string, DnsAnswer[]>, sites: SiteFacts[]): Incident {
  // The operator's own resolvers lead; this host's, which asks its servers, follows them.
  const group = [...failingGroup].sort((a, b) => Number(a.resolver.kind === 'system') - Number(b.resolver.kind === 'system'));
  const lead = group[0]!.resolver;
  const names = group.map((f) => f.resolver.name);
  const operator = operatorOf(lead);
  const own = group.map((f) => f.resolver).find((r): r is SystemResolverSpec => r.kind === 'system');
  // This host's resolver answering is no sign of the operator's health: its stub may answer from cache.
  const sameOperator = resolvers.filter((r) => operatorOf(r) === operator && r.kind !== 'system' && !names.includes(r.name) && answering.has(r.name)).map((r) => r.name);
  const others = resolvers.filter((r) => operatorOf(r) !== operator && answering.has(r.name));
  const failed = [...new Set(group.flatMap((f) => f.failed))];
  const asked = Math.max(...group.map((f) => f.asked));
  const outcomes = [...new Set(group.flatMap((f) => f.outcomes))];
  const fraction = failed.length / asked;
  // Compared only with this host's own resolver, a silent public resolver could as well be this network
  // blocking outbound DNS: say so, and do not be sure.
  const onlyLocalAnswer = others.length > 0 && others.every((r) => r.kind === 'system' || r.local === true);
  const confidence = round2(
    Math.min(onlyLocalAnswer ? 0.5 : 1, 0.55 + 0.3 * fraction + (failed.length >= 3 ? 0.1 : 0) + (others.length >= 2 ? 0.05 : 0)),
  );
  const asksOperator = own !== undefined && lead.provider !== null && own.provider === lead.provider && own.nameservers !== undefined;
  const ownWords = own ? `this host's own resolver (${own.name}${asksOperator ? `, which asks ${own.nameservers!.addresses.join(', ')}` : `: ${resolverWhere(own)}`})` : null;
  const theirs = names.filter((n) => n !== own?.name);
  const who = lead.provider
    ? ownWords
      ? theirs.length > 0
        ? `${lead.provider} ${theirs.length > 1 ? 'resolvers' : 'resolver'} ${theirs.join(', ')} and ${ownWords}`
        : `${lead.provider}'s servers behind ${ownWords}`
      : `${lead.provider} ${group.length > 1 ? 'resolvers' : 'resolver'} ${names.join(', ')}`
    : (ownWords ?? `resolver ${lead.name}`);
  const failedNames = new Set(failed);
  // Named only when they answered every one of those names: a resolver that answered others, or failed some of these
  // too, does not vouch for them (each was answered by some other resolver, or it would not count).
  const vouching = others.filter((r) => answeredEvery(byResolver.get(r.name) ?? [], failedNames));
  const clauses = [
    `${outcomes.join('/')} for ${failed.length} of ${plural(asked, 'name')} that ${vouching.map((r) => r.name).join(', ') || 'other resolvers'} answer${vouching.length === 1 ? 's' : ''}`,
    sameOperator.length > 0 ? `${lead.provider}'s ${sameOperator.join(', ')} ${sameOperator.length === 1 ? 'answers' : 'answer'}` : null,
  ].filter(Boolean);
  return {
    id: incidentId('resolver', lead.provider, 'resolver', lead.provider ? undefined : lead.name),
    ...notYetKnown(),
    kind: 'resolver',
    provider: lead.provider,
    layer: 'resolver',
    resolver: lead.name,
    resolvers: names,
    sites: sites.filter((s) => failedNames.has(s.report.host)).map((s) => s.report.name),
    probed: asked,
    controls: others.map((r) => r.name),
    scope: failed.length === asked && sameOperator.length === 0 ? 'full' : 'partial',
    confidence,
    summary: `${capitalise(who)} failing: ${clauses.join('; ')} (confidence ${confidence})`,
    evidence: [
      ...group.map((f) => `${f.resolver.name} (${resolverWhere(f.resolver)}): ${f.outcomes.join(', ')} for ${listNames(f.failed)}`),
      ...(asksOperator ? [`this host's own resolver asks ${lead.provider}'s ${own!.nameservers!.addresses.join(', ')}: it fails with them, not on its own`] : []),
      ...group.flatMap((f) =>
        f.serversAnswer
          ? [`its servers answer when asked directly (as ${f.serversAnswer.join(', ')}): what fails is between getaddrinfo and them${f.resolver.kind === 'system' && f.resolver.nameservers?.via ? ` (${f.resolver.nameservers.via}, ` : ' ('}nsswitch.conf, resolv.conf's options, a local firewall), on this host`]
          : [],
      ),
      `answered by ${others.map((r) => r.name).join(', ')}`,
      ...(sameOperator.length > 0 ? [`still answering for ${lead.provider}: ${sameOperator.join(', ')}`] : []),
      ...(onlyLocalAnswer ? ['only this host\'s own resolver was there to compare with: a network that blocks outbound DNS would look the same'] : []),
      ...(outcomes.includes('nxdomain')
        ? [`it says names do not exist (NXDOMAIN) that other resolvers answer with addresses that serve the sites: a filter answering NXDOMAIN, a split-horizon or VPN resolver without the public names, or a resolver cut off from the public DNS — not the sites`]
        : []),
    ],
  };
}

// ───────────────────────────── 3. authoritative DNS ─────────────────────────────

/** The DNS host of a site: its catalogued provider, else the common parent domain of its name servers. */
function dnsHostKey(stack: SiteStack): string | null {
  if (stack.dnsHost) return stack.dnsHost.name;
  const parents = [...new Set(stack.nameServers.map((ns) => ns.split('.').slice(-2).join('.')))];
  return parents.length === 1 ? parents[0]! : null;
}

function resolvesSomewhere(site: SiteFacts): boolean {
  return addressAnswers(site.report.dns).some((d) => d.outcome === 'ok');
}

/**
 * What the sites whose names break at one operator share, most specific first: the operator of the failing zone
 * (catalog or the site's own DNS host), else the failing zone itself (one uncatalogued zone on several chains),
 * else the name servers of the site's own zone (as answered now or remembered). Null: nothing known to share;
 * the site is blamed on its own.
 */
interface DnsGroupKey {
  key: string;
  /** Who the incident names: a provider, a zone, or name servers' common domain. */
  name: string;
  kind: 'operator' | 'zone' | 'name-servers';
}

function dnsGroupKey(site: SiteFacts): DnsGroupKey | null {
  const fz = site.report.failingZone;
  if (!fz) return null;
  if (fz.provider) return { key: `operator|${fz.provider}`, name: fz.provider, kind: 'operator' };
  if (!fz.own && fz.zone) return { key: `zone|${fz.zone}`, name: fz.zone, kind: 'zone' };
  const host = dnsHostKey(site.stack);
  return host ? { key: `ns|${host}`, name: host, kind: 'name-servers' } : null;
}

/** The sites that depend on what the key names: on that provider at any layer, through that zone, on those name servers. */
function dependsOn(site: SiteFacts, g: DnsGroupKey): boolean {
  if (dnsGroupKey(site)?.key === g.key) return true;
  switch (g.kind) {
    case 'operator':
      return site.stack.dnsHost?.name === g.name || site.stack.edge?.name === g.name;
    case 'zone':
      return site.report.chain.some((h) => isAtOrBelow(h.name, g.name));
    case 'name-servers':
      return dnsHostKey(site.stack) === g.name;
  }
}

/**
 * The resolvers could not get an answer from the authority (SERVFAIL, timeout, REFUSED). An authority that
 * answers without an address (an empty record) is serving its zone's own content: the site's trouble, or its
 * region's, not an authority outage shared with other zones.
 */
function authorityUnanswered(site: SiteFacts): boolean {
  return addressAnswers(site.report.dns).some((d) => d.name === site.report.host && DNS_FAILURE.has(d.outcome));
}

export interface SharedFailures {
  incidents: Incident[];
  /** Shared observations too weak to be incidents: said, never alerted on, no exit 2. */
  findings: Incident[];
}

export interface ProviderFailures extends SharedFailures {
  /** Providers whose connections failed at `minSites` witnesses or more (two or more at once is the way from here). */
  connectionTrouble: string[];
}

/**
 * Names that every resolver fails while the same resolvers answer for other names, grouped by the operator of the
 * zone that fails (classify/delegation.ts placed it). Never a resolver's fault: three resolvers agreeing is the
 * authority failing. Several sites' own zones failing so with nothing known to group them by is a finding.
 */
export function authoritativeDnsIncidents(sites: SiteFacts[], options: AttributionOptions): SharedFailures {
  const groups = new Map<string, { key: DnsGroupKey; failing: SiteFacts[] }>();
  const ungrouped: SiteFacts[] = [];
  for (const s of sites) {
    if (s.report.status === 'ok' || s.report.status === 'untested' || !authorityUnanswered(s)) continue;
    const key = dnsGroupKey(s);
    if (!key) {
      ungrouped.push(s);
      continue;
    }
    const group = groups.get(key.key);
    if (group) group.failing.push(s);
    else groups.set(key.key, { key, failing: [s] });
  }
  const incidents: Incident[] = [];
  for (const { key, failing } of groups.values()) {
    // A site's own zone failing fails every name in it: names of one zone are one witness.
    if (zoneWitnesses(failing, (s) => (s.report.failingZone!.own ? s.report.failingZone!.zone : s.stack.zone)) < options.minSites) continue;
    const failingSet = new Set(failing);
    const members = sites.filter((s) => failingSet.has(s) || dependsOn(s, key));
    // Zone placement is strong evidence on its own; a shared DNS host alone needs most of its sites failing.
    if (key.kind === 'name-servers' && failing.length / members.length < 0.5) continue;
    const isMember = new Set(members);
    const controls = sites.filter((s) => !isMember.has(s) && resolvesSomewhere(s)).map((s) => s.report.name);
    if (controls.length === 0) continue; // every name fails everywhere: not one DNS operator's doing
    incidents.push(dnsIncident(key, failing, members, controls));
  }
  const finding = unknownDnsHostFinding(ungrouped, sites, options);
  const signing = dnssecIncidents(sites, options);
  const stale = staleAuthorityIncidents(sites, options, incidents);
  return { incidents: [...incidents, ...signing.incidents, ...stale], findings: [...(finding ? [finding] : []), ...signing.findings] };
}

// ───────────────────────────── 3c. authorities answered only from stale caches ─────────────────────────────

/**
 * No resolver answered the site's name fresh, and some answered it from stale cache; with those that failed it
 * (SERVFAIL: no serve-stale there), two or more resolvers agree (or all that were asked): none could reach its
 * authority. A timeout or a refusal says nothing.
 */
function servedStale(site: SiteFacts): boolean {
  // Checked for every site of a run, healthy ones included (a stale answer serves): most have no stale answer at all.
  if (!site.report.dns.some(isStale)) return false;
  const answers = hostAddressAnswers(site.report.dns, site.report.host);
  const answered = answers.filter((d) => d.outcome === 'ok' || d.outcome === 'empty' || d.outcome === 'nxdomain');
  if (answered.length === 0 || !answered.every(isStale)) return false;
  const spoke = new Set([...answered, ...answers.filter((d) => d.outcome === 'servfail')].map((d) => d.resolver)).size;
  return spoke >= Math.min(2, new Set(answers.map((d) => d.resolver)).size);
}

/**
 * Sites whose names every resolver answers only from stale cache (serve-stale, RFC 8767): their authority does not
 * answer, and users still reach them only where a cache holds them. Grouped like the failing names of rule 3: by
 * the operator of the site's DNS or of its CNAME chain's provider (a stale answer does not say which zone on the
 * chain went unanswered: the grouping that holds most of its sites names it), else by the name servers; at least
 * `minSites` zones and half the sites that depend on it, while other names resolve fresh. The same operator's
 * failing-name incident (same id, in `failing`) gains them as a line of evidence; the sites are not down, so they
 * take no blame.
 */
function staleAuthorityIncidents(sites: SiteFacts[], options: AttributionOptions, failing: Incident[]): Incident[] {
  const stale = sites.filter(servedStale);
  if (stale.length === 0) return [];
  const isStale = new Set(stale);
  const fresh = sites.filter((s) => !isStale.has(s) && resolvesSomewhere(s)).map((s) => s.report.name);
  if (fresh.length === 0) return []; // every name stale: the resolvers' own way out, no one operator's
  const keysOf = (s: SiteFacts): DnsGroupKey[] => {
    const keys: DnsGroupKey[] = [];
    for (const p of [s.stack.dnsHost, s.stack.edge]) if (p && !keys.some((k) => k.name === p.name)) keys.push({ key: `operator|${p.name}`, name: p.name, kind: 'operator' });
    const host = dnsHostKey(s.stack);
    if (keys.length === 0 && host) keys.push({ key: `ns|${host}`, name: host, kind: 'name-servers' });
    return keys;
  };
  const candidates = new Map<string, { key: DnsGroupKey; stale: SiteFacts[] }>();
  for (const s of stale) for (const key of keysOf(s)) (candidates.get(key.key) ?? candidates.set(key.key, { key, stale: [] }).get(key.key)!).stale.push(s);
  const ranked = [...candidates.values()]
    .map((c) => ({ ...c, members: sites.filter((s) => keysOf(s).some((k) => k.key === c.key.key)) }))
    .sort((a, b) => b.stale.length / b.members.length - a.stale.length / a.members.length || b.stale.length - a.stale.length);
  const taken = new Set<SiteFacts>();
  const incidents: Incident[] = [];
  for (const { key, stale: group, members } of ranked) {
    const left = group.filter((s) => !taken.has(s));
    if (zoneWitnesses(left) < options.minSites || left.length / members.length < 0.5) continue;
    const id = incidentId('authoritative-dns', key.name, 'authoritative-dns');
    for (const s of left) taken.add(s);
    const same = failing.find((i) => i.id === id);
    if (same) {
      same.evidence.push(`answered only from resolvers' stale caches (serve-stale): ${listNames(left.map((s) => s.report.name))}`);
      continue;
    }
    const memberNames = new Set(members.map((m) => m.report.name));
    const controls = fresh.filter((name) => !memberNames.has(name));
    if (controls.length === 0) continue;
    incidents.push(staleIncident(key, left, members, controls));
  }
  return incidents;
}

function staleIncident(key: DnsGroupKey, stale: SiteFacts[], members: SiteFacts[], controls: string[]): Incident {
  const answers = stale.flatMap((s) => hostAddressAnswers(s.report.dns, s.report.host).filter(isStale));
  const resolvers = [...new Set(answers.map((d) => d.resolver))];
  const failed = [...new Set(stale.flatMap((s) => hostAddressAnswers(s.report.dns, s.report.host).filter((d) => d.outcome === 'servfail').map((d) => d.resolver)))];
  const edes = [...new Set(answers.flatMap(staleWords))];
  const fraction = stale.length / members.length;
  const confidence = round2(0.5 + 0.2 * fraction + (resolvers.length >= 2 ? 0.1 : 0) + (stale.length >= 3 ? 0.05 : 0));
  const { who, head } = dnsOperatorWords(key);
  return {
    ...dnsOperatorIncident(key, stale, members, controls, confidence),
    summary:
      `${head}: ${stale.length} of ${plural(members.length, 'site')} on ${who} resolve only from resolvers' stale caches (${edes.join(', ')} from ${listNames(resolvers)}): their authority does not answer;` +
      ` they work for now where a cache holds them and fail where none does; ${plural(controls.length, 'site')} elsewhere resolve fresh (confidence ${confidence})`,
    evidence: [
      `answered past their TTL (serve-stale, RFC 8767) by ${listNames(resolvers)}: ${listNames(stale.map((s) => s.report.host))}`,
      ...(failed.length > 0 ? [`SERVFAIL from ${listNames(failed)}, which serve${failed.length === 1 ? 's' : ''} no stale answers: what every resolver will say once the caches give up`] : []),
      `resolving fresh elsewhere: ${listNames(controls)}`,
      'the sites are not down: a resolver without these names in its cache fails them',
    ],
  };
}

// ───────────────────────────── 3b. DNSSEC signing shared by zones ─────────────────────────────

/**
 * Every resolver that spoke rejects the site's name for DNSSEC, two or more of them agreeing (or the only ones
 * asked), and none validated it elsewhere: the zone's signing (or its chain of trust) fails, not a resolver.
 */
function signingFails(site: SiteFacts): boolean {
  if (site.report.status === 'ok' || site.report.status === 'untested') return false;
  const answers = hostAddressAnswers(site.report.dns, site.report.host);
  const rejecting = answers.filter(isDnssecFailure);
  if (rejecting.length === 0 || answers.some((d) => d.outcome === 'ok' && d.values.length > 0)) return false;
  const validating = validatingResolvers(site.report.dns);
  if (rejecting.some((d) => rejectedDespiteValidation(d, validating))) return false;
  const resolvers = new Set(rejecting.map((d) => d.resolver));
  return resolvers.size >= 2 || resolvers.size === new Set(answers.map((d) => d.resolver)).size;
}

/** Where the site's validation fails, as the SOA walk places it: its own zone, or a parent whose keys fail. */
function failingSignedZone(site: SiteFacts): string | null {
  return dnssecFailureZone(site.report.host, site.report.dns);
}

/** One customer: the site's own zone (its NS walk, asked with checking disabled, finds it), else where it fails. */
function signedZoneOf(site: SiteFacts): string | null {
  return site.stack.zone ?? failingSignedZone(site);
}

/**
 * The customer a site under failing `zone` stands for: its own zone when that lies below; the failing zone itself
 * when it is the site's own; unknown, the name directly under the failing zone (the host itself when it is that
 * zone).
 */
function customerUnder(site: SiteFacts, zone: string): string {
  const own = site.stack.zone;
  if (own) return own !== zone && isAtOrBelow(own, zone) ? own : zone;
  const host = site.report.host;
  if (host === zone) return host;
  return `${host.slice(0, -(zone.length + 1)).split('.').at(-1)}.${zone}`;
}

/**
 * Zones whose DNSSEC fails together, as one signer would make them. In order: a failing zone above `minSites`
 * customers' zones or more (a TLD whose own keys fail: .ru on 2024-01-30); zones on two DNS hosts or more that are
 * every probed name under one parent zone (the parent's signing or the DS records it publishes); sites on one DNS
 * host (catalogued, or name servers under one domain), most of its sites, in `minSites` zones or more: that host's
 * signing. Zones failing at once with nothing to group them are a finding; a single zone failing is its
 * own (the site is blamed alone).
 */
function dnssecIncidents(sites: SiteFacts[], options: AttributionOptions): SharedFailures {
  const failing = sites.filter(signingFails);
  if (failing.length === 0) return { incidents: [], findings: [] };
  const incidents: Incident[] = [];
  const isFailing = new Set(failing);
  const resolving = sites.filter((s) => !isFailing.has(s) && resolvesSomewhere(s)).map((s) => s.report.name);
  const left = new Set(failing);
  /** Every probed site under `zone` fails, and some site elsewhere resolves: the names outside it, or null. */
  const outside = (zone: string): string[] | null => {
    const under = sites.filter((s) => isAtOrBelow(s.report.host, zone));
    if (under.some((s) => !isFailing.has(s))) return null;
    const underNames = new Set(under.map((s) => s.report.name));
    const controls = resolving.filter((name) => !underNames.has(name));
    return controls.length > 0 ? controls : null;
  };
  const take = (incident: Incident, group: SiteFacts[]) => {
    incidents.push(incident);
    for (const s of group) left.delete(s);
  };

  for (const [zone, group] of groupBy(failing.filter((s) => failingSignedZone(s) !== null), (s) => failingSignedZone(s)!)) {
    // Above the customers' own zones: names of one customer's zone are one witness however many.
    if (zoneWitnesses(group, (s) => customerUnder(s, zone)) < options.minSites) continue;
    const controls = outside(zone);
    if (controls) take(signingIncident({ name: `the zone ${zone}`, provider: null, id: zone }, group, group, controls, `${zone} itself fails validation, and with it every zone below it`), group);
  }
  for (const [parent, group] of groupBy([...left].filter((s) => signedZoneOf(s)?.includes('.')), (s) => signedZoneOf(s)!.slice(signedZoneOf(s)!.indexOf('.') + 1))) {
    const hosts = new Set(group.map((s) => dnsHostKey(s.stack)));
    if (hosts.size < 2 && !hosts.has(null)) continue; // one DNS host: its signing is the likelier cause (below)
    if (zoneWitnesses(group, signedZoneOf) < options.minSites) continue;
    const controls = outside(parent);
    if (!controls) continue;
    const cause = `${parent}'s signing or the DS records it publishes`;
    const why = hosts.has(null)
      ? `every probed name under ${parent} fails: ${cause}, or one DNS host they share (not every name server is known)`
      : `every probed name under ${parent} fails, on ${hosts.size} different DNS hosts: ${cause}`;
    take(signingIncident({ name: `the zone ${parent}`, provider: null, id: parent }, group, group, controls, why), group);
  }
  for (const [host, group] of groupBy([...left].filter((s) => dnsHostKey(s.stack) !== null), (s) => dnsHostKey(s.stack)!)) {
    const members = sites.filter((s) => dnsHostKey(s.stack) === host);
    // Most of the host's sites: zones fail validation one by one for their owners' reasons too.
    if (zoneWitnesses(group, signedZoneOf) < options.minSites || group.length / members.length <= 0.5) continue;
    const memberNames = new Set(members.map((m) => m.report.name));
    const controls = resolving.filter((name) => !memberNames.has(name));
    if (controls.length === 0) continue;
    const catalogued = group[0]!.stack.dnsHost?.name === host;
    take(signingIncident(catalogued ? { name: host, provider: host } : { name: `name servers under ${host}`, provider: null, id: host }, group, members, controls, 'the DNS host signs these zones'), group);
  }

  const rest = [...left];
  const zones = [...new Set(rest.map((s) => signedZoneOf(s) ?? s.report.host))];
  if (zones.length < Math.max(2, options.minSites) || resolving.length === 0) return { incidents, findings: [] };
  const said = [...new Set(rest.flatMap((s) => s.report.dns.filter(isDnssecFailure).map((d) => dnssecFailureWords(d)!)))];
  const hosts = [...new Set(rest.map((s) => dnsHostKey(s.stack)))];
  const whereHosted = hosts.includes(null)
    ? 'not every zone\'s name servers could be learned; with --state the name servers a healthy run sees are remembered and group them'
    : `they are on ${plural(hosts.length, 'DNS host')} (${listNames(hosts as string[], 3)}), none failing for most of its sites`;
  const finding: Incident = {
    id: incidentId('authoritative-dns', null, 'authoritative-dns', 'dnssec'),
    ...notYetKnown(),
    kind: 'authoritative-dns',
    provider: null,
    layer: 'authoritative-dns',
    sites: rest.map((s) => s.report.name),
    probed: rest.length,
    controls: resolving,
    scope: 'full',
    confidence: FINDING_CONFIDENCE,
    summary:
      `Possibly shared: ${zones.length} zones (${listNames(zones, 3)}) fail DNSSEC validation at every resolver at once (${said.slice(0, 2).join(', ')}) while ${plural(resolving.length, 'site')} elsewhere ${resolving.length === 1 ? 'resolves' : 'resolve'}` +
      ` — not an incident: nothing here shows what they share (a signer, a registrar's DS records), and each zone's own signing may be broken: ${whereHosted} (confidence ${FINDING_CONFIDENCE})`,
    evidence: [
      ...rest.slice(0, 4).map((s) => `${s.report.name}: every resolver rejects ${s.report.host} for DNSSEC (${[...new Set(s.report.dns.filter(isDnssecFailure).map((d) => dnssecFailureWords(d)!))].join(', ')})`),
      ...(rest.length > 4 ? [`the same for ${listNames(rest.slice(4).map((s) => s.report.name), 4)}`] : []),
      `resolving fine elsewhere: ${listNames(resolving)}`,
      'not an incident: no DNS host or parent zone is known to be shared',
    ],
  };
  return { incidents, findings: [finding] };
}

function signingIncident(who: { name: string; provider: string | null; id?: string }, failing: SiteFacts[], members: SiteFacts[], controls: string[], why: string): Incident {
  const zones = [...new Set(failing.map((s) => signedZoneOf(s) ?? s.report.host))];
  const rejections = failing.flatMap((s) => hostAddressAnswers(s.report.dns, s.report.host).filter(isDnssecFailure));
  const resolverCount = new Set(rejections.map((d) => d.resolver)).size;
  const said = [...new Set(rejections.map((d) => dnssecFailureWords(d)!))];
  const fraction = failing.length / members.length;
  const confidence = round2(0.55 + 0.2 * fraction + (resolverCount >= 2 ? 0.1 : 0) + (zones.length >= 3 ? 0.05 : 0));
  const head = who.provider ? `${who.provider} DNSSEC incident` : `DNSSEC incident (${who.name})`;
  return {
    id: incidentId('authoritative-dns', who.provider ?? who.id ?? who.name, 'authoritative-dns', 'dnssec'),
    ...notYetKnown(),
    kind: 'authoritative-dns',
    provider: who.provider,
    layer: 'authoritative-dns',
    sites: failing.map((s) => s.report.name),
    probed: members.length,
    controls,
    scope: failing.length === members.length ? 'full' : 'partial',
    confidence,
    summary: `${head}: ${failing.length} of ${plural(members.length, 'site')}${who.provider ? ` on ${who.provider}` : ''} fail DNSSEC validation at every resolver (${said.slice(0, 2).join(', ')}), in ${plural(zones.length, 'zone')} (${listNames(zones, 3)}): ${why}; ${plural(controls.length, 'site')} elsewhere resolve (confidence ${confidence})`,
    evidence: [
      `rejected for DNSSEC by ${plural(resolverCount, 'resolver')}: ${listNames(failing.map((s) => s.report.host))}`,
      `zones: ${listNames(zones)}`,
      `resolving fine elsewhere: ${listNames(controls)}`,
    ],
  };
}

/**
 * Sites' own zones failing at every resolver at once while other names resolve, with their name servers unknown (a
 * resolver that cannot reach a zone's servers cannot answer its NS question either, and nothing is remembered):
 * one DNS host failing would look like this, and so would unrelated zones failing together. Said, not alerted on.
 * A DNSSEC failure is the zone's own signing, not an unreachable host.
 */
function unknownDnsHostFinding(ungrouped: SiteFacts[], sites: SiteFacts[], options: AttributionOptions): Incident | null {
  const failing = ungrouped.filter((s) => s.report.failingZone?.own && !s.report.dns.some(isDnssecFailure));
  const zones = [...new Set(failing.map((s) => s.report.failingZone!.zone ?? s.report.failingZone!.hop))];
  const isFailing = new Set(failing);
  const controls = sites.filter((s) => !isFailing.has(s) && resolvesSomewhere(s)).map((s) => s.report.name);
  if (zones.length < Math.max(2, options.minSites) || controls.length === 0) return null;
  const failures = [...new Set(failing.flatMap((s) => addressAnswers(s.report.dns).filter((d) => DNS_FAILURE.has(d.outcome)).map((d) => d.outcome.toUpperCase())))];
  const confidence = FINDING_CONFIDENCE;
  return {
    id: incidentId('authoritative-dns', null, 'authoritative-dns'),
    ...notYetKnown(),
    kind: 'authoritative-dns',
    provider: null,
    layer: 'authoritative-dns',
    sites: failing.map((s) => s.report.name),
    probed: failing.length,
    controls,
    scope: 'full',
    confidence,
    summary:
      `Possibly one DNS host failing: ${zones.length} zones (${listNames(zones, 3)}) fail at every resolver at once (${failures.join(', ')}) while ${plural(controls.length, 'site')} elsewhere ${controls.length === 1 ? 'resolves' : 'resolve'}` +
      ` — not an incident: their name servers could not be learned (their NS questions fail too), so nothing shows they share one; with --state the name servers a healthy run sees are remembered and group them (confidence ${confidence})`,
    evidence: [
      ...failing.map((s) => `${s.report.name}: ${s.report.failingZone!.evidence[0] ?? `its zone ${s.report.failingZone!.zone ?? s.report.failingZone!.hop} fails`}`).slice(0, 4),
      ...(failing.length > 4 ? [`the same for ${listNames(failing.slice(4).map((s) => s.report.name), 4)}`] : []),
      `resolving fine elsewhere: ${listNames(controls)}`,
      'not an incident: no name server or DNS host is known for these zones',
    ],
  };
}

/** Who a DNS incident names, and its headline's start: "Dyn DNS incident", "Authoritative DNS incident (the zone x)". */
function dnsOperatorWords(key: DnsGroupKey): { who: string; head: string } {
  const who = key.kind === 'operator' ? key.name : key.kind === 'zone' ? `the zone ${key.name}` : `name servers under ${key.name}`;
  return { who, head: key.kind === 'operator' ? `${key.name} DNS incident` : `Authoritative DNS incident (${who})` };
}

/**
 * What every incident about one DNS operator (or zone, or set of name servers) shares, whatever the symptom: one id,
 * so names that fail outright and names answered only from stale caches are one incident run to run.
 */
function dnsOperatorIncident(key: DnsGroupKey, failing: SiteFacts[], members: SiteFacts[], controls: string[], confidence: number) {
  return {
    id: incidentId('authoritative-dns', key.name, 'authoritative-dns'),
    ...notYetKnown(),
    kind: 'authoritative-dns' as const,
    provider: key.kind === 'operator' ? key.name : null,
    layer: 'authoritative-dns' as const,
    sites: failing.map((s) => s.report.name),
    probed: members.length,
    controls,
    scope: failing.length === members.length ? ('full' as const) : ('partial' as const),
    confidence,
  };
}

function dnsIncident(key: DnsGroupKey, failing: SiteFacts[], members: SiteFacts[], controls: string[]): Incident {
  const zones = [...new Set(failing.map((s) => s.report.failingZone!.zone ?? s.report.failingZone!.hop))];
  const resolverCount = new Set(failing.flatMap((s) => addressAnswers(s.report.dns).map((d) => d.resolver))).size;
  const edes = [...new Set(failing.flatMap((s) => s.report.dns.filter((d) => DNS_FAILURE.has(d.outcome)).flatMap((d) => d.ede.map(edeWords))))];
  const rcodes = [...new Set(failing.flatMap((s) => addressAnswers(s.report.dns).map((d) => d.rcode ?? d.outcome.toUpperCase())))];
  // Corroboration: the provider's edges serve the names that still resolve; the sites' own zones answer their CNAMEs.
  const isFailing = new Set(failing);
  const stillServed = members.filter((s) => !isFailing.has(s) && s.report.status === 'ok').map((s) => s.report.name);
  const ownZonesAnswer = failing.filter((s) => !s.report.failingZone!.own && (s.report.chain[0]?.answeredBy.length ?? 0) > 0).map((s) => s.report.name);
  const fraction = failing.length / members.length;
  const confidence = round2(
    0.55 + 0.2 * fraction + (resolverCount >= 2 ? 0.1 : 0) + (edes.some((e) => /^EDE 2[23]\b/.test(e)) ? 0.05 : 0) + (failing.length >= 3 ? 0.05 : 0) + (stillServed.length > 0 || ownZonesAnswer.length > 0 ? 0.05 : 0),
  );
  const { head } = dnsOperatorWords(key);
  const sitesWord = members.length === 1 ? 'site' : 'sites';
  const whose = key.kind === 'operator' ? `${sitesWord} on ${key.name}` : key.kind === 'zone' ? `${sitesWord} whose names pass through ${key.name}` : `${sitesWord} whose name servers are under ${key.name}`;
  const failingText = `the zone${zones.length > 1 ? 's' : ''} ${listNames(zones, 3)} fail${zones.length > 1 ? '' : 's'} (${[...rcodes, ...edes.slice(0, 1)].join(', ')})`;
  const corroboration = [
    stillServed.length > 0 && key.kind === 'operator' ? `${key.name} serves the names that still resolve` : null,
    ownZonesAnswer.length > 0 ? "the sites' own zones answer" : null,
  ].filter((x): x is string => x !== null);
  return {
    ...dnsOperatorIncident(key, failing, members, controls, confidence),
    summary: `${head}: ${failing.length} of ${members.length} ${whose} cannot be resolved at any resolver: ${failingText}${corroboration.length > 0 ? `; ${corroboration.join('; ')}` : ''}; ${plural(controls.length, 'site')} elsewhere resolve (confidence ${confidence})`,
    evidence: [
      `no address from any of ${plural(resolverCount, 'resolver')} for ${listNames(failing.map((s) => s.report.host))}`,
      ...failing[0]!.report.failingZone!.evidence.map((line, i) => (i === 0 ? `${failing[0]!.report.name}: ${line}` : line)),
      ...(failing.length > 1 ? [`the same for ${listNames(failing.slice(1).map((s) => `${s.report.name} (${s.report.failingZone!.hop})`), 4)}`] : []),
      ...(key.kind === 'name-servers' ? [`name servers: ${[...new Set(failing.flatMap((s) => s.stack.nameServers))].slice(0, 4).join(', ') || 'remembered'} (not in the catalog)`] : []),
      ...(stillServed.length > 0 ? [`still resolving and served: ${listNames(stillServed)}`] : []),
      `resolving fine elsewhere: ${listNames(controls)}`,
    ],
  };
}

// ───────────────────────────── 4. shared provider ─────────────────────────────

/** The site's user-facing attempts that failed at a placed layer and that nothing before (a host finding, an incident) explains. */
export function userFacingFailures(site: SiteFacts): Attempt[] {
  return site.report.attempts.filter((a) => a.path !== 'origin' && a.outcome !== 'ok' && a.layer !== null && !site.explained.has(a.id));
}

/**
 * Failed attempts that speak about a provider's own layer (an undocumented reason on its own page included). A
 * block of this requester speaks about the requester, never the provider's health: it is left out.
 */
function providerFailures(site: SiteFacts): Attempt[] {
  return userFacingFailures(site).filter((a) => (PROVIDER_LAYERS.has(a.layer!) || a.layer === 'unknown') && a.provider !== null && a.challenge?.kind !== 'blocked');
}

/** The site's attempts a provider answered by turning this requester away (an IP, network or country ban, a rate limit, a firewall rule). */
function blocksOfRequester(site: SiteFacts): Attempt[] {
  return site.report.attempts.filter((a) => a.outcome === 'challenge' && a.challenge?.kind === 'blocked' && a.provider !== null && !site.explained.has(a.id));
}

/**
 * Sites of one provider turning this requester away, in `minSites` customer zones or more: said, because a host
 * whose address is banned or rate limited sees many sites fail at once, and never an incident — a block is about
 * the requester, not the provider's health.
 */
export function requesterBlockedFindings(sites: SiteFacts[], options: AttributionOptions): Incident[] {
  const byProvider = new Map<string, { sites: SiteFacts[]; attempts: Attempt[] }>();
  for (const s of sites) {
    const blocks = blocksOfRequester(s);
    if (blocks.length === 0) continue;
    const entry = byProvider.get(blocks[0]!.provider!) ?? { sites: [], attempts: [] };
    entry.sites.push(s);
    entry.attempts.push(...blocks);
    byProvider.set(blocks[0]!.provider!, entry);
  }
  const findings: Incident[] = [];
  for (const [provider, { sites: blocked, attempts }] of byProvider) {
    if (witnesses(blocked) < options.minSites) continue;
    const onProvider = fronted(sites, provider, blocked);
    const said = [...new Set(attempts.map((a) => a.explanation ?? ''))].filter(Boolean);
    findings.push({
      id: incidentId('provider', provider, 'challenge', 'blocked'),
      ...notYetKnown(),
      kind: 'provider',
      provider,
      layer: 'challenge',
      sites: blocked.map((s) => s.report.name),
      probed: onProvider.length,
      controls: [],
      scope: blocked.length === onProvider.length ? 'full' : 'partial',
      confidence: FINDING_CONFIDENCE,
      summary:
        `Possibly this host turned away by ${provider}: ${blocked.length} of ${plural(onProvider.length, `${provider}-fronted site`)} refuse this requester` +
        ` — not an incident: a block is about the requester (this host's address, network, country or request rate), not ${provider}'s health (confidence ${FINDING_CONFIDENCE})`,
      evidence: [...said.slice(0, 3), `refusing: ${listNames(blocked.map((s) => s.report.name))}`, 'not an incident: the pages turn this requester away; they say nothing about the provider failing'],
    });
  }
  return findings;
}

/** The TLS handshake timed out after the connection opened: no alert, no certificate, nothing came back. */
function handshakeStalled(a: Attempt): boolean {
  return a.layer === 'tls' && a.failedPhase === 'tls' && (a.outcome === 'timeout' || a.error?.code === 'ETIMEDOUT');
}

/** The origin path's attempts when every one of them answered: the origin serves whoever reaches it from here. */
export function originAnswersDirectly(site: SiteReport): Attempt[] {
  const direct = site.attempts.filter((a) => a.path === 'origin');
  return direct.length > 0 && direct.every((a) => a.outcome === 'ok') ? direct : [];
}

/**
 * The provider's own pages saying it cannot reach or use the site's origin (layer `origin`), on a site whose
 * origin answers directly: what they report is the path from the provider to the origin, not the origin alone.
 */
function contradictedOriginFailures(site: SiteFacts): Attempt[] {
  if (originAnswersDirectly(site.report).length === 0) return [];
  return site.report.attempts.filter((a) => a.path !== 'origin' && a.outcome !== 'ok' && a.layer === 'origin' && a.provider !== null && !site.explained.has(a.id));
}

const LAYER_WORDS: Record<string, string> = {
  edge: 'edge',
  challenge: 'challenge (bot verification)',
  network: 'network',
  tls: 'TLS',
  origin: 'origin connection',
  unknown: 'error (cause not documented)',
};

const BASE_CONFIDENCE: Record<string, number> = { edge: 0.7, challenge: 0.6, network: 0.55, tls: 0.5, origin: 0.5, unknown: 0.3 };
/** A finding is a shared observation too weak to be an incident: never above this. */
export const FINDING_CONFIDENCE = 0.4;

interface Group {
  provider: string;
  layer: Layer;
  sites: SiteFacts[];
  /** The same sites, to ask whether one is in: a large outage adds tens of thousands. */
  members: Set<SiteFacts>;
  attempts: Attempt[];
  /** Why the group is only a finding, when it is one. */
  tentative: string | null;
  /** Extra clause for the summary (how an undocumented reason became an edge reading). */
  note: string | null;
}

/** The attempts of `from` that `moves` says are `to`'s failure go there, with their sites; an emptied group goes. */
function moveAttempts(groups: Map<string, Group>, from: Group, to: Group, moves: (a: Attempt) => boolean): void {
  const moving = from.attempts.filter(moves);
  if (moving.length === 0) return;
  const byName = new Map(from.sites.map((s) => [s.report.name, s]));
  for (const own of groupBy(moving, (a) => a.site).values()) addTo(to, byName.get(own[0]!.site)!, own);
  from.attempts = from.attempts.filter((a) => !moves(a));
  const left = new Set(from.attempts.map((a) => a.site));
  from.sites = from.sites.filter((s) => left.has(s.report.name));
  from.members = new Set(from.sites);
  if (from.sites.length === 0) groups.delete(`${from.provider}|${from.layer}`);
}

function addTo(group: Group, site: SiteFacts, attempts: Attempt[]): void {
  if (!group.members.has(site)) {
    group.members.add(site);
    group.sites.push(site);
  }
  group.attempts.push(...attempts);
}

/**
 * At least `minSites` sites failing at one provider's own layer. An edge incident needs edge evidence on enough
 * sites by itself; the same provider's challenges then join it as support, but never make it. A challenge
 * incident needs a change (sites that served content before now challenge, with --state), a failing challenge
 * platform, or — with nothing remembered — nearly every probed site of the provider challenging (at least
 * three). An undocumented reason on the provider's own error pages is its edge only when the origins answer
 * directly. What falls short is a finding that says so.
 */
export function providerIncidents(sites: SiteFacts[], options: AttributionOptions, connectionTroubleElsewhere: readonly string[] = [], dark: ReadonlyMap<string, DarkOnset> = new Map()): ProviderFailures {
  const groups = new Map<string, Group>();
  const groupOf = (provider: string, layer: Layer): Group => {
    const key = `${provider}|${layer}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { provider, layer, sites: [], members: new Set(), attempts: [], tentative: null, note: null }));
    return g;
  };
  for (const s of sites) {
    if (s.report.status === 'ok') continue;
    for (const attempts of groupBy(providerFailures(s), (a) => `${a.provider}|${a.layer}`).values()) addTo(groupOf(attempts[0]!.provider!, attempts[0]!.layer!), s, attempts);
    for (const attempts of groupBy(contradictedOriginFailures(s), (a) => a.provider!).values()) addTo(groupOf(attempts[0]!.provider!, 'origin'), s, attempts);
  }
  const onProvider = (g: Group) => fronted(sites, g.provider, g.sites);
  const fraction = (g: Group) => g.sites.length / onProvider(g).length;
  // Sites in one customer's zone share that customer's configuration: together they are one witness; so are sites
  // whose fetches all ended at one other owner's host they redirect to.
  const enough = (g: Group) => witnesses(g.sites, groupWitness(g)) >= options.minSites;

  // The provider's own page with a cause it does not document: its edge only when the origins answer directly.
  // A site whose origin fails when reached directly has its origin's trouble passed on: it is no evidence either way.
  // Sites whose origins answer at one address are one witness: one server the provider cannot use (it turns the
  // provider away, or the way there fails) gives every site on it the page, whatever the provider's edge does.
  for (const g of [...groups.values()].filter((x) => x.layer === 'unknown')) {
    const reached = (s: SiteFacts) => s.report.attempts.some((a) => a.path === 'origin');
    const answering = new Set(g.sites.filter((s) => originAnswersDirectly(s.report).length > 0));
    const evidence = g.sites.filter((s) => !reached(s) || answering.has(s));
    const enoughOfProvider = evidence.length >= options.minSites && evidence.length / onProvider(g).length >= 0.5;
    const servers = linkedGroups(evidence, (s) => [...witnessKeys(s), ...originAnswersDirectly(s.report).map((a) => `origin ${a.address}`)]).length;
    if (answering.size > 0 && enoughOfProvider && servers < options.minSites) {
      const addresses = [...new Set([...answering].flatMap((s) => originAnswersDirectly(s.report).map((a) => a.address!)))];
      const one = addresses.length === 1;
      const where = one ? `one server, ${addresses[0]}` : `${plural(servers, 'independent server')} (${listNames(addresses, 3)})`;
      g.tentative = `the origins that answer here are ${where}: ${g.provider}'s way to ${one ? 'it' : 'them'}, or ${one ? 'that server' : 'those servers'} turning ${g.provider} away, can do this`;
    } else if (answering.size > 0 && enoughOfProvider) {
      const edge = groupOf(g.provider, 'edge');
      const attemptsOf = groupBy(g.attempts, (a) => a.site);
      for (const s of evidence) addTo(edge, s, attemptsOf.get(s.report.name) ?? []);
      edge.note ??= `${g.provider}'s own error pages give no documented cause, and the origins answer directly`;
      groups.delete(`${g.provider}|unknown`);
    } else if (!g.sites.some(reached)) {
      g.tentative = `${g.provider}'s pages do not say which side failed, and no origin was reached directly to tell`;
    } else {
      groups.delete(`${g.provider}|unknown`);
    }
  }
  // Origins the provider says it cannot reach, answering here: shared only across origins that are not one server.
  for (const g of [...groups.values()].filter((x) => x.layer === 'origin')) {
    const addresses = new Set(g.sites.flatMap((s) => originAnswersDirectly(s.report).map((a) => a.address)));
    if (addresses.size < options.minSites) groups.delete(`${g.provider}|origin`);
    else if (fraction(g) < 0.5) g.tentative = `only ${g.sites.length} of ${plural(onProvider(g).length, `${g.provider}-fronted site`)} fail this way; the others reach their origins`;
    else g.note = `yet the origins answer when fetched directly from here (${plural(addresses.size, 'distinct address', 'distinct addresses')})`;
  }
  // A handshake that stalls once the connection is open is the same broken path as a connection that never opens
  // (a lossy or overloaded edge address gives both, request by request): with connection failures at the same
  // provider, its stalled handshakes count with them. Certificate and protocol errors stay on their own.
  for (const tls of [...groups.values()].filter((x) => x.layer === 'tls')) {
    const network = groups.get(`${tls.provider}|network`);
    if (network) moveAttempts(groups, tls, network, handshakeStalled);
  }
  // An edge address that stopped answering during the run (onset.ts): the requests it had accepted and never answered
  // are the same failure as the connections it no longer took, and its sites served before then are no control —
  // the share of the provider's sites failing to connect is counted without them.
  const servedBeforeDark = new Map<string, ReadonlySet<SiteFacts>>();
  const allDark = new Set<string>();
  for (const network of [...groups.values()].filter((x) => x.layer === 'network')) {
    const onsets = new Map<string, DarkOnset>();
    for (const a of network.attempts) if (dark.has(a.address!)) onsets.set(a.address!, dark.get(a.address!)!);
    if (onsets.size === 0) continue;
    if (network.attempts.every((a) => onsets.has(a.address!))) allDark.add(network.provider);
    const edge = groups.get(`${network.provider}|edge`);
    if (edge) moveAttempts(groups, edge, network, (a) => a.address !== null && onsets.has(a.address) && unanswered(a));
    const served = new Set([...onsets.values()].flatMap((o) => [...o.servedBefore]));
    servedBeforeDark.set(network.provider, new Set(sites.filter((s) => served.has(s.report.name) && !network.members.has(s))));
    network.note = [...onsets].slice(0, 2).map(([address, onset]) => onsetWords(`${network.provider}'s ${address}`, onset, network.attempts.filter((a) => a.address === address).length)).join('; ');
  }
  // Challenges support an edge incident of the same provider; on their own they need a change to mean anything.
  for (const g of [...groups.values()].filter((x) => x.layer === 'challenge')) {
    const edge = groups.get(`${g.provider}|edge`);
    if (edge && enough(edge)) {
      const attemptsOf = groupBy(g.attempts, (a) => a.site);
      for (const s of g.sites) addTo(edge, s, attemptsOf.get(s.report.name) ?? []);
      groups.delete(`${g.provider}|challenge`);
      continue;
    }
    g.tentative = challengeShortfall(g, fraction(g), options);
  }

  // Connections failing at several unrelated providers at once (each at enough sites of its own) are the way from this
  // host — its network losing packets, a firewall or its state table, its uplink — not each provider's network.
  // (`connectionTroubleElsewhere`: cloud regions whose sites fail only to connect, regions.ts.)
  const connectionTrouble = [...groups.values()].filter((g) => g.layer === 'network' && enough(g)).map((g) => g.provider);
  const troubled = [...connectionTrouble, ...connectionTroubleElsewhere];
  const incidents: Incident[] = [];
  const findings: Incident[] = [];
  for (const g of groups.values()) {
    if (!enough(g)) {
      if (g.sites.length < options.minSites) continue;
      g.tentative = oneZoneShortfall(g, onProvider(g));
    }
    if (g.layer === 'network') g.tentative ??= translatorShortfall(g.attempts, sites);
    if (g.layer === 'tls') g.tentative ??= refusedByNameShortfall(g.provider, g.attempts, sites);
    if (g.layer === 'edge') g.tentative ??= cutAtOneSizeShortfall(g.provider, g.attempts, sites);
    if (g.layer === 'network' && troubled.length >= 2) g.tentative ??= connectionSpreadShortfall(g.provider, troubled);
    if (g.layer === 'network') g.tentative ??= refusedConnectionsShortfall(g.provider, g.attempts);
    // Connection failures are normal for one site; only a majority of the provider's sites counts (of those probed
    // while its addresses answered: the sites served before one stopped are not counted). Where every failure is at
    // an address that stopped, the stop is the evidence: all of its fetches from then on failed.
    const failingShare = g.sites.length / (onProvider(g).length - (g.layer === 'network' ? (servedBeforeDark.get(g.provider)?.size ?? 0) : 0));
    if ((g.layer === 'network' || g.layer === 'tls') && failingShare < 0.5 && !(g.layer === 'network' && allDark.has(g.provider))) continue;
    const controls = sites.filter((s) => s.report.status === 'ok' && s.stack.edge?.name !== g.provider);
    if ((g.layer === 'network' || g.layer === 'tls') && controls.length === 0) continue; // could be us
    const built = groupIncident(g, onProvider(g), controls);
    if (g.tentative) findings.push({ ...built, confidence: Math.min(built.confidence, FINDING_CONFIDENCE), summary: tentativeSummary(built, g.tentative), evidence: [...built.evidence, `not an incident: ${g.tentative}`] });
    else incidents.push(built);
  }
  const order = (a: Incident, b: Incident) => b.sites.length - a.sites.length || b.confidence - a.confidence;
  return { incidents: incidents.sort(order), findings: findings.sort(order), connectionTrouble };
}

/**
 * Why connections refused at every address of a provider's edge (ECONNREFUSED: a reset or port-unreachable at once,
 * every time) are not its network failing: a provider's shared edge keeps accepting connections when it fails (its
 * outages show as its error pages, or as connections that time out where traffic is dropped), while a firewall rule,
 * a proxy or an ISP's (or court-ordered) block of its ranges refuses them. Refusals that come and go (--samples) are
 * not a block; a group with any timeout or page is read as before.
 */
export function refusedConnectionsShortfall(provider: string, failed: Attempt[]): string | null {
  if (failed.length === 0 || failed.some((a) => a.error?.code !== 'ECONNREFUSED' || a.failedPhase !== 'connect' || a.address === null || samplesFlapped(a.samples))) return null;
  const addresses = new Set(failed.map((a) => a.address!));
  return `every connection to ${provider} was refused at once (ECONNREFUSED, at ${plural(addresses.size, 'address', 'addresses')}), which ${provider}'s edge failing does not do (it answers error pages, or stops answering): something on the way refusing connections to its addresses is likelier — a firewall rule, a proxy, an ISP's or court-ordered block of its ranges; check from another network`;
}

/**
 * Why handshakes reset for some names are not the provider's edge failing, when the very addresses they went to
 * completed TLS for other sites' names in this run: the names are refused by name (SNI) — a filter on the way that
 * reads it (a firewall's category block, a national SNI filter) resets them — or by those sites' own settings. Only
 * resets with nothing back, every time the name was asked: a provider that cannot serve a name answers with a TLS
 * alert (its per-customer certificates failing, as in real incidents), a certificate that came back is what it
 * serves, and resets that come and go are its edge's: those stay.
 */
export function refusedByNameShortfall(provider: string, failed: Attempt[], sites: SiteFacts[]): string | null {
  if (failed.length === 0 || failed.some((a) => a.tls !== null || a.address === null || a.error?.code !== 'ECONNRESET')) return null;
  // A name that got through when asked again (--samples) is not refused by name: resets come and go there.
  if (failed.some((a) => samplesFlapped(a.samples))) return null;
  const wanted = new Set(failed.map((a) => a.address!));
  const servedFor = new Map<string, string>();
  const failing = new Set(failed.map((a) => a.site));
  for (const s of sites) {
    if (failing.has(s.report.name)) continue;
    for (const a of s.report.attempts) {
      if (a.address !== null && wanted.has(a.address) && !servedFor.has(a.address) && (a.httpStatus !== null || a.timings.tlsMs !== null)) servedFor.set(a.address, s.report.name);
    }
  }
  if (servedFor.size < wanted.size) return null;
  const shown = [...servedFor].slice(0, 3).map(([address, site]) => `${address} for ${site}`);
  return `the same ${provider} addresses complete TLS for other sites' names in this run (${shown.join(', ')}${servedFor.size > 3 ? ', …' : ''}): these names are refused by name (SNI) — a filter on the way that reads it (a firewall's category block, an SNI filter) or those sites' own TLS settings at ${provider}`;
}

/**
 * Why responses cut off at one provider's sites are not its edge failing, when every one stopped after about the
 * same number of bytes at sites of two customer zones or more and no response of the provider's got further here:
 * servers failing do not stop at one size, and a network on the way that counts bytes and cuts connections looks
 * the same from here (host.ts cutResponses reads it so when it happens at two networks or more).
 */
export function cutAtOneSizeShortfall(provider: string, failed: Attempt[], sites: SiteFacts[]): string | null {
  const band = cutBand(failed);
  if (!band) return null;
  // The band itself is said by the group's own words (describeLayerFailure).
  const failing = new Set(failed.map((a) => a.site));
  const onProvider = sites.filter((s) => s.stack.edge?.name === provider);
  const families = new Set(failed.map((a) => a.family));
  if (witnessGroups(onProvider.filter((s) => failing.has(s.report.name))).length < 2) return null;
  if (deliveredMore(onProvider.flatMap((s) => s.report.attempts.filter((a) => a.path === 'edge' && families.has(a.family))), band.max)) return null;
  return `each stopped at about one size and no ${provider} response got further here: a network on the way that cuts connections after a number of bytes looks the same (Russian ISPs let only the first 16 KB from Cloudflare through from 2025-06-09) — try from another network`;
}

/**
 * Why connection failures are not the provider's (or the region's) own, when every one went through this network's
 * NAT64 translator and nothing connected through it this run: from here the translator failing looks the same.
 * (Failing at sites on several providers, host.ts reads the translator as failing and explains them.)
 */
export function translatorShortfall(failed: Attempt[], sites: SiteFacts[]): string | null {
  if (failed.length === 0 || !failed.every(translated)) return null;
  if (sites.some((s) => s.report.attempts.some((a) => translated(a) && connected(a)))) return null;
  const prefixes = [...new Set(failed.map((a) => nat64Of(a.address!)!.prefix))];
  return `every failed connection went to ${joinAnd(prefixes)}, through this network's NAT64 translator, and no connection through it opened this run: the translator failing looks the same from here`;
}

/**
 * Sites on no catalogued network (their own servers, an uncatalogued host) whose failures are all connections that
 * did not open, at `minSites` independent witnesses (zones, servers) and at least half of such sites: one server down
 * is normal, half of unrelated servers at once is a sign of the way from here — read with the providers' and the
 * regions' connection trouble (a lossy uplink seen at one CDN and at self-hosted sites is not that CDN's network).
 */
export function selfHostedConnectionTrouble(sites: SiteFacts[], options: AttributionOptions): string[] {
  if (!sites.some((s) => s.report.status !== 'ok')) return [];
  const own = sites.filter((s) => s.stack.edge === null && s.stack.origin === null && s.report.attempts.some((a) => a.path !== 'origin' && a.address !== null));
  const failing = own.filter((s) => {
    const failed = userFacingFailures(s);
    return failed.length > 0 && failed.every((a) => a.layer === 'network' && a.address !== null && !connected(a));
  });
  if (failing.length < options.minSites || failing.length / own.length < 0.5) return [];
  const servers = linkedGroups(failing, (s) => [...witnessKeys(s), ...userFacingFailures(s).map((a) => `server ${a.address}`)]).length;
  return servers >= options.minSites ? [`${plural(failing.length, 'self-hosted site')} on ${plural(servers, 'server')}`] : [];
}

/** Why one provider's connection failures are not its network failing, when other providers' connections fail at once. */
export function connectionSpreadShortfall(provider: string, troubled: string[]): string {
  const others = troubled.filter((p) => p !== provider);
  return `connections to ${joinAnd(others)} fail from here at the same time (${plural(troubled.length, 'network')} at once): the way from this host — its network dropping connections, a firewall, its uplink — is the likelier cause than ${troubled.length === 2 ? 'both' : 'all'} of their networks`;
}

type ZoneOf = (s: SiteFacts) => string | null;
const customerZoneOf: ZoneOf = (s) => s.stack.zone;

/**
 * Independent witnesses among failing sites: one per customer zone, one per site whose zone is not known to be a
 * customer's — and sites that reach their edge through one other owner's name (a SaaS's target for its customers'
 * own domains: SiteStack.throughNames) are that owner's, one witness with every site linked to them.
 */
export function witnessGroups(sites: SiteFacts[], zoneOf: ZoneOf = customerZoneOf): SiteFacts[][] {
  return linkedGroups(sites, (s) => witnessKeys(s, zoneOf));
}

/** What makes failing sites one witness when they share it: a customer zone (or the site's own name), another owner's name. */
export function witnessKeys(s: SiteFacts, zoneOf: ZoneOf = customerZoneOf): string[] {
  const zone = `zone ${zoneOf(s) ?? `host:${s.report.host}`}`;
  return s.stack.throughNames.length === 0 ? [zone] : [zone, ...s.stack.throughNames.map((name) => `through ${name}`)];
}

/**
 * How many zones the failing sites are in, for the rules about a zone failing (its authority, its signing): names
 * that reach their edge through one other owner's name still observe the failing zone each on their own.
 */
export function zoneWitnesses(sites: SiteFacts[], zoneOf: ZoneOf = customerZoneOf): number {
  return new Set(sites.map((s) => zoneOf(s) ?? `host:${s.report.host}`)).size;
}

/** How many independent witnesses the failing sites are (witnessGroups), for the rules about whose configuration fails. */
export function witnesses(sites: SiteFacts[], zoneOf: ZoneOf = customerZoneOf): number {
  // Most failing sites reach their edge through no other owner's name: their zones alone tell.
  if (!sites.some((s) => s.stack.throughNames.length > 0)) return zoneWitnesses(sites, zoneOf);
  return witnessGroups(sites, zoneOf).length;
}

/** The sites a provider fronts, with `failing` (sites that failed at its layer though their edge reads otherwise). */
function fronted(sites: SiteFacts[], provider: string, failing: SiteFacts[]): SiteFacts[] {
  const isFailing = new Set(failing);
  return sites.filter((s) => s.stack.edge?.name === provider || isFailing.has(s));
}

const REDIRECTED = 'redirected to ';

/**
 * What a site of the group witnesses: its customer's zone, or — when every one of its failures in the group ended at
 * one other owner's host a redirect took it to (classify/redirect.ts) — that host, however many sites lead there.
 */
function groupWitness(g: Group): (s: SiteFacts) => string | null {
  if (!g.attempts.some((a) => a.redirects.length > 0)) return (s) => s.stack.zone;
  const bySite = groupBy(g.attempts, (a) => a.site);
  return (s) => {
    const only = oneOffSiteHost(bySite.get(s.report.name) ?? [], s.report.host, s.stack.zone);
    return only ? `${REDIRECTED}${only}` : s.stack.zone;
  };
}

/** Why sites failing alike, all in one customer's zone (or at one host they redirect to), are not a provider incident. */
function oneZoneShortfall(g: Group, onProvider: SiteFacts[]): string {
  const witnessOf = groupWitness(g);
  const keys = [...new Set(g.sites.map((s) => witnessOf(s) ?? s.report.host))];
  if (keys.length === 1 && keys[0]!.startsWith(REDIRECTED)) {
    return `every one ends at ${keys[0]!.slice(REDIRECTED.length)}, one host they redirect to: that host's own configuration on ${g.provider}, seen through each of them`;
  }
  const groups = witnessGroups(g.sites, witnessOf);
  if (groups.length < keys.length) return throughShortfall(g, groups, onProvider);
  const zones = keys.map((k) => (k.startsWith(REDIRECTED) ? `${k.slice(REDIRECTED.length)} (a host they redirect to)` : k));
  const isFailing = new Set(g.sites);
  const otherZones = onProvider.filter((s) => !isFailing.has(s) && s.report.status === 'ok' && s.stack.zone !== null && !zones.includes(s.stack.zone));
  const where = zones.length === 1 ? `every one is in the zone ${zones[0]}` : `they are in only ${plural(zones.length, 'zone')} (${listNames(zones, 3)})`;
  const others = otherZones.length > 0 ? `, and ${g.provider} serves ${plural(otherZones.length, 'site')} in other zones` : `, and no other zone on ${g.provider} was probed to tell`;
  return `${where}: one customer's configuration on ${g.provider} (its rules, workers, settings) can do this${others}`;
}

/** Why sites failing alike in several zones, linked through other owners' names they CNAME to, are not a provider incident. */
function throughShortfall(g: Group, groups: SiteFacts[][], onProvider: SiteFacts[]): string {
  const isFailing = new Set(g.sites);
  const elsewhere = onProvider.filter((s) => !isFailing.has(s) && s.report.status === 'ok').length;
  const others = elsewhere > 0 ? `, and ${g.provider} serves ${plural(elsewhere, 'other site')}` : '';
  const one = groups.length === 1 ? witnessLabel(groups[0]!) : null;
  if (one?.kind === 'through') {
    return `every one reaches ${g.provider} through ${one.name}, another owner's name their domains point at (a SaaS's, a hosting company's): that owner's configuration on ${g.provider} can do this${others}`;
  }
  return `they come down to ${plural(groups.length, "customer's configuration", "customers' configurations")} (${listNames(groups.map((group) => witnessLabel(group).name), 3)})${others}`;
}

/** Why a set of challenges is not (yet) a challenge incident; null when it is one. */
function challengeShortfall(g: Group, fraction: number, options: AttributionOptions): string | null {
  const seen = g.sites.map((s) => ({ site: s, challenge: g.attempts.find((a) => a.site === s.report.name && a.challenge)?.challenge ?? null }));
  const failingPlatform = seen.filter((x) => x.challenge?.kind === 'platform-failing');
  if (failingPlatform.length >= options.minSites) return null;
  const newly = seen.filter((x) => x.challenge?.before === 'content');
  if (newly.length >= options.minSites) return null;
  const remembered = seen.filter((x) => x.challenge?.before !== null && x.challenge?.before !== undefined);
  if (remembered.length === 0 && options.remembering) return `nothing is remembered of these sites yet: their challenges are recorded as what they serve this host, and a later change from content to a challenge will alert`;
  if (remembered.length === 0 && g.sites.length >= 3 && fraction >= 0.9) return null;
  if (remembered.length === 0) return `many ${g.provider} sites challenge any client that looks like a bot; run with --state to learn which challenges are normal for this host`;
  return `${plural(newly.length, 'site')} that served content before now challenge${newly.length === 1 ? 's' : ''}; the rest challenged this host before too`;
}

/** A shared failure that fell short, said as a finding: "Possibly … — not an incident: why". */
export function tentativeSummary(incident: Incident, why: string): string {
  const body = incident.summary.replace(/ \(confidence [\d.]+\)$/, '').replace(/ incident( \(partial\))?: /, ': ');
  return `Possibly ${body} — not an incident: ${why} (confidence ${Math.min(incident.confidence, FINDING_CONFIDENCE)})`;
}

function groupIncident(g: Group, onProvider: SiteFacts[], controls: SiteFacts[]): Incident {
  const fraction = g.sites.length / onProvider.length;
  const originsFine = g.sites.filter((s) => s.report.attempts.some((a) => a.path === 'origin' && a.outcome === 'ok'));
  const selfTests = g.attempts.filter((a) => a.selfTest !== null);
  const selfTestUp = selfTests.filter((a) => a.selfTest!.ok);
  const flapping = g.attempts.filter((a) => samplesFlapped(a.samples));
  const someWork = g.sites.some((s) => s.report.status === 'degraded');
  const partial = someWork || g.sites.length < onProvider.length || flapping.length > 0;
  // An edge reading that rests only on undocumented causes is less sure than one the provider's pages state.
  const base = g.layer === 'edge' && g.attempts.every((a) => a.layer !== 'edge') ? 0.55 : (BASE_CONFIDENCE[g.layer] ?? 0.5);
  const confidence = round2(
    base +
      0.15 * fraction +
      (controls.length > 0 ? 0.05 : -0.1) +
      (originsFine.length > 0 && g.layer !== 'origin' ? 0.05 : 0) + // for an origin group, its premise
      (selfTests.length > 0 ? 0.03 : 0) +
      (g.sites.length >= 3 ? 0.05 : 0),
  );
  const layerWords = LAYER_WORDS[g.layer] ?? g.layer;
  const what = describeGroupFailure(g.attempts);
  const clauses = [
    `${g.sites.length} of ${plural(onProvider.length, `${g.provider}-fronted site`)} fail${g.sites.length === 1 ? 's' : ''} with ${what}`,
    g.note,
    originsFine.length > 0 && !g.note ? `${originsFine.length === g.sites.length ? 'their' : `${originsFine.length} of their`} origins answer directly` : null,
    selfTestUp.length > 0 ? `the edge answers its own self-test` : null,
    flapping.length > 0 ? `intermittent (${describeFlapping(flapping)})` : null,
    controls.length > 0 ? `${plural(controls.length, 'site')} on other providers ${controls.length === 1 ? 'is' : 'are'} healthy` : 'no healthy site on another provider to compare with',
  ].filter(Boolean);
  return {
    id: incidentId('provider', g.provider, g.layer),
    ...notYetKnown(),
    kind: 'provider',
    provider: g.provider,
    layer: g.layer,
    sites: g.sites.map((s) => s.report.name),
    probed: onProvider.length,
    controls: controls.map((s) => s.report.name),
    scope: partial ? 'partial' : 'full',
    confidence,
    summary: `${g.provider} ${layerWords} incident${partial ? ' (partial)' : ''}: ${clauses.join('; ')} (confidence ${confidence})`,
    evidence: groupEvidence(g, originsFine, selfTests, controls, flapping),
  };
}

function describeGroupFailure(attempts: Attempt[]): string {
  const provider = attempts[0]?.provider ?? '';
  const kinds = [...new Set(attempts.map((a) => a.layer))];
  return kinds.map((layer) => describeLayerFailure(provider, layer, attempts.filter((a) => a.layer === layer), kinds.length > 1)).join(' and ');
}

/** What the sites got, each kind of failure (by layer and who answered) in a few words, joined by "and". */
export function describeFailures(attempts: Attempt[]): string {
  return [...groupBy(attempts, (a) => `${a.layer}|${a.provider ?? ''}`).values()].map((same) => describeLayerFailure(same[0]!.provider, same[0]!.layer, same, false)).join(' and ');
}

/**
 * An incident about one name several sites depend on — a host they redirect to, a platform they point at: kind
 * `provider` with that name as the provider, no locations (where its provider fails says nothing about it).
 */
export function dependencyIncident(d: {
  name: string;
  layer: Layer;
  sites: SiteFacts[];
  probed: number;
  controls: string[];
  partial: boolean;
  confidence: number;
  clauses: string[];
  evidence: string[];
}): Incident {
  return {
    id: incidentId('provider', d.name, d.layer),
    ...notYetKnown(),
    kind: 'provider',
    provider: d.name,
    layer: d.layer,
    sites: d.sites.map((s) => s.report.name),
    probed: d.probed,
    controls: d.controls,
    scope: d.partial ? 'partial' : 'full',
    confidence: d.confidence,
    summary: `${d.name} failing${d.partial ? ' (partial)' : ''}: ${d.clauses.join('; ')} (confidence ${d.confidence})`,
    evidence: d.evidence,
  };
}

/**
 * One kind of failure in a few words: "Cloudflare-generated 500 pages", "connection failures (ECONNREFUSED)". The
 * provider is who answered (null for a host's own answers: a redirect target's, correlate/redirects.ts).
 */
export function describeLayerFailure(provider: string | null, layer: Layer | null, attempts: Attempt[], counted: boolean): string {
  const sites = counted ? ` (${plural(new Set(attempts.map((a) => a.site)).size, 'site')})` : '';
  const statuses = [...new Set(attempts.map((a) => a.httpStatus).filter((s): s is number => s !== null))].sort();
  const codes = [...new Set(attempts.map((a) => a.error?.code ?? a.outcome))];
  if (attempts.length > 0 && attempts.every((a) => a.error?.code === 'REDIRECT_DNS')) return `no address for the host from any resolver asked${sites}`;
  if (statuses.length > 0 && (layer === 'site' || provider === null)) return `${statuses.join('/')} answers${provider ? ` passed through ${provider}` : ''}${sites}`;
  if (layer === 'site') return `failures (${codes.join(', ')})${sites}`;
  if (layer === 'challenge') return `${provider} challenge pages where content should be${sites}`;
  if (layer === 'unknown') return `${provider}'s own ${statuses.join('/')} pages giving no documented cause${sites}`;
  const cut = layer === 'edge' ? cutRange(attempts) : null;
  if (cut) return `${provider} responses cut off midway, after ${bandWords(cut)} had arrived${sites}`;
  if (layer === 'edge' && statuses.length > 0 && attempts.every((a) => a.outcome === 'timeout')) return `${provider} responses whose body did not finish in time${sites}`;
  if (layer === 'edge' && statuses.length > 0) return `${provider}-generated ${statuses.join('/')} pages${sites}`;
  if (layer === 'edge') return `${provider} edges accepting requests and never answering${sites}`;
  if (layer === 'origin') return `${provider}'s own ${statuses.join('/')} pages blaming the origin${sites}`;
  if (layer === 'tls' && attempts.every(handshakeStalled)) return `TLS handshakes that never finish (${codes.join(', ')})${sites}`;
  return layer === 'tls' ? `TLS failures (${codes.join(', ')})${sites}` : `connection failures (${codes.join(', ')})${sites}`;
}

function describeFlapping(attempts: Attempt[]): string {
  const samples = attempts.reduce((n, a) => n + (a.samples?.samples ?? 0), 0);
  const failures = attempts.reduce((n, a) => n + (a.samples?.failures ?? 0), 0);
  return `${failures} of ${samples} samples failed`;
}

function groupEvidence(
  g: { provider: string; layer: Layer; sites: SiteFacts[]; attempts: Attempt[] },
  originsFine: SiteFacts[],
  selfTests: Attempt[],
  controls: SiteFacts[],
  flapping: Attempt[],
): string[] {
  const lines: string[] = [];
  // One first-hand reading per kind of failure in the group (an edge 500, a failing challenge ...).
  for (const layer of new Set(g.attempts.map((a) => a.layer))) {
    const sample = g.attempts.find((a) => a.layer === layer && a.explanation);
    if (sample) lines.push(`${sample.site}: ${sample.explanation}${sample.location ? ` (at ${sample.location.code})` : ''}`);
  }
  const locations = [...new Set(g.attempts.map((a) => a.location?.code).filter(Boolean))];
  if (locations.length > 0) lines.push(`seen at ${g.provider} locations ${locations.join(', ')}`);
  lines.push(`failing: ${listNames(g.sites.map((s) => s.report.name))}`);
  if (originsFine.length > 0) lines.push(`origin answers directly: ${listNames(originsFine.map((s) => s.report.name))}`);
  if (g.layer === 'origin') lines.push(`what fails lies between ${g.provider} and these origins: the way to them, or something in front of all of them that treats ${g.provider}'s requests differently`);
  for (const a of selfTests.slice(0, 2)) {
    const t = a.selfTest!;
    lines.push(
      t.ok
        ? `self-test ${t.url} via ${a.address} answers${t.location ? ` (${t.location})` : ''}: the edge is up, the layer behind it fails`
        : `self-test ${t.url} via ${a.address} fails too (${t.error?.code ?? t.httpStatus}): the edge itself is down`,
    );
  }
  if (flapping.length > 0) lines.push(`intermittent: ${describeFlapping(flapping)}`);
  if (controls.length > 0) lines.push(`healthy on other providers: ${listNames(controls.map((s) => `${s.report.name} (${s.stack.edge?.name ?? 'no CDN'})`))}`);
  return lines;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
