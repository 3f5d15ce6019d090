// The per-user cache directory: the IP ranges `providers update` writes (fingerprint/ranges/load.ts) and the CLI's
// compiled code (run-bundle.ts) live there.

import { homedir } from 'node:os';
import { join } from 'node:path';

/** `$XDG_CACHE_HOME/outage-probe`, default `~/.cache/outage-probe` (a relative XDG_CACHE_HOME is ignored, as the spec says). */
export function cacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(env.HOME || homedir(), '.cache');
  return join(base, 'outage-probe');
}
