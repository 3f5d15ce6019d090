// Replace a file so that a reader (or a crash) sees either the old content or the new, never half of one:
// write a temp file in the same directory, fsync it, rename it over the target, then fsync the directory
// so the rename itself survives a power cut. The one implementation for state, metrics, range caches and
// the per-user caches (own-cache.ts).

import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** Permissions of the new file (before the umask); 0o644 unless given. */
  mode?: number;
}

/** The temp file's name: hidden, next to the target, unique per process and call. */
export function tempPathFor(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Write `text` (or its pieces, in order) to `file` atomically, creating the directory when missing. Throws on
 * failure (the target is untouched).
 */
export function writeFileAtomic(file: string, text: string | Uint8Array | Iterable<string>, options: AtomicWriteOptions = {}): void {
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true });
  const temp = tempPathFor(file);
  const pieces = typeof text === 'string' || text instanceof Uint8Array ? [text] : text;
  let fd: number | null = null;
  try {
    fd = openSync(temp, 'wx', options.mode ?? 0o644);
    for (const piece of pieces) writeAll(fd, typeof piece === 'string' ? Buffer.from(piece, 'utf8') : piece);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(temp, file);
  } catch (err) {
    if (fd !== null) {
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
    try {
      unlinkSync(temp);
    } catch {
      // never created, or already renamed
    }
    throw err;
  }
  syncDirectory(dir);
  removeOrphanedTemps(file);
}

function writeAll(fd: number, data: Uint8Array): void {
  let written = 0;
  while (written < data.length) written += writeSync(fd, data, written, data.length - written);
}

/**
 * Temp files of this target left by writers that died mid-write (SIGKILL, power cut): removed when their
 * pid no longer exists. Best effort; a temp file of a live writer is never touched.
 */
export function removeOrphanedTemps(file: string): void {
  const prefix = `.${basename(file)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(file));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name.slice(prefix.length));
    if (!m || processExists(Number(m[1]))) continue;
    try {
      unlinkSync(join(dirname(file), name));
    } catch {
      // removed by someone else
    }
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** fsync a directory so a rename in it is durable; best effort (not every platform or filesystem allows it). */
function syncDirectory(dir: string): void {
  let fd: number | null = null;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // e.g. Windows, or a filesystem without directory fsync: the rename is still atomic, only less durable
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
