// The map for people: the three largest risks first, one line each, then the providers that are single points
// of failure, the concentration per provider and layer, and one row per site with its provider at each layer.
// Same calm style as the check table; fits the terminal (100 columns when not a terminal).

import { Chalk } from 'chalk';
import type { DependencyLayer } from '../model.js';
import { wrap, type TableOptions } from '../report/table.js';
import { plural, safeLine } from '../util/text.js';
import { LAYER_LABEL, listSites } from './build.js';
import { percent } from '../util/text.js';
import type { MapSite, SiteMap } from './types.js';

const SITE_LAYERS: DependencyLayer[] = ['authoritative-dns', 'edge', 'challenge', 'origin', 'tls-issuer'];
const MIN_COLUMN = 4;
/** Past this many sites the table is the concentration summary alone. */
const MAX_SITE_ROWS = 60;

/** One cell: the providers at a layer joined with " + ", "?" where nothing was learned, "—" where there is none. */
function layerCell(site: MapSite, layer: DependencyLayer): string {
  const deps = site.stack.filter((d) => d.layer === layer);
  if (deps.length === 0) return site.unknown.includes(layer) ? '?' : '—';
  return deps.map((d) => `${d.provider}${d.region ? ` ${d.region}` : ''}`).join(' + ');
}

function servedCell(site: MapSite): string {
  const v6 = site.served.ipv6 === 'served' ? 'v6' : site.served.ipv6 === 'published-unreachable' || site.served.ipv6 === 'published' ? 'v6?' : '';
  return [v6, ...site.served.httpVersions.map((v) => `h${v === '1.1' ? '1' : v}`)].filter(Boolean).join(' ') || '—';
}

/** Column widths that fit `width`: each column its longest cell, the widest shrunk first. */
function fitColumns(rows: string[][], width: number, gap: number): number[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const budget = width - gap * (widths.length - 1) - 2;
  while (widths.reduce((a, b) => a + b, 0) > budget) {
    const widest = widths.indexOf(Math.max(...widths));
    if (widths[widest]! <= MIN_COLUMN) break;
    widths[widest]! -= 1;
  }
  return widths;
}

function cut(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, Math.max(1, width - 1))}…` : text.padEnd(width);
}

export function renderMapTable(map: SiteMap, options: TableOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const width = options.width;
  const n = map.sites.length;
  const out: string[] = [];
  for (const [i, risk] of map.risks.entries()) {
    const lines = wrap(`${map.blastRadius[i]?.spof ? '⚠' : '·'} ${safeLine(risk, width * 3)}`, width, '  ');
    out.push(...lines.map((l) => (map.blastRadius[i]?.spof ? c.yellow.bold(l) : c.bold(l))));
  }
  const source = map.source.kind === 'report' ? `from ${safeLine(map.source.file ?? 'a report', 80)}` : 'probed now';
  out.push(...wrap(`  dependency map · ${plural(n, 'site')} · ${safeLine(map.vantage, 40)} · ${map.startedAt} · ${source} · outage-probe ${map.tool.version}`, width, '  ').map((l) => c.dim(l)));

  const spof = map.blastRadius.filter((r) => r.spof);
  out.push('');
  out.push(
    ...wrap(
      spof.length > 0
        ? `Single points of failure (alone for at least ${percent(map.spofThreshold)} of the sites): ${spof.map((r) => `${safeLine(r.provider, 60)} (${r.down.length} of ${n})`).join(', ')}`
        : `No provider is alone for ${percent(map.spofThreshold)} or more of the sites.`,
      width,
      '  ',
    ),
  );

  if (map.providers.length > 0) {
    out.push('');
    out.push(c.bold('Concentration'));
    const rows = [['provider', 'layer', 'sites', 'share', 'alone for', 'sites']];
    for (const p of map.providers) {
      rows.push([safeLine(p.provider, 60), LAYER_LABEL[p.layer], `${p.sites.length} of ${n}`, percent(p.share), String(p.alone.length), listSites(p.sites.map((s) => safeLine(s, 40)), 4)]);
    }
    out.push(...tableLines(rows, width, c.dim));
  }

  if (map.providerChanges && map.providerChanges.length > 0) {
    out.push('');
    for (const change of map.providerChanges) {
      out.push(...wrap(`Changed ${safeLine(change.site, 60)}: ${LAYER_LABEL[change.layer]} ${safeLine(change.from, 60)} → ${safeLine(change.to, 60)} since the last check --state run`, width, '  '));
    }
  }

  if (map.controlPlanes.length > 0) {
    out.push('');
    out.push(c.bold('Control planes'));
    for (const cp of map.controlPlanes) {
      const through = cp.sites.length > 0 ? `changes to ${plural(cp.sites.length, 'site')} go through it: ${listSites(cp.sites.map((x) => safeLine(x, 40)))}` : 'no mapped site is on this provider';
      out.push(...wrap(`  ${safeLine(cp.provider, 60)}: ${safeLine(cp.name, 40)} (${safeLine(cp.url, 80)}) ${cp.status} · ${through}`, width, '    '));
    }
  }

  if (n > MAX_SITE_ROWS) {
    out.push('');
    out.push(...wrap(`${plural(n, 'site')}: too many to list one a row here; each site's stack is in --json (or --format dot / mermaid).`, width, '  '));
  } else if (n > 0) {
    out.push('');
    out.push(c.bold('Sites'));
    const rows = [['site', ...SITE_LAYERS.map((l) => LAYER_LABEL[l]), 'served']];
    for (const site of map.sites) rows.push([safeLine(site.name, 40), ...SITE_LAYERS.map((l) => safeLine(layerCell(site, l), 80)), servedCell(site)]);
    out.push(...tableLines(rows, width, c.dim));
    const multiCdn = map.sites.filter((s) => s.redundant.includes('edge'));
    if (multiCdn.length > 0) {
      out.push('');
      for (const site of multiCdn) {
        const byResolver = site.stack.filter((d) => d.layer === 'edge').map((d) => `${safeLine(d.provider, 40)} from ${(d.resolvers ?? []).join(', ')}`);
        out.push(...wrap(`${safeLine(site.name, 40)} is multi-CDN: ${byResolver.join('; ')}`, width, '  '));
      }
    }
    out.push('');
    out.push(...wrap('  ? nothing learned this run · — none · served: v6 reached over IPv6 (v6? published, not reached from here), h2/h1 HTTP versions', width, '  ').map((l) => c.dim(l)));
  }
  return `${out.join('\n')}\n`;
}

function tableLines(rows: string[][], width: number, dim: (s: string) => string): string[] {
  const gap = 2;
  const widths = fitColumns(rows, width, gap);
  return rows.map((row, i) => {
    const line = `  ${row.map((cell, j) => cut(cell, widths[j]!)).join(' '.repeat(gap))}`.trimEnd();
    return i === 0 ? dim(line) : line;
  });
}
