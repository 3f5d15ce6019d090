// How long this process's event loop could not run: a timer that should fire every TICK_MS, and how late it came.
// A process starved of CPU (a container's CPU limit throttling it, other work on a busy host, or its own work
// piling up) cannot read a reply that has arrived: a timeout it measures then is its own, not the server's.
// Measured with a cgroup CPU quota of 3 % (test/e2e/cpu-starved.test.ts): a healthy world of 300 sites read as
// "246 down … no shared cause found", exit 1. The probe session reads the stall over each query and fetch.

/** The tick; lateness under SLACK_MS per tick is timer granularity, not a stall. */
const TICK_MS = 20;
const SLACK_MS = 5;

let users = 0;
let timer: NodeJS.Timeout | null = null;
let lastTick = 0;
let stalled = 0;

function tick(): void {
  const now = performance.now();
  const late = now - lastTick - TICK_MS;
  if (late > SLACK_MS) stalled += late;
  lastTick = now;
  timer = setTimeout(tick, TICK_MS);
  timer.unref();
}

/** Start measuring (counted: each start needs its stop); the clock never keeps the process alive. */
export function startStallClock(): () => void {
  if (users++ === 0) {
    lastTick = performance.now();
    timer = setTimeout(tick, TICK_MS);
    timer.unref();
  }
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    if (--users === 0 && timer) {
      clearTimeout(timer);
      timer = null;
    }
  };
}

/** Milliseconds the loop has stalled since the clock started, counting a stall still going on now. */
export function stalledMs(): number {
  if (users === 0) return 0;
  const late = performance.now() - lastTick - TICK_MS;
  return stalled + (late > SLACK_MS ? late : 0);
}

/**
 * The error a timeout becomes when the process was stalled for at least half of the time it waited: it had too
 * little of that time to hear a reply. Null: the timeout stands.
 */
export function busyTimeout(error: { code: string; message: string } | null, waitedMs: number, stalledDuringMs: number): { code: string; message: string } | null {
  if (error?.code !== 'ETIMEDOUT' || waitedMs <= 0 || stalledDuringMs < waitedMs / 2) return null;
  return {
    code: HOST_BUSY,
    message: `${error.message}, but this host could not run for ${Math.round(stalledDuringMs)} ms of those ${Math.round(waitedMs)} ms (starved of CPU: a CPU limit, or other work here): no reply could have been read`,
  };
}

/** The code of a timeout this host's own stall explains (busyTimeout). */
export const HOST_BUSY = 'HOST_BUSY';

/** A timeout that this host's stall explains: nothing learned about the server. */
export function hostWasBusy(error: { code: string } | null): boolean {
  return error?.code === HOST_BUSY;
}
