// Run only by test/suite-watchdog.test.ts, through its own vitest config: a test whose worker is blocked
// synchronously, so vitest's own testTimeout can never fire.
import { spawnSync } from 'node:child_process';
import { it } from 'vitest';

it('blocks its worker in a spawnSync that never returns', () => {
  spawnSync('sleep', ['600']);
});
