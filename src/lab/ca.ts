// A certificate authority made at run time, for the drill lab and the tests.
// node:crypto has no X.509 builder, so this file encodes the certificates itself: a minimal DER writer
// (just the ASN.1 types a certificate needs), ECDSA P-256 keys, SHA-256 signatures.

import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { isIP } from 'node:net';

export interface Pem {
  cert: string;
  key: string;
}

export interface IssueOptions {
  notBefore?: Date;
  notAfter?: Date;
  /** Subject CN; the first name by default. */
  commonName?: string;
}

export interface TestCa {
  cert: string;
  key: string;
  /** A server certificate for these DNS names and IP addresses (v4 or v6), signed by this CA. */
  issue(names: string[], opts?: IssueOptions): Pem;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

// ───────────────────────────── DER ─────────────────────────────

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);
}

const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const octetString = (content: Buffer): Buffer => tlv(0x04, content);
const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'));
const booleanTrue = (): Buffer => tlv(0x01, Buffer.from([0xff]));
/** [n] EXPLICIT: a constructed context-specific wrapper. */
const explicit = (n: number, content: Buffer): Buffer => tlv(0xa0 + n, content);

/** A non-negative INTEGER from big-endian bytes (minimal, with a 0x00 pad when the top bit is set). */
function unsignedInteger(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  let body = bytes.subarray(start);
  if ((body[0] ?? 0) & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return tlv(0x02, body);
}

function bitString(bytes: Buffer, unusedBits = 0): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), bytes]));
}

function objectIdentifier(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = parts;
  const bytes: number[] = [first * 40 + second];
  for (const part of rest) {
    const base128: number[] = [part & 0x7f];
    for (let n = Math.floor(part / 128); n > 0; n = Math.floor(n / 128)) base128.unshift((n & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** UTCTime until 2049, GeneralizedTime after (RFC 5280 4.1.2.5). */
function time(date: Date): Buffer {
  const iso = date.toISOString(); // 2025-01-02T03:04:05.678Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, ''); // 20250102030405
  const year = date.getUTCFullYear();
  if (year >= 1950 && year < 2050) return tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii'));
  return tlv(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}

// ───────────────────────────── X.509 pieces ─────────────────────────────

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
} as const;

const KEY_USAGE = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 } as const;

function distinguishedName(commonName: string): Buffer {
  const attribute = (oid: string, value: string): Buffer => set(sequence(objectIdentifier(oid), utf8String(value)));
  return sequence(attribute(OID.commonName, commonName));
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return sequence(objectIdentifier(oid), ...(critical ? [booleanTrue()] : []), octetString(value));
}

/** KeyUsage BIT STRING, DER-minimal (trailing zero bits dropped and counted as unused). */
function keyUsage(bits: number[]): Buffer {
  const bytes = Buffer.alloc(2);
  for (const bit of bits) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  const used = bytes[1] === 0 ? bytes.subarray(0, 1) : bytes;
  const last = used[used.length - 1] ?? 0;
  let unused = 0;
  while (unused < 8 && !(last & (1 << unused))) unused++;
  return bitString(used, unused === 8 ? 0 : unused);
}

function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split('.').map(Number));
}

function ipv6Bytes(address: string): Buffer {
  // An embedded IPv4 tail (::ffff:1.2.3.4) is rewritten as two hex groups first.
  const text = address.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_all, a: string, b: string, c: string, d: string) =>
    `${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`,
  );
  const groups = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const [head = '', tail] = text.split('::');
  const left = groups(head);
  const right = tail === undefined ? [] : groups(tail);
  const zeros = tail === undefined ? 0 : 8 - left.length - right.length;
  const all = [...left, ...new Array<number>(zeros).fill(0), ...right];
  const out = Buffer.alloc(16);
  all.forEach((group, i) => out.writeUInt16BE(group & 0xffff, i * 2));
  return out;
}

/** GeneralNames: dNSName [2] and iPAddress [7], both IMPLICIT. */
function subjectAltNames(names: string[]): Buffer {
  return sequence(
    ...names.map((name) => {
      const family = isIP(name);
      if (family === 4) return tlv(0x87, ipv4Bytes(name));
      if (family === 6) return tlv(0x87, ipv6Bytes(name));
      return tlv(0x82, Buffer.from(name, 'ascii'));
    }),
  );
}

/** The DER SubjectPublicKeyInfo of a P-256 key: the algorithm (23 bytes) and a BIT STRING holding the 65-byte point. */
const P256_SPKI_BYTES = 91;
const P256_POINT_BYTES = 65;

/** RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits (the uncompressed EC point, 0x04 || X || Y). */
function keyIdentifier(spki: Buffer): Buffer {
  const point = spki.subarray(spki.length - P256_POINT_BYTES);
  if (spki.length !== P256_SPKI_BYTES || point[0] !== 0x04) throw new Error('internal: not an uncompressed P-256 SubjectPublicKeyInfo');
  return createHash('sha1').update(point).digest();
}

interface CertificateSpec {
  subject: string;
  issuer: string;
  subjectKey: Buffer; // its SubjectPublicKeyInfo
  issuerPublicKey: Buffer;
  signingKey: string; // the issuer's private key, PEM
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  names: string[];
}

function certificateDer(spec: CertificateSpec): Buffer {
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f || 0x01; // positive and full length
  const signatureAlgorithm = sequence(objectIdentifier(OID.ecdsaWithSha256));
  const extensions = [
    extension(OID.basicConstraints, true, spec.isCa ? sequence(booleanTrue()) : sequence()),
    extension(
      OID.keyUsage,
      true,
      keyUsage(spec.isCa ? [KEY_USAGE.digitalSignature, KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign] : [KEY_USAGE.digitalSignature]),
    ),
    extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(spec.subjectKey))),
    extension(OID.authorityKeyIdentifier, false, sequence(tlv(0x80, keyIdentifier(spec.issuerPublicKey)))),
    ...(spec.isCa ? [] : [extension(OID.extKeyUsage, false, sequence(objectIdentifier(OID.serverAuth)))]),
    ...(spec.names.length > 0 ? [extension(OID.subjectAltName, false, subjectAltNames(spec.names))] : []),
  ];
  const tbs = sequence(
    explicit(0, tlv(0x02, Buffer.from([2]))), // version v3
    unsignedInteger(serial),
    signatureAlgorithm,
    distinguishedName(spec.issuer),
    sequence(time(spec.notBefore), time(spec.notAfter)),
    distinguishedName(spec.subject),
    spec.subjectKey,
    explicit(3, sequence(...extensions)),
  );
  // crypto.sign with an EC key yields the DER ECDSA-Sig-Value that X.509 expects.
  const signature = sign('sha256', tbs, spec.signingKey);
  return sequence(tbs, signatureAlgorithm, bitString(signature));
}

function toPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/**
 * A P-256 key pair as generateKeyPairSync encodes it: the public key's DER SubjectPublicKeyInfo and the private key's
 * PKCS #8 PEM. Not KeyObjects exported afterwards: Node 20 holds a generated key's mutex while it exports the key and
 * makes the JavaScript value, a collection there may destroy the job that generated it, and that job's destructor
 * takes the same mutex. A suite run hung on it (gdb: ExportJWKEcKey → GC → ~KeyGenJob → uv_mutex_lock).
 */
function newKeyPair(): { publicKey: Buffer; privateKey: string } {
  return generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

function leafValidity(opts: IssueOptions | undefined): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  return {
    notBefore: opts?.notBefore ?? new Date(now - HOUR_MS),
    notAfter: opts?.notAfter ?? new Date(now + 30 * DAY_MS),
  };
}

// ───────────────────────────── public API ─────────────────────────────

/** A fresh root CA (valid from an hour ago for a year) that can issue server certificates. */
export function createCa(commonName = 'outage-probe lab CA'): TestCa {
  const { publicKey, privateKey } = newKeyPair();
  const now = Date.now();
  const cert = toPem(
    certificateDer({
      subject: commonName,
      issuer: commonName,
      subjectKey: publicKey,
      issuerPublicKey: publicKey,
      signingKey: privateKey,
      notBefore: new Date(now - HOUR_MS),
      notAfter: new Date(now + 365 * DAY_MS),
      isCa: true,
      names: [],
    }),
  );
  const issue = (names: string[], opts?: IssueOptions): Pem => {
    const leaf = newKeyPair();
    const der = certificateDer({
      subject: opts?.commonName ?? names[0] ?? 'localhost',
      issuer: commonName,
      subjectKey: leaf.publicKey,
      issuerPublicKey: publicKey,
      signingKey: privateKey,
      ...leafValidity(opts),
      isCa: false,
      names,
    });
    return { cert: toPem(der), key: leaf.privateKey };
  };
  return { cert, key: privateKey, issue };
}

/** A server certificate signed by its own key, chained to no CA (the "self-signed" failure). */
export function selfSigned(names: string[], opts?: IssueOptions): Pem {
  const { publicKey, privateKey } = newKeyPair();
  const name = opts?.commonName ?? names[0] ?? 'localhost';
  const der = certificateDer({
    subject: name,
    issuer: name,
    subjectKey: publicKey,
    issuerPublicKey: publicKey,
    signingKey: privateKey,
    ...leafValidity(opts),
    isCa: false,
    names,
  });
  return { cert: toPem(der), key: privateKey };
}
