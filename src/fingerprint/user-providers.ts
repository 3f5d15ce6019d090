// Providers from probes.yaml (`providers:`): a new provider, or more matchers on a built-in one
// (`extends: cloudflare`, or an id / name equal to a built-in). The config stage reports the
// problems validateUserProvider finds, with positions; merging skips entries that have any.
//
//   providers:
//     - name: Corp WAF
//       headers: [{ header: x-corp-waf }, { header: server, pattern: "^corpwaf" }]
//       body: ["Request blocked by Corp WAF"]          # challenge / block page markers
//       cname: [waf.corp.example]
//       ranges: [10.1.0.0/16]
//       errors: [{ status: [503], bodyAny: ["upstream unavailable"], layer: origin, says: "…" }]
//     - extends: cloudflare
//       ranges: [203.0.113.0/24]                       # a BYOIP prefix

import { BUILTIN_PROVIDERS } from './catalog/index.js';
import { parsePrefix, type RangeSets } from './ranges/trie.js';
import type { ErrorRule, HeaderRule, ProviderDef } from './types.js';

const ENTRY_KEYS = ['id', 'name', 'extends', 'roles', 'headers', 'body', 'cname', 'ns', 'ranges', 'errors'] as const;
const HEADER_KEYS = ['header', 'pattern', 'weight'] as const;
const ERROR_KEYS = ['status', 'header', 'body', 'bodyAny', 'bodyNone', 'bodyPattern', 'layer', 'says'] as const;
const ROLES = ['authoritative-dns', 'edge', 'challenge', 'origin'] as const;
const ERROR_LAYERS = ['edge', 'challenge', 'origin', 'site'] as const;

type Entry = Record<string, unknown>;

function isRecord(value: unknown): value is Entry {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function patternProblem(pattern: unknown): string | null {
  if (typeof pattern !== 'string') return 'expected a regular expression (a string)';
  try {
    new RegExp(pattern, 'i');
    return null;
  } catch (err) {
    return `not a valid regular expression (${(err as Error).message})`;
  }
}

function unknownKeys(value: Entry, known: readonly string[], path: string): string[] {
  return Object.keys(value)
    .filter((k) => !known.includes(k))
    .map((k) => `${path}${k}: unknown key (expected one of ${known.join(', ')})`);
}

/** An id from a display name: "Corp WAF" → "corp-waf". */
export function providerIdFrom(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

/** The built-in provider an entry extends: by `extends`, or by an id or name equal to a built-in's. */
function extendedBuiltin(entry: Entry, builtin: ProviderDef[]): ProviderDef | undefined {
  if (typeof entry.extends === 'string') return builtin.find((p) => p.id === entry.extends);
  const keys = [entry.id, entry.name].filter((v): v is string => typeof v === 'string').map((v) => v.toLowerCase());
  return builtin.find((p) => keys.includes(p.id) || keys.includes(p.name.toLowerCase()));
}

function entryId(entry: Entry, builtin: ProviderDef[]): string {
  const base = extendedBuiltin(entry, builtin);
  if (base) return base.id;
  if (typeof entry.id === 'string') return entry.id;
  return typeof entry.name === 'string' ? providerIdFrom(entry.name) : '';
}

function stringList(value: unknown, path: string, check?: (s: string) => string | null): string[] {
  if (!Array.isArray(value)) return [`${path}: expected a list of strings`];
  const problems: string[] = [];
  value.forEach((item, i) => {
    if (typeof item !== 'string' || item.trim() === '') problems.push(`${path}[${i}]: expected a non-empty string`);
    else {
      const problem = check?.(item);
      if (problem) problems.push(`${path}[${i}]: ${problem}`);
    }
  });
  return problems;
}

function hostSuffixProblem(suffix: string): string | null {
  const host = suffix.trim().replace(/^\*?\./, '').replace(/\.$/, '');
  return /^(?:[a-z0-9*](?:[a-z0-9*-]{0,61}[a-z0-9*])?\.)*[a-z0-9*](?:[a-z0-9*-]{0,61}[a-z0-9*])?$/i.test(host)
    ? null
    : 'not a host name suffix';
}

function headerProblems(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) return [`${path}: expected a list of {header, pattern?, weight?}`];
  const problems: string[] = [];
  value.forEach((rule, i) => {
    const at = `${path}[${i}]`;
    if (!isRecord(rule)) {
      problems.push(`${at}: expected a mapping {header, pattern?, weight?}`);
      return;
    }
    problems.push(...unknownKeys(rule, HEADER_KEYS, `${at}.`));
    if (typeof rule.header !== 'string' || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/i.test(rule.header)) {
      problems.push(`${at}.header: expected a header name`);
    }
    if (rule.pattern !== undefined) {
      const problem = patternProblem(rule.pattern);
      if (problem) problems.push(`${at}.pattern: ${problem}`);
    }
    if (rule.weight !== undefined && rule.weight !== 'strong' && rule.weight !== 'weak') {
      problems.push(`${at}.weight: expected strong or weak`);
    }
  });
  return problems;
}

function errorRuleProblems(value: unknown, path: string): string[] {
  if (!Array.isArray(value)) return [`${path}: expected a list of rules {status?, header?, body?, bodyAny?, bodyNone?, bodyPattern?, layer, says?}`];
  const problems: string[] = [];
  value.forEach((rule, i) => {
    const at = `${path}[${i}]`;
    if (!isRecord(rule)) {
      problems.push(`${at}: expected a mapping {status?, header?, body?, …, layer, says?}`);
      return;
    }
    problems.push(...unknownKeys(rule, ERROR_KEYS, `${at}.`));
    if (!ERROR_LAYERS.includes(rule.layer as (typeof ERROR_LAYERS)[number])) {
      problems.push(`${at}.layer: expected one of ${ERROR_LAYERS.join(', ')}`);
    }
    if (rule.status !== undefined) {
      const statuses = Array.isArray(rule.status) ? rule.status : [rule.status];
      if (statuses.length === 0 || statuses.some((s) => !Number.isInteger(s) || (s as number) < 100 || (s as number) > 599)) {
        problems.push(`${at}.status: expected a status code or a list of them (100-599)`);
      }
    }
    if (rule.header !== undefined) {
      const header = typeof rule.header === 'string' ? { name: rule.header } : rule.header;
      if (!isRecord(header) || typeof header.name !== 'string' || header.name === '') {
        problems.push(`${at}.header: expected a header name or {name, pattern?}`);
      } else if (header.pattern !== undefined) {
        const problem = patternProblem(header.pattern);
        if (problem) problems.push(`${at}.header.pattern: ${problem}`);
      }
    }
    for (const key of ['body', 'bodyAny', 'bodyNone'] as const) {
      if (rule[key] !== undefined) problems.push(...stringList(typeof rule[key] === 'string' ? [rule[key]] : rule[key], `${at}.${key}`));
    }
    if (rule.bodyPattern !== undefined) {
      const problem = patternProblem(rule.bodyPattern);
      if (problem) problems.push(`${at}.bodyPattern: ${problem}`);
    }
    if (rule.says !== undefined && typeof rule.says !== 'string') problems.push(`${at}.says: expected a string`);
    const conditions = ['status', 'header', 'body', 'bodyAny', 'bodyNone', 'bodyPattern'].filter((k) => rule[k] !== undefined);
    if (conditions.length === 0) problems.push(`${at}: a rule needs at least one condition (status, header, body, bodyAny, bodyNone or bodyPattern)`);
  });
  return problems;
}

/**
 * Problems with one `providers:` entry, each as "<path>: <message>" relative to the entry
 * (e.g. `headers[0].pattern: not a valid regular expression (…)`); [] when it is usable.
 */
export function validateUserProvider(entry: unknown, builtin: ProviderDef[] = BUILTIN_PROVIDERS): string[] {
  if (!isRecord(entry)) return ['expected a mapping with at least "name" (or "extends")'];
  const problems = unknownKeys(entry, ENTRY_KEYS, '');
  if (entry.extends !== undefined && (typeof entry.extends !== 'string' || !builtin.some((p) => p.id === entry.extends))) {
    problems.push(`extends: ${JSON.stringify(entry.extends)} is not a built-in provider (known: ${builtin.map((p) => p.id).join(', ')})`);
  }
  if (entry.name === undefined) {
    if (entry.extends === undefined) problems.push('name: required (a display name, e.g. "Corp WAF"), unless the entry extends a built-in provider');
  } else if (typeof entry.name !== 'string' || entry.name.trim() === '') {
    problems.push('name: expected a non-empty string');
  }
  if (entry.id !== undefined && (typeof entry.id !== 'string' || !/^[a-z0-9][a-z0-9-]*$/.test(entry.id))) {
    problems.push('id: expected lower-case letters, digits and dashes, e.g. "corp-waf"');
  }
  if (entry.extends === undefined && typeof entry.name === 'string' && entry.id === undefined && providerIdFrom(entry.name) === '') {
    problems.push('name: needs a letter or digit to make an id from (or give "id")');
  }
  if (entry.roles !== undefined) {
    problems.push(...stringList(entry.roles, 'roles', (r) => (ROLES.includes(r as (typeof ROLES)[number]) ? null : `expected one of ${ROLES.join(', ')}`)));
  }
  if (entry.headers !== undefined) problems.push(...headerProblems(entry.headers, 'headers'));
  if (entry.body !== undefined) problems.push(...stringList(entry.body, 'body'));
  if (entry.cname !== undefined) problems.push(...stringList(entry.cname, 'cname', hostSuffixProblem));
  if (entry.ns !== undefined) problems.push(...stringList(entry.ns, 'ns', hostSuffixProblem));
  if (entry.ranges !== undefined) {
    problems.push(...stringList(entry.ranges, 'ranges', (r) => (parsePrefix(r) ? null : 'not an IP prefix (e.g. 10.1.0.0/16 or 2001:db8::/32)')));
  }
  if (entry.errors !== undefined) problems.push(...errorRuleProblems(entry.errors, 'errors'));
  return problems;
}

// ───────────────────────────── building ─────────────────────────────

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function toHeaderRules(value: unknown): HeaderRule[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).map((r) => ({
    header: String(r.header).toLowerCase(),
    ...(typeof r.pattern === 'string' ? { pattern: r.pattern } : {}),
    weight: r.weight === 'weak' ? 'weak' : 'strong',
  }));
}

function toErrorRules(value: unknown, providerName: string): ErrorRule[] {
  if (!Array.isArray(value)) return [];
  return value.filter(isRecord).map((r) => {
    const status = r.status === undefined ? undefined : Array.isArray(r.status) ? (r.status as number[]) : [r.status as number];
    const header = r.header === undefined ? undefined : typeof r.header === 'string' ? { name: r.header } : (r.header as { name: string; pattern?: string });
    const layer = r.layer as ErrorRule['layer'];
    const rule: ErrorRule = {
      layer,
      says: typeof r.says === 'string' ? r.says : `${providerName}${status ? ` answered ${status.join('/')}` : ''}: the ${layer} layer (a rule from probes.yaml)`,
      source: 'probes.yaml',
    };
    if (status) rule.status = status;
    if (header) rule.header = header;
    if (r.body !== undefined) rule.body = strings(r.body);
    if (r.bodyAny !== undefined) rule.bodyAny = strings(r.bodyAny);
    if (r.bodyNone !== undefined) rule.bodyNone = strings(r.bodyNone);
    if (typeof r.bodyPattern === 'string') rule.bodyPattern = r.bodyPattern;
    return rule;
  });
}

function userSetId(id: string): string {
  return `user:${id}`;
}

function suffixes(value: unknown): string[] {
  return strings(value).map((s) => s.trim().toLowerCase().replace(/^\*?\./, '').replace(/\.$/, ''));
}

/**
 * The catalog with the user's entries applied: an entry naming a built-in adds its matchers to it
 * (its error rules are tried first, so they can override), any other entry becomes a new provider
 * after the built-ins. Entries with problems (see validateUserProvider) are skipped.
 */
export function mergeProviders(builtin: ProviderDef[], user: unknown[]): ProviderDef[] {
  const merged = builtin.map((p) => ({ ...p }));
  for (const entry of user) {
    if (!isRecord(entry) || validateUserProvider(entry, builtin).length > 0) continue;
    const id = entryId(entry, builtin);
    const existing = merged.find((p) => p.id === id);
    const name = typeof entry.name === 'string' ? entry.name : existing?.name ?? id;
    const ranges = strings(entry.ranges);
    const additions = {
      headers: toHeaderRules(entry.headers),
      errors: toErrorRules(entry.errors, existing?.name ?? name),
      challengeMarkers: strings(entry.body),
      cnameSuffixes: suffixes(entry.cname),
      nsSuffixes: suffixes(entry.ns),
      rangeSets: ranges.length > 0 ? [userSetId(id)] : [],
    };
    const roles = strings(entry.roles) as ProviderDef['roles'];
    if (existing) {
      Object.assign(existing, {
        roles: [...new Set([...existing.roles, ...roles])],
        headers: [...existing.headers, ...additions.headers],
        errors: [...additions.errors, ...existing.errors],
        challengeMarkers: [...existing.challengeMarkers, ...additions.challengeMarkers],
        cnameSuffixes: [...existing.cnameSuffixes, ...additions.cnameSuffixes],
        nsSuffixes: [...existing.nsSuffixes, ...additions.nsSuffixes],
        rangeSets: [...new Set([...existing.rangeSets, ...additions.rangeSets])],
      });
    } else {
      const inferred: ProviderDef['roles'] = ['edge'];
      if (additions.challengeMarkers.length > 0 || additions.errors.some((e) => e.layer === 'challenge')) inferred.push('challenge');
      if (additions.nsSuffixes.length > 0) inferred.unshift('authoritative-dns');
      merged.push({ id, name, roles: roles.length > 0 ? roles : inferred, ...additions });
    }
  }
  return merged;
}

/** Range sets for the user's `ranges:` (one set per entry, id "user:<provider id>"). */
export function userRangeSets(user: unknown[], builtin: ProviderDef[] = BUILTIN_PROVIDERS): RangeSets {
  const sets: RangeSets = {};
  for (const entry of user) {
    if (!isRecord(entry) || validateUserProvider(entry, builtin).length > 0) continue;
    const prefixes = strings(entry.ranges).filter((r) => parsePrefix(r));
    if (prefixes.length === 0) continue;
    const id = entryId(entry, builtin);
    const set = sets[userSetId(id)] ?? { provider: id, source: 'probes.yaml', takenAt: 'configured', prefixes: [] };
    set.prefixes.push(...prefixes.map((prefix) => ({ prefix, region: null, service: null })));
    sets[userSetId(id)] = set;
  }
  return sets;
}
