// Across sites: which failures share a cause. Pure; reads only classified records, so the same code
// can later merge reports from many vantage points.
//
// The rules, in the order they are applied:
//   1. Local: nothing outside answered (no resolver reply and no HTTP response, or no connection to sites on
//      several providers). Then no incident is raised and nothing is blamed on anyone else.
//   2. Resolver: one resolver fails (timeout, SERVFAIL, REFUSED, network error) for names other resolvers answer.
//   3. Authoritative DNS: every resolver fails for the names served by one DNS host, while others resolve.
//   4. Shared provider: at least `minSites` sites fail at one provider's layer (edge, challenge, network, tls).
// A single site's origin or own failure never makes an incident.

import type { Attempt, DnsAnswer, Incident, IncidentKind, Layer, ResolverSpec, SiteReport } from '../model.js';
import type { SiteStack } from '../classify/stack.js';
import { plural } from '../util/text.js';
import { resolverTarget } from '../config/resolvers.js';
import { addressAnswers, isDnssecFailure } from '../classify/dns-facts.js';
import { groupBy } from './sites.js';

export interface AttributionOptions {
  /** Sites that must fail at one provider's layer before it is called an incident (default 2). */
  minSites: number;
}

export interface SiteFacts {
  report: SiteReport;
  stack: SiteStack;
}

const DNS_FAILURE = new Set(['timeout', 'servfail', 'refused', 'network-error']);
const NO_REPLY = new Set(['timeout', 'network-error']);

const PROVIDER_LAYERS: ReadonlySet<Layer> = new Set(['edge', 'challenge', 'network', 'tls']);

const round2 = (x: number) => Math.round(Math.min(0.99, Math.max(0, x)) * 100) / 100;

/** The same incident in two runs has the same id: "provider:Cloudflare:edge", "resolver:Cloudflare:resolver:alpha". */
export function incidentId(kind: IncidentKind, provider: string | null, layer: Layer, resolver?: string): string {
  return [kind, provider ?? '-', layer, ...(resolver ? [resolver] : [])].join(':');
}

// ───────────────────────────── 1. local ─────────────────────────────

export function localNetworkDown(sites: SiteFacts[], dns: DnsAnswer[]): { down: boolean; evidence: string[] } {
  const attempts = sites.flatMap((s) => s.report.attempts);
  if (sites.length === 0 || attempts.some((a) => a.httpStatus !== null)) return { down: false, evidence: [] };
  const wire = dns.filter((d) => d.transport !== 'system');
  const dnsReplies = wire.filter((d) => !NO_REPLY.has(d.outcome));
  const connected = attempts.filter((a) => a.address !== null || a.proxy !== null);
  const evidence: string[] = [];
  if (wire.length > 0 && dnsReplies.length === 0) evidence.push(`no reply from any of ${plural(new Set(wire.map((d) => d.resolver)).size, 'resolver')} (${wire.length} queries)`);
  if (connected.length > 0) evidence.push(`no HTTP response from any of ${plural(connected.length, 'edge attempt')} (${describeErrors(connected)})`);
  if (wire.length > 0 && dnsReplies.length === 0) return { down: true, evidence };
  // Resolvers answer, yet no site on any provider accepts a connection: egress is blocked here.
  const providers = new Set(sites.map((s) => s.stack.edge?.id ?? `unknown:${s.report.name}`));
  if (connected.length > 0 && sites.length >= 2 && providers.size >= 2) return { down: true, evidence };
  return { down: false, evidence: [] };
}

function describeErrors(attempts: Attempt[]): string {
  const codes = new Map<string, number>();
  for (const a of attempts) codes.set(a.error?.code ?? a.outcome, (codes.get(a.error?.code ?? a.outcome) ?? 0) + 1);
  return [...codes].map(([c, n]) => `${n}× ${c}`).join(', ');
}

// ───────────────────────────── 2. resolver ─────────────────────────────

export function resolverIncidents(sites: SiteFacts[], dns: DnsAnswer[], resolvers: ResolverSpec[], options: AttributionOptions): Incident[] {
  const answers = addressAnswers(dns);
  // Which resolvers answered each name: grouped once, so thousands of names stay linear.
  const answeredBy = new Map<string, Set<string>>();
  for (const d of answers) if (d.outcome === 'ok') answeredBy.set(d.name, (answeredBy.get(d.name) ?? new Set()).add(d.resolver));
  const byResolver = groupBy(answers, (d) => d.resolver);
  const incidents: Incident[] = [];
  for (const resolver of resolvers) {
    const mine = byResolver.get(resolver.name) ?? [];
    const ownByName = groupBy(mine, (d) => d.name);
    const asked = [...ownByName.keys()];
    if (asked.length === 0) continue;
    const failed = asked.filter((name) => {
      const own = ownByName.get(name)!;
      if (!own.every((d) => DNS_FAILURE.has(d.outcome)) || own.some(isDnssecFailure)) return false;
      // Other resolvers answered the same name.
      return [...(answeredBy.get(name) ?? [])].some((r) => r !== resolver.name);
    });
    if (failed.length === 0 || failed.length < Math.min(options.minSites, asked.length) || failed.length / asked.length < 0.5) continue;
    const failedNames = new Set(failed);
    const outcomes = [...new Set(mine.filter((d) => failedNames.has(d.name)).map((d) => d.outcome))];
    const others = resolvers.filter((r) => r.name !== resolver.name && (byResolver.get(r.name) ?? []).some((d) => d.outcome === 'ok')).map((r) => r.name);
    const affected = sites.filter((s) => failedNames.has(s.report.host)).map((s) => s.report.name);
    const fraction = failed.length / asked.length;
    const confidence = round2(0.55 + 0.3 * fraction + (failed.length >= 3 ? 0.1 : 0) + (others.length >= 2 ? 0.05 : 0));
    const who = resolver.provider ? `${resolver.provider} resolver ${resolver.name}` : `resolver ${resolver.name}`;
    incidents.push({
      id: incidentId('resolver', resolver.provider, 'resolver', resolver.name),
      change: null,
      since: null,
      locations: [],
      healthyLocations: [],
      acknowledged: null,
      kind: 'resolver',
      provider: resolver.provider,
      layer: 'resolver',
      resolver: resolver.name,
      sites: affected,
      probed: asked.length,
      controls: others,
      scope: failed.length === asked.length ? 'full' : 'partial',
      confidence,
      summary: `${capitalise(who)} failing: ${outcomes.join('/')} for ${failed.length} of ${plural(asked.length, 'name')} that ${others.join(', ')} answer (confidence ${confidence})`,
      evidence: [
        `${resolver.name} (${resolverTarget(resolver)}): ${outcomes.join(', ')} for ${listNames(failed)}`,
        `answered by ${others.join(', ')}`,
      ],
    });
  }
  return incidents;
}

// ───────────────────────────── 3. authoritative DNS ─────────────────────────────

/** The DNS host of a site: its catalogued provider, else the common parent domain of its name servers. */
function dnsHostKey(stack: SiteStack): string | null {
  if (stack.dnsHost) return stack.dnsHost.name;
  const parents = [...new Set(stack.nameServers.map((ns) => ns.split('.').slice(-2).join('.')))];
  return parents.length === 1 ? parents[0]! : null;
}

function failsEverywhere(site: SiteFacts): boolean {
  const answers = addressAnswers(site.report.dns);
  return answers.length > 0 && answers.every((d) => DNS_FAILURE.has(d.outcome)) && !answers.some(isDnssecFailure);
}

function resolvesSomewhere(site: SiteFacts): boolean {
  return addressAnswers(site.report.dns).some((d) => d.outcome === 'ok');
}

export function authoritativeDnsIncidents(sites: SiteFacts[], options: AttributionOptions): Incident[] {
  const groups = new Map<string, SiteFacts[]>();
  for (const s of sites) {
    const key = dnsHostKey(s.stack);
    if (!key) continue;
    const group = groups.get(key);
    if (group) group.push(s);
    else groups.set(key, [s]);
  }
  const incidents: Incident[] = [];
  for (const [host, members] of groups) {
    const failing = members.filter(failsEverywhere);
    if (failing.length < options.minSites || failing.length / members.length < 0.5) continue;
    const memberSet = new Set(members);
    const controls = sites.filter((s) => !memberSet.has(s) && resolvesSomewhere(s)).map((s) => s.report.name);
    if (controls.length === 0) continue; // every name fails everywhere: not one DNS host's doing
    const resolverCount = new Set(failing.flatMap((s) => s.report.dns.map((d) => d.resolver))).size;
    const edes = [...new Set(failing.flatMap((s) => s.report.dns.flatMap((d) => d.ede.map((e) => `EDE ${e.code} ${e.text}`))))];
    const fraction = failing.length / members.length;
    const confidence = round2(0.55 + 0.25 * fraction + (resolverCount >= 2 ? 0.1 : 0) + (edes.some((e) => /^EDE 2[23]\b/.test(e)) ? 0.05 : 0) + (failing.length >= 3 ? 0.05 : 0));
    const catalogued = members[0]!.stack.dnsHost !== null;
    incidents.push({
      id: incidentId('authoritative-dns', host, 'authoritative-dns'),
      change: null,
      since: null,
      locations: [],
      healthyLocations: [],
      acknowledged: null,
      kind: 'authoritative-dns',
      provider: host,
      layer: 'authoritative-dns',
      sites: failing.map((s) => s.report.name),
      probed: members.length,
      controls,
      scope: failing.length === members.length ? 'full' : 'partial',
      confidence,
      summary: `${host} authoritative DNS incident: every resolver fails for ${failing.length} of ${plural(members.length, 'site')} whose name servers are on ${host}; ${plural(controls.length, 'site')} on other DNS hosts resolve (confidence ${confidence})`,
      evidence: [
        `no address from any of ${plural(resolverCount, 'resolver')} for ${listNames(failing.map((s) => s.report.host))}`,
        `name servers: ${[...new Set(failing.flatMap((s) => s.stack.nameServers))].slice(0, 4).join(', ') || 'remembered'}${catalogued ? '' : ' (DNS host not in the catalog)'}`,
        ...edes.slice(0, 2).map((e) => `resolvers report ${e}`),
        `resolving fine on other DNS hosts: ${listNames(controls)}`,
      ],
    });
  }
  return incidents;
}

// ───────────────────────────── 4. shared provider ─────────────────────────────

/** Failed attempts that speak about a provider's own layer. */
function providerFailures(site: SiteFacts): Attempt[] {
  return site.report.attempts.filter((a) => a.path !== 'origin' && a.outcome !== 'ok' && a.layer !== null && PROVIDER_LAYERS.has(a.layer) && a.provider !== null);
}

const LAYER_WORDS: Record<string, string> = {
  edge: 'edge',
  challenge: 'challenge (bot verification)',
  network: 'network',
  tls: 'TLS',
};

const BASE_CONFIDENCE: Record<string, number> = { edge: 0.7, challenge: 0.6, network: 0.55, tls: 0.5 };

export function providerIncidents(sites: SiteFacts[], options: AttributionOptions): Incident[] {
  const groups = new Map<string, { provider: string; layer: Layer; sites: SiteFacts[]; attempts: Attempt[] }>();
  // Bot verification runs inside the provider's proxy: when the same provider's edge also fails itself, its
  // failing challenges are one incident with the edge (as on 2025-11-18), not a second one.
  const edgeFailing = new Set(sites.flatMap((s) => providerFailures(s).filter((a) => a.layer === 'edge').map((a) => a.provider!)));
  const layerOf = (a: Attempt): Layer => (a.layer === 'challenge' && edgeFailing.has(a.provider!) ? 'edge' : a.layer!);
  for (const s of sites) {
    if (s.report.status === 'ok') continue;
    for (const a of providerFailures(s)) {
      const key = `${a.provider}|${layerOf(a)}`;
      const g = groups.get(key) ?? { provider: a.provider!, layer: layerOf(a), sites: [], attempts: [] };
      if (g.sites.at(-1) !== s) g.sites.push(s); // sites come one at a time: no duplicate check needed beyond the last
      g.attempts.push(a);
      groups.set(key, g);
    }
  }
  const incidents: Incident[] = [];
  for (const g of groups.values()) {
    const failingHere = new Set(g.sites);
    const onProvider = sites.filter((s) => s.stack.edge?.name === g.provider || failingHere.has(s));
    const fraction = g.sites.length / onProvider.length;
    if (g.sites.length < options.minSites) continue;
    // Challenges and connection failures are normal for one site; only a majority of the provider's sites counts.
    if (g.layer !== 'edge' && fraction < 0.5) continue;
    const controls = sites.filter((s) => s.report.status === 'ok' && s.stack.edge?.name !== g.provider);
    if ((g.layer === 'network' || g.layer === 'tls') && controls.length === 0) continue; // could be us
    const originsFine = g.sites.filter((s) => s.report.attempts.some((a) => a.path === 'origin' && a.outcome === 'ok'));
    const selfTests = g.attempts.filter((a) => a.selfTest !== null);
    const selfTestUp = selfTests.filter((a) => a.selfTest!.ok);
    const flapping = g.attempts.filter((a) => a.samples && a.samples.failures < a.samples.samples);
    const someWork = g.sites.some((s) => s.report.status === 'degraded');
    const partial = someWork || g.sites.length < onProvider.length || flapping.length > 0;
    const confidence = round2(
      (BASE_CONFIDENCE[g.layer] ?? 0.5) +
        0.15 * fraction +
        (controls.length > 0 ? 0.05 : -0.1) +
        (originsFine.length > 0 ? 0.05 : 0) +
        (selfTests.length > 0 ? 0.03 : 0) +
        (g.sites.length >= 3 ? 0.05 : 0),
    );
    const layerWords = LAYER_WORDS[g.layer] ?? g.layer;
    const what = describeGroupFailure(g.attempts);
    const clauses = [
      `${g.sites.length} of ${plural(onProvider.length, `${g.provider}-fronted site`)} fail${g.sites.length === 1 ? 's' : ''} with ${what}`,
      originsFine.length > 0 ? `${originsFine.length === g.sites.length ? 'their' : `${originsFine.length} of their`} origins answer directly` : null,
      selfTestUp.length > 0 ? `the edge answers its own self-test` : null,
      flapping.length > 0 ? `intermittent (${describeFlapping(flapping)})` : null,
      controls.length > 0 ? `${plural(controls.length, 'site')} on other providers ${controls.length === 1 ? 'is' : 'are'} healthy` : 'no healthy site on another provider to compare with',
    ].filter(Boolean);
    incidents.push({
      id: incidentId('provider', g.provider, g.layer),
      change: null,
      since: null,
      locations: [],
      healthyLocations: [],
      acknowledged: null,
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
    });
  }
  return incidents.sort((a, b) => b.sites.length - a.sites.length || b.confidence - a.confidence);
}

function describeGroupFailure(attempts: Attempt[]): string {
  const provider = attempts[0]?.provider ?? '';
  const kinds = [...new Set(attempts.map((a) => a.layer))];
  return kinds.map((layer) => describeLayerFailure(provider, layer, attempts.filter((a) => a.layer === layer), kinds.length > 1)).join(' and ');
}

function describeLayerFailure(provider: string, layer: Layer | null, attempts: Attempt[], counted: boolean): string {
  const sites = counted ? ` (${plural(new Set(attempts.map((a) => a.site)).size, 'site')})` : '';
  const statuses = [...new Set(attempts.map((a) => a.httpStatus).filter((s): s is number => s !== null))].sort();
  if (layer === 'challenge') return `${provider} challenge pages where content should be${sites}`;
  if (layer === 'edge' && statuses.length > 0) return `${provider}-generated ${statuses.join('/')} pages${sites}`;
  if (layer === 'edge') return `${provider} edges accepting requests and never answering${sites}`;
  const codes = [...new Set(attempts.map((a) => a.error?.code ?? a.outcome))];
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

function listNames(names: string[], max = 6): string {
  return names.length > max ? `${names.slice(0, max).join(', ')} +${names.length - max} more` : names.join(', ');
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
