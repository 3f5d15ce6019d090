// `outage-probe drill`: replay a real outage on a simulated internet on loopback. The lab (lab/world.ts) writes
// a probes.yaml for itself; the drill loads it like a user's and runs the real `check` pipeline against it,
// prints the report, exits with check's code, and tears the lab down (also on Ctrl-C).

import { mkdirSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import type { Config, Incident, Report } from '../model.js';
import { closestMatch } from '../config/suggest.js';
import { EXIT, signalExitCode } from '../exit-codes.js';
import { fileError } from '../util/safe-file.js';
import { loadScenario, scenarioNames, loadScenarios, ScenarioError, type ExpectedIncident, type Flapping, type Scenario, type ScenarioExpect } from '../lab/scenario.js';
import { LabStartError, startWorld, type World } from '../lab/world.js';
import { checkNotifyUrls, inputErrorExit, loadCheckConfig, probeAndReport, writeReport, type CheckIo, type CheckOptions } from './check.js';
import { prepareFormat } from '../report/formats/index.js';
import { notify } from './cron.js';
import { eventPayload } from '../notify/events.js';
import { compareRuns } from '../state/transitions.js';
import type { RunState } from '../state/store.js';
import { createBudget } from '../util/budget.js';
import { safeLine } from '../util/text.js';

export interface LabOptions {
  /** The one port every lab server listens on; any free port when absent. */
  port?: number;
  /** Where the lab writes probes.yaml and ca.pem (kept afterwards); a temporary directory when absent. */
  dir?: string;
}

export type DrillOptions = CheckOptions & LabOptions;

/** The issue's contract for a lab that cannot start (port or address in use): exit 1, nothing left running. */
const LAB_START_FAILED = 1;

function say(io: CheckIo, line: string): void {
  io.stderr.write(`outage-probe drill: ${line}\n`);
}

// ───────────────────────────── --list ─────────────────────────────

export function drillList(io: CheckIo): number {
  let scenarios: Scenario[];
  try {
    scenarios = loadScenarios();
  } catch (err) {
    return scenarioFileError(err, io);
  }
  const width = Math.max(...scenarios.map((s) => s.name.length)) + 2;
  const lines = scenarios.flatMap((s) => [`  ${s.name.padEnd(width)}${s.description}`, `  ${''.padEnd(width)}replays: ${s.source}`]);
  io.stdout.write(`Scenarios (run one with: outage-probe drill NAME):\n\n${lines.join('\n')}\n`);
  return EXIT.ok;
}

// ───────────────────────────── finding the scenario ─────────────────────────────

function scenarioFileError(err: unknown, io: CheckIo): number {
  if (!(err instanceof ScenarioError)) throw err;
  say(io, `broken scenario file ${err.file}:`);
  for (const p of err.problems) io.stderr.write(`  ${p}\n`);
  return EXIT.config;
}

/** The scenario, or the exit code after saying why there is none (unknown names list the known ones). */
function findScenario(name: string | undefined, io: CheckIo): Scenario | number {
  const known = scenarioNames();
  if (!name) {
    say(io, `give a scenario name, or --list to see them: ${known.join(', ')}`);
    return EXIT.usage;
  }
  let scenario: Scenario | null;
  try {
    scenario = loadScenario(name);
  } catch (err) {
    return scenarioFileError(err, io);
  }
  if (scenario) return scenario;
  const hint = closestMatch(name, known);
  say(io, `unknown scenario ${JSON.stringify(name)}${hint ? ` (did you mean ${hint}?)` : ''}; known scenarios: ${known.join(', ')}`);
  return EXIT.usage;
}

async function openWorld(scenario: Scenario, options: LabOptions, io: CheckIo): Promise<World | number> {
  try {
    if (options.dir) mkdirSync(options.dir, { recursive: true });
    const world = await startWorld(scenario, {
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.dir ? { dir: resolvePath(options.dir) } : {}),
    });
    for (const notice of world.notices) say(io, notice);
    return world;
  } catch (err) {
    // --dir that cannot hold the lab's files (under a regular file, read-only, full): the flag's problem, one line.
    if (options.dir && typeof (err as NodeJS.ErrnoException).code === 'string' && !(err instanceof LabStartError)) {
      say(io, `--dir: ${fileError(err, options.dir, 'lab directory').message}`);
      return EXIT.usage;
    }
    if (!(err instanceof LabStartError)) throw err;
    say(io, err.message);
    return LAB_START_FAILED;
  }
}

// ───────────────────────────── a drill run ─────────────────────────────

/** What differs between a scenario's `expect` block and a report; empty when the drill came out as expected. */
export function expectationMismatches(expect: ScenarioExpect, report: Report): string[] {
  const out: string[] = [];
  if (report.verdict !== expect.verdict) out.push(`verdict ${report.verdict}, expected ${expect.verdict}`);
  if (report.exitCode !== expect.exitCode) out.push(`exit code ${report.exitCode}, expected ${expect.exitCode}`);
  const got = incidentKeys(report.incidents);
  const want = incidentKeys(expect.incidents);
  if (got.join() !== want.join()) out.push(`incidents [${got.join(', ')}], expected [${want.join(', ')}]`);
  for (const expected of expect.incidents) {
    const incident = report.incidents.find((i) => i.provider === expected.provider && i.layer === expected.layer);
    if (incident) out.push(...incidentMismatches(expected, incident));
  }
  for (const status of ['down', 'untested'] as const) {
    const got = report.sites.filter((s) => s.status === status).map((s) => s.name).sort();
    const want = expect[status];
    if (want && got.join() !== [...want].sort().join()) out.push(`${status} [${got.join(', ')}], expected [${[...want].sort().join(', ')}]`);
  }
  const notOk = (expect.ok ?? []).filter((name) => report.sites.find((s) => s.name === name)?.status !== 'ok');
  if (notOk.length > 0) out.push(`not ok: ${notOk.join(', ')}`);
  for (const [name, want] of Object.entries(expect.blame)) {
    const blame = report.sites.find((s) => s.name === name)?.blame ?? null;
    const show = (b: { layer: string; provider: string | null } | null) => (b ? `${b.layer}${b.provider ? `/${b.provider}` : ''}` : 'nothing');
    if (!blame || blame.layer !== want.layer || blame.provider !== want.provider) out.push(`${name} blamed on ${show(blame)}, expected ${show(want)}`);
  }
  return out;
}

/** Where one incident differs from the details its expectation gives (scope, locations, acknowledgement). */
export function incidentMismatches(expected: ExpectedIncident, incident: Incident): string[] {
  const out: string[] = [];
  const key = `${incident.provider ?? '(none)'}/${incident.layer}`;
  const sameSet = (a: string[], b: string[]) => [...a].sort().join() === [...b].sort().join();
  if (expected.scope !== undefined && incident.scope !== expected.scope) out.push(`${key} scope ${incident.scope}, expected ${expected.scope}`);
  if (expected.locations && !sameSet(incident.locations, expected.locations)) {
    out.push(`${key} locations [${incident.locations.join(', ')}], expected [${expected.locations.join(', ')}]`);
  }
  if (expected.healthyLocations && !sameSet(incident.healthyLocations, expected.healthyLocations)) {
    out.push(`${key} healthy locations [${incident.healthyLocations.join(', ')}], expected [${expected.healthyLocations.join(', ')}]`);
  }
  if (expected.acknowledged !== undefined) {
    const ack = incident.acknowledged;
    const said = ack === null ? 'not asked' : ack === false ? 'not acknowledged' : 'by' in ack ? `acknowledged (${ack.title ?? ack.indicator})` : `unknown (${ack.unknown})`;
    const want = expected.acknowledged ? 'acknowledged' : 'not acknowledged';
    if (!said.startsWith(want)) out.push(`${key} status page: ${said}, expected ${want}`);
  }
  return out;
}

/** "Cloudflare/edge", sorted and without repeats: incidents compared as a set of (provider, layer). */
export function incidentKeys(incidents: ReadonlyArray<{ provider: string | null; layer: string }>): string[] {
  return [...new Set(incidents.map((i) => `${i.provider ?? '(none)'}/${i.layer}`))].sort();
}

export async function runDrill(name: string | undefined, options: DrillOptions, io: CheckIo): Promise<number> {
  await prepareFormat(options.format);
  const scenario = findScenario(name, io);
  if (typeof scenario === 'number') return scenario;
  say(io, `${scenario.name}: ${scenario.description}`);
  const world = await openWorld(scenario, options, io);
  if (typeof world === 'number') return world;
  try {
    if (io.signal?.aborted) return signalExitCode(io.signal?.reason);
    let config: Config;
    try {
      config = loadCheckConfig([], { ...options, resolver: options.resolver ?? [], config: world.configPath });
    } catch (err) {
      // The lab wrote the config: a problem in it is a config error (78), one in the flags a usage error (64).
      return inputErrorExit(err, io);
    }
    // A scenario that serves status pages is drilled reading them, as `check --status-pages` would.
    const statusPages = options.statusPages === true || Object.keys(scenario.statusPages).length > 0;
    const report = await probeAndReport(config, { ...options, statusPages }, io);
    await writeReport(report, options, io);
    if (!io.signal?.aborted) {
      const mismatches = expectationMismatches(scenario.expect, report);
      say(
        io,
        mismatches.length === 0
          ? `as expected: ${report.verdict} (exit ${report.exitCode})`
          : `NOT as the scenario expects: ${mismatches.join('; ')}`,
      );
    }
    return report.exitCode;
  } finally {
    await world.close();
  }
}

// ───────────────────────────── --serve ─────────────────────────────

/** Keep the lab up for a person's own scripts until the signal fires (SIGINT / SIGTERM). */
export async function serveDrill(name: string | undefined, io: CheckIo, signal: AbortSignal, options: LabOptions = {}): Promise<number> {
  const scenario = findScenario(name, io);
  if (typeof scenario === 'number') return scenario;
  const world = await openWorld(scenario, options, io);
  if (typeof world === 'number') return world;
  try {
    io.stdout.write(
      [
        `outage-probe drill: serving the "${scenario.name}" lab until Ctrl-C or SIGTERM`,
        `  scenario: ${scenario.description}`,
        `  replays:  ${scenario.source}`,
        `  config:   ${world.configPath}`,
        `  ca:       ${world.caPath}`,
        `  port:     ${world.port}`,
        `  try:      outage-probe check --config ${world.configPath}${Object.keys(scenario.statusPages).length > 0 ? ' --status-pages' : ''}`,
        '',
      ].join('\n'),
    );
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    return signalExitCode(signal);
  } finally {
    await world.close();
  }
}

// ───────────────────────────── --timeline ─────────────────────────────

/** The cron loop a timeline rehearses: the world healed, then broken for two runs, then healed again. */
export const TIMELINE: ReadonlyArray<'healed' | 'broken'> = ['healed', 'broken', 'broken', 'healed', 'healed'];

const FLAP_SAMPLES = 3;

/** The scenario's flapping, when any of its faults flaps (the longest period). */
function flappingOf(scenario: Scenario): Flapping | null {
  const faults = [...Object.values(scenario.faults.edges), ...Object.values(scenario.faults.sites)];
  return faults.map((f) => f.flapping).filter((f): f is Flapping => f !== null).sort((a, b) => b.periodMs - a.periodMs)[0] ?? null;
}

/** Samples at 0, 3/8 and 3/4 of the period: the first in the failing phase, the last in the recovered one (fail ≤ 3/4). */
function flapSampleInterval(flap: Flapping): number {
  return Math.round((flap.periodMs * 3) / 8);
}

const NO_FAULTS: Scenario['faults'] = { network: 'up', resolvers: {}, dnsHosts: {}, edges: {}, sites: {}, origins: {}, pops: {}, records: {}, zones: {} };

/**
 * `drill NAME --timeline`: the scenario's world healed → broken → broken → healed → healed, one check run each,
 * compared run to run as `check --state` compares them (in memory: no state file is written), with the config's
 * alert settings and the flags' overrides. Each run prints its verdict, its transitions and the notifications
 * they would send; with --notify they are sent. So alerting can be seen before the real outage.
 */
export async function runTimeline(name: string | undefined, options: DrillOptions, io: CheckIo): Promise<number> {
  const scenario = findScenario(name, io);
  if (typeof scenario === 'number') return scenario;
  let notifyUrls: string[];
  try {
    notifyUrls = checkNotifyUrls(options.notify ?? []);
  } catch (err) {
    return inputErrorExit(err, io);
  }
  say(io, `${scenario.name}: ${scenario.description}`);
  say(io, `timeline: ${TIMELINE.join(' → ')}, each run compared with the one before as check --state compares them`);
  // A fault that flaps faster than the runs is sampled as --samples would, unless --samples / --interval say otherwise.
  const flap = options.samples === undefined && options.interval === undefined ? flappingOf(scenario) : null;
  if (flap !== null) {
    say(io, `its fault flaps (failing ${Math.round(flap.failFraction * 100)} % of every ${flap.periodMs / 1000} s): each broken run takes ${FLAP_SAMPLES} samples ${flapSampleInterval(flap) / 1000} s apart, as --samples would`);
  }
  let state: RunState | null = null;
  let notifications = 0;
  let run = 0;
  // One world per stretch of equal phases, so a broken stretch is one outage (a flapping fault keeps its clock).
  const stretches = TIMELINE.reduce<Array<{ phase: 'healed' | 'broken'; runs: number }>>((out, phase) => {
    if (out.at(-1)?.phase === phase) out.at(-1)!.runs += 1;
    else out.push({ phase, runs: 1 });
    return out;
  }, []);
  for (const stretch of stretches) {
    const world = await openWorld(stretch.phase === 'broken' ? scenario : { ...scenario, faults: NO_FAULTS }, options, io);
    if (typeof world === 'number') return world;
    try {
      let config: Config;
      try {
        config = loadCheckConfig([], { ...options, resolver: options.resolver ?? [], config: world.configPath });
      } catch (err) {
        return inputErrorExit(err, io);
      }
      // Each broken run samples a flapping fault, so the run itself sees the failure come and go.
      if (stretch.phase === 'broken' && flap !== null) {
        config = { ...config, attribution: { ...config.attribution, samples: FLAP_SAMPLES, intervalMs: flapSampleInterval(flap) } };
      }
      for (let i = 0; i < stretch.runs; i++) {
        if (io.signal?.aborted) return signalExitCode(io.signal.reason);
        run += 1;
        const probed = await probeAndReport(config, { ...options, format: 'json' }, io);
        const compared = compareRuns(state, probed, new Date().toISOString(), { file: '(timeline: in memory)', warnings: [] }, config.alerts);
        state = compared.next;
        const budget = createBudget({ startAt: performance.now(), deadlineMs: config.run.deadlineMs, notify: true });
        const report = await notify(compared.report, compared.events, notifyUrls, budget, config.tls.ca, io);
        io.stdout.write(`run ${run} (${stretch.phase}): ${safeLine(report.summary, 150)}\n`);
        const marks = report.incidents.map((inc) => `  incident ${inc.change ?? ''}${inc.alert ? ` (${inc.alert.state}${inc.alert.state === 'flapping' ? `, ${inc.alert.changes} changes` : ''})` : ''}: ${inc.id}`);
        if (marks.length > 0) io.stdout.write(`${marks.join('\n')}\n`);
        if (compared.events.length === 0) io.stdout.write('  no notification\n');
        else {
          notifications += 1;
          const sent = notifyUrls.length === 0 ? 'would send' : report.notifications.every((n) => n.ok) ? 'sent' : 'could not send (see above)';
          io.stdout.write(`  notification ${sent}: ${compared.events.length} ${compared.events.length === 1 ? 'event' : 'events'}\n`);
          for (const line of eventPayload(compared.events, report).text.split('\n')) io.stdout.write(`    ${line}\n`);
        }
      }
    } finally {
      await world.close();
    }
  }
  say(io, `${notifications} ${notifications === 1 ? 'notification' : 'notifications'} over ${run} runs`);
  return EXIT.ok;
}
