// A long list on a host with no network at all (`unshare -n`: every query fails at once, as the next tick's
// callback): the run must still end by its deadline with every site in the report. Before each site started on a
// turn of the event loop of its own, 20,000 such sites ran 11.8 s on a 2 s deadline — the deadline's timer could
// not fire inside one long chain of callbacks, and 120,000 closed sockets waited for the end to be released.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { namespaceSupport, skipReason } from '../../src/lab/netns.js';
import { BIN, runShell } from '../support/cli.js';

const SITES = 20_000;
const DEADLINE_MS = 2000;
const reason = skipReason('a 20,000-site run on an offline host', namespaceSupport());

describe.skipIf(reason !== null)('20,000 sites on a host with no network', () => {
  it('end by the deadline: every site reported, the local-network verdict, no provider blamed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'op-many-'));
    // Public resolver addresses, only ever asked inside the namespace, where there is no route to them.
    writeFileSync(join(dir, 'resolvers.yaml'), 'resolvers:\n  - { name: cf, address: 1.1.1.1 }\n  - { name: g, address: 8.8.8.8 }\n');
    writeFileSync(join(dir, 'list.txt'), Array.from({ length: SITES }, (_, i) => `s${i}.example.com\n`).join(''));
    const run = await runShell(`unshare -n ${process.execPath} ${BIN} check --config resolvers.yaml --sites list.txt --ndjson --deadline ${DEADLINE_MS}ms > out.ndjson`, { cwd: dir, timeoutMs: 60_000 });
    expect(run.stderr).not.toMatch(/^\s+at |internal error/m);
    expect(run.code).toBe(3);
    const lines = readFileSync(join(dir, 'out.ndjson'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string; verdict?: string; incidents?: unknown[]; sites?: Array<{ attemptCount: number }> });
    const summary = lines.at(-1)!;
    expect(summary.type).toBe('summary');
    expect(summary.verdict).toBe('local-network');
    expect(summary.incidents).toEqual([]);
    expect(summary.sites).toHaveLength(SITES);
    // Every attempt the summary counts was streamed as its own line.
    expect(lines.length - 1).toBe(summary.sites!.reduce((n, s) => n + s.attemptCount, 0));
    // The process (start-up included) ends by the deadline, within what a busy 2-core machine adds (2.2 s idle).
    console.log(`${SITES} offline sites, deadline ${DEADLINE_MS} ms: ${Math.round(run.ms)} ms`);
    expect(run.ms).toBeLessThan(DEADLINE_MS + 4000);
  }, 90_000);
});
