// The probe kinds, by the `probe:` a site names in probes.yaml. Adding a kind: one file exporting its ProbeKind,
// one row here (and its config keys).

import type { ProbeKindId } from '../../model.js';
import type { SitePlanner } from '../../plan/index.js';
import { dnsKind } from './dns.js';
import { httpKind } from './http.js';
import type { ProbeKind } from './types.js';

export const PROBE_KINDS: Record<ProbeKindId, ProbeKind> = {
  http: httpKind,
  dns: dnsKind,
};

/** Each kind's planner, for plan/ (which must not import probe/ itself). */
export const SITE_PLANNERS = Object.fromEntries(Object.values(PROBE_KINDS).map((k) => [k.id, k.plan])) as Record<ProbeKindId, SitePlanner>;

export type { ProbeKind, ProbePolicy, SelfTestSpec } from './types.js';
