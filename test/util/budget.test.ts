import { describe, expect, it } from 'vitest';
import { createBudget, deadlineTooShort, finishShareMs } from '../../src/util/budget.js';

describe('the run budget', () => {
  it('keeps 5 % of the deadline (up to 250 ms) for finishing a short list', () => {
    expect(finishShareMs(30_000, 10)).toBe(250);
    expect(finishShareMs(2000, 10)).toBe(100);
  });

  it('keeps more for a long list, as finishing a site that was not reached costs time too, but never over four fifths of the deadline', () => {
    expect(finishShareMs(300_000, 100_000)).toBe(6000);
    expect(finishShareMs(2000, 20_000)).toBe(1200);
    expect(finishShareMs(2000, 100_000)).toBe(1600);
    expect(finishShareMs(30_000, 20_000)).toBe(1200);
  });

  it('probing ends when the phases after it begin', () => {
    const budget = createBudget({ startAt: 0, deadlineMs: 30_000, notify: true, sites: 100_000 });
    expect(budget.endsAt).toBe(30_000);
    expect(budget.until('finish')).toBe(30_000);
    expect(budget.until('notify')).toBe(30_000 - 6000);
    expect(budget.until('probe')).toBe(30_000 - 6000 - 5000);
  });

  it('warns when a list is too long for its deadline, and only then', () => {
    expect(deadlineTooShort(2000, 20_000)).toBeNull();
    expect(deadlineTooShort(30_000, 100_000)).toBeNull();
    expect(deadlineTooShort(2000, 100_000)).toBe(
      'the deadline (2.00s) is short for 100,000 sites: reporting them may take up to 6.00s on 2 cores; sites it cannot reach are reported as not probed, and the run may end late',
    );
  });
});
