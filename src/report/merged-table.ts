// The merged report for people: the verdict, each incident with its spread and the vantages that see it,
// one row per site with its status from each vantage, then the vantages themselves (when each ran, which
// version, whether its view counts). Same calm style as table.ts.

import { Chalk, type ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import type { SiteStatus } from '../model.js';
import type { MergedIncident, MergedReport } from '../merge/types.js';
import { formatMs } from '../util/time.js';
import { plural, safeLine } from '../util/text.js';
import { summaryChars, wrap, type TableOptions } from './table.js';

const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

/** wrap() with a leading indent on the first line too (wrap drops leading spaces). */
function indented(prefix: string, text: string, width: number, continuation: string): string[] {
  const lines = wrap(text, width - prefix.length, continuation);
  if (lines.length > 0) lines[0] = `${prefix}${lines[0]}`;
  return lines;
}

export function renderMergedTable(merged: MergedReport, options: TableOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const width = options.width;
  const out: string[] = [];
  const colour = merged.verdict === 'ok' ? c.green : merged.verdict === 'site-failures' ? c.yellow : c.red;
  const mark = merged.verdict === 'ok' ? '✔' : merged.verdict === 'site-failures' ? '✖' : '⚠';
  out.push(...wrap(`${mark} ${safeLine(merged.summary, 600)}`, width, '  ').map((line) => colour.bold(line)));
  out.push(c.dim(`  merged at ${safeLine(merged.vantage, 40)} · ${plural(merged.vantages.length, 'vantage')} · ${plural(merged.sites.length, 'site')} · ${merged.startedAt} · outage-probe ${merged.tool.version}`));
  if (merged.incidents.length > 0) {
    out.push('');
    for (const incident of merged.incidents) out.push(...incidentLines(incident, c, width, options.verbose));
  }
  if (merged.sites.length > 0) {
    out.push('');
    out.push(sitesTable(merged, c, width));
  }
  out.push('');
  out.push(c.bold('Vantages'));
  const nameWidth = Math.min(24, Math.max(...merged.vantages.map((v) => safeLine(v.name, 24).length), 4));
  for (const v of merged.vantages) {
    const state = v.impaired ? `not counted: ${safeLine(v.impaired, 200)}` : 'counted';
    const cut = v.complete ? '' : ', cut short';
    const line = `${safeLine(v.name, 24).padEnd(nameWidth)}  ${v.startedAt} (${formatMs(v.durationMs)}${cut}) · ${safeLine(v.tool.version, 20)} · ${v.verdict} · ${safeLine(v.file, 80)} · ${state}`;
    // Colour after wrapping: escape codes have no width.
    out.push(...indented('  ', line, width, `  ${''.padEnd(nameWidth)}  `).map((l) => l.replace('· not counted:', `· ${c.yellow('not counted:')}`)));
  }
  if (merged.warnings.length > 0) {
    out.push('');
    for (const w of merged.warnings) {
      const lines = wrap(`warning ${safeLine(w, width * 3)}`, width, '  ');
      lines[0] = lines[0]!.replace('warning', c.yellow('warning'));
      out.push(...lines);
    }
  }
  return `${out.join('\n')}\n`;
}

function incidentLines(incident: MergedIncident, c: ChalkInstance, width: number, verbose: boolean): string[] {
  const head = wrap(`Incident ${safeLine(incident.summary, summaryChars(width))}`, width, '  ');
  head[0] = head[0]!.replace('Incident', c.bold('Incident'));
  const spread = `, ${incident.spread}:`;
  head[0] = head[0].replace(spread, `, ${incident.spread === 'vantage-local' ? c.yellow(incident.spread) : c.red(incident.spread)}:`);
  // The evidence of a merged incident is one line per vantage; with -v, also the sites each vantage saw failing.
  const lines = incident.evidence.map((e) => indented('  · ', safeLine(e, width * 3), width, '    '));
  const detail = verbose
    ? incident.observations.map((o) => indented('    ', `${safeLine(o.vantage, 24)}: ${o.sites.map((s) => safeLine(s, 40)).join(', ') || '(no site)'}`, width, '      '))
    : [];
  return [...head, ...lines.flat(), ...detail.flat()];
}

function statusText(status: SiteStatus | null, c: ChalkInstance): string {
  if (status === null) return c.dim('-');
  return status === 'ok' ? c.green('ok') : status === 'degraded' ? c.yellow('degraded') : c.red('down');
}

function sitesTable(merged: MergedReport, c: ChalkInstance, width: number): string {
  const names = merged.vantages.map((v) => v.name);
  const siteWidth = Math.min(24, Math.max(6, ...merged.sites.map((s) => s.name.length))) + 2;
  const cell = (name: string) => Math.min(16, Math.max(10, name.length)) + 2;
  const fits = siteWidth + names.reduce((n, name) => n + cell(name) + 1, 0) + 2 <= width;
  if (!fits) {
    // Too many vantages for one column each: the ones a site fails from.
    return merged.sites
      .map((s) => `  ${safeLine(s.name, 40)}: ${s.failingFrom.length === 0 ? c.green(`ok from all ${s.byVantage.length}`) : s.byVantage.filter((v) => v.status !== 'ok').map((v) => `${safeLine(v.vantage, 24)} ${statusText(v.status, c)}`).join(', ')}`)
      .join('\n');
  }
  const table = new Table({
    head: [c.bold('Site'), ...names.map((n) => c.bold(safeLine(n, 16)))],
    colWidths: [siteWidth, ...names.map(cell)],
    wordWrap: true,
    style: { head: [], border: [] },
    chars: COMPACT,
  });
  for (const site of merged.sites) {
    table.push([safeLine(site.name, 60), ...names.map((n) => statusText(site.byVantage.find((v) => v.vantage === n)?.status ?? null, c))]);
  }
  return table.toString();
}
