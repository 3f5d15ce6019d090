import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { explainEvidence, providersIdentify, providersList, providersUpdate } from '../../src/commands/providers.js';
import { BUILTIN_PROVIDERS } from '../../src/fingerprint/catalog/index.js';
import { SNAPSHOT } from '../../src/fingerprint/ranges/load.js';
import { buildRangeIndex } from '../../src/fingerprint/ranges/trie.js';
import { RANGE_SOURCES } from '../../src/fingerprint/ranges/update.js';
import { CF_HEADERS, cloudflareBrandedPage } from './responses.js';

function captureIo() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } },
    stdout: () => out.join(''),
    stderr: () => err.join(''),
  };
}

const noCache = join(mkdtempSync(join(tmpdir(), 'outage-probe-cmd-')), 'ranges.json');

describe('providers list', () => {
  it('prints each provider with roles, prefix count and status page, and the snapshot date', () => {
    const c = captureIo();
    expect(providersList(c.io, { cacheFile: noCache })).toBe(0);
    const lines = c.stdout().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+ROLES\s+PREFIXES\s+DATED\s+STATUS PAGE$/);
    expect(lines.find((l) => l.startsWith('cloudflare '))).toMatch(/Cloudflare\s+authoritative-dns,edge,challenge\s+22\s+2026-10-14\s+https:\/\/www\.cloudflarestatus\.com/);
    // Each provider's oldest list is dated: Google's goog.json copy is the oldest shipped.
    expect(lines.find((l) => l.startsWith('google '))).toMatch(/\s866\s+2024-04-25\s/);
    expect(lines.find((l) => l.startsWith('aws '))).toMatch(/\s10770\s+2026-08-22\s/);
    expect(lines.find((l) => l.startsWith('dyn '))).toMatch(/authoritative-dns\s+0\s+-\s+-$/);
    expect(c.stdout()).toContain('IP ranges: snapshot 2026-12-04; no cache yet');
  });

  it('includes user providers and their ranges', () => {
    const c = captureIo();
    providersList(c.io, { cacheFile: noCache, user: [{ name: 'Test Lab', headers: [{ header: 'x-lab' }], ranges: ['127.0.0.0/8'] }] });
    expect(c.stdout()).toMatch(/\ntest-lab\s+Test Lab\s+edge\s+1\s+configured\s+-\n/);
  });
});

describe('providers identify', () => {
  it('for an address, names the range match', async () => {
    const c = captureIo();
    expect(await providersIdentify('104.16.1.1', c.io, { cacheFile: noCache })).toBe(0);
    expect(c.stdout()).toBe('address: Cloudflare (address 104.16.1.1 in 104.16.0.0/13)\n');
    const none = captureIo();
    await providersIdentify('192.0.2.1', none.io, { cacheFile: noCache });
    expect(none.stdout()).toBe('address 192.0.2.1: in no published range known here\n');
  });

  it('for a URL, explains injected evidence (no network)', async () => {
    const c = captureIo();
    const code = await providersIdentify('https://shop.example.com/', c.io, {
      cacheFile: noCache,
      evidence: {
        status: 521,
        headers: CF_HEADERS,
        body: cloudflareBrandedPage(521, 'Web server is down'),
        cnameChain: ['shop.example.com.cdn.cloudflare.net'],
        ns: ['kate.ns.cloudflare.com'],
        addresses: ['104.16.1.1', '192.0.2.1'],
      },
    });
    expect(code).toBe(0);
    const text = c.stdout();
    expect(text).toContain('https://shop.example.com/\n');
    expect(text).toContain('  headers: Cloudflare (header cf-ray: 8fcb3f8a0cc56750-ATL; header server: cloudflare)');
    expect(text).toContain('  CNAME: Cloudflare (CNAME shop.example.com.cdn.cloudflare.net)');
    expect(text).toContain('  NS: Cloudflare (NS kate.ns.cloudflare.com)');
    expect(text).toContain('  address 192.0.2.1: in no published range known here');
    expect(text).toContain('  response 521: Cloudflare rule says origin — Cloudflare answered 521: the edge is up, the origin refused the connection');
    expect(text).toContain('  providers: Cloudflare');
  });

  it('uses a gather function when no evidence is given, and rejects what is neither URL nor address', async () => {
    const c = captureIo();
    const asked: string[] = [];
    await providersIdentify('https://example.org', c.io, { cacheFile: noCache, gather: async (url) => (asked.push(url), { headers: { server: 'nginx' } }) });
    expect(asked).toEqual(['https://example.org/']);
    expect(c.stdout()).toContain('headers: no provider matched (1 header(s), e.g. server)');
    expect(c.stdout()).toContain('providers: none identified');
    const bad = captureIo();
    expect(await providersIdentify('ftp://example.org', bad.io, { cacheFile: noCache })).toBe(64);
    expect(bad.stderr()).toMatch(/expected an http\(s\) URL or an IP address/);
  });

  it('explainEvidence says what did not match', () => {
    const lines = explainEvidence({}, BUILTIN_PROVIDERS, buildRangeIndex(SNAPSHOT.sets));
    expect(lines).toEqual(['headers: none given', 'CNAME: none (the name has no CNAME, or none was given)', 'NS: none given', 'address: none given', 'providers: none identified']);
    const challenge = explainEvidence({ status: 403, headers: { ...CF_HEADERS, 'cf-mitigated': 'challenge' }, body: '<title>Just a moment...</title>' }, BUILTIN_PROVIDERS, buildRangeIndex(SNAPSHOT.sets));
    expect(challenge).toContain('challenge: Cloudflare served a challenge page');
  });
});

describe('providers update', () => {
  let server: Server;
  let base = '';
  let refused = '';

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/ips-v4') res.end('104.16.0.0/13\n');
      else req.socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    refused = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const at = (id: string, url: string) => ({ ...RANGE_SOURCES.find((s) => s.id === id)!, url });

  it('exits 0 when some sources worked, saying which failed', async () => {
    const cacheFile = join(mkdtempSync(join(tmpdir(), 'outage-probe-upd-')), 'ranges.json');
    const c = captureIo();
    const code = await providersUpdate(c.io, { cacheFile, sources: [at('cloudflare-ipv4', `${base}/ips-v4`), at('fastly', `${refused}/fastly`)] });
    expect(code).toBe(0);
    expect(c.stdout()).toContain(`cloudflare-ipv4: cloudflare-ipv4 1 prefixes from ${base}/ips-v4`);
    expect(c.stderr()).toContain(`fastly: could not fetch ${refused}/fastly: ECONNREFUSED; keeping the previous data`);
    expect(c.stdout()).toContain(`wrote ${cacheFile} (1 sets, 1 prefixes; 1 source(s) failed)`);
    expect(JSON.parse(readFileSync(cacheFile, 'utf8')).sets['cloudflare-ipv4'].prefixes).toHaveLength(1);
    const listed = captureIo();
    providersList(listed.io, { cacheFile });
    expect(listed.stdout()).toMatch(/cache \d{4}-\d{2}-\d{2}T.*1 set\(s\) newer than the snapshot/);
  });

  it('exits 1 when every source failed', async () => {
    const cacheFile = join(mkdtempSync(join(tmpdir(), 'outage-probe-upd-')), 'ranges.json');
    const c = captureIo();
    expect(await providersUpdate(c.io, { cacheFile, sources: [at('fastly', `${refused}/fastly`), at('cloudflare-ipv4', `${base}/closed`)] })).toBe(1);
    expect(c.stderr()).toContain('every source failed; nothing written');
  });
});
