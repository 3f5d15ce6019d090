// Heroku: application hosting behind the Heroku router. providers.md §7. Router errors (H10 crashed,
// H12 timeout, H13, H14 no dynos, H20) are the customer's app; H99 (platform) is not visible to clients.

import { provider } from './define.js';
import { ANY_5XX } from './statuses.js';

export const heroku = provider({
  id: 'heroku',
  name: 'Heroku',
  roles: ['origin'],
  headers: [{ header: 'via', pattern: '\\bvegur\\b', weight: 'strong' }],
  errors: [
    { status: [503], bodyAny: ['herokucdn.com/error-pages/application-error.html'], layer: 'site', says: "Heroku's router answered 503 Application Error: the app crashed, timed out or has no running dynos" },
    { status: [404], bodyAny: ['herokucdn.com/error-pages/no-such-app.html', "There's nothing here, yet", 'No such app'], layer: 'site', says: 'Heroku has no app for this host name' },
    { status: ANY_5XX, layer: 'site', says: "the app's own 5xx, served by Heroku" },
  ],
  challengeMarkers: [],
  cnameSuffixes: ['herokuapp.com', 'herokudns.com'],
  nsSuffixes: [],
  rangeSets: [],
  statusPage: { url: 'https://status.heroku.com/api/v4/current-status', kind: 'json' },
});
