import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// V8's flags are the process's: each case runs in a process of its own. v8.cachedDataVersionTag() is derived from
// V8's version and a hash of every flag, the hash Node checks its code cache against.
function tags(steps: string): string[] {
  const module = new URL('../../dist/util/tiering.js', import.meta.url).pathname;
  const script = `
    import { cachedDataVersionTag } from 'node:v8';
    import { tierUpLater, tierUpAsUsual, whileTieringLater } from ${JSON.stringify(module)};
    const tags = [cachedDataVersionTag()];
    for (const step of ${JSON.stringify(steps)}.split(' ')) {
      if (step === 'while') tags.push(whileTieringLater(() => cachedDataVersionTag()));
      else (step === 'later' ? tierUpLater : tierUpAsUsual)();
      tags.push(cachedDataVersionTag());
    }
    process.stdout.write(tags.join(' '));
  `;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(run.stderr).toBe(''); // V8 prints an unknown or malformed flag there
  return run.stdout.split(' ');
}

describe('tierUpLater and tierUpAsUsual', () => {
  it('change a V8 flag once and put V8 back exactly as it was (the code cache hash too); another V8 is left alone', () => {
    const [start, later, laterAgain, usual, usualAgain] = tags('later later usual usual');
    if (process.versions.v8.startsWith('11.')) {
      expect(later).not.toBe(start);
      expect(laterAgain).toBe(later);
    } else {
      expect(later).toBe(start);
    }
    expect(usual).toBe(start);
    expect(usualAgain).toBe(start);
  });

  it('whileTieringLater: lazy during the work only, and a run already lazy stays so', () => {
    const [start, during, after, later, duringLater, afterLater] = tags('while later while');
    const here = process.versions.v8.startsWith('11.');
    expect(during !== start).toBe(here);
    expect(after).toBe(start);
    expect(duringLater).toBe(later);
    expect(afterLater).toBe(later);
  });
});
