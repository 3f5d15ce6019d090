// vitest globalSetup: every temporary file of a run (the tests', the labs', the binaries' they start) goes under
// one directory made for the run and removed at its end, so `npm test` leaves nothing behind in the system's
// temporary directory (before this, each run left ~50 MB there in some 300 directories). Workers and the processes
// they start inherit TMPDIR, which os.tmpdir() reads.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'outage-probe-suite-'));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
