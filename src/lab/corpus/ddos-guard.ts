// DDoS-Guard: its challenge page (title and element its detection relies on), and an origin 5xx passed through.

import type { CorpusEntry } from './types.js';

const WAFW00F = 'https://github.com/EnableSecurity/wafw00f/blob/master/wafw00f/plugins/ddosguard.py';
const HEADERS = { server: 'ddos-guard', 'set-cookie': '__ddg1_=abc123; Path=/', 'content-type': 'text/html' };

export const DDOS_GUARD_CORPUS: CorpusEntry[] = [
  { id: 'ddos-guard/healthy', provider: 'ddos-guard', source: WAFW00F, respond: () => ({ status: 200, headers: HEADERS, body: '<h1>Forum</h1>' }), expect: { outcome: 'ok', layer: null, provider: null, explains: null } },
  { id: 'ddos-guard/challenge', provider: 'ddos-guard', source: WAFW00F, respond: () => ({ status: 403, headers: HEADERS, body: '<!DOCTYPE html><html><head><title>DDoS-Guard</title></head><body><div id="link-ddg"><a href="https://ddos-guard.net/">DDoS-Guard</a></div></body></html>' }), expect: { outcome: 'challenge', layer: 'challenge', provider: 'DDoS-Guard', explains: 'DDoS-Guard served its challenge page' } },
  { id: 'ddos-guard/origin-502-passed-through', provider: 'ddos-guard', source: WAFW00F, respond: () => ({ status: 502, headers: HEADERS, body: 'upstream failed' }), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: 'passed through DDoS-Guard' } },
];
