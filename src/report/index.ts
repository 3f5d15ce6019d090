// report/: renderers over a finished Report (or merge's MergedReport): the table for people, JSON and NDJSON
// for pipes, OpenMetrics for Prometheus, the one-line history record. Each output format is one file in
// formats/ and one row in its table. Rendering never decides anything: it shows what classify/ and correlate/
// decided, and it writes no file.
//
// report/ never imports config/, plan/, probe/, classify/, correlate/, state/, notify/, status/, lab/ or commands/.

export { OUTPUT_FORMATS, outputFormat, type OutputFormat, type OutputFormatId, type RenderOptions } from './formats/index.js';
export { historyLine, historyRecord, HISTORY_SCHEMA } from './history.js';
