import { renderMergedJson } from '../merged-json.js';
import { renderJson, renderJsonChunks } from '../json.js';
import type { OutputFormat } from './types.js';

export const jsonFormat: OutputFormat<'json'> = {
  id: 'json',
  description: 'one JSON report (schema/report.schema.json)',
  forPeople: false,
  document: true,
  renderReport: (report) => renderJson(report),
  renderReportChunks: (report) => renderJsonChunks(report),
  renderMerged: (merged) => renderMergedJson(merged),
};
