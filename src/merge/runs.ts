// Which run speaks for each vantage. Pure.
//
// One vantage name, several reports: the latest run (by startedAt; the later input on a tie) is kept and
// the others are dropped with a warning. Runs whose time spans overlap are called out separately: one
// vantage cannot run twice at once, so two probes probably share a --vantage name. A vantage whose run is
// much older than the newest run is kept, with a warning: its view may be out of date.

import type { VantageRun } from './types.js';
import { groupBy } from '../util/collections.js';

/** A run older than this, compared with the newest run merged, earns a warning. */
export const STALE_AFTER_MS = 15 * 60_000;

export interface ChosenRuns {
  runs: VantageRun[];
  warnings: string[];
}

const startOf = (run: VantageRun) => Date.parse(run.report.startedAt);
const endOf = (run: VantageRun) => startOf(run) + run.report.durationMs;

function overlaps(a: VantageRun, b: VantageRun): boolean {
  return startOf(a) < endOf(b) && startOf(b) < endOf(a);
}

function describe(run: VantageRun): string {
  return `${run.file} (started ${run.report.startedAt})`;
}

/** One run per vantage name, in the order the vantages first appear. */
export function latestPerVantage(runs: VantageRun[]): ChosenRuns {
  const byName = groupBy(runs, (run) => run.report.vantage);
  const chosen: VantageRun[] = [];
  const warnings: string[] = [];
  for (const [name, group] of byName) {
    // Stable: among equal start times the later input wins.
    const latest = group.reduce((best, run) => (startOf(run) >= startOf(best) ? run : best));
    chosen.push(latest);
    for (const other of group) {
      if (other === latest) continue;
      if (other.report.startedAt === latest.report.startedAt && other.report.durationMs === latest.report.durationMs) {
        warnings.push(`vantage ${name}: ${other.file} and ${latest.file} hold the same run; using it once`);
      } else if (overlaps(other, latest)) {
        warnings.push(
          `vantage ${name}: the runs in ${describe(other)} and ${describe(latest)} overlap in time (two probes with the same --vantage?); keeping the later one, ${latest.file}`,
        );
      } else {
        warnings.push(`vantage ${name}: an older run in ${describe(other)} is dropped; using the latest, ${describe(latest)}`);
      }
    }
  }
  const newest = Math.max(...chosen.map(startOf));
  for (const run of chosen) {
    const behind = newest - startOf(run);
    if (behind > STALE_AFTER_MS) {
      warnings.push(`vantage ${run.report.vantage}: its run (${run.report.startedAt}) is ${Math.round(behind / 60_000)} min older than the newest one merged; its view may be out of date`);
    }
  }
  return { runs: chosen, warnings };
}
