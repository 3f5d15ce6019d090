// The CLI as a few files instead of ~200 modules: `bin/outage-probe` loads dist/bundle/main.js. Node 20 spends
// ~50 ms of a one-site check finding, reading and linking modules one by one (bench/findings.md). tsc still
// compiles every file to dist/ (the tests and the lab import those); this only joins its output.
// The commands the CLI loads on demand stay separate chunks, so `--version` and `check` load no more than before.
// undici stays outside: the probe loads two of its files by path on first use (src/probe/http/fetch.ts).

import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bundle`;

/**
 * Data files stay JSON files (dist/ has them), imported from the bundle and read by Node's JSON parser: compiled
 * as JavaScript, the ranges snapshot cost 16 ms more of a one-site check.
 */
const jsonStaysOutside = {
  name: 'json-stays-outside',
  setup(builder) {
    builder.onResolve({ filter: /\.json$/ }, (args) => {
      if (!args.importer.startsWith(`${root}dist/`)) return undefined;
      const path = relative(outdir, resolve(dirname(args.importer), args.path));
      return { path: path.startsWith('.') ? path : `./${path}`, external: true };
    });
  },
};

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [`${root}dist/main.js`],
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  // The package's own minimum: its Node keeps `with { type: 'json' }` on the data files' imports.
  target: 'node20.18',
  external: ['undici'],
  // CommonJS dependencies (dns-packet, commander's CJS build …) call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __outageProbeRequire } from 'node:module'; const require = __outageProbeRequire(import.meta.url);" },
  plugins: [jsonStaysOutside],
  sourcemap: 'linked',
  logLevel: 'warning',
});
