// --sites FILE: plain lists and ranked CSVs become the sites to probe, each once, in file order; a line naming
// no site is an error at file:line:column; the config's resolvers and defaults apply when --config is given.

import { describe, expect, it } from 'vitest';
import { parseSiteList } from '../../src/config/site-list.js';
import { ConfigError, configErrorLines } from '../../src/config/errors.js';
import { loadCheckConfig } from '../../src/commands/check.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('parseSiteList', () => {
  it('reads hostnames and URLs a line, skipping blanks and comments, each site once', () => {
    const text = '# our sites\nexample.com\n\nhttps://shop.example.com/cart?x=1\nEXAMPLE.com.\n  api.example.net  \n192.0.2.10\n2001:db8::1\n';
    expect(parseSiteList(text, 'list.txt')).toEqual([
      'https://example.com/',
      'https://shop.example.com/cart?x=1',
      'https://api.example.net/',
      'https://192.0.2.10/',
      'https://[2001:db8::1]/',
    ]);
  });

  it('reads a Tranco-style ranked CSV (rank,domain, no header) and a CrUX-style one (origin,rank, with a header)', () => {
    expect(parseSiteList('1,google.com\r\n2,facebook.com\r\n3,microsoft.com\r\n', 'top.csv')).toEqual(['https://google.com/', 'https://facebook.com/', 'https://microsoft.com/']);
    expect(parseSiteList('\uFEFForigin,rank\nhttps://www.google.com,1000\nhttps://www.youtube.com,1000\n', 'crux.csv')).toEqual(['https://www.google.com/', 'https://www.youtube.com/']);
  });

  it('reports every line that names no site (or two) at its line and column, all at once', () => {
    let error: unknown;
    try {
      parseSiteList('example.com\n  not a host\n3,\nftp://files.example.com\na.com,b.com\n', 'list.txt');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(configErrorLines((error as ConfigError).issues).trim().split('\n')).toEqual([
      'list.txt:2:3 --sites: no hostname or http(s) URL in "not a host"',
      'list.txt:3:1 --sites: no hostname or http(s) URL in "3,"',
      'list.txt:4:1 --sites: no hostname or http(s) URL in "ftp://files.example.com"',
      'list.txt:5:1 --sites: more than one site in "a.com,b.com": give one a line, or rank,domain',
    ]);
  });

  it('a list that names no site is an error, not an empty run', () => {
    expect(() => parseSiteList('# nothing yet\n\n', 'empty.txt')).toThrow(/the list names no site/);
  });
});

describe('--sites with --config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'op-sites-'));
  const configFile = join(dir, 'resolvers.yaml');
  const listFile = join(dir, 'list.txt');
  writeFileSync(configFile, 'resolvers:\n  - { name: lab, address: "127.0.0.1:5399" }\ndefaults: { timeout: 2s }\n');
  writeFileSync(listFile, 'a.example.test\nb.example.test\n');

  it('a config that lists no sites gives the resolvers and defaults; the list gives the sites', () => {
    const config = loadCheckConfig([], { config: configFile, sites: listFile, resolver: [], format: 'json', verbose: false, color: false });
    expect(config.resolvers.map((r) => r.name)).toEqual(['lab']);
    expect(config.sites.map((s) => [s.host, s.timeoutMs])).toEqual([['a.example.test', 2000], ['b.example.test', 2000]]);
  });

  it('without --sites, the same config still needs its sites', () => {
    expect(() => loadCheckConfig([], { config: configFile, resolver: [], format: 'json', verbose: false, color: false })).toThrow(ConfigError);
  });
});
