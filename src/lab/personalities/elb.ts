// AWS Elastic Load Balancing (an Application Load Balancer per customer, in one region): the customer's host
// CNAMEs to `<name>-<digits>.<region>.elb.amazonaws.com`, which holds the balancer's own addresses (one per
// zone it spans). It relays its targets' answers as they are (plus the AWSALB stickiness cookies); what it
// generates itself comes from `server: awselb/2.0` with a tiny nginx-style page: 503 when no target is
// healthy, 502 when a target fails, 504 when a target does not answer (providers.md §4). Catalog id "aws".

import { httpDate, randomHex, stableToken, type EdgePersonality, type EdgeRequest, type LabResponse } from './types.js';

/** The load balancer's own page for a status, byte for byte the shape ALB sends (503: 162 bytes). */
export function balancerPage(req: EdgeRequest, status: number, reason: string): LabResponse {
  const title = `${status} ${reason}`;
  const body = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`;
  return { status, headers: { server: 'awselb/2.0', date: httpDate(req.now), 'content-type': 'text/html' }, body };
}

/** An ALB's name is at most 32 characters of letters, digits and hyphens. */
function balancerName(host: string): string {
  const name = host.split('.').slice(0, -1).join('-').replace(/[^a-z0-9-]/g, '-').slice(0, 32);
  return name.replace(/^-+|-+$/g, '') || 'lb';
}

function stickiness(req: EdgeRequest): string {
  const expires = httpDate(new Date(req.now.getTime() + 7 * 86_400_000));
  const value = Buffer.from(randomHex(48), 'hex').toString('base64');
  return `AWSALB=${value}; Expires=${expires}; Path=/, AWSALBCORS=${value}; Expires=${expires}; Path=/; SameSite=None; Secure`;
}

export const elb: EdgePersonality = {
  id: 'aws',
  name: 'AWS',
  zones: ['elb.amazonaws.com'],
  cnameChain: (host, region) => [`${balancerName(host)}-${stableToken(host, 10, '0123456789')}.${region ?? 'us-east-1'}.elb.amazonaws.com`],
  addressing: 'per-site',
  regional: true,
  apiDomains: ['amazonaws.com'],

  relay(req, origin) {
    return { status: origin.status, headers: { ...origin.headers, 'set-cookie': stickiness(req) }, body: origin.body };
  },
  edgeError: (req) => balancerPage(req, 503, 'Service Temporarily Unavailable'),
  originUnreachable: (req, trouble) => (trouble === 'refused' ? balancerPage(req, 502, 'Bad Gateway') : balancerPage(req, 504, 'Gateway Time-out')),
  // A listener rule's fixed response for a host no rule forwards.
  unknownHost: (req) => ({ status: 503, headers: { server: 'awselb/2.0', date: httpDate(req.now), 'content-type': 'text/plain; charset=utf-8' }, body: 'Unknown Host' }),
};
