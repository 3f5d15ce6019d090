// This host's static table of names, hosts(5) (src/util/hosts-file.ts).

import { describe, expect, it } from 'vitest';
import { fromHostsFile, parseHostsFile } from '../../src/util/hosts-file.js';

const FILE = [
  '127.0.0.1\tlocalhost',
  '::1     localhost ip6-localhost ip6-loopback',
  '# 10.0.0.1 commented.example.com',
  '10.1.2.3   Shop.Example.com.  shop   # a pin left from a migration test',
  '10.1.2.4   shop.example.com',
  'fe80::1%eth0 router.lan',
  'not-an-address broken.example.com',
  '192.0.2.9',
  '',
].join('\n');

describe('parseHostsFile', () => {
  const names = parseHostsFile(FILE);

  it('gives each name and alias its addresses in file order, case and trailing dot aside', () => {
    expect(names.get('shop.example.com')).toEqual(['10.1.2.3', '10.1.2.4']);
    expect(names.get('shop')).toEqual(['10.1.2.3']);
    expect(names.get('localhost')).toEqual(['127.0.0.1', '::1']);
    expect(names.get('router.lan')).toEqual(['fe80::1']);
  });

  it('skips comments, lines without a name and lines without an address', () => {
    expect(names.has('commented.example.com')).toBe(false);
    expect(names.has('broken.example.com')).toBe(false);
    expect([...names.keys()].sort()).toEqual(['ip6-localhost', 'ip6-loopback', 'localhost', 'router.lan', 'shop', 'shop.example.com']);
  });
});

describe('fromHostsFile', () => {
  const names = parseHostsFile(FILE);

  it("is an answer every address of which the file gives the name", () => {
    expect(fromHostsFile('SHOP.example.com.', ['10.1.2.4', '10.1.2.3'], names)).toBe(true);
    expect(fromHostsFile('shop.example.com', ['10.1.2.3', '104.16.10.10'], names)).toBe(false);
    // A name listed for IPv4 only: its IPv6 answer came from DNS.
    expect(fromHostsFile('shop.example.com', ['2606:4700::6810:a0a'], names)).toBe(false);
    expect(fromHostsFile('news.example.org', ['151.101.1.10'], names)).toBe(false);
    expect(fromHostsFile('shop.example.com', [], names)).toBe(false);
  });
});
