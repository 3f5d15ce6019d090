// The small pieces the config stage is built from: addresses, well-known resolvers, did-you-mean, issue lines.

import { describe, expect, it } from 'vitest';
import { canonicalIp, parseIpAndPort } from '../../src/config/address.js';
import { formatIpAndPort } from '../../src/util/ip.js';
import { formatConfigIssue, sortIssues, type ConfigIssue } from '../../src/config/errors.js';
import { inferResolverProvider, PUBLIC_RESOLVERS } from '../../src/config/resolvers.js';
import { closestMatch, editDistance } from '../../src/config/suggest.js';
import { parseByteSize, parseProxyUrl, pemBundleProblem } from '../../src/config/values.js';

describe('parseIpAndPort', () => {
  it.each([
    ['1.1.1.1', { address: '1.1.1.1', port: null }],
    ['10.0.0.53:5353', { address: '10.0.0.53', port: 5353 }],
    ['2606:4700::1111', { address: '2606:4700::1111', port: null }],
    ['[2606:4700::1111]:53', { address: '2606:4700::1111', port: 53 }],
    ['[2001:DB8:0:0:0:0:0:1]', { address: '2001:db8::1', port: null }],
    [' 127.0.0.1:8080 ', { address: '127.0.0.1', port: 8080 }],
    ['one.one.one.one', { error: 'not-ip' }],
    ['localhost:53', { error: 'not-ip' }],
    ['[1.1.1.1]:53', { error: 'not-ip' }],
    ['1.1.1.1:0', { error: 'bad-port' }],
    ['1.1.1.1:65536', { error: 'bad-port' }],
    ['[::1]:', { error: 'bad-port' }],
    ['', { error: 'not-ip' }],
  ])('%j', (text, expected) => {
    expect(parseIpAndPort(text)).toEqual(expected);
  });

  it('formats back with brackets only for IPv6 with a port', () => {
    expect([formatIpAndPort('1.2.3.4', null), formatIpAndPort('1.2.3.4', 80), formatIpAndPort('::1', null), formatIpAndPort('::1', 53)]).toEqual([
      '1.2.3.4',
      '1.2.3.4:80',
      '::1',
      '[::1]:53',
    ]);
  });
});

describe('inferResolverProvider', () => {
  const udp = (address: string) => ({ kind: 'udp' as const, address, url: null });
  const doh = (url: string) => ({ kind: 'doh' as const, address: null, url });

  it.each([
    [udp('1.1.1.1'), 'Cloudflare'],
    [udp('1.0.0.3'), 'Cloudflare'],
    [udp('2606:4700:4700:0:0:0:0:1001'), 'Cloudflare'],
    [udp('8.8.4.4'), 'Google'],
    [udp('2001:4860:4860::8844'), 'Google'],
    [udp('149.112.112.112'), 'Quad9'],
    [udp('2620:fe::fe'), 'Quad9'],
    [udp('9.9.9.11'), 'Quad9'],
    [udp('208.67.220.220'), 'OpenDNS'],
    [udp('94.140.15.15'), 'AdGuard'],
    [udp('10.0.0.53'), null],
    [udp('127.0.0.1'), null],
    [doh('https://cloudflare-dns.com/dns-query'), 'Cloudflare'],
    [doh('https://one.one.one.one/dns-query'), 'Cloudflare'],
    [doh('https://1.1.1.1/dns-query'), 'Cloudflare'],
    [doh('https://dns.google/dns-query'), 'Google'],
    [doh('https://dns.quad9.net/dns-query'), 'Quad9'],
    [doh('https://doh.opendns.com/dns-query'), 'OpenDNS'],
    [doh('https://dns.adguard-dns.com/dns-query'), 'AdGuard'],
    [doh('https://[2606:4700:4700::1111]/dns-query'), 'Cloudflare'],
    [doh('https://doh.corp.example/dns-query'), null],
    [{ kind: 'system' as const, address: null, url: null }, null],
  ])('%j → %s', (spec, provider) => {
    expect(inferResolverProvider(spec)).toBe(provider);
  });

  it('the table of public resolvers is written in canonical form (it is looked up without canonicalising)', () => {
    for (const address of PUBLIC_RESOLVERS.flatMap((p) => p.addresses)) expect([address, canonicalIp(address)]).toEqual([address, address]);
  });
});

describe('did you mean', () => {
  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('expcet', 'expect')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it.each([
    ['expcet', ['name', 'url', 'expect'], 'expect'],
    ['perhostconcurrency', ['concurrency', 'perHostConcurrency'], 'perHostConcurrency'],
    ['resolver', ['resolvers', 'sites'], 'resolvers'],
    ['edj', ['edge', 'origin'], 'edge'],
    ['colour', ['timeout', 'deadline'], null],
    ['x', ['url'], null],
  ])('%s → %s', (word, candidates, expected) => {
    expect(closestMatch(word, candidates)).toBe(expected);
  });
});

describe('values', () => {
  it.each([
    [65536, 65536],
    ['64KiB', 65536],
    ['1MiB', 1048576],
    ['512B', 512],
    ['-1', null],
    [-1, null],
    [1.5, null],
    ['64 kib', null],
    ['lots', null],
  ])('parseByteSize(%j) = %j', (value, bytes) => {
    expect(parseByteSize(value)).toBe(bytes);
  });

  it.each([
    ['http://proxy.example:3128', { url: 'http://proxy.example:3128' }],
    ['HTTP://Proxy.Example:3128/', { url: 'http://proxy.example:3128' }],
    ['http://[::1]:8080', { url: 'http://[::1]:8080' }],
    ['http://127.0.0.1:80', { url: 'http://127.0.0.1:80' }],
    ['http://proxy.example', { error: 'expected an HTTP proxy URL like "http://proxy.example:3128"' }],
    ['https://proxy.example:3128', { error: 'expected an HTTP proxy URL like "http://proxy.example:3128"' }],
    ['http://proxy.example:3128/path', { error: 'expected an HTTP proxy URL like "http://proxy.example:3128"' }],
    ['http://proxy.example:99999', { error: 'expected an HTTP proxy URL like "http://proxy.example:3128"' }],
    ['http://user:secret@proxy.example:3128', { error: 'credentials in proxy URLs are not supported' }],
  ])('parseProxyUrl(%j)', (text, expected) => {
    expect(parseProxyUrl(text)).toEqual(expected);
  });

  it('checks that every PEM block is a certificate', () => {
    const broken = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    expect(pemBundleProblem(broken)).toBe('certificate 1 of 1 is not a valid PEM certificate');
    expect(pemBundleProblem('-----BEGIN PRIVATE KEY-----\n')).toBe('contains no PEM certificate (-----BEGIN CERTIFICATE-----)');
  });
});

describe('issue lines', () => {
  const issue = (line: number | null, column: number | null, path = 'sites[2].expect.status'): ConfigIssue => ({
    file: 'probes.yaml',
    line,
    column,
    path,
    message: 'expected a list of HTTP status codes (100-599), got "abc"',
  });

  it('prints file:line:column key-path: message, leaving out what is unknown', () => {
    expect(formatConfigIssue(issue(14, 7))).toBe('probes.yaml:14:7 sites[2].expect.status: expected a list of HTTP status codes (100-599), got "abc"');
    expect(formatConfigIssue(issue(14, null))).toBe('probes.yaml:14 sites[2].expect.status: expected a list of HTTP status codes (100-599), got "abc"');
    expect(formatConfigIssue(issue(null, null))).toBe('probes.yaml sites[2].expect.status: expected a list of HTTP status codes (100-599), got "abc"');
    expect(formatConfigIssue(issue(1, 1, ''))).toBe('probes.yaml:1:1: expected a list of HTTP status codes (100-599), got "abc"');
  });

  it('sorts by line and column, positionless last, otherwise stable', () => {
    const sorted = sortIssues([issue(null, null, 'a'), issue(3, 9, 'b'), issue(3, 2, 'c'), issue(1, 5, 'd'), issue(null, null, 'e')]);
    expect(sorted.map((i) => i.path)).toEqual(['d', 'c', 'b', 'a', 'e']);
  });
});
