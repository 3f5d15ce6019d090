// A drop on 1.1.1.1 port 53 must not touch 1.1.1.1:443, and undo() must lift it.
import net from 'node:net';
import { addAddresses, dnsBlocked, insideNamespace, loopbackUp, shapeHost } from '../../../dist/lab/netns.js';
import { tcpConnect } from './sockets.mjs';

const connect = (port) => tcpConnect('1.1.1.1', port, 1500);

await insideNamespace(async () => {
  loopbackUp();
  addAddresses(['1.1.1.1']);
  const servers = await Promise.all([53, 443].map((port) => new Promise((resolve) => {
    const server = net.createServer((s) => s.destroy()).listen(port, '1.1.1.1', () => resolve(server));
  })));
  const shaping = shapeHost(dnsBlocked(['1.1.1.1'], 'drop'));
  const [port53, port443] = await Promise.all([connect(53), connect(443)]);
  shaping.undo();
  const afterUndo = await connect(53);
  servers.forEach((s) => s.close());
  return { port53, port443, afterUndo };
});
