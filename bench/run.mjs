// `npm run bench`: outage-probe against baselines measured in the same run, on loopback only.
//
//   node bench/run.mjs            the full benchmark (about 10 minutes on 2 cores, 3 of them group 8's one run)
//   node bench/run.mjs --quick    a smaller world, same figures (about a minute)
//   node bench/run.mjs --only speed,memory   some figure groups only (speed, load, memory, hung, deadline, startup, offline, scale)
//   node bench/run.mjs --bin PATH   measure another build of outage-probe (results.md then says so)
//   node bench/run.mjs --serve SITES DELAY_MS [BODY_BYTES]   start a healthy world, write its configs, wait
//                                  (for profiling by hand: node --cpu-prof bin/outage-probe check --config …)
//
// Every figure is the median of at least 3 repetitions (with min and max); figures are ratios against baselines
// run interleaved with outage-probe in the same run, because the machines this runs on are shared and noisy.
// The world (DNS resolvers, HTTPS edges) runs in a child process of its own (world.mjs); each measured process
// runs under /usr/bin/time, which reports its own CPU (user + system) and peak RSS.
// Writes bench/results.md (with bench/findings.md appended, the hand-written analysis of missed targets).

import { fork, spawn, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, createReadStream, createWriteStream, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCa } from '../dist/lab/ca.js';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const SERVE = process.argv.includes('--serve');
// A served world keeps its own directory (and CA), so bench runs meanwhile do not replace its ca.pem.
const TMP = join(BENCH, 'tmp', ...(SERVE ? ['serve'] : []));
const args = process.argv.slice(2);
// --bin PATH measures another build (e.g. a scratch copy with a candidate fix) against the same baselines.
const BIN = args.includes('--bin') ? args[args.indexOf('--bin') + 1] : join(ROOT, 'bin', 'outage-probe');
const TIME = '/usr/bin/time';
const CURL = '/usr/bin/curl';

const QUICK = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only'));
const ONLY = onlyArg ? new Set((onlyArg.includes('=') ? onlyArg.split('=')[1] : args[args.indexOf(onlyArg) + 1]).split(',')) : null;
const wanted = (group) => ONLY === null || ONLY.has(group);

const SIZE = QUICK
  ? { speedSites: 200, loadSites: 200, memorySites: 500, hostileSites: 100, reps: 3, speedReps: 3, startupReps: 5 }
  : { speedSites: 1000, loadSites: 1000, memorySites: 10_000, hostileSites: 100, reps: 3, speedReps: 7, startupReps: 7 };
const SPEED_CONCURRENCY = 64;
const LOAD_CONCURRENCY = [256, 1024];
const SPEED_DELAYS_MS = [50, 200];
const MEMORY_BODY_BYTES = 100 * 1024;
const MEMORY_DELAY_MS = 50;
const SAMPLE_BYTES = 64 * 1024; // outage-probe's default body sample; the floor reads as much
const HUNG_TIMEOUT_S = 2;
const DEADLINE_S = 3;

// Loopback only: two resolvers, 16 edge addresses (half of them offer h2 by ALPN, half HTTP/1.1 only),
// 4 addresses whose servers accept TCP and never finish the TLS handshake.
const RESOLVERS = ['127.0.9.1', '127.0.9.2'];
const EDGES = Array.from({ length: 16 }, (_, i) => `127.0.10.${i + 1}`);
const HTTP2_EDGES = EDGES.filter((_, i) => i % 2 === 0);
const HUNG_TLS_EDGES = Array.from({ length: 4 }, (_, i) => `127.0.11.${i + 1}`);

// ───────────────────────────── small helpers ─────────────────────────────

const log = (line) => process.stdout.write(`${line}\n`);
const tmp = (name) => join(TMP, name);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function stats(values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], n: sorted.length };
}

function fmt(value, unit) {
  if (!Number.isFinite(value)) return '-';
  if (unit === 's') return `${value.toFixed(value < 10 ? 3 : 2)} s`;
  if (unit === 'MB') return `${value.toFixed(1)} MB`;
  if (unit === '×') return `${value.toFixed(2)} ×`;
  return String(value);
}

function shell(command) {
  const r = spawnSync('sh', ['-c', command], { encoding: 'utf8' });
  return (r.stdout ?? '').trim();
}

// ───────────────────────────── measuring a process ─────────────────────────────

/**
 * Run `command args` under /usr/bin/time: wall (measured here), CPU (user + system) and peak RSS of that process.
 * stdout goes to `stdoutFile` (or nowhere); stderr is kept (its first 4 KiB). `piped`: stdout reaches the file
 * through a pipe this process reads, as when a run's output feeds another program (`| jq`, a log shipper), instead
 * of the file itself: a writer that ignores a pipe's back-pressure holds what the reader has not taken yet.
 */
function measure(command, commandArgs, { stdoutFile = null, stdinFile = null, env = process.env, piped = false } = {}) {
  const timeFile = tmp('time.out');
  rmSync(timeFile, { force: true });
  const out = stdoutFile && !piped ? openSync(stdoutFile, 'w') : stdoutFile ? 'pipe' : 'ignore';
  const input = stdinFile ? openSync(stdinFile, 'r') : 'ignore';
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(TIME, ['-f', '%e %U %S %M', '-o', timeFile, command, ...commandArgs], {
      stdio: [input, out, 'pipe'],
      env,
    });
    const copied = out === 'pipe' ? new Promise((done, failed) => child.stdout.pipe(createWriteStream(stdoutFile)).on('finish', done).on('error', failed)) : Promise.resolve();
    let stderr = '';
    child.stderr.on('data', (d) => {
      if (stderr.length < 4096) stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', async (code) => {
      const wallS = (performance.now() - started) / 1000;
      await copied;
      if (typeof out === 'number') closeSync(out);
      if (typeof input === 'number') closeSync(input);
      const line = (existsSync(timeFile) ? readFileSync(timeFile, 'utf8') : '').trim().split('\n').at(-1) ?? '';
      const [, user, system, maxKb] = line.split(' ').map(Number);
      resolve({ wallS, cpuS: user + system, rssMB: maxKb / 1024, code, stderr });
    });
  });
}

// ───────────────────────────── the world ─────────────────────────────

/** Sites `<prefix>1.bench.test` … with their edge address and behaviour. */
function makeSites(prefix, count, behaviourOf = () => 'ok') {
  return Array.from({ length: count }, (_, i) => {
    const behaviour = behaviourOf(i);
    const address = behaviour === 'hang-tls' ? HUNG_TLS_EDGES[i % HUNG_TLS_EDGES.length] : EDGES[i % EDGES.length];
    return { name: `${prefix}${i + 1}`, host: `${prefix}${i + 1}.bench.test`, address, behaviour };
  });
}

async function startWorld(pem, sites, { delayMs, bodyBytes = 64 }) {
  const child = fork(join(BENCH, 'world.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const replies = [];
  const waiters = [];
  child.on('message', (m) => (waiters.length ? waiters.shift()(m) : replies.push(m)));
  const next = () => new Promise((resolve) => (replies.length ? resolve(replies.shift()) : waiters.push(resolve)));
  const spec = {
    cert: pem.cert,
    key: pem.key,
    resolvers: RESOLVERS,
    sites: sites.map(({ host, address, behaviour }) => ({ host, address, behaviour })),
    http2Addresses: HTTP2_EDGES,
    delayMs,
    bodyBytes,
  };
  child.send({ type: 'start', spec });
  const ready = await next();
  if (ready.type !== 'ready') throw new Error(`the world did not start: ${ready.error}`);
  return {
    resolvers: ready.resolvers,
    port: ready.edgePort,
    delayMs,
    async usage() {
      child.send({ type: 'usage' });
      return next();
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop' });
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

function writeToolConfig(name, world, sites, { concurrency, timeoutS = 5, deadlineS = 300 }) {
  const lines = [
    'resolvers:',
    ...world.resolvers.map((r, i) => `  - { name: r${i + 1}, address: "${r.address}:${r.port}" }`),
    `defaults: { timeout: ${timeoutS}s, deadline: ${deadlineS}s, concurrency: ${concurrency} }`,
    'tls: { ca: ./ca.pem }',
    // No sites: the run is given them as a --sites list.
    ...(sites.length > 0 ? ['sites:', ...sites.map((s) => `  - { name: ${s.name}, url: "https://${s.host}:${world.port}/" }`)] : []),
  ];
  const path = tmp(`${name}.yaml`);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

function writeFloorSpec(name, world, sites, { concurrency, timeoutS = 5 }) {
  const spec = {
    resolvers: world.resolvers,
    sites: sites.map((s) => ({ host: s.host, port: world.port, path: '/' })),
    caFile: tmp('ca.pem'),
    concurrency,
    sampleBytes: SAMPLE_BYTES,
    timeoutMs: timeoutS * 1000,
  };
  const path = tmp(`${name}.floor.json`);
  writeFileSync(path, JSON.stringify(spec));
  return path;
}

/** One line per fetch for xargs: curl pinned to the site's address, certificate verified against the bench CA. */
function writeCurlInput(name, world, sites) {
  const path = tmp(`${name}.curl.txt`);
  writeFileSync(path, sites.map((s) => `--resolve ${s.host}:${world.port}:${s.address} https://${s.host}:${world.port}/\n`).join(''));
  return path;
}

// ───────────────────────────── the three contenders ─────────────────────────────

async function runTool(config, extra = [], { expectHealthy = true, env = process.env } = {}) {
  const reportFile = tmp('report.json');
  const m = await measure(process.execPath, [BIN, 'check', '--config', config, '--json', ...extra], { stdoutFile: reportFile, env: { ...env, NO_COLOR: '1' } });
  let report = null;
  try {
    report = JSON.parse(readFileSync(reportFile, 'utf8'));
  } catch {
    // judged below: no report is a failure of every check
  }
  const check = judgeHealthy(report, m.code);
  // A failing run's report is kept for a look afterwards (runs that are expected to fail are not judged here).
  if (expectHealthy && !check.ok && existsSync(reportFile)) copyFileSync(reportFile, tmp(`failed-${basename(config, '.yaml')}-${++failedReports}.json`));
  return { ...m, report, check };
}
let failedReports = 0;

/** What "no false failures" means: every site ok, exit 0, verdict ok, no incident, no timeout anywhere. */
function judgeHealthy(report, code) {
  if (!report) return { ok: false, problems: [`no JSON report (exit ${code})`], attempts: 0 };
  const attempts = report.sites.flatMap((s) => s.attempts);
  const problems = [];
  const notOk = report.sites.filter((s) => s.status !== 'ok');
  if (code !== 0) problems.push(`exit ${code}`);
  if (report.verdict !== 'ok') problems.push(`verdict ${report.verdict}`);
  if (notOk.length) problems.push(`${notOk.length} sites not ok (e.g. ${notOk[0].name}: ${notOk[0].reason})`);
  const resolverIncidents = report.incidents.filter((i) => i.kind === 'resolver' || i.resolver);
  if (resolverIncidents.length) problems.push(`${resolverIncidents.length} resolver incidents`);
  else if (report.incidents.length) problems.push(`${report.incidents.length} incidents`);
  const timeouts = attempts.filter((a) => a.outcome === 'timeout').length;
  if (timeouts) problems.push(`${timeouts} attempts timed out`);
  const dnsTimeouts = report.sites.flatMap((s) => s.dns).filter((d) => d.outcome === 'timeout').length;
  if (dnsTimeouts) problems.push(`${dnsTimeouts} DNS queries timed out`);
  if (!report.complete) problems.push('report incomplete');
  return { ok: problems.length === 0, problems, attempts: attempts.length };
}

async function runFloor(spec, { env = process.env } = {}) {
  const out = tmp('floor.out');
  const m = await measure(process.execPath, [join(BENCH, 'floor.mjs'), spec], { stdoutFile: out, env });
  let summary = null;
  try {
    summary = JSON.parse(readFileSync(out, 'utf8'));
  } catch {
    // judged below
  }
  const ok = m.code === 0 && summary?.failed === 0;
  return { ...m, summary, check: { ok, problems: ok ? [] : [`floor: exit ${m.code} ${JSON.stringify(summary)} ${m.stderr.slice(0, 200)}`] } };
}

async function runCurl(input, concurrency, fetches) {
  const out = tmp('curl.out');
  const m = await measure(
    'xargs',
    ['-P', String(concurrency), '-L', '1', CURL, '-sS', '-o', '/dev/null', '-w', '%{http_code}\\n', '--max-time', '10', '--cacert', tmp('ca.pem')],
    { stdoutFile: out, stdinFile: input },
  );
  const codes = readFileSync(out, 'utf8').trim().split('\n');
  const ok = codes.filter((c) => c === '200').length;
  return { ...m, check: { ok: ok === fetches, problems: ok === fetches ? [] : [`curl: ${ok} of ${fetches} answered 200`] } };
}

// ───────────────────────────── results ─────────────────────────────

const rows = [];
const notes = [];

/** One table row: a figure over the repetitions, and its target when it has one. */
function row(group, figure, values, unit, target = null) {
  const s = stats(values);
  let verdict = '';
  if (target) verdict = target.pass(s.median) ? 'PASS' : 'MISS';
  rows.push({ group, figure, s, unit, target: target?.text ?? '', verdict });
  log(`  ${figure}: ${fmt(s.median, unit)} (min ${fmt(s.min, unit)}, max ${fmt(s.max, unit)})${verdict ? ` target ${target.text}: ${verdict}` : ''}`);
}

/** A correctness row: every run must satisfy it. */
function checkRow(group, figure, runs, detail = '') {
  const passed = runs.filter((r) => r.check.ok).length;
  rows.push({ group, figure, s: null, unit: '', target: 'every run', verdict: passed === runs.length ? 'PASS' : 'MISS', text: `${passed}/${runs.length} runs${detail ? `; ${detail}` : ''}` });
  for (const r of runs) if (!r.check.ok) notes.push(`${group} — ${figure}: ${r.check.problems.join('; ')}`);
  log(`  ${figure}: ${passed}/${runs.length} runs pass${detail ? ` (${detail})` : ''}`);
}

function writeResults(startedAt, elapsedS) {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const lines = [
    '# outage-probe benchmark results',
    '',
    `Written by \`node bench/run.mjs${QUICK ? ' --quick' : ''}${ONLY ? ` --only ${[...ONLY].join(',')}` : ''}\` on ${startedAt.toISOString()} (took ${elapsedS.toFixed(0)} s).`,
    '',
    `- Machine: ${os.cpus().length} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, ${os.type()} ${os.release()}`,
    `- Node ${process.version}; outage-probe ${shell(`${process.execPath} ${BIN} --version`)}${BIN === join(ROOT, 'bin', 'outage-probe') ? '' : ` (${BIN})`}; ${shell(`${CURL} --version | head -1`).split(' ').slice(0, 2).join(' ')}`,
    `- Open-file limit (ulimit -n): ${shell('ulimit -n')} (high enough for concurrency 1,024; not raised)`,
    `- World: ${RESOLVERS.length} loopback resolvers (UDP + TCP), ${EDGES.length} HTTPS edge addresses on one port (${HTTP2_EDGES.length} offer h2 + HTTP/1.1 by ALPN, ${EDGES.length - HTTP2_EDGES.length} HTTP/1.1 only), a wildcard certificate from a CA made at bench time, verified by every client; the world runs in its own process.`,
    `- Each site has one A record (AAAA: no data), so fetches = sites. Repetitions: ${SIZE.reps} (speed: ${SIZE.speedReps}, start-up: ${SIZE.startupReps}), outage-probe and its baselines interleaved (in the speed groups the floor runs first every other repetition).`,
    '- outage-probe runs as from cron, with its compile cache and, for a config of 16 KiB or more (the 1,000- and 10,000-site ones), its config cache (README, "Files it writes"): the speed groups\' first run, not counted, writes them; in the memory group the first of the counted runs writes the config cache. The speed groups also show runs that check the config afresh.',
    `- DNS questions a site: the floor (bench/floor.mjs) asks A and AAAA at each resolver, ${RESOLVERS.length * 2}; outage-probe the same, and NS for the sites' zone once a resolver for all of them (the AAAA answer's SOA names the zone, so no site's own NS is asked).`,
    '- wall = elapsed seconds; CPU = user + system seconds of the measured process (/usr/bin/time); RSS = its peak resident memory.',
    '',
    '| Group | Figure | Median | Min | Max | Target | Result |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) =>
      r.s
        ? `| ${r.group} | ${r.figure} | ${fmt(r.s.median, r.unit)} | ${fmt(r.s.min, r.unit)} | ${fmt(r.s.max, r.unit)} | ${r.target} | ${r.verdict} |`
        : `| ${r.group} | ${r.figure} | ${r.text} | | | ${r.target} | ${r.verdict} |`,
    ),
    '',
  ];
  if (notes.length) lines.push('## Problems seen in this run', '', ...notes.map((n) => `- ${n}`), '');
  const findings = join(BENCH, 'findings.md');
  if (existsSync(findings)) lines.push(readFileSync(findings, 'utf8').trim(), '');
  writeFileSync(join(BENCH, 'results.md'), lines.join('\n'));
}

// ───────────────────────────── the figures ─────────────────────────────

async function speedFigures(pem) {
  const sites = makeSites('s', SIZE.speedSites);
  for (const delayMs of SPEED_DELAYS_MS) {
    const group = `1. Speed, ${sites.length} sites, edges at ${delayMs} ms, concurrency ${SPEED_CONCURRENCY}`;
    log(`\n${group}`);
    const world = await startWorld(pem, sites, { delayMs });
    const config = writeToolConfig(`speed-${delayMs}`, world, sites, { concurrency: SPEED_CONCURRENCY });
    const floorSpec = writeFloorSpec(`speed-${delayMs}`, world, sites, { concurrency: SPEED_CONCURRENCY });
    const curlInput = writeCurlInput(`speed-${delayMs}`, world, sites);
    const ideal = Math.ceil(sites.length / SPEED_CONCURRENCY) * (delayMs / 1000);
    await runTool(config); // warm-up (file cache, the world's first handshakes); not counted
    const tool = [];
    const floor = [];
    const curl = [];
    const afresh = [];
    for (let rep = 0; rep < SIZE.speedReps; rep++) {
      // Every other repetition runs the floor first: a host whose speed drifts within a repetition then favours
      // neither side of the ratio.
      if (rep % 2 === 1) floor.push(await runFloor(floorSpec));
      tool.push(await runTool(config));
      if (rep % 2 === 0) floor.push(await runFloor(floorSpec));
      curl.push(await runCurl(curlInput, SPEED_CONCURRENCY, sites.length));
      afresh.push(await runTool(config, [], { env: { ...process.env, OUTAGE_PROBE_CONFIG_CACHE: 'off' } }));
    }
    const all = [...tool, ...floor, ...curl, ...afresh];
    checkRow(group, 'every fetch ok (outage-probe, floor, curl)', all, `${tool[0].check.attempts} attempts per outage-probe run`);
    row(group, 'outage-probe wall', tool.map((r) => r.wallS), 's');
    row(group, 'floor wall', floor.map((r) => r.wallS), 's');
    row(group, 'curl wall', curl.map((r) => r.wallS), 's');
    row(group, 'ideal schedule', [ideal], 's');
    // Issue 18's targets: the wall may be 15 % over the floor's with 50 ms edges, 10 % with 200 ms ones.
    const wallTarget = delayMs <= 50 ? 1.15 : 1.1;
    row(group, 'wall / floor wall', tool.map((r, i) => r.wallS / floor[i].wallS), '×', { text: `≤ ${wallTarget.toFixed(2)}`, pass: (v) => v <= wallTarget });
    row(group, 'outage-probe CPU', tool.map((r) => r.cpuS), 's');
    row(group, 'floor CPU', floor.map((r) => r.cpuS), 's');
    row(group, 'CPU / floor CPU', tool.map((r, i) => r.cpuS / floor[i].cpuS), '×', { text: '≤ 1.25', pass: (v) => v <= 1.25 });
    row(group, 'wall / curl wall', tool.map((r, i) => r.wallS / curl[i].wallS), '×', { text: '≤ 0.50', pass: (v) => v <= 0.5 });
    // What no client at this concurrency can beat (issue 9's ≤ 0.5 × curl is out of every schedule's reach when the
    // edge's delay dominates curl's time).
    row(group, 'ideal schedule / curl wall', curl.map((r) => ideal / r.wallS), '×');
    row(group, 'wall / ideal', tool.map((r) => r.wallS / ideal), '×');
    // A run whose config changed since the last (or with the config cache off) checks it afresh: ~0.1 s here.
    row(group, 'config checked afresh (OUTAGE_PROBE_CONFIG_CACHE=off): wall / floor wall', afresh.map((r, i) => r.wallS / floor[i].wallS), '×');
    row(group, 'config checked afresh: CPU / floor CPU', afresh.map((r, i) => r.cpuS / floor[i].cpuS), '×');
    await world.stop();
  }
}

async function loadFigures(pem) {
  const sites = makeSites('l', SIZE.loadSites);
  const group = `2. No false failures, ${sites.length} healthy sites, edges at 50 ms`;
  log(`\n${group}`);
  const world = await startWorld(pem, sites, { delayMs: 50 });
  for (const concurrency of LOAD_CONCURRENCY) {
    const config = writeToolConfig(`load-${concurrency}`, world, sites, { concurrency });
    const runs = [];
    for (let rep = 0; rep < SIZE.reps; rep++) runs.push(await runTool(config));
    checkRow(group, `concurrency ${concurrency}: all ok, exit 0, no resolver incident, no timeout`, runs, `${runs[0].check.attempts} attempts per run`);
    row(group, `concurrency ${concurrency}: outage-probe wall`, runs.map((r) => r.wallS), 's');
  }
  await world.stop();
}

async function memoryFigures(pem) {
  const sites = makeSites('m', SIZE.memorySites);
  const group = `3. Memory, ${sites.length} sites, 100 KiB pages, concurrency ${SPEED_CONCURRENCY}`;
  log(`\n${group}`);
  const world = await startWorld(pem, sites, { delayMs: MEMORY_DELAY_MS, bodyBytes: MEMORY_BODY_BYTES });
  const config = writeToolConfig('memory', world, sites, { concurrency: SPEED_CONCURRENCY, timeoutS: 10 });
  const floorSpec = writeFloorSpec('memory', world, sites, { concurrency: SPEED_CONCURRENCY, timeoutS: 10 });
  const tool = [];
  const floor = [];
  const maps = [];
  for (let rep = 0; rep < SIZE.reps; rep++) {
    const r = await runTool(config);
    if (r.check.attempts !== sites.length) r.check = { ok: false, problems: [...r.check.problems, `${r.check.attempts} attempts in the report, ${sites.length} expected`] };
    tool.push(r);
    floor.push(await runFloor(floorSpec));
    maps.push(await runMap(config, sites.length));
  }
  checkRow(group, 'every attempt ok and in the report', [...tool, ...floor], `${tool[0].check.attempts} attempts per outage-probe run`);
  row(group, 'outage-probe peak RSS', tool.map((r) => r.rssMB), 'MB');
  row(group, 'floor peak RSS', floor.map((r) => r.rssMB), 'MB');
  row(group, 'RSS / floor RSS', tool.map((r, i) => r.rssMB / floor[i].rssMB), '×', { text: '≤ 1.50', pass: (v) => v <= 1.5 });
  row(group, 'outage-probe wall', tool.map((r) => r.wallS), 's');
  row(group, 'floor wall', floor.map((r) => r.wallS), 's');
  row(group, 'wall / floor wall', tool.map((r, i) => r.wallS / floor[i].wallS), '×', { text: '≤ 1.20', pass: (v) => v <= 1.2 });
  checkRow(group, 'map: every site mapped, exit 0', maps, `${sites.length} sites per map run`);
  row(group, 'outage-probe map peak RSS', maps.map((r) => r.rssMB), 'MB');
  row(group, 'map RSS / floor RSS (the same target as check)', maps.map((r, i) => r.rssMB / floor[i].rssMB), '×', { text: '≤ 1.50', pass: (v) => v <= 1.5 });
  row(group, 'outage-probe map wall', maps.map((r) => r.wallS), 's');
  await world.stop();
}

/** `map` over the same world (issue 17: within the same memory target as check). */
async function runMap(config, expectedSites) {
  const mapFile = tmp('map.json');
  const m = await measure(process.execPath, [BIN, 'map', '--config', config, '--json'], { stdoutFile: mapFile, env: { ...process.env, NO_COLOR: '1' } });
  let map = null;
  try {
    map = JSON.parse(readFileSync(mapFile, 'utf8'));
  } catch {
    // judged below
  }
  const problems = [];
  if (m.code !== 0) problems.push(`exit ${m.code}`);
  if (!map) problems.push('no JSON map');
  else if (map.sites.length !== expectedSites) problems.push(`${map.sites.length} sites mapped, ${expectedSites} expected`);
  return { ...m, check: { ok: problems.length === 0, problems, attempts: map?.sites.length ?? 0 } };
}

/** Hung edges and the run deadline share one world: four groups of sites. */
async function hostileFigures(pem, { hung, deadline }) {
  const n = SIZE.hostileSites;
  const bad = 20;
  const healthy = makeSites('h', n);
  const hangResponse = makeSites('r', n, (i) => (i < bad ? 'hang' : 'ok'));
  const hangTls = makeSites('t', n, (i) => (i < bad ? 'hang-tls' : 'ok'));
  const hangAll = makeSites('d', n, () => 'hang');
  const world = await startWorld(pem, [...healthy, ...hangResponse, ...hangTls, ...hangAll], { delayMs: 50 });

  if (hung) {
    const group = `4. Hung servers, ${n} sites of which ${bad} hang, timeout ${HUNG_TIMEOUT_S} s`;
    log(`\n${group}`);
    const timeout = ['--timeout', `${HUNG_TIMEOUT_S}s`];
    const configs = {
      healthy: writeToolConfig('hung-healthy', world, healthy, { concurrency: SPEED_CONCURRENCY }),
      response: writeToolConfig('hung-response', world, hangResponse, { concurrency: SPEED_CONCURRENCY }),
      tls: writeToolConfig('hung-tls', world, hangTls, { concurrency: SPEED_CONCURRENCY }),
    };
    const runs = { healthy: [], response: [], tls: [] };
    const expectTimeouts = (r, phase) => {
      const attempts = r.report?.sites.flatMap((s) => s.attempts) ?? [];
      const timedOut = attempts.filter((a) => a.outcome === 'timeout');
      const ok = attempts.filter((a) => a.outcome === 'ok').length;
      const phases = new Set(timedOut.map((a) => a.failedPhase));
      const good = timedOut.length === bad && ok === n - bad && phases.size === 1 && phases.has(phase);
      r.check = { ok: good, problems: good ? [] : [`${timedOut.length} timeouts (phases ${[...phases].join(',')}), ${ok} ok; expected ${bad} timeouts in phase ${phase}`] };
      return r;
    };
    for (let rep = 0; rep < SIZE.reps; rep++) {
      runs.healthy.push(await runTool(configs.healthy, timeout));
      runs.response.push(expectTimeouts(await runTool(configs.response, timeout, { expectHealthy: false }), 'response'));
      runs.tls.push(expectTimeouts(await runTool(configs.tls, timeout, { expectHealthy: false }), 'tls'));
    }
    checkRow(group, 'healthy run: all ok', runs.healthy);
    checkRow(group, `TLS done, no answer: ${bad} timeouts in phase response, the rest ok`, runs.response);
    checkRow(group, `TLS never finishes: ${bad} timeouts in phase tls, the rest ok`, runs.tls);
    row(group, 'healthy wall', runs.healthy.map((r) => r.wallS), 's');
    row(group, 'TLS done, no answer: wall', runs.response.map((r) => r.wallS), 's');
    row(group, 'TLS done, no answer: wall − timeout − healthy wall', runs.response.map((r, i) => r.wallS - HUNG_TIMEOUT_S - runs.healthy[i].wallS), 's', { text: '≤ 0.3 s', pass: (v) => v <= 0.3 });
    row(group, 'TLS never finishes: wall', runs.tls.map((r) => r.wallS), 's');
    row(group, 'TLS never finishes: wall − timeout − healthy wall', runs.tls.map((r, i) => r.wallS - HUNG_TIMEOUT_S - runs.healthy[i].wallS), 's', { text: '≤ 0.3 s', pass: (v) => v <= 0.3 });
  }

  if (deadline) {
    const group = `5. Deadline ${DEADLINE_S} s, ${n} sites that all hang (timeout 10 s)`;
    log(`\n${group}`);
    const config = writeToolConfig('deadline', world, hangAll, { concurrency: SPEED_CONCURRENCY, timeoutS: 10 });
    const runs = [];
    for (let rep = 0; rep < SIZE.reps; rep++) {
      const r = await runTool(config, ['--deadline', `${DEADLINE_S}s`], { expectHealthy: false });
      const attempts = r.report?.sites.flatMap((s) => s.attempts) ?? [];
      const notTimeout = attempts.filter((a) => a.outcome !== 'timeout').length;
      const good = r.report !== null && attempts.length === n && notTimeout === 0 && r.report.complete === false;
      r.check = { ok: good, problems: good ? [] : [`exit ${r.code}, ${attempts.length} attempts, ${notTimeout} not timeout, complete=${r.report?.complete}`] };
      runs.push(r);
    }
    checkRow(group, 'every attempt reported as timeout, report marked incomplete', runs, `${runs[0].check.ok ? n : '?'} attempts per run`);
    row(group, 'wall', runs.map((r) => r.wallS), 's', { text: `≤ ${(DEADLINE_S + 0.3).toFixed(1)} s`, pass: (v) => v <= DEADLINE_S + 0.3 });
  }
  await world.stop();
}

async function startupFigures(pem) {
  const delayMs = 50;
  const group = `6. Start-up (${SIZE.startupReps} repetitions)`;
  log(`\n${group}`);
  const sites = makeSites('u', 1);
  const world = await startWorld(pem, sites, { delayMs });
  const config = writeToolConfig('startup', world, sites, { concurrency: SPEED_CONCURRENCY });
  // The floor on the same one site: bare Node's DNS questions and one verified GET, for scale (no target).
  const floorSpec = writeFloorSpec('startup', world, sites, { concurrency: SPEED_CONCURRENCY });
  const node = [];
  const version = [];
  const check = [];
  const floor = [];
  await measure(process.execPath, [BIN, 'check', '--config', config, '--json']); // warm-up
  for (let rep = 0; rep < SIZE.startupReps; rep++) {
    node.push(await measure(process.execPath, ['-e', '0']));
    version.push(await measure(process.execPath, [BIN, '--version']));
    check.push(await runTool(config));
    floor.push(await runFloor(floorSpec));
  }
  checkRow(group, 'check on one healthy site: ok', check);
  row(group, '`node -e 0` wall', node.map((r) => r.wallS), 's');
  row(group, '`outage-probe --version` wall', version.map((r) => r.wallS), 's');
  row(group, '--version / node -e 0', version.map((r, i) => r.wallS / node[i].wallS), '×', { text: '≤ 1.50', pass: (v) => v <= 1.5 });
  row(group, '`check` one site wall', check.map((r) => r.wallS), 's');
  row(group, `(check wall − ${delayMs} ms edge delay) / node -e 0`, check.map((r, i) => (r.wallS - delayMs / 1000) / node[i].wallS), '×', { text: '≤ 3.00', pass: (v) => v <= 3 });
  checkRow(group, 'the floor on the same site: ok', floor);
  row(group, `floor: (wall − ${delayMs} ms edge delay) / node -e 0`, floor.map((r, i) => (r.wallS - delayMs / 1000) / node[i].wallS), '×');
  // The runs above start with the code the warm-up run compiled (the compile cache); a first run, or one with
  // OUTAGE_PROBE_COMPILE_CACHE=off, compiles every function it calls.
  const uncachedNode = [];
  const uncached = [];
  for (let rep = 0; rep < SIZE.startupReps; rep++) {
    uncachedNode.push(await measure(process.execPath, ['-e', '0']));
    uncached.push(await runTool(config, [], { env: { ...process.env, OUTAGE_PROBE_COMPILE_CACHE: 'off' } }));
  }
  checkRow(group, 'same, without the compile cache (a first run): ok', uncached);
  row(group, '`check` one site wall, without the compile cache', uncached.map((r) => r.wallS), 's');
  row(group, 'same ratio, without the compile cache', uncached.map((r, i) => (r.wallS - delayMs / 1000) / uncachedNode[i].wallS), '×');
  // With NODE_EXTRA_CA_CERTS set, Node reads that file and its own roots before running anything: `node -e 0`
  // itself takes ~30 ms more, and the ratio above looks better than on a host without it. Both are measured.
  if (process.env.NODE_EXTRA_CA_CERTS) {
    const plain = { ...process.env };
    delete plain.NODE_EXTRA_CA_CERTS;
    const bareNode = [];
    const bareCheck = [];
    const bareFloor = [];
    for (let rep = 0; rep < SIZE.startupReps; rep++) {
      bareNode.push(await measure(process.execPath, ['-e', '0'], { env: plain }));
      bareCheck.push(await runTool(config, [], { env: plain }));
      bareFloor.push(await runFloor(floorSpec, { env: plain }));
    }
    checkRow(group, 'same, NODE_EXTRA_CA_CERTS unset: ok', bareCheck);
    row(group, '`node -e 0` wall, NODE_EXTRA_CA_CERTS unset', bareNode.map((r) => r.wallS), 's');
    row(group, '`check` one site wall, NODE_EXTRA_CA_CERTS unset', bareCheck.map((r) => r.wallS), 's');
    row(group, `same ratio, NODE_EXTRA_CA_CERTS unset`, bareCheck.map((r, i) => (r.wallS - delayMs / 1000) / bareNode[i].wallS), '×', { text: '≤ 3.00', pass: (v) => v <= 3 });
    checkRow(group, 'the floor on the same site, NODE_EXTRA_CA_CERTS unset: ok', bareFloor);
    row(group, 'floor: same ratio, NODE_EXTRA_CA_CERTS unset', bareFloor.map((r, i) => (r.wallS - delayMs / 1000) / bareNode[i].wallS), '×');
  }
  await world.stop();
}

async function serveWorld(pem, count = 1000, delayMs = 50, bodyBytes = 64) {
  const sites = makeSites('s', count);
  const world = await startWorld(pem, sites, { delayMs, bodyBytes });
  const config = writeToolConfig('serve', world, sites, { concurrency: SPEED_CONCURRENCY });
  const floorSpec = writeFloorSpec('serve', world, sites, { concurrency: SPEED_CONCURRENCY });
  const curlInput = writeCurlInput('serve', world, sites);
  log(`world: ${count} sites, edges at ${delayMs} ms, ${bodyBytes} B pages\n  ${config}\n  ${floorSpec}\n  ${curlInput}\nCtrl-C to stop`);
  await new Promise((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
  await world.stop();
}

// ───────────────────────────── main ─────────────────────────────

/**
 * 7. Issue 20's long list: 184,000 sites on a 5 s deadline, on a host with no network (`unshare -n`: only lo,
 * down, so nothing can leave): every query fails at once, and most sites are reported as not probed. The run must
 * end by its deadline (with the 0.3 s group 5 allows) with every site in the NDJSON summary. Needs unshare.
 */
async function offlineListFigures() {
  const sites = QUICK ? 20_000 : 184_000;
  const deadlineS = QUICK ? 3 : 5;
  const group = `7. ${sites.toLocaleString('en')} sites on a host with no network, --sites list, --ndjson, deadline ${deadlineS} s`;
  log(`\n${group}`);
  if (spawnSync('unshare', ['-n', 'true']).status !== 0) {
    log('  skipped: unshare -n is not permitted here (needs root)');
    return;
  }
  const list = tmp('offline-list.txt');
  writeFileSync(list, Array.from({ length: sites }, (_, i) => `s${i}.example.com\n`).join(''));
  // Public resolver addresses are never reached: inside the namespace there is no route to anything.
  const config = tmp('offline.yaml');
  writeFileSync(config, 'resolvers:\n  - { name: cf, address: 1.1.1.1 }\n  - { name: g, address: 8.8.8.8 }\n');
  const runs = [];
  for (let rep = 0; rep < SIZE.reps; rep++) {
    const out = tmp('offline.ndjson');
    const r = await measure('unshare', ['-n', process.execPath, BIN, 'check', '--config', config, '--sites', list, '--ndjson', '--deadline', `${deadlineS}s`], { stdoutFile: out });
    const last = readFileSync(out, 'utf8').trimEnd().split('\n').at(-1) ?? '';
    let summary = null;
    try {
      summary = JSON.parse(last);
    } catch {
      // judged below
    }
    const good = r.code === 3 && summary?.type === 'summary' && summary.verdict === 'local-network' && summary.sites?.length === sites;
    r.check = { ok: good, problems: good ? [] : [`exit ${r.code}, ${summary?.sites?.length ?? 0} sites in the summary, verdict ${summary?.verdict}`] };
    runs.push(r);
  }
  checkRow(group, 'every site in the summary, local-network verdict, exit 3', runs, `${sites} sites per run`);
  row(group, 'wall', runs.map((r) => r.wallS), 's', { text: `≤ ${(deadlineS + 0.3).toFixed(1)} s`, pass: (v) => v <= deadlineS + 0.3 });
  row(group, 'peak RSS', runs.map((r) => r.rssMB), 'MB');
}

/**
 * 8. Issue 18's scale target: 100,000 healthy sites (the load world's 50 ms edges) given as a `--sites` list, with
 * `--ndjson`: the run must end within its deadline with every site ok, and its peak RSS is held to 400 MB. One run
 * (about three minutes on 2 cores); the NDJSON is read line by line, the summary (the last line) parsed alone.
 */
async function scaleFigures(pem) {
  const count = QUICK ? 5_000 : 100_000;
  const deadlineS = 900;
  const group = `8. ${count.toLocaleString('en')} healthy sites, --sites list, --ndjson, edges at 50 ms, concurrency ${SPEED_CONCURRENCY} (one run)`;
  log(`\n${group}`);
  const sites = makeSites('h', count);
  const world = await startWorld(pem, sites, { delayMs: 50 });
  const config = writeToolConfig('scale', world, [], { concurrency: SPEED_CONCURRENCY, deadlineS });
  const list = tmp('scale.txt');
  writeFileSync(list, sites.map((s) => `https://${s.host}:${world.port}/\n`).join(''));
  const out = tmp('scale.ndjson');
  // Through a pipe: NDJSON is made to be read by another program as it comes.
  const r = await measure(process.execPath, [BIN, 'check', '--config', config, '--sites', list, '--ndjson'], { stdoutFile: out, piped: true, env: { ...process.env, NO_COLOR: '1' } });
  await world.stop();
  const attempts = { all: 0, ok: 0 };
  let summary = null;
  for await (const line of createInterface({ input: createReadStream(out), crlfDelay: Infinity })) {
    if (line.startsWith('{"type":"attempt"')) {
      attempts.all += 1;
      if (line.includes('"outcome":"ok"')) attempts.ok += 1;
    } else if (line.startsWith('{"type":"summary"')) {
      summary = JSON.parse(line);
    }
  }
  rmSync(out, { force: true });
  const problems = [];
  if (r.code !== 0) problems.push(`exit ${r.code}`);
  if (!summary) problems.push('no summary line');
  else {
    if (summary.verdict !== 'ok' || !summary.complete) problems.push(`verdict ${summary.verdict}, complete ${summary.complete}`);
    const notOk = summary.sites.filter((s) => s.status !== 'ok').length;
    if (summary.sites.length !== count || notOk) problems.push(`${summary.sites.length} sites in the summary, ${notOk} not ok`);
  }
  if (attempts.all !== count || attempts.ok !== count) problems.push(`${attempts.ok} ok of ${attempts.all} attempt lines, ${count} expected`);
  r.check = { ok: problems.length === 0, problems };
  checkRow(group, 'every site ok, exit 0, report complete (no false failure)', [r], `${attempts.all} attempt lines`);
  row(group, 'wall', [r.wallS], 's', { text: `≤ ${deadlineS} s (its deadline)`, pass: (v) => v <= deadlineS });
  row(group, 'peak RSS', [r.rssMB], 'MB', { text: '≤ 400 MB', pass: (v) => v <= 400 });
  row(group, 'CPU', [r.cpuS], 's');
}

async function main() {
  const startedAt = new Date();
  const t0 = performance.now();
  if (!existsSync(join(ROOT, 'dist', 'bundle', 'main.cjs'))) throw new Error('dist/ is missing: run `npm run build` first');
  if (!existsSync(TIME)) throw new Error(`${TIME} is needed to measure CPU and peak RSS`);
  mkdirSync(TMP, { recursive: true });
  // The tool's compile cache (src/run-bundle.ts) is the bench's own, empty at the start: the first run of each
  // command writes it, as a user's first run would; group 6 also measures runs without it.
  const compileCache = tmp('compile-cache');
  rmSync(compileCache, { recursive: true, force: true });
  process.env.OUTAGE_PROBE_COMPILE_CACHE = compileCache;
  log(`outage-probe bench${QUICK ? ' (quick)' : ''}: ${os.cpus().length} cores, Node ${process.version}, ulimit -n ${shell('ulimit -n')}`);
  const ca = createCa('outage-probe bench CA');
  writeFileSync(tmp('ca.pem'), ca.cert);
  const pem = ca.issue(['*.bench.test']);

  if (SERVE) return serveWorld(pem, ...args.slice(args.indexOf('--serve') + 1).slice(0, 3).map(Number));
  if (wanted('startup')) await startupFigures(pem);
  if (wanted('speed')) await speedFigures(pem);
  if (wanted('load')) await loadFigures(pem);
  if (wanted('hung') || wanted('deadline')) await hostileFigures(pem, { hung: wanted('hung'), deadline: wanted('deadline') });
  if (wanted('memory')) await memoryFigures(pem);
  if (wanted('offline')) await offlineListFigures();
  if (wanted('scale')) await scaleFigures(pem);

  const elapsedS = (performance.now() - t0) / 1000;
  writeResults(startedAt, elapsedS);
  const missed = rows.filter((r) => r.verdict === 'MISS').length;
  log(`\n${rows.filter((r) => r.verdict === 'PASS').length} PASS, ${missed} MISS in ${elapsedS.toFixed(0)} s; written to bench/results.md`);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err?.stack ?? err}\n`);
  process.exitCode = 1;
});
