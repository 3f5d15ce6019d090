// Handshakes a provider's address breaks off for some names while it completes TLS for other names in the same run:
// refused by name (SNI) — a filter on the way that reads it, or those sites' own TLS settings — never the provider's
// edge failing. It read as "Cloudflare TLS incident (partial): 3 of 5 Cloudflare-fronted sites fail with TLS
// failures (ECONNRESET)", exit 2, on a network whose firewall blocks some sites by name. Recorded attempts; addresses
// in published ranges (Cloudflare 104.16.0.0/13, Fastly 151.101.0.0/16) are data, never dialled.

import { describe, expect, it } from 'vitest';
import { attributeRecorded } from '../support/pipeline.js';
import { decideVerdict } from '../../src/correlate/verdict.js';
import { attemptOutcome } from '../../src/classify/outcome.js';
import { evaluateExpect } from '../../src/probe/kinds/http.js';
import { loadCatalog } from '../../src/fingerprint/index.js';
import type { Attempt, CertificateInfo, DnsAnswer, ExpectSpec, FetchResult, ResolverSpec } from '../../src/model.js';
import { attempt, dnsAnswer, fetchResult, site } from '../support/records.js';
import { responses } from '../support/responses.js';

const catalog = loadCatalog([]);
const anyStatus: ExpectSpec = { status: [], contains: null, matches: null, maxMs: null, challenge: 'fail', rcode: null, dnssec: false };
const resolvers: ResolverSpec[] = [{ name: 'alpha', kind: 'udp', address: '127.0.0.53', port: 53, provider: null } as ResolverSpec];

function fetched(siteName: string, address: string, response: Partial<FetchResult>): Attempt {
  const fetch = fetchResult({ ...response, address });
  const expect = evaluateExpect(anyStatus, fetch);
  return attempt({ ...fetch, id: `${siteName}|edge|${address}`, site: siteName, resolver: 'alpha', resolvers: ['alpha'], expect, outcome: attemptOutcome(fetch, expect) });
}

/** The connection opened and the handshake was broken off: no certificate came back. */
const reset: Partial<FetchResult> = {
  httpStatus: null,
  headers: {},
  bodySample: '',
  error: { code: 'ECONNRESET', message: 'Client network socket disconnected before secure TLS connection was established' },
  failedPhase: 'tls',
  timings: { connectMs: 20, tlsMs: null, ttfbMs: null, totalMs: 25 },
} as Partial<FetchResult>;

const expiredCert: CertificateInfo = { subject: 'CN=www.x.test', issuer: 'CN=Some CA', validFrom: '2025-01-01T00:00:00.000Z', validTo: '2025-04-01T00:00:00.000Z', subjectAltNames: ['www.x.test'], authorized: false, authorizationError: 'CERT_HAS_EXPIRED' } as CertificateInfo;
const expired: Partial<FetchResult> = { ...reset, error: { code: 'CERT_HAS_EXPIRED', message: 'certificate has expired' }, tls: expiredCert, timings: { connectMs: 20, tlsMs: 30, ttfbMs: null, totalMs: 50 } } as Partial<FetchResult>;

function run(rows: Array<[name: string, address: string, response: Partial<FetchResult>]>) {
  const sites = rows.map(([n]) => site({ name: n, url: `https://www.${n}.test/` }));
  const dns: DnsAnswer[] = rows.map(([n, a]) => dnsAnswer({ resolver: 'alpha', name: `www.${n}.test`, type: 'A', values: [a], cnameChain: a.startsWith('104.') ? [`www.${n}.test.cdn.cloudflare.net`] : [] }));
  const result = attributeRecorded({ sites, resolvers }, dns, rows.map(([n, a, r]) => fetched(n, a, r)), catalog, { minSites: 2 });
  return { ...result, verdict: decideVerdict(result.sites, result.local, result.incidents, result.host, result.findings) };
}

const others: Array<[string, string, Partial<FetchResult>]> = [['news', '151.101.0.1', responses.fastlyOk()]];

/** Three names failing with `failure` at two Cloudflare addresses, and healthy names at `healthyAt`. */
function layout(failure: Partial<FetchResult>, healthyAt = ['104.16.0.1', '104.16.0.2']) {
  return run([
    ['social1', '104.16.0.1', failure],
    ['social2', '104.16.0.2', failure],
    ['social3', '104.16.0.1', failure],
    ...healthyAt.map((address, i): [string, string, Partial<FetchResult>] => [['shop', 'docs'][i]!, address, responses.cloudflareOk()]),
    ...others,
  ]);
}

describe('handshakes broken off for some names at addresses that complete TLS for others', () => {
  it('are refused by name, not the edge failing: a finding that says so, exit 1', () => {
    const r = layout(reset);
    expect(r.incidents).toEqual([]);
    expect(r.findings.map((f) => [f.provider, f.layer])).toEqual([['Cloudflare', 'tls']]);
    expect(r.findings[0]!.summary).toContain(
      "not an incident: the same Cloudflare addresses complete TLS for other sites' names in this run (104.16.0.1 for shop, 104.16.0.2 for docs): these names are refused by name (SNI)",
    );
    expect(r.verdict.exitCode).toBe(1);
  });

  it('control: addresses that complete TLS for no other name stay the edge failing', () => {
    const r = layout(reset, ['104.16.0.3']);
    expect(r.incidents.map((i) => [i.provider, i.layer])).toEqual([['Cloudflare', 'tls']]);
  });

  it("control: a TLS alert instead of a reset is the provider's own answer for those names (its per-customer certificates failing): the incident stays", () => {
    const alert = { ...reset, error: { code: 'ERR_SSL_TLSV1_ALERT_INTERNAL_ERROR', message: 'tlsv1 alert internal error' } } as Partial<FetchResult>;
    const r = layout(alert);
    expect(r.incidents.map((i) => [i.provider, i.layer])).toEqual([['Cloudflare', 'tls']]);
  });

  it('control: resets that come and go across --samples are the edge flapping, not names refused: the incident stays', () => {
    const flapping = { ...reset, samples: { samples: 3, failures: 2, failureRate: 0.67, outcomes: ['tls-error', 'ok', 'tls-error'] } } as unknown as Partial<FetchResult>;
    const r = layout(flapping);
    expect(r.incidents.map((i) => [i.provider, i.layer])).toEqual([['Cloudflare', 'tls']]);
  });

  it('control: certificates that came back expired are what the provider serves for those names: the incident stays', () => {
    const r = layout(expired);
    expect(r.incidents.map((i) => [i.provider, i.layer])).toEqual([['Cloudflare', 'tls']]);
  });
});
