// Google: the Google Front End (GFE) in front of Google's own sites, Cloud Load Balancing / CDN,
// Cloud Run, App Engine, Firebase Hosting, Cloud Storage; Cloud DNS. Facts: providers.md §6.
// Google documents that a load balancer's own 5xx and a relayed backend 5xx differ only in its logs
// (statusDetails), not in the response: its error page alone cannot place the fault.

import type { ErrorRule } from '../types.js';
import { provider } from './define.js';
import { ANY_5XX } from './statuses.js';

const LB_TROUBLESHOOTING = 'https://cloud.google.com/load-balancing/docs/https/troubleshooting-ext-https-lbs';
const UNBOUND_HOSTS = 'https://github.com/EdOverflow/can-i-take-over-xyz';

/** us-central1, europe-west1 … at the start of a label (us-central1-project.cloudfunctions.net). */
const GCP_REGION = /^((?:us|europe|asia|australia|northamerica|southamerica|me|africa)-[a-z]+\d{1,2})(?:-|$)/;

const errors: ErrorRule[] = [
  { status: [502, 503], bodyAny: ['That’s an error.', "That's an error."], layer: 'unknown', says: 'Google\'s front end answered with its own "That’s an error" page (502/503): Google\'s edge, or a Cloud Load Balancer whose backends fail; the page does not say which', source: LB_TROUBLESHOOTING },
  { status: [404], bodyAny: ['<Code>NoSuchBucket</Code>'], layer: 'site', says: 'Cloud Storage says the bucket does not exist: the site points at a missing bucket', source: UNBOUND_HOSTS },
  { status: ANY_5XX, layer: 'site', says: "the application's own 5xx, passed through Google's front end", source: LB_TROUBLESHOOTING },
];

export const google = provider({
  id: 'google',
  name: 'Google',
  roles: ['authoritative-dns', 'edge', 'origin'],
  headers: [
    { header: 'server', pattern: '^Google Frontend$', weight: 'strong' },
    { header: 'server', pattern: '^(?:gws|GSE|sffe|ESF)$', weight: 'strong' }, // Google's own properties
    { header: 'x-goog-storage-class', weight: 'strong' },
    { header: 'x-guploader-uploadid', weight: 'strong' },
    { header: 'vary', pattern: '\\bx-fh-requested-host\\b', weight: 'strong' }, // Firebase Hosting
    { header: 'via', pattern: '\\b1\\.1 google\\b', weight: 'weak' }, // broad: any Cloud LB/CDN customer
    { header: 'x-cloud-trace-context', weight: 'weak' },
  ],
  errors,
  challengeMarkers: [],
  cnameSuffixes: [
    'ghs.googlehosted.com', 'run.app', 'appspot.com', 'web.app', 'firebaseapp.com', 'googleusercontent.com',
    'c.storage.googleapis.com',
  ],
  nsSuffixes: ['googledomains.com'], // Cloud DNS: ns-cloud-[a-e][1-4].googledomains.com
  rangeSets: ['google', 'google-cloud'],
  // cloud.json: "external IP address ranges for customers' Google Cloud resources" (goog.json is Google's own).
  hostingRangeSets: ['google-cloud'],
  statusPage: { url: 'https://status.cloud.google.com/incidents.json', kind: 'json' },
  // us-central1-project.cloudfunctions.net, svc-123.us-central1.run.app, us-central1-aiplatform.googleapis.com
  regionHosts: [{ domains: ['cloudfunctions.net', 'run.app', 'googleapis.com', 'pkg.dev'], labels: 'any', region: GCP_REGION }],
  apiDomains: ['googleapis.com', 'cloudfunctions.net'],
});
