// Imperva (Incapsula): WAF / CDN / DDoS protection. providers.md §8. Imperva publishes no list of its error
// pages' causes; its block page (403 with an "Incapsula incident ID") is known, a branded 5xx names none.

import { provider } from './define.js';
import { ANY_5XX } from './statuses.js';

const IMPERVA_PAGE = ['Incapsula incident ID', 'Powered by Incapsula', '/_Incapsula_Resource'];

const WAFW00F = 'https://github.com/EnableSecurity/wafw00f/blob/master/wafw00f/plugins/incapsula.py';

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
    { status: [403], bodyAny: ['Incapsula incident ID'], layer: 'challenge', challenge: 'blocked', says: "Imperva blocked the request (403 with an Incapsula incident ID): a security rule, normally the site's own", source: WAFW00F },
    { status: ANY_5XX, bodyAny: IMPERVA_PAGE, layer: 'unknown', says: 'Imperva generated this 5xx itself (its branded page) without a documented cause: its edge or the origin behind it', source: WAFW00F },
    { status: ANY_5XX, layer: 'site', says: "the origin's own 5xx, passed through Imperva unchanged", source: WAFW00F },
  ],
  challengeMarkers: ['Incapsula incident ID', '/_Incapsula_Resource'],
  cnameSuffixes: ['incapdns.net', 'impervadns.net'],
  nsSuffixes: [],
  rangeSets: ['imperva'],
  statusPage: { url: 'https://status.imperva.com', kind: 'statuspage' },
});
