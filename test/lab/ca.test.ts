import { execFile } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { createCa, selfSigned, type Pem } from '../../src/lab/ca.js';

const ca = createCa('Test Root');
const caCert = new X509Certificate(ca.cert);
const servers: https.Server[] = [];

const openssl = await new Promise<boolean>((resolve) => execFile('openssl', ['version'], (err) => resolve(!err)));

async function serve(pem: Pem, host = '127.0.0.40'): Promise<number> {
  const server = https.createServer(pem, (_req, res) => res.end('ok'));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
}

/** Handshake with Node's own client; resolves with the verification outcome (null = accepted). */
function handshake(port: number, servername: string, trusted: string | undefined, host = '127.0.0.40'): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host, port, servername, ...(trusted ? { ca: trusted } : {}) }, () => {
      socket.destroy();
      resolve(null);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
});

describe('createCa', () => {
  it('makes a CA certificate that parses and is marked as a CA', () => {
    expect(caCert.ca).toBe(true);
    expect(caCert.subject).toBe('CN=Test Root');
    expect(caCert.issuer).toBe('CN=Test Root');
    expect(caCert.verify(caCert.publicKey)).toBe(true);
    expect(caCert.keyUsage).toBeUndefined(); // keyUsage here is Node's *extended* key usage, absent on the root
  });

  it('issues leaves that verify against the CA key and match their names', () => {
    const leaf = new X509Certificate(ca.issue(['shop.test', '*.cdn.test', '127.0.0.41', '::1', '2001:db8::7']).cert);
    expect(leaf.ca).toBe(false);
    expect(leaf.verify(caCert.publicKey)).toBe(true);
    expect(leaf.checkIssued(caCert)).toBe(true);
    expect(leaf.subject).toBe('CN=shop.test');
    expect(leaf.issuer).toBe('CN=Test Root');
    expect(leaf.checkHost('shop.test')).toBe('shop.test');
    expect(leaf.checkHost('img.cdn.test')).toBe('*.cdn.test'); // the name that matched
    expect(leaf.checkHost('other.test')).toBeUndefined();
    expect(leaf.checkIP('127.0.0.41')).toBe('127.0.0.41');
    expect(leaf.checkIP('::1')).toBe('::1');
    expect(leaf.checkIP('2001:db8::7')).toBe('2001:db8::7');
    expect(leaf.checkIP('127.0.0.42')).toBeUndefined();
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // extendedKeyUsage serverAuth
    expect(leaf.subjectAltName).toContain('IP Address:2001:DB8:0:0:0:0:0:7');
  });

  it('honours commonName and validity options', () => {
    const notBefore = new Date('2020-01-01T00:00:00Z');
    const notAfter = new Date('2055-06-01T12:00:00Z'); // after 2049: GeneralizedTime
    const leaf = new X509Certificate(ca.issue(['a.test'], { commonName: 'Custom', notBefore, notAfter }).cert);
    expect(leaf.subject).toBe('CN=Custom');
    expect(new Date(leaf.validFrom).toISOString()).toBe(notBefore.toISOString());
    expect(new Date(leaf.validTo).toISOString()).toBe(notAfter.toISOString());
  });

  it('names keys by RFC 5280 method 1 (SHA-1 of the public point); a leaf names its CA\'s key as its authority', () => {
    const leaf = new X509Certificate(ca.issue(['shop.test']).cert);
    const pointId = (cert: X509Certificate) => {
      const jwk = cert.publicKey.export({ format: 'jwk' });
      return createHash('sha1').update(Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')])).digest('hex');
    };
    // The extension's OID, then its OCTET STRING wrapping the identifier (SKI: an OCTET STRING; AKI: [0] in a SEQUENCE).
    const identifier = (cert: X509Certificate, oid: number, wrapping: string) => {
      const at = cert.raw.indexOf(Buffer.from([0x06, 0x03, 0x55, 0x1d, oid]));
      const prefix = Buffer.from(wrapping, 'hex');
      expect(at).toBeGreaterThan(0);
      expect(cert.raw.subarray(at + 5, at + 5 + prefix.length).equals(prefix)).toBe(true);
      return cert.raw.subarray(at + 5 + prefix.length, at + 5 + prefix.length + 20).toString('hex');
    };
    const SKI = [0x0e, '04160414'] as const;
    const AKI = [0x23, '041830168014'] as const;
    expect(identifier(caCert, ...SKI)).toBe(pointId(caCert));
    expect(identifier(leaf, ...SKI)).toBe(pointId(leaf));
    expect(identifier(leaf, ...AKI)).toBe(pointId(caCert));
    expect(pointId(leaf)).not.toBe(pointId(caCert));
  });

  it('does not verify against another CA', () => {
    const leaf = new X509Certificate(ca.issue(['shop.test']).cert);
    expect(leaf.verify(new X509Certificate(createCa().cert).publicKey)).toBe(false);
  });

  it('is fast: well under 50 ms per certificate', () => {
    const start = performance.now();
    for (let i = 0; i < 20; i++) ca.issue([`host${i}.test`]);
    expect((performance.now() - start) / 20).toBeLessThan(50);
  });
});

describe('certificates in real TLS handshakes', () => {
  it('is accepted by Node TLS when the CA is trusted', async () => {
    const port = await serve(ca.issue(['shop.test']));
    expect(await handshake(port, 'shop.test', ca.cert)).toBeNull();
  });

  it('is rejected when the CA is not trusted', async () => {
    const port = await serve(ca.issue(['shop.test']));
    expect(await handshake(port, 'shop.test', undefined)).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('rejects an expired leaf with CERT_HAS_EXPIRED', async () => {
    const expired = ca.issue(['shop.test'], { notBefore: new Date(Date.now() - 7 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    const port = await serve(expired);
    expect(await handshake(port, 'shop.test', ca.cert)).toBe('CERT_HAS_EXPIRED');
  });

  it('rejects a self-signed leaf with DEPTH_ZERO_SELF_SIGNED_CERT', async () => {
    const pem = selfSigned(['shop.test']);
    const cert = new X509Certificate(pem.cert);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.ca).toBe(false);
    const port = await serve(pem);
    expect(await handshake(port, 'shop.test', ca.cert)).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
  });

  it('rejects a name the certificate does not cover', async () => {
    const port = await serve(ca.issue(['other.test']));
    expect(await handshake(port, 'shop.test', ca.cert)).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });
});

describe.skipIf(!openssl)('openssl agrees', () => {
  it('openssl verify accepts the leaf for the sslserver purpose, in strict mode', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outage-probe-ca-'));
    try {
      writeFileSync(join(dir, 'ca.pem'), ca.cert);
      writeFileSync(join(dir, 'leaf.pem'), ca.issue(['shop.test', '127.0.0.1', '::1']).cert);
      writeFileSync(join(dir, 'other.pem'), createCa().issue(['shop.test']).cert);
      const verify = (file: string) =>
        new Promise<{ ok: boolean; out: string }>((resolve) =>
          execFile('openssl', ['verify', '-x509_strict', '-purpose', 'sslserver', '-CAfile', join(dir, 'ca.pem'), join(dir, file)], (err, stdout, stderr) =>
            resolve({ ok: !err, out: stdout + stderr }),
          ),
        );
      const good = await verify('leaf.pem');
      expect(good.out).toContain('OK');
      expect(good.ok).toBe(true);
      expect((await verify('other.pem')).ok).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
