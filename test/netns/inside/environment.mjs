// Inside a fresh namespace: build one host environment (src/lab/host-worlds.ts), run the real binary's check on
// its probes.yaml, and report its exit code, output, JSON report and wall time.
// argv[2]: the environment's name.
//
// Each step is logged on stderr with its time, so a run killed at the namespace's timeout says which step hung
// (runInNamespace puts the stderr tail in its error). The world's close is bounded: a lab server slow to close
// must not lose a check result that is already in hand.

import { startHostWorld } from '../../../dist/lab/host-worlds.js';
import { checkJson, insideNamespace, runStep, setupStep } from '../../../dist/lab/netns.js';

const CLOSE_LIMIT_MS = 10_000;
const began = performance.now();
const step = (what) => process.stderr.write(`[environment ${process.argv[2]}] ${Math.round(performance.now() - began)} ms: ${what}\n`);

await insideNamespace(async () => {
  // Setup steps: a namespace killed during one of these is tried once more by runInNamespace.
  const world = await startHostWorld(process.argv[2], (what) => setupStep(`${Math.round(performance.now() - began)} ms: world: ${what}`));
  runStep(`${Math.round(performance.now() - began)} ms: world started; running check`);
  let result;
  try {
    const started = performance.now();
    const run = await checkJson(world.configPath);
    const ms = Math.round(performance.now() - started);
    step(`check ended: exit ${run.code ?? run.signal}${run.timedOut ? ' (killed at its 60 s timeout)' : ''} after ${ms} ms`);
    result = { code: run.code, stderr: run.stderr, report: run.report, ms };
  } finally {
    step('closing the world');
    const closed = await Promise.race([
      world.close().then(() => true),
      new Promise((resolve) => setTimeout(() => resolve(false), CLOSE_LIMIT_MS).unref()),
    ]);
    step(closed ? 'world closed' : `world still closing after ${CLOSE_LIMIT_MS} ms: reporting anyway (the namespace's end kills what is left)`);
  }
  return result;
});
