// One server of forty sites behind a firewall that drops each client's connections over a limit (nftables'
// connlimit with drop, as the nftables wiki writes it): what is over the limit is never answered, and TCP sends the
// SYN again after 1 s and 3 s into the same crowd. With a limit of 2 the run read, in four runs of four, "4 down (s4,
// s5, s6, s7) of 41 sites; no shared cause found" (exit 1): this run's own eight connections at that server as four
// sites down. No server knows the site before the connection opens: a connect that timed out at an address that
// served this run's other fetches meanwhile is asked again alone. The control in the same run: twenty sites at an
// address that drops everything (blackholed) serve nothing, are not asked again, and are that server's incident.
// The real binary, a real nginx, real nftables; inside a network namespace.

import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/model.js';
import { nftablesSupport, runInNamespace, skipReason, toolSupport } from '../../src/lab/netns.js';
import { expectValidReport } from '../support/schema.js';

const INSIDE = fileURLToPath(new URL('./inside/connection-limit.mjs', import.meta.url));
const reason = skipReason('a server whose firewall drops connections over a limit', nftablesSupport(), toolSupport([['nginx', '-v']]));

describe.skipIf(reason !== null)('forty sites on a server whose firewall drops each client\'s connections over 2', () => {
  it('every site there served (the dropped connects asked again alone), the limit said once; the blackholed address its own incident', async () => {
    const run = await runInNamespace(INSIDE, { args: [JSON.stringify({ limit: 2 })], timeoutMs: 120_000 });
    expect(run.error).toBeUndefined();
    const { code, stderr, report } = run.value as { code: number | null; stderr: string; report: Report | null };
    expect(stderr).not.toMatch(/^\s+at |internal error/m);
    expect(report, stderr).not.toBeNull();
    expectValidReport(report!);
    console.log(`connlimit 2: exit ${code}: ${report!.summary} | ${report!.host.notes.join(' | ')}`);

    const shared = report!.sites.filter((s) => s.name.startsWith('s'));
    expect(shared.map((s) => s.status)).toEqual(shared.map(() => 'ok'));
    // Some connects found the limit full (eight at once against two): each asked again alone and served.
    const crowded = shared.flatMap((s) => s.attempts).filter((a) => a.crowded !== undefined);
    expect(crowded.length).toBeGreaterThan(0);
    for (const a of crowded) {
      expect(a.crowded!.first).toMatchObject({ httpStatus: null, failedPhase: 'connect', error: { code: 'ETIMEDOUT' } });
      expect([a.outcome, a.httpStatus]).toEqual(['ok', 200]);
    }
    expect(report!.host.notes.filter((n) => n.startsWith('server 127.0.28.10'))).toEqual([
      expect.stringMatching(/^server 127\.0\.28\.10 failed \d+ fetch(es)? while this probe had up to \d there at once \(ETIMEDOUT at connect\); asked again alone, .* served .* — it drops connections over a limit one client may have at once \(a firewall's connlimit with drop\), or the way to it lost those/),
    ]);

    // The blackholed address: nothing served there, so nothing asked again; its sites are its incident.
    const dark = report!.sites.filter((s) => s.name.startsWith('d'));
    expect(dark.map((s) => [s.status, s.attempts.map((a) => [a.error?.code, a.failedPhase, a.crowded ?? null])])).toEqual(dark.map(() => ['down', [['ETIMEDOUT', 'connect', null]]]));
    expect(report!.incidents.map((i) => [i.provider, i.sites.length])).toEqual([['server 127.0.28.30', 20]]);
    expect(report!.sites.find((s) => s.name === 'elsewhere')!.status).toBe('ok');
    expect(code).toBe(2);
  }, 150_000);
});
