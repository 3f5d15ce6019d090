// The table's renderer (chalk, cli-table3) loads only for runs that print a table: check, drill and merge call
// prepareFormat before rendering, so --json, --ndjson and --version start without it.

import { describe, expect, it } from 'vitest';
import { outputFormat, prepareFormat } from '../../src/report/formats/index.js';
import { report, siteReport } from '../state/reports.js';

const OPTIONS = { color: false, verbose: false, width: 100 };

describe('the table format', () => {
  it('renders only once prepared, and then renders the table', async () => {
    const r = report([siteReport('shop')]);
    expect(() => outputFormat('table').renderReport(r, OPTIONS)).toThrow(/prepareFormat/);
    // Formats that need nothing loaded render at once.
    expect(JSON.parse(outputFormat('json').renderReport(r, OPTIONS)).sites[0].name).toBe('shop');
    const table = await prepareFormat('table');
    expect(table.renderReport(r, OPTIONS)).toMatch(/^✔ All 1 site ok|│ shop /m);
  });
});
