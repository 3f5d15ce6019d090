// runInNamespace tries a script once more when it was killed while still setting its world up (its last step a
// setupStep), and never when the code under test was running (a runStep): a hang of the tool must fail its test.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { namespaceSupport, runInNamespace, skipReason } from '../../src/lab/netns.js';

const HANG = fileURLToPath(new URL('./inside/hang.mjs', import.meta.url));
const reason = skipReason('namespace retry tests', namespaceSupport());

describe.skipIf(reason !== null)('a namespace script killed at its timeout', () => {
  it('during setup: tried once more, and the first try is kept in setupRetried', async () => {
    const run = await runInNamespace(HANG, { args: ['setup'], timeoutMs: 1500 });
    expect(run.timedOut).toBe(true);
    expect(run.setupRetried).toMatch(/^\[setup\] making keys$/m);
    expect(run.ms).toBeGreaterThanOrEqual(1400);
    expect(run.error).toMatch(/killed at its timeout/);
  }, 20_000);

  it('while the code under test runs: not tried again', async () => {
    const run = await runInNamespace(HANG, { args: ['run'], timeoutMs: 1500 });
    expect(run.timedOut).toBe(true);
    expect(run.setupRetried).toBeNull();
    expect(run.stderr).toMatch(/^\[run\] running the tool$/m);
  }, 20_000);
});
