// The table: the verdict, incidents with evidence, one row per site. Its renderer (with chalk and cli-table3) loads
// only when a run will print a table (prepare), not on every start: --json, --ndjson and --version never need it.

import type { renderMergedTable } from '../merged-table.js';
import type { renderTable } from '../table.js';
import type { OutputFormat } from './types.js';

let renderers: { table: typeof renderTable; merged: typeof renderMergedTable } | null = null;

function loaded(): NonNullable<typeof renderers> {
  if (!renderers) throw new Error('the table renderer was not loaded: call prepareFormat() before rendering');
  return renderers;
}

export const tableFormat: OutputFormat<'table'> = {
  id: 'table',
  description: 'the verdict, incidents with evidence, then one row per site (colour only on a terminal)',
  forPeople: true,
  document: true,
  async prepare() {
    if (renderers) return;
    const [table, merged] = await Promise.all([import('../table.js'), import('../merged-table.js')]);
    renderers = { table: table.renderTable, merged: merged.renderMergedTable };
  },
  renderReport: (report, options) => loaded().table(report, options),
  renderMerged: (merged, options) => loaded().merged(merged, options),
};
