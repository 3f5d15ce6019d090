// Files of the per-user cache (util/cache-dir.ts) that decide what a run does: the compiled code run-bundle.ts runs
// and the checked configs config/cache.ts reuses. Such a file is read only when this user alone could have written
// it, is written atomically (util/atomic-write.ts), and carries the build it belongs to in its name or key: the
// SHA-256 scripts/bundle.mjs writes into the bundle's first line.

import { closeSync, constants, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from './atomic-write.js';

/** The first line scripts/bundle.mjs gives the bundle: this text, then the SHA-256 of the bundle (hex). */
export const BUNDLE_HASH_PREFIX = '// outage-probe bundle sha256:';

/** The hash in the bundle's first line, or null. */
export function bundleHash(source: string): string | null {
  if (!source.startsWith(BUNDLE_HASH_PREFIX)) return null;
  const hash = source.slice(BUNDLE_HASH_PREFIX.length, BUNDLE_HASH_PREFIX.length + 64);
  return /^[0-9a-f]{64}$/.test(hash) ? hash : null;
}

let runningBuild: string | null | undefined;

/**
 * The hash of the bundle this code runs from (`import.meta.url` is the bundle there), or null when it runs from
 * tsc's dist/ or from src/ under the test runner: those have no hash for a cache to follow their changes by.
 */
export function runningBuildHash(): string | null {
  if (runningBuild !== undefined) return runningBuild;
  runningBuild = null;
  try {
    const fd = openSync(fileURLToPath(import.meta.url), 'r');
    try {
      const head = Buffer.alloc(BUNDLE_HASH_PREFIX.length + 64);
      const read = readSync(fd, head, 0, head.length, 0);
      runningBuild = bundleHash(head.subarray(0, read).toString('latin1'));
    } finally {
      closeSync(fd);
    }
  } catch {
    // no file to read (an unusual loader): no build known, no cache
  }
  return runningBuild;
}

/**
 * The file's bytes; null when there is none; why not, when it is not this user's alone. What such a file holds
 * decides what a run does (V8 runs a code cache as this program's code; a config says which resolvers to ask and
 * which CA to trust), so one another user could have written (a shared cache directory, say) is not used.
 */
export function readOwnCacheFile(file: string): Buffer | string | null {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? null : `cannot open it (${code})`;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) return 'not a regular file';
    if (typeof process.getuid === 'function' && stat.uid !== process.getuid()) return 'owned by another user';
    if ((stat.mode & 0o022) !== 0) return 'writable by other users';
    return readFileSync(fd);
  } catch (err) {
    return `cannot read it (${(err as NodeJS.ErrnoException).code})`;
  } finally {
    closeSync(fd);
  }
}

/**
 * Write the file as every replaced file is written (util/atomic-write.ts: a new temporary file, never one planted
 * there nor through a link, then rename), mode 600, in a directory made for this user alone; a problem, or null.
 */
export function writeOwnCacheFile(file: string, data: Uint8Array): string | null {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileAtomic(file, data, { mode: 0o600 });
    return null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  }
}

/**
 * Remove all but the `count` newest (by when written) of the files in `dir` whose names `kin` accepts, and of those
 * all that would take the ones kept past `maxBytes` (the newest is always kept).
 */
export function keepNewest(dir: string, kin: (name: string) => boolean, count: number, maxBytes = Infinity): void {
  try {
    const files = readdirSync(dir)
      .filter(kin)
      .map((other) => {
        const path = join(dir, other);
        const stat = statSync(path);
        return { path, at: stat.mtimeMs, bytes: stat.size };
      })
      .sort((a, b) => b.at - a.at);
    let kept = 0;
    let bytes = 0;
    for (const file of files) {
      bytes += file.bytes;
      if (kept > 0 && (kept >= count || bytes > maxBytes)) rmSync(file.path, { force: true });
      else kept += 1;
    }
  } catch {
    // an old file left behind costs disk only
  }
}
