// Small socket probes for the inside scripts: what a connect did, as 'ok', an errno code, or 'timeout'.
import net from 'node:net';

export function tcpConnect(host, port, timeoutMs) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    const finish = (result) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    socket.on('connect', () => finish('ok'));
    socket.on('error', (err) => finish(err.code));
  });
}
