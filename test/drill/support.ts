// Helpers for the drill and lab tests: run a drill in-process with captured output, and check that
// nothing network-related is left behind afterwards.

import net from 'node:net';
import dgram from 'node:dgram';
import type { CheckIo } from '../../src/commands/check.js';

export interface Captured extends CheckIo {
  out(): string;
  err(): string;
}

export function captureIo(signal?: AbortSignal): Captured {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string | Uint8Array) => ((out += String(s)), true) } as unknown as CheckIo['stdout'],
    stderr: { write: (s: string | Uint8Array) => ((err += String(s)), true) } as unknown as CheckIo['stderr'],
    env: {},
    ...(signal ? { signal } : {}),
    out: () => out,
    err: () => err,
  };
}

const NETWORK_HANDLES = new Set(['TCPServerWrap', 'TCPSocketWrap', 'TCPWrap', 'UDPWrap', 'TLSWrap', 'ConnectWrap', 'GetAddrInfoReqWrap']);

/** Counts of the process's active network handles, by kind. */
export function networkHandles(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of process.getActiveResourcesInfo()) if (NETWORK_HANDLES.has(name)) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

/**
 * The network handles still open beyond `baseline` once closed ones have had time to be released
 * (a closed socket leaves the list a moment after its close callback). Empty when nothing leaked.
 */
export async function leftoverHandles(baseline: Record<string, number>, waitMs = 3000): Promise<Record<string, number>> {
  const extra = () =>
    Object.fromEntries(Object.entries(networkHandles()).filter(([k, n]) => n > (baseline[k] ?? 0)).map(([k, n]) => [k, n - (baseline[k] ?? 0)]));
  const until = performance.now() + waitMs;
  while (Object.keys(extra()).length > 0 && performance.now() < until) await new Promise((r) => setTimeout(r, 25));
  return extra();
}

/** Whether TCP (and UDP, when asked) can bind `address:port` right now: nothing of ours is still holding it. */
export async function portFree(address: string, port: number, udp = false): Promise<boolean> {
  const tcpFree = await new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: address, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
  if (!tcpFree || !udp) return tcpFree;
  return new Promise<boolean>((resolve) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind({ address, port, exclusive: true }, () => socket.close(() => resolve(true)));
  });
}
