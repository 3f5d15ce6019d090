// Many sites of one list at one server address that answers nothing (a CDN address blackholed in an outage, a
// shared server hung): each fetch there waits its whole timeout. With at most eight of the run's fetches at once per
// address (perAddressConcurrency, which spares a server limiting each client's connections), sixty such sites waited
// eight at a time, one whole timeout after another: at a 2 s timeout and a 12 s deadline the run ended with a dozen
// of them never probed ("untested", NOT_PROBED) and eight cut by the deadline. A server that has served nothing and
// let a fetch wait its whole time refuses no crowd: its limit is lifted, and every site there is measured by the
// deadline. The control in the same run: a slow server that serves keeps its limit of eight at once. The real binary;
// loopback only (127.0.27.x).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { checkSitesAt, loopback, type Loopback } from '../support/loopback.js';
import { expectValidReport } from '../support/schema.js';

const HUNG = Array.from({ length: 60 }, (_, i) => `s${i + 1}.hung${i + 1}.test`);
const SLOW = Array.from({ length: 24 }, (_, i) => `p${i + 1}.slow${i + 1}.test`);
const SLOW_MS = 400;

let lab: Loopback;
let report: Report;
let code: number | null;
/** When the slow server began each request (performance.now()). */
const slowStarts: number[] = [];

describe('sixty sites at one address that answers nothing', () => {
  beforeAll(async () => {
    lab = loopback();
    const hung = await lab.edges(['127.0.27.10'], HUNG, () => () => ({ kind: 'hang' }));
    const slow = await lab.edges(['127.0.27.20'], SLOW, () => () => {
      slowStarts.push(performance.now());
      return { kind: 'respond', status: 200, body: 'ok', delayMs: SLOW_MS };
    });
    const at: Record<string, [string, number]> = {};
    for (const name of HUNG) at[name] = ['127.0.27.10', hung];
    for (const name of SLOW) at[name] = ['127.0.27.20', slow];
    ({ code, report } = await checkSitesAt(lab, '127.0.27.53', at, 'hung.yaml', '{ timeout: 2s, deadline: 12s, paths: [edge] }'));
    expectValidReport(report);
  }, 60_000);

  afterAll(async () => {
    await lab?.close();
  });

  it('measures every one of them by the deadline: each waited its own timeout, none is untested or cut by the run\'s end', () => {
    const hung = report.sites.filter((s) => s.name.startsWith('s'));
    expect(hung).toHaveLength(60);
    expect(hung.map((s) => [s.status, s.attempts.map((a) => a.error?.code)])).toEqual(hung.map(() => ['down', ['ETIMEDOUT']]));
    expect(report.sites.filter((s) => s.status === 'untested')).toEqual([]);
  });

  it("is that server's incident, named by its address, with sixty timeouts as its evidence (exit 2)", () => {
    expect(report.incidents.map((i) => [i.provider, [...i.sites].length])).toEqual([['server 127.0.27.10', 60]]);
    expect(report.incidents[0]!.summary).toMatch(/^server 127\.0\.27\.10 failing: 60 sites served from it fail there, and none is served from it in this run: nothing answers there .*\(60× ETIMEDOUT\)/);
    expect(code).toBe(2);
  });

  it('control: the slow server that serves keeps its limit: never more than eight of its requests at once, all served', () => {
    expect(report.sites.filter((s) => s.name.startsWith('p')).map((s) => s.status)).toEqual(SLOW.map(() => 'ok'));
    // Each request there takes SLOW_MS: the starts within any window shorter than that were in flight together.
    const window = SLOW_MS - 100;
    const mostAtOnce = Math.max(...slowStarts.map((t) => slowStarts.filter((u) => u >= t && u < t + window).length));
    expect(slowStarts).toHaveLength(24);
    // Lifted, it would have had up to 24 at once (the run's own limit is 32).
    expect(mostAtOnce).toBeLessThanOrEqual(8);
  });
});
