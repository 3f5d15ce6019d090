// Could a failed first try be the server refusing this run's own crowd at its address? A server that limits each
// client's connections or requests in process answers the one over its limit at once: nginx's limit_conn and
// limit_req with their status (503 unless set, 429 often; https://nginx.org/en/docs/http/ngx_http_limit_conn_module.html),
// a pool of workers full behind a proxy (502, 504), a firewall's connlimit refusing or resetting the connection.
// Such a try is asked again alone at its address (probe/kinds/http.ts): what that gives is the site. Not:
// - a provider's own page (behind a CDN the origin never sees this client, and the CDN's limits are its own pages:
//   classify/layer.ts reads them), nor a status from past the server's own answer (a redirect's other host);
// - a timeout once connected: asking again alone would cost a whole wait each, one after another, and a limit
//   answers at once.
// A connect that timed out is one: a limit that drops the connections over it (a firewall's connlimit with drop, as
// the nftables wiki writes it: https://wiki.nftables.org/wiki-nftables/index.php/Meters) answers nothing, and TCP's
// SYN sent again after 1 s and 3 s meets the same crowd. No server knows the site before the connection opens: a
// connect to an address that accepted this run's other connections meanwhile failed for the crowd (or a loss on the
// way), never for its site; the probe asks it again alone only where the server served some fetch since it began.
// Not at an address in an edge provider's published ranges: a CDN's edge takes millions of clients' connections, and
// one that times out there is the edge or the way to it failing — an outage's first sign, not this run's crowd.
// Pure.

import type { RawAttempt } from '../model.js';
import type { Catalog } from '../fingerprint/index.js';
import { isHostingMatch, matchAddress } from '../fingerprint/match.js';
import { respondingProviders } from './layer.js';
import { attemptOutcome, CONNECTION_ENDED, connectTimedOut, endedByOwnDeadline } from './outcome.js';

export function mayBeCrowding(raw: RawAttempt, catalog: Catalog): boolean {
  if (raw.address === null || raw.proxy !== null || raw.redirects.length > 0) return false;
  const outcome = attemptOutcome(raw, raw.expect);
  if (outcome === 'timeout') return connectTimedOut(raw) && !atProviderEdge(raw.address, catalog);
  if (outcome === 'ok') return false;
  if (raw.httpStatus !== null) return (raw.httpStatus >= 500 || raw.httpStatus === 429) && respondingProviders(raw, catalog).length === 0;
  const code = raw.error?.code;
  if (code === undefined) return false;
  if (code === 'ECONNREFUSED') return raw.failedPhase === 'connect';
  return CONNECTION_ENDED.has(code) && (raw.failedPhase === 'connect' || raw.failedPhase === 'tls' || raw.failedPhase === 'response');
}

/** Is the address in an edge provider's published ranges (a hosting range holds customers' own servers: not)? */
function atProviderEdge(address: string, catalog: Catalog): boolean {
  const match = matchAddress(address, catalog.ranges, catalog.providers)[0];
  if (!match || isHostingMatch(match, catalog.providers)) return false;
  return catalog.providers.find((p) => p.id === match.provider)?.roles.includes('edge') === true;
}

/**
 * Did this attempt wait its whole time with no answer from its server (a timeout before any response, not the run's
 * own end)? A server that served none of this run's fetches meanwhile and answers so is refusing no crowd: the probe
 * lifts its limit on fetches at once (probe/address-slots.ts), or many sites there would time out a few at a time;
 * and after serving some, it stopped answering (correlate/onset.ts).
 */
export function unanswered(raw: Pick<RawAttempt, 'error' | 'failedPhase' | 'httpStatus' | 'path' | 'expect'>): boolean {
  return raw.httpStatus === null && !endedByOwnDeadline(raw) && attemptOutcome(raw, raw.expect) === 'timeout';
}
