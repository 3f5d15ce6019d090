// Inside a fresh namespace: a captive portal on 192.0.2.200 and a hijacking resolver on the public resolvers'
// addresses; ask them what a probe would, and report what came back.

import https from 'node:https';
import { selfSigned } from '../../../dist/lab/ca.js';
import { startCaptivePortal, startHijackingResolver } from '../../../dist/lab/interception.js';
import { addAddresses, insideNamespace, loopbackUp } from '../../../dist/lab/netns.js';
import { queryDns } from '../../../dist/lab/real-dns.js';

const PORTAL = '192.0.2.200';
const RESOLVERS = ['1.1.1.1', '8.8.8.8'];

function get(host, servername) {
  return new Promise((resolve, reject) => {
    const req = https.get({ host, servername, path: '/', headers: { host: servername }, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve({ status: res.statusCode, location: res.headers.location ?? null, certificate: res.socket.getPeerCertificate().subject?.CN ?? null });
    });
    req.on('error', reject);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
  });
}

await insideNamespace(async () => {
  loopbackUp();
  addAddresses([PORTAL, ...RESOLVERS]);
  const portal = await startCaptivePortal({ host: PORTAL, portalName: 'portal.hotel.example', tls: selfSigned(['portal.hotel.example']) });
  const resolvers = await Promise.all(RESOLVERS.map((host) => startHijackingResolver({ host, ipv4: PORTAL })));
  try {
    const names = ['shop.acme.test', 'www.example.com', 'never-configured.invalid'];
    const answers = [];
    for (const resolver of RESOLVERS) {
      for (const name of names) {
        const a = await queryDns(resolver, name, 'A', 3000);
        const aaaa = await queryDns(resolver, name, 'AAAA', 3000);
        answers.push({ resolver, name, a: a.answers.map((r) => r.data), aaaaRcode: aaaa.rcode, aaaa: aaaa.answers.length });
      }
    }
    const fetched = await get(PORTAL, 'shop.acme.test');
    return { answers, fetched };
  } finally {
    await Promise.all([portal.close(), ...resolvers.map((r) => r.close())]);
  }
});
