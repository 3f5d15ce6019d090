// Inside a fresh namespace: start the packaged default's internet (src/lab/packaged-world.ts), optionally broken,
// and run the real binary with no --config from a directory with no probes.yaml — the packaged default, as the
// README's quick start runs it — once for people (the table, 100 columns when stdout is no terminal) and once as
// --json. argv[2]: JSON { fault?: string | null, dualStack?: boolean, ipv6BlackHole?: boolean, connectionLimit?: number,
// pageBytes?: number, cutAfter?: { bytes: number, corpus?: string[], doh?: string[] }, refuse?: { corpus?: string[], doh?: string[] } } — dualStack: the sites and DoH
// servers answer over IPv6 too; ipv6BlackHole: this host's IPv6 way out drops every packet; connectionLimit: this
// network drops a connection to port 443 beyond that many open at once; pageBytes: the sites' pages that long or
// longer; cutAfter: this network drops what the sites of those corpus families (their providers) and those operators'
// DoH servers send on a connection past that many bytes; refuse: this network refuses connections (a TCP reset) to the
// sites of those corpus families and those operators' DoH servers.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGED_OPERATORS, PACKAGED_SITES, startPackagedWorld } from '../../../dist/lab/packaged-world.js';
import { cutConnectionsAfter, dropFamily, insideNamespace, limitConnections, OUTAGE_PROBE_BIN, refuseConnectionsTo, runProcess, runStep, setupStep } from '../../../dist/lab/netns.js';

const spec = JSON.parse(process.argv[2]);

await insideNamespace(async () => {
  setupStep(`starting the packaged world${spec.fault ? ` (${spec.fault})` : ''}`);
  const world = await startPackagedWorld(spec.fault ?? null, { dualStack: spec.dualStack === true, ...(spec.pageBytes ? { pageBytes: spec.pageBytes } : {}) });
  const cutSources = spec.cutAfter
    ? [
        ...PACKAGED_SITES.filter((s) => (spec.cutAfter.corpus ?? []).includes(s.corpus)).flatMap((s) => [s.address, s.address6]),
        ...PACKAGED_OPERATORS.filter((o) => (spec.cutAfter.doh ?? []).includes(o.provider)).flatMap((o) => [o.doh.address, o.doh.address6]),
      ]
    : [];
  const refused = spec.refuse
    ? [
        ...PACKAGED_SITES.filter((s) => (spec.refuse.corpus ?? []).includes(s.corpus)).flatMap((s) => [s.address, s.address6]),
        ...PACKAGED_OPERATORS.filter((o) => (spec.refuse.doh ?? []).includes(o.provider)).flatMap((o) => [o.doh.address, o.doh.address6]),
      ]
    : [];
  const shapings = [
    ...(spec.ipv6BlackHole ? [dropFamily(6)] : []),
    ...(spec.connectionLimit ? [limitConnections(443, spec.connectionLimit)] : []),
    ...(spec.cutAfter ? [cutConnectionsAfter(cutSources, spec.cutAfter.bytes)] : []),
    ...(spec.refuse ? [refuseConnectionsTo(refused, 443)] : []),
  ];
  runStep('outage-probe check, then check --json');
  try {
    const cwd = mkdtempSync(join(tmpdir(), 'outage-probe-quickstart-'));
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: world.caPath, NO_COLOR: '1', HOME: cwd, XDG_CACHE_HOME: join(cwd, '.cache') };
    const table = await runProcess(process.execPath, [OUTAGE_PROBE_BIN, 'check'], { cwd, env, timeoutMs: 60_000 });
    const json = await runProcess(process.execPath, [OUTAGE_PROBE_BIN, 'check', '--json'], { cwd, env, timeoutMs: 60_000 });
    let report = null;
    try {
      report = JSON.parse(json.stdout);
    } catch {}
    return { table: { code: table.code, stdout: table.stdout, stderr: table.stderr }, json: { code: json.code, stderr: json.stderr }, report };
  } finally {
    for (const shaping of shapings) shaping.undo();
    await world.close();
  }
});
