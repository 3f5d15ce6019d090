// The CLI as one file instead of ~200 modules: `bin/outage-probe` runs dist/bundle/main.cjs through
// dist/run-bundle.js, which gives V8 the code it compiled on an earlier run (its code cache). Node 20 spends ~50 ms
// of a one-site check finding, reading and linking modules one by one, and ~30 ms compiling functions on first
// call (bench/findings.md). tsc still compiles every file to dist/ (the tests and the lab import those); this only
// joins its output.
// One CommonJS file, because Node 20 takes a code cache only for a script (vm.Script), not for an ES module. The
// commands stay lazy: esbuild runs a module's top level on its first import, so `--version` and `check` run no
// more than before (the whole file is parsed, which the cache makes cheap).
// undici stays outside: the probe loads two of its files by path on first use (src/probe/http/fetch.ts).

import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bundle`;
const outfile = `${outdir}/main.cjs`;

/** The bundle's first line (src/run-bundle.ts reads it): its hash names the code cache, so a new build never gets an old one. */
const HASH_PREFIX = '// outage-probe bundle sha256:';
const HASH_PLACEHOLDER = '0'.repeat(64);

/**
 * Data files stay JSON files (dist/ has them), required from the bundle and read by Node's JSON parser: compiled
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
  outfile,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  // The package's own minimum.
  target: 'node20.18',
  external: ['undici'],
  // A comment only: code here would come before "use strict" and leave the whole bundle in sloppy mode.
  banner: { js: `${HASH_PREFIX}${HASH_PLACEHOLDER}` },
  // The modules find the package's files from their own URL (package-root.ts): here, the bundle's.
  inject: [`${root}scripts/bundle-url.mjs`],
  define: { 'import.meta.url': '__bundleUrl' },
  plugins: [jsonStaysOutside],
  sourcemap: 'linked',
  logLevel: 'warning',
});

// The placeholder keeps its length, so the source map's lines and columns stay right.
const text = readFileSync(outfile, 'utf8');
if (!text.startsWith(HASH_PREFIX + HASH_PLACEHOLDER)) throw new Error(`${outfile} does not start with its banner`);
if (/\bimport\(/.test(text)) throw new Error(`${outfile} has a dynamic import(), which a vm.Script cannot run without a loader`);
const hash = createHash('sha256').update(text).digest('hex');
writeFileSync(outfile, text.replace(HASH_PLACEHOLDER, hash));
