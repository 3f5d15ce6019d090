// `map`: a finished check report → what each site depends on, layer by layer, and what one provider's failure
// would take down (concentration, blast radius, single points of failure), rendered as a table, JSON, or a
// picture (Mermaid, Graphviz DOT). The dependencies themselves are read in classify/dependencies.ts, from the
// report's own DNS answers and attempts, so a map from a saved report and from a fresh probe agree.
//
// map/ never imports config/, plan/, probe/, correlate/, state/, notify/, status/, merge/, lab/ or commands/.

export { buildMap, DEFAULT_SPOF_THRESHOLD } from './build.js';
export { renderMapTable } from './table.js';
export { renderMermaid, renderDot } from './pictures.js';
export type { SiteMap, MapSite, MapProvider, BlastRadius } from './types.js';
