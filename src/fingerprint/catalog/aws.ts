// AWS origin hosting and DNS: Elastic Load Balancing, API Gateway, S3, Route 53 (CloudFront is
// its own provider). Facts: providers.md §4; ALB status meanings from AWS's load-balancer
// troubleshooting guide (502 target bad response, 503 no healthy targets, 504 target timeout).

import type { ErrorRule } from '../types.js';
import { provider } from './define.js';
import { AWS_WAF_CHALLENGE } from './cloudfront.js';
import { ANY_5XX } from './statuses.js';

/** us-east-1, eu-west-1, us-gov-west-1 … as the last part of a label (s3-website-us-east-1). */
const AWS_REGION = /(?:^|-)((?:us-gov|us-iso|us-isob|us|eu|ap|sa|ca|me|af|il|mx|cn)-(?:central|north|south|east|west|northeast|northwest|southeast|southwest)-\d{1,2})$/;

const ALB_TROUBLESHOOTING = 'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-troubleshooting.html';
const GATEWAY_RESPONSES = 'https://docs.aws.amazon.com/apigateway/latest/developerguide/supported-gateway-response-types.html';
const S3_ERRORS = 'https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html';

const ELB = { name: 'server', pattern: '^awselb' };
const API_GATEWAY = { name: 'x-amz-apigw-id' };

const errors: ErrorRule[] = [
  AWS_WAF_CHALLENGE,
  { status: [502], header: ELB, layer: 'origin', says: 'the AWS load balancer answered 502: it is up, its target sent a bad response', source: ALB_TROUBLESHOOTING },
  { status: [503], header: ELB, layer: 'origin', says: 'the AWS load balancer answered 503: it is up, no healthy target behind it', source: ALB_TROUBLESHOOTING },
  { status: [504], header: ELB, layer: 'origin', says: 'the AWS load balancer answered 504: it is up, its target did not answer in time', source: ALB_TROUBLESHOOTING },
  { status: [463, 464], header: ELB, layer: 'site', says: 'the AWS load balancer refused the request (463 too many forwarded addresses, 464 protocol mismatch with its target group): its configuration', source: ALB_TROUBLESHOOTING },
  { status: [561], header: ELB, layer: 'site', says: "the AWS load balancer answered 561: its identity provider rejected the request (the site's authentication setup)", source: ALB_TROUBLESHOOTING },
  // A custom gateway response may name its type; the default one does not, so 502/504 from the gateway count too.
  { bodyAny: ['INTEGRATION_FAILURE', 'INTEGRATION_TIMEOUT'], header: API_GATEWAY, layer: 'origin', says: 'API Gateway reported an integration failure: the gateway is up, the backend behind it failed', source: GATEWAY_RESPONSES },
  { status: [502, 504], header: API_GATEWAY, layer: 'origin', says: 'API Gateway answered 502/504: the gateway is up, its backend integration failed or timed out', source: GATEWAY_RESPONSES },
  { status: [404], bodyAny: ['<Code>NoSuchBucket</Code>', 'The specified bucket does not exist'], layer: 'site', says: 'S3 says the bucket does not exist: the site points at a missing bucket', source: S3_ERRORS },
  { status: ANY_5XX, layer: 'site', says: "the application's own 5xx, served from AWS", source: ALB_TROUBLESHOOTING },
];

export const aws = provider({
  id: 'aws',
  name: 'AWS',
  roles: ['authoritative-dns', 'challenge', 'origin'],
  headers: [
    { header: 'server', pattern: '^awselb', weight: 'strong' },
    { header: 'server', pattern: '^AmazonS3$', weight: 'strong' },
    { header: 'x-amz-apigw-id', weight: 'strong' },
    { header: 'x-amzn-waf-action', weight: 'strong' },
    { header: 'x-amzn-requestid', weight: 'weak' },
    { header: 'x-amzn-errortype', weight: 'weak' },
    { header: 'x-amz-request-id', weight: 'weak' },
    { header: 'x-amz-id-2', weight: 'weak' },
    { header: 'set-cookie', pattern: '(?:^|[\\s,;])(?:AWSALB|AWSALBCORS|AWSELB)=', weight: 'weak' },
  ],
  errors,
  challengeMarkers: [],
  cnameSuffixes: [
    'elb.amazonaws.com', 'execute-api.*.amazonaws.com', 's3.amazonaws.com', 's3.*.amazonaws.com',
    's3-website-*.amazonaws.com', 's3-website.*.amazonaws.com', 'elasticbeanstalk.com', 'awsglobalaccelerator.com',
  ],
  // Route 53: ns-<n>.awsdns-<nn>.{com,net,org,co.uk}
  nsSuffixes: ['awsdns-*.com', 'awsdns-*.net', 'awsdns-*.org', 'awsdns-*.co.uk'],
  rangeSets: ['aws'],
  // dynamodb.us-east-1.amazonaws.com, x.us-east-1.elb.amazonaws.com, x.execute-api.eu-west-1.amazonaws.com,
  // s3-website-us-east-1.amazonaws.com, x.lambda-url.us-east-1.on.aws, env.us-east-1.elasticbeanstalk.com
  regionHosts: [{ domains: ['amazonaws.com', 'amazonaws.com.cn', 'on.aws', 'elasticbeanstalk.com', 'awsapprunner.com'], labels: 'any', region: AWS_REGION }],
  // EC2's public DNS in us-east-1 has no region label: ec2-1-2-3-4.compute-1.amazonaws.com.
  fixedRegionHosts: [{ suffix: 'compute-1.amazonaws.com', region: 'us-east-1' }],
  apiDomains: ['amazonaws.com', 'amazonaws.com.cn', 'on.aws'],
  statusPage: { url: 'https://health.aws.amazon.com/public/currentevents', kind: 'json' },
});
