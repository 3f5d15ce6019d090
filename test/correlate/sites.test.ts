import { describe, expect, it } from 'vitest';
import { siteStatus } from '../../src/correlate/sites.js';
import { attempt } from '../support/records.js';

describe('site status', () => {
  it('is ok when every attempt is ok', () => {
    expect(siteStatus([attempt(), attempt({ address: '127.0.0.11' })])).toEqual({ status: 'ok', reason: null });
  });

  it('is degraded when one edge address fails and another serves', () => {
    const r = siteStatus([attempt(), attempt({ address: '127.0.0.11', outcome: 'http-error', httpStatus: 503 })]);
    expect(r.status).toBe('degraded');
    expect(r.reason).toBe('1 of 2 attempts fail: edge 127.0.0.11 via alpha: http-error 503');
  });

  it('is down when no user-facing path works, even if the origin answers', () => {
    const r = siteStatus([
      attempt({ outcome: 'timeout', httpStatus: null, error: { code: 'ETIMEDOUT', message: 'x' } }),
      attempt({ path: 'origin', resolvers: [], resolver: null, outcome: 'ok' }),
    ]);
    expect(r.status).toBe('down');
    expect(r.reason).toBe('every user-facing attempt fails: 1 timeout');
  });
});

