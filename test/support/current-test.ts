// Loaded into every test worker (vitest setupFiles): before each test, write which test this worker is about to
// run to a file named by its pid, synchronously, so the suite watchdog (watchdog-reporter.ts) can name it even
// when the worker is then blocked and can no longer tell vitest anything.

import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { beforeEach } from 'vitest';

const dir = process.env.OUTAGE_PROBE_SUITE_DIR;

if (dir) {
  beforeEach((context) => {
    const names: string[] = [];
    for (let task: { name: string; suite?: unknown } | undefined = context.task; task; task = task.suite as typeof task) {
      if (task.name) names.unshift(task.name);
    }
    const file = relative(process.cwd(), context.task.file.filepath);
    try {
      writeFileSync(`${dir}/${process.pid}`, `${file}: test "${names.join(' > ')}"`);
    } catch {
      // the watchdog's folder is gone: the run is ending
    }
  });
}
