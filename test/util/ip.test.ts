import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ipFamily } from '../../src/util/ip.js';

describe('ipFamily', () => {
  it('answers as net.isIP does, for addresses, host names and near misses', () => {
    const texts = ['1.1.1.1', '127.0.0.1', '256.1.1.1', '1.1.1', '01.1.1.1', '::1', '2606:4700::1111', '::ffff:1.2.3.4', 'fe80::1%eth0', '[::1]', '1.1.1.1:53', 'example.com', 'a:b', ':::', '', 'localhost', '2606:4700::1111:', 'xn--bcher-kva.example'];
    for (const text of texts) expect(ipFamily(text), text).toBe(isIP(text));
  });
});
