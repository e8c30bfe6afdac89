import { webhookSigningKey } from './webhook.signature';

/** Where a tenant's webhook signing key comes from. */
export interface WebhookKeys {
  keyFor(tenant: string): Buffer;
}

/**
 * One key for every tenant. The ledger has no per-tenant webhook secret yet; when it has, a
 * ledger-backed WebhookKeys replaces this one and receivers of other tenants stop sharing a key.
 */
export class SharedWebhookKey implements WebhookKeys {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = webhookSigningKey(secret);
  }

  keyFor(): Buffer {
    return this.key;
  }
}
