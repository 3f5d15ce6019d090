// The packaged probes.yaml's own internet, inside a network namespace (netns.ts), so the first screen a new user
// sees can be run and pinned: its seven resolvers on their operators' real addresses (1.1.1.1, 8.8.8.8, 9.9.9.9
// over UDP and TCP; cloudflare-dns.com, dns.google and dns.quad9.net over DoH), the host's own resolver in
// /etc/resolv.conf, and its thirteen sites on their real names. Every fact here is one the tool reads elsewhere:
// each site's address lies in its provider's published ranges (src/fingerprint/ranges/snapshot.json, which cites
// each list), its CNAME chain ends under a suffix its provider's catalog entry cites, and it answers with its
// provider's healthy response from the lab corpus (src/lab/corpus/, which cites each page). The names and the
// resolvers are the packaged probes.yaml's. Nothing leaves the namespace: every address is an alias on its lo.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCa } from './ca.js';
import { corpusEntry } from './corpus/index.js';
import { startDnsServer, type DnsZoneData } from './dns-server.js';
import { startHttpServer } from './http-server.js';
import { addAddresses, bindResolvConf, dnsBlocked, loopbackUp, shapeHost, type Shaping } from './netns.js';
import type { EdgeRequest } from './personalities/types.js';

/**
 * The packaged default's sites: the host its URL names, its provider's corpus family, its addresses and chain. The
 * IPv6 address (served only by a dual-stack world) lies in the provider's published IPv6 ranges as the IPv4 one lies
 * in its IPv4 ranges; for Cloudflare's it is the IPv4 address embedded, as Cloudflare's own are.
 */
export const PACKAGED_SITES = [
  { name: 'cloudflare', host: 'www.cloudflare.com', corpus: 'cloudflare', address: '104.16.123.96', address6: '2606:4700::6810:7b60', chain: [], ns: ['ns3.cloudflare.com', 'ns4.cloudflare.com'] },
  { name: 'discord', host: 'discord.com', corpus: 'cloudflare', address: '162.159.138.232', address6: '2606:4700::a29f:8ae8', chain: [], ns: ['gabe.ns.cloudflare.com', 'sima.ns.cloudflare.com'] },
  { name: 'medium', host: 'medium.com', corpus: 'cloudflare', address: '162.159.152.4', address6: '2606:4700::a29f:9804', chain: [], ns: ['alina.ns.cloudflare.com', 'kip.ns.cloudflare.com'] },
  { name: 'reddit', host: 'www.reddit.com', corpus: 'fastly', address: '151.101.1.140', address6: '2a04:4e42::396', chain: ['reddit.map.fastly.net'], ns: ['ns-557.awsdns-05.net', 'ns-1029.awsdns-00.org'] },
  { name: 'pypi', host: 'pypi.org', corpus: 'fastly', address: '151.101.64.223', address6: '2a04:4e42::223', chain: [], ns: ['ns-1171.awsdns-18.org', 'ns-666.awsdns-19.net'] },
  { name: 'guardian', host: 'www.theguardian.com', corpus: 'fastly', address: '151.101.129.111', address6: '2a04:4e42:1d::367', chain: ['dualstack.guardian.map.fastly.net'], ns: ['ns-1513.awsdns-61.org', 'ns-374.awsdns-46.com'] },
  { name: 'apple', host: 'www.apple.com', corpus: 'akamai', address: '23.38.164.47', address6: '2a02:26f0:1180:597::1aca', chain: ['www.apple.com.edgekey.net', 'e6858.dscx.akamaiedge.net'], ns: ['a.ns.apple.com', 'b.ns.apple.com'] },
  { name: 'microsoft', host: 'www.microsoft.com', corpus: 'akamai', address: '23.52.181.110', address6: '2600:1406:3a00:293::356e', chain: ['www.microsoft.com-c-3.edgekey.net', 'e13678.dscb.akamaiedge.net'], ns: ['ns1-39.azure-dns.com', 'ns2-39.azure-dns.net'] },
  { name: 'aws', host: 'aws.amazon.com', corpus: 'cloudfront', address: '13.32.121.48', address6: '2600:9000:3001:a00::1', chain: ['dr49lng3n1n2s.cloudfront.net'], ns: ['ns1.amzndns.com', 'ns2.amzndns.org'] },
  { name: 'imdb', host: 'www.imdb.com', corpus: 'cloudfront', address: '13.224.97.51', address6: '2600:9000:3002:b00::2', chain: ['d1ykn9xy4g3bka.cloudfront.net'], ns: ['ns1.amzndns.com', 'ns2.amzndns.org'] },
  { name: 'azure', host: 'azure.microsoft.com', corpus: 'azure-front-door', address: '13.107.213.41', address6: '2603:1000:4::5e1', chain: ['azure-microsoft-com.azurefd.net'], ns: ['ns1-39.azure-dns.com', 'ns2-39.azure-dns.net'] },
  { name: 'google', host: 'www.google.com', corpus: 'google', address: '142.250.185.100', address6: '2a00:1450:4001:82b::2004', chain: [], ns: ['ns1.google.com', 'ns2.google.com'] },
  { name: 'youtube', host: 'www.youtube.com', corpus: 'google', address: '142.250.185.110', address6: '2a00:1450:4001:82b::200e', chain: ['youtube-ui.l.google.com'], ns: ['ns1.google.com', 'ns2.google.com'] },
] as const;

/** The packaged resolvers' servers: plain DNS on its published addresses, DoH on the name its URL uses. */
export const PACKAGED_OPERATORS = [
  // The IPv6 addresses are the operators' published resolver addresses (developers.cloudflare.com/1.1.1.1/ip-addresses/,
  // developers.google.com/speed/public-dns/docs/using, quad9.net/service/service-addresses-and-features), which their
  // DoH names also answer with; cloudflare-dns.com's is the IPv4 one embedded, as its IPv4 one is Cloudflare's range.
  { provider: 'cloudflare', udp: '1.1.1.1', doh: { name: 'cloudflare-dns.com', address: '104.16.248.249', address6: '2606:4700::6810:f8f9' } },
  { provider: 'google', udp: '8.8.8.8', doh: { name: 'dns.google', address: '8.8.8.8', address6: '2001:4860:4860::8888' } },
  { provider: 'quad9', udp: '9.9.9.9', doh: { name: 'dns.quad9.net', address: '9.9.9.9', address6: '2620:fe::fe' } },
] as const;
/** The host's own resolver (an ISP's), in /etc/resolv.conf: the packaged "system" resolver. */
const SYSTEM_RESOLVER = '192.168.53.53';

export type PackagedFault =
  /** Cloudflare's edge answers every request with its own 500 page (as on 2025-11-18). */
  | 'cloudflare-edge-5xx'
  /** Cloudflare's resolver goes dark on every transport: 1.1.1.1 drops port 53, its DoH answers 503. */
  | 'cloudflare-resolver-down'
  /** The same, on a host whose /etc/resolv.conf names 1.1.1.1: its own resolver goes dark with Cloudflare's. */
  | 'cloudflare-resolver-down-host-asks-it';

export interface PackagedWorldOptions {
  /**
   * Every site and DoH server answers over IPv6 too (AAAA records, servers on both families), as on a dual-stack
   * host's Internet; without, the world has no IPv6 at all, as an IPv4-only host sees it.
   */
  dualStack?: boolean;
  /**
   * Each healthy page padded to this many bytes of HTML or more, as real home pages are (the HTTP Archive's Web
   * Almanac puts the median page's HTML near 30 KB), the sites' pages in PACKAGED_SITES order 4 KB longer each, as
   * pages differ; without, each is its corpus page's few hundred bytes.
   */
  pageBytes?: number;
}

export interface PackagedWorld {
  /** The lab CA's certificate: trust it with NODE_EXTRA_CA_CERTS, as a real host trusts the public CAs. */
  caPath: string;
  close(): Promise<void>;
}

function zoneData(dualStack: boolean): DnsZoneData {
  const records: DnsZoneData['records'] = {};
  const zones = new Set<string>();
  for (const site of PACKAGED_SITES) {
    const zone = site.host.split('.').slice(-2).join('.');
    zones.add(zone);
    records[zone] = { ...records[zone], NS: [...site.ns] };
    const names = [site.host, ...site.chain];
    names.forEach((name, i) => {
      const next = names[i + 1];
      records[name] = next ? { CNAME: next } : { A: [site.address], ...(dualStack ? { AAAA: [site.address6] } : {}) };
      // Each chain name's zone is known to the lab server too, so its NS walk ends somewhere.
      zones.add(name.split('.').slice(-2).join('.'));
    });
  }
  for (const operator of PACKAGED_OPERATORS) {
    records[operator.doh.name] = { A: [operator.doh.address], ...(dualStack ? { AAAA: [operator.doh.address6] } : {}) };
    zones.add(operator.doh.name.split('.').slice(-2).join('.'));
  }
  return { records, zones: [...zones] };
}

/** Start the packaged default's internet: call inside a namespace made by runInNamespace. */
export async function startPackagedWorld(fault: PackagedFault | null = null, options: PackagedWorldOptions = {}): Promise<PackagedWorld> {
  const dualStack = options.dualStack === true;
  loopbackUp();
  const dir = mkdtempSync(join(tmpdir(), 'outage-probe-packaged-'));
  const ca = createCa();
  const caPath = join(dir, 'ca.pem');
  writeFileSync(caPath, ca.cert);
  const dohAddresses = PACKAGED_OPERATORS.map((o) => o.doh.address).filter((a) => !PACKAGED_OPERATORS.some((o) => o.udp === a));
  const ipv6 = dualStack ? [...PACKAGED_OPERATORS.map((o) => o.doh.address6), ...PACKAGED_SITES.map((s) => s.address6)] : [];
  addAddresses([...PACKAGED_OPERATORS.map((o) => o.udp), ...dohAddresses, SYSTEM_RESOLVER, ...PACKAGED_SITES.map((s) => s.address), ...ipv6]);
  const hostAsksCloudflare = fault === 'cloudflare-resolver-down-host-asks-it';
  bindResolvConf([hostAsksCloudflare ? '1.1.1.1' : SYSTEM_RESOLVER], { timeoutSeconds: 1, attempts: 1 });

  const data = zoneData(dualStack);
  const closers: Array<{ close(): Promise<void> | void }> = [];
  const shapings: Shaping[] = [];
  try {
    const cloudflareDown = fault === 'cloudflare-resolver-down' || hostAsksCloudflare;
    for (const operator of PACKAGED_OPERATORS) {
      // Its DoH server on every address it has: failing (503) while the operator's resolver is down.
      const doh = { ...ca.issue([operator.doh.name]), port: 443 };
      const dohServer = { data, doh, ...(cloudflareDown && operator.provider === 'cloudflare' ? { dohStatus: () => 503 } : {}) };
      if (operator.doh.address === operator.udp) {
        closers.push(await startDnsServer({ host: operator.udp, port: 53, ...dohServer }));
      } else {
        closers.push(await startDnsServer({ host: operator.udp, port: 53, data }));
        closers.push(await startDnsServer({ host: operator.doh.address, port: 53, ...dohServer }));
      }
      if (dualStack) closers.push(await startDnsServer({ host: operator.doh.address6, port: 53, ...dohServer }));
    }
    closers.push(await startDnsServer({ host: SYSTEM_RESOLVER, port: 53, data }));
    for (const [index, site] of PACKAGED_SITES.entries()) {
      const pageBytes = options.pageBytes === undefined ? 0 : options.pageBytes + 4096 * index;
      const failing = fault === 'cloudflare-edge-5xx' && site.corpus === 'cloudflare';
      const entry = corpusEntry(`${site.corpus}/${failing ? '500' : 'healthy'}`);
      const tls = ca.issue([site.host]);
      for (const host of dualStack ? [site.address, site.address6] : [site.address]) {
        closers.push(
          await startHttpServer({
            host,
            port: 443,
            tls,
            handler: (req) => {
              const request: EdgeRequest = { host: site.host, path: req.path, method: req.method, userAgent: req.headers['user-agent'] ?? '', httpVersion: '1.1', edgeIndex: 0, pop: null, now: new Date() };
              const answer = entry.respond(request);
              return { kind: 'respond', status: answer.status, headers: answer.headers, body: padded(answer.body, failing ? 0 : pageBytes) };
            },
          }),
        );
      }
    }
    // 2025-07-14: Cloudflare's resolver addresses withdrawn; here its port 53 drops and its DoH answers 503.
    if (cloudflareDown) shapings.push(shapeHost(dnsBlocked(['1.1.1.1'], 'drop')));
  } catch (err) {
    await Promise.all(closers.map((c) => c.close()));
    throw err;
  }
  return {
    caPath,
    async close() {
      for (const s of shapings) s.undo();
      await Promise.all(closers.map((c) => c.close()));
    },
  };
}

/** `body` with an HTML comment appended to make it about `bytes` long (a body already that long is left as it is). */
function padded(body: string, bytes: number): string {
  const length = Buffer.byteLength(body);
  if (length >= bytes) return body;
  return `${body}<!-- ${'x'.repeat(Math.max(0, bytes - length - 9))} -->`;
}
