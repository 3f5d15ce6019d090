// The output formats, by the name --format takes. Adding a format: one file in this folder exporting its
// OutputFormat, and one row here; check, drill, merge and the CLI's --format choices all read this table.

import { jsonFormat } from './json.js';
import { ndjsonFormat } from './ndjson.js';
import { openMetricsFormat } from './openmetrics.js';
import { tableFormat } from './table.js';
import type { OutputFormat } from './types.js';

export const OUTPUT_FORMATS = [tableFormat, jsonFormat, ndjsonFormat, openMetricsFormat] as const satisfies readonly OutputFormat[];

export type OutputFormatId = (typeof OUTPUT_FORMATS)[number]['id'];

export const FORMAT_IDS = OUTPUT_FORMATS.map((f) => f.id);

export function outputFormat(id: string): OutputFormat {
  const format = OUTPUT_FORMATS.find((f) => f.id === id);
  if (!format) throw new Error(`unknown output format ${id}`);
  return format;
}

/** The format, with what it renders with loaded: call once before a command renders anything. */
export async function prepareFormat(id: string): Promise<OutputFormat> {
  const format = outputFormat(id);
  await format.prepare?.();
  return format;
}

export type { OutputFormat, RenderOptions } from './types.js';
