// Every file outage-probe writes goes through here: state, lock, --output, --append, the provider range cache, a
// drill's --dir. Replaced files are written atomically (util/atomic-write.ts); appended ones with one write on an
// O_APPEND descriptor opened with O_NOFOLLOW, so a symbolic link planted at the path is refused, never written
// through. A file system error becomes a FileError with one line a person can act on.

import { closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic, type AtomicWriteOptions } from './atomic-write.js';
import { safeLine } from './text.js';

/** A file's text, or null when it cannot be read (absent, unreadable, not a file): for files that may not exist. */
export function readTextIfAny(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/** A file the tool needed to write (or read) could not be; `message` is one line naming the file and why. */
export class FileError extends Error {
  constructor(
    readonly file: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'FileError';
  }
}

const WHY: Record<string, string> = {
  EISDIR: 'it is a directory',
  ENOTDIR: 'a part of its path is not a directory',
  // From mkdir -p: a file stands where a directory of the path should be.
  EEXIST: 'a part of its path is not a directory',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ELOOP: 'it is a symbolic link, which outage-probe does not follow',
  ENAMETOOLONG: 'the path is too long',
  EMFILE: 'too many open files',
  EFBIG: 'the file is too large',
  EIO: 'an I/O error',
};

/** The error as a FileError: "cannot write state file /x/state.json: the file system is read-only (EROFS)". */
export function fileError(err: unknown, file: string, what: string): FileError {
  if (err instanceof FileError) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code ?? 'EUNKNOWN';
  const why = WHY[code] ?? safeLine((err as Error | null)?.message ?? String(err), 200);
  return new FileError(file, code, `cannot write ${what} ${safeLine(file, 300)}: ${why} (${code})`);
}

/** Replace `file` atomically with `text`; a FileError on failure (the old file is untouched). */
export function replaceFile(file: string, text: string | Uint8Array | Iterable<string>, what: string, options: AtomicWriteOptions = {}): void {
  try {
    writeFileAtomic(file, text, options);
  } catch (err) {
    throw fileError(err, file, what);
  }
}

/**
 * Append `line` to `file` in one write(2) on an O_APPEND descriptor (concurrent appenders never interleave),
 * creating it and its directory when missing; a symbolic link at `file` is refused (O_NOFOLLOW → ELOOP).
 */
export function appendToFile(file: string, line: string, what: string): void {
  const data = Buffer.from(line, 'utf8');
  let fd: number | null = null;
  try {
    mkdirSync(dirname(file), { recursive: true });
    fd = openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o644);
    const written = writeSync(fd, data, 0, data.length);
    if (written !== data.length) throw Object.assign(new Error(`short write: ${written} of ${data.length} bytes`), { code: 'ENOSPC' });
  } catch (err) {
    throw fileError(err, file, what);
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/**
 * Read a regular file of at most `maxBytes` as UTF-8. A FIFO, a device (/dev/zero, /dev/urandom), a directory or
 * a larger file is refused before any of it is read, so no input can hang a run or fill its memory. Opened with
 * O_NONBLOCK so even opening a FIFO with no writer returns at once; fstat on the descriptor decides.
 */
export function readRegularFile(file: string, maxBytes: number): string {
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw Object.assign(new Error('not a regular file'), { code: stat.isDirectory() ? 'EISDIR' : 'ENOTREGULAR' });
    if (stat.size > maxBytes) throw Object.assign(new Error('too large'), { code: 'EFBIG', limit: maxBytes });
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
