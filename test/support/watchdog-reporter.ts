// A bound on the whole suite. vitest's testTimeout cannot fire while a worker is blocked synchronously (a
// spawnSync waiting on a child that never exits, say), and then `npm test` would wait for ever: CI would only
// say it ran out of time. This reporter, in vitest's own process, names what is still running once a file has
// run long, and past the suite's limit prints every file still running with its current test or hook and the
// processes under vitest, kills them, and exits 1 — a failure with evidence instead of a silent timeout.
//
// OUTAGE_PROBE_SUITE_LIMIT_MS sets the limit (default 30 minutes; the whole suite takes about 5 on 2 cores).

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Reporter, ReportedHookContext, TestCase, TestModule } from 'vitest/node';

const DEFAULT_LIMIT_MS = 30 * 60_000;
/** A file running longer than this is named on stderr while the suite goes on (the longest takes about 50 s). */
const SLOW_FILE_MS = 5 * 60_000;

interface Running {
  started: number;
  current: string;
  named: boolean;
}

interface ProcessInfo {
  pid: number;
  ppid: number;
  command: string;
}

function processTable(): ProcessInfo[] {
  const table: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid …: comm may hold spaces and parentheses, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      table.push({ pid: Number(entry), ppid, command });
    } catch {
      // gone meanwhile
    }
  }
  return table;
}

/** Every process under `root`, parents before children. */
export function descendants(root: number, table: ProcessInfo[] = processTable()): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const p of table) {
      if (p.ppid === parent) {
        found.push(p);
        queue.push(p.pid);
      }
    }
  }
  return found;
}

export default class WatchdogReporter implements Reporter {
  private readonly running = new Map<string, Running>();
  private readonly limitMs = Number(process.env.OUTAGE_PROBE_SUITE_LIMIT_MS) || DEFAULT_LIMIT_MS;
  private readonly startedAt = performance.now();
  private timers: NodeJS.Timeout[] = [];
  /** Where each worker writes the test it is running (current-test.ts); set before the workers start. */
  private readonly currentTests = mkdtempSync(join(tmpdir(), 'outage-probe-suite-'));

  onInit(): void {
    process.env.OUTAGE_PROBE_SUITE_DIR = this.currentTests;
  }

  onTestRunStart(): void {
    this.timers.push(setTimeout(() => this.expire(), this.limitMs).unref());
    this.timers.push(setInterval(() => this.nameSlowFiles(), Math.min(60_000, this.limitMs / 4)).unref());
  }

  onTestModuleStart(module: TestModule): void {
    this.running.set(module.moduleId, { started: performance.now(), current: '(loading)', named: false });
  }

  onTestCaseReady(test: TestCase): void {
    const entry = this.running.get(test.module.moduleId);
    if (entry) entry.current = `test "${test.fullName}"`;
  }

  onHookStart(hook: ReportedHookContext): void {
    const module = hook.entity.type === 'module' ? hook.entity : hook.entity.module;
    const entry = this.running.get(module.moduleId);
    if (entry) entry.current = `${hook.name} hook of "${hook.entity.type === 'module' ? 'the file' : hook.entity.fullName}"`;
  }

  onTestModuleEnd(module: TestModule): void {
    this.running.delete(module.moduleId);
  }

  onTestRunEnd(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    rmSync(this.currentTests, { recursive: true, force: true });
  }

  /** What a worker process last said it was running, when it is one. */
  private workerTest(pid: number): string | null {
    try {
      return readFileSync(join(this.currentTests, String(pid)), 'utf8');
    } catch {
      return null;
    }
  }

  private describe(file: string, entry: Running): string {
    return `${relative(process.cwd(), file)}: ${Math.round((performance.now() - entry.started) / 1000)} s, in ${entry.current}`;
  }

  private nameSlowFiles(): void {
    for (const [file, entry] of this.running) {
      if (entry.named || performance.now() - entry.started < SLOW_FILE_MS) continue;
      entry.named = true;
      process.stderr.write(`\n[suite watchdog] still running after ${SLOW_FILE_MS / 60_000} minutes: ${this.describe(file, entry)}\n`);
    }
  }

  private expire(): void {
    const lines = [
      '',
      `[suite watchdog] the suite has run ${Math.round((performance.now() - this.startedAt) / 1000)} s, past its limit of ${this.limitMs / 1000} s (OUTAGE_PROBE_SUITE_LIMIT_MS).`,
      'Still running:',
      ...[...this.running].map(([file, entry]) => `  ${this.describe(file, entry)}`),
      'Processes under vitest (killed now):',
    ];
    const children = descendants(process.pid);
    for (const p of children) {
      const test = this.workerTest(p.pid);
      lines.push(`  ${p.pid} (parent ${p.ppid}): ${p.command.slice(0, 300)}${test ? `\n      running ${test}` : ''}`);
    }
    process.stderr.write(`${lines.join('\n')}\n`);
    for (const p of children.reverse()) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(this.currentTests, { recursive: true, force: true });
    process.exit(1);
  }
}
