// What a config means when it does not say: filled in here, once, so later stages never guess.

import type { AttributionSettings, ExpectSpec, PathSelection, ProbeSettings, RunSettings, AlertSettings } from '../model.js';
import { TOOL_VERSION } from '../version.js';

export function defaultUserAgent(): string {
  return `outage-probe/${TOOL_VERSION}`;
}

export const DEFAULT_ALERTS: Readonly<AlertSettings> = { failureThreshold: 1, successThreshold: 1, reminderIntervalMs: null, flapWindow: 5 };

export const DEFAULT_ATTRIBUTION: Readonly<AttributionSettings> = { minSites: 2, samples: 1, intervalMs: 5000 };

export const DEFAULT_RUN_SETTINGS: Readonly<RunSettings> = { deadlineMs: 30_000, concurrency: 32, perHostConcurrency: 4, perAddressConcurrency: 8 };

/** paths: [edge, origin] over both address families. */
export function defaultPaths(): PathSelection {
  return { edge: true, ipv4: true, ipv6: true, origin: true, proxies: [] };
}

export function defaultProbeSettings(): ProbeSettings {
  return {
    timeoutMs: 5_000,
    paths: defaultPaths(),
    maxAddressesPerFamily: 4,
    userAgent: defaultUserAgent(),
    bodySampleBytes: 64 * 1024,
    maxRedirects: 5,
  };
}

/** No expectations: any 2xx or 3xx passes. */
export function defaultExpect(): ExpectSpec {
  return { status: [], contains: null, matches: null, maxMs: null, challenge: 'fail', rcode: null, dnssec: false };
}

/** What a site that sets no paths, expect or headers of its own has. */
export type UnsetSiteFields = Readonly<{ paths: PathSelection; expect: ExpectSpec; headers: Record<string, string> }>;

/**
 * One paths, expect and headers record for every site of a config (or list) that sets none of its own, so 100,000
 * sites cost 100,000 small records, not 100,000 copies of each (a 10,000-site config's ~2.5 MB of kept heap). Frozen:
 * no stage can change one site's settings through another's (nothing changes a spec once made; a change would throw).
 */
export function unsetSiteFields(settings: ProbeSettings): UnsetSiteFields {
  const { paths } = settings;
  const expect = defaultExpect();
  return Object.freeze({
    paths: Object.freeze({ ...paths, proxies: Object.freeze([...paths.proxies]) as string[] }),
    expect: Object.freeze({ ...expect, status: Object.freeze(expect.status) as number[] }),
    headers: Object.freeze({}) as Record<string, string>,
  });
}


export const DEFAULT_METHOD = 'GET';
