// What a failing site's names say about who shares its stack (SiteStack.throughNames, providerNamedAddresses):
// read by the witness rules, so that one owner behind several customers' domains counts once.

import { describe, expect, it } from 'vitest';
import { siteStack } from '../../src/classify/stack.js';
import { loadCatalog } from '../../src/fingerprint/index.js';
import type { Attempt, DnsAnswer } from '../../src/model.js';
import { attempt, dnsAnswer } from '../support/records.js';

const catalog = loadCatalog([]);
const failing: Attempt[] = [attempt({ outcome: 'http-error', httpStatus: 500 })];
const healthy: Attempt[] = [attempt({ outcome: 'ok' })];

/** The host's A answer with its CNAME chain, and its zone's NS answer. */
function answers(host: string, zone: string, cnameChain: string[]): DnsAnswer[] {
  return [
    dnsAnswer({ name: host, type: 'A', values: ['127.0.10.1'], cnameChain }),
    dnsAnswer({ name: host, type: 'NS', values: ['ns1.dns.test'], zone }),
  ];
}

describe("a failing site's names", () => {
  it("name another owner's CNAME target, not a provider's own names nor its own zone's", () => {
    const stack = siteStack(answers('help.a.test', 'a.test', ['edge.a.test', 'customers.helpdesk.test', 'customers.helpdesk.test.cdn.cloudflare.net']), failing, catalog);
    expect(stack.zone).toBe('a.test');
    expect(stack.throughNames).toEqual(['customers.helpdesk.test']);
    expect(stack.providerNamedAddresses).toBe(true);
  });

  it('name nothing for a site that CNAMEs only to its provider, or serves', () => {
    expect(siteStack(answers('www.a.test', 'a.test', ['www.a.test.cdn.cloudflare.net']), failing, catalog).throughNames).toEqual([]);
    expect(siteStack(answers('help.a.test', 'a.test', ['customers.helpdesk.test']), healthy, catalog)).toMatchObject({ throughNames: [], providerNamedAddresses: false });
  });

  it("say when the address comes through a provider's own name (one address there serves many customers)", () => {
    expect(siteStack(answers('api.a.test', 'a.test', ['d-abc.execute-api.us-east-1.amazonaws.com']), failing, catalog).providerNamedAddresses).toBe(true);
    expect(siteStack([dnsAnswer({ name: 'dynamodb.us-east-1.amazonaws.com', type: 'A', values: ['127.0.40.1'] })], failing, catalog).providerNamedAddresses).toBe(true);
    expect(siteStack(answers('www.a.test', 'a.test', []), failing, catalog).providerNamedAddresses).toBe(false);
  });
});
