import { renderMergedOpenMetrics } from '../merged-openmetrics.js';
import { renderOpenMetrics } from '../openmetrics.js';
import type { OutputFormat } from './types.js';

export const openMetricsFormat: OutputFormat<'openmetrics'> = {
  id: 'openmetrics',
  description: "OpenMetrics text, e.g. for node_exporter's textfile collector",
  forPeople: false,
  document: true,
  renderReport: (report) => renderOpenMetrics(report),
  renderMerged: (merged) => renderMergedOpenMetrics(merged),
};
