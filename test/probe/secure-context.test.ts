// tls.ca adds one CA to what Node trusts; it must never replace it. The part of Node's trust a test can control
// is a CA given in NODE_EXTRA_CA_CERTS (read at process start, so each case is its own process): it stays trusted
// beside tls.ca (it did not before). The bundled roots cannot be tried offline (no test holds a key they signed);
// the context keeps them by being built the way Node builds its own (util/secure-context.ts).

import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, rootCertificates, type Server } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa } from '../../src/lab/ca.js';

const extraCa = createCa('extra CA (NODE_EXTRA_CA_CERTS)');
const configCa = createCa('config CA (tls.ca)');
const strangerCa = createCa('a CA nobody trusts');
const dir = mkdtempSync(join(tmpdir(), 'op-ca-'));
const SCRIPT = join(dir, 'connect.mjs');
const MODULE = new URL('../../dist/util/secure-context.js', import.meta.url).href;
const servers: Server[] = [];
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const ports: Record<string, number> = {};

beforeAll(async () => {
  writeFileSync(join(dir, 'extra.pem'), extraCa.cert);
  // The shape of a system bundle given as NODE_EXTRA_CA_CERTS: Node's own roots, with one CA of its own among them.
  writeFileSync(join(dir, 'bundle.pem'), [...rootCertificates.slice(0, 60), extraCa.cert, ...rootCertificates.slice(60)].join('\n'));
  // The same bundle with Windows line ends: Node's roots must still be told apart from the one CA it adds.
  writeFileSync(join(dir, 'bundle-crlf.pem'), [...rootCertificates.slice(0, 60), extraCa.cert, ...rootCertificates.slice(60)].join('\n').replaceAll('\n', '\r\n'));
  // The same CA in OpenSSL's TRUSTED CERTIFICATE form, which some system bundles use.
  if (hasOpenssl) writeFileSync(join(dir, 'trusted-bundle.pem'), [...rootCertificates, execFileSync('openssl', ['x509', '-trustout', '-addtrust', 'serverAuth'], { input: extraCa.cert }).toString()].join('\n'));
  writeFileSync(join(dir, 'config.pem'), configCa.cert);
  writeFileSync(
    SCRIPT,
    `import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { secureContextFor } from ${JSON.stringify(MODULE)};
const [port, caFile] = process.argv.slice(2);
const socket = tls.connect({ host: '127.0.0.1', port: Number(port), servername: 'ca.test', secureContext: secureContextFor(readFileSync(caFile, 'utf8')), rejectUnauthorized: false }, () => {
  process.stdout.write(String(socket.authorized ? 'trusted' : socket.authorizationError));
  socket.destroy();
});
socket.on('error', (e) => process.stdout.write('error ' + e.code));
`,
  );
  for (const [name, ca] of Object.entries({ extra: extraCa, config: configCa, stranger: strangerCa })) {
    const pem = ca.issue(['ca.test']);
    const server = createServer({ cert: pem.cert, key: pem.key }, (s) => s.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    ports[name] = (server.address() as { port: number }).port;
  }
});

afterAll(() => {
  for (const s of servers) s.close();
});

function connect(server: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, String(ports[server]), join(dir, 'config.pem')], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(killer);
      resolve(out);
    });
  });
}

describe('the TLS context for tls.ca', () => {
  it('trusts the config CA', async () => {
    expect(await connect('config', {})).toBe('trusted');
  });

  it('keeps what Node trusts by default: a NODE_EXTRA_CA_CERTS CA is still trusted beside tls.ca', async () => {
    expect(await connect('extra', { NODE_EXTRA_CA_CERTS: join(dir, 'extra.pem') })).toBe('trusted');
  });

  it("a system bundle as NODE_EXTRA_CA_CERTS: the one CA it adds to Node's roots is trusted beside tls.ca", async () => {
    expect(await connect('extra', { NODE_EXTRA_CA_CERTS: join(dir, 'bundle.pem') })).toBe('trusted');
    expect(await connect('config', { NODE_EXTRA_CA_CERTS: join(dir, 'bundle.pem') })).toBe('trusted');
    expect(await connect('extra', { NODE_EXTRA_CA_CERTS: join(dir, 'bundle-crlf.pem') })).toBe('trusted');
  });

  it.skipIf(!hasOpenssl)('a CA given in TRUSTED CERTIFICATE form in that bundle is trusted too', async () => {
    expect(readFileSync(join(dir, 'trusted-bundle.pem'), 'utf8')).toContain('-----BEGIN TRUSTED CERTIFICATE-----');
    expect(await connect('extra', { NODE_EXTRA_CA_CERTS: join(dir, 'trusted-bundle.pem') })).toBe('trusted');
  });

  it('trusts nothing else (controls)', async () => {
    expect(await connect('extra', {})).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(await connect('stranger', { NODE_EXTRA_CA_CERTS: join(dir, 'extra.pem') })).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });
});
