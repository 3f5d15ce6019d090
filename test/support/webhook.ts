// A webhook receiver on 127.0.0.1 for tests: every POSTed JSON body, in the order received, answered 204.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookReceiver<Body> {
  url: string;
  /** Every body received so far. */
  received: Body[];
  close(): Promise<void>;
}

export async function receiveWebhooks<Body>(path = '/hooks/test'): Promise<WebhookReceiver<Body>> {
  const received: Body[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as Body);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
