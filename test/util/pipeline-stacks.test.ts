import { describe, expect, it } from 'vitest';
import { runPipeline } from '../../src/commands/pipeline.js';
import { parseConfig } from '../../src/config/load.js';
import { createBudget } from '../../src/util/budget.js';
import { freePort } from '../../src/lab/ports.js';

describe('runPipeline', () => {
  it('probes with stack traces off (errors made meanwhile carry no frames) and puts them back after', async () => {
    // A loopback port nothing listens on: every query to it fails at once.
    const port = await freePort('127.0.0.1');
    const config = parseConfig(
      `resolvers:\n  - { name: r1, tcp: "127.0.0.1:${port}" }\ndefaults: { timeout: 2s }\nsites:\n  - { name: a, url: "https://a.example.test/" }\n  - { name: b, url: "https://b.example.test/" }\n`,
      'stacks.yaml',
    );
    const before = Error.stackTraceLimit;
    const seen: Array<{ limit: number; stack: string | undefined }> = [];
    const report = await runPipeline(config, {
      budget: createBudget({ startAt: performance.now(), deadlineMs: 10_000, notify: false, sites: 2 }),
      onSite: () => void seen.push({ limit: Error.stackTraceLimit, stack: new Error('made while probing').stack }),
    });
    expect(report.sites).toHaveLength(2);
    expect(seen.map((s) => s.limit)).toEqual([0, 0]);
    expect(seen.map((s) => s.stack)).toEqual(['Error: made while probing', 'Error: made while probing']);
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error('afterwards').stack).toContain('\n');
  });
});
