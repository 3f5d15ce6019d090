// What `check` does around the pipeline when it runs unattended: one run per state file (the lock), what the last
// run remembered (state), how this run compares (transitions → events), the webhooks told, the state saved and
// the history line appended. The pipeline itself never reads or writes any of these files.

import type { AlertSettings, Report } from '../model.js';
import type { Memory } from '../classify/index.js';
import { eventPayload, type ChangeEvent } from '../notify/events.js';
import { notificationProblem, notifyAll } from '../notify/webhook.js';
import { acquireLock, type HeldLock } from '../state/lock.js';
import { rememberLocations } from '../state/locations.js';
import { readState, writeStateAtomic, type RunState } from '../state/store.js';
import { compareRuns } from '../state/transitions.js';
import type { Budget } from '../util/budget.js';

export interface Io {
  stderr: NodeJS.WritableStream;
  signal?: AbortSignal;
}

/** The state file, locked for this run, and what it remembered. */
export interface OpenState {
  file: string;
  lock: HeldLock;
  previous: RunState | null;
  warnings: string[];
  /** Whether the run waited for another run's lock (the deadline's clock then starts when it got it). */
  waited: boolean;
}

/** Lock first, then read, so a run that waited compares with what the previous run saved. */
/** `unwritable`: the lock (so the state) cannot be written here; the run may go on without state. */
export async function openState(file: string, waitMs: number, io: Io): Promise<OpenState | { busy: string } | { error: string; unwritable?: true }> {
  const before = performance.now();
  const lock = await acquireLock(`${file}.lock`, { waitMs, ...(io.signal ? { signal: io.signal } : {}) });
  if ('busy' in lock || 'error' in lock) return lock;
  const stored = readState(file);
  if ('refused' in stored) {
    lock.release();
    return { error: stored.refused };
  }
  return { file, lock, previous: stored.state, warnings: stored.warnings, waited: performance.now() - before > 50 };
}

/** What the state remembers for this run's classification. */
export function memoryOf(state: OpenState | null): Memory {
  if (!state) return {};
  const served = Object.fromEntries(Object.entries(state.previous?.sites ?? {}).flatMap(([name, site]) => (site.served ? [[name, site.served]] : [])));
  const delegations = Object.fromEntries(Object.entries(state.previous?.sites ?? {}).flatMap(([name, site]) => (site.delegation ? [[name, site.delegation]] : [])));
  return { stacks: state.previous?.stacks ?? {}, locations: state.previous?.locations ?? {}, served, delegations };
}

/**
 * This run against the last one: the report marked new / ongoing / resolved, the events, and `save`, which writes
 * the next state (a FileError when it cannot; the report and events stand either way).
 */
export function compareWithState(state: OpenState, report: Report, alerts?: AlertSettings): { report: Report; events: ChangeEvent[]; save: () => void } {
  const compared = compareRuns(state.previous, report, report.startedAt, { file: state.file, warnings: state.warnings }, alerts);
  const attempts = compared.report.sites.flatMap((site) => site.attempts);
  const save = () => writeStateAtomic(state.file, { ...compared.next, locations: rememberLocations(state.previous?.locations ?? {}, attempts) });
  return { report: compared.report, events: compared.events, save };
}

/** Tell every webhook about the events, within the notify share of the deadline; the results join the report. */
export async function notify(report: Report, events: ChangeEvent[], urls: string[], budget: Budget, ca: string | null, io: Io): Promise<Report> {
  if (events.length === 0 || urls.length === 0) return report;
  const results = await notifyAll(urls, eventPayload(events, report), { deadlineAt: budget.until('notify'), ca, ...(io.signal ? { signal: io.signal } : {}) });
  for (const r of results) if (!r.ok) io.stderr.write(`outage-probe: ${notificationProblem(r)}\n`);
  return { ...report, notifications: results };
}
