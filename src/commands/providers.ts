// `outage-probe providers list | identify <url|address> | update`: the provider catalog, asked directly.

import { BUILTIN_PROVIDERS } from '../fingerprint/catalog/index.js';
import { isChallengePage, matchAddress, matchCname, matchErrorRule, matchHeaders, matchNs } from '../fingerprint/match.js';
import { loadRanges, rangeIndex, resetRangeIndexes, defaultCacheFile } from '../fingerprint/ranges/load.js';
import { buildRangeIndex, parseAddress, type RangeIndex, type RangeSets } from '../fingerprint/ranges/trie.js';
import { updateRanges, type FetchSourcesOptions, type RangeSource } from '../fingerprint/ranges/update.js';
import type { ProviderDef, ProviderMatch } from '../fingerprint/types.js';
import { mergeProviders, userRangeSets } from '../fingerprint/user-providers.js';
import { EXIT } from '../exit-codes.js';
import { safeLine } from '../util/text.js';

export interface ProvidersIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

export interface ProvidersOptions {
  /** The update cache (default: $XDG_CACHE_HOME/outage-probe/ranges.json). */
  cacheFile?: string;
  env?: NodeJS.ProcessEnv;
  /** The `providers:` list of probes.yaml, when a config is loaded. */
  user?: unknown[];
}

/** What is known about a target, gathered elsewhere (the CLI resolves and fetches; tests inject). */
export interface IdentifyEvidence {
  status?: number | null;
  headers?: Record<string, string>;
  body?: string;
  cnameChain?: string[];
  ns?: string[];
  addresses?: string[];
}

function line(out: ProvidersIo['stdout'], text = ''): void {
  out.write(`${text}\n`);
}

function catalogFor(options: ProvidersOptions): { providers: ProviderDef[]; userSets: RangeSets } {
  const user = options.user ?? [];
  return { providers: mergeProviders(BUILTIN_PROVIDERS, user), userSets: userRangeSets(user) };
}

function columns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}

// ───────────────────────────── list ─────────────────────────────

export function providersList(io: ProvidersIo, options: ProvidersOptions = {}): number {
  const ranges = loadRanges({ ...(options.cacheFile ? { cacheFile: options.cacheFile } : {}), ...(options.env ? { env: options.env } : {}) });
  const { providers, userSets } = catalogFor(options);
  const sets: RangeSets = { ...ranges.sets, ...userSets };
  const rows = [['ID', 'NAME', 'ROLES', 'PREFIXES', 'DATED', 'STATUS PAGE']];
  for (const p of providers) {
    const filled = p.rangeSets.map((id) => sets[id]).filter((set) => set !== undefined && set.prefixes.length > 0);
    const count = filled.reduce((n, set) => n + set!.prefixes.length, 0);
    // The oldest of the provider's lists: how stale its ranges may be.
    const dated = filled.map((set) => set!.takenAt.slice(0, 10)).sort()[0] ?? '-';
    rows.push([p.id, p.name, p.roles.join(','), String(count), dated, p.statusPage?.url ?? '-']);
  }
  for (const row of columns(rows)) line(io.stdout, row);
  line(io.stdout);
  const cache = ranges.cacheTakenAt
    ? `cache ${ranges.cacheTakenAt} (${ranges.cacheFile}; ${ranges.fromCache.length} set(s) newer than the snapshot)`
    : `no cache yet (${ranges.cacheFile}; run "outage-probe providers update")`;
  line(io.stdout, `IP ranges: snapshot ${ranges.snapshotTakenAt}; ${cache}`);
  if (ranges.cacheProblem) line(io.stderr, `warning: ignoring the range cache: ${safeLine(ranges.cacheProblem)}`);
  return EXIT.ok;
}

// ───────────────────────────── identify ─────────────────────────────

function nameOf(providers: ProviderDef[], id: string): string {
  return providers.find((p) => p.id === id)?.name ?? id;
}

function describeMatches(providers: ProviderDef[], matches: ProviderMatch[]): string {
  return matches.map((m) => `${nameOf(providers, m.provider)} (${m.evidence.map((e) => e.detail).join('; ')})`).join(', ');
}

/**
 * What the evidence says, one line per kind: which provider each of headers, CNAME chain, name
 * servers and addresses points at (or that none does), how that provider reads the response's
 * status, and whether it is a challenge page. Pure.
 */
export function explainEvidence(evidence: IdentifyEvidence, providers: ProviderDef[], index: RangeIndex): string[] {
  const lines: string[] = [];
  const found = new Set<string>();
  const note = (matches: ProviderMatch[]) => matches.forEach((m) => found.add(m.provider));

  const headers = evidence.headers ?? {};
  const headerCount = Object.keys(headers).length;
  const byHeaders = matchHeaders(headers, providers);
  note(byHeaders);
  if (headerCount === 0) lines.push('headers: none given');
  else if (byHeaders.length === 0) lines.push(`headers: no provider matched (${headerCount} header(s), e.g. ${safeLine(Object.keys(headers).slice(0, 5).join(', '), 120)})`);
  else lines.push(`headers: ${describeMatches(providers, byHeaders)}`);

  const chain = evidence.cnameChain ?? [];
  const byCname = matchCname(chain, providers);
  note(byCname);
  if (chain.length === 0) lines.push('CNAME: none (the name has no CNAME, or none was given)');
  else if (byCname.length === 0) lines.push(`CNAME: no provider matched (${safeLine(chain.join(' → '), 200)})`);
  else lines.push(`CNAME: ${describeMatches(providers, byCname)}`);

  const ns = evidence.ns ?? [];
  const byNs = matchNs(ns, providers);
  note(byNs);
  if (ns.length === 0) lines.push('NS: none given');
  else if (byNs.length === 0) lines.push(`NS: no provider matched (${safeLine(ns.join(', '), 200)})`);
  else lines.push(`NS: ${describeMatches(providers, byNs)}`);

  for (const address of evidence.addresses ?? []) {
    const byAddress = matchAddress(address, index, providers);
    note(byAddress);
    lines.push(
      byAddress.length > 0
        ? `address: ${describeMatches(providers, byAddress)}`
        : `address ${safeLine(address, 60)}: in no published range known here`,
    );
  }
  if ((evidence.addresses ?? []).length === 0) lines.push('address: none given');

  const status = evidence.status ?? null;
  const body = evidence.body ?? '';
  for (const match of byHeaders) {
    const provider = providers.find((p) => p.id === match.provider)!;
    if (isChallengePage({ status, headers, body }, provider)) lines.push(`challenge: ${provider.name} served a challenge page`);
    const rule = status !== null || body ? matchErrorRule(provider, status, headers, body) : null;
    if (rule) lines.push(`response${status !== null ? ` ${status}` : ''}: ${provider.name} rule says ${rule.layer} — ${rule.says}`);
    else if (status !== null && status >= 400) lines.push(`response ${status}: no ${provider.name} rule explains it`);
  }

  const named = providers.filter((p) => found.has(p.id)).map((p) => p.name);
  lines.push(named.length > 0 ? `providers: ${named.join(', ')}` : 'providers: none identified');
  return lines;
}

export interface IdentifyOptions extends ProvidersOptions {
  /** Evidence already gathered for a URL target. */
  evidence?: IdentifyEvidence;
  /** How the CLI gathers evidence for a URL (resolve, fetch); not used when `evidence` is given. */
  gather?: (url: string) => Promise<IdentifyEvidence>;
  providers?: ProviderDef[];
  index?: RangeIndex;
}

export async function providersIdentify(target: string, io: ProvidersIo, options: IdentifyOptions = {}): Promise<number> {
  const catalog = catalogFor(options);
  const providers = options.providers ?? catalog.providers;
  const index =
    options.index ??
    (Object.keys(catalog.userSets).length > 0
      ? buildRangeIndex(catalog.userSets, loadRanges(options).sets)
      : rangeIndex({ ...(options.cacheFile ? { cacheFile: options.cacheFile } : {}), ...(options.env ? { env: options.env } : {}) }));

  if (parseAddress(target)) {
    const lines = explainEvidence({ addresses: [target] }, providers, index).filter((l) => l.startsWith('address'));
    for (const l of lines) line(io.stdout, l);
    return EXIT.ok;
  }
  let url: URL | null = null;
  try {
    url = new URL(target);
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    line(io.stderr, `providers identify: expected an http(s) URL or an IP address, got "${safeLine(target, 100)}"`);
    return EXIT.usage;
  }
  let evidence = options.evidence;
  if (!evidence) {
    if (!options.gather) {
      line(io.stderr, `providers identify: nothing gathered for ${url.href} (no resolver or fetch available here)`);
      return EXIT.internal;
    }
    evidence = await options.gather(url.href);
  }
  line(io.stdout, `${url.href}`);
  for (const l of explainEvidence(evidence, providers, index)) line(io.stdout, `  ${l}`);
  return EXIT.ok;
}

// ───────────────────────────── update ─────────────────────────────

export interface UpdateCommandOptions extends ProvidersOptions, FetchSourcesOptions {
  /** The sources to fetch (tests point these at loopback servers). */
  sources?: RangeSource[];
  now?: () => Date;
}

export async function providersUpdate(io: ProvidersIo, options: UpdateCommandOptions = {}): Promise<number> {
  const cacheFile = options.cacheFile ?? defaultCacheFile(options.env);
  const result = await updateRanges({
    cacheFile,
    ...(options.sources ? { sources: options.sources } : {}),
    ...(options.now ? { now: options.now } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.maxBytes !== undefined ? { maxBytes: options.maxBytes } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  for (const r of result.results) {
    if (r.ok) {
      const counts = Object.entries(r.sets).map(([id, set]) => `${id} ${set.prefixes.length} prefixes`);
      line(io.stdout, `${r.source.id}: ${counts.join(', ')} from ${r.source.url}`);
    } else {
      line(io.stderr, `${r.source.id}: ${r.error}; keeping the previous data`);
    }
  }
  if (result.previousProblem) line(io.stderr, `warning: the previous cache was unusable and is replaced: ${safeLine(result.previousProblem)}`);
  if (!result.written) {
    line(io.stderr, `every source failed; nothing written (the ranges in use are unchanged)`);
    return 1;
  }
  resetRangeIndexes();
  const setCount = Object.keys(result.written.sets).length;
  const prefixCount = Object.values(result.written.sets).reduce((n, s) => n + s.prefixes.length, 0);
  const failed = result.results.filter((r) => !r.ok).length;
  line(io.stdout, `wrote ${cacheFile} (${setCount} sets, ${prefixCount} prefixes${failed ? `; ${failed} source(s) failed` : ''})`);
  return EXIT.ok;
}
