// One run per state file at a time: `<state>.lock`, created with O_EXCL, holding {pid, hostname, startedAt, token}.
// A second run either gives up at once ({ busy }) or polls until the holder releases it (--wait).
//
// A lock is stale when its holder is a pid on this host that no longer exists (kill(pid, 0) → ESRCH) or that now
// belongs to another process (its /proc start time or the boot id differs from the one recorded), when it
// is older than maxAgeMs (a hung run, a pid reused, or a holder on another host sharing the directory), or when
// it stays unreadable past a short grace (a holder killed between creating and writing it). A stale lock is
// removed under a takeover mutex, after checking it is still the very file judged stale (see takeOver), and the
// lock is then created with O_EXCL like any other time: of runs racing for it, exactly one wins.

import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname as osHostname } from 'node:os';
import { dirname } from 'node:path';
import { formatMs, sleep } from '../util/time.js';
import { safeLine } from '../util/text.js';
import { fileError, readTextIfAny } from '../util/safe-file.js';

export interface LockOptions {
  /** How long to wait for a held lock (0 = give up at once). */
  waitMs: number;
  /** How often to look again while waiting. */
  pollMs?: number;
  /** A lock older than this is stale whoever holds it. */
  maxAgeMs?: number;
  /** Stop waiting when aborted (SIGINT / SIGTERM). */
  signal?: AbortSignal;
}

export interface HeldLock {
  file: string;
  /** Remove the lock if it is still ours; safe to call twice. Also runs on process exit. */
  release(): void;
}

/** `busy`: another run holds it (exit EXIT.busy). `error`: the lock file cannot be made at all (e.g. EACCES, EROFS). */
export type LockResult = HeldLock | { busy: string } | { error: string; unwritable: true };

export interface LockHolder {
  pid: number;
  hostname: string;
  startedAt: string;
  token: string;
  /**
   * Which process the pid was when the lock was taken: the boot id and the process's start time in clock ticks
   * (/proc/PID/stat field 22); absent where /proc is not. A live pid with another identity was reused.
   */
  process?: string;
}

export const DEFAULT_POLL_MS = 200;
/** Longer than any sane run (deadline + --wait + notifications); a lock this old is a hung or orphaned run. */
export const DEFAULT_MAX_AGE_MS = 60 * 60 * 1000;
/** A lock file without a readable holder is given this long to be written before it is judged stale. */
const UNREADABLE_GRACE_MS = 5000;

export async function acquireLock(lockFile: string, options: LockOptions): Promise<LockResult> {
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_MAX_AGE_MS;
  const giveUpAt = performance.now() + Math.max(0, options.waitMs);
  for (;;) {
    let attempt: LockResult;
    try {
      mkdirSync(dirname(lockFile), { recursive: true });
      attempt = tryLock(lockFile, maxAgeMs);
    } catch (err) {
      return { error: fileError(err, lockFile, 'lock file').message, unwritable: true };
    }
    if (!('busy' in attempt)) return attempt;
    const remaining = giveUpAt - performance.now();
    if (options.signal?.aborted) return { busy: `${attempt.busy}; stopped waiting (interrupted)` };
    if (remaining <= 0) {
      const hint = options.waitMs > 0 ? `; waited ${formatMs(options.waitMs)}` : '; use --wait SECONDS to wait for it';
      return { busy: `${attempt.busy}${hint}` };
    }
    await sleep(Math.min(pollMs, remaining), options.signal);
  }
}

/** One try: take the lock, take over a stale one, or say who holds it. Throws on file system errors. */
export function tryLock(lockFile: string, maxAgeMs: number = DEFAULT_MAX_AGE_MS): HeldLock | { busy: string } {
  const created = createLock(lockFile);
  if (created) return created;
  const seen = inspect(lockFile);
  if (seen === 'gone') return createLock(lockFile) ?? { busy: `another outage-probe run holds ${lockFile}` };
  const stale = staleness(seen, maxAgeMs, Date.now(), osHostname());
  if (stale === null) return { busy: describeHolder(lockFile, seen) };
  if (!takeOver(lockFile, seen)) return { busy: `another outage-probe run is taking over ${lockFile}` };
  return createLock(lockFile) ?? { busy: `another outage-probe run holds ${lockFile}` };
}

function createLock(lockFile: string): HeldLock | null {
  const identity = processIdentity(process.pid);
  const holder: LockHolder = { pid: process.pid, hostname: osHostname(), startedAt: new Date().toISOString(), token: randomBytes(8).toString('hex'), ...(identity ? { process: identity } : {}) };
  let fd: number;
  try {
    fd = openSync(lockFile, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw err;
  }
  try {
    writeSync(fd, `${JSON.stringify(holder)}\n`);
    fsyncSync(fd);
  } catch (err) {
    // A full disk: an empty lock would block every later run until judged stale; leave none.
    closeSync(fd);
    unlinkQuietly(lockFile);
    throw err;
  }
  closeSync(fd);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    const now = readHolder(lockFile);
    if (now && now.token === holder.token) {
      try {
        unlinkSync(lockFile);
      } catch {
        // already removed
      }
    }
  };
  process.once('exit', release);
  return { file: lockFile, release };
}

interface SeenLock {
  ino: number;
  mtimeMs: number;
  /** The file's text as read (null when unreadable). */
  raw: string | null;
  holder: LockHolder | null;
}

function inspect(lockFile: string): SeenLock | 'gone' {
  try {
    const stat = statSync(lockFile);
    const raw = readTextIfAny(lockFile);
    return { ino: stat.ino, mtimeMs: stat.mtimeMs, raw, holder: raw === null ? null : parseHolder(raw) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw err;
  }
}

function readHolder(lockFile: string): LockHolder | null {
  const raw = readTextIfAny(lockFile);
  return raw === null ? null : parseHolder(raw);
}

function parseHolder(raw: string): LockHolder | null {
  try {
    const value = JSON.parse(raw) as Partial<LockHolder>;
    if (!Number.isInteger(value.pid) || typeof value.hostname !== 'string' || typeof value.startedAt !== 'string') return null;
    return { pid: value.pid!, hostname: value.hostname, startedAt: value.startedAt, token: typeof value.token === 'string' ? value.token : '', ...(typeof value.process === 'string' ? { process: value.process } : {}) };
  } catch {
    return null;
  }
}

/** Why a lock is stale, or null while its holder may still be running. Pure but for the pid probe. */
export function staleness(seen: { mtimeMs: number; holder: LockHolder | null }, maxAgeMs: number, nowMs: number, host: string): string | null {
  const { holder } = seen;
  if (!holder) return nowMs - seen.mtimeMs > UNREADABLE_GRACE_MS ? 'unreadable' : null;
  const started = Date.parse(holder.startedAt);
  const age = nowMs - (Number.isFinite(started) ? Math.min(started, seen.mtimeMs) : seen.mtimeMs);
  if (age > maxAgeMs) return `older than ${formatMs(maxAgeMs)}`;
  if (holder.hostname === host && !pidAlive(holder.pid)) return `pid ${holder.pid} is gone`;
  if (holder.hostname === host && holder.process) {
    const now = processIdentity(holder.pid);
    if (now !== null && now !== holder.process) return `pid ${holder.pid} now belongs to another process`;
  }
  return null;
}

/** "<boot id>:<start time in ticks>" of a live pid, from /proc; null where /proc cannot tell. */
export function processIdentity(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may itself hold spaces or parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = fields[19]; // field 22 overall: fields 3… start at index 0 here
    const bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return startTicks && /^\d+$/.test(startTicks) ? `${bootId}:${startTicks}` : null;
  } catch {
    return null;
  }
}

/** kill(pid, 0) sends nothing: ESRCH means no such process; EPERM means it exists under another user. */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove a stale lock, but only the one that was judged: under a short-lived takeover mutex
 * (`<lock>.takeover`, O_EXCL), look again and unlink only if it is still the same file (inode, mtime and
 * content). Without the mutex, two runs that both judged the old lock stale could each remove a lock —
 * the second one the fresh lock the first had just created.
 */
function takeOver(lockFile: string, judged: SeenLock): boolean {
  const mutex = `${lockFile}.takeover`;
  if (!createMutex(mutex)) return false;
  try {
    const now = inspect(lockFile);
    if (now === 'gone') return true;
    if (now.ino !== judged.ino || now.mtimeMs !== judged.mtimeMs || now.raw !== judged.raw) return false;
    unlinkQuietly(lockFile);
    return true;
  } finally {
    unlinkQuietly(mutex);
  }
}

/** The takeover mutex is held for microseconds; one older than this belongs to a run killed while holding it. */
const MUTEX_STALE_MS = 10_000;

function createMutex(mutex: string): boolean {
  for (let tries = 0; tries < 2; tries++) {
    try {
      closeSync(openSync(mutex, 'wx', 0o644));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    try {
      if (Date.now() - statSync(mutex).mtimeMs < MUTEX_STALE_MS) return false;
      unlinkQuietly(mutex);
    } catch {
      // gone in the meantime: try again
    }
  }
  return false;
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}

function describeHolder(lockFile: string, seen: SeenLock): string {
  if (!seen.holder) return `another outage-probe run is taking ${lockFile}`;
  const { pid, hostname, startedAt } = seen.holder;
  const started = Date.parse(startedAt);
  const ago = Number.isFinite(started) ? `, ${formatMs(Math.max(0, Date.now() - started))} ago` : '';
  return `another outage-probe run holds ${lockFile} (pid ${pid} on ${safeLine(hostname, 80)}, started ${safeLine(startedAt, 40)}${ago})`;
}

