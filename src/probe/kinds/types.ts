// What a probe kind is: how it plans a site (pure), how it probes one (the I/O), and how it probes one attempt
// again for --samples. One file per kind, one row in the table (kinds/index.ts), blackbox_exporter style.

import type { ProbeKindId, RawAttempt, RawSite, SampleResult, SiteSpec } from '../../model.js';
import type { SitePlanner, SitePlan } from '../../plan/index.js';
import type { ProbeSession } from '../session.js';

/** The provider's own health endpoint, fetched through the same address when an attempt failed. */
export interface SelfTestSpec {
  path: string;
  /** Text a healthy answer contains. */
  expect: string;
  /** `key=value` line of the answer naming the location (colo), if any. */
  locationKey?: string;
}

/**
 * Decisions the probe stage needs but must not make itself (they read the fingerprint catalog and judge
 * outcomes): handed in by the pipeline from classify/.
 */
export interface ProbePolicy {
  /** For a finished attempt: the health endpoint to fetch through the same address, or null. */
  selfTestFor?: (attempt: RawAttempt) => SelfTestSpec | null;
  /** Did this attempt fail (so --samples probes it again)? */
  failed: (attempt: RawAttempt) => boolean;
  /**
   * Could this failed first try be its server refusing this run's crowd there (classify/crowding.ts)? Then, when
   * other fetches were at its address meanwhile and the server serves some, it is asked again alone. Never, when absent.
   */
  mayBeCrowding?: (attempt: RawAttempt) => boolean;
  /**
   * Did this failed attempt wait its whole time without an answer from the server (a timeout before any response; not
   * the run's own end)? A server that has served none of this run's fetches and answers so gets no limit on fetches
   * at once there (probe/address-slots.ts). Never, when absent.
   */
  unanswered?: (attempt: RawAttempt) => boolean;
}

export interface ProbeKind {
  id: ProbeKindId;
  plan: SitePlanner;
  probe(plan: SitePlan, session: ProbeSession, policy: ProbePolicy): Promise<RawSite>;
  /** The record of a site not probed at all: the run stopped (deadline or signal) before its turn. */
  notProbed(site: SiteSpec, signal: AbortSignal): RawSite;
  /** Probe one attempt again, the same way (--samples), within the session's slots as the first try was. */
  again(attempt: RawAttempt, site: SiteSpec, session: ProbeSession, policy: ProbePolicy): Promise<SampleResult>;
}
