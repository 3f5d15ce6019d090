// An address whose packets are dropped, on loopback: connections to it time out (no SYN-ACK ever comes back),
// the way a client sees a PoP whose traffic a broken router swallows. Loopback cannot drop packets, but the
// kernel drops a SYN when the listening socket's accept queue is full: so a listener with the smallest
// backlog lives in a worker thread that never accepts (its event loop is parked), and the lab fills the
// queue with connections of its own. Every later connection attempt waits in SYN-SENT until it gives up.
// (Where the kernel answers a full queue with a reset instead, the attempt fails at connect all the same.)

import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { assertLoopback } from './http-server.js';

export interface RunningBlackhole {
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Runs in the worker (plain CommonJS, so it works from src/ under vitest and from dist/ alike). */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const server = net.createServer();
server.once('error', (err) => parentPort.postMessage({ error: { code: err.code, message: err.message } }));
server.listen({ host: workerData.host, port: workerData.port, backlog: 1, exclusive: true }, () => {
  parentPort.postMessage({ port: server.address().port });
  // Park the event loop: nothing is accepted until the lab says stop.
  Atomics.wait(new Int32Array(workerData.stop), 0, 0);
  server.close();
});
`;

/** How long a filling connection may take before the queue counts as full. */
const FILL_WAIT_MS = 150;
const MAX_FILLERS = 8;

function connectWithin(host: string, port: number, ms: number): Promise<net.Socket | null> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.on('error', () => undefined);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(null);
    }, ms);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(null);
    });
  });
}

/** Listen on `host:port` (0: any free port) and drop every connection attempt until closed. */
export async function startBlackhole(options: { host: string; port?: number }): Promise<RunningBlackhole> {
  assertLoopback(options.host);
  const stop = new SharedArrayBuffer(4);
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { host: options.host, port: options.port ?? 0, stop } });
  worker.unref();
  const release = async (): Promise<void> => {
    Atomics.store(new Int32Array(stop), 0, 1);
    Atomics.notify(new Int32Array(stop), 0);
    await worker.terminate();
  };

  const started = await new Promise<{ port: number } | { error: NodeJS.ErrnoException }>((resolve) => {
    worker.once('message', (m: { port?: number; error?: { code?: string; message: string } }) => {
      if (m.port !== undefined) return resolve({ port: m.port });
      const err: NodeJS.ErrnoException = new Error(m.error?.message ?? 'blackhole failed to listen');
      if (m.error?.code) err.code = m.error.code;
      resolve({ error: err });
    });
    worker.once('error', (err) => resolve({ error: err }));
  });
  if ('error' in started) {
    await release();
    throw started.error;
  }

  // Fill the accept queue: connections that complete are held; the first one that does not shows it is full.
  const fillers: net.Socket[] = [];
  for (let i = 0; i < MAX_FILLERS; i++) {
    const socket = await connectWithin(options.host, started.port, FILL_WAIT_MS);
    if (!socket) break;
    fillers.push(socket);
  }

  let closing: Promise<void> | null = null;
  return {
    host: options.host,
    port: started.port,
    close() {
      closing ??= (async () => {
        for (const socket of fillers) socket.destroy();
        await release();
      })();
      return closing;
    },
  };
}
