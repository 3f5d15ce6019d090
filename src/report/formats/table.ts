import { renderMergedTable } from '../merged-table.js';
import { renderTable } from '../table.js';
import type { OutputFormat } from './types.js';

export const tableFormat: OutputFormat<'table'> = {
  id: 'table',
  description: 'the verdict, incidents with evidence, then one row per site (colour only on a terminal)',
  forPeople: true,
  document: true,
  renderReport: renderTable,
  renderMerged: renderMergedTable,
};
