// The report for people: the verdict first, then incidents with their evidence, then one row per site
// with what each resolver and path saw. Calm: colour marks state, it does not shout.

import { Chalk, type ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import { blamedOn, type Attempt, type DnsAnswer, type Report, type ResolverKind, type ResolverReport, type SiteReport, type SiteStatus, type Verdict } from '../model.js';
import { dnsFailureWord } from '../util/errors.js';
import { edeMeaning } from '../util/ede.js';
import { formatMs } from '../util/time.js';
import { median } from '../util/collections.js';
import { formatCount, listNames, plural, safeLine } from '../util/text.js';

export interface TableOptions {
  color: boolean;
  verbose: boolean;
  /** Terminal width to fit; 100 when not a terminal. */
  width: number;
}

export function renderTable(report: Report, options: TableOptions): string {
  const c = new Chalk({ level: options.color ? 1 : 0 });
  const out: string[] = [];
  out.push(...verdictLines(report, c, options.width));
  out.push(...wrap(contextLine(report), options.width, '  ').map((line) => c.dim(line)));
  for (const note of report.host?.notes ?? []) out.push(...wrap(`  ${c.cyan('this host')}: ${safeLine(note, options.width * 3)}`, options.width, '    '));
  const changes = report.providerChanges ?? [];
  if (report.incidents.length > 0 || (report.findings ?? []).length > 0 || report.resolvedIncidents.length > 0 || changes.length > 0) {
    out.push('');
    for (const incident of report.incidents) {
      const alert = incident.alert?.state === 'flapping' ? `, flapping: ${incident.alert.changes} changes` : incident.alert?.state === 'pending' ? ', not notified yet' : '';
      const change = incident.change ? ` [${incident.change}${incident.since ? ` since ${incident.since}` : ''}${alert}]` : '';
      const head = wrap(`Incident${change} ${safeLine(incident.summary, summaryChars(options.width))}`, options.width, '  ');
      head[0] = head[0]!.replace('Incident', c.bold('Incident'));
      out.push(...head);
      for (const e of incident.evidence) out.push(...wrap(`  · ${safeLine(e, options.width * 3)}`, options.width, '    '));
      if (incident.acknowledged !== null) out.push(...wrap(`  · ${acknowledgementText(incident)}`, options.width, '    '));
    }
    for (const finding of report.findings ?? []) {
      const lines = wrap(`Finding ${safeLine(finding.summary, summaryChars(options.width))}`, options.width, '  ');
      lines[0] = lines[0]!.replace('Finding', c.yellow('Finding'));
      out.push(...lines);
    }
    for (const incident of report.resolvedIncidents) {
      const lines = wrap(`Resolved ${safeLine(incident.summary, summaryChars(options.width))}`, options.width, '  ');
      lines[0] = lines[0]!.replace('Resolved', c.green('Resolved'));
      out.push(...lines);
    }
    for (const change of changes) {
      const layer = change.layer === 'authoritative-dns' ? 'DNS host' : change.layer === 'edge' ? 'edge (CDN)' : 'hosting';
      const lines = wrap(`Changed ${safeLine(change.site, 60)}: ${layer} ${safeLine(change.from, 60)} → ${safeLine(change.to, 60)} since the last run`, options.width, '  ');
      lines[0] = lines[0]!.replace('Changed', c.cyan('Changed'));
      out.push(...lines);
    }
  }
  out.push('');
  if (report.verdict === 'local-network' && !options.verbose) {
    // Nothing about any site was learned: one line of what was tried, not a table of the same failure; a long
    // list is named in part (-v prints every site).
    const untested = report.sites.filter((s) => s.status === 'untested').map((s) => safeLine(s.name, 40));
    out.push(...wrap(`Not tested from here (${formatCount(untested.length)} of ${plural(report.sites.length, 'site')}): ${listNames(untested, UNTESTED_NAMED)}`, options.width, '  '));
    return `${out.join('\n')}\n`;
  }
  out.push(sitesTable(report, c, options.width));
  const notes = report.sites.filter((s) => s.status !== 'ok');
  if (notes.length > 0) {
    out.push('');
    // Sites with the same status and the same note (one incident's sites, failing alike) share one line.
    const groups = new Map<string, { status: SiteStatus; note: string; names: string[] }>();
    for (const s of notes) {
      const note = safeLine(siteNote(s, report), options.width * 3);
      const key = `${s.status}\u0000${note}`;
      const group = groups.get(key) ?? { status: s.status, note, names: [] };
      group.names.push(safeLine(s.name, 40));
      groups.set(key, group);
    }
    for (const { status, note, names } of groups.values()) {
      const who = listNames(names, NOTE_NAMES);
      const lines = wrap(`${status} ${who}: ${note}`, options.width, '    ');
      // Colour the status word and the names only, after wrapping (escape codes have no width).
      if (lines[0]!.startsWith(`${status} ${who}`)) lines[0] = lines[0]!.replace(`${status} ${who}`, `${statusText(status, c)} ${c.bold(who)}`);
      out.push(...lines);
    }
  }
  if (options.verbose) {
    const chains = report.sites.filter((s) => s.failingZone !== null && s.failingZone !== undefined);
    if (chains.length > 0) out.push('');
    for (const s of chains) out.push(...wrap(`chain ${safeLine(s.name, 40)}: ${safeLine(chainText(s), options.width * 3)}`, options.width, '    '));
    out.push('');
    out.push(attemptsTable(report, c, options.width));
  }
  return `${out.join('\n')}\n`;
}

/** The site's CNAME chain with its failing hop marked: "a → b → c ✖ SERVFAIL at r1, r2". */
function chainText(site: SiteReport): string {
  const hop = site.failingZone?.hop;
  return (site.chain ?? [])
    .map((h) => {
      const name = h.remembered ? `${h.name} (remembered)` : h.name;
      if (h.name !== hop) return name;
      const how = [...new Set(h.failedAt.map((f) => f.rcode ?? f.outcome.toUpperCase()))].join('/');
      return `${name} ✖${how ? ` ${how} at ${h.failedAt.map((f) => f.resolver).join(', ')}` : ''}`;
    })
    .join(' → ');
}

/** Box borders without a rule between every row. */
const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

function acknowledgementText(incident: Report['incidents'][number]): string {
  const ack = incident.acknowledged;
  const who = incident.provider ?? 'the provider';
  if (ack === false) return `status page: ${who} does not acknowledge it yet (all operational)`;
  if (ack === null) return '';
  if ('unknown' in ack) return `status page: unknown (${safeLine(ack.unknown, 200)})`;
  const since = ack.since ? ` since ${ack.since}` : '';
  return `status page: acknowledged (${safeLine(ack.indicator, 20)}) — ${safeLine(ack.title ?? 'an incident is open', 200)}${since} ${safeLine(ack.url, 200)}`;
}

/** Sites named on one note line before "+N more". */
const NOTE_NAMES = 6;

/** Sites named in the local-network line before "+N more": the packaged default's 13 all fit. */
const UNTESTED_NAMED = 20;

/** Why a site is failing: its blame (the incident it is part of, or its own layer), then what was seen. */
function siteNote(site: SiteReport, report: Report): string {
  const blame = site.blame;
  if (!blame) return site.reason ?? '';
  const incident =
    report.incidents.find((i) => blamedOn(blame, i)) ?? report.incidents.find((i) => i.sites.includes(site.name) && i.layer === blame.layer && i.provider === blame.provider);
  const breaks = site.failingZone ? `; its name breaks at ${site.failingZone.hop}${site.failingZone.zone ? ` (zone ${site.failingZone.zone})` : ''}` : '';
  if (incident) return `part of the ${incident.provider ?? 'unattributed'} ${incident.layer} incident${breaks}; ${site.reason ?? ''}`;
  const where = blame.provider ? `${blame.layer} (${blame.provider})` : blame.layer;
  return `${where}: ${blame.reason}${site.reason && site.reason !== blame.reason ? ` — ${site.reason}` : ''}`;
}

const VERDICT_MARK: Record<Verdict, string> = {
  ok: '✔',
  'site-failures': '✖',
  'provider-incident': '⚠',
  'local-network': '⚠',
};

/** Lines of the headline; an incident's is stated in full in its block just below, so there it is cut to this. */
const INCIDENT_HEADLINE_LINES = 2;

function verdictLines(report: Report, c: ChalkInstance, width: number): string[] {
  const colour = report.verdict === 'ok' ? c.green : report.verdict === 'site-failures' ? c.yellow : c.red;
  const cut = report.complete ? '' : ' (incomplete: the run was cut short)';
  const text = `${VERDICT_MARK[report.verdict]} ${safeLine(report.summary, 600)}${cut}`;
  const lines = wrap(text, width, '  ');
  const repeatedBelow = report.verdict === 'provider-incident' && report.incidents.length > 0;
  return (repeatedBelow ? headline(text, lines, width) : lines).map((line) => colour.bold(line));
}

/**
 * At most two lines: the start of the summary, then its closing facts — the confidence, any "(+N more
 * incidents)" and "(+N sites down outside it)" — after an ellipsis. The details (every location, every resolver)
 * are in the incident block.
 */
function headline(text: string, lines: string[], width: number): string[] {
  if (lines.length <= INCIDENT_HEADLINE_LINES) return lines;
  const closing = /(\(confidence [\d.]+\)(?: \(\+[\d,]+ more incidents?\))?(?: \(\+[\d,]+ sites? down outside (?:it|them)\))?(?: \(incomplete: the run was cut short\))?)$/.exec(text)?.[1] ?? '';
  const room = width - 2 - closing.length - 2;
  const second = lines[1]!.trimEnd();
  // Cut at the last clause that fits (a "; "), else at the last whole word.
  const within = second.slice(0, Math.max(0, room));
  const clause = within.lastIndexOf('; ');
  const kept = second.length <= room ? second : clause > room / 2 ? within.slice(0, clause) : within.replace(/[\s,;:]+\S*$/, '');
  return [lines[0]!, `${kept}…${closing ? ` ${closing}` : ''}`.slice(0, width)];
}

function contextLine(report: Report): string {
  const attempts = report.sites.reduce((n, s) => n + s.attempts.length, 0);
  return `  ${safeLine(report.vantage, 40)} · ${plural(report.sites.length, 'site')} · ${plural(report.resolvers.length, 'resolver')} · ${plural(attempts, 'attempt')} · ${formatMs(report.durationMs)} · ${report.startedAt}`;
}

function statusText(status: SiteStatus, c: ChalkInstance): string {
  return status === 'ok' ? c.green('ok') : status === 'degraded' ? c.yellow('degraded') : status === 'untested' ? c.dim('untested') : c.red('down');
}

/** What one resolver gave for one site: its DNS failure, or the result of the fetches to its addresses. */
export function resolverCell(site: SiteReport, resolver: string): { text: string; ok: boolean | null } {
  const credited = site.attempts.filter((a) => a.resolvers.includes(resolver));
  if (credited.length === 0) {
    const answers = site.dns.filter((d) => d.resolver === resolver && d.type !== 'NS');
    return answers.length === 0 ? { text: '-', ok: null } : { text: dnsText(answers), ok: null };
  }
  const dnsFailure = credited.find((a) => a.address === null);
  if (dnsFailure) return { text: dnsFailureText(site, resolver, dnsFailure), ok: false };
  // An ok site's failed attempts are all ones this host could not make (an address family it cannot use, a path
  // that loses packets): said once above the table, not in each cell beside what served.
  const served = site.status === 'ok' ? credited.filter((a) => a.outcome === 'ok') : credited;
  const cell = fetchCell(served.length > 0 ? served : credited);
  // Served through an answer from stale cache (EDE 3/19): it works for now, its authority is not answering.
  const stale = site.dns.some((d) => d.resolver === resolver && d.name === site.host && d.ede.some((e) => edeMeaning(e) === 'stale'));
  return stale && cell.ok ? { ...cell, text: cell.text.replace(/^ok /, 'stale ') } : cell;
}

function fetchCell(attempts: Attempt[]): { text: string; ok: boolean } {
  const ok = attempts.filter((a) => a.outcome === 'ok');
  if (ok.length === attempts.length) return { text: `ok ${formatMs(median(ok.map((a) => a.timings.ttfbMs ?? a.timings.totalMs)))}`, ok: true };
  const failed = attempts.filter((a) => a.outcome !== 'ok');
  const first = failed[0]!;
  const what = shortOutcome(first);
  return { text: ok.length > 0 ? `${ok.length}/${attempts.length} ${what}` : what, ok: false };
}

function shortOutcome(a: Attempt): string {
  // A body that broke off after its head came: not an "HTTP 200" cell.
  if (a.failedPhase === 'body' && a.error !== null) return a.outcome === 'timeout' ? 'body timeout' : 'body cut';
  switch (a.outcome) {
    case 'http-error':
      return a.httpStatus !== null ? `HTTP ${a.httpStatus}` : 'http-error';
    case 'connect-error':
      return a.error?.code === 'ECONNREFUSED' ? 'refused' : 'no connect';
    case 'tls-error':
      return 'TLS error';
    case 'content-mismatch':
      return 'mismatch';
    default:
      return a.outcome;
  }
}

function dnsFailureText(site: SiteReport, resolver: string, a: Attempt): string {
  const answers = site.dns.filter((d) => d.resolver === resolver && d.type !== 'NS');
  return answers.length > 0 ? dnsText(answers) : (a.error?.code ?? 'dns-error');
}

function dnsText(answers: DnsAnswer[]): string {
  const failed = answers.find((d) => d.outcome !== 'ok' && d.outcome !== 'empty');
  // Short enough for a resolver column: a network error is the resolver unreachable from here, unless a DoH server
  // answered with an HTTP status (it was reached, and refused the query).
  if (failed) {
    if (failed.outcome === 'timeout') return 'DNS timeout';
    // Why the resolver gave nothing, when it said: the zone's signatures, its policy, or this client refused.
    const meaning = failed.ede.map(edeMeaning).find((m) => m === 'dnssec' || m === 'policy' || m === 'prohibited');
    if (meaning) return { dnssec: 'DNSSEC', policy: 'withheld', prohibited: 'refuses us' }[meaning];
    const word = dnsFailureWord(failed);
    if (word !== failed.outcome) return word;
    return failed.outcome === 'network-error' ? 'unreachable' : failed.outcome.toUpperCase();
  }
  return answers.every((d) => d.outcome === 'empty') ? 'no address' : 'ok';
}

function pathCell(site: SiteReport, path: 'origin' | 'proxy'): { text: string; ok: boolean | null } {
  const attempts = site.attempts.filter((a) => a.path === path);
  return attempts.length === 0 ? { text: '-', ok: null } : fetchCell(attempts);
}

function colour(cell: { text: string; ok: boolean | null }, c: ChalkInstance): string {
  return cell.ok === null ? c.dim(cell.text) : cell.ok ? cell.text : c.yellow(cell.text);
}

/** One resolver column: a resolver, or every resolver of one operator (the report's resolvers[].provider). */
interface ResolverColumn {
  title: string;
  members: string[];
  /** How a member is named in a cell where the members differ: its transport when each has its own, else its name. */
  labels: string[];
}

const TRANSPORT_LABEL: Record<ResolverKind, string> = { system: 'system', udp: 'UDP', tcp: 'TCP', doh: 'DoH' };

/**
 * Resolvers side by side at any count: one column each when they fit; else one column per operator (Cloudflare's
 * UDP and DoH resolvers together: one result when they agree, each differing one named when not); else one
 * column for all of them.
 */
function resolverColumns(report: Report, room: number): ResolverColumn[] | null {
  const width = (title: string) => Math.min(14, Math.max(title.length, 11)) + 3;
  const each = report.resolvers.map((r) => ({ title: safeLine(r.name, 14), members: [r.name], labels: [safeLine(r.name, 14)] }));
  if (each.reduce((n, col) => n + width(col.title), 0) <= room) return each;
  const byOperator = new Map<string, ResolverReport[]>();
  for (const r of report.resolvers) {
    const key = r.provider ?? r.name;
    byOperator.set(key, [...(byOperator.get(key) ?? []), r]);
  }
  const grouped = [...byOperator].map(([operator, members]) => {
    const transports = members.map((r) => TRANSPORT_LABEL[r.kind]);
    return {
      title: safeLine(members.length > 1 ? `${operator} (${members.length})` : members[0]!.name, 14),
      members: members.map((r) => r.name),
      labels: new Set(transports).size === members.length ? transports : members.map((r) => safeLine(r.name, 14)),
    };
  });
  if (grouped.reduce((n, col) => n + width(col.title), 0) <= room) return grouped;
  return null;
}

/** A column's cell: the one result its resolvers agree on, or each result with the resolvers that gave it. */
function groupCell(site: SiteReport, column: ResolverColumn, c: ChalkInstance): string {
  const cells = column.members.map((r) => resolverCell(site, r));
  if (cells.every((cell) => cell.text === cells[0]!.text)) return colour(cells[0]!, c);
  const byResult = new Map<string, { cell: { text: string; ok: boolean | null }; names: string[] }>();
  cells.forEach((cell, i) => {
    const entry = byResult.get(cell.text) ?? { cell, names: [] };
    entry.names.push(column.labels[i]!);
    byResult.set(cell.text, entry);
  });
  return [...byResult.values()].map(({ cell, names }) => `${names.join(', ')}: ${colour(cell, c)}`).join('; ');
}

function sitesTable(report: Report, c: ChalkInstance, width: number): string {
  const resolvers = report.resolvers.map((r) => r.name);
  const hasOrigin = report.sites.some((s) => s.attempts.some((a) => a.path === 'origin'));
  const hasProxy = report.sites.some((s) => s.attempts.some((a) => a.path === 'proxy'));
  const siteWidth = Math.min(24, Math.max(6, ...report.sites.map((s) => s.name.length))) + 2;
  const fixed = siteWidth + 10 + (hasOrigin ? 11 : 0) + (hasProxy ? 11 : 0);
  const columns = resolverColumns(report, width - fixed - 4);
  // Each resolver column is the width of its title or of the widest cell, at most 14 characters.
  const cellWidth = (title: string) => Math.min(14, Math.max(title.length, 11)) + 2;
  const spare = columns ? width - fixed - 4 - columns.reduce((n, col) => n + cellWidth(col.title) + 1, 0) : 0;
  const widths = columns ? columns.map((col) => cellWidth(col.title) + (col.members.length > 1 ? Math.floor(spare / columns.filter((x) => x.members.length > 1).length || 0) : 0)) : [];

  const head = ['Site', 'Status', ...(columns ? columns.map((col) => col.title) : ['Resolvers']), ...(hasOrigin ? ['Origin'] : []), ...(hasProxy ? ['Proxy'] : [])];
  const colWidths = [siteWidth, 10, ...(columns ? widths : [Math.max(12, width - fixed - 6)]), ...(hasOrigin ? [11] : []), ...(hasProxy ? [11] : [])];
  const table = new Table({ head: head.map((h) => c.bold(h)), colWidths, wordWrap: true, style: { head: [], border: [] }, chars: COMPACT });
  for (const site of report.sites) {
    const resolverCells = columns ? columns.map((col) => groupCell(site, col, c)) : [compactResolvers(resolvers, resolvers.map((r) => resolverCell(site, r)), c)];
    table.push([
      safeLine(site.name, 60),
      statusText(site.status, c),
      ...resolverCells,
      ...(hasOrigin ? [colour(pathCell(site, 'origin'), c)] : []),
      ...(hasProxy ? [colour(pathCell(site, 'proxy'), c)] : []),
    ]);
  }
  return table.toString();
}

/** Too many resolvers for one column each: "all 6 ok 40ms", or the ones that differ. */
function compactResolvers(names: string[], cells: { text: string; ok: boolean | null }[], c: ChalkInstance): string {
  if (cells.every((cell) => cell.ok === true)) return `all ${names.length} ${cells[0]?.text ?? 'ok'}`;
  return cells
    .map((cell, i) => (cell.ok === true ? null : `${safeLine(names[i]!, 14)}: ${colour(cell, c)}`))
    .filter(Boolean)
    .join('; ');
}

/** Every attempt, one line each, as aligned columns; the result goes last and is cut to the width. */
function attemptsTable(report: Report, c: ChalkInstance, width: number): string {
  const rows: string[][] = [];
  for (const site of report.sites) {
    for (const a of site.attempts) {
      rows.push([
        safeLine(site.name, 24),
        a.path,
        a.path === 'proxy' ? safeLine(a.proxy ?? '', 40) : (a.address ?? '-'),
        safeLine(a.resolvers.join(',') || '-', 24),
        formatMs(dnsMs(site, a)),
        formatMs(a.timings.connectMs),
        formatMs(a.timings.tlsMs),
        formatMs(a.timings.ttfbMs),
        formatMs(a.timings.totalMs),
        a.httpVersion === null ? '-' : a.httpVersion === '2' ? 'h2' : `h${a.httpVersion}`,
        a.outcome === 'ok' ? `ok ${a.httpStatus ?? ''}`.trim() : attemptResult(a),
      ]);
    }
  }
  const head = ['SITE', 'PATH', 'ADDRESS', 'VIA', 'DNS', 'CONN', 'TLS', 'TTFB', 'TOTAL', 'HTTP', 'RESULT'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const rightAligned = new Set([4, 5, 6, 7, 8]);
  const line = (cells: string[], style: (text: string, i: number) => string) => {
    const fixed = cells.slice(0, -1).map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)));
    const used = fixed.reduce((n, cell) => n + cell.length + 2, 0);
    const last = safeLine(cells.at(-1)!, Math.max(12, width - used));
    return [...fixed, last].map(style).join('  ').trimEnd();
  };
  return [
    line(head, (t) => c.bold(t)),
    ...rows.map((r) => line(r, (t, i) => (i === head.length - 1 && !t.startsWith('ok') ? c.yellow(t) : t))),
  ].join('\n');
}

/**
 * How long the address this attempt used took to resolve: the fastest answer of its family among the resolvers
 * credited with it (the fetch could start then). An attempt that got no address spent its whole time in DNS.
 */
function dnsMs(site: SiteReport, a: Attempt): number | null {
  if (a.path === 'edge' && a.address === null) return a.timings.totalMs;
  if (a.path !== 'edge' || a.family === null) return null;
  const type = a.family === 6 ? 'AAAA' : 'A';
  const times = site.dns.filter((d) => d.type === type && d.name === site.host && a.resolvers.includes(d.resolver) && d.values.includes(a.address!)).map((d) => d.durationMs);
  return times.length > 0 ? Math.min(...times) : null;
}

function attemptResult(a: Attempt): string {
  const what = a.outcome === 'http-error' && a.httpStatus !== null ? `http-error ${a.httpStatus}` : a.outcome;
  const why = a.explanation ?? (a.error ? `${a.error.code}: ${a.error.message}` : a.expect.failures.join('; '));
  return why ? `${what}: ${why}` : what;
}

/**
 * How much of an incident's or finding's summary the block under the headline shows: all of it in practice (the
 * tool writes it, from lists it caps), while a line-length cap still bounds what hostile names could make of it.
 */
export function summaryChars(width: number): number {
  return width * 6;
}

/** Break text at spaces so no line is wider than `width`; continuation lines get `indent`. */
export function wrap(text: string, maxWidth: number, indent: string): string[] {
  const width = Math.max(maxWidth, indent.length + 20);
  const lines: string[] = [];
  const lead = /^ */.exec(text)![0];
  let line = lead;
  for (const word of text.slice(lead.length).split(' ')) {
    const candidate = line.trim() === '' ? `${line}${word}` : `${line} ${word}`;
    if (candidate.length <= width || line.trim() === '') {
      line = candidate;
    } else {
      lines.push(line);
      line = `${indent}${word}`;
    }
    while (line.length > width) {
      lines.push(line.slice(0, width));
      line = `${indent}${line.slice(width)}`;
    }
  }
  if (line.trim() !== '') lines.push(line);
  return lines;
}
