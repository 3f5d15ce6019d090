import { describe, it, expect } from 'vitest';
import {
  addressWords,
  buildRangeIndex,
  formatPrefix,
  nat64Of,
  packedRangeSet,
  parseAddress,
  parsePrefix,
  prefixContains,
  type RangeSets,
} from '../../src/fingerprint/ranges/trie.js';
import { SNAPSHOT } from '../../src/fingerprint/ranges/load.js';

function sets(entries: Array<[string, string, string[]]>): RangeSets {
  const out: RangeSets = {};
  for (const [id, provider, prefixes] of entries) {
    out[id] = { provider, source: 'test', takenAt: '2026-10-14', prefixes: prefixes.map((prefix) => ({ prefix, region: null, service: null })) };
  }
  return out;
}

describe('address and prefix parsing', () => {
  it('reads v4, v6, bracketed, zoned and IPv4-mapped addresses', () => {
    expect(parseAddress('104.16.1.1')).toEqual({ family: 4, words: [0x68100101] });
    expect(parseAddress('[2606:4700::1]')?.words).toEqual([0x26064700, 0, 0, 1]);
    expect(parseAddress('fe80::1%eth0')?.family).toBe(6);
    expect(parseAddress('::ffff:104.16.1.1')).toEqual({ family: 4, words: [0x68100101] });
    expect(parseAddress('::')?.words).toEqual([0, 0, 0, 0]);
  });

  it('reads an address in the NAT64 well-known prefix as the IPv4 address a translator reaches with it (RFC 6052 §2.1)', () => {
    expect(parseAddress('64:ff9b::9765:10a')).toEqual({ family: 4, words: [0x9765010a] });
    expect(parseAddress('64:ff9b::151.101.1.10')).toEqual({ family: 4, words: [0x9765010a] });
    expect(nat64Of('64:ff9b::9765:10a')).toEqual({ prefix: '64:ff9b::/96', ipv4: '151.101.1.10' });
    expect(addressWords(' 64:ff9b::9765:10a ')).toBe('64:ff9b::9765:10a (NAT64 for 151.101.1.10)');
    // RFC 8215's local-use prefix: a translator's, but where the IPv4 address sits is the network's choice.
    expect(nat64Of('64:ff9b:1::9765:10a')).toEqual({ prefix: '64:ff9b:1::/48', ipv4: null });
    expect(addressWords('64:ff9b:1::9765:10a')).toBe('64:ff9b:1::9765:10a (NAT64)');
    expect(parseAddress('64:ff9b:1::9765:10a')?.family).toBe(6);
    // Not a translator's: outside both prefixes, even when the last 32 bits spell an IPv4 address (Cloudflare's do).
    for (const other of ['2606:4700::6810:101', '64:ff9a::9765:10a', '64:ff9b:0:1::9765:10a', '64:ff9b:2::1', '151.101.1.10']) {
      expect(nat64Of(other), other).toBeNull();
      expect(addressWords(other)).toBe(other);
    }
  });

  it('rejects what is not an address', () => {
    for (const bad of ['', 'example.com', '256.1.1.1', '1.2.3', '1::2::3', '1:2:3:4:5:6:7:8:9', '12345::', '01.2.3.4.5']) {
      expect(parseAddress(bad), bad).toBeNull();
    }
  });

  it('reads prefixes and writes them canonically (host bits cleared, zeros compressed)', () => {
    expect(formatPrefix(parsePrefix('104.16.0.0/13')!)).toBe('104.16.0.0/13');
    expect(formatPrefix(parsePrefix('104.17.3.4/13')!)).toBe('104.16.0.0/13');
    expect(formatPrefix(parsePrefix('2606:4700:0:0:0:0:0:0/32')!)).toBe('2606:4700::/32');
    expect(formatPrefix(parsePrefix('2a06:98c0::/29')!)).toBe('2a06:98c0::/29');
    expect(formatPrefix(parsePrefix('76.76.21.21')!)).toBe('76.76.21.21/32');
    expect(parsePrefix('10.0.0.0/33')).toBeNull();
    expect(parsePrefix('2001:db8::/129')).toBeNull();
    expect(parsePrefix('10.0.0.0/8/8')).toBeNull();
  });
});

describe('buildRangeIndex', () => {
  const index = buildRangeIndex(
    sets([
      ['aws', 'aws', ['3.0.0.0/9', '2600:1f00::/24']],
      ['cloudfront', 'cloudfront', ['3.64.0.0/14']],
      ['cloudflare-ipv4', 'cloudflare', ['104.16.0.0/13', '104.24.0.0/14']],
      ['cloudflare-ipv6', 'cloudflare', ['2606:4700::/32']],
      ['vercel', 'vercel', ['76.76.21.21/32']],
      ['broken', 'nobody', ['not-a-prefix']],
    ]),
  );

  it('returns the longest matching prefix', () => {
    expect(index.lookup('3.65.1.1')).toMatchObject({ provider: 'cloudfront', prefix: '3.64.0.0/14' });
    expect(index.lookup('3.1.1.1')).toMatchObject({ provider: 'aws', prefix: '3.0.0.0/9' });
    expect(index.lookup('104.16.1.1')).toEqual({ provider: 'cloudflare', set: 'cloudflare-ipv4', prefix: '104.16.0.0/13', region: null, service: null });
    expect(index.lookup('76.76.21.21')).toMatchObject({ provider: 'vercel' });
    expect(index.lookup('76.76.21.22')).toBeNull();
    expect(index.lookup('2606:4700:3033::6815:1')).toMatchObject({ provider: 'cloudflare', prefix: '2606:4700::/32' });
    expect(index.lookup('2600:1f18::1')).toMatchObject({ provider: 'aws' });
    expect(index.lookup('::ffff:104.16.1.1')).toMatchObject({ provider: 'cloudflare' });
    expect(index.lookup('64:ff9b::6810:101')).toMatchObject({ provider: 'cloudflare', prefix: '104.16.0.0/13' });
    expect(index.lookup('64:ff9b:1::6810:101')).toBeNull();
  });

  it('answers null for addresses outside every set, and for non-addresses', () => {
    expect(index.lookup('192.0.2.1')).toBeNull();
    expect(index.lookup('2001:db8::1')).toBeNull();
    expect(index.lookup('example.com')).toBeNull();
  });

  it('skips unparsable prefixes and says which', () => {
    expect(index.skipped).toEqual(['broken: not-a-prefix']);
    expect(index.size).toBe(7);
  });

  it('on a duplicate prefix keeps the entry that names a region or service', () => {
    const dup = buildRangeIndex(
      sets([['google', 'google', ['34.0.0.0/15']]]),
      { 'google-cloud': { provider: 'google', source: 't', takenAt: 'x', prefixes: [{ prefix: '34.0.0.0/15', region: 'us-east1', service: 'Google Cloud' }] } },
    );
    expect(dup.lookup('34.0.1.1')).toMatchObject({ set: 'google-cloud', region: 'us-east1' });
    expect(dup.size).toBe(1);
  });

  it('handles /0 and host routes', () => {
    const all = buildRangeIndex(sets([['any', 'any', ['0.0.0.0/0', '::/0']], ['host', 'host', ['10.1.2.3/32', '2001:db8::1/128']]]));
    expect(all.lookup('8.8.8.8')?.provider).toBe('any');
    expect(all.lookup('10.1.2.3')?.provider).toBe('host');
    expect(all.lookup('2001:db8::1')?.provider).toBe('host');
    expect(all.lookup('2001:db8::2')?.provider).toBe('any');
  });
});

describe('packed sets (the shipped snapshot)', () => {
  const about = { provider: 'p', source: 'test', takenAt: '2026-10-14' };

  it('the index reads a packed set as it would the same prefixes unpacked: every snapshot prefix, first and last address', () => {
    const packed = buildRangeIndex(SNAPSHOT.sets);
    const plain = buildRangeIndex(Object.fromEntries(Object.entries(SNAPSHOT.sets).map(([id, set]) => [id, { ...set, prefixes: [...set.prefixes] }])));
    let compared = 0;
    for (const set of Object.values(SNAPSHOT.sets)) {
      for (const { prefix } of set.prefixes) {
        const parsed = parsePrefix(prefix)!;
        const first = formatPrefix({ ...parsed, length: parsed.family === 4 ? 32 : 128 }).replace(/\/\d+$/, '');
        const words = parsed.words.map((w, i) => (w | ~(parsed.length - i * 32 >= 32 ? 0xffffffff : parsed.length - i * 32 <= 0 ? 0 : (0xffffffff << (32 - (parsed.length - i * 32))) >>> 0)) >>> 0);
        const last = formatPrefix({ ...parsed, words, length: parsed.family === 4 ? 32 : 128 }).replace(/\/\d+$/, '');
        for (const address of [first, last]) {
          expect(packed.lookup(address), address).toEqual(plain.lookup(address));
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(24_000);
    expect(packed.size).toBe(plain.size);
    expect(packed.skipped).toEqual(plain.skipped);
  });

  it('files odd spacing, short, uppercase, embedded-IPv4 and broken prefixes as a plain set would', () => {
    const text = '  104.16.0.0/13  1.0.0.0/4 2606:4700::/32 2A06:98C0::/29 ::ffff:0:0/96 64:ff9b::1.2.3.0/120 104.x.0.0/16 10.0.0.1 ';
    const packed = buildRangeIndex({ odd: packedRangeSet(about, [{ region: 'r', service: null, prefixes: text }]) });
    const plain = buildRangeIndex({ odd: { ...about, prefixes: text.split(' ').filter(Boolean).map((prefix) => ({ prefix, region: 'r', service: null })) } });
    for (const address of ['104.17.1.1', '1.2.3.4', '15.255.255.255', '16.0.0.1', '2606:4700::1', '2a06:98c1::1', '::ffff:0:1', '64:ff9b::1.2.3.9', '10.0.0.1', '10.0.0.2']) {
      expect(packed.lookup(address), address).toEqual(plain.lookup(address));
    }
    expect(packed.lookup('2a06:98c1::1')).toMatchObject({ prefix: '2a06:98c0::/29', region: 'r' });
    expect(packed.lookup('1.2.3.4')).toMatchObject({ prefix: '0.0.0.0/4' });
    expect(packed.skipped).toEqual(['odd: 104.x.0.0/16']);
    expect(packed.size).toBe(plain.size);
  });

  it('an equal prefix in two packed sets: the one that says more wins, else the first given', () => {
    const first = packedRangeSet(about, [{ region: null, service: null, prefixes: '34.0.0.0/15 35.0.0.0/16' }]);
    const second = packedRangeSet(about, [{ region: 'us-east1', service: null, prefixes: '34.0.0.0/15' }, { region: null, service: null, prefixes: '35.0.0.0/16' }]);
    const index = buildRangeIndex({ first, second });
    expect(index.lookup('34.0.1.1')).toMatchObject({ set: 'second', region: 'us-east1' });
    expect(index.lookup('35.0.1.1')).toMatchObject({ set: 'first' });
  });

  it('`prefixes` unpacks the groups when read, once', () => {
    const set = packedRangeSet(about, [{ region: 'a', service: 's', prefixes: '1.0.0.0/8  2.0.0.0/8' }, { region: null, service: null, prefixes: '2606::/16' }]);
    expect(set.prefixes).toEqual([
      { prefix: '1.0.0.0/8', region: 'a', service: 's' },
      { prefix: '2.0.0.0/8', region: 'a', service: 's' },
      { prefix: '2606::/16', region: null, service: null },
    ]);
    expect(set.prefixes).toBe(set.prefixes);
    expect(SNAPSHOT.sets['cloudflare-ipv4']!.prefixes).toHaveLength(15);
  });
});

describe('buildRangeIndex at scale', () => {
  // A deterministic generator, so a failure is reproducible.
  function random(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
      s = (s * 1664525 + 1013904223) >>> 0;
      return s;
    };
  }

  function v4(n: number): string {
    return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
  }

  function v6(r: () => number): string {
    return Array.from({ length: 8 }, () => (r() & 0xffff).toString(16)).join(':');
  }

  it('builds 20,000 prefixes and does 100,000 lookups fast, agreeing with a naive scan', () => {
    const r = random(42);
    const prefixes: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      prefixes.push(i % 5 === 0 ? `${v6(r)}/${16 + (r() % 49)}` : `${v4(r())}/${8 + (r() % 25)}`);
    }
    const data = sets([['random', 'random', prefixes]]);
    // Give each prefix its own set so a match names which prefix won.
    const perPrefix: RangeSets = {};
    prefixes.forEach((prefix, i) => (perPrefix[`s${i}`] = { provider: 'p', source: 't', takenAt: 'x', prefixes: [{ prefix, region: null, service: null }] }));

    const addresses: string[] = [];
    for (let i = 0; i < 100_000; i++) {
      // Half the addresses inside a random prefix, half anywhere.
      if (i % 2 === 0) {
        const p = parsePrefix(prefixes[r() % prefixes.length]!)!;
        addresses.push(p.family === 4 ? v4((p.words[0]! | (r() & (2 ** (32 - p.length) - 1))) >>> 0) : formatPrefix({ ...p, length: 128 }).replace('/128', ''));
      } else {
        addresses.push(i % 10 === 1 ? v6(r) : v4(r()));
      }
    }

    const started = performance.now();
    const index = buildRangeIndex(perPrefix);
    let hits = 0;
    for (const address of addresses) if (index.lookup(address)) hits++;
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(2000);
    expect(hits).toBeGreaterThan(50_000);
    expect(buildRangeIndex(data).size).toBeLessThanOrEqual(20_000);

    // Correctness on a sample: the longest containing prefix by brute force.
    const parsed = prefixes.map((p) => parsePrefix(p)!);
    for (let i = 0; i < 200; i++) {
      const address = addresses[(i * 487) % addresses.length]!;
      const a = parseAddress(address)!;
      let best = -1;
      parsed.forEach((p, j) => {
        if (prefixContains(p, a) && (best < 0 || p.length > parsed[best]!.length)) best = j;
      });
      const found = index.lookup(address);
      if (best < 0) expect(found, address).toBeNull();
      else expect(found?.prefix, address).toBe(formatPrefix(parsed[best]!));
    }
  });
});
