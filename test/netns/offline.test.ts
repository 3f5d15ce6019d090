// The README's first command on a host with no network at all: a fresh network namespace (`unshare -n`) has
// only a loopback interface, and it is down, so every connect and send fails at once (ENETUNREACH). The
// packaged default must end with the local-network verdict and exit 3, never a stack trace.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BIN } from '../support/cli.js';

const canUnshare = spawnSync('unshare', ['-n', 'true']).status === 0;
if (!canUnshare) console.warn('skipping offline-host tests: `unshare -n` is not permitted here (needs root or user namespaces)');

describe.skipIf(!canUnshare)('on a host with no network (unshare -n)', () => {
  it('the packaged default ends with exit 3 and the local-network verdict, without a stack trace', () => {
    const run = spawnSync('unshare', ['-n', process.execPath, BIN, 'check', '--json'], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, NO_COLOR: '1' } });
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.stderr).not.toMatch(/internal error/);
    expect(run.status).toBe(3);
    const report = JSON.parse(run.stdout) as { verdict: string; incidents: unknown[] };
    expect(report.verdict).toBe('local-network');
    expect(report.incidents).toEqual([]);
  });
});
