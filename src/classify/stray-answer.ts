// An address some resolvers give for a site and others do not, where a server that is not the site's answers: a
// stale or overridden answer (a resolver's local record or old cache, a zone's name server still serving the copy
// from before a move, a poisoned cache), not the provider whose address it was. Pure.
//
// The evidence, all of it from this run:
//   - the server at the address refuses the name: its certificate is for other names, or it refuses TLS for the
//     name (an unrecognised-name or handshake-failure alert), so it does not claim to serve the site at all;
//   - other resolvers give other addresses, and a fetch to one of them served the site;
//   - published address ranges tell the two apart: the stray address and the served one belong to different
//     providers (or one to a provider and the other to none). Within one provider's ranges two addresses are its
//     own steering (one point of presence serving a wrong certificate is that provider's, or the site's setup there),
//     and two addresses in nobody's ranges (the site's own servers behind a global load balancer) cannot be told
//     from a stale answer: those keep their TLS reading.

import type { Attempt, DnsAnswer } from '../model.js';
import type { Catalog } from '../fingerprint/index.js';
import { matchAddress } from '../fingerprint/match.js';
import { HOSTS_FILE } from '../util/hosts-file.js';
import { ipFamily } from '../util/ip.js';
import { listNames, plural } from '../util/text.js';
import { hostAddressAnswers } from './dns-facts.js';

/** The server at the address does not claim the name: its certificate names others, or it refuses TLS for the name. */
const REFUSES_THE_NAME: ReadonlySet<string> = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'ERR_SSL_TLSV1_UNRECOGNIZED_NAME', 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE']);

export interface StrayReading {
  layer: 'resolver' | 'authoritative-dns';
  provider: string | null;
  explanation: string;
}

/**
 * By attempt id, the reading of each failed edge attempt that went to a stray address of `host`. Empty for a site
 * whose fetches all served, or none did, or whose resolvers agree (nearly every site).
 */
export function strayAnswerReadings(host: string, dns: DnsAnswer[], attempts: Attempt[], catalog: Catalog, resolverProviders: Record<string, string | null>): ReadonlyMap<string, StrayReading> {
  const refused = attempts.filter((a) => a.path === 'edge' && a.outcome !== 'ok' && a.address !== null && a.error !== null && REFUSES_THE_NAME.has(a.error.code));
  if (refused.length === 0) return NONE;
  const served = attempts.filter((a) => a.path === 'edge' && a.outcome === 'ok' && a.address !== null);
  if (served.length === 0) return NONE;
  // A pin in /etc/hosts is the file's, said by the host rules (correlate/host.ts), not a resolver's answer.
  const givers = new Map<string, Set<string>>();
  for (const d of hostAddressAnswers(dns, host)) {
    if (d.outcome !== 'ok' || d.server === HOSTS_FILE) continue;
    for (const v of d.values) (givers.get(v) ?? givers.set(v, new Set()).get(v)!).add(d.resolver);
  }
  const providerOf = (address: string) => matchAddress(address, catalog.ranges, catalog.providers)[0]?.provider ?? null;
  const readings = new Map<string, StrayReading>();
  for (const a of refused) {
    const giving = givers.get(a.address!);
    if (!giving || !a.resolvers.every((r) => giving.has(r))) continue;
    const stray = providerOf(a.address!);
    // The served fetches through resolvers that do not give this address, at an address ranges tell apart.
    const apart = served.filter((s) => s.address !== a.address && s.resolvers.some((r) => !giving.has(r)) && providerOf(s.address!) !== stray);
    if (apart.length === 0) continue;
    const sameFamily = apart.filter((s) => ipFamily(s.address!) === ipFamily(a.address!));
    const shown = (sameFamily.length > 0 ? sameFamily : apart)[0]!;
    const others = [...new Set(apart.flatMap((s) => s.resolvers.filter((r) => !giving.has(r))))];
    const operators = new Set([...giving].map((r) => resolverProviders[r] ?? `resolver ${r}`));
    const ranges = (address: string) => {
      const provider = providerOf(address);
      return `${address} (${provider === null ? 'in no published range' : `${providerName(catalog, provider)}'s range`})`;
    };
    const refusal =
      a.error!.code === 'ERR_TLS_CERT_ALTNAME_INVALID' && a.tls !== null
        ? `whose server's certificate is for ${certificateNames(a.tls.subjectAltNames, a.tls.subject)}`
        : `whose server refuses TLS for the name (${a.error!.code})`;
    const whose = giving.size === 1 ? `resolver ${[...giving][0]}'s` : `resolvers ${listNames([...giving])}'`;
    const said = `${whose} address for ${host}, ${ranges(a.address!)}, is not where it is served: ${refusal}, while ${listNames(others)} ${others.length === 1 ? 'gives' : 'give'} ${ranges(shown.address!)}, which serves it`;
    readings.set(
      a.id,
      operators.size === 1
        ? {
            layer: 'resolver',
            provider: resolverProviders[[...giving][0]!] ?? null,
            explanation: `${said}. A stale or overridden answer — ${giving.size === 1 ? 'the resolver' : 'their operator'}'s own (a local DNS record, an old cache) or a name server of the zone still serving an old copy; not the site's provider`,
          }
        : {
            layer: 'authoritative-dns',
            provider: null,
            explanation: `${said}. Resolvers of ${plural(operators.size, 'operator')} hold the same stray answer, so the zone's name servers likely disagree (one still serving an old copy); not the site's provider`,
          },
    );
  }
  return readings;
}

/** "news.example.org, www.news.example.org": the certificate's names, or its subject when it lists none. */
function certificateNames(names: string[], subject: string): string {
  return names.length > 0 ? listNames(names, 3) : subject || 'other names';
}

function providerName(catalog: Catalog, id: string): string {
  return catalog.providers.find((p) => p.id === id)?.name ?? id;
}

const NONE: ReadonlyMap<string, StrayReading> = new Map();
