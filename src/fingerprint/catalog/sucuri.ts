// Sucuri Website Firewall. providers.md §8; headers from
// https://docs.sucuri.net/website-firewall/troubleshooting/investigating-cache-headers/. A block carries the
// firewall's own X-Sucuri-Block header whatever the page looks like: resellers (GoDaddy's Website Firewall is
// Sucuri's) brand the page their own way, so the header, not the page text, is what says "blocked".

import { firstGroup, provider } from './define.js';
import { ANY_5XX } from './statuses.js';

const BLOCK_PAGE = ['Sucuri WebSite Firewall - Access Denied', 'sucuri-firewall-block.css'];

const CACHE_HEADERS = 'https://docs.sucuri.net/website-firewall/troubleshooting/investigating-cache-headers/';
const TROUBLESHOOTING = 'https://docs.sucuri.net/website-firewall/sucuri-firewall-troubleshooting-guide/';
const WAFW00F = 'https://github.com/EnableSecurity/wafw00f/blob/master/wafw00f/plugins/sucuri.py';

export const sucuri = provider({
  id: 'sucuri',
  name: 'Sucuri',
  roles: ['edge', 'challenge'],
  headers: [
    { header: 'server', pattern: '^Sucuri/', weight: 'strong' }, // Sucuri/Website Firewall, old Sucuri/Cloudproxy
    { header: 'x-sucuri-id', weight: 'strong' }, // PoP id, e.g. 11005
    { header: 'x-sucuri-cache', weight: 'strong' },
    { header: 'x-sucuri-block', weight: 'strong' },
  ],
  errors: [
    { header: { name: 'x-sucuri-block' }, layer: 'challenge', challenge: 'blocked', says: "the Sucuri firewall blocked the request (X-Sucuri-Block): a security rule, normally the site's own", source: WAFW00F },
    { bodyAny: BLOCK_PAGE, layer: 'challenge', challenge: 'blocked', says: "the Sucuri firewall blocked the request: a security rule, normally the site's own", source: WAFW00F },
    { status: [502, 503, 504], header: { name: 'x-sucuri-id' }, layer: 'origin', says: 'Sucuri answered 502/503/504: the firewall is up, the origin behind it failed or timed out', source: TROUBLESHOOTING },
    { status: ANY_5XX, layer: 'site', says: "the origin's own 5xx, passed through Sucuri", source: CACHE_HEADERS },
  ],
  challengeMarkers: BLOCK_PAGE,
  cnameSuffixes: [],
  nsSuffixes: [],
  rangeSets: ['sucuri'],
  popHeaders: [{ header: 'x-sucuri-id', read: firstGroup(/^(\d{1,8})$/) }], // 11005
});
