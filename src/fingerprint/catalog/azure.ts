// Microsoft Azure: Front Door / Azure CDN (the edge) and Azure hosting + Azure DNS.
// Facts: providers.md §5; AFD headers from MicrosoftDocs azure-docs
// articles/frontdoor/front-door-http-headers-protocol.md, errors from troubleshoot-issues.md.

import type { ErrorRule } from '../types.js';
import { provider } from './define.js';
import { ANY_5XX, ANY_ERROR } from './statuses.js';

const AFD_TROUBLESHOOTING = 'https://learn.microsoft.com/en-us/azure/frontdoor/troubleshoot-issues';
const AFD_HEADERS = 'https://learn.microsoft.com/en-us/azure/frontdoor/front-door-http-headers-protocol';
const APP_GATEWAY_502 = 'https://learn.microsoft.com/en-us/azure/application-gateway/application-gateway-troubleshooting-502';
const UNBOUND_HOSTS = 'https://github.com/EdOverflow/can-i-take-over-xyz';

// Front Door's own error page (also shown with 400 for a custom domain it has no route for).
const AFD_PAGE = "Our services aren't available right now";

const frontDoorErrors: ErrorRule[] = [
  // Only with the request header X-Azure-DebugInfo: 1; these split edge from origin directly.
  { status: ANY_ERROR, header: { name: 'x-azure-internalerror' }, layer: 'edge', says: 'Azure Front Door reported an internal error (x-azure-internalerror): a failure at its edge', source: AFD_HEADERS },
  { status: [504], layer: 'origin', says: 'Azure Front Door answered 504: the edge is up, the origin did not answer in time (30 s by default)', source: AFD_TROUBLESHOOTING },
  { status: [503], bodyAny: ['OriginInvalidResponse'], layer: 'origin', says: 'Azure Front Door answered 503 OriginInvalidResponse: the edge is up, the origin sent an invalid response', source: AFD_TROUBLESHOOTING },
  { status: ANY_5XX, header: { name: 'x-azure-externalerror' }, layer: 'origin', says: 'Azure Front Door could not reach the origin (x-azure-externalerror: DNS, certificate or connection)', source: AFD_HEADERS },
  // The same page stands for an origin timeout, an origin certificate problem and Front Door's own trouble.
  { status: ANY_5XX, bodyAny: [AFD_PAGE], layer: 'unknown', says: `Azure Front Door generated this 5xx itself ("${AFD_PAGE}") without naming a cause: its edge or the origin (request X-Azure-DebugInfo to tell)`, source: AFD_TROUBLESHOOTING },
  { status: [400], bodyAny: [AFD_PAGE], layer: 'site', says: 'Azure Front Door has no route for this host name (custom domain not configured or not provisioned yet)', source: AFD_TROUBLESHOOTING },
  { status: ANY_5XX, layer: 'site', says: "the origin's own 5xx, passed through Azure Front Door unchanged", source: AFD_TROUBLESHOOTING },
];

export const azureFrontDoor = provider({
  id: 'azure-front-door',
  name: 'Azure Front Door',
  roles: ['edge'],
  headers: [
    { header: 'x-azure-ref', weight: 'strong' }, // on every response: base64 RefString (POP + backend status)
    { header: 'x-azure-internalerror', weight: 'strong' },
    { header: 'x-azure-externalerror', weight: 'strong' },
    { header: 'x-azure-originstatuscode', weight: 'strong' },
    { header: 'x-cache', pattern: '^(?:TCP_|CONFIG_NOCACHE|PRIVATE_NOSTORE)', weight: 'weak' }, // Akamai uses TCP_ too
    { header: 'set-cookie', pattern: '(?:^|[\\s,;])(?:ASLBSA|ASLBSACORS)=', weight: 'weak' },
  ],
  errors: frontDoorErrors,
  challengeMarkers: [],
  cnameSuffixes: ['azurefd.net', 'azureedge.net', 'vo.msecnd.net', 't-msedge.net' /* verify */],
  nsSuffixes: [],
  rangeSets: ['azure-front-door'],
  statusPage: { url: 'https://azure.status.microsoft/en-us/status/feed/', kind: 'rss' },
});

/** westeurope, eastus2 … the label right below the domain (vm.westeurope.cloudapp.azure.com). */
const AZURE_REGION = /^([a-z]+\d?)$/;

const hostingErrors: ErrorRule[] = [
  { status: [502, 504], bodyAny: ['Microsoft-Azure-Application-Gateway'], layer: 'origin', says: 'Azure Application Gateway answered 502/504 itself: it is up, its backend failed or timed out', source: APP_GATEWAY_502 },
  { status: [404], bodyAny: ['Web Site not found'], layer: 'site', says: 'Azure App Service has no site bound to this host name', source: UNBOUND_HOSTS },
  { status: ANY_5XX, layer: 'site', says: "the application's own 5xx, served from Azure", source: APP_GATEWAY_502 },
];

export const azure = provider({
  id: 'azure',
  name: 'Azure',
  roles: ['authoritative-dns', 'origin'],
  headers: [
    { header: 'server', pattern: '^Windows-Azure', weight: 'strong' },
    { header: 'set-cookie', pattern: '(?:^|[\\s,;])(?:ARRAffinity|ARRAffinitySameSite|TiPMix)=', weight: 'weak' },
    { header: 'x-ms-request-id', weight: 'weak' },
  ],
  errors: hostingErrors,
  challengeMarkers: [],
  cnameSuffixes: ['azurewebsites.net', 'trafficmanager.net', 'cloudapp.azure.com', 'blob.core.windows.net'],
  nsSuffixes: ['azure-dns.com', 'azure-dns.net', 'azure-dns.org', 'azure-dns.info'],
  rangeSets: ['azure'],
  // vm.westeurope.cloudapp.azure.com, app.westeurope.azurecontainerapps.io
  regionHosts: [{ domains: ['cloudapp.azure.com', 'azurecontainerapps.io'], labels: 'adjacent', region: AZURE_REGION }],
  apiDomains: ['windows.net', 'azure.com'],
  statusPage: { url: 'https://azure.status.microsoft/en-us/status/feed/', kind: 'rss' },
});
