// Whether a chain this process refused for its issuer leads to a public root all the same: one that Node's own
// bundled store holds (`tls.rootCertificates`, a snapshot of Mozilla's CA store fixed at Node's release, whatever
// store this process verifies with). A process verifying with another store — Node started with --use-openssl-ca,
// or a distribution's Node built to read the system store, over an outdated ca-certificates; SSL_CERT_FILE or
// SSL_CERT_DIR pointing elsewhere — lacks that root, and refuses every site whose chain ends there: that is this
// host's store, not those sites' certificates. Read only for a refused chain, so the roots are parsed (~20 ms) at most
// once a run, and only in a run that needs them.

import { X509Certificate } from 'node:crypto';
import tls from 'node:tls';

/** OpenSSL's verify results for a chain to no root in this process's store, as Node names them. */
export const UNKNOWN_ISSUER_ERRORS: ReadonlySet<string> = new Set([
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_UNTRUSTED',
]);

let bundled: X509Certificate[] | null = null;

function bundledRoots(): X509Certificate[] {
  bundled ??= tls.rootCertificates.map((pem) => new X509Certificate(pem));
  return bundled;
}

/**
 * The root of `reference` (Node's bundled roots unless given) that the served chain leads to, as "C=…, O=…, CN=…",
 * or null. The chain is followed from the leaf only through links whose signatures verify, so a certificate minted
 * by an interception proxy, which names a public issuer it was not signed by, leads nowhere; the last certificate
 * reached must itself be that root, or be signed by it.
 */
export function publicRootOf(leaf: X509Certificate, reference?: readonly X509Certificate[]): string | null {
  const roots = reference ?? bundledRoots();
  let top = leaf;
  const seen = new Set<string>([leaf.fingerprint256]);
  for (let issuer = leaf.issuerCertificate; issuer && !seen.has(issuer.fingerprint256); issuer = issuer.issuerCertificate) {
    if (!signed(top, issuer)) break;
    seen.add(issuer.fingerprint256);
    top = issuer;
  }
  const root = roots.find((r) => r.fingerprint256 === top.fingerprint256) ?? roots.find((r) => signed(top, r));
  return root ? root.subject.split('\n').join(', ') : null;
}

/** `issuer` issued `cert`: its name is the issuer's, and its signature verifies with the issuer's key. */
function signed(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}
