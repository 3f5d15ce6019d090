// Inside a fresh namespace: optionally start a drill scenario's lab world (on 127.0.x, as `drill` does), shape
// the host, run the real binary (`node bin/outage-probe <args>`) and report its exit, output and JSON report.
// argv[2]: JSON { scenario?: string, loopback?: boolean, shape?: HostShape, args: string[] }
//   '{config}' in args is replaced by the world's probes.yaml.

import { startWorld } from '../../../dist/lab/world.js';
import { loadScenario } from '../../../dist/lab/scenario.js';
import { insideNamespace, loopbackUp, OUTAGE_PROBE_BIN, runProcess, shapeHost } from '../../../dist/lab/netns.js';

const spec = JSON.parse(process.argv[2]);

await insideNamespace(async () => {
  if (spec.loopback !== false) loopbackUp();
  let world = null;
  if (spec.scenario) {
    const scenario = loadScenario(spec.scenario);
    if (!scenario) throw new Error(`no scenario named ${spec.scenario}`);
    world = await startWorld(scenario);
  }
  try {
    if (spec.shape) shapeHost(spec.shape);
    const args = spec.args.map((a) => (a === '{config}' ? world.configPath : a));
    const run = await runProcess(process.execPath, [OUTAGE_PROBE_BIN, ...args], { timeoutMs: 60_000 });
    let report = null;
    try {
      report = JSON.parse(run.stdout);
    } catch {}
    return { ...run, report };
  } finally {
    await world?.close();
  }
});
