// The Node floor: only what any Node probe must do, so outage-probe's cost can be read as a ratio to it.
// For each site and resolver, A and AAAA through node:dns (a Resolver per query: one channel per query keeps
// c-ares from losing answers to its own burst), then one GET per distinct address on a fresh, verified TLS
// connection with the site's SNI and Host, reading at most the body sample, at the given concurrency.
// No classification, no report: one summary line on stdout.
//
// Usage: node bench/floor.mjs SPEC.json
//   SPEC: { resolvers: [{ address, port }], sites: [{ host, port, path }], caFile, concurrency, sampleBytes, timeoutMs }

import dns from 'node:dns';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import tls from 'node:tls';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const secureContext = tls.createSecureContext({ ca: readFileSync(spec.caFile, 'utf8') });

/** At most `n` of the functions given run at once. */
function limiter(n) {
  let active = 0;
  const queue = [];
  const next = () => {
    if (active >= n || queue.length === 0) return;
    active += 1;
    const { fn, resolve } = queue.shift();
    fn().then(resolve, resolve).finally(() => {
      active -= 1;
      next();
    });
  };
  return (fn) =>
    new Promise((resolve) => {
      queue.push({ fn, resolve });
      next();
    });
}

const dnsLimit = limiter(Math.max(64, spec.concurrency * 2)); // the same DNS pacing as outage-probe
const fetchLimit = limiter(spec.concurrency);

function lookup(resolverSpec, host, type) {
  const resolver = new dns.Resolver({ timeout: spec.timeoutMs, tries: 3 });
  resolver.setServers([`${resolverSpec.address}:${resolverSpec.port}`]);
  const method = type === 'A' ? 'resolve4' : 'resolve6';
  return new Promise((resolve) => resolver[method](host, (err, addresses) => resolve(err ? { err: err.code } : { addresses })));
}

function get(site, address) {
  return new Promise((resolve) => {
    let settled = false;
    const done = (result) => {
      if (!settled) {
        settled = true;
        resolve(result);
      }
    };
    const req = https.get(
      {
        host: address,
        port: site.port,
        path: site.path,
        servername: site.host,
        headers: { host: `${site.host}:${site.port}`, 'user-agent': 'floor', accept: '*/*' },
        secureContext,
        agent: false,
        timeout: spec.timeoutMs,
      },
      (res) => {
        let bytes = 0;
        res.on('data', (chunk) => {
          bytes += chunk.length;
          if (bytes >= spec.sampleBytes) {
            res.destroy();
            done({ status: res.statusCode });
          }
        });
        res.on('end', () => done({ status: res.statusCode }));
        res.on('error', (err) => done({ err: err.code ?? 'EBODY' }));
        res.on('close', () => done({ status: res.statusCode }));
      },
    );
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
    req.on('error', (err) => done({ err: err.code ?? 'EREQUEST' }));
  });
}

let ok = 0;
let failed = 0;
let dnsFailed = 0;
const errors = {};

async function probeSite(site) {
  const answers = await Promise.all(
    spec.resolvers.flatMap((r) => ['A', 'AAAA'].map((type) => dnsLimit(() => lookup(r, site.host, type)))),
  );
  const addresses = new Set(answers.flatMap((a) => a.addresses ?? []));
  for (const a of answers) if (a.err && a.err !== 'ENODATA') dnsFailed += 1;
  await Promise.all(
    [...addresses].map((address) =>
      fetchLimit(() => get(site, address)).then((r) => {
        if (r.status >= 200 && r.status < 400) ok += 1;
        else {
          failed += 1;
          const key = r.err ?? `HTTP ${r.status}`;
          errors[key] = (errors[key] ?? 0) + 1;
        }
      }),
    ),
  );
}

// Sites are taken in order by a bounded pool of workers (DNS runs ahead of the fetches, but the floor never holds
// thousands of pending sites at once): the leanest schedule a Node probe could reasonably have.
const queue = spec.sites.values();
const worker = async () => {
  for (const site of queue) await probeSite(site);
};
await Promise.all(Array.from({ length: Math.max(64, spec.concurrency * 2) }, worker));
process.stdout.write(`${JSON.stringify({ ok, failed, dnsFailed, errors })}\n`);
process.exitCode = failed === 0 && dnsFailed === 0 ? 0 : 1;
