// SiteFacts built the way the pipeline builds them (site reports → classify → locate → status), over a
// catalog whose range index knows two test AWS regions on loopback prefixes.

import { attemptOutcome } from '../../src/classify/outcome.js';
import { evaluateExpect } from '../../src/probe/kinds/http.js';
import type { RememberedLocations } from '../../src/state/locations.js';
import { classifyRecorded, siteFacts } from '../support/pipeline.js';
import type { SiteFacts } from '../../src/correlate/incidents.js';
import { BUILTIN_PROVIDERS, type Catalog } from '../../src/fingerprint/index.js';
import { buildRangeIndex } from '../../src/fingerprint/ranges/trie.js';
import type { Attempt, DnsAnswer, FetchResult, ResolverSpec, SiteSpec } from '../../src/model.js';
import { attempt, dnsAnswer, fetchResult, site } from '../support/records.js';

export const NOW = new Date('2026-11-22T01:00:00.000Z');

export const catalog: Catalog = {
  providers: BUILTIN_PROVIDERS,
  ranges: buildRangeIndex({
    'aws-test': {
      provider: 'aws',
      source: 'test',
      takenAt: '2026-11-01',
      prefixes: [
        { prefix: '127.0.40.0/24', region: 'us-east-1', service: 'EC2' },
        { prefix: '127.0.41.0/24', region: 'eu-west-1', service: 'EC2' },
      ],
    },
  }),
};

export const resolver = (name: string, provider: string | null = null): ResolverSpec => ({ name, kind: 'udp', address: '127.0.0.53', port: 53, url: null, provider });
export const RESOLVERS = [resolver('alpha'), resolver('beta'), resolver('gamma')];

export const spec = (name: string, host = `${name}.test`): SiteSpec => site({ name, url: `https://${host}/` });

const anyStatus = { status: [], contains: null, matches: null, maxMs: null, challenge: 'fail', rcode: null, dnssec: false };

/** One fetch of `siteName` at `address`, credited to `resolvers`, judged as the probe stage judges it. */
export function fetched(siteName: string, address: string | null, response: Partial<FetchResult>, resolvers: string[], overrides: Partial<Attempt> = {}): Attempt {
  const fetch = fetchResult({ url: `https://${siteName}.test/`, ...response, address });
  const expect = evaluateExpect(anyStatus, fetch);
  return attempt({ ...fetch, id: `${siteName}|edge|${address ?? `dns:${resolvers[0]}`}`, site: siteName, resolver: resolvers[0] ?? null, resolvers, expect, outcome: attemptOutcome(fetch, expect), ...overrides });
}

export const noResponse = (code: string, phase: FetchResult['failedPhase']): Partial<FetchResult> => ({
  httpStatus: null,
  headers: {},
  bodySample: '',
  error: { code, message: code },
  failedPhase: phase,
  timings: { connectMs: null, tlsMs: null, ttfbMs: null, totalMs: 5 },
});

/** A and AAAA answers for `host` from each resolver: the address per resolver, or a failure. */
export function resolvedBy(host: string, byResolver: Record<string, string | DnsAnswer['outcome']>, cnameChain: string[] = []): DnsAnswer[] {
  return Object.entries(byResolver).flatMap(([r, value]) => {
    const isAddress = /^\d+\.\d+\.\d+\.\d+$/.test(value);
    const outcome = isAddress ? 'ok' : (value as DnsAnswer['outcome']);
    return [
      dnsAnswer({ resolver: r, name: host, type: 'A', outcome, rcode: outcome === 'ok' || outcome === 'empty' ? 'NOERROR' : outcome.toUpperCase(), values: isAddress ? [value] : [], cnameChain }),
      dnsAnswer({ resolver: r, name: host, type: 'AAAA', outcome: outcome === 'ok' ? 'empty' : outcome, values: [] }),
    ];
  });
}

export function facts(specs: SiteSpec[], dns: DnsAnswer[], attempts: Attempt[], memory: RememberedLocations = {}): SiteFacts[] {
  return siteFacts(classifyRecorded(specs, dns, attempts, RESOLVERS, catalog, { locations: memory, now: NOW }));
}
