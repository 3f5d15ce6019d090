import { describe, expect, it } from 'vitest';
import { siteReports, siteStatus } from '../../src/correlate/sites.js';
import { decideVerdict, isLocalNetworkDown } from '../../src/correlate/verdict.js';
import { attempt, dnsAnswer, site } from '../support/records.js';

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

  it('attaches the site host and zone DNS answers to the site', () => {
    const dns = [
      dnsAnswer(),
      dnsAnswer({ type: 'NS', values: [], zone: 'test' }),
      dnsAnswer({ name: 'test', type: 'NS', values: ['ns1.test'], zone: 'test' }),
      dnsAnswer({ name: 'other.test' }),
    ];
    const [report] = siteReports([site()], dns, [attempt()]);
    expect(report!.dns.map((d) => `${d.name}/${d.type}`)).toEqual(['shop.test/A', 'shop.test/NS', 'test/NS']);
  });
});

describe('verdict', () => {
  it('is local-network when no resolver replied and no fetch got a response', () => {
    const dns = [dnsAnswer({ outcome: 'timeout', values: [], rcode: null }), dnsAnswer({ resolver: 'beta', outcome: 'network-error', values: [] })];
    const attempts = [attempt({ address: null, outcome: 'dns-error', httpStatus: null })];
    expect(isLocalNetworkDown(dns, attempts)).toBe(true);
    const sites = siteReports([site()], dns, attempts);
    expect(decideVerdict(sites, dns, attempts, [])).toMatchObject({ verdict: 'local-network', exitCode: 3 });
  });

  it('is not local when one resolver answered, even though the site is down', () => {
    const dns = [dnsAnswer({ outcome: 'timeout', values: [] }), dnsAnswer({ resolver: 'beta', outcome: 'servfail', values: [] })];
    const attempts = [attempt({ address: null, outcome: 'dns-error', httpStatus: null })];
    expect(isLocalNetworkDown(dns, attempts)).toBe(false);
    expect(decideVerdict(siteReports([site()], dns, attempts), dns, attempts, [])).toMatchObject({ verdict: 'site-failures', exitCode: 1 });
  });

  it('is ok with exit 0 when every site is ok', () => {
    const attempts = [attempt()];
    expect(decideVerdict(siteReports([site()], [dnsAnswer()], attempts), [dnsAnswer()], attempts, [])).toEqual({
      verdict: 'ok',
      summary: 'All 1 site ok',
      exitCode: 0,
    });
  });
});
