// The CLI as one file instead of ~200 modules: `bin/outage-probe` runs dist/bundle/main.cjs through
// dist/run-bundle.js, which gives V8 the code it compiled on an earlier run (its code cache). Node 20 spends ~50 ms
// of a one-site check finding, reading and linking modules one by one, and ~30 ms compiling functions on first
// call (bench/findings.md). tsc still compiles every file to dist/ (the tests and the lab import those); this only
// joins its output.
// One CommonJS file, because Node 20 takes a code cache only for a script (vm.Script), not for an ES module. The
// commands stay lazy: esbuild runs a module's top level on its first import, so `--version` and `check` run no
// more than before (the whole file is parsed, which the cache makes cheap).
// Of undici, the bundle holds the two files a probe loads on its first fetch (src/probe/http/fetch.ts imports them
// by literal specifiers) and what they require, run on first use like any module here. Its index (DoH, webhooks,
// status pages: src/util/http-client.ts) is required from node_modules at run time, which esbuild does not follow.

import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
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

/**
 * Of undici's files that the probe's two require, some are not worth every command's reading them. Its WHATWG fetch
 * runs only for request bodies that are streams or forms, which a probe never sends: it stays in node_modules,
 * required by name if ever needed. The llhttp WebAssembly (two 72 KB strings, only for HTTP/1.1) would be copied out
 * of V8's code cache on every start: the files are copied beside the bundle and required from there when first
 * needed, so the HTTP/1.1 code that drives them always comes with them from one release of undici.
 */
const undiciOutside = {
  name: 'undici-outside',
  setup(builder) {
    builder.onResolve({ filter: /^\./ }, (args) => {
      const at = args.importer.lastIndexOf('/node_modules/undici/lib/');
      if (at < 0) return undefined;
      const file = resolve(dirname(args.importer), args.path);
      const inPackage = relative(`${args.importer.slice(0, at)}/node_modules`, file);
      if (inPackage.startsWith('undici/lib/web/')) return { path: inPackage, external: true };
      if (!/^undici\/lib\/llhttp\/[\w-]+-wasm\.js$/.test(inPackage)) return undefined;
      // .cjs: next to the bundle, a .js file would be taken for an ES module (the package's "type").
      const copy = `./undici/${basename(file, '.js')}.cjs`;
      mkdirSync(`${outdir}/undici`, { recursive: true });
      copyFileSync(file, `${outdir}/${copy}`);
      return { path: copy, external: true };
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
  // A comment only: code here would come before "use strict" and leave the whole bundle in sloppy mode.
  banner: { js: `${HASH_PREFIX}${HASH_PLACEHOLDER}` },
  // The modules find the package's files from their own URL (package-root.ts): here, the bundle's.
  inject: [`${root}scripts/bundle-url.mjs`],
  define: { 'import.meta.url': '__bundleUrl' },
  plugins: [jsonStaysOutside, undiciOutside],
  sourcemap: 'linked',
  logLevel: 'warning',
});

// bin/outage-probe's own start: dist/run-bundle.js (with what it imports) as CommonJS, so that the binary is a
// CommonJS file (bin/package.json): an ES module entry costs Node 20 ~4 ms of its ES module loader on every run.
await build({
  entryPoints: [`${root}dist/run-bundle.js`],
  outfile: `${outdir}/run.cjs`,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20.18',
  logLevel: 'warning',
});

// The placeholder keeps its length, so the source map's lines and columns stay right.
const text = readFileSync(outfile, 'utf8');
if (!text.startsWith(HASH_PREFIX + HASH_PLACEHOLDER)) throw new Error(`${outfile} does not start with its banner`);
// (undici's JSDoc names types as `{import('…')}`: lines of comment are not code.)
const dynamicImport = text.split('\n').find((line) => /\bimport\(/.test(line) && !/^\s*(\*|\/\/|\/\*)/.test(line));
if (dynamicImport !== undefined) throw new Error(`${outfile} has a dynamic import(), which a vm.Script cannot run without a loader: ${dynamicImport.trim()}`);
const ascii = asciiOnly(text);
const hash = createHash('sha256').update(ascii).digest('hex');
writeFileSync(outfile, ascii.replace(HASH_PLACEHOLDER, hash));

/**
 * The bundle with every non-ASCII character written as a \u escape. One such character makes Node read the whole
 * 1.7 MB file through its slow UTF-8 path and V8 hold it as a two-byte string: ~15 ms of every start (a one-site
 * check 0.28 → 0.265 s). esbuild escapes them in strings and most regular expressions, not in the comments it keeps
 * or in a regular expression literal; in those (and in a string) an escape means the same character. In a
 * String.raw template it would not: there it stops the build instead.
 */
function asciiOnly(source) {
  const raw = source.split('\n').find((line) => line.includes('String.raw') && /[^\x00-\x7f]/.test(line));
  if (raw !== undefined) throw new Error(`${outfile} has a non-ASCII character in a String.raw template, which an escape would change: ${raw.trim()}`);
  return source.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
