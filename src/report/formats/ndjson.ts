import { renderMergedNdjson } from '../merged-json.js';
import { ndjsonAttemptLine, ndjsonSummaryChunks, ndjsonSummaryLine } from '../json.js';
import type { OutputFormat } from './types.js';

export const ndjsonFormat: OutputFormat<'ndjson'> = {
  id: 'ndjson',
  description: 'one JSON line per attempt as each site is done, then one summary line',
  forPeople: false,
  document: false,
  renderReport: (report) => ndjsonSummaryLine(report),
  renderReportChunks: (report) => ndjsonSummaryChunks(report),
  renderMerged: (merged) => renderMergedNdjson(merged),
  attemptLines: (attempts) => attempts.map(ndjsonAttemptLine).join(''),
};
