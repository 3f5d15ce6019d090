// Trust in the extra CA (probes.yaml tls.ca) besides Node's own: one TLS context per CA, shared by the probe's
// connections and every other request.

import { readFileSync } from 'node:fs';
import tls, { type SecureContext } from 'node:tls';

const secureContexts = new Map<string, SecureContext>();

/**
 * A TLS context that trusts what Node trusts (its bundle, or the system store with --use-openssl-ca, and the
 * NODE_EXTRA_CA_CERTS file) and `ca` (PEM), built once per CA; undefined = Node's defaults.
 *
 * Built as Node's default context with `ca` added to its store (`context.addCACert`, what `createSecureContext`
 * itself calls for each `ca` entry): Node then gives the context its own copy of the already parsed roots, so
 * nothing is parsed but `ca`. That copy lacks the NODE_EXTRA_CA_CERTS file, which is added here too. (Before:
 * `ca: [...tls.rootCertificates, ca]` parsed ~150 PEM roots, 25 ms a run, and dropped NODE_EXTRA_CA_CERTS: a
 * host whose proxy CA is trusted that way saw false TLS failures once tls.ca was set.)
 */
export function secureContextFor(ca: string | null | undefined): SecureContext | undefined {
  if (!ca) return undefined;
  let context = secureContexts.get(ca);
  if (!context) {
    context = tls.createSecureContext();
    const store = (context as SecureContext & { context: { addCACert(pem: string): void } }).context;
    const extra = extraCaCerts();
    if (extra) store.addCACert(extra);
    store.addCACert(ca);
    if (secureContexts.size > 16) secureContexts.clear();
    secureContexts.set(ca, context);
  }
  return context;
}

/**
 * The certificates of the NODE_EXTRA_CA_CERTS file Node read at start (PEM) that are not among Node's own roots,
 * or null; Node warns itself when it cannot read the file. The file is often the system's whole bundle (Debian's
 * has 144 certificates, 122 of them Node's own): those are in the copied store already, and parsing them again
 * cost 17 ms of a one-site run.
 */
function extraCaCerts(): string | null {
  const file = process.env.NODE_EXTRA_CA_CERTS;
  if (!file) return null;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const own = new Set(tls.rootCertificates.map(withoutLineBreaks));
  const added = (text.match(PEM_CERTIFICATE) ?? []).filter((pem) => !own.has(withoutLineBreaks(pem)));
  return added.length > 0 ? added.join('\n') : null;
}

/** One PEM certificate block, including OpenSSL's TRUSTED CERTIFICATE form, which Node's addCACert reads too. */
const PEM_CERTIFICATE = /-----BEGIN ((?:TRUSTED |X509 )?CERTIFICATE)-----[\s\S]*?-----END \1-----/g;

/**
 * The PEM block as one line: the same certificate however its lines are broken (LF or CRLF). Not a general
 * whitespace strip, which cost 3 ms over ~300 blocks at every start: a block with other spaces in it is only
 * taken for one Node lacks, and added again, which is harmless.
 */
function withoutLineBreaks(pem: string): string {
  const joined = pem.replaceAll('\n', '');
  return joined.includes('\r') ? joined.replaceAll('\r', '') : joined;
}
