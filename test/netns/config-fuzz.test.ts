// A few hundred seeded mutations of a valid config, each run through the real binary inside a network namespace
// (only lo exists, so a mutation that still parses probes nothing real). Every run either is refused with
// file:line:column (exit 78) or runs cleanly with a JSON report; never an internal error, never a stack trace,
// never past its deadline by more than startup. Needs root for unshare; skips with the reason elsewhere.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { namespaceSupport, runInNamespace, skipReason } from '../../src/lab/netns.js';

const FUZZ = fileURLToPath(new URL('./inside/config-fuzz.mjs', import.meta.url));
const COUNT = 200;
const DEADLINE_MS = 1000;

interface FuzzRun {
  i: number;
  code: number | null;
  stderr: string;
  ms: number;
  timedOut: boolean;
  stdoutIsJson: boolean;
}

const reason = skipReason('config mutations (a network namespace, so nothing can be probed)', namespaceSupport());

describe.skipIf(reason !== null)('config mutations', () => {
  it(`${COUNT} seeded mutations: exit 78 with file:line:column, or a clean run; never 70, a stack trace or a hang`, async () => {
    const run = await runInNamespace(FUZZ, { args: [JSON.stringify({ seed: 20261203, count: COUNT, deadlineMs: DEADLINE_MS })], timeoutMs: 240_000 });
    expect(run.error).toBeUndefined();
    const results = run.value as FuzzRun[];
    expect(results).toHaveLength(COUNT);
    const refused = results.filter((r) => r.code === 78);
    const ran = results.filter((r) => r.code !== 78);
    for (const r of results) {
      expect(r.timedOut, `mutation ${r.i} hung`).toBe(false);
      expect(r.stderr, `mutation ${r.i}: a stack trace`).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
      expect([0, 1, 2, 3, 78], `mutation ${r.i}: exit ${r.code}\n${r.stderr}`).toContain(r.code);
    }
    for (const r of refused) expect(r.stderr, `mutation ${r.i}`).toMatch(/^\S+\/m\d+\.yaml(:\d+:\d+ \S.*|: .+)\n/);
    for (const r of ran) {
      expect(r.stdoutIsJson, `mutation ${r.i}: ran without a JSON report`).toBe(true);
      // The deadline counts from process start; a little over it is rendering and exit.
      expect(r.ms, `mutation ${r.i}: past its deadline`).toBeLessThan(DEADLINE_MS + 4000);
    }
    // The mutations are not all trivially rejected, nor all harmless.
    expect(refused.length).toBeGreaterThan(COUNT / 5);
    expect(ran.length).toBeGreaterThan(10);
  }, 300_000);
});
