// Remembered edge locations (--state): the last location seen first-hand at each edge address, so an address
// that stops answering (no headers, so no PoP of its own) can still be placed. The state file is untrusted input:
// every entry read back is checked before it is used. Pure; the store (store.ts) reads and writes the file.

import type { Attempt, AttemptLocation } from '../model.js';
import { LOCATION_EVIDENCE_CHARS, safeLine, validLocationCode } from '../util/text.js';

export interface RememberedLocation {
  location: AttemptLocation;
  /** When the location was last seen first-hand (the attempt's startedAt, ISO 8601). */
  seenAt: string;
}

/** By edge address. */
export type RememberedLocations = Record<string, RememberedLocation>;

export interface RememberOptions {
  now?: Date;
  /** Forget what was last seen longer ago than this (default 30 days). */
  maxAgeMs?: number;
  /** Keep at most this many addresses, newest first (default 2000). */
  maxEntries?: number;
}

const DAY_MS = 86_400_000;
export const REMEMBERED_PREFIX = 'remembered from ';

/** A location filled in from an earlier run rather than seen in this one. */
export function isRememberedLocation(location: AttemptLocation | null): boolean {
  return location !== null && location.evidence.startsWith(REMEMBERED_PREFIX);
}

/** A remembered entry read back from the state file is untrusted input: check its shape and its code. */
export function usableRememberedLocation(value: unknown): value is RememberedLocation {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as { location?: unknown; seenAt?: unknown };
  const loc = entry.location as Partial<AttemptLocation> | undefined;
  return (
    typeof entry.seenAt === 'string' &&
    Number.isFinite(Date.parse(entry.seenAt)) &&
    typeof loc === 'object' &&
    loc !== null &&
    typeof loc.provider === 'string' &&
    typeof loc.code === 'string' &&
    validLocationCode(loc.code) &&
    (loc.kind === 'pop' || loc.kind === 'region') &&
    typeof loc.evidence === 'string'
  );
}

/**
 * The memory for the next run: what this run saw first-hand on the edge path (by address) over what was
 * remembered before. Remembered locations are never re-remembered, so an entry's seenAt is always a
 * first-hand sighting; entries older than maxAgeMs are dropped and the newest maxEntries kept.
 */
export function rememberLocations(prev: RememberedLocations, attempts: Attempt[], options: RememberOptions = {}): RememberedLocations {
  const now = (options.now ?? new Date()).getTime();
  const maxAge = options.maxAgeMs ?? 30 * DAY_MS;
  const next = new Map<string, RememberedLocation>();
  for (const [address, entry] of Object.entries(prev ?? {})) {
    if (usableRememberedLocation(entry) && now - Date.parse(entry.seenAt) <= maxAge) {
      next.set(address, { location: { ...entry.location, provider: safeLine(entry.location.provider, 60), evidence: safeLine(entry.location.evidence, LOCATION_EVIDENCE_CHARS) }, seenAt: entry.seenAt });
    }
  }
  for (const a of attempts) {
    if (a.path !== 'edge' || !a.address || !a.location || isRememberedLocation(a.location) || !validLocationCode(a.location.code)) continue;
    const seen = next.get(a.address);
    if (seen && Date.parse(seen.seenAt) > Date.parse(a.startedAt)) continue;
    next.set(a.address, { location: a.location, seenAt: a.startedAt });
  }
  const newest = [...next].sort((x, y) => Date.parse(y[1].seenAt) - Date.parse(x[1].seenAt)).slice(0, options.maxEntries ?? 2000);
  return Object.fromEntries(newest);
}

/** "45s", "12m", "3h05m", "2d4h". */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d${h % 24}h`;
}
