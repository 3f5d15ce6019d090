// The benchmark's world: loopback DNS resolvers and HTTPS edges, in a process of their own, so the
// process being measured spends CPU only on its own work. Started by run.mjs with `fork`; it receives
// its spec as the first IPC message, answers { ready, resolvers, edgePort } and serves until told to stop.
//
// Spec:
//   { cert, key,                          // the edge certificate (*.bench.test), issued by run.mjs's CA
//     resolvers: ['127.0.9.1', ...],      // one DNS server (UDP + TCP) per address
//     sites: [{ host, address, behaviour: 'ok' | 'hang' | 'hang-tls' }],
//     http2Addresses: [...],              // edges that offer h2 (and HTTP/1.1) by ALPN; the others HTTP/1.1 only
//     delayMs, bodyBytes }

import { startDnsServer } from '../dist/lab/dns-server.js';
import { startHttpServer } from '../dist/lab/http-server.js';

const ZONE = 'bench.test';

async function startWorld(spec) {
  const records = {};
  for (const site of spec.sites) records[site.host] = { A: [site.address] };
  const data = { records, zones: [ZONE] };
  const resolvers = [];
  for (const host of spec.resolvers) resolvers.push(await startDnsServer({ host, data }));

  const behaviourOf = new Map(spec.sites.map((s) => [s.host, s.behaviour]));
  const body = 'x'.repeat(spec.bodyBytes);
  const answer = { kind: 'respond', status: 200, headers: { 'content-type': 'text/html' }, body, delayMs: spec.delayMs };
  const hang = { kind: 'hang' };
  const handler = (req) => (behaviourOf.get(req.host.replace(/:\d+$/, '')) === 'hang' ? hang : answer);

  const edgeAddresses = [...new Set(spec.sites.filter((s) => s.behaviour !== 'hang-tls').map((s) => s.address))];
  const hungTlsAddresses = [...new Set(spec.sites.filter((s) => s.behaviour === 'hang-tls').map((s) => s.address))];
  const h2 = new Set(spec.http2Addresses);
  const edges = [];
  let port = 0;
  for (const host of edgeAddresses) {
    const tls = { cert: spec.cert, key: spec.key, http2: h2.has(host) };
    const server = await startHttpServer({ host, port, tls, handler });
    port = server.port;
    edges.push(server);
  }
  for (const host of hungTlsAddresses) {
    const server = await startHttpServer({ host, port, handler, hangTls: true });
    port = server.port;
    edges.push(server);
  }
  return {
    resolvers: resolvers.map((r) => ({ address: r.host, port: r.port })),
    edgePort: port,
    requests: () => edges.reduce((n, e) => n + e.requests, 0),
    queries: () => resolvers.reduce((n, r) => n + r.queries, 0),
    close: () => Promise.all([...resolvers, ...edges].map((s) => s.close())),
  };
}

let world = null;
process.on('message', async (message) => {
  if (message.type === 'start') {
    try {
      world = await startWorld(message.spec);
      process.send({ type: 'ready', resolvers: world.resolvers, edgePort: world.edgePort });
    } catch (err) {
      process.send({ type: 'failed', error: String(err?.stack ?? err) });
    }
  } else if (message.type === 'usage') {
    const cpu = process.cpuUsage();
    process.send({ type: 'usage', cpuMs: (cpu.user + cpu.system) / 1000, requests: world?.requests() ?? 0, queries: world?.queries() ?? 0 });
  } else if (message.type === 'stop') {
    await world?.close();
    process.exit(0);
  }
});
// run.mjs gone (crashed, interrupted): do not linger.
process.on('disconnect', () => process.exit(0));
