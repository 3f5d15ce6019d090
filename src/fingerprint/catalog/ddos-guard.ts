// DDoS-Guard. providers.md §8 (wafw00f, FlareSolverr markers). No public IP list.

import { provider } from './define.js';
import { ANY_5XX } from './statuses.js';

const CHALLENGE = ['<title>DDoS-Guard', 'id="link-ddg"'];

const WAFW00F = 'https://github.com/EnableSecurity/wafw00f/blob/master/wafw00f/plugins/ddosguard.py';

export const ddosGuard = provider({
  id: 'ddos-guard',
  name: 'DDoS-Guard',
  roles: ['edge', 'challenge'],
  headers: [
    { header: 'server', pattern: '^ddos-guard', weight: 'strong' },
    { header: 'set-cookie', pattern: '(?:^|[\\s,;])(?:__ddg1_|__ddg2_|__ddgid_|__ddgmark_)', weight: 'strong' },
  ],
  errors: [
    { bodyAny: CHALLENGE, layer: 'challenge', challenge: 'routine', says: 'DDoS-Guard served its challenge page instead of content', source: WAFW00F },
    { status: ANY_5XX, layer: 'site', says: "the origin's own 5xx, passed through DDoS-Guard", source: WAFW00F },
  ],
  challengeMarkers: CHALLENGE,
  cnameSuffixes: [],
  nsSuffixes: [],
  rangeSets: [],
});
