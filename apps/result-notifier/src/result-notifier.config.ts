import { EnvInt, EnvList, EnvString, SluiceConfig } from '@sluice/config';

/**
 * A development secret so the stack runs without setup; the notifier warns at boot while it is in use.
 * Standard Webhooks format: `whsec_` and the base64 of the key bytes.
 */
export const DEVELOPMENT_WEBHOOK_SECRET = `whsec_${Buffer.from('sluice-development-webhook-secret-0001').toString('base64')}`;

export class ResultNotifierConfig extends SluiceConfig {
  override PORT = 3004;
  override KAFKA_CLIENT_ID = 'sluice-result-notifier';
  override KAFKA_GROUP_ID = 'sluice-result-notifier';

  @EnvInt({
    description: 'How often the dead-letter depth (sluice_dlq_depth_messages) is measured (milliseconds).',
    min: 1_000,
    max: 60 * 60 * 1000,
  })
  NOTIFIER_DLQ_DEPTH_INTERVAL_MS = 30_000;

  @EnvInt({
    description: 'How often provider calls left without an answer by a crash are booked as extra spend (milliseconds).',
    min: 1_000,
    max: 60 * 60 * 1000,
  })
  NOTIFIER_CALL_SWEEP_INTERVAL_MS = 10_000;

  @EnvInt({
    description:
      "How long after a provider call's expiry (its deadline, or the longest its retries can take) the sweep waits for its answer before booking it at its estimate (milliseconds); an answer that comes later replaces the estimate.",
    min: 0,
    max: 24 * 60 * 60 * 1000,
  })
  NOTIFIER_CALL_SWEEP_GRACE_MS = 30_000;

  @EnvInt({
    description: 'How long a successful answer stays in the result cache for identical requests (milliseconds).',
    min: 1_000,
    max: 30 * 24 * 60 * 60 * 1000,
  })
  NOTIFIER_CACHE_TTL_MS = 24 * 60 * 60 * 1000;

  @EnvString({
    description:
      'Key that signs the webhook deliveries of tenants without a secret of their own (`npm run keys -- webhook-secret`; Standard Webhooks, HMAC-SHA256): `whsec_` followed by the base64 of 24 to 64 random bytes. Defaults to a development key: a warning at boot, and a refusal to boot when SLUICE_ENV is production.',
    pattern: /^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/,
    rule: 'must be whsec_ followed by the base64 of 24 to 64 bytes',
    secret: true,
  })
  NOTIFIER_WEBHOOK_SECRET = DEVELOPMENT_WEBHOOK_SECRET;

  @EnvInt({
    description: "How long a tenant's webhook secrets are used before they are read from the ledger again (milliseconds): a rotation takes effect within it.",
    min: 1_000,
    max: 60 * 60 * 1000,
  })
  NOTIFIER_WEBHOOK_SECRETS_REFRESH_MS = 30_000;

  @EnvList({
    description:
      'Webhook destinations allowed although internal: host names, addresses or CIDRs, comma-separated (e.g. `127.0.0.1,hooks.internal,10.20.0.0/16`). Unset: webhooks may not reach loopback, private, link-local or other internal addresses, checked on the URL and on every address its host resolves to; plain http only to an allowed loopback host.',
    itemPattern: /^([A-Za-z0-9.-]+|[0-9A-Fa-f:.]+(\/\d{1,3})?)$/,
    itemRule: 'host names, addresses or CIDRs',
    optional: true,
  })
  WEBHOOK_ALLOWED_DESTINATIONS?: string[];

  @EnvInt({
    description: 'Attempts per webhook delivery, the first included, before it is marked dead.',
    min: 1,
    max: 50,
  })
  NOTIFIER_WEBHOOK_MAX_ATTEMPTS = 6;

  @EnvInt({
    description: 'Wait after the first failed webhook attempt (milliseconds); each later wait doubles, up to NOTIFIER_WEBHOOK_MAX_DELAY_MS.',
    min: 1,
    max: 24 * 60 * 60 * 1000,
  })
  NOTIFIER_WEBHOOK_BASE_DELAY_MS = 30_000;

  @EnvInt({
    description: "Longest wait between two webhook attempts (milliseconds), also the cap on a receiver's Retry-After.",
    min: 1,
    max: 7 * 24 * 60 * 60 * 1000,
  })
  NOTIFIER_WEBHOOK_MAX_DELAY_MS = 60 * 60 * 1000;

  @EnvInt({
    description: 'How long one webhook attempt may take, connection to response (milliseconds), before it counts as failed.',
    min: 100,
    max: 120_000,
  })
  NOTIFIER_WEBHOOK_TIMEOUT_MS = 10_000;

  @EnvInt({
    description: 'How often the webhook loop looks for due deliveries when it has nothing to do (milliseconds).',
    min: 10,
    max: 60_000,
  })
  NOTIFIER_WEBHOOK_POLL_MS = 1_000;

  @EnvInt({
    description: 'Webhook deliveries attempted at once by one notifier.',
    min: 1,
    max: 256,
  })
  NOTIFIER_WEBHOOK_CONCURRENCY = 16;

  @EnvInt({
    description:
      "Webhook deliveries of one tenant attempted at once by one notifier (at most NOTIFIER_WEBHOOK_CONCURRENCY): a tenant whose receiver is slow holds only this share, and other tenants' webhooks go out beside it.",
    min: 1,
    max: 256,
  })
  NOTIFIER_WEBHOOK_CONCURRENCY_PER_TENANT = 4;
}
