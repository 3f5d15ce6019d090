// Inside a fresh namespace: optionally start a drill scenario's lab world (on 127.0.x, as `drill` does), shape
// the host, run the real binary (`node bin/outage-probe <args>`) and report its exit, output and JSON report.
// argv[2]: JSON { scenario?: string, loopback?: boolean, shape?: HostShape, disk?: { sizeKiB, readOnly?, fillKiB? },
//   args: string[] }. '{config}' in args is replaced by the world's probes.yaml, '{disk}' by a small tmpfs (mounted
//   in this namespace only; `fillKiB` of it taken by a file first, so it is nearly full).

import { startWorld } from '../../../dist/lab/world.js';
import { loadScenario } from '../../../dist/lab/scenario.js';
import { insideNamespace, loopbackUp, mountTmpfs, OUTAGE_PROBE_BIN, runProcess, runStep, setupStep, shapeHost, withReport } from '../../../dist/lab/netns.js';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const spec = JSON.parse(process.argv[2]);

await insideNamespace(async () => {
  setupStep('loopback');
  if (spec.loopback !== false) loopbackUp();
  let world = null;
  if (spec.scenario) {
    setupStep(`starting the ${spec.scenario} world`);
    const scenario = loadScenario(spec.scenario);
    if (!scenario) throw new Error(`no scenario named ${spec.scenario}`);
    world = await startWorld(scenario);
  }
  try {
    if (spec.shape) shapeHost(spec.shape);
    let disk = null;
    if (spec.disk) {
      disk = mkdtempSync(join(tmpdir(), 'outage-probe-disk-'));
      mountTmpfs(disk, { sizeKiB: spec.disk.sizeKiB });
      if (spec.disk.fillKiB) writeFileSync(join(disk, 'filler'), Buffer.alloc(spec.disk.fillKiB * 1024));
      if (spec.disk.readOnly) mountTmpfs(disk, { sizeKiB: spec.disk.sizeKiB, readOnly: true });
    }
    const args = spec.args.map((a) => a.replace('{config}', world?.configPath ?? '').replace('{disk}', disk ?? ''));
    runStep(`outage-probe ${args.join(' ')}`);
    const run = withReport(await runProcess(process.execPath, [OUTAGE_PROBE_BIN, ...args], { timeoutMs: 60_000 }));
    return { ...run, diskFiles: disk ? readdirSync(disk).sort() : null };
  } finally {
    await world?.close();
  }
});
