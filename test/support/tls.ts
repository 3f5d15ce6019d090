// A certificate for a loopback address, signed by a CA made here (the product's own lab CA: no openssl needed).

import { createCa } from '../../src/lab/ca.js';

export function loopbackTls(address = '127.0.0.1'): { cert: string; key: string; ca: string } {
  const ca = createCa('outage-probe test CA');
  const leaf = ca.issue([address]);
  return { cert: leaf.cert, key: leaf.key, ca: ca.cert };
}
