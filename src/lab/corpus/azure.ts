// Azure Front Door's documented answers (with and without X-Azure-DebugInfo's headers) and Azure hosting's.

import { originPage } from '../personalities/origin.js';
import type { EdgeRequest, LabResponse } from '../personalities/types.js';
import type { CorpusEntry } from './types.js';

const AFD_TROUBLESHOOTING = 'https://learn.microsoft.com/en-us/azure/frontdoor/troubleshoot-issues';
const AFD_HEADERS = 'https://learn.microsoft.com/en-us/azure/frontdoor/front-door-http-headers-protocol';
const APP_GATEWAY_502 = 'https://learn.microsoft.com/en-us/azure/application-gateway/application-gateway-troubleshooting-502';
const UNBOUND_HOSTS = 'https://github.com/EdOverflow/can-i-take-over-xyz';

/** Front Door's headers: X-Azure-Ref (a base64 reference string) and X-Cache on every response. */
function afdHeaders(extra: Record<string, string> = {}): Record<string, string> {
  return { 'x-azure-ref': '20261122T000000Z-17d3a8c25f2c4a17AMSxxxxxxxx0000000000', 'x-cache': 'CONFIG_NOCACHE', 'content-type': 'text/html', ...extra };
}

/** Front Door's own error page, written from its documented text. */
function afdPage(status: number, extra: Record<string, string> = {}): LabResponse {
  return {
    status,
    headers: afdHeaders(extra),
    body: `<!DOCTYPE html><html><head><meta charset="utf-8"/><title>Front Door service error</title></head><body><h2>Our services aren't available right now</h2><p>We're working to restore all services as soon as possible. Please check back soon.</p></body></html>`,
  };
}

const healthy = (req: EdgeRequest): LabResponse => {
  const page = originPage(req.host, 'Portal', req.now);
  return { ...page, headers: { ...page.headers, ...afdHeaders({ 'x-cache': 'TCP_MISS' }) } };
};

export const AZURE_CORPUS: CorpusEntry[] = [
  { id: 'azure-front-door/healthy', provider: 'azure-front-door', source: AFD_HEADERS, respond: healthy, expect: { outcome: 'ok', layer: null, provider: null, explains: null } },
  { id: 'azure-front-door/internal-error', provider: 'azure-front-door', source: AFD_HEADERS, respond: () => afdPage(503, { 'x-azure-internalerror': '0x80131500' }), expect: { outcome: 'http-error', layer: 'edge', provider: 'Azure Front Door', explains: 'x-azure-internalerror' } },
  { id: 'azure-front-door/504', provider: 'azure-front-door', source: AFD_TROUBLESHOOTING, respond: () => afdPage(504), expect: { outcome: 'http-error', layer: 'origin', provider: 'Azure Front Door', explains: 'the origin did not answer in time' } },
  { id: 'azure-front-door/origin-invalid-response', provider: 'azure-front-door', source: AFD_TROUBLESHOOTING, respond: () => ({ status: 503, headers: afdHeaders(), body: '<html><body>Service Unavailable. ErrorInfo: OriginInvalidResponse</body></html>' }), expect: { outcome: 'http-error', layer: 'origin', provider: 'Azure Front Door', explains: 'OriginInvalidResponse' } },
  { id: 'azure-front-door/external-error', provider: 'azure-front-door', source: AFD_HEADERS, respond: () => afdPage(502, { 'x-azure-externalerror': '0x830c1011, The certificate authority is unfamiliar.' }), expect: { outcome: 'http-error', layer: 'origin', provider: 'Azure Front Door', explains: 'could not reach the origin' } },
  { id: 'azure-front-door/error-page', provider: 'azure-front-door', source: AFD_TROUBLESHOOTING, respond: () => afdPage(503), expect: { outcome: 'http-error', layer: 'unknown', provider: 'Azure Front Door', explains: 'without naming a cause' } },
  { id: 'azure-front-door/no-route', provider: 'azure-front-door', source: AFD_TROUBLESHOOTING, respond: () => afdPage(400), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: 'no route for this host name' } },
  { id: 'azure-front-door/origin-500-passed-through', provider: 'azure-front-door', source: AFD_TROUBLESHOOTING, respond: () => ({ status: 500, headers: afdHeaders({ 'x-cache': 'TCP_MISS' }), body: '<h1>Exception in the application</h1>' }), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: 'passed through Azure Front Door' } },
  { id: 'azure/application-gateway-502', provider: 'azure', source: APP_GATEWAY_502, respond: () => ({ status: 502, headers: { server: 'Microsoft-Azure-Application-Gateway/v2', 'content-type': 'text/html', 'set-cookie': 'ARRAffinity=0a1b2c; Path=/', 'x-ms-request-id': 'r-1' }, body: '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>Microsoft-Azure-Application-Gateway/v2</center></body></html>' }), expect: { outcome: 'http-error', layer: 'origin', provider: 'Azure', explains: 'Azure Application Gateway answered 502/504 itself' } },
  { id: 'azure/web-site-not-found', provider: 'azure', source: UNBOUND_HOSTS, respond: () => ({ status: 404, headers: { server: 'Windows-Azure-Web/1.0', 'content-type': 'text/html' }, body: '<html><head><title>Microsoft Azure Web App - Error 404</title></head><body><h1>404 Web Site not found.</h1></body></html>' }), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: 'no site bound to this host name' } },
  { id: 'azure/app-500', provider: 'azure', source: APP_GATEWAY_502, respond: () => ({ status: 500, headers: { server: 'Windows-Azure-Web/1.0', 'content-type': 'text/html' }, body: '<h1>Server Error in Application</h1>' }), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: "the application's own 5xx, served from Azure" } },
];
