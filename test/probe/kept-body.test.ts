import { describe, expect, it } from 'vitest';
import { KEPT_BODY_FAILED, KEPT_BODY_OK, rawAttempt } from '../../src/probe/kinds/http.js';
import { attemptOutcome } from '../../src/classify/outcome.js';
import type { FetchPlan } from '../../src/plan/plan.js';
import { fetchResult, site } from '../support/records.js';

const plan = (expectText: string | null): FetchPlan => ({
  id: 'shop|edge|127.0.0.10',
  site: site({ expect: { status: [], contains: expectText, matches: null, maxMs: null, challenge: 'fail', rcode: null, dnssec: false } }),
  path: 'edge',
  address: '127.0.0.10',
  port: null,
  family: 4,
  proxy: null,
  resolvers: ['alpha'],
});

describe('the body an attempt keeps', () => {
  const big = `${'a'.repeat(60_000)}Add to cart`;

  it('judges expect on the whole sample, then keeps only the top of an ok page', () => {
    const a = rawAttempt(plan('Add to cart'), fetchResult({ bodySample: big, bodyBytes: big.length }), 'now');
    expect(attemptOutcome(a, a.expect)).toBe('ok');
    expect(a.bodySample).toHaveLength(KEPT_BODY_OK);
    expect(a.bodyBytes).toBe(big.length);
  });

  it('keeps more of a failed answer, for reading its error page', () => {
    const a = rawAttempt(plan(null), fetchResult({ httpStatus: 503, bodySample: big }), 'now');
    expect(attemptOutcome(a, a.expect)).toBe('http-error');
    expect(a.bodySample).toHaveLength(KEPT_BODY_FAILED);
  });
});
