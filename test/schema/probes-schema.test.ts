// schema/probes.schema.json against the configs the tool accepts and refuses, and against the key lists in
// src/config/validate.ts and src/fingerprint/user-providers.ts, so the schema cannot drift from the checker.

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUILTIN_PROVIDERS } from '../../src/fingerprint/catalog/index.js';
import { HTTP_METHODS, PATH_NAMES } from '../../src/config/values.js';
import { parseConfig } from '../../src/config/load.js';
import { configProblems, expectValidConfig, probesSchema } from '../support/schema.js';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const FIXTURES = 'test/config/fixtures/';

type Props = { properties: Record<string, { enum?: unknown[]; anyOf?: Array<{ minimum?: number; maximum?: number }> ; items?: { enum?: unknown[] } }> };
const defs = probesSchema.$defs as Record<string, Props>;
const keysOf = (def: Props) => Object.keys(def.properties).sort();

/** The string lists declared as `const NAME = [...] as const;` in a source file, spreads resolved. */
function constLists(source: string): Record<string, string[]> {
  const lists: Record<string, string[]> = {};
  for (const m of source.matchAll(/const (\w+) = \[([^\]]*)\] as const;/g)) {
    lists[m[1]!] = m[2]!
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean)
      .flatMap((item) => (item.startsWith('...') ? lists[item.slice(3)] ?? [`<unknown ${item}>`] : [item.replace(/^'|'$/g, '')]));
  }
  return lists;
}

describe('probes.yaml schema: configs the tool accepts', () => {
  it.each(['probes.yaml', `${FIXTURES}valid-full.yaml`, `${FIXTURES}minimal.yaml`, `${FIXTURES}overrides.yaml`])('%s is valid', (file) => {
    expectValidConfig(read(file));
  });

  it('the packaged probes.yaml points editors at the schema', () => {
    expect(read('probes.yaml').split('\n')[0]).toBe('# yaml-language-server: $schema=./schema/probes.schema.json');
  });

  it('accepts the shapes the checker accepts: scalar status, lower-case method and paths, numeric header values, providers', () => {
    const text = `
version: 1
resolvers: [{ system: true }, { address: "[::1]:5353", name: v6, system: false }, { doh: "https://127.0.0.1/dns-query", provider: Corp }]
paths: [EDGE, { proxy: "http://127.0.0.1:3128" }]
attribution: { minSites: 3, samples: 3, interval: 2s }
providers:
  - { name: Corp WAF, headers: [{ header: x-corp-waf, weight: weak }], body: ["blocked"], ranges: [10.1.0.0/16], errors: [{ status: 503, layer: origin, says: "pool empty" }] }
  - { extends: cloudflare, cname: [cdn.corp.example] }
sites:
  - { url: "https://a.example/", method: head, expect: { status: 204, maxMs: 1.5s, contains: 42 }, headers: { X-Version: 2 }, bodySampleSize: 1.5KiB }
`;
    expect(parseConfig(text, 'inline.yaml').sites).toHaveLength(1); // the checker agrees it is valid
    expectValidConfig(text);
  });
});

describe('probes.yaml schema: configs the tool refuses', () => {
  // Bad fixtures whose problem is a shape or a range: the schema catches them too, so editors flag them.
  const REJECTED = [
    'concurrency-not-integer', 'concurrency-too-high', 'control-characters', 'empty', 'header-bad-name', 'long-value', 'many-errors',
    'max-ms-invalid', 'max-redirects-out-of-range', 'method-unknown', 'not-a-mapping', 'origin-not-ip', 'paths-empty',
    'paths-not-a-list', 'paths-proxy-https', 'paths-proxy-no-port', 'paths-unknown', 'per-host-concurrency-zero', 'resolver-bad-doh',
    'resolver-host-name', 'resolver-no-kind', 'resolver-system-not-boolean', 'resolver-two-kinds', 'resolvers-empty',
    'site-not-a-mapping', 'sites-empty', 'sites-missing', 'sites-no-value', 'status-not-a-list', 'status-out-of-range',
    'timeout-negative', 'timeout-without-unit', 'timeout-zero', 'unknown-key-no-hint', 'unknown-key', 'unknown-top-key',
    'url-missing', 'url-not-absolute', 'url-not-http', 'version-unsupported',
  ];
  // Not YAML at all: the editor's YAML parser reports these before any schema applies.
  const NOT_YAML = ['yaml-duplicate-key', 'yaml-tab-indent', 'yaml-unclosed-flow'];
  // Problems only the checker can see (files, uniqueness, comparisons between values, compiling a regex, exact limits).
  const CHECKER_ONLY = [
    'alias-unknown', 'body-sample-too-big', 'ca-missing', 'ca-not-pem', 'deadline-below-timeout', 'paths-both-places', 'regex-invalid',
    'resolver-bad-port', 'resolver-duplicate-derived-name', 'resolver-duplicate-name', 'site-duplicate-derived-name',
    'site-duplicate-name', 'site-timeout-above-deadline', 'timeout-above-default-deadline',
  ];
  const badDir = new URL(`${FIXTURES}bad/`, root);
  const fixtures = readdirSync(badDir).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, ''));

  it('every bad fixture is classified (a new one must be added to a list here)', () => {
    expect(fixtures.filter((f) => ![...REJECTED, ...CHECKER_ONLY, ...NOT_YAML].includes(f))).toEqual([]);
  });

  it.each(NOT_YAML)('%s does not even parse as YAML', (name) => {
    expect(() => configProblems(readFileSync(new URL(`${name}.yaml`, badDir), 'utf8'))).toThrow();
  });

  it.each(REJECTED)('%s is invalid against the schema', (name) => {
    expect(configProblems(readFileSync(new URL(`${name}.yaml`, badDir), 'utf8'))).not.toEqual([]);
  });

  it('refuses two resolver kinds, a provider without name or extends, and an error rule without a condition', () => {
    const base = { sites: [{ url: 'https://a.example/' }] };
    expect(configProblems({ ...base, resolvers: [{ address: '1.1.1.1', system: true }] })).not.toEqual([]);
    expect(configProblems({ ...base, providers: [{ headers: [{ header: 'x-a' }] }] })).not.toEqual([]);
    expect(configProblems({ ...base, providers: [{ name: 'A', errors: [{ layer: 'edge' }] }] })).not.toEqual([]);
    expect(configProblems({ ...base, providers: [{ extends: 'no-such-provider' }] })).not.toEqual([]);
    expect(configProblems({ ...base, defaults: { timeout: '0.0ms' } })).not.toEqual([]);
  });
});

describe('probes.yaml schema matches the checker', () => {
  const validate = constLists(read('src/config/validate.ts'));
  const providers = constLists(read('src/fingerprint/user-providers.ts'));

  it.each([
    ['TOP_KEYS', () => Object.keys((probesSchema as unknown as Props).properties).sort()],
    ['RESOLVER_KEYS', () => keysOf(defs.resolver!)],
    ['DEFAULTS_KEYS', () => keysOf(defs.defaults!)],
    ['SITE_KEYS', () => keysOf(defs.site!)],
    ['EXPECT_KEYS', () => keysOf(defs.expect!)],
    ['TLS_KEYS', () => keysOf(defs.tls!)],
    ['ATTRIBUTION_KEYS', () => keysOf(defs.attribution!)],
  ] as const)('validate.ts %s are the schema keys', (name, schemaKeys) => {
    expect(validate[name], name).toBeDefined();
    expect(schemaKeys()).toEqual([...validate[name]!].sort());
  });

  it('user-providers.ts keys, roles and layers are the schema keys', () => {
    expect(keysOf(defs.provider!)).toEqual([...providers.ENTRY_KEYS!].sort());
    expect(keysOf(defs.headerRule!)).toEqual([...providers.HEADER_KEYS!].sort());
    expect(keysOf(defs.errorRule!)).toEqual([...providers.ERROR_KEYS!].sort());
    expect(defs.provider!.properties.roles!.items!.enum).toEqual(providers.ROLES);
    expect(defs.errorRule!.properties.layer!.enum).toEqual(providers.ERROR_LAYERS);
  });

  it('extends names exactly the built-in providers', () => {
    expect(defs.provider!.properties.extends!.enum).toEqual(BUILTIN_PROVIDERS.map((p) => p.id));
  });

  it('integer limits are the checker LIMITS', () => {
    const limits = /const LIMITS = \{([^}]*)\}/.exec(read('src/config/validate.ts'))![1]!;
    const where: Record<string, Props> = {
      concurrency: defs.defaults!,
      perHostConcurrency: defs.defaults!,
      perAddressConcurrency: defs.defaults!,
      maxAddressesPerFamily: defs.defaults!,
      maxRedirects: defs.defaults!,
      minSites: defs.attribution!,
      samples: defs.attribution!,
      failureThreshold: defs.alerts!,
      successThreshold: defs.alerts!,
      flapWindow: defs.alerts!,
    };
    const found = [...limits.matchAll(/(\w+): \[(\d+), (\d+)\]/g)];
    expect(found.length).toBeGreaterThan(0);
    for (const [, key, min, max] of found) {
      const integer = where[key!]?.properties[key!]?.anyOf?.[0];
      expect(integer, `schema bounds for ${key}`).toEqual({ type: 'integer', minimum: Number(min), maximum: Number(max) });
    }
  });

  it('methods and path names are the checker lists', () => {
    const site = defs.site!.properties as Record<string, { anyOf?: Array<{ enum?: unknown[] }> }>;
    expect(site.method!.anyOf![0]!.enum).toEqual([...HTTP_METHODS]);
    const pathName = (probesSchema.$defs.pathName as { anyOf: Array<{ enum?: unknown[] }> }).anyOf[0]!.enum;
    expect(pathName).toEqual([...PATH_NAMES]);
  });

  it('every property has a description', () => {
    const missing: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (!node || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if (n.properties && typeof n.properties === 'object') {
        for (const [key, value] of Object.entries(n.properties as Record<string, unknown>)) {
          if (value === true) continue; // `required` helpers inside oneOf / anyOf branches
          const v = value as Record<string, unknown>;
          const described = typeof v.description === 'string' || (typeof v.$ref === 'string' && v.$ref.startsWith('#/$defs/'));
          if (!described && !(v.const !== undefined && path.includes('oneOf'))) missing.push(`${path}.${key}`);
        }
      }
      for (const [key, value] of Object.entries(n)) walk(value, `${path}.${key}`);
    };
    walk(probesSchema, '');
    expect(missing).toEqual([]);
  });
});
