// The JSON contract in tests: validate reports, NDJSON lines and configs against the schemas that ship in
// schema/. Call expectValidReport(JSON.parse(stdout)) after a --format json run, expectValidNdjson(stdout)
// after --format ndjson.

import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';

export const REPORT_SCHEMA_FILE = new URL('../../schema/report.schema.json', import.meta.url).pathname;
export const PROBES_SCHEMA_FILE = new URL('../../schema/probes.schema.json', import.meta.url).pathname;

export const reportSchema = JSON.parse(readFileSync(REPORT_SCHEMA_FILE, 'utf8')) as { $id: string; $defs: Record<string, unknown> };
export const probesSchema = JSON.parse(readFileSync(PROBES_SCHEMA_FILE, 'utf8')) as { $id: string; $defs: Record<string, unknown> };

// ajv-formats is CommonJS: its default export arrives wrapped under ESM interop.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (ajv: Ajv2020) => Ajv2020;

/** Strict Ajv (unknown keywords are errors), with formats; union types such as ["string", "null"] are how the schemas say nullable. */
export function makeAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(reportSchema);
  ajv.addSchema(probesSchema);
  return ajv;
}

const ajv = makeAjv();
const validators = new Map<string, ValidateFunction>();

function validator(ref: string): ValidateFunction {
  let v = validators.get(ref);
  if (!v) {
    v = ajv.getSchema(ref);
    if (!v) throw new Error(`no schema ${ref}`);
    validators.set(ref, v);
  }
  return v;
}

export type ReportShape = 'report' | 'attemptLine' | 'summaryLine' | 'document';

function problemsOf(v: ValidateFunction, value: unknown): string[] {
  if (v(value)) return [];
  return (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
}

/** Schema problems of a parsed report or NDJSON line (empty when valid). `document` is the top-level oneOf. */
export function reportProblems(value: unknown, shape: ReportShape = shapeOf(value)): string[] {
  const ref = shape === 'document' ? reportSchema.$id : `${reportSchema.$id}#/$defs/${shape}`;
  return problemsOf(validator(ref), value);
}

/** Which of the three shapes a value claims to be, by its `schema` field. */
export function shapeOf(value: unknown): ReportShape {
  const schema = (value as { schema?: unknown } | null)?.schema;
  if (schema === 'outage-probe.attempt/v1') return 'attemptLine';
  if (schema === 'outage-probe.summary/v1') return 'summaryLine';
  return 'report';
}

/** Assert a report (object or JSON text), an NDJSON attempt line or a summary line matches schema/report.schema.json. */
export function expectValidReport(json: unknown): void {
  const value = typeof json === 'string' ? (JSON.parse(json) as unknown) : json;
  const shape = shapeOf(value);
  expect(reportProblems(value, shape), `${shape} against schema/report.schema.json`).toEqual([]);
  expect(reportProblems(value, 'document'), 'against the top-level oneOf').toEqual([]);
}

/** Assert every line of --format ndjson output is valid, attempts first and one summary last. */
export function expectValidNdjson(text: string): void {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  expect(lines.length).toBeGreaterThan(0);
  lines.forEach((line, i) => {
    const value = JSON.parse(line) as { type?: string };
    expect(value.type, `line ${i + 1}`).toBe(i === lines.length - 1 ? 'summary' : 'attempt');
    expectValidReport(value);
  });
}

/** Schema problems of a probes.yaml (YAML text or parsed value) against schema/probes.schema.json. */
export function configProblems(config: unknown): string[] {
  const value = typeof config === 'string' ? (parseYaml(config) as unknown) : config;
  return problemsOf(validator(probesSchema.$id), value);
}

export function expectValidConfig(config: unknown): void {
  expect(configProblems(config), 'against schema/probes.schema.json').toEqual([]);
}

export type SchemaNode = { $defs?: Record<string, { description?: string }> } & Record<string, unknown>;

/**
 * Every property of a schema with no description of its own nor on the definition it refers to, as "path.key".
 * A reference to another schema file counts as described there (each shipped schema is walked in its own test).
 */
export function undocumentedProperties(schema: SchemaNode): string[] {
  const defs = schema.$defs ?? {};
  const missing: string[] = [];
  const walk = (node: unknown, path: string) => {
    if (!node || typeof node !== 'object') return;
    const n = node as Record<string, unknown>;
    if (n.properties && typeof n.properties === 'object') {
      for (const [key, value] of Object.entries(n.properties as Record<string, Record<string, unknown>>)) {
        const ref = typeof value.$ref === 'string' ? value.$ref : '';
        if (ref.startsWith('https:')) continue;
        const target = ref.startsWith('#/$defs/') ? defs[ref.slice('#/$defs/'.length)] : undefined;
        if (typeof value.description !== 'string' && typeof target?.description !== 'string') missing.push(`${path}.${key}`);
      }
    }
    for (const [key, value] of Object.entries(n)) walk(value, `${path}.${key}`);
  };
  walk(schema, '');
  return missing;
}
