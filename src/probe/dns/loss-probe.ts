// Packet loss on this host's path, measured. Each plain-DNS resolver over UDP is sent LOSS_PROBES questions it
// answers from its cache — the root's name servers, which every recursive resolver holds (the session asks the same
// question to learn whether a resolver answers at all) — one datagram each, never sent again, PROBE_SPACING_MS apart.
// Such a question comes back in a round trip; one with no reply within PROBE_WAIT_MS was lost on the way there or
// back. A slow zone cannot delay them, and that is why they are asked rather than read from the run's own
// retransmissions: Unbound drops a request it has worked on for longer than its discard-timeout, 1,900 ms by default
// ("They receive no reply, the work item continues to recurse", unbound.conf(5)), so with a zone's authority 800 ms
// slow it answered only the last of each question's four sends — measured in a namespace: 12 of 16 sends unanswered,
// no packet lost — which would have read as loss where a DNS host was failing. The session sends them only once a
// question of the run was answered late or timed out at a resolver that answers: a healthy run never pays for them,
// nor a network where no resolver answers.

import type { LossProbe, WireResolverSpec } from '../../model.js';
import { sendUdpOnce } from './udp.js';

export const LOSS_PROBES = 16;
const PROBE_SPACING_MS = 25;
export const PROBE_WAIT_MS = 1_000;

/** Each resolver's probes by resolver name: sent (those that waited their full time or were answered) and answered. */
export async function probeLoss(resolvers: readonly WireResolverSpec[], signal: AbortSignal): Promise<Map<string, LossProbe>> {
  const results = await Promise.all(resolvers.map(async (r) => [r.name, await probeResolver(r, signal)] as const));
  return new Map(results);
}

async function probeResolver(resolver: WireResolverSpec, signal: AbortSignal): Promise<LossProbe> {
  const probes: Array<Promise<'answered' | 'lost' | 'none'>> = [];
  for (let i = 0; i < LOSS_PROBES && !signal.aborted; i++) {
    if (i > 0) await new Promise((resolve) => setTimeout(resolve, PROBE_SPACING_MS));
    probes.push(
      sendUdpOnce(resolver, '.', 'NS', { timeoutMs: PROBE_WAIT_MS, signal }).then((exchange) => {
        if (exchange.kind === 'reply') return 'answered';
        // Only a wait that ran its course measures the path: a refusal (nothing listens) or the run's end does not.
        return exchange.error.code === 'ETIMEDOUT' ? 'lost' : 'none';
      }),
    );
  }
  const outcomes = await Promise.all(probes);
  const answered = outcomes.filter((o) => o === 'answered').length;
  return { sent: answered + outcomes.filter((o) => o === 'lost').length, answered };
}
