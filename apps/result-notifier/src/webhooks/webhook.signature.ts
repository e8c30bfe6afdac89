import { createHmac } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';

/** The HMAC key of a Standard Webhooks secret (`whsec_<base64>`): the decoded bytes, not the text. */
export function webhookSigningKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error(`a webhook secret starts with ${SECRET_PREFIX}`);
  const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
  if (key.length === 0) throw new Error('a webhook secret needs key bytes after its prefix');
  return key;
}

/** `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, the Standard Webhooks signature. */
export function signWebhook(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`, 'utf8').digest('base64');
  return `v1,${mac}`;
}

export interface SignedWebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * Headers for one attempt, signed with each key (space-separated, as the scheme allows, so a receiver
 * that holds either secret of a rotation verifies). The timestamp is the attempt's own, so a retry
 * hours later is not refused by a receiver that rejects old timestamps (as the scheme tells receivers to).
 */
export function signedWebhookHeaders(keys: readonly Buffer[], id: string, sentAt: Date, body: string): SignedWebhookHeaders {
  const timestamp = Math.floor(sentAt.getTime() / 1000);
  const signatures = keys.map((key) => signWebhook(key, id, timestamp, body)).join(' ');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signatures };
}
