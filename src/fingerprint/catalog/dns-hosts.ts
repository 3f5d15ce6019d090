// Authoritative DNS hosts that serve no HTTP themselves: an outage of one shows as the same
// SERVFAIL / timeout from every resolver for every zone on it (Dyn, 2016-10-21). providers.md §10
// (NS patterns marked "verify" there).

import { provider } from './define.js';

function dnsHost<const Id extends string>(id: Id, name: string, nsSuffixes: string[]) {
  return provider({ id, name, roles: ['authoritative-dns'], headers: [], errors: [], challengeMarkers: [], cnameSuffixes: [], nsSuffixes, rangeSets: [] });
}

export const dnsHosts = [
  dnsHost('ns1', 'NS1', ['nsone.net']),
  dnsHost('dyn', 'Dyn', ['dynect.net']),
  dnsHost('ultradns', 'UltraDNS', ['ultradns.com', 'ultradns.net', 'ultradns.org', 'ultradns.biz']),
  dnsHost('godaddy', 'GoDaddy', ['domaincontrol.com']),
  dnsHost('digitalocean', 'DigitalOcean', ['ns1.digitalocean.com', 'ns2.digitalocean.com', 'ns3.digitalocean.com']),
];
