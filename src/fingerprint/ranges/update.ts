// `outage-probe providers update`: fetch each provider's official range list, parse it, and write
// the cache atomically. A source that fails keeps its previous data; parsers are pure.

import type { BuiltinProviderId } from '../catalog/index.js';
import { replaceFile } from '../../util/safe-file.js';
import { safeLine } from '../../util/text.js';
import { toProbeError } from '../../util/errors.js';
import { agentFor, discardBody, readCapped, timedRequest } from '../../util/http-client.js';
import { readRangeCache, type RangeSnapshot } from './load.js';
import { formatPrefix, parsePrefix, type RangePrefix, type RangeSets } from './trie.js';

/** Sets produced by one source, by set id. */
export type ParsedSets = Record<string, { provider: BuiltinProviderId; prefixes: RangePrefix[] }>;

export type ParseOutcome = { sets: ParsedSets } | { error: string };

export interface RangeSource {
  /** Short name in messages, e.g. "cloudflare-ipv4". */
  id: string;
  url: string;
  method?: 'GET' | 'POST';
  /** Form body for POST sources. */
  form?: string;
  accept?: string;
  parse: (text: string) => ParseOutcome;
}

// ───────────────────────────── parsers (pure) ─────────────────────────────

/** A validated prefix in canonical spelling; a bare address becomes a /32 or /128. */
function toPrefix(text: string, region: string | null = null, service: string | null = null): RangePrefix | null {
  const parsed = parsePrefix(text);
  return parsed ? { prefix: formatPrefix(parsed), region, service } : null;
}

function prefixesFrom(texts: unknown[], what: string): RangePrefix[] | { error: string } {
  const prefixes: RangePrefix[] = [];
  for (const text of texts) {
    if (typeof text !== 'string') continue;
    const prefix = toPrefix(text);
    if (prefix) prefixes.push(prefix);
  }
  return prefixes.length > 0 ? prefixes : { error: `no prefixes found in ${what}` };
}

function parseJson(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (err) {
    return { error: `not JSON: ${safeLine((err as Error).message, 120)}` };
  }
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function single(setId: string, provider: BuiltinProviderId, result: RangePrefix[] | { error: string }): ParseOutcome {
  return Array.isArray(result) ? { sets: { [setId]: { provider, prefixes: result } } } : result;
}

/** Cloudflare's ips-v4 / ips-v6: one CIDR per line. */
export function parseCidrLines(text: string, setId: string, provider: BuiltinProviderId): ParseOutcome {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (lines.some((l) => !parsePrefix(l))) {
    const bad = lines.find((l) => !parsePrefix(l))!;
    return { error: `not a CIDR list (line "${safeLine(bad, 60)}")` };
  }
  return single(setId, provider, prefixesFrom(lines, 'the list'));
}

/** Fastly public-ip-list: {"addresses": [...], "ipv6_addresses": [...]}. */
export function parseFastlyList(text: string): ParseOutcome {
  const json = parseJson(text);
  if ('error' in json) return json;
  const doc = record(json.value);
  if (!doc || !Array.isArray(doc.addresses)) return { error: 'expected {"addresses": [...], "ipv6_addresses": [...]}' };
  const all = [...doc.addresses, ...(Array.isArray(doc.ipv6_addresses) ? doc.ipv6_addresses : [])];
  return single('fastly', 'fastly', prefixesFrom(all, 'addresses'));
}

/**
 * AWS ip-ranges.json. CLOUDFRONT prefixes form the "cloudfront" set; every other prefix the "aws"
 * set, with its region. AWS lists each prefix under AMAZON as well as under its service, so per
 * prefix the named service is kept, and prefixes that are CloudFront's are left out of "aws".
 */
export function parseAwsRanges(text: string): ParseOutcome {
  const json = parseJson(text);
  if ('error' in json) return json;
  const doc = record(json.value);
  if (!doc || !Array.isArray(doc.prefixes)) return { error: 'expected {"prefixes": [...], "ipv6_prefixes": [...]}' };
  const rows = [...doc.prefixes, ...(Array.isArray(doc.ipv6_prefixes) ? doc.ipv6_prefixes : [])];
  const cloudfront = new Map<string, RangePrefix>();
  const aws = new Map<string, RangePrefix>();
  for (const row of rows) {
    const r = record(row);
    if (!r) continue;
    const text = typeof r.ip_prefix === 'string' ? r.ip_prefix : typeof r.ipv6_prefix === 'string' ? r.ipv6_prefix : null;
    const region = typeof r.region === 'string' && r.region !== 'GLOBAL' ? r.region : null;
    const service = typeof r.service === 'string' ? r.service : null;
    const prefix = text ? toPrefix(text, region, service) : null;
    if (!prefix) continue;
    if (service === 'CLOUDFRONT') {
      cloudfront.set(prefix.prefix, prefix);
    } else {
      const seen = aws.get(prefix.prefix);
      if (!seen || (seen.service === 'AMAZON' && service !== 'AMAZON')) aws.set(prefix.prefix, prefix);
    }
  }
  for (const key of cloudfront.keys()) aws.delete(key);
  if (cloudfront.size + aws.size === 0) return { error: 'no prefixes found in prefixes / ipv6_prefixes' };
  return {
    sets: {
      cloudfront: { provider: 'cloudfront', prefixes: [...cloudfront.values()] },
      aws: { provider: 'aws', prefixes: [...aws.values()] },
    },
  };
}

/** Google goog.json (all Google) or cloud.json (customer GCP; `scope` is the region). */
export function parseGoogleRanges(text: string, setId: string): ParseOutcome {
  const json = parseJson(text);
  if ('error' in json) return json;
  const doc = record(json.value);
  if (!doc || !Array.isArray(doc.prefixes)) return { error: 'expected {"prefixes": [{"ipv4Prefix" | "ipv6Prefix": ...}]}' };
  const prefixes: RangePrefix[] = [];
  for (const row of doc.prefixes) {
    const r = record(row);
    if (!r) continue;
    const text = typeof r.ipv4Prefix === 'string' ? r.ipv4Prefix : typeof r.ipv6Prefix === 'string' ? r.ipv6Prefix : null;
    const region = typeof r.scope === 'string' && r.scope !== 'global' ? r.scope : null;
    const prefix = text ? toPrefix(text, region, typeof r.service === 'string' ? r.service : null) : null;
    if (prefix) prefixes.push(prefix);
  }
  return single(setId, 'google', prefixes.length > 0 ? prefixes : { error: 'no prefixes found in prefixes' });
}

/** Imperva's API: {"ipRanges": [...], "ipv6Ranges": [...], "res": 0}. */
export function parseImpervaRanges(text: string): ParseOutcome {
  const json = parseJson(text);
  if ('error' in json) return json;
  const doc = record(json.value);
  if (!doc || !Array.isArray(doc.ipRanges)) return { error: 'expected {"ipRanges": [...], "ipv6Ranges": [...]}' };
  const all = [...doc.ipRanges, ...(Array.isArray(doc.ipv6Ranges) ? doc.ipv6Ranges : [])];
  return single('imperva', 'imperva', prefixesFrom(all, 'ipRanges'));
}

/**
 * Bunny's edge server list: single addresses, as a JSON array, one per line, or XML
 * (<string>…</string>) depending on the endpoint and Accept header; all three are read.
 */
export function parseBunnyList(text: string, setId: string): ParseOutcome {
  const trimmed = text.trim();
  let items: unknown[];
  if (trimmed.startsWith('[')) {
    const json = parseJson(trimmed);
    if ('error' in json) return json;
    if (!Array.isArray(json.value)) return { error: 'expected a JSON array of addresses' };
    items = json.value;
  } else if (trimmed.startsWith('<')) {
    items = [...trimmed.matchAll(/<string>\s*([^<\s]+)\s*<\/string>/g)].map((m) => m[1]);
  } else {
    items = trimmed.split(/[\s,]+/);
  }
  return single(setId, 'bunny', prefixesFrom(items, 'the edge server list'));
}

/** Gcore public-net-list: {"addresses": [...], "addresses_v6": [...]}. */
export function parseGcoreList(text: string): ParseOutcome {
  const json = parseJson(text);
  if ('error' in json) return json;
  const doc = record(json.value);
  if (!doc || !Array.isArray(doc.addresses)) return { error: 'expected {"addresses": [...], "addresses_v6": [...]}' };
  const all = [...doc.addresses, ...(Array.isArray(doc.addresses_v6) ? doc.addresses_v6 : [])];
  return single('gcore', 'gcore', prefixesFrom(all, 'addresses'));
}

/**
 * The official sources (providers.md §1–§9). Azure publishes its Service Tags under a file name
 * that changes weekly behind a download page, and Akamai its Origin IP ACL blocks only on a documentation page:
 * neither is fetched, and their sets in snapshot.json say where and when they were copied.
 */
export const RANGE_SOURCES: RangeSource[] = [
  { id: 'cloudflare-ipv4', url: 'https://www.cloudflare.com/ips-v4', parse: (t) => parseCidrLines(t, 'cloudflare-ipv4', 'cloudflare') },
  { id: 'cloudflare-ipv6', url: 'https://www.cloudflare.com/ips-v6', parse: (t) => parseCidrLines(t, 'cloudflare-ipv6', 'cloudflare') },
  { id: 'fastly', url: 'https://api.fastly.com/public-ip-list', accept: 'application/json', parse: parseFastlyList },
  { id: 'aws', url: 'https://ip-ranges.amazonaws.com/ip-ranges.json', accept: 'application/json', parse: parseAwsRanges },
  { id: 'google', url: 'https://www.gstatic.com/ipranges/goog.json', accept: 'application/json', parse: (t) => parseGoogleRanges(t, 'google') },
  { id: 'google-cloud', url: 'https://www.gstatic.com/ipranges/cloud.json', accept: 'application/json', parse: (t) => parseGoogleRanges(t, 'google-cloud') },
  // A POST with resp_format=json is the documented call; plain GET is answered too, but not promised.
  { id: 'imperva', url: 'https://my.imperva.com/api/integration/v1/ips', method: 'POST', form: 'resp_format=json', accept: 'application/json', parse: parseImpervaRanges },
  { id: 'bunny', url: 'https://bunnycdn.com/api/system/edgeserverlist', accept: 'application/json', parse: (t) => parseBunnyList(t, 'bunny') },
  { id: 'bunny-ipv6', url: 'https://bunnycdn.com/api/system/edgeserverlist/IPv6', accept: 'application/json', parse: (t) => parseBunnyList(t, 'bunny-ipv6') },
  { id: 'gcore', url: 'https://api.gcore.com/cdn/public-net-list', accept: 'application/json', parse: parseGcoreList },
];

// ───────────────────────────── fetching ─────────────────────────────

export type SourceResult =
  | { source: RangeSource; ok: true; sets: ParsedSets }
  | { source: RangeSource; ok: false; error: string };

export interface FetchSourcesOptions {
  timeoutMs?: number;
  /** Largest body read (AWS's list is a few MB). */
  maxBytes?: number;
  signal?: AbortSignal;
}

const OFFLINE_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN']);

/** "could not fetch https://…: ENOTFOUND (offline?)" — one line for a thrown fetch error. */
export function fetchFailureMessage(url: string, err: unknown): string {
  const { code, message } = toProbeError(err, 'EFETCH');
  if (code === 'TimeoutError' || code === 'AbortError') return `could not fetch ${url}: timed out`;
  const hint = OFFLINE_CODES.has(code) ? ' (offline?)' : '';
  const detail = message && message !== code && message !== 'fetch failed' && !message.includes(code) ? ` (${message})` : '';
  return `could not fetch ${url}: ${code}${hint}${detail}`;
}

/** Fetch and parse one source; every failure is a message naming the URL. */
export async function fetchRangeSource(source: RangeSource, options: FetchSourcesOptions = {}): Promise<SourceResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
  const agent = agentFor(null);
  try {
    const answer = await timedRequest(
      source.url,
      {
        method: source.method ?? 'GET',
        headers: {
          'user-agent': 'outage-probe (providers update)',
          accept: source.accept ?? 'text/plain, application/json;q=0.9, */*;q=0.5',
          ...(source.form !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
        ...(source.form !== undefined ? { body: source.form } : {}),
        dispatcher: agent,
        timeoutMs,
        ...(options.signal ? { signal: options.signal } : {}),
      },
      async (response): Promise<{ status: number; text: string | null }> => {
        if (response.statusCode < 200 || response.statusCode >= 300) {
          discardBody(response.body);
          return { status: response.statusCode, text: null };
        }
        const bytes = await readCapped(response.body, maxBytes);
        return { status: response.statusCode, text: bytes === null ? null : bytes.toString('utf8') };
      },
    );
    if (!answer.ok) {
      if (answer.stoppedBy !== null) return { source, ok: false, error: `could not fetch ${source.url}: ${answer.stoppedBy === 'timeout' ? 'timed out' : 'interrupted'}` };
      return { source, ok: false, error: fetchFailureMessage(source.url, answer.error) };
    }
    const { status, text } = answer.value;
    if (status < 200 || status >= 300) return { source, ok: false, error: `could not fetch ${source.url}: HTTP ${status}` };
    if (text === null) return { source, ok: false, error: `could not fetch ${source.url}: larger than ${maxBytes} bytes` };
    const parsed = source.parse(text);
    if ('error' in parsed) return { source, ok: false, error: `could not read ${source.url}: ${parsed.error}` };
    return { source, ok: true, sets: parsed.sets };
  } finally {
    await agent.destroy().catch(() => undefined);
  }
}

export async function fetchRangeSources(sources: RangeSource[], options: FetchSourcesOptions = {}): Promise<SourceResult[]> {
  return Promise.all(sources.map((s) => fetchRangeSource(s, options)));
}

// ───────────────────────────── the cache ─────────────────────────────

/** The new cache: the previous one, with every set a source delivered replaced and dated `now`. */
export function nextCache(previous: RangeSnapshot | null, results: SourceResult[], now: Date): RangeSnapshot {
  const sets: RangeSets = { ...(previous?.sets ?? {}) };
  const takenAt = now.toISOString();
  for (const result of results) {
    if (!result.ok) continue;
    for (const [id, set] of Object.entries(result.sets)) {
      sets[id] = { provider: set.provider, source: result.source.url, takenAt, prefixes: set.prefixes };
    }
  }
  return { takenAt, sets };
}

export interface UpdateRangesOptions extends FetchSourcesOptions {
  cacheFile: string;
  sources?: RangeSource[];
  now?: () => Date;
}

export interface UpdateRangesResult {
  results: SourceResult[];
  /** The cache written; null when every source failed (nothing written). */
  written: RangeSnapshot | null;
  cacheFile: string;
  /** Why the previous cache could not be read (it is replaced), if so. */
  previousProblem: string | null;
}

export async function updateRanges(options: UpdateRangesOptions): Promise<UpdateRangesResult> {
  const sources = options.sources ?? RANGE_SOURCES;
  const results = await fetchRangeSources(sources, options);
  const { cache: previous, problem } = readRangeCache(options.cacheFile);
  if (!results.some((r) => r.ok)) return { results, written: null, cacheFile: options.cacheFile, previousProblem: problem };
  const written = nextCache(previous, results, (options.now ?? (() => new Date()))());
  replaceFile(options.cacheFile, `${JSON.stringify(written, null, 1)}\n`, 'provider range cache');
  return { results, written, cacheFile: options.cacheFile, previousProblem: problem };
}
