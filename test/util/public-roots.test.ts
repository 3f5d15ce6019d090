// Whether a refused chain leads to a public root all the same (src/util/public-roots.ts): chains as a real TLS
// handshake hands them over, from lab servers on 127.0.0.1, and Node's own bundled roots.

import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { createCa } from '../../src/lab/ca.js';
import { publicRootOf } from '../../src/util/public-roots.js';

const servers: tls.Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));

/** The leaf this client is handed by a server sending `chain`, as the probe reads it (unverified). */
async function servedLeaf(chain: string, key: string): Promise<X509Certificate> {
  const server = tls.createServer({ cert: chain, key }, (s) => s.end());
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const socket = tls.connect({ host: '127.0.0.1', port: (server.address() as { port: number }).port, servername: 'a.test', rejectUnauthorized: false });
  await new Promise((resolve) => socket.once('secureConnect', resolve));
  const leaf = socket.getPeerX509Certificate()!;
  socket.destroy();
  return leaf;
}

describe('publicRootOf', () => {
  const root = createCa('Lab Public Root');
  const reference = [new X509Certificate(root.cert)];

  it('a leaf the reference root signed leads to it, whether or not the server sends the root', async () => {
    const leaf = root.issue(['a.test']);
    expect(publicRootOf(await servedLeaf(leaf.cert, leaf.key), reference)).toBe('CN=Lab Public Root');
    expect(publicRootOf(await servedLeaf(leaf.cert + root.cert, leaf.key), reference)).toBe('CN=Lab Public Root');
  });

  it('a leaf naming that root as its issuer but signed by another key (an interception proxy\'s) leads nowhere', async () => {
    const impostor = createCa('Lab Public Root');
    const leaf = impostor.issue(['a.test']);
    expect(publicRootOf(await servedLeaf(leaf.cert, leaf.key), reference)).toBeNull();
    expect(publicRootOf(await servedLeaf(leaf.cert + impostor.cert, leaf.key), reference)).toBeNull();
  });

  it("by default the reference is Node's own bundled store: a lab chain leads nowhere, a public root sent as it is leads to itself", async () => {
    const leaf = root.issue(['a.test']);
    expect(publicRootOf(await servedLeaf(leaf.cert + root.cert, leaf.key))).toBeNull();
    const isrg = tls.rootCertificates.map((pem) => new X509Certificate(pem)).find((c) => c.subject.includes('CN=ISRG Root X1'))!;
    expect(publicRootOf(isrg)).toBe('C=US, O=Internet Security Research Group, CN=ISRG Root X1');
  });

  it("Let's Encrypt's published intermediates lead, by their real signatures, to the ISRG root in Node's bundle that signed each", () => {
    // test/support/public-ca/README.md says where each comes from.
    const published = (file: string) => new X509Certificate(readFileSync(new URL(`../support/public-ca/${file}`, import.meta.url)));
    expect(publicRootOf(published('lets-encrypt-r11.pem'))).toBe('C=US, O=Internet Security Research Group, CN=ISRG Root X1');
    expect(publicRootOf(published('lets-encrypt-e7.pem'))).toBe('C=US, O=Internet Security Research Group, CN=ISRG Root X2');
    // E7 cross-signed by X1: the same name and key as E7, another issuer; the signature picks the root.
    expect(publicRootOf(published('lets-encrypt-e7-cross.pem'))).toBe('C=US, O=Internet Security Research Group, CN=ISRG Root X1');
    // A reference store without Let's Encrypt's roots: nowhere to lead.
    expect(publicRootOf(published('lets-encrypt-r11.pem'), reference)).toBeNull();
  });
});
