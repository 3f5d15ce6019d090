// The run's deadline and each phase's share of it, in one object, so no phase can eat another's time.
// Phases run in this order: probing (with its resamples), reading status pages, posting notifications, and
// finishing (correlating, printing, writing files). Each phase ends when the time the later ones keep begins.

import { plural } from './text.js';
import { formatMs } from './time.js';

export type Phase = 'probe' | 'status-pages' | 'notify' | 'finish';

export interface BudgetOptions {
  /** When the clock started (performance.now() scale): process start, or the moment a waited-for lock was taken. */
  startAt: number;
  deadlineMs: number;
  /** --status-pages: keep a share for reading them. */
  statusPages?: boolean;
  /** --notify: keep a share for posting. */
  notify?: boolean;
  /** How many sites the run reports: finishing takes longer the more there are. */
  sites?: number;
}

export interface Budget {
  /** When the whole run must be over (performance.now() scale). */
  readonly endsAt: number;
  /** When `phase` must be over: the end of the run minus what the phases after it keep. */
  until(phase: Phase): number;
}

/**
 * What finishing may cost a site on a 2-core machine: its record correlated and written. A site that probing did
 * not reach costs about 17 µs (measured offline: 100,000 and 184,000 not-probed sites, 0.65 s of start-up and list
 * reading besides; bench/findings.md); a probed site's report is larger (a healthy site's JSON is ~7 KB), so the
 * share keeps about three times that.
 */
const FINISH_MS_PER_SITE = 0.06;

/**
 * Kept for correlating and printing, so the process ends on time: 5 % of the deadline up to 250 ms, more for a
 * long list of sites, never more than four fifths of the deadline. A list too long for its deadline is mostly
 * reported as not probed; a run that overran its deadline to report it would break the promise the deadline makes.
 */
export function finishShareMs(deadlineMs: number, sites = 0): number {
  return Math.min(Math.round(deadlineMs * 0.8), Math.max(Math.min(250, Math.round(deadlineMs * 0.05)), Math.round(sites * FINISH_MS_PER_SITE)));
}

/**
 * One line for stderr when the list is too long for the deadline: the finish share was clipped, so sites the run
 * cannot reach are reported as not probed and reporting them may still carry the run past its deadline.
 */
export function deadlineTooShort(deadlineMs: number, sites: number): string | null {
  const wanted = Math.round(sites * FINISH_MS_PER_SITE);
  if (wanted <= finishShareMs(deadlineMs, sites)) return null;
  return `the deadline (${formatMs(deadlineMs)}) is short for ${plural(sites, 'site')}: reporting them may take up to ${formatMs(wanted)} on 2 cores; sites it cannot reach are reported as not probed, and the run may end late`;
}

export function createBudget(options: BudgetOptions): Budget {
  const endsAt = options.startAt + options.deadlineMs;
  const shares: Record<Phase, number> = {
    probe: 0,
    'status-pages': options.statusPages ? Math.min(10_000, Math.round(options.deadlineMs * 0.2)) : 0,
    notify: options.notify ? Math.min(5000, Math.round(options.deadlineMs * 0.25)) : 0,
    finish: finishShareMs(options.deadlineMs, options.sites ?? 0),
  };
  const order: Phase[] = ['probe', 'status-pages', 'notify', 'finish'];
  return {
    endsAt,
    until(phase) {
      const later = order.slice(order.indexOf(phase) + 1);
      return endsAt - later.reduce((sum, p) => sum + shares[p], 0);
    },
  };
}
