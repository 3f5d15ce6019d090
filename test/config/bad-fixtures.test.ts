// One file per bad input (blackbox_exporter style), each with the exact lines a user sees on stderr.

import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatConfigIssue } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';

const BAD_DIR = new URL('./fixtures/bad/', import.meta.url).pathname;

const CASES: Record<string, string[]> = {
  // YAML syntax
  'yaml-unclosed-flow.yaml': [
    'yaml-unclosed-flow.yaml:3:26 sites[0].expect.status: Flow sequence in block collection must be sufficiently indented and end with a ]',
    'yaml-unclosed-flow.yaml:3:27 (yaml): Flow map in block collection must be sufficiently indented and end with a }',
  ],
  'yaml-tab-indent.yaml': ['yaml-tab-indent.yaml:2:1 (yaml): Tabs are not allowed as indentation'],
  'yaml-duplicate-key.yaml': ['yaml-duplicate-key.yaml:3:3 defaults.timeout: duplicate key (each key may appear once)'],
  'alias-unknown.yaml': ['alias-unknown.yaml:2:12 defaults.timeout: unknown alias *later'],
  // document shape
  'empty.yaml': ['empty.yaml:1:1: the config is empty; expected a mapping with a "sites" list'],
  'not-a-mapping.yaml': ['not-a-mapping.yaml:1:1: expected a mapping with a "sites" list, got a list'],
  'version-unsupported.yaml': ['version-unsupported.yaml:1:10 version: expected 1 (the only config version so far), got 2'],
  // unknown keys: positioned at the key, with a did-you-mean when one is close
  'unknown-key.yaml': ['unknown-key.yaml:3:5 sites[0].expcet: unknown key; did you mean "expect"?'],
  'unknown-top-key.yaml': ['unknown-top-key.yaml:1:1 resolver: unknown key; did you mean "resolvers"?'],
  'unknown-key-no-hint.yaml': [
    'unknown-key-no-hint.yaml:2:3 defaults.colour: unknown key; expected one of: timeout, deadline, concurrency, perHostConcurrency, perAddressConcurrency, paths, maxAddressesPerFamily, userAgent, bodySampleSize, maxRedirects',
  ],
  // defaults
  'concurrency-not-integer.yaml': ['concurrency-not-integer.yaml:2:16 defaults.concurrency: expected an integer from 1 to 4096, got "lots"'],
  'concurrency-too-high.yaml': ['concurrency-too-high.yaml:2:16 defaults.concurrency: expected an integer from 1 to 4096, got 5000'],
  'per-host-concurrency-zero.yaml': ['per-host-concurrency-zero.yaml:2:23 defaults.perHostConcurrency: expected an integer from 1 to 256, got 0'],
  'timeout-negative.yaml': ['timeout-negative.yaml:2:12 defaults.timeout: expected a positive duration like 500ms or 5s, got "-3s"'],
  'timeout-zero.yaml': ['timeout-zero.yaml:2:12 defaults.timeout: expected a positive duration like 500ms or 5s, got "0s"'],
  'timeout-without-unit.yaml': ['timeout-without-unit.yaml:2:12 defaults.timeout: expected a positive duration like 500ms or 5s, got 5 (a unit is required)'],
  'deadline-below-timeout.yaml': ['deadline-below-timeout.yaml:3:13 defaults.deadline: must be at least defaults.timeout (10s), got "3s"'],
  'timeout-above-default-deadline.yaml': ['timeout-above-default-deadline.yaml:2:12 defaults.timeout: must not exceed defaults.deadline (30s), got "45s"'],
  'site-timeout-above-deadline.yaml': ['site-timeout-above-deadline.yaml:5:14 sites[0].timeout: must not exceed defaults.deadline (20s), got "1m"'],
  'body-sample-too-big.yaml': ['body-sample-too-big.yaml:2:19 defaults.bodySampleSize: expected a size from 0 to 16MiB like 512B, 64KiB or 1MiB, got "32MiB"'],
  'max-redirects-out-of-range.yaml': ['max-redirects-out-of-range.yaml:3:19 sites[0].maxRedirects: expected an integer from 0 to 20, got 21'],
  // paths
  'paths-unknown.yaml': ['paths-unknown.yaml:2:11 defaults.paths[0]: unknown path "edj"; did you mean "edge"?'],
  'paths-proxy-https.yaml': ['paths-proxy-https.yaml:3:12 paths[1].proxy: expected an HTTP proxy URL like "http://proxy.example:3128", got "https://proxy.example:3128"'],
  'paths-proxy-no-port.yaml': ['paths-proxy-no-port.yaml:3:22 sites[0].paths[0].proxy: expected an HTTP proxy URL like "http://proxy.example:3128", got "http://proxy.example"'],
  'paths-both-places.yaml': ['paths-both-places.yaml:1:8 paths: give paths either at the top level or in defaults.paths, not both'],
  'paths-empty.yaml': ['paths-empty.yaml:3:12 sites[0].paths: expected at least one path (edge, ipv4, ipv6, origin or {proxy: URL})'],
  'paths-not-a-list.yaml': ['paths-not-a-list.yaml:3:12 sites[0].paths: expected a list of paths (edge, ipv4, ipv6, origin or {proxy: URL}), got "edge"'],
  // sites
  'url-not-absolute.yaml': ['url-not-absolute.yaml:3:10 sites[1].url: not an absolute http(s) URL: "shop.example.com"'],
  'url-not-http.yaml': ['url-not-http.yaml:2:10 sites[0].url: not an absolute http(s) URL: "ftp://files.example.com/"'],
  'url-missing.yaml': ['url-missing.yaml:2:5 sites[0].url: missing required key'],
  'site-not-a-mapping.yaml': ['site-not-a-mapping.yaml:2:5 sites[0]: expected a site like {url: "https://example.com/"}, got "https://a.example/"'],
  'sites-empty.yaml': ['sites-empty.yaml:3:8 sites: expected a non-empty list of sites, got an empty list'],
  'sites-missing.yaml': ['sites-missing.yaml:1:1 sites: missing required key'],
  'sites-no-value.yaml': ['sites-no-value.yaml:1:7 sites: expected a non-empty list of sites, got nothing'],
  'site-duplicate-name.yaml': ['site-duplicate-name.yaml:4:11 sites[1].name: duplicate site name "shop" (also the name of sites[0])'],
  'site-duplicate-derived-name.yaml': [
    'site-duplicate-derived-name.yaml:3:10 sites[1].url: duplicate site name "a.example" (also the name of sites[0]); give each site a distinct name',
  ],
  'method-unknown.yaml': ['method-unknown.yaml:3:13 sites[0].method: expected one of GET, HEAD, POST, PUT, OPTIONS, got "FETCH"'],
  'origin-not-ip.yaml': ['origin-not-ip.yaml:3:13 sites[0].origin: not an IP address: "origin.a.example"'],
  'header-bad-name.yaml': ['header-bad-name.yaml:4:7 sites[0].headers["bad header"]: not a valid HTTP header name'],
  // expect
  'status-not-a-list.yaml': ['status-not-a-list.yaml:6:15 sites[2].expect.status: expected a list of HTTP status codes (100-599), got "abc"'],
  'status-out-of-range.yaml': [
    'status-out-of-range.yaml:4:21 sites[0].expect.status[1]: expected an HTTP status code (100-599), got 600',
    'status-out-of-range.yaml:4:26 sites[0].expect.status[2]: expected an HTTP status code (100-599), got "301"',
  ],
  'regex-invalid.yaml': ['regex-invalid.yaml:3:24 sites[0].expect.matches: not a valid regular expression: "(unclosed" (Unterminated group)'],
  'max-ms-invalid.yaml': ['max-ms-invalid.yaml:3:22 sites[0].expect.maxMs: expected a positive number of milliseconds (or a duration like 2s), got -5'],
  // resolvers
  'resolver-host-name.yaml': ['resolver-host-name.yaml:2:34 resolvers[0].address: not an IP address: "one.one.one.one"'],
  'resolver-bad-port.yaml': ['resolver-bad-port.yaml:2:16 resolvers[0].address: expected a port from 1 to 65535: "1.1.1.1:70000"'],
  'resolver-no-kind.yaml': ['resolver-no-kind.yaml:2:5 resolvers[0]: expected exactly one of address, tcp, doh or system: true (got none)'],
  'resolver-two-kinds.yaml': ['resolver-two-kinds.yaml:2:5 resolvers[0]: expected exactly one of address, tcp, doh or system: true (got address and doh)'],
  'resolver-bad-doh.yaml': ['resolver-bad-doh.yaml:2:12 resolvers[0].doh: not an absolute http(s) URL: "dns.google/dns-query"'],
  'resolver-system-not-boolean.yaml': ['resolver-system-not-boolean.yaml:2:15 resolvers[0].system: expected true or false, got "yes please"'],
  'resolver-duplicate-name.yaml': ['resolver-duplicate-name.yaml:3:13 resolvers[1].name: duplicate resolver name "dns" (also the name of resolvers[0])'],
  'resolver-duplicate-derived-name.yaml': [
    'resolver-duplicate-derived-name.yaml:3:5 resolvers[1]: duplicate resolver name "1.1.1.1" (also the name of resolvers[0])',
  ],
  'resolvers-empty.yaml': ['resolvers-empty.yaml:1:12 resolvers: expected at least one resolver (leave "resolvers" out to use the system resolver)'],
  // tls (paths relative to the config file's directory)
  'ca-missing.yaml': ['ca-missing.yaml:2:7 tls.ca: cannot read "./no-such-ca.pem": no such file'],
  'ca-not-pem.yaml': ['ca-not-pem.yaml:2:7 tls.ca: "../not-a-cert.pem" contains no PEM certificate (-----BEGIN CERTIFICATE-----)'],
  // untrusted text is printed without control sequences, and cut short
  'control-characters.yaml': [
    'control-characters.yaml:3:5 sites[0]["evil"]: unknown key; expected one of: name, url, kind, provider, expect, origin, headers, method, timeout, paths, maxAddressesPerFamily, userAgent, bodySampleSize, maxRedirects',
    'control-characters.yaml:4:10 sites[1].url: not an absolute http(s) URL: "nope"',
  ],
  'long-value.yaml': [`long-value.yaml:2:10 sites[0].url: not an absolute http(s) URL: "${'x'.repeat(79)}…"`],
  // every issue is reported, in source order
  'many-errors.yaml': [
    'many-errors.yaml:2:34 resolvers[0].address: not an IP address: "one.one.one.one"',
    'many-errors.yaml:3:5 resolvers[1]: expected exactly one of address, tcp, doh or system: true (got doh and system)',
    'many-errors.yaml:5:12 defaults.timeout: expected a positive duration like 500ms or 5s, got "-3s"',
    'many-errors.yaml:6:16 defaults.concurrency: expected an integer from 1 to 4096, got "lots"',
    'many-errors.yaml:9:10 sites[0].url: not an absolute http(s) URL: "shop.example.com"',
    'many-errors.yaml:10:5 sites[0].expcet: unknown key; did you mean "expect"?',
    'many-errors.yaml:13:23 sites[1].expect.status: expected a list of HTTP status codes (100-599), got "abc"',
    'many-errors.yaml:13:37 sites[1].expect.matches: not a valid regular expression: "([" (Unterminated character class)',
    'many-errors.yaml:15:7 tls.ca: cannot read "./missing.pem": no such file',
  ],
};

function errorLines(fixture: string): string[] {
  try {
    parseConfig(readFileSync(BAD_DIR + fixture, 'utf8'), fixture, { baseDir: BAD_DIR });
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map(formatConfigIssue);
    throw err;
  }
  return [];
}

describe('bad config fixtures', () => {
  it('every fixture file has a case, and every case a fixture file', () => {
    expect(readdirSync(BAD_DIR).sort()).toEqual(Object.keys(CASES).sort());
  });

  it.each(Object.entries(CASES))('%s', (fixture, lines) => {
    expect(errorLines(fixture)).toEqual(lines);
  });

  it('the thrown error says the input was a file and prints the same lines as its message', () => {
    let caught: unknown;
    try {
      parseConfig(readFileSync(BAD_DIR + 'many-errors.yaml', 'utf8'), 'many-errors.yaml', { baseDir: BAD_DIR });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.input).toBe('file');
    expect(error.source).toBe('many-errors.yaml');
    expect(error.message).toBe(CASES['many-errors.yaml']!.join('\n'));
  });
});
