// Imperva (Incapsula): WAF / CDN / DDoS protection. providers.md §8.

import { provider } from './define.js';
import { ANY_5XX } from './statuses.js';

const IMPERVA_PAGE = ['Incapsula incident ID', 'Powered by Incapsula', '/_Incapsula_Resource'];

export const imperva = provider({
  id: 'imperva',
  name: 'Imperva',
  roles: ['edge', 'challenge'],
  headers: [
    { header: 'x-iinfo', weight: 'strong' },
    { header: 'x-cdn', pattern: '^(?:Imperva|Incapsula)', weight: 'strong' },
    { header: 'set-cookie', pattern: '(?:^|[\\s,;])(?:visid_incap_|incap_ses_|nlbi_)', weight: 'strong' },
  ],
  errors: [
    { status: [403], bodyAny: ['Incapsula incident ID'], layer: 'challenge', says: "Imperva blocked the request (403 with an Incapsula incident ID): a security rule, normally the site's own" },
    { status: ANY_5XX, bodyAny: IMPERVA_PAGE, layer: 'edge', says: 'Imperva generated this 5xx itself (its branded page): a failure at its edge' },
    { status: ANY_5XX, layer: 'site', says: "the origin's own 5xx, passed through Imperva unchanged" },
  ],
  challengeMarkers: ['Incapsula incident ID', '/_Incapsula_Resource'],
  cnameSuffixes: ['incapdns.net', 'impervadns.net'],
  nsSuffixes: [],
  rangeSets: ['imperva'],
  statusPage: { url: 'https://status.imperva.com', kind: 'statuspage' },
});
