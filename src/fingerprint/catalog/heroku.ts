// Heroku: application hosting behind the Heroku router. providers.md §7. The router's error codes (H10 app
// crashed, H12 request timeout, H13 connection closed, H14 no web dynos, H18, H20 boot timeout, H21 backend
// connection refused …) go to the app's logs; the client sees the same 503 "Application Error" page for all
// of them, and all of those are the customer's app. H99 (platform error) is not distinguishable by a client.

import { provider } from './define.js';
import { ANY_5XX } from './statuses.js';

const ERROR_CODES = 'https://devcenter.heroku.com/articles/error-codes';
const ERROR_PAGES = 'https://devcenter.heroku.com/articles/error-pages';

export const heroku = provider({
  id: 'heroku',
  name: 'Heroku',
  roles: ['origin'],
  headers: [{ header: 'via', pattern: '\\bvegur\\b', weight: 'strong' }],
  errors: [
    { status: [503], bodyAny: ['herokucdn.com/error-pages/application-error.html'], layer: 'site', says: "Heroku's router answered 503 Application Error: the app crashed, timed out or has no running dynos (an H1x/H2x code in its logs)", source: ERROR_CODES },
    { status: [404], bodyAny: ['herokucdn.com/error-pages/no-such-app.html', "There's nothing here, yet", 'No such app'], layer: 'site', says: 'Heroku has no app for this host name', source: ERROR_PAGES },
    { status: ANY_5XX, layer: 'site', says: "the app's own 5xx, served by Heroku", source: ERROR_CODES },
  ],
  challengeMarkers: [],
  cnameSuffixes: ['herokuapp.com', 'herokudns.com'],
  nsSuffixes: [],
  rangeSets: [],
  statusPage: { url: 'https://status.heroku.com/api/v4/current-status', kind: 'json' },
});
