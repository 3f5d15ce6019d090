// The CLI as a few files instead of ~200 modules: `bin/outage-probe` loads dist/bundle/main.js. Node 20 spends
// ~50 ms of a one-site check finding, reading and linking modules one by one (bench/findings.md). tsc still
// compiles every file to dist/ (the tests and the lab import those); this only joins its output.
// The commands the CLI loads on demand stay separate chunks, so `--version` and `check` load no more than before.
// undici stays outside: the probe loads two of its files by path on first use (src/probe/http/fetch.ts).

import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bundle`;
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [`${root}dist/main.js`],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['undici'],
  // CommonJS dependencies (dns-packet, commander's CJS build …) call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __outageProbeRequire } from 'node:module'; const require = __outageProbeRequire(import.meta.url);" },
  sourcemap: 'linked',
  logLevel: 'warning',
});
