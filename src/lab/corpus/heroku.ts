// Heroku's router pages: Application Error (every H-code of the app's logs shows this one page), No such app.

import type { CorpusEntry } from './types.js';

const ERROR_CODES = 'https://devcenter.heroku.com/articles/error-codes';
const ERROR_PAGES = 'https://devcenter.heroku.com/articles/error-pages';
const HEADERS = { server: 'Heroku', via: '1.1 vegur', 'content-type': 'text/html; charset=utf-8' };

/** The router's page: an iframe to the hosted error page of that kind. */
function routerPage(status: number, page: string, title: string): { status: number; headers: Record<string, string>; body: string } {
  return { status, headers: HEADERS, body: `<!DOCTYPE html><html><head><title>${title}</title></head><body><iframe src="//www.herokucdn.com/error-pages/${page}"></iframe></body></html>` };
}

export const HEROKU_CORPUS: CorpusEntry[] = [
  { id: 'heroku/healthy', provider: 'heroku', source: ERROR_CODES, respond: () => ({ status: 200, headers: HEADERS, body: '<h1>app</h1>' }), expect: { outcome: 'ok', layer: null, provider: null, explains: null } },
  { id: 'heroku/application-error', provider: 'heroku', source: ERROR_CODES, respond: () => routerPage(503, 'application-error.html', 'Application Error'), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: 'Application Error: the app crashed, timed out or has no running dynos' } },
  { id: 'heroku/no-such-app', provider: 'heroku', source: ERROR_PAGES, respond: () => routerPage(404, 'no-such-app.html', 'No such app'), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: 'Heroku has no app for this host name' } },
  { id: 'heroku/app-500', provider: 'heroku', source: ERROR_CODES, respond: () => ({ status: 500, headers: HEADERS, body: 'We are sorry, something went wrong.' }), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: "the app's own 5xx, served by Heroku" } },
];
