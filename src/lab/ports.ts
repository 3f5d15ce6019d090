// Ports for lab servers that cannot listen on port 0 and say which port they got (nginx, a lab built around one
// shared port), and for a target where nothing listens.

import net from 'node:net';

/** A port nothing listens on at `address` right now: bound and released (another process may take it after). */
export function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host: address, port: 0, exclusive: true }, () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** Whether something at `address` accepts a TCP connection on `port` now (a server started as a child process is up). */
export function acceptsConnections(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: address, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
