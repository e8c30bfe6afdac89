import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The status to answer the `n`-th request (1-based) to a path with; a promise holds the answer until it settles. */
export type Responder = (n: number) => number | Promise<number>;

/**
 * A webhook receiver on 127.0.0.1 for tests: records every request, and answers each path with the
 * statuses its responder gives (200 by default), so one receiver serves every test by path.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private readonly responders = new Map<string, Responder>();
  private server?: Server;

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const path = request.url ?? '/';
        this.received.push({ path, headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        const n = this.received.filter((hook) => hook.path === path).length;
        void Promise.resolve((this.responders.get(path) ?? (() => 200))(n)).then((status) => {
          response.statusCode = status;
          response.end(status >= 300 ? `refused by the test receiver (${status})` : '');
        });
      });
    });
    const server = this.server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  }

  url(path: string, responder?: Responder): string {
    if (responder) this.responders.set(path, responder);
    const { port } = this.server?.address() as AddressInfo;
    return `http://127.0.0.1:${port}${path}`;
  }

  at(path: string): ReceivedWebhook[] {
    return this.received.filter((hook) => hook.path === path);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
