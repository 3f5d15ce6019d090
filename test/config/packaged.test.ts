// The packaged probes.yaml is parsed here, never run: it points at public sites and resolvers.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';

const PACKAGED = new URL('../../probes.yaml', import.meta.url).pathname;
const text = readFileSync(PACKAGED, 'utf8');

describe('the packaged probes.yaml', () => {
  it('parses: a dozen sites across the big edges, the public resolvers over plain DNS and DoH', () => {
    const config = parseConfig(text, PACKAGED);
    expect(config.sites.length).toBeGreaterThanOrEqual(12);
    expect(config.resolvers.map((r) => [r.kind, r.provider])).toEqual(
      expect.arrayContaining([
        ['udp', 'Cloudflare'],
        ['udp', 'Google'],
        ['udp', 'Quad9'],
        ['doh', 'Cloudflare'],
        ['doh', 'Google'],
        ['doh', 'Quad9'],
        ['system', null],
      ]),
    );
  });

  it('its commented dependency endpoints are valid once uncommented', () => {
    const uncommented = text.replace(/^ {2}# (- \{ name: .*kind: endpoint.*)$/gm, '  $1');
    const config = parseConfig(uncommented, PACKAGED);
    const endpoints = config.sites.filter((s) => s.kind === 'endpoint');
    expect(endpoints.length).toBeGreaterThanOrEqual(8);
    expect(endpoints.find((s) => s.host === 'dynamodb.us-east-1.amazonaws.com')?.provider).toBe('AWS');
  });
});
