// Control planes (`kind: control-plane`): a provider's management API or dashboard, declared with its provider.
// On 2025-09-12 Cloudflare's dashboard and API failed while its edge kept serving: traffic was fine and every
// change (DNS edits, deploys, purges, WAF rules) failed. That is its own incident, at layer `control-plane`,
// saying whether the same provider's edge serves this config's sites; when the edge fails too, the edge incident
// leads and the control plane is one more line of its evidence.
//
// Only what the provider itself answered counts (a 5xx, or a request it accepted and never answered): a
// control plane this host cannot connect to says nothing about the provider, and stays that site's own failure.

import type { Incident } from '../model.js';
import { plural } from '../util/text.js';
import type { SiteFacts } from './incidents.js';

function failingAttempts(site: SiteFacts) {
  return site.report.attempts.filter((a) => a.layer === 'control-plane' && a.provider !== null && !site.explained.has(a.id));
}

/**
 * `controlPlanes`: the facts of the config's control-plane endpoints; `dataPlane`: every other site;
 * `incidents`: the data-plane incidents found so far. Returns the new incidents, and the data-plane incidents
 * with the control plane's failure added to their evidence.
 */
export function controlPlaneIncidents(
  controlPlanes: Array<SiteFacts & { declared: string | null }>,
  dataPlane: SiteFacts[],
  incidents: Incident[],
): { added: Incident[]; incidents: Incident[] } {
  const byProvider = new Map<string, SiteFacts[]>();
  for (const site of controlPlanes) {
    const provider = failingAttempts(site)[0]?.provider;
    if (site.report.status === 'ok' || site.report.status === 'untested' || !provider) continue;
    byProvider.set(provider, [...(byProvider.get(provider) ?? []), site]);
  }
  const added: Incident[] = [];
  let updated = incidents;
  for (const [provider, failing] of byProvider) {
    const what = failing.map((s) => `${s.report.name} (${s.report.host}): ${failingAttempts(s)[0]!.explanation ?? 'fails'}`);
    const edgeIncident = incidents.find((i) => i.kind === 'provider' && i.provider === provider && (i.layer === 'edge' || i.layer === 'challenge'));
    if (edgeIncident) {
      updated = updated.map((i) => (i === edgeIncident ? { ...i, evidence: [...i.evidence, ...what.map((w) => `its control plane fails too: ${w}`)] } : i));
      continue;
    }
    const onEdge = dataPlane.filter((s) => s.stack.edge?.name === provider && s.report.status !== 'untested');
    const serving = onEdge.filter((s) => s.report.status === 'ok');
    const answered5xx = failing.some((s) => failingAttempts(s).some((a) => a.httpStatus !== null && a.httpStatus >= 500));
    const confidence = answered5xx ? 0.8 : 0.6;
    const traffic =
      onEdge.length === 0 ? `no site here is on ${provider}'s edge to compare with`
      : serving.length === onEdge.length ? `its edge serves your ${plural(serving.length, 'site')} normally: traffic is unaffected, changes will fail`
      : `its edge serves ${serving.length} of your ${plural(onEdge.length, 'site')} on it`;
    const how = answered5xx ? 'its API answers 5xx' : 'its API accepts requests and does not answer';
    added.push({
      id: `provider:${provider}:control-plane`,
      kind: 'provider',
      provider,
      layer: 'control-plane',
      sites: failing.map((s) => s.report.name),
      probed: failing.length + controlPlanes.filter((s) => s.report.status === 'ok' && s.declared?.toLowerCase() === provider.toLowerCase()).length,
      controls: serving.map((s) => s.report.name),
      scope: 'full',
      locations: [],
      healthyLocations: [],
      acknowledged: null,
      confidence,
      summary: `${provider} control plane incident: ${how}; ${traffic} (confidence ${confidence})`,
      evidence: [...what, ...(serving.length > 0 ? [`served normally through ${provider}'s edge: ${serving.map((s) => s.report.name).join(', ')}`] : [])],
      change: null,
      since: null,
    });
  }
  return { added, incidents: updated };
}
