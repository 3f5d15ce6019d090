// Inside a fresh namespace (only lo, nothing can leave): run the real binary's check on seeded mutations of a
// valid config, several at a time, and report each run's exit code, first stderr lines and wall time.
// argv[2]: JSON { seed, count, deadlineMs }.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { insideNamespace, loopbackUp, OUTAGE_PROBE_BIN, runProcess } from '../../../dist/lab/netns.js';

const { seed, count, deadlineMs } = JSON.parse(process.argv[2]);

const BASE = `# a valid config; every mutation of it must be refused at file:line:column or run cleanly
resolvers:
  - { name: local, address: "127.0.0.1:53" }
  - { name: doh, doh: "https://127.0.0.1/dns-query" }
defaults:
  timeout: 500ms
  deadline: 1s
  concurrency: 8
  paths: [edge, origin]
sites:
  - name: shop
    url: "https://shop.test/"
    origin: "127.0.0.9"
    expect: { status: [200, 301], contains: "ok" }
  - { url: "https://api.test/v1?x=1", kind: endpoint, provider: Cloudflare }
  - { name: plain, url: "http://plain.test:8080/path", headers: { x-probe: "1" } }
`;

// Small, hostile edits: structure characters, huge and negative numbers, durations past 2^31 ms, NUL and control
// characters, non-ASCII, anchors and aliases, repeated lines.
const TOKENS = [':', '-', '{', '}', '[', ']', '"', "'", ' ', '\n', '  ', '#', '&a', '*a', '!!binary', '0', '-1', '1e309',
  '99999999999999999999', '600h', '1ms', '0s', 'null', '~', 'true', '\u0000', '\u001b[31m', 'é', '𝕏', '\t', '%', '@', '?', '|', '>'];

function rng(s) {
  let x = s >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

function mutate(text, random) {
  const pick = (n) => Math.floor(random() * n);
  const lines = text.split('\n');
  switch (pick(5)) {
    case 0: {
      const at = pick(text.length);
      return text.slice(0, at) + TOKENS[pick(TOKENS.length)] + text.slice(at);
    }
    case 1: {
      const at = pick(text.length);
      return text.slice(0, at) + text.slice(at + 1 + pick(6));
    }
    case 2: {
      const i = pick(lines.length);
      lines.splice(i, 0, lines[pick(lines.length)]);
      return lines.join('\n');
    }
    case 3: {
      const i = pick(lines.length);
      const j = pick(lines.length);
      [lines[i], lines[j]] = [lines[j], lines[i]];
      return lines.join('\n');
    }
    default: {
      // Replace one scalar value after a colon.
      const i = pick(lines.length);
      lines[i] = lines[i].replace(/:\s*[^,{}\[\]\n]+/, `: ${TOKENS[pick(TOKENS.length)]}`);
      return lines.join('\n');
    }
  }
}

await insideNamespace(async () => {
  loopbackUp();
  const dir = mkdtempSync(join(tmpdir(), 'config-fuzz-'));
  const random = rng(seed);
  const cases = [];
  for (let i = 0; i < count; i += 1) {
    let text = BASE;
    for (let edits = 1 + Math.floor(random() * 3); edits > 0; edits -= 1) text = mutate(text, random);
    const file = join(dir, `m${i}.yaml`);
    writeFileSync(file, text);
    cases.push({ i, file });
  }
  const results = [];
  const queue = [...cases];
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      const run = await runProcess(process.execPath, [OUTAGE_PROBE_BIN, 'check', '--config', c.file, '--json'], { timeoutMs: deadlineMs + 20_000 });
      results.push({ i: c.i, code: run.code, stderr: run.stderr.slice(0, 2000), ms: Math.round(run.ms), timedOut: run.timedOut, stdoutIsJson: isJson(run.stdout) });
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return results.sort((a, b) => a.i - b.i);
});

function isJson(text) {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
