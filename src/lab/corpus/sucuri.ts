// Sucuri: its block page, a reseller-branded block page that carries only Sucuri's headers, and 502/503/504.

import type { CorpusEntry } from './types.js';

const WAFW00F = 'https://github.com/EnableSecurity/wafw00f/blob/master/wafw00f/plugins/sucuri.py';
const CACHE_HEADERS = 'https://docs.sucuri.net/website-firewall/troubleshooting/investigating-cache-headers/';
const TROUBLESHOOTING = 'https://docs.sucuri.net/website-firewall/sucuri-firewall-troubleshooting-guide/';
const HEADERS = { server: 'Sucuri/Cloudproxy', 'x-sucuri-id': '11005', 'content-type': 'text/html' };

export const SUCURI_CORPUS: CorpusEntry[] = [
  { id: 'sucuri/healthy', provider: 'sucuri', source: CACHE_HEADERS, respond: () => ({ status: 200, headers: { ...HEADERS, 'x-sucuri-cache': 'HIT' }, body: '<h1>Blog</h1>' }), expect: { outcome: 'ok', layer: null, provider: null, explains: null } },
  { id: 'sucuri/blocked', provider: 'sucuri', source: WAFW00F, respond: () => ({ status: 403, headers: HEADERS, body: '<html><head><title>Sucuri WebSite Firewall - Access Denied</title><link rel="stylesheet" href="https://cdn.sucuri.net/sucuri-firewall-block.css"></head><body><h1>Access Denied</h1></body></html>' }), expect: { outcome: 'challenge', layer: 'challenge', provider: 'Sucuri', explains: 'the Sucuri firewall blocked the request' } },
  // A reseller's branding, none of Sucuri's page text: the firewall's own block headers say what it is.
  { id: 'sucuri/reseller-branded-block', provider: 'sucuri', source: WAFW00F, respond: () => ({ status: 403, headers: { 'x-sucuri-id': '18016', 'x-sucuri-block': 'BNP004', 'content-type': 'text/html' }, body: '<html><head><title>Example Hosting Security - Access Denied</title></head><body><h1>Access Denied - Example Hosting Website Firewall</h1><p>Block ID: BNP004</p></body></html>' }), expect: { outcome: 'challenge', layer: 'challenge', provider: 'Sucuri', explains: '(X-Sucuri-Block)' } },
  { id: 'sucuri/origin-502', provider: 'sucuri', source: TROUBLESHOOTING, respond: () => ({ status: 502, headers: HEADERS, body: 'Bad Gateway' }), expect: { outcome: 'http-error', layer: 'origin', provider: 'Sucuri', explains: 'the firewall is up, the origin behind it failed' } },
  // A 5xx the firewall only passed along: no Sucuri id on it, the server header says Sucuri.
  { id: 'sucuri/origin-500-passed-through', provider: 'sucuri', source: CACHE_HEADERS, respond: () => ({ status: 500, headers: { server: 'Sucuri/Website Firewall', 'content-type': 'text/html' }, body: 'PHP Fatal error' }), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: 'passed through Sucuri' } },
];
