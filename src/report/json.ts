// The JSON contract: `Report` as documented in schema/report.schema.json.
// Body samples stay in memory for fingerprinting; the report carries only their size.

import type { Attempt, Report, SiteReport } from '../model.js';

export type AttemptJson = Omit<Attempt, 'bodySample'>;

export function attemptJson(attempt: Attempt): AttemptJson {
  const { bodySample: _omitted, ...rest } = attempt;
  return rest;
}

export function reportJson(report: Report): unknown {
  return { ...report, sites: report.sites.map(siteJson) };
}

function siteJson(site: SiteReport): unknown {
  return { ...site, attempts: site.attempts.map(attemptJson) };
}

export function renderJson(report: Report): string {
  return [...renderJsonChunks(report)].join('');
}

// Stands for the long list while the rest of the value is stringified. A string value cannot produce this text: a
// NUL in one is escaped as \u0000 and a backslash as \\, so the first match is the placeholder.
const LIST_MARK = '\u0000list\u0000';
const LIST_MARK_JSON = JSON.stringify(LIST_MARK);
const ITEM_WRAPPER_HEAD = '{\n  "s": [\n';
const ITEM_WRAPPER_TAIL = '\n  ]\n}';

/**
 * The text of `JSON.stringify(value, null, 2)` plus a newline, where `value[key]` is a long list, one item at a
 * time (each as `itemJson` makes it): a report over many sites is never held as one string (or as a second copy of
 * every record). Used by the check report and the map.
 */
export function* prettyJsonChunks<T>(value: object, key: string, items: readonly T[], itemJson: (item: T) => unknown = (item) => item): Generator<string> {
  const outline = JSON.stringify({ ...value, [key]: LIST_MARK }, null, 2);
  const at = outline.indexOf(LIST_MARK_JSON);
  yield outline.slice(0, at);
  if (items.length === 0) yield '[]';
  else {
    yield '[\n';
    for (let i = 0; i < items.length; i++) {
      // Items sit two levels deep: stringified inside a wrapper of that depth, an item's lines come out indented
      // as they are in the whole, with no second pass over the text to indent them.
      const wrapped = JSON.stringify({ s: [itemJson(items[i]!)] }, null, 2);
      // The separator is a piece of its own: joined to the slice, the pair would be copied once more to be written.
      yield wrapped.slice(ITEM_WRAPPER_HEAD.length, wrapped.length - ITEM_WRAPPER_TAIL.length);
      yield i < items.length - 1 ? ',\n' : '\n';
    }
    yield '  ]';
  }
  yield `${outline.slice(at + LIST_MARK_JSON.length)}\n`;
}

/** The text of renderJson, one site at a time. */
export function renderJsonChunks(report: Report): Generator<string> {
  return prettyJsonChunks(report, 'sites', report.sites, siteJson);
}

/** NDJSON: one `attempt` line as each attempt completes, then one `summary` line (the report without attempts). */
export function ndjsonAttemptLine(attempt: Attempt): string {
  // The two leading fields spliced in as text: one copy of a thirty-field record less per line.
  return `{"type":"attempt","schema":"outage-probe.attempt/v1",${JSON.stringify(attemptJson(attempt)).slice(1)}\n`;
}

export function ndjsonSummaryLine(report: Report): string {
  return [...ndjsonSummaryChunks(report)].join('');
}

/** The summary line, one site at a time (like renderJsonChunks). */
export function* ndjsonSummaryChunks(report: Report): Generator<string> {
  const { sites, schema: _reportSchema, ...rest } = report;
  const outline = JSON.stringify({ type: 'summary', schema: 'outage-probe.summary/v1', ...rest, sites: LIST_MARK });
  const at = outline.indexOf(LIST_MARK_JSON);
  yield `${outline.slice(0, at)}[`;
  for (let i = 0; i < sites.length; i++) {
    const { attempts, ...site } = sites[i]!;
    yield `${i > 0 ? ',' : ''}${JSON.stringify({ ...site, attemptCount: attempts.length })}`;
  }
  yield `]${outline.slice(at + LIST_MARK_JSON.length)}\n`;
}
