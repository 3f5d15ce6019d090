import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatConfigIssue } from '../../src/config/errors.js';
import { configFromArgs, loadConfigFile, parseConfig } from '../../src/config/load.js';
import type { Config, ProbeSettings, ResolverSpec, SiteSpec } from '../../src/model.js';

const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const CA_PEM = readFileSync(`${FIXTURES}corp-ca.pem`, 'utf8');

const BOTH_FAMILIES = { edge: true, ipv4: true, ipv6: true, origin: true, proxies: [] };

const BUILT_IN_DEFAULTS: ProbeSettings = {
  timeoutMs: 5000,
  paths: BOTH_FAMILIES,
  maxAddressesPerFamily: 4,
  userAgent: `outage-probe/${VERSION}`,
  bodySampleBytes: 65536,
  maxRedirects: 5,
};

const SYSTEM: ResolverSpec = { name: 'system', kind: 'system', provider: null };

function site(fields: Partial<SiteSpec> & Pick<SiteSpec, 'name' | 'url' | 'host'>): SiteSpec {
  return {
    ...BUILT_IN_DEFAULTS,
    probe: 'http',
    record: 'A',
    kind: 'site',
    provider: null,
    method: 'GET',
    headers: {},
    expect: { status: [], contains: null, matches: null, maxMs: null, challenge: 'fail', rcode: null, dnssec: false },
    origin: null,
    ...fields,
  };
}

/** The issues of a ConfigError as printed, or a failure when nothing was thrown. */
function thrownLines(run: () => unknown): { lines: string[]; error: ConfigError } {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return { lines: err.issues.map(formatConfigIssue), error: err };
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig: valid files', () => {
  it('maps the documented example to the expected Config', () => {
    const path = `${FIXTURES}valid-full.yaml`;
    const expected: Config = {
      source: path,
      resolvers: [
        { name: 'cloudflare', kind: 'udp', address: '1.1.1.1', port: 53, provider: 'Cloudflare' },
        { name: 'google-doh', kind: 'doh', url: 'https://dns.google/dns-query', provider: 'Google' },
        SYSTEM,
        { name: 'corp', kind: 'udp', address: '10.0.0.53', port: 5353, provider: 'Corp IT' },
      ],
      run: { deadlineMs: 30_000, concurrency: 32, perHostConcurrency: 4, perAddressConcurrency: 8 },
      defaults: { ...BUILT_IN_DEFAULTS, userAgent: 'outage-probe/0.1 (+https://github.com/outage-probe)' },
      sites: [
        site({
          name: 'shop',
          url: 'https://shop.example.com/',
          host: 'shop.example.com',
          expect: { status: [200], contains: 'Add to cart', matches: null, maxMs: 2000, challenge: 'fail', rcode: null, dnssec: false },
          origin: '203.0.113.7',
          headers: { 'accept-language': 'en' },
          timeoutMs: 3000,
          userAgent: 'outage-probe/0.1 (+https://github.com/outage-probe)',
        }),
      ],
      tls: { ca: CA_PEM, caFile: `${FIXTURES}corp-ca.pem` },
      attribution: { minSites: 2, samples: 1, intervalMs: 5000 },
      providers: [],
      statusPages: {},
      alerts: { failureThreshold: 1, successThreshold: 1, reminderIntervalMs: null, flapWindow: 5 },
    };
    expect(loadConfigFile(path)).toEqual(expected);
  });

  it('fills every default for a file that only lists a URL', () => {
    const config = parseConfig(readFileSync(`${FIXTURES}minimal.yaml`, 'utf8'), 'minimal.yaml');
    expect(config).toEqual({
      source: 'minimal.yaml',
      resolvers: [SYSTEM],
      run: { deadlineMs: 30_000, concurrency: 32, perHostConcurrency: 4, perAddressConcurrency: 8 },
      defaults: BUILT_IN_DEFAULTS,
      sites: [site({ name: 'shop.example.com', url: 'https://shop.example.com/', host: 'shop.example.com' })],
      tls: { ca: null, caFile: null },
      attribution: { minSites: 2, samples: 1, intervalMs: 5000 },
      providers: [],
      statusPages: {},
      alerts: { failureThreshold: 1, successThreshold: 1, reminderIntervalMs: null, flapWindow: 5 },
    } satisfies Config);
  });

  it('applies top-level paths as defaults and per-site overrides on top', () => {
    const config = parseConfig(readFileSync(`${FIXTURES}overrides.yaml`, 'utf8'), 'overrides.yaml');
    expect(config.resolvers).toEqual([
      { name: '2606:4700:4700::1111', kind: 'udp', address: '2606:4700:4700::1111', port: 53, provider: 'Cloudflare' },
      { name: 'doh-cloudflare-dns.com', kind: 'doh', url: 'https://cloudflare-dns.com/dns-query', provider: 'Cloudflare' },
      { name: '9.9.9.9:5353', kind: 'udp', address: '9.9.9.9', port: 5353, provider: 'Quad9' },
    ]);
    expect(config.run).toEqual({ deadlineMs: 120_000, concurrency: 32, perHostConcurrency: 4, perAddressConcurrency: 8 });
    const defaults: ProbeSettings = {
      ...BUILT_IN_DEFAULTS,
      timeoutMs: 1500,
      userAgent: 'probe-test',
      // ipv4 alone: the edge path over IPv4 only
      paths: { edge: true, ipv4: true, ipv6: false, origin: true, proxies: ['http://127.0.0.1:3128'] },
    };
    expect(config.defaults).toEqual(defaults);
    expect(config.sites).toEqual([
      site({
        ...defaults,
        name: '2001:db8::10',
        url: 'http://[2001:db8::10]:8080/health',
        host: '2001:db8::10',
        method: 'HEAD',
        paths: { edge: true, ipv4: false, ipv6: true, origin: false, proxies: [] },
        bodySampleBytes: 1024 * 1024,
        maxRedirects: 0,
        maxAddressesPerFamily: 1,
        origin: '[2001:db8::20]:8443',
        expect: { status: [204], contains: null, matches: '^ok$', maxMs: 1500, challenge: 'fail', rcode: null, dnssec: false },
      }),
      site({
        ...defaults,
        name: 'api',
        url: 'https://api.example.net/v1?x=1',
        host: 'api.example.net',
        headers: { 'X-Version': '2', Accept: 'application/json' },
        userAgent: 'api-probe',
        timeoutMs: 500,
        origin: '198.51.100.9:8443',
        paths: { edge: true, ipv4: true, ipv6: true, origin: false, proxies: ['http://proxy.example:8080'] },
      }),
    ]);
  });

  it('gives sites that set no paths, expect or headers one frozen record each, and a site that sets one its own', () => {
    const config = parseConfig('sites:\n  - url: https://a.example/\n  - url: https://b.example/\n  - url: https://c.example/\n    paths: [edge]\n    expect: {status: [200]}\n    headers: {x-a: b}\n', 'x.yaml');
    const [a, b, c] = config.sites;
    for (const field of ['paths', 'expect', 'headers'] as const) {
      expect(a![field]).toBe(b![field]);
      expect(Object.isFrozen(a![field])).toBe(true);
      expect(c![field]).not.toBe(a![field]);
      expect(Object.isFrozen(c![field])).toBe(false);
    }
    expect(a!.paths).toEqual(config.defaults.paths);
    expect(a!.paths).not.toBe(config.defaults.paths);
    // No stage can change one site's settings through another's: a change throws (modules are strict).
    expect(() => a!.paths.proxies.push('http://p.example:3128')).toThrow(TypeError);
    expect(() => (a!.expect.status as number[]).push(500)).toThrow(TypeError);
    expect(() => Object.assign(a!.headers, { 'x-b': 'c' })).toThrow(TypeError);
    expect(b!.paths.proxies).toEqual([]);
    expect(c!.expect.status).toEqual([200]);
    expect(c!.headers).toEqual({ 'x-a': 'b' });
  });

  it.each([
    ['bodySampleSize: 512B', 512],
    ['bodySampleSize: 0', 0],
    ['bodySampleSize: 1.5KiB', 1536],
    ['bodySampleSize: 16MiB', 16 * 1024 * 1024],
    ['bodySampleSize: 100KB', 100_000],
  ])('reads %s as %d bytes', (line, bytes) => {
    expect(parseConfig(`defaults:\n  ${line}\nsites:\n  - url: https://a.example/\n`, 'x.yaml').defaults.bodySampleBytes).toBe(bytes);
  });

  it.each([
    ['500ms', 500],
    ['1.5s', 1500],
    ['2m', 120_000],
  ])('reads the duration %s as %d ms', (text, ms) => {
    expect(parseConfig(`defaults:\n  timeout: ${text}\n  deadline: 1h\nsites:\n  - url: https://a.example/\n`, 'x.yaml').defaults.timeoutMs).toBe(ms);
  });

  it('keeps valid user providers and version 1', () => {
    const text = 'version: 1\nproviders:\n  - { name: corp-cdn, headers: [{ header: x-corp-cdn }], ranges: ["127.0.10.0/24"] }\nsites:\n  - url: https://a.example/\n';
    const config = parseConfig(text, 'x.yaml');
    expect(config.providers).toEqual([{ name: 'corp-cdn', headers: [{ header: 'x-corp-cdn' }], ranges: ['127.0.10.0/24'] }]);
  });

  it('reports a bad user provider at its entry, with the key inside it', () => {
    const text = 'providers:\n  - { name: corp-cdn, headers: [{ header: x-corp-cdn, pattern: "(" }] }\nsites:\n  - url: https://a.example/\n';
    const { lines } = thrownLines(() => parseConfig(text, 'x.yaml'));
    expect(lines).toEqual(['x.yaml:2:5 providers[0].headers[0].pattern: not a valid regular expression (Invalid regular expression: /(/i: Unterminated group)']);
  });

  it('reads endpoint sites and status page overrides', () => {
    const text = 'statusPages: { cloudflare: "https://127.0.0.1:8443/api/v2/summary.json" }\nsites:\n  - { url: "https://dynamodb.us-east-1.amazonaws.com/", kind: endpoint, provider: AWS }\n';
    const config = parseConfig(text, 'x.yaml');
    expect(config.statusPages).toEqual({ cloudflare: 'https://127.0.0.1:8443/api/v2/summary.json' });
    expect(config.sites[0]).toMatchObject({ kind: 'endpoint', provider: 'AWS' });
    const { lines } = thrownLines(() => parseConfig('sites:\n  - { url: "https://a.example/", kind: api }\n', 'x.yaml'));
    expect(lines).toEqual(['x.yaml:2:40 sites[0].kind: expected site, endpoint or control-plane, got "api"']);
  });

  it('reads a control-plane endpoint, which needs its provider', () => {
    const config = parseConfig('sites:\n  - { url: "https://api.cloudflare.com/client/v4/", kind: control-plane, provider: cloudflare }\n', 'x.yaml');
    expect(config.sites[0]).toMatchObject({ kind: 'control-plane', provider: 'cloudflare' });
    const { lines } = thrownLines(() => parseConfig('sites:\n  - { url: "https://api.cloudflare.com/", kind: control-plane }\n', 'x.yaml'));
    expect(lines).toEqual(['x.yaml:2:49 sites[0].kind: a control-plane endpoint needs provider: (the provider whose API it is, e.g. cloudflare)']);
  });

  it('reads attribution settings', () => {
    expect(parseConfig('attribution: { minSites: 3, samples: 4, interval: 2s }\nsites:\n  - url: https://a.example/\n', 'x.yaml').attribution).toEqual({ minSites: 3, samples: 4, intervalMs: 2000 });
  });

  it('reads relative tls.ca paths from the config file directory', () => {
    const config = parseConfig('tls: { ca: corp-ca.pem }\nsites:\n  - url: https://a.example/\n', `${FIXTURES}inline.yaml`);
    expect(config.tls).toEqual({ ca: CA_PEM, caFile: `${FIXTURES}corp-ca.pem` });
  });
});

describe('loadConfigFile', () => {
  it('reports a missing file without a position', () => {
    const path = `${FIXTURES}does-not-exist.yaml`;
    const { lines, error } = thrownLines(() => loadConfigFile(path));
    expect(lines).toEqual([`${path}: cannot read the config file: no such file`]);
    expect(error.input).toBe('file');
  });

  it('reports a directory as unreadable', () => {
    expect(thrownLines(() => loadConfigFile(FIXTURES)).lines).toEqual([`${FIXTURES}: cannot read the config file: it is a directory`]);
  });
});

describe('configFromArgs', () => {
  it('derives site and resolver names, and the well-known providers', () => {
    const config = configFromArgs(
      ['https://a.example', 'https://B.example/status'],
      ['1.1.1.1', 'doh:https://dns.google/dns-query', 'system', '9.9.9.9:5353', '[2606:4700::1111]:53', '[2606:4700:4700::1111]:8053'],
    );
    expect(config.resolvers).toEqual([
      { name: '1.1.1.1', kind: 'udp', address: '1.1.1.1', port: 53, provider: 'Cloudflare' },
      { name: 'doh-dns.google', kind: 'doh', url: 'https://dns.google/dns-query', provider: 'Google' },
      SYSTEM,
      { name: '9.9.9.9:5353', kind: 'udp', address: '9.9.9.9', port: 5353, provider: 'Quad9' },
      { name: '2606:4700::1111', kind: 'udp', address: '2606:4700::1111', port: 53, provider: null },
      { name: '[2606:4700:4700::1111]:8053', kind: 'udp', address: '2606:4700:4700::1111', port: 8053, provider: 'Cloudflare' },
    ]);
    expect(config.sites).toEqual([
      site({ name: 'a.example', url: 'https://a.example/', host: 'a.example' }),
      site({ name: 'b.example', url: 'https://b.example/status', host: 'b.example' }),
    ]);
    expect(config).toMatchObject({ source: '(command line)', run: { deadlineMs: 30_000, concurrency: 32, perHostConcurrency: 4, perAddressConcurrency: 8 }, defaults: BUILT_IN_DEFAULTS, tls: { ca: null, caFile: null } });
  });

  it('uses the system resolver when no --resolver is given', () => {
    expect(configFromArgs(['http://127.0.0.1:8080/'], []).resolvers).toEqual([SYSTEM]);
  });

  it('names a second site on the same host and a second DoH URL on the same host apart; drops exact repeats', () => {
    const config = configFromArgs(
      ['https://a.example/one', 'https://a.example/two', 'https://a.example/one'],
      ['doh:https://dns.google/dns-query', 'https://dns.google/resolve', '8.8.8.8', '8.8.8.8:53'],
    );
    expect(config.sites.map((s) => [s.name, s.url])).toEqual([
      ['a.example', 'https://a.example/one'],
      ['a.example-2', 'https://a.example/two'],
    ]);
    expect(config.resolvers.map((r) => r.name)).toEqual(['doh-dns.google', 'doh-dns.google-2', '8.8.8.8']);
  });

  it('reports every bad argument at once, as command-line input', () => {
    const { lines, error } = thrownLines(() =>
      configFromArgs(['shop.example.com', 'https://ok.example/'], ['one.one.one.one', '1.1.1.1:0', 'doh:dns.google', '', '[not-v6]:53']),
    );
    expect(lines).toEqual([
      '(command line) --resolver: expected system, an IP address (1.1.1.1, 9.9.9.9:5353, [2606:4700::1111]:53), tcp:IP or doh:https://host/dns-query, got "one.one.one.one"',
      '(command line) --resolver: expected a port from 1 to 65535: "1.1.1.1:0"',
      '(command line) --resolver: not an absolute http(s) URL: "dns.google"',
      '(command line) --resolver: expected system, an IP address (1.1.1.1, 9.9.9.9:5353, [2606:4700::1111]:53), tcp:IP or doh:https://host/dns-query, got ""',
      '(command line) --resolver: expected system, an IP address (1.1.1.1, 9.9.9.9:5353, [2606:4700::1111]:53), tcp:IP or doh:https://host/dns-query, got "[not-v6]:53"',
      '(command line) url: not an absolute http(s) URL: "shop.example.com"',
    ]);
    expect(error.input).toBe('command-line');
    expect(error.source).toBe('(command line)');
  });

  it('requires at least one URL', () => {
    expect(thrownLines(() => configFromArgs([], [])).lines).toEqual(['(command line) url: give at least one URL to check']);
  });

  it('prints bad values without control characters', () => {
    expect(thrownLines(() => configFromArgs(['https://a.example/'], ['\u001b[2J\u0007evil'])).lines).toEqual([
      '(command line) --resolver: expected system, an IP address (1.1.1.1, 9.9.9.9:5353, [2606:4700::1111]:53), tcp:IP or doh:https://host/dns-query, got "evil"',
    ]);
  });
});
