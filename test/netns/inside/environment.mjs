// Inside a fresh namespace: build one host environment (src/lab/host-worlds.ts), run the real binary's check on
// its probes.yaml, and report its exit code, output, JSON report and wall time.
// argv[2]: the environment's name.

import { startHostWorld } from '../../../dist/lab/host-worlds.js';
import { insideNamespace, OUTAGE_PROBE_BIN, runProcess } from '../../../dist/lab/netns.js';

await insideNamespace(async () => {
  const world = await startHostWorld(process.argv[2]);
  try {
    const started = performance.now();
    const run = await runProcess(process.execPath, [OUTAGE_PROBE_BIN, 'check', '--config', world.configPath, '--json'], { timeoutMs: 60_000 });
    const ms = Math.round(performance.now() - started);
    let report = null;
    try {
      report = JSON.parse(run.stdout);
    } catch {}
    return { code: run.code, stderr: run.stderr, report, ms };
  } finally {
    await world.close();
  }
});
