// AWS hosting: the load balancer's own pages (personalities/elb.ts), API Gateway's, S3's, and AWS WAF's CAPTCHA.

import { balancerPage, elb } from '../personalities/elb.js';
import { originErrorPage, originPage } from '../personalities/origin.js';
import type { CorpusEntry } from './types.js';

const ALB = 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html';
const GATEWAY = 'https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html';
const S3 = 'https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html';
const WAF_CHALLENGE = 'https://docs.aws.amazon.com/waf/latest/developerguide/waf-captcha-and-challenge-actions.html';

const apiGateway = { 'x-amz-apigw-id': 'Ab1CdEfGhIjKlM=', 'x-amzn-requestid': '0c0ffee0-0000-4000-8000-000000000001', 'content-type': 'application/json' };

export const AWS_CORPUS: CorpusEntry[] = [
  { id: 'aws/healthy', provider: 'aws', source: ALB, respond: (req) => elb.relay(req, originPage(req.host, 'Billing', req.now)), expect: { outcome: 'ok', layer: null, provider: null, explains: null } },
  { id: 'aws/waf-captcha', provider: 'aws', source: WAF_CHALLENGE, respond: () => ({ status: 405, headers: { 'x-amzn-waf-action': 'captcha', 'content-type': 'text/html' }, body: '<html><head><title>Human Verification</title></head><body></body></html>' }), expect: { outcome: 'challenge', layer: 'challenge', provider: 'AWS', explains: 'AWS WAF answered with a challenge / CAPTCHA' } },
  { id: 'aws/alb-502', provider: 'aws', source: ALB, respond: (req) => elb.originUnreachable(req, 'refused'), expect: { outcome: 'http-error', layer: 'origin', provider: 'AWS', explains: 'its target sent a bad response' } },
  // The lab's edge fault for a load balancer: its own 503, no healthy target.
  { id: 'aws/alb-503', provider: 'aws', source: ALB, respond: (req) => elb.edgeError(req), expect: { outcome: 'http-error', layer: 'origin', provider: 'AWS', explains: 'no healthy target behind it' } },
  { id: 'aws/alb-504', provider: 'aws', source: ALB, respond: (req) => elb.originUnreachable(req, 'timeout'), expect: { outcome: 'http-error', layer: 'origin', provider: 'AWS', explains: 'its target did not answer in time' } },
  { id: 'aws/alb-464', provider: 'aws', source: ALB, respond: (req) => balancerPage(req, 464, 'Incompatible Protocol'), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: '464 protocol mismatch' } },
  { id: 'aws/alb-561', provider: 'aws', source: ALB, respond: (req) => balancerPage(req, 561, 'Unauthorized'), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: 'identity provider rejected the request' } },
  { id: 'aws/api-gateway-integration-failure', provider: 'aws', source: GATEWAY, respond: () => ({ status: 500, headers: apiGateway, body: '{"message":"Internal server error","type":"INTEGRATION_FAILURE"}' }), expect: { outcome: 'http-error', layer: 'origin', provider: 'AWS', explains: 'API Gateway reported an integration failure' } },
  { id: 'aws/api-gateway-504', provider: 'aws', source: GATEWAY, respond: () => ({ status: 504, headers: { ...apiGateway, 'x-amzn-errortype': 'InternalServerErrorException' }, body: '{"message": "Endpoint request timed out"}' }), expect: { outcome: 'http-error', layer: 'origin', provider: 'AWS', explains: 'API Gateway answered 502/504' } },
  { id: 'aws/s3-no-such-bucket', provider: 'aws', source: S3, respond: () => ({ status: 404, headers: { server: 'AmazonS3', 'x-amz-request-id': '0A1B2C3D4E5F6789', 'content-type': 'application/xml' }, body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message></Error>' }), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: 'S3 says the bucket does not exist' } },
  // The application behind API Gateway failing on its own (a 500 the gateway relays, no integration error named).
  { id: 'aws/app-500', provider: 'aws', source: ALB, respond: () => ({ status: 500, headers: apiGateway, body: '{"error":"order service crashed"}' }), expect: { outcome: 'http-error', layer: 'site', provider: null, explains: "the application's own 5xx, served from AWS" } },
];
