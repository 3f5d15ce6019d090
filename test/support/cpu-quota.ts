// A CPU quota for a child process, as a container's CPU limit sets one (Kubernetes resources.limits.cpu becomes the
// CFS quota of the pod's cgroup): the cgroup v1 `cpu` controller's cpu.cfs_quota_us over cpu.cfs_period_us, or
// cgroup v2's cpu.max ("quota period"). See the kernel's Documentation/scheduler/sched-bwc.rst. Needs root (or a
// delegated cgroup); `quotaSupport()` says why not when it cannot.

import { mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTextIfAny } from '../../src/util/safe-file.js';

const V1 = '/sys/fs/cgroup/cpu';
const V2 = '/sys/fs/cgroup';

export interface CpuQuota {
  /** The file a process's pid is written to, to put it in the group. */
  procs: string;
  close(): void;
}

/** A cgroup whose processes get `percent` of one CPU; null and why when this host will not make one. */
export function cpuQuota(percent: number): CpuQuota | { error: string } {
  const name = `outage-probe-test-${process.pid}-${Date.now()}`;
  const period = 100_000;
  const quota = Math.max(1000, Math.round((period * percent) / 100));
  try {
    let dir: string;
    if (readTextIfAny(join(V1, 'cpu.cfs_period_us')) !== null) {
      dir = join(V1, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'cpu.cfs_period_us'), String(period));
      writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quota));
      return { procs: join(dir, 'tasks'), close: () => rmdirSync(dir) };
    }
    if ((readTextIfAny(join(V2, 'cgroup.controllers')) ?? '').split(/\s+/).includes('cpu')) {
      if (!(readTextIfAny(join(V2, 'cgroup.subtree_control')) ?? '').split(/\s+/).includes('cpu')) writeFileSync(join(V2, 'cgroup.subtree_control'), '+cpu');
      dir = join(V2, name);
      mkdirSync(dir);
      writeFileSync(join(dir, 'cpu.max'), `${quota} ${period}`);
      return { procs: join(dir, 'cgroup.procs'), close: () => rmdirSync(dir) };
    }
    return { error: 'no cgroup cpu controller (v1 /sys/fs/cgroup/cpu or v2 cpu in /sys/fs/cgroup/cgroup.controllers)' };
  } catch (err) {
    return { error: `cannot make a cgroup with a CPU quota here (${(err as Error).message}): needs root` };
  }
}

/** Why a CPU quota cannot be set on this host, or null when it can (made and removed once). */
export function quotaSupport(): string | null {
  const q = cpuQuota(50);
  if ('error' in q) return q.error;
  q.close();
  return null;
}
