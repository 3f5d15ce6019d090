// schema/report.schema.json against reports made by the real pipeline (probeAndReport, in-process) over a
// loopback world: a Cloudflare-fronted edge incident, a site's own failure, a healthy control, an origin path
// and a resolver failure. Then the same report through --state (compareRuns) and --notify (a real webhook post),
// and as NDJSON lines.

import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config, Report } from '../../src/model.js';
import { loadConfigFile } from '../../src/config/load.js';
import { probeAndReport, writeReport, type CheckIo } from '../../src/commands/check.js';
import { attemptJson, ndjsonAttemptLine, ndjsonSummaryChunks, renderJson, renderJsonChunks } from '../../src/report/json.js';
import { compareRuns } from '../../src/state/transitions.js';
import { STATE_SCHEMA, type RunState } from '../../src/state/store.js';
import { eventPayload } from '../../src/notify/events.js';
import { postEvents } from '../../src/notify/webhook.js';
import { closeDohAgents } from '../../src/probe/dns/doh.js';
import type { HttpServerOptions } from '../../src/lab/http-server.js';
import { loopback, type Loopback } from '../support/loopback.js';
import { CF_HEADERS, cloudflareUnbranded } from '../fingerprint/responses.js';
import { expectValidNdjson, expectValidReport, reportProblems, reportSchema, undocumentedProperties, type SchemaNode } from '../support/schema.js';

let lab: Loopback;
let config: Config;
let report: Report;
let ndjson = '';
let hook: Server;
let hookUrl: string;

const ADDR = { cf1: '127.0.5.1', cf2: '127.0.5.2', cf3: '127.0.5.3', plain: '127.0.5.10', broken: '127.0.5.11', origin: '127.0.5.20' };
const host = (name: string) => `${name}.schema.test`;

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

function io(stdout: Writable): CheckIo {
  return { stdout, stderr: sink().stream, env: {} };
}

beforeAll(async () => {
  lab = loopback();
  const names = Object.keys(ADDR).filter((n) => n !== 'origin');
  const records: Record<string, { A: string[] }> = {};
  for (const n of names) records[host(n)] = { A: [ADDR[n as keyof typeof ADDR]] };
  const data = { records, zones: ['schema.test'] };
  const good = await lab.dns({ host: '127.0.5.53', data });
  const failing = await lab.dns({ host: '127.0.5.54', data, fault: (name) => (name === host('broken') ? 'servfail' : null) });

  const handlerFor = (address: string): HttpServerOptions['handler'] => () => {
    if (address === ADDR.cf1 || address === ADDR.cf2) {
      return { kind: 'respond', status: 500, headers: CF_HEADERS, body: cloudflareUnbranded(500, 'Internal Server Error') };
    }
    if (address === ADDR.cf3) return { kind: 'respond', status: 200, headers: CF_HEADERS, body: 'hello through the edge' };
    if (address === ADDR.broken) return { kind: 'respond', status: 503, body: 'our own upstream is sad' };
    return { kind: 'respond', status: 200, body: `hello from ${address}` };
  };
  const port = await lab.edges(Object.values(ADDR), names.map(host), handlerFor);
  const file = lab.writeFile(
    'probes.yaml',
    `resolvers:
  - { name: good, address: "127.0.5.53:${good.port}" }
  - { name: failing, address: "127.0.5.54:${failing.port}", provider: Failing DNS }
defaults: { timeout: 2s, deadline: 15s, paths: [edge] }
tls: { ca: ./ca.pem }
sites:
${names.map((n) => `  - { name: ${n}, url: "https://${host(n)}:${port}/"${n === 'plain' ? `, origin: "${ADDR.origin}", paths: [edge, origin]` : ''}${n === 'cf3' ? ', expect: { contains: "hello" }' : ''} }`).join('\n')}
`,
  );
  config = loadConfigFile(file);

  const out = sink();
  report = await probeAndReport(config, { format: 'ndjson', vantage: 'schema-vantage' }, io(out.stream));
  await writeReport(report, { format: 'ndjson', verbose: false, color: false }, io(out.stream));
  ndjson = out.text();

  hook = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  const address = hook.address();
  hookUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/hooks/secret-token`;
}, 30_000);

afterAll(async () => {
  await closeDohAgents();
  await new Promise<void>((resolve) => (hook ? hook.close(() => resolve()) : resolve()));
  await lab?.close();
});

describe('reports from the real pipeline match schema/report.schema.json', () => {
  it('covers what the schema describes: an incident, blame, providers, an origin path, a DNS failure', () => {
    expect(report.incidents.some((i) => i.kind === 'provider' && i.provider === 'Cloudflare')).toBe(true);
    const bySite = Object.fromEntries(report.sites.map((s) => [s.name, s]));
    expect(bySite.cf1!.blame).not.toBeNull();
    expect(bySite.cf3!.providers.length).toBeGreaterThan(0);
    expect(bySite.plain!.attempts.some((a) => a.path === 'origin')).toBe(true);
    expect(report.sites.flatMap((s) => s.dns).some((d) => d.outcome === 'servfail')).toBe(true);
    expect(report.sites.flatMap((s) => s.attempts).some((a) => a.explanation !== null)).toBe(true);
  });

  it('the --format json document is valid', () => {
    expectValidReport(JSON.parse(renderJson(report)));
  });

  it('the report is written a site at a time, and the pieces are exactly one JSON.stringify of the whole', () => {
    const whole = (r: Report) => `${JSON.stringify({ ...r, sites: r.sites.map((s) => ({ ...s, attempts: s.attempts.map(attemptJson) })) }, null, 2)}\n`;
    const summary = (r: Report) => {
      const { sites, schema: _s, ...rest } = r;
      return `${JSON.stringify({ type: 'summary', schema: 'outage-probe.summary/v1', ...rest, sites: sites.map(({ attempts, ...site }) => ({ ...site, attemptCount: attempts.length })) })}\n`;
    };
    // A site whose text holds what the placeholder is made of: a NUL, a backslash, the word "sites".
    const odd = { ...report.sites[0]!, reason: 'sites \u0000sites\u0000 "\\u0000sites\\u0000"' };
    for (const r of [report, { ...report, sites: [] }, { ...report, sites: [report.sites[0]!] }, { ...report, sites: [odd, ...report.sites] }]) {
      const pieces = [...renderJsonChunks(r)];
      expect(pieces.length).toBe(r.sites.length === 0 ? 3 : 2 * r.sites.length + 4);
      expect(pieces.join('')).toBe(whole(r));
      expect([...ndjsonSummaryChunks(r)].join('')).toBe(summary(r));
    }
    // An attempt line is exactly one JSON.stringify of its record after the two leading fields.
    for (const a of report.sites.flatMap((s) => s.attempts)) {
      expect(ndjsonAttemptLine(a)).toBe(`${JSON.stringify({ type: 'attempt', schema: 'outage-probe.attempt/v1', ...attemptJson(a) })}\n`);
    }
  });

  it('every --format ndjson line is valid: attempt lines, then the summary line', () => {
    expectValidNdjson(ndjson);
    const lines = ndjson.trim().split('\n');
    expect(lines.length).toBe(report.sites.reduce((n, s) => n + s.attempts.length, 0) + 1);
  });

  it('with --state and --notify filled in, the report is still valid', async () => {
    const at = new Date().toISOString();
    const previous: RunState = {
      schema: STATE_SCHEMA,
      savedAt: at,
      lastRun: { startedAt: '2026-01-01T00:00:00.000Z', verdict: 'provider-incident' },
      incidents: {
        'provider:Fastly:edge': {
          since: '2026-01-01T00:00:00.000Z',
          incident: {
            id: 'provider:Fastly:edge', kind: 'provider', provider: 'Fastly', layer: 'edge', sites: ['gone'], probed: 1, controls: [],
            scope: 'full', confidence: 0.8, summary: 'Fastly edge incident: …', evidence: [], change: 'new', since: '2026-01-01T00:00:00.000Z',
          },
        },
      },
      sites: { plain: { status: 'down', since: '2026-01-01T00:00:00.000Z', change: 'new' } },
      stacks: {},
    };
    const compared = compareRuns(previous, report, at, { file: '/tmp/state.json', warnings: ['state file was not valid JSON; moved aside to …'] });
    expect(compared.report.resolvedIncidents).toHaveLength(1);
    expect(compared.report.sites.find((s) => s.name === 'plain')!.change).toBe('resolved');
    const notification = await postEvents(hookUrl, eventPayload(compared.events, compared.report), { deadlineAt: performance.now() + 3000 });
    expect(notification.ok).toBe(true);
    const full: Report = { ...compared.report, notifications: [notification] };
    expectValidReport(JSON.parse(renderJson(full)));

    const first = compareRuns(null, report, at, { file: '/tmp/state.json', warnings: [] });
    expectValidReport(JSON.parse(renderJson(first.report)));
  });

  it('the schema is closed: an unknown field, a missing field or a wrong enum is caught', () => {
    const json = JSON.parse(renderJson(report)) as Record<string, unknown> & { sites: Array<Record<string, unknown>> };
    expect(reportProblems({ ...json, extra: 1 }, 'report')).not.toEqual([]);
    const { notifications: _n, ...missing } = json;
    expect(reportProblems(missing, 'report')).not.toEqual([]);
    const site = { ...json.sites[0]!, status: 'sideways' };
    expect(reportProblems({ ...json, sites: [site] }, 'report')).not.toEqual([]);
    const attempt = { ...(json.sites[0]!.attempts as Array<Record<string, unknown>>)[0]!, bodySample: 'should not be in the report' };
    expect(reportProblems({ ...json, sites: [{ ...json.sites[0]!, attempts: [attempt] }] }, 'report')).not.toEqual([]);
    const summary = JSON.parse(ndjson.trim().split('\n').at(-1)!) as Record<string, unknown> & { sites: Array<Record<string, unknown>> };
    expect(reportProblems({ ...summary, sites: [{ ...summary.sites[0]!, attempts: [] }] }, 'summaryLine')).not.toEqual([]);
  });

  it('every property in the schema has a description (its own, or its definition\'s)', () => {
    const missing = undocumentedProperties(reportSchema as unknown as SchemaNode);
    expect(missing).toEqual([]);
  });
});
