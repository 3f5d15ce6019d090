// Google's front end: its "That’s an error" page, Cloud Storage's missing bucket, an app's own 5xx.

import { originPage } from '../personalities/origin.js';
import type { EdgeRequest, LabResponse } from '../personalities/types.js';
import type { CorpusEntry } from './types.js';

const LB_TROUBLESHOOTING = 'https://cloud.google.com/load-balancing/docs/https/troubleshooting-ext-https-lbs';
const UNBOUND_HOSTS = 'https://github.com/EdOverflow/can-i-take-over-xyz';

const GFE = { server: 'Google Frontend', 'content-type': 'text/html; charset=UTF-8', 'x-cloud-trace-context': '105445aa7843bc8bf206b120001000/1;o=1' };

/** The GFE error template: the status, "That’s an error." and "That’s all we know." (providers.md §6). */
function gfePage(status: number): LabResponse {
  return {
    status,
    headers: GFE,
    body: `<!DOCTYPE html>\n<html lang=en>\n<meta charset=utf-8>\n<title>Error ${status} (Server Error)!!1</title>\n<p><b>${status}.</b> <ins>That’s an error.</ins>\n<p>The server encountered a temporary error and could not complete your request.<p>Please try again in 30 seconds. <ins>That’s all we know.</ins>\n`,
  };
}

const healthy = (req: EdgeRequest): LabResponse => {
  const page = originPage(req.host, 'Cloud app', req.now);
  return { ...page, headers: { ...page.headers, ...GFE } };
};

export const GOOGLE_CORPUS: CorpusEntry[] = [
  { id: 'google/healthy', provider: 'google', source: LB_TROUBLESHOOTING, respond: healthy, expect: { outcome: 'ok', layer: null, provider: null, explains: null } },
  { id: 'google/gfe-502', provider: 'google', source: LB_TROUBLESHOOTING, respond: () => gfePage(502), expect: { outcome: 'http-error', layer: 'unknown', provider: 'Google', explains: 'the page does not say which' } },
  { id: 'google/gfe-503', provider: 'google', source: LB_TROUBLESHOOTING, respond: () => gfePage(503), expect: { outcome: 'http-error', layer: 'unknown', provider: 'Google', explains: 'That’s an error' } },
  { id: 'google/storage-no-such-bucket', provider: 'google', source: UNBOUND_HOSTS, respond: () => ({ status: 404, headers: { 'x-guploader-uploadid': 'ABg5-Uw0', 'content-type': 'application/xml; charset=UTF-8' }, body: "<?xml version='1.0' encoding='UTF-8'?><Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist.</Message></Error>" }), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: 'Cloud Storage says the bucket does not exist' } },
  { id: 'google/app-500', provider: 'google', source: LB_TROUBLESHOOTING, respond: () => ({ status: 500, headers: GFE, body: 'Traceback (most recent call last): ValueError' }), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: "passed through Google's front end" } },
];
