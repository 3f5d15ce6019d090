// The merged report as JSON ($defs/merged in schema/report.schema.json): pretty for --json, one line for --ndjson
// (so `merge --ndjson >> merged.ndjson` keeps one line per merge, like check's --append history).

import type { MergedReport } from '../merge/types.js';

export function renderMergedJson(merged: MergedReport): string {
  return `${JSON.stringify(merged, null, 2)}\n`;
}

export function renderMergedNdjson(merged: MergedReport): string {
  return `${JSON.stringify(merged)}\n`;
}
