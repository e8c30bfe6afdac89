import { createHmac, timingSafeEqual } from 'node:crypto';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';

export interface ReceivedWebhook {
  path: string;
  headers: Record<string, string>;
  body: string;
  receivedAt: number;
}

/**
 * A local webhook endpoint: each path answers with the status it was given (`/ok` 200 unless told
 * otherwise), and every delivery is kept so a test can verify signatures and count attempts.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private readonly statuses = new Map<string, number>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static start(): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | undefined;
    const server = createServer((request: IncomingMessage, response: ServerResponse) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
        const path = request.url ?? '/';
        receiver?.received.push({ path, headers, body: Buffer.concat(chunks).toString('utf8'), receivedAt: Date.now() });
        response.writeHead(receiver?.statuses.get(path) ?? 200, { 'content-type': 'text/plain' }).end('noted');
      });
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        if (typeof address !== 'object' || address === null) return reject(new Error('webhook receiver has no address'));
        receiver = new WebhookReceiver(server, `http://127.0.0.1:${address.port}`);
        resolve(receiver);
      });
    });
  }

  /** Makes `path` answer with `status` from now on. */
  respond(path: string, status: number): void {
    this.statuses.set(path, status);
  }

  at(path: string): ReceivedWebhook[] {
    return this.received.filter((delivery) => delivery.path === path);
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}

/**
 * Verifies a delivery the way a Standard Webhooks receiver does, independently of Sluice's own
 * signing code: HMAC-SHA256 over "<webhook-id>.<webhook-timestamp>.<body>" with the secret's key
 * bytes (base64 after `whsec_`), compared against each `v1,<base64>` in webhook-signature.
 */
export function verifyStandardWebhook(delivery: ReceivedWebhook, secret: string): boolean {
  const id = delivery.headers['webhook-id'];
  const timestamp = delivery.headers['webhook-timestamp'];
  const signatures = delivery.headers['webhook-signature'];
  if (id === undefined || timestamp === undefined || signatures === undefined) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${delivery.body}`, 'utf8').digest();
  return signatures.split(' ').some((signature) => {
    const [version, value] = signature.split(',');
    if (version !== 'v1' || value === undefined) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
