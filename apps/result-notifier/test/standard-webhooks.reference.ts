import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The receiving side of Standard Webhooks (https://www.standardwebhooks.com), written from the
 * specification for tests, independently of the notifier's signing code: what a receiver of Sluice's
 * webhooks would run. Throws with the reason when a delivery does not verify.
 */
export function verifyStandardWebhook(
  secret: string,
  headers: Record<string, string | string[] | undefined>,
  body: string,
  now: Date = new Date(),
  toleranceSeconds = 5 * 60,
): void {
  const header = (name: string): string => {
    const value = headers[name];
    if (typeof value !== 'string' || value === '') throw new Error(`missing ${name} header`);
    return value;
  };
  const id = header('webhook-id');
  const timestamp = header('webhook-timestamp');
  const signatures = header('webhook-signature');
  if (!/^\d+$/.test(timestamp)) throw new Error('webhook-timestamp is not a number of seconds');
  if (Math.abs(Math.floor(now.getTime() / 1000) - Number(timestamp)) > toleranceSeconds) throw new Error('webhook-timestamp is outside the tolerance');
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key)
    .update(Buffer.from(`${id}.${timestamp}.${body}`, 'utf8'))
    .digest();
  // The header may carry several space-separated signatures (key rotation); any valid v1 one is enough.
  for (const entry of signatures.split(' ')) {
    const [version, encoded] = entry.split(',');
    if (version !== 'v1' || encoded === undefined) continue;
    const given = Buffer.from(encoded, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return;
  }
  throw new Error('no webhook-signature matches');
}
