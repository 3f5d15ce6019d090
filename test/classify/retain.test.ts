// What a run keeps of each classified site until its report (commands/pipeline.ts keeps only this).

import { describe, expect, it } from 'vitest';
import { classifySite, retainedSite } from '../../src/classify/index.js';
import { loadCatalog } from '../../src/fingerprint/index.js';
import { attempt, dnsAnswer, fetchResult, site } from '../support/records.js';
import { asRaw } from '../support/pipeline.js';

const catalog = loadCatalog([]);

describe('retainedSite', () => {
  it('keeps every field of the site and its attempts but the body, in the same order, with lists of their own', () => {
    const resolvers = ['alpha'];
    const served = attempt({ ...fetchResult({ httpStatus: 200, headers: { server: 'nginx' }, bodySample: 'hello', url: 'https://www.store.test/' }), site: 'store', resolvers });
    const classified = classifySite(
      { spec: site({ name: 'store', url: 'https://www.store.test/' }), dns: [dnsAnswer({ resolver: 'alpha', name: 'www.store.test', values: ['127.0.12.1'] })], attempts: [asRaw(served)] },
      { resolvers: [], catalog },
    );
    const kept = retainedSite(classified);
    expect(classified.attempts[0]!.bodySample).toBe('hello');
    // The timings are kept in their compact form (classify/timings.ts): compared as they read and print.
    expect({ ...kept, attempts: kept.attempts.map(({ timings: _t, ...a }) => a) }).toEqual({ ...classified, attempts: classified.attempts.map(({ timings: _t, ...a }) => ({ ...a, bodySample: '' })) });
    expect(kept.attempts[0]!.timings).not.toBe(classified.attempts[0]!.timings);
    expect(JSON.stringify(kept.attempts[0])).toBe(JSON.stringify({ ...classified.attempts[0], bodySample: '' }));
    expect(JSON.stringify(kept.chain)).toBe(JSON.stringify(classified.chain));
    expect(kept.chain[0]!.answeredBy).toEqual(['alpha']);
    // Copies, so the kept record is sized to what it holds (and not the list the probe stage filled).
    expect(kept.attempts[0]!.resolvers).not.toBe(classified.attempts[0]!.resolvers);
    expect(kept.chain[0]!.answeredBy).not.toBe(classified.chain[0]!.answeredBy);
  });

  it('keeps no response headers when the attempts were streamed (NDJSON), and everything else as it was', () => {
    const served = attempt({ ...fetchResult({ httpStatus: 200, headers: { server: 'nginx', 'content-type': 'text/html' }, bodySample: 'hello', url: 'https://www.store.test/' }), site: 'store', resolvers: ['alpha'] });
    const classified = classifySite({ spec: site({ name: 'store', url: 'https://www.store.test/' }), dns: [], attempts: [asRaw(served)] }, { resolvers: [], catalog });
    const kept = retainedSite(classified, { streamed: true });
    expect(classified.attempts[0]!.headers).toEqual({ server: 'nginx', 'content-type': 'text/html' });
    expect(kept.attempts[0]!.headers).toEqual({});
    expect(JSON.stringify(kept.attempts[0])).toBe(JSON.stringify({ ...classified.attempts[0], bodySample: '', headers: {} }));
    expect(Object.keys(kept.attempts[0]!)).toEqual(Object.keys(classified.attempts[0]!));
    expect(retainedSite(classified).attempts[0]!.headers).toEqual({ server: 'nginx', 'content-type': 'text/html' });
  });

  it("keeps no certificate names when the attempts were streamed, one copy a certificate, and the rest of it as it was", () => {
    const cert = { subject: 'CN=www.store.test', issuer: 'CN=Lab CA', validFrom: '2026-01-01T00:00:00.000Z', validTo: '2027-01-01T00:00:00.000Z', subjectAltNames: ['www.store.test', 'store.test', 'shop.test'], authorized: true, authorizationError: null };
    const served = (name: string) => attempt({ ...fetchResult({ httpStatus: 200, url: `https://www.${name}.test/`, tls: cert }), site: name, resolvers: ['alpha'] });
    const classify = (name: string) => classifySite({ spec: site({ name, url: `https://www.${name}.test/` }), dns: [], attempts: [asRaw(served(name))] }, { resolvers: [], catalog });
    const [store, shop] = ['store', 'shop'].map((name) => retainedSite(classify(name), { streamed: true }).attempts[0]!.tls!);
    expect(store).toEqual({ ...cert, subjectAltNames: [] });
    expect(store).toBe(shop);
    expect(cert.subjectAltNames).toEqual(['www.store.test', 'store.test', 'shop.test']);
    // Not streamed: the report prints the certificate whole.
    expect(retainedSite(classify('store')).attempts[0]!.tls).toBe(cert);
    // A certificate without names, or none, is kept as it is.
    const unnamed = { ...cert, subjectAltNames: [] };
    const bare = classifySite({ spec: site({ name: 'bare', url: 'https://www.bare.test/' }), dns: [], attempts: [asRaw(attempt({ ...fetchResult({ httpStatus: 200, url: 'https://www.bare.test/', tls: unnamed }), site: 'bare', resolvers: ['alpha'] }))] }, { resolvers: [], catalog });
    expect(retainedSite(bare, { streamed: true }).attempts[0]!.tls).toBe(unnamed);
  });

  it('keeps an attempt with no body and no resolvers as it is (a site the deadline overtook)', () => {
    const overtaken = attempt({ ...fetchResult({ httpStatus: null, bodySample: '', url: 'https://www.store.test/' }), site: 'store', resolvers: [] });
    const classified = classifySite({ spec: site({ name: 'store', url: 'https://www.store.test/' }), dns: [], attempts: [asRaw(overtaken)] }, { resolvers: [], catalog });
    expect(retainedSite(classified).attempts[0]).toBe(classified.attempts[0]);
    expect(retainedSite(classified, { streamed: true }).attempts[0]).toBe(classified.attempts[0]);
  });

  it('keeps the lists and results many sites hold alike once: resolver names, passed expectations, empty lists', () => {
    const kept = ['store', 'shop'].map((name) => {
      const served = attempt({ ...fetchResult({ httpStatus: 200, url: `https://www.${name}.test/` }), site: name, resolvers: ['alpha', 'beta'] });
      const classified = classifySite(
        { spec: site({ name, url: `https://www.${name}.test/` }), dns: [dnsAnswer({ resolver: 'alpha', name: `www.${name}.test`, values: ['127.0.12.1'] }), dnsAnswer({ resolver: 'beta', name: `www.${name}.test`, values: ['127.0.12.1'] })], attempts: [asRaw(served)] },
        { resolvers: [], catalog },
      );
      return { classified, kept: retainedSite(classified) };
    });
    const [store, shop] = kept.map((k) => k.kept);
    expect(store!.attempts[0]!.resolvers).toEqual(['alpha', 'beta']);
    expect(store!.attempts[0]!.resolvers).toBe(shop!.attempts[0]!.resolvers);
    expect(store!.chain[0]!.answeredBy).toBe(shop!.chain[0]!.answeredBy);
    expect(store!.attempts[0]!.resolvers).toBe(store!.chain[0]!.answeredBy);
    expect(Object.isFrozen(store!.attempts[0]!.resolvers)).toBe(true);
    expect(store!.attempts[0]!.expect).toEqual({ ok: true, failures: [] });
    expect(store!.attempts[0]!.expect).toBe(shop!.attempts[0]!.expect);
    expect(store!.attempts[0]!.redirects).toBe(shop!.attempts[0]!.redirects);
    expect(store!.chain[0]!.failedAt).toBe(shop!.chain[0]!.failedAt);
    // No catalogued provider serves either: one stack, frozen, for both.
    expect(store!.stack).toEqual({ providers: [], dnsHost: null, edge: null, origin: null, nameServers: [], zone: null, providerNamedAddresses: false, throughNames: [] });
    expect(store!.stack).toBe(shop!.stack);
    expect(Object.isFrozen(store!.stack)).toBe(true);
    // Nothing else changes: what the outputs print of the kept record is what they print of the classified one.
    for (const { classified, kept: k } of kept) {
      expect(JSON.stringify(k.attempts)).toBe(JSON.stringify(classified.attempts.map((a) => ({ ...a, bodySample: '' }))));
      expect(JSON.stringify(k.chain)).toBe(JSON.stringify(classified.chain));
    }
  });

  it('gives a site a catalogued provider serves a stack of its own', () => {
    const [a, b] = ['store', 'shop'].map((name) => {
      const served = attempt({ ...fetchResult({ httpStatus: 200, headers: { server: 'cloudflare', 'cf-ray': '8f1e2d3c4b5a6978-AMS' }, url: `https://www.${name}.test/` }), site: name, resolvers: ['alpha'] });
      return retainedSite(classifySite({ spec: site({ name, url: `https://www.${name}.test/` }), dns: [], attempts: [asRaw(served)] }, { resolvers: [], catalog }));
    });
    expect(a!.stack.edge?.name).toBe('Cloudflare');
    expect(a!.stack.providers.map((p) => p.layer)).toEqual(['edge']);
    expect(a!.stack).not.toBe(b!.stack);
  });

  it('keeps a failed expectation of its own', () => {
    const failed = attempt({ ...fetchResult({ httpStatus: 503, url: 'https://www.store.test/' }), site: 'store', resolvers: ['alpha'], expect: { ok: false, failures: ['status 503'] } });
    const classified = classifySite({ spec: site({ name: 'store', url: 'https://www.store.test/' }), dns: [], attempts: [asRaw(failed)] }, { resolvers: [], catalog });
    expect(retainedSite(classified).attempts[0]!.expect).toEqual({ ok: false, failures: ['status 503'] });
  });
});
