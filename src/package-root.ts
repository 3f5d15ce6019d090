// Where the package's own files are (package.json, probes.yaml, bin/, src/lab/scenarios/), from wherever the running
// module sits: dist/ as tsc writes it, dist/bundle/ (one level deeper, see scripts/bundle.mjs), or src/ under the
// test runner. The nearest directory upward whose package.json names this package is the package's root; that
// read also gives the version, so nothing reads package.json twice.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface PackageFound {
  root: string;
  version: string;
}

function findPackage(from: string): PackageFound {
  for (let dir = from; ; dir = dirname(dir)) {
    const version = versionIfThisPackage(join(dir, 'package.json'));
    if (version !== null) return { root: dir, version };
    if (dirname(dir) === dir) throw new Error(`no package.json of outage-probe above ${from}`);
  }
}

function versionIfThisPackage(file: string): string | null {
  try {
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
    return pkg.name === 'outage-probe' && typeof pkg.version === 'string' ? pkg.version : null;
  } catch {
    return null;
  }
}

const PACKAGE = findPackage(dirname(fileURLToPath(import.meta.url)));

/** The package's version, from its package.json. */
export const PACKAGE_VERSION: string = PACKAGE.version;

/** A path inside the package, e.g. packagePath('probes.yaml'). */
export function packagePath(...parts: string[]): string {
  return join(PACKAGE.root, ...parts);
}
