// Built-in provider ids are a union of literals: a misspelt reference in code fails to compile. Checked with
// the TypeScript compiler on a two-line file that uses the catalog's BuiltinProviderId.
import { describe, expect, it } from 'vitest';
import ts from 'typescript';
import { fileURLToPath } from 'node:url';
import { BUILTIN_PROVIDERS, builtinProvider } from '../../src/fingerprint/catalog/index.js';
import { PERSONALITIES } from '../../src/lab/personalities/index.js';

function diagnostics(source: string): string[] {
  const file = fileURLToPath(new URL('./__ids-check.ts', import.meta.url));
  const host = ts.createCompilerHost({});
  const readFile = host.readFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  host.readFile = (f) => (f === file ? source : readFile(f));
  host.fileExists = (f) => f === file || fileExists(f);
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: ['node'],
    skipLibCheck: true,
  };
  const program = ts.createProgram([file], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === file)
    .map((d) => `${d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`);
}

describe('built-in provider ids', () => {
  it('a misspelt id does not compile; a real one does', () => {
    const found = diagnostics(
      [
        "import { builtinProvider, type BuiltinProviderId } from '../../src/fingerprint/catalog/index.js';",
        "export const good: BuiltinProviderId = 'cloudflare';",
        "export const typo: BuiltinProviderId = 'cloudflair';",
        "export const lookup = builtinProvider('fastyl');",
      ].join('\n'),
    );
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^3: Type '"cloudflair"' is not assignable .*Did you mean '"cloudflare"'/);
    expect(found[1]).toMatch(/^4: .*'"fastyl"'/);
  }, 30_000);

  it('every lab personality names a built-in provider, with the catalog display name', () => {
    for (const p of PERSONALITIES) expect(builtinProvider(p.id).name, p.id).toBe(p.name);
    expect(new Set(BUILTIN_PROVIDERS.map((p) => p.id)).size).toBe(BUILTIN_PROVIDERS.length);
  });
});
