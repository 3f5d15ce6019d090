// The pipeline the README draws is the one the code runs: each folder's index.ts says, in its header, which
// folders it never imports, and no file in the folder does (type-only imports included).

import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src', import.meta.url));
const FOLDERS = readdirSync(SRC, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? filesUnder(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []));
}

/** "x/ never imports a/, b/ or c/." → [a, b, c] */
function forbidden(folder: string): string[] | null {
  const header = readFileSync(join(SRC, folder, 'index.ts'), 'utf8').split('\n').filter((l) => l.startsWith('//')).join(' ');
  if (header.includes(`${folder}/ may import every folder`)) return [];
  const rule = new RegExp(`${folder}/ never imports ([^.;]*)[.;]`).exec(header);
  return rule ? [...rule[1]!.matchAll(/([a-z-]+)\//g)].map((m) => m[1]!) : null;
}

/** The top-level src folders a file imports from. */
function importedFolders(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const here = relative(SRC, file).split('/').slice(0, -1);
  const found = new Set<string>();
  for (const m of text.matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)) {
    const parts = [...here];
    for (const seg of m[1]!.split('/')) {
      if (seg === '..') parts.pop();
      else if (seg !== '.') parts.push(seg);
    }
    if (parts.length > 1) found.add(parts[0]!);
  }
  return [...found];
}

describe('folder boundaries', () => {
  it.each(FOLDERS)('%s/ has an index.ts whose header says what it owns and never imports', (folder) => {
    const rules = forbidden(folder);
    expect(rules, `${folder}/index.ts: no "${folder}/ never imports …" sentence`).not.toBeNull();
    expect(rules!.every((f) => FOLDERS.includes(f)), `${folder}: names a folder that does not exist: ${rules}`).toBe(true);
  });

  it.each(FOLDERS)('no file in %s/ imports a folder its header forbids', (folder) => {
    const rules = forbidden(folder) ?? [];
    const offenders = filesUnder(join(SRC, folder)).flatMap((file) => importedFolders(file).filter((f) => f !== folder && rules.includes(f)).map((f) => `${relative(SRC, file)} → ${f}/`));
    expect(offenders).toEqual([]);
  });
});
