// Matchers over the provider catalog: which provider do these headers, CNAMEs, name servers or
// addresses point at, and which of its error rules explains a response. Pure functions.

import { safeLine } from '../util/text.js';
import { addressWords, type RangeIndex } from './ranges/trie.js';
import type { ErrorRule, HeaderRule, ProviderDef, ProviderEvidence, ProviderMatch } from './types.js';

// ───────────────────────────── entities ─────────────────────────────

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ',
  rsquo: '’', lsquo: '‘', rdquo: '”', ldquo: '“', hellip: '…', mdash: '—', ndash: '–',
  colon: ':', sol: '/', period: '.', num: '#', comma: ',', lpar: '(', rpar: ')', equals: '=',
  lsqb: '[', rsqb: ']', lbrack: '[', rbrack: ']', copy: '©', middot: '·', bull: '•',
};

/**
 * Decode HTML character references in one pass (so "&amp;#32;" becomes "&#32;", not a space).
 * Akamai writes its error pages this way: "Reference&#32;&#35;18&#46;…" is "Reference #18.…".
 * Unknown names and out-of-range code points are left as they are.
 */
export function decodeEntities(html: string): string {
  if (!html.includes('&')) return html;
  return html.replace(/&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z][a-zA-Z0-9]{1,31});/g, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return whole;
      return String.fromCodePoint(code);
    }
    return NAMED_ENTITIES[ref] ?? NAMED_ENTITIES[ref.toLowerCase()] ?? whole;
  });
}

// ───────────────────────────── small helpers ─────────────────────────────

const compiledPatterns = new Map<string, RegExp | null>();

/** A case-insensitive RegExp for a catalog or user pattern; null when the pattern is not valid. */
export function compilePattern(pattern: string): RegExp | null {
  let regex = compiledPatterns.get(pattern);
  if (regex === undefined) {
    try {
      regex = new RegExp(pattern, 'i');
    } catch {
      regex = null;
    }
    if (compiledPatterns.size > 2000) compiledPatterns.clear();
    compiledPatterns.set(pattern, regex);
  }
  return regex;
}

/** Header names lower-cased (the probe already does this; callers from tests and users may not). */
function lowerCaseNames(headers: Record<string, string>): Record<string, string> {
  for (const name of Object.keys(headers)) {
    if (name !== name.toLowerCase()) {
      const lowered: Record<string, string> = {};
      for (const [key, value] of Object.entries(headers)) lowered[key.toLowerCase()] = value;
      return lowered;
    }
  }
  return headers;
}

function headerHolds(headers: Record<string, string>, name: string, pattern: string | undefined): string | null {
  const value = headers[name.toLowerCase()];
  if (value === undefined) return null;
  if (pattern === undefined) return value;
  const regex = compilePattern(pattern);
  return regex && regex.test(value) ? value : null;
}

function hostName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

/**
 * Does `host` end with the suffix `pattern`? Labels are compared from the right; a pattern label
 * "*" matches any one label and a label ending in "*" matches by prefix, so Route 53's
 * "ns-1234.awsdns-12.co.uk" matches "awsdns-*.co.uk" and API Gateway hosts match
 * "execute-api.*.amazonaws.com". A leading "*." or "." on the pattern is ignored.
 */
export function hostMatchesSuffix(host: string, pattern: string): boolean {
  const hostLabels = hostName(host).split('.');
  const patternLabels = hostName(pattern).replace(/^\*?\./, '').split('.');
  if (patternLabels.length > hostLabels.length) return false;
  const offset = hostLabels.length - patternLabels.length;
  return patternLabels.every((want, i) => {
    const label = hostLabels[offset + i]!;
    if (want === '*') return label.length > 0;
    if (want.endsWith('*')) return label.startsWith(want.slice(0, -1));
    return label === want;
  });
}

function evidence(kind: ProviderEvidence['kind'], detail: string): ProviderEvidence {
  return { kind, detail: safeLine(detail, 200) };
}

// ───────────────────────────── who serves this? ─────────────────────────────

/**
 * Providers whose identifying headers are present: one strong header is enough, weak ones
 * (x-cache, via: 1.1 google, x-served-by: cache-…) count only when two different ones agree.
 * Results keep catalog order (edge providers before the hosting platforms behind them), so with a
 * stack such as Cloudflare → Vercel the first match is the likely outermost proxy.
 */
export function matchHeaders(headers: Record<string, string>, providers: ProviderDef[]): ProviderMatch[] {
  // Classification asks this of one response several times (its layer, the site's stack, its dependencies):
  // answered once per response and provider list. Callers only read the result.
  let byHeaders = MATCHED.get(providers);
  if (byHeaders === undefined) MATCHED.set(providers, (byHeaders = new WeakMap()));
  let matches = byHeaders.get(headers);
  if (matches === undefined) byHeaders.set(headers, (matches = matchHeadersOnce(lowerCaseNames(headers), providers)));
  return matches;
}

const MATCHED = new WeakMap<ProviderDef[], WeakMap<Record<string, string>, ProviderMatch[]>>();

/** A header rule, where it stands in the catalog: its provider's index, then its own within the provider's. */
type RuleAt = readonly [provider: number, rule: number];

/**
 * The catalog's header rules by the (lower-case) header they read, made once per provider list. A response names
 * a dozen headers and the catalog has ~80 rules for ~50 names: a response is matched by looking up its own
 * headers, not by asking it for every rule's.
 */
function rulesByHeader(providers: ProviderDef[]): Map<string, RuleAt[]> {
  let index = RULES_BY_HEADER.get(providers);
  if (index !== undefined) return index;
  index = new Map();
  providers.forEach((provider, p) =>
    provider.headers.forEach((rule, r) => {
      const name = rule.header.toLowerCase();
      const at = index!.get(name);
      if (at) at.push([p, r]);
      else index!.set(name, [[p, r]]);
    }),
  );
  RULES_BY_HEADER.set(providers, index);
  return index;
}

const RULES_BY_HEADER = new WeakMap<ProviderDef[], Map<string, RuleAt[]>>();

function matchHeadersOnce(lowered: Record<string, string>, providers: ProviderDef[]): ProviderMatch[] {
  const index = rulesByHeader(providers);
  const hits: RuleAt[] = [];
  for (const name in lowered) {
    const rules = index.get(name);
    if (rules !== undefined) hits.push(...rules);
  }
  const matches: ProviderMatch[] = [];
  if (hits.length === 0) return matches;
  // In catalog order, as if every provider's rules were asked in turn.
  hits.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  for (let i = 0; i < hits.length; ) {
    const p = hits[i]![0];
    const provider = providers[p]!;
    let strong: ProviderEvidence[] | null = null;
    let weak: Map<string, ProviderEvidence> | null = null;
    for (; i < hits.length && hits[i]![0] === p; i++) {
      const rule = provider.headers[hits[i]![1]]!;
      const value = headerHolds(lowered, rule.header, rule.pattern);
      if (value === null) continue;
      const found = evidence('header', `header ${rule.header.toLowerCase()}: ${value}`);
      if (rule.weight === 'strong') {
        strong ??= [];
        if (!strong.some((e) => e.detail === found.detail)) strong.push(found);
      } else {
        weak ??= new Map();
        if (!weak.has(rule.header.toLowerCase())) weak.set(rule.header.toLowerCase(), found);
      }
    }
    if (strong !== null || (weak !== null && weak.size >= 2)) {
      const extra = weak === null ? [] : [...weak.values()].filter((w) => !strong?.some((s) => s.detail === w.detail));
      matches.push({ provider: provider.id, evidence: [...(strong ?? []), ...extra] });
    }
  }
  return matches;
}

function matchNames(
  names: string[],
  providers: ProviderDef[],
  suffixesOf: (p: ProviderDef) => string[],
  kind: 'cname' | 'ns',
): ProviderMatch[] {
  const hosts = names.map(hostName).filter((n) => n.length > 0);
  const matches: ProviderMatch[] = [];
  if (hosts.length === 0) return matches;
  for (const provider of providers) {
    const suffixes = suffixesOf(provider);
    const hits = hosts.filter((host) => suffixes.some((suffix) => hostMatchesSuffix(host, suffix)));
    if (hits.length > 0) {
      const label = kind === 'cname' ? 'CNAME' : 'NS';
      matches.push({ provider: provider.id, evidence: [...new Set(hits)].map((h) => evidence(kind, `${label} ${h}`)) });
    }
  }
  return matches;
}

/** Providers whose CNAME targets appear in the chain (e.g. "shop.example.com.cdn.cloudflare.net"). */
export function matchCname(chain: string[], providers: ProviderDef[]): ProviderMatch[] {
  return matchNames(chain, providers, (p) => p.cnameSuffixes, 'cname');
}

/** Providers that host the zone's authoritative name servers (e.g. "kate.ns.cloudflare.com"). */
export function matchNs(nsHosts: string[], providers: ProviderDef[]): ProviderMatch[] {
  return matchNames(nsHosts, providers, (p) => p.nsSuffixes, 'ns');
}

/** The provider whose published ranges contain the address; [] when none, or it is not in `providers`. */
export function matchAddress(address: string, index: RangeIndex, providers: ProviderDef[]): ProviderMatch[] {
  const found = index.lookup(address);
  if (!found || !providers.some((p) => p.id === found.provider)) return [];
  const where = [found.region, found.service].filter((x): x is string => Boolean(x));
  const suffix = where.length > 0 ? ` (${where.join(', ')})` : '';
  return [{ provider: found.provider, evidence: [evidence('address', `address ${addressWords(address)} in ${found.prefix}${suffix}`)], rangeSet: found.set }];
}

/** A provider that hosts sites and fronts none (a cloud with no CDN role): its names and ranges mean hosting. */
export function hostsOnly(provider: ProviderDef): boolean {
  return provider.roles.includes('origin') && !provider.roles.includes('edge');
}

/** An address match in a cloud's customer ranges (ProviderDef.hostingRangeSets): where a site is hosted, not its edge. */
export function isHostingMatch(match: ProviderMatch, providers: ProviderDef[]): boolean {
  if (match.rangeSet === undefined) return false;
  return providers.find((p) => p.id === match.provider)?.hostingRangeSets?.includes(match.rangeSet) === true;
}

// ───────────────────────────── what did it say? ─────────────────────────────

interface PreparedBody {
  decoded: string;
  lower: string;
}

function prepareBody(body: string): PreparedBody {
  const decoded = decodeEntities(body);
  return { decoded, lower: decoded.toLowerCase() };
}

function ruleHolds(rule: ErrorRule, status: number | null, headers: Record<string, string>, body: PreparedBody): boolean {
  if (rule.status && (status === null || !rule.status.includes(status))) return false;
  if (rule.header && headerHolds(headers, rule.header.name, rule.header.pattern) === null) return false;
  if (rule.body && !rule.body.every((m) => body.lower.includes(m.toLowerCase()))) return false;
  if (rule.bodyAny && !rule.bodyAny.some((m) => body.lower.includes(m.toLowerCase()))) return false;
  if (rule.bodyNone && rule.bodyNone.some((m) => body.lower.includes(m.toLowerCase()))) return false;
  if (rule.bodyPattern !== undefined) {
    const regex = compilePattern(rule.bodyPattern);
    if (!regex || !regex.test(body.decoded)) return false;
  }
  return true;
}

function firstRuleThatHolds(rules: ErrorRule[], status: number | null, headers: Record<string, string>, body: string): ErrorRule | null {
  const lowered = lowerCaseNames(headers);
  const prepared = prepareBody(body);
  return rules.find((rule) => ruleHolds(rule, status, lowered, prepared)) ?? null;
}

/**
 * The first of the provider's error rules that explains this response (all of a rule's conditions
 * must hold), or null. Body markers are matched case-insensitively after entities are decoded.
 * Call it for a provider already identified from headers or addresses: the rules assume it.
 */
export function matchErrorRule(provider: ProviderDef, status: number | null, headers: Record<string, string>, body: string): ErrorRule | null {
  return firstRuleThatHolds(provider.errors, status, headers, body);
}

/**
 * Does the rule rest on something the provider writes itself (a header or a body marker), rather than on a
 * status alone? Only such rules can name a provider that put no identifying header on the response.
 */
export function restsOnOwnMarker(rule: ErrorRule): boolean {
  return rule.header !== undefined || rule.body !== undefined || rule.bodyAny !== undefined || rule.bodyPattern !== undefined;
}

/**
 * matchErrorRule for a provider known from elsewhere (the site's CNAME chain, its published ranges, an
 * earlier run) whose headers are not on this response: only its rules that rest on its own markers
 * (restsOnOwnMarker). Status-only rules (Cloudflare 521, "any 5xx passed through") say nothing without the
 * provider's headers, so they are skipped.
 */
export function matchErrorRuleByMarkers(provider: ProviderDef, status: number | null, headers: Record<string, string>, body: string): ErrorRule | null {
  return firstRuleThatHolds(provider.errors.filter(restsOnOwnMarker), status, headers, body);
}

/** A rule's explanation, with the page's own words for the cause when the rule quotes them. */
export function explainRule(rule: ErrorRule, body: string): string {
  if (rule.quote === undefined) return rule.says;
  const quoted = compilePattern(rule.quote)?.exec(decodeEntities(body))?.[1]?.trim();
  return quoted ? `${rule.says} (the page says "${safeLine(quoted, 80)}")` : rule.says;
}

/**
 * Is this response the provider's challenge (bot / human verification) page? Either a challenge
 * rule keyed on a header says so (cf-mitigated: challenge, x-vercel-mitigated, x-amzn-waf-action),
 * or the provider's own headers are present and the body carries one of its challenge markers.
 * A marker alone is not enough: challenge-platform scripts and cdnjs links sit on healthy pages.
 */
export function isChallengePage(
  response: { status?: number | null; headers: Record<string, string>; body: string },
  provider: ProviderDef,
): boolean {
  const headers = lowerCaseNames(response.headers);
  const prepared = prepareBody(response.body);
  const status = response.status ?? null;
  const headerRule = provider.errors.some(
    (rule) => rule.layer === 'challenge' && rule.header !== undefined && ruleHolds(rule, status, headers, prepared),
  );
  if (headerRule) return true;
  if (matchHeadersOnce(lowerCaseNames(headers), [provider]).length === 0) return false;
  return provider.challengeMarkers.some((marker) => prepared.lower.includes(marker.toLowerCase()));
}
