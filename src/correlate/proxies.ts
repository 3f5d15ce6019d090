// A CONNECT proxy the config tunnels through (`paths: [{ proxy: URL }]`: a company's way out, a vantage elsewhere),
// failing for every site: it opened a tunnel for none of them, while their other paths say what they do. That is the
// proxy's failure, said about the proxy — an incident named by it, as a redirect target's is — never each site's
// ("4 degraded; no shared cause found"). A proxy that says it could not reach a site (its 5xx, or no answer to
// CONNECT) is held to it only for a site that serves on another path: for a site down on its own paths too, the
// proxy failed as everyone does (classify/proxy-failure.ts). Pure.

import { proxyFailure, whyNoTunnel } from '../classify/proxy-failure.js';
import type { Attempt, Incident } from '../model.js';
import { plural } from '../util/text.js';
import { dependencyIncident, type AttributionOptions, type SiteFacts } from './incidents.js';
import { describeErrors } from './host.js';

export interface ProxyFailures {
  incidents: Incident[];
  /** Ids of the attempts these incidents explain. */
  claimed: ReadonlySet<string>;
}

/** What the proxy answered, counted, and why it opened no tunnel. */
function proxyWords(attempts: Attempt[]): string {
  const codes = attempts.map((a) => ({ code: a.error?.code ?? a.outcome }));
  return `it opened a tunnel for none of them (${describeErrors(codes)}): ${whyNoTunnel(attempts)}`;
}

/**
 * Proxies that opened a tunnel for no site, at `minSites` sites or more (two at least) — a proxy that tunnels for
 * some sites leaves each failure to its site. The sites' own paths that served are the controls: what fails is the
 * way through the proxy, not the sites.
 */
export function proxyFailures(sites: SiteFacts[], options: AttributionOptions): ProxyFailures {
  const byProxy = new Map<string, { attempts: Attempt[]; sites: Set<SiteFacts> }>();
  for (const s of sites) {
    for (const a of s.report.attempts) {
      if (a.path !== 'proxy' || a.proxy === null || s.explained.has(a.id)) continue;
      let entry = byProxy.get(a.proxy);
      if (!entry) byProxy.set(a.proxy, (entry = { attempts: [], sites: new Set() }));
      entry.attempts.push(a);
      entry.sites.add(s);
    }
  }
  const incidents: Incident[] = [];
  const claimed = new Set<string>();
  for (const [proxy, { attempts, sites: through }] of byProxy) {
    if (through.size < Math.max(2, options.minSites)) continue;
    if (!attempts.every((a) => a.outcome !== 'ok' && a.failedPhase === 'proxy')) continue;
    const servesOtherwise = (s: SiteFacts) => s.report.attempts.some((a) => a.path !== 'proxy' && a.outcome === 'ok');
    // A site the proxy could not reach, down on its other paths too, says nothing against the proxy.
    const failing = [...through].filter((s) => servesOtherwise(s) || s.report.attempts.some((a) => a.proxy === proxy && proxyFailure(a) === 'proxy'));
    if (failing.length < Math.max(2, options.minSites)) continue;
    const failingNames = new Set(failing.map((s) => s.report.name));
    const held = attempts.filter((a) => failingNames.has(a.site));
    for (const a of held) claimed.add(a.id);
    const servedOtherwise = failing.filter(servesOtherwise);
    // Healthy sites not fetched through it: what the incident leaves standing.
    const controls = sites.filter((s) => !through.has(s) && s.report.status === 'ok').map((s) => s.report.name);
    // The config's own spelling, http://host:port: it takes no credentials (config/values.ts, parseProxyUrl).
    const name = `proxy ${proxy}`;
    incidents.push(
      dependencyIncident({
        name,
        layer: 'network',
        sites: failing,
        probed: failing.length,
        controls,
        partial: false,
        confidence: Math.round(Math.min(0.95, 0.7 + 0.05 * failing.length) * 100) / 100,
        clauses: [
          `${plural(failing.length, 'site')} tunnelled through it fail there: ${proxyWords(held)}`,
          servedOtherwise.length === failing.length
            ? `${failing.length === 1 ? 'it answers' : 'each answers'} on its other paths: the proxy fails, not the sites`
            : servedOtherwise.length > 0
              ? `${servedOtherwise.length} of them answer${servedOtherwise.length === 1 ? 's' : ''} on other paths: the proxy fails, not the sites`
              : 'none answered on another path here: the proxy fails, whatever the sites do',
        ],
        evidence: held.slice(0, 3).map((a) => `${a.site}: ${a.explanation ?? a.error?.message ?? a.outcome}`),
      }),
    );
  }
  return { incidents, claimed };
}
