// The map as a picture people can drop into their docs: a Mermaid flowchart (GitHub and GitLab render it in
// Markdown) and a Graphviz digraph. Sites on the left, one column of providers per layer; a solid arrow is a
// dependency with no alternative at that layer, a dotted one has an alternative; single points of failure are
// drawn heavier. Labels come from the network (header values, certificate issuers), so both escape everything.

import type { DependencyLayer } from '../model.js';
import { stripControl } from '../util/text.js';
import { LAYER_LABEL } from './build.js';
import type { SiteMap } from './types.js';

const LAYERS: DependencyLayer[] = ['authoritative-dns', 'edge', 'challenge', 'origin', 'tls-issuer'];

interface Graph {
  sites: Array<{ id: string; label: string }>;
  controlPlanes: Array<{ id: string; label: string; from: string[] }>;
  layers: Array<{ layer: DependencyLayer; id: string; nodes: Array<{ id: string; label: string; spof: boolean }> }>;
  edges: Array<{ from: string; to: string; alone: boolean }>;
}

function graphOf(map: SiteMap): Graph {
  const spof = new Set(map.blastRadius.filter((r) => r.spof).map((r) => r.provider));
  const nodeIds = new Map<string, string>();
  const layers = LAYERS.map((layer, i) => ({
    layer,
    id: `layer${i}`,
    nodes: map.providers
      .filter((p) => p.layer === layer)
      .map((p) => {
        const id = `p${nodeIds.size}`;
        nodeIds.set(`${layer}\u0000${p.provider}`, id);
        return { id, label: p.provider, spof: spof.has(p.provider) && layer !== 'tls-issuer' };
      }),
  })).filter((l) => l.nodes.length > 0);
  const sites = map.sites.map((s, i) => ({ id: `s${i}`, label: s.name }));
  const edges = map.sites.flatMap((s, i) =>
    s.stack.map((d) => ({ from: `s${i}`, to: nodeIds.get(`${d.layer}\u0000${d.provider}`)!, alone: s.singleProvider.includes(d.layer) })),
  );
  const controlPlanes = map.controlPlanes.map((cp, i) => ({
    id: `c${i}`,
    label: `${cp.provider} control plane (${cp.name})`,
    from: LAYERS.filter((l) => l !== 'tls-issuer').map((l) => nodeIds.get(`${l}\u0000${cp.provider}`)).filter((id): id is string => id !== undefined),
  }));
  return { sites, controlPlanes, layers, edges };
}

/** Mermaid label text: no control characters, and the characters its grammar gives meaning to as entities. */
function mermaidText(text: string): string {
  return stripControl(text).replace(/[#"<>`]/g, (ch) => `#${ch.codePointAt(0)};`);
}

export function renderMermaid(map: SiteMap): string {
  const g = graphOf(map);
  const out = ['flowchart LR'];
  out.push('  subgraph sites["Sites"]');
  for (const s of g.sites) out.push(`    ${s.id}["${mermaidText(s.label)}"]`);
  out.push('  end');
  for (const l of g.layers) {
    out.push(`  subgraph ${l.id}["${mermaidText(LAYER_LABEL[l.layer])}"]`);
    for (const n of l.nodes) out.push(`    ${n.id}["${mermaidText(n.label)}"]`);
    out.push('  end');
  }
  if (g.controlPlanes.length > 0) {
    out.push('  subgraph control["Control planes"]');
    for (const cp of g.controlPlanes) out.push(`    ${cp.id}["${mermaidText(cp.label)}"]`);
    out.push('  end');
  }
  for (const e of g.edges) out.push(`  ${e.from} ${e.alone ? '-->' : '-.->'} ${e.to}`);
  for (const cp of g.controlPlanes) for (const from of cp.from) out.push(`  ${from} -. changes .-> ${cp.id}`);
  const spof = g.layers.flatMap((l) => l.nodes.filter((n) => n.spof).map((n) => n.id));
  out.push('  classDef spof stroke:#c0392b,stroke-width:3px');
  if (spof.length > 0) out.push(`  class ${spof.join(',')} spof`);
  return `${out.join('\n')}\n`;
}

/** A DOT double-quoted string's contents. */
function dotText(text: string): string {
  return stripControl(text).replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

export function renderDot(map: SiteMap): string {
  const g = graphOf(map);
  const out = ['digraph outage_probe_map {', '  rankdir=LR;', '  node [shape=box, fontname="Helvetica"];', '  edge [color="#555555"];'];
  out.push('  subgraph cluster_sites {', '    label="Sites";');
  for (const s of g.sites) out.push(`    ${s.id} [label="${dotText(s.label)}"];`);
  out.push('  }');
  for (const l of g.layers) {
    out.push(`  subgraph cluster_${l.id} {`, `    label="${dotText(LAYER_LABEL[l.layer])}";`);
    for (const n of l.nodes) out.push(`    ${n.id} [label="${dotText(n.label)}"${n.spof ? ', color="#c0392b", penwidth=3' : ''}];`);
    out.push('  }');
  }
  if (g.controlPlanes.length > 0) {
    out.push('  subgraph cluster_control {', '    label="Control planes";');
    for (const cp of g.controlPlanes) out.push(`    ${cp.id} [label="${dotText(cp.label)}", shape=component];`);
    out.push('  }');
  }
  for (const e of g.edges) out.push(`  ${e.from} -> ${e.to}${e.alone ? '' : ' [style=dashed]'};`);
  for (const cp of g.controlPlanes) for (const from of cp.from) out.push(`  ${from} -> ${cp.id} [style=dotted, label="changes"];`);
  out.push('}');
  return `${out.join('\n')}\n`;
}
