// The state file (--state): what the last run saw, so this run can say what is new, ongoing or resolved.
// Reading never loses a run: a missing file is a first run, a damaged or foreign one is moved aside with
// a warning. Only a file written by a newer outage-probe is refused, and it is never overwritten.

import type { RememberedLocations } from './locations.js';
import { readFileSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { Change, Delegation, Incident, ServedBaseline, SiteProvider, SiteStatus, Verdict } from '../model.js';
import { replaceFile } from '../util/safe-file.js';
import { safeLine } from '../util/text.js';

export const STATE_SCHEMA = 'outage-probe.state/v1';
const STATE_VERSION = 1;
const SCHEMA_PATTERN = /^outage-probe\.state\/v(\d+)$/;

/**
 * Consecutive runs on each side of a failure and whether it was announced: with alert thresholds above 1 a
 * failure is notified only after `failing` reaches one, its resolution after `passing` reaches the other.
 * Absent in state saved before thresholds existed (read as announced when failing).
 */
export interface AlertStreak {
  failing: number;
  passing: number;
  alerted: boolean;
  /** When the current failing streak began (the "since" of a later resolved event). */
  failingSince: string | null;
  /** Runs since it was last announced resolved (a failure back within flapWindow runs is flapping); absent: never. */
  sinceResolved?: number;
  /** Flapping: one open alert until it is stable for flapWindow runs. */
  flapping?: boolean;
  /** Changes between failing and not since it started flapping. */
  changes?: number;
  /** When it was last announced (opened, flapping or reminded), for reminderInterval. */
  announcedAt?: string | null;
}

export interface StoredIncident {
  incident: Incident;
  /** When the incident was first seen (ISO 8601). */
  since: string;
  streak?: AlertStreak;
}

export interface StoredSite {
  status: SiteStatus;
  /** Since when the site has been ok, or not ok (down and degraded count as one: a swing between them keeps it). */
  since: string;
  change: Change | null;
  /** What the site served on its last healthy-looking run: its content, or a challenge to this probe. */
  served?: ServedBaseline;
  /** What its last resolving run learned of its delegation: places a later DNS failure from memory. */
  delegation?: Delegation;
  streak?: AlertStreak;
}

export interface RunState {
  schema: typeof STATE_SCHEMA;
  savedAt: string;
  lastRun: { startedAt: string; verdict: Verdict };
  /** By incident id ("provider:Cloudflare:edge"). */
  incidents: Record<string, StoredIncident>;
  /** The verdict of every site of the last run, by site name. */
  sites: Record<string, StoredSite>;
  /** Each site's last known provider stack, kept while its edge does not answer (attribution reads it). */
  stacks: Record<string, SiteProvider[]>;
  /** The last known location (PoP, region) of each edge address, for addresses that stop answering. */
  locations?: RememberedLocations;
}

export type ReadStateResult = { state: RunState | null; warnings: string[] } | { refused: string };

/** `$XDG_STATE_HOME/outage-probe/state.json`, else `~/.local/state/outage-probe/state.json` (a relative XDG path is ignored, as the spec says). */
export function defaultStateFile(env: NodeJS.ProcessEnv, home: string = env.HOME || homedir()): string {
  const xdg = env.XDG_STATE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(home, '.local', 'state');
  return join(base, 'outage-probe', 'state.json');
}

/** "2026-11-22T10:15:00.123Z" → "20261122T101500Z": a suffix safe in any file name. */
export function fileTimestamp(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:]/g, '');
}

/**
 * Read the state file. Missing: `{ state: null }`. Not JSON, not ours, or damaged: moved aside to
 * `<file>.corrupt-<timestamp>` and `{ state: null, warnings: [why] }`. From a newer schema, or unreadable:
 * `{ refused: why }` — the caller stops rather than overwrite it.
 */
export function readState(file: string, now: Date = new Date()): ReadStateResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { state: null, warnings: [] };
    return { refused: `cannot read state file ${file}: ${code ?? safeLine(String(err))}` };
  }
  const judged = judgeState(text);
  if ('state' in judged) return { state: judged.state, warnings: [] };
  if ('newer' in judged) {
    return {
      refused:
        `state file ${file} was written by a newer outage-probe (state schema v${judged.newer}; this version reads v${STATE_VERSION}); ` +
        'upgrade outage-probe or use another --state file. The file was left as it is.',
    };
  }
  const aside = `${file}.corrupt-${fileTimestamp(now)}`;
  try {
    renameSync(file, aside);
  } catch (err) {
    return { refused: `state file ${file} is ${judged.problem}, and moving it aside failed: ${(err as NodeJS.ErrnoException).code ?? safeLine(String(err))}` };
  }
  return { state: null, warnings: [`state file was ${judged.problem}; moved aside to ${aside} and starting afresh`] };
}

/** Write the state atomically (temp file, fsync, rename), creating its directory. */
export function writeStateAtomic(file: string, state: RunState): void {
  replaceFile(file, `${JSON.stringify(state, null, 1)}\n`, 'state file');
}

// ───────────────────────────── checking a state file's content (pure) ─────────────────────────────

type Judged = { state: RunState } | { newer: number } | { problem: string };

export function judgeState(text: string): Judged {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: text.trim() === '' ? 'empty' : 'not valid JSON' };
  }
  if (!isRecord(value)) return { problem: 'not an outage-probe state file (not a JSON object)' };
  const schema = typeof value.schema === 'string' ? SCHEMA_PATTERN.exec(value.schema) : null;
  if (!schema) return { problem: 'not an outage-probe state file (no "schema": "outage-probe.state/v1")' };
  const version = Number(schema[1]);
  if (version > STATE_VERSION) return { newer: version };
  if (version < STATE_VERSION) return { problem: `from an unsupported older schema (v${version})` };
  const problem = stateProblem(value);
  return problem ? { problem: `damaged (${safeLine(problem, 80)})` } : { state: value as unknown as RunState };
}

const VERDICTS: readonly string[] = ['ok', 'site-failures', 'provider-incident', 'local-network'];
const STATUSES: readonly string[] = ['ok', 'degraded', 'down', 'untested'];
const CHANGES: readonly unknown[] = ['new', 'ongoing', 'resolved', null];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isStreak(value: unknown): boolean {
  const count = (n: unknown) => Number.isInteger(n) && (n as number) >= 0;
  return isRecord(value) && count(value.failing) && count(value.passing) && typeof value.alerted === 'boolean' && (value.failingSince === null || typeof value.failingSince === 'string');
}

/** The first thing wrong with a v1 state object, or null. Checks what compareRuns relies on. */
function stateProblem(value: Record<string, unknown>): string | null {
  if (typeof value.savedAt !== 'string') return 'savedAt';
  const lastRun = value.lastRun;
  if (!isRecord(lastRun) || typeof lastRun.startedAt !== 'string' || !VERDICTS.includes(lastRun.verdict as string)) return 'lastRun';
  if (!isRecord(value.incidents)) return 'incidents';
  for (const [id, entry] of Object.entries(value.incidents)) {
    if (!isRecord(entry) || typeof entry.since !== 'string' || !isRecord(entry.incident)) return `incidents.${id}`;
    const incident = entry.incident;
    if (incident.id !== id || typeof incident.layer !== 'string' || !Array.isArray(incident.sites)) return `incidents.${id}.incident`;
    if (entry.streak !== undefined && !isStreak(entry.streak)) return `incidents.${id}.streak`;
  }
  if (!isRecord(value.sites)) return 'sites';
  for (const [name, entry] of Object.entries(value.sites)) {
    if (!isRecord(entry) || !STATUSES.includes(entry.status as string) || typeof entry.since !== 'string' || !CHANGES.includes(entry.change)) {
      return `sites.${name}`;
    }
    if (entry.served !== undefined && entry.served !== 'content' && entry.served !== 'challenge') return `sites.${name}.served`;
    const d = entry.delegation;
    const names = (x: unknown) => Array.isArray(x) && x.every((n) => typeof n === 'string');
    if (d !== undefined && !(isRecord(d) && names(d.chain) && names(d.nameServers))) return `sites.${name}.delegation`;
    if (entry.streak !== undefined && !isStreak(entry.streak)) return `sites.${name}.streak`;
  }
  if (!isRecord(value.stacks)) return 'stacks';
  for (const [name, stack] of Object.entries(value.stacks)) {
    const ok =
      Array.isArray(stack) &&
      stack.every((p) => isRecord(p) && typeof p.layer === 'string' && typeof p.provider === 'string' && Array.isArray(p.evidence));
    if (!ok) return `stacks.${name}`;
  }
  return null;
}
