// Inside a fresh namespace: serve DNS on each target address (port 53, UDP and TCP), shape the host, then try a
// TCP connect, a UDP exchange and getaddrinfo against each target, and report what each did.
// argv[2]: JSON { shape, targets: string[], nameserver: string, probeTimeoutMs }.

import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import { startDnsServer } from '../../../dist/lab/dns-server.js';
import { addAddresses, bindResolvConf, insideNamespace, loopbackUp, shapeHost } from '../../../dist/lab/netns.js';
import { tcpConnect } from './sockets.mjs';

const spec = JSON.parse(process.argv[2]);
const RESOLV_TIMEOUT_SECONDS = 2;

function udpExchange(address) {
  return new Promise((resolve) => {
    const socket = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4');
    let done = false;
    const finish = (result) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        socket.close();
      } catch {}
      resolve(result);
    };
    const timer = setTimeout(() => finish('timeout'), spec.probeTimeoutMs);
    socket.on('error', (err) => finish(`error:${err.code}`));
    socket.on('message', () => finish('ok'));
    const query = dnsPacket.encode({ type: 'query', id: 1, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'A', name: 'site.example' }] });
    socket.connect(53, address, (err) => {
      if (err) return finish(`connect:${err.code}`);
      socket.send(query, (sendErr) => {
        if (sendErr) finish(`send:${sendErr.code}`);
      });
    });
  });
}

function getaddrinfo(name) {
  return new Promise((resolve) => {
    const started = performance.now();
    dns.lookup(name, { all: true }, (err, addresses) =>
      resolve({ result: err ? err.code : addresses.map((a) => a.address).join(','), ms: Math.round(performance.now() - started) }),
    );
  });
}

await insideNamespace(async () => {
  loopbackUp();
  addAddresses(spec.targets.filter((a) => !a.startsWith('127.') && a !== '::1'));
  const data = { records: { 'site.example': { A: ['192.0.2.80'] } }, zones: ['example'] };
  const servers = await Promise.all(spec.targets.map((host) => startDnsServer({ host, port: 53, data })));
  bindResolvConf([spec.nameserver], { timeoutSeconds: RESOLV_TIMEOUT_SECONDS, attempts: 1 });
  if (spec.shape) shapeHost(spec.shape);
  const [tcp, udp, gai] = await Promise.all([
    Promise.all(spec.targets.map((target) => tcpConnect(target, 53, spec.probeTimeoutMs))),
    Promise.all(spec.targets.map(udpExchange)),
    getaddrinfo('site.example'),
  ]);
  await Promise.all(servers.map((s) => s.close()));
  return {
    tcp: Object.fromEntries(spec.targets.map((t, i) => [t, tcp[i]])),
    udp: Object.fromEntries(spec.targets.map((t, i) => [t, udp[i]])),
    getaddrinfo: gai,
    resolvTimeoutMs: RESOLV_TIMEOUT_SECONDS * 1000,
  };
});
