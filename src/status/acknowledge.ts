// With --status-pages: does each provider with an incident acknowledge it on its official status page?
// Each page is fetched once per run (providers sharing a page share the fetch), all at once, each capped
// at min(pageTimeoutMs, time left before the run's deadline), so the whole step ends by the deadline.
// The answer is context only: it never changes an incident, the verdict or the exit code, and never throws.

import type { Incident, Layer } from '../model.js';
import type { ProviderDef, StatusPage } from '../fingerprint/types.js';
import { DEFAULT_MAX_BYTES, fetchStatusDocument, statusAgent, type StatusFetch } from './fetch.js';
import { acknowledgementFrom, parseStatusDocument, type Acknowledgement } from './statuspage.js';
import { safeLine } from '../util/text.js';
import { toProbeError } from '../util/errors.js';

export type { Acknowledgement } from './statuspage.js';

export interface AcknowledgeOptions {
  /** performance.now() time by which every status page must be done: the run's deadline. */
  deadlineAt: number;
  /** At most this long per page (default 5 s). */
  pageTimeoutMs?: number;
  /** Body cap per page (default 1 MiB). */
  maxBytes?: number;
  /** Extra CA (PEM) trusted besides Node's bundle. */
  ca?: string | null;
  /**
   * Per provider (catalog id or display name, case-insensitive): the status page to read instead of the
   * catalog's, as a URL (the catalog's kind is kept, `statuspage` when the provider has none) or {url, kind}.
   */
  statusPages?: Record<string, string | StatusPage>;
  /** "Now", for how recent a feed item is (default: the current time). */
  now?: Date;
  /** How recent a feed's latest item must be to count (default 6 h). */
  recentMs?: number;
  signal?: AbortSignal;
}

const DEFAULT_PAGE_TIMEOUT_MS = 5000;
/** Below this, a fetch cannot finish anyway: report it rather than start it. */
const MIN_USEFUL_MS = 50;

/** Words a status page would use for a failure at this layer. */
const LAYER_HINTS: Partial<Record<Layer, string[]>> = {
  'authoritative-dns': ['DNS', 'authoritative'],
  resolver: ['DNS', 'resolver', '1.1.1.1'],
  challenge: ['Turnstile', 'challenge', 'challenges', 'bot management', 'WAF'],
  tls: ['SSL', 'TLS', 'certificate', 'certificates'],
  network: ['network', 'connectivity', 'routing'],
  edge: ['CDN', 'proxy', '5xx', 'errors'],
};

function statusPageFor(provider: ProviderDef | null, name: string, overrides: Record<string, string | StatusPage>): StatusPage | null {
  const keys = [provider?.id, provider?.name, name].filter((k): k is string => Boolean(k)).map((k) => k.toLowerCase());
  const override = Object.entries(overrides).find(([k]) => keys.includes(k.toLowerCase()))?.[1];
  if (typeof override === 'string') return { url: override, kind: provider?.statusPage?.kind ?? 'statuspage' };
  if (override) return override;
  return provider?.statusPage ?? null;
}

/** The document to fetch: a Statuspage's summary.json under its root, any other kind as given. */
export function documentUrl(page: StatusPage): string | null {
  let url: URL;
  try {
    url = new URL(page.url);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  if (page.kind === 'statuspage' && !url.pathname.endsWith('.json')) {
    url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v2/summary.json`;
  }
  return url.href;
}

function hintsFor(incident: Incident): string[] {
  const located = incident as Incident & { locations?: string[] };
  return [...(located.locations ?? []), ...(LAYER_HINTS[incident.layer] ?? [])];
}

export async function acknowledgeIncidents(
  incidents: Incident[],
  catalog: { providers: ProviderDef[] },
  options: AcknowledgeOptions,
): Promise<Map<string, Acknowledgement>> {
  const result = new Map<string, Acknowledgement>();
  const agent = statusAgent(options.ca ?? null);
  try {
    const pageTimeoutMs = options.pageTimeoutMs ?? DEFAULT_PAGE_TIMEOUT_MS;
    const fetches = new Map<string, Promise<StatusFetch>>();
    const plans: Array<{ incident: Incident; page: StatusPage; url: string }> = [];
    for (const incident of incidents) {
      if (incident.provider === null) continue;
      const provider = catalog.providers.find((p) => p.name === incident.provider || p.id === incident.provider) ?? null;
      const page = statusPageFor(provider, incident.provider, options.statusPages ?? {});
      if (!page) {
        result.set(incident.id, { unknown: `no status page known for ${safeLine(incident.provider, 60)}` });
        continue;
      }
      const url = documentUrl(page);
      if (!url) {
        result.set(incident.id, { unknown: `status page URL is not http(s): ${safeLine(page.url, 120)}` });
        continue;
      }
      const key = `${page.kind} ${url}`;
      if (!fetches.has(key)) {
        const timeoutMs = Math.min(pageTimeoutMs, Math.floor(options.deadlineAt - performance.now()));
        fetches.set(
          key,
          timeoutMs < MIN_USEFUL_MS
            ? Promise.resolve({ ok: false, url, reason: 'no time left before the run deadline' })
            : fetchStatusDocument(url, {
                timeoutMs,
                maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
                dispatcher: agent,
                ...(options.signal ? { signal: options.signal } : {}),
              }),
        );
      }
      plans.push({ incident, page, url });
    }
    const done = new Map<string, StatusFetch>();
    await Promise.all([...fetches].map(async ([key, pending]) => done.set(key, await pending)));
    const now = options.now ?? new Date();
    for (const { incident, page, url } of plans) {
      const fetched = done.get(`${page.kind} ${url}`)!;
      if (!fetched.ok) {
        result.set(incident.id, { unknown: `status page ${fetched.url}: ${fetched.reason}` });
        continue;
      }
      const parsed = parseStatusDocument(page.kind, fetched.text, fetched.url, { now, ...(options.recentMs !== undefined ? { recentMs: options.recentMs } : {}) });
      result.set(incident.id, 'unknown' in parsed ? { unknown: `status page ${fetched.url}: ${parsed.unknown}` } : acknowledgementFrom(parsed.reading, hintsFor(incident)));
    }
  } catch (err) {
    // Not expected; the incidents still stand without acknowledgement.
    const error = toProbeError(err, 'ESTATUS');
    for (const incident of incidents) if (!result.has(incident.id) && incident.provider !== null) result.set(incident.id, { unknown: `${error.code}: ${error.message}` });
  } finally {
    await agent.destroy().catch(() => undefined);
  }
  return result;
}
