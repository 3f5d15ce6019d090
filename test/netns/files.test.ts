// Full and read-only file systems under the state file, made with a small tmpfs in a private mount namespace:
// the run still probes and prints its report, says in one stderr line what it could not write, exits 74, and
// leaves no empty lock behind. Needs root for unshare; skips with the reason elsewhere, runs in CI.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { namespaceSupport, runInNamespace, skipReason } from '../../src/lab/netns.js';

const CHECK = fileURLToPath(new URL('./inside/check.mjs', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  report: Report | null;
  diskFiles: string[] | null;
}

async function checkWithDisk(disk: { sizeKiB: number; readOnly?: boolean; fillKiB?: number }, extra: string[]): Promise<Run> {
  const run = await runInNamespace(CHECK, { args: [JSON.stringify({ scenario: 'healthy', disk, args: ['check', '--config', '{config}', '--json', ...extra] })], timeoutMs: 90_000 });
  expect(run.error).toBeUndefined();
  return run.value as Run;
}

const reason = skipReason('full and read-only disks (tmpfs in a mount namespace)', namespaceSupport());

describe.skipIf(reason !== null)('files on a full or read-only disk', () => {
  it('the state file cannot be written after probing (disk full): the report is printed, one stderr line, exit 74', async () => {
    // 16 KiB, 12 taken: room for the lock (one page), none for the state.
    const run = await checkWithDisk({ sizeKiB: 16, fillKiB: 12 }, ['--state', '{disk}/state.json']);
    expect(run.stderr).not.toMatch(/^\s+at |internal error/m);
    expect(run.code).toBe(74);
    expect(run.report).toMatchObject({ verdict: 'ok', exitCode: 0 });
    expect(run.report!.sites).toHaveLength(11);
    expect(run.stderr).toMatch(/^outage-probe: cannot write state file .*state\.json: no space left on the device \(ENOSPC\)$/m);
    // No half-written state, no temp file, and the lock released.
    expect(run.diskFiles).toEqual(['filler']);
  }, 120_000);

  it('the state directory is read-only: probing still runs without state, the report is printed, exit 74', async () => {
    const run = await checkWithDisk({ sizeKiB: 64, readOnly: true }, ['--state', '{disk}/state.json']);
    expect(run.stderr).not.toMatch(/^\s+at |internal error/m);
    expect(run.code).toBe(74);
    expect(run.report).toMatchObject({ verdict: 'ok', state: null });
    expect(run.stderr).toMatch(/^outage-probe: cannot write lock file .*state\.json\.lock: the file system is read-only \(EROFS\)$/m);
  }, 120_000);

  it('a disk too full for the lock leaves no empty lock file behind', async () => {
    const run = await checkWithDisk({ sizeKiB: 16, fillKiB: 16 }, ['--state', '{disk}/state.json']);
    expect(run.code).toBe(74);
    expect(run.report?.verdict).toBe('ok');
    expect(run.diskFiles).toEqual(['filler']);
  }, 120_000);

  it('--output and --append on a full disk: the report comes on stdout, exit 74', async () => {
    const run = await checkWithDisk({ sizeKiB: 16, fillKiB: 16 }, ['--output', '{disk}/report.json', '--append', '{disk}/history.ndjson']);
    expect(run.code).toBe(74);
    expect(JSON.parse(run.stdout)).toMatchObject({ verdict: 'ok' });
    expect(run.stderr).toMatch(/cannot write report \(--output\) .*: no space left on the device \(ENOSPC\); the report follows on stdout/);
    expect(run.stderr).toMatch(/cannot write history file \(--append\) .*: no space left on the device \(ENOSPC\)/);
  }, 120_000);
});
