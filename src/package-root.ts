// Where the package's own files are (package.json, probes.yaml, bin/, src/lab/scenarios/), from wherever the running
// module sits: dist/ as tsc writes it, dist/bundle/ (one level deeper, see scripts/bundle.mjs), or src/ under the
// test runner. The nearest directory upward whose package.json names this package is the package's root.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (namesThisPackage(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return from;
  }
}

function namesThisPackage(file: string): boolean {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === 'outage-probe';
  } catch {
    return false;
  }
}

const PACKAGE_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));

/** A path inside the package, e.g. packagePath('probes.yaml'). */
export function packagePath(...parts: string[]): string {
  return join(PACKAGE_ROOT, ...parts);
}
