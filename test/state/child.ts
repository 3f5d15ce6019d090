// Child processes that run the real src/ modules: the modules are transpiled (TypeScript's transpileModule,
// no type check) into a temp directory, so a test can kill a writer mid-write or race several lockers
// without depending on a prior build of dist/.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import ts from 'typescript';

const SRC = new URL('../../src/', import.meta.url).pathname;

/**
 * Transpile src/ modules (paths relative to src/, e.g. "state/lock.ts"), and the src/ modules they import, into
 * `<dir>/src/…js`; returns dir.
 */
export function transpiled(modules: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'outage-probe-child-'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  const queue = [...modules];
  const seen = new Set(queue);
  for (let module = queue.shift(); module !== undefined; module = queue.shift()) {
    const source = readFileSync(join(SRC, module), 'utf8');
    for (const [, relative] of source.matchAll(/^(?:import|export)\b[^;]*?from '(\.{1,2}\/[^']+)\.js';/gms)) {
      const imported = posix.normalize(posix.join(posix.dirname(module), `${relative}.ts`));
      if (!seen.has(imported)) {
        seen.add(imported);
        queue.push(imported);
      }
    }
    const out = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: module,
    });
    const target = join(dir, 'src', module.replace(/\.ts$/, '.js'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, out.outputText);
  }
  return dir;
}

/** Start `node <dir>/<name>.mjs` with the given script text; stdout is collected. */
export function startScript(dir: string, name: string, script: string, args: string[] = []): ChildProcess & { output: () => string; exited: Promise<number | null> } {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, script);
  const child = spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return Object.assign(child, { output: () => out, exited });
}

/** Resolve when `predicate` holds (polled every 10 ms), or reject after `ms`. */
export async function until(predicate: () => boolean, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms;
  while (!predicate()) {
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
