import type { WebhookSecretsRepository } from '@sluice/ledger';
import { webhookSigningKey } from './webhook.signature';

/** Where tenants' webhook signing keys come from. */
export interface WebhookKeys {
  /** Makes the keys of these tenants ready (one ledger read for a claimed batch); throws when it cannot. */
  prepare(tenants: readonly string[]): Promise<void>;
  /** The keys a delivery of the tenant is signed with, newest first; after prepare() for it. */
  keysFor(tenant: string): Buffer[];
}

/** One key for every tenant (NOTIFIER_WEBHOOK_SECRET). */
export class SharedWebhookKey implements WebhookKeys {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = webhookSigningKey(secret);
  }

  prepare(): Promise<void> {
    return Promise.resolve();
  }

  keysFor(): Buffer[] {
    return [this.key];
  }
}

/**
 * The shared key, refused in production when it is the development key from the source (anyone could
 * sign as Sluice with it) and warned about elsewhere.
 */
export function checkedSharedKey(
  settings: { env: 'development' | 'production'; secret: string; developmentSecret: string },
  warn: (message: string) => void,
): SharedWebhookKey {
  if (settings.secret === settings.developmentSecret) {
    if (settings.env === 'production') {
      throw new Error('NOTIFIER_WEBHOOK_SECRET must be set in production: the development key is in the source for anyone to sign with');
    }
    warn('NOTIFIER_WEBHOOK_SECRET is not set: tenants without a secret of their own get webhooks signed with the development key');
  }
  return new SharedWebhookKey(settings.secret);
}

/**
 * Each tenant's own secrets from the ledger (`npm run keys -- webhook-secret`), while one is rotated
 * both; a tenant without one is signed with the shared key. Read for the tenants of each claimed batch
 * whose entry is older than `ttlMs`, so a rotation takes effect within it and a steady stream of
 * deliveries costs one read per tenant per `ttlMs`.
 */
export class LedgerWebhookKeys implements WebhookKeys {
  private readonly known = new Map<string, { keys: Buffer[]; readAt: number }>();

  constructor(
    private readonly secrets: Pick<WebhookSecretsRepository, 'activeFor'>,
    private readonly shared: SharedWebhookKey,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async prepare(tenants: readonly string[]): Promise<void> {
    const now = this.now();
    const stale = [...new Set(tenants)].filter((tenant) => (this.known.get(tenant)?.readAt ?? -Infinity) <= now - this.ttlMs);
    if (stale.length === 0) return;
    const active = await this.secrets.activeFor(stale);
    for (const tenant of stale) this.known.set(tenant, { keys: (active.get(tenant) ?? []).map(webhookSigningKey), readAt: now });
    // Tenants seen once a long time ago need not stay: bound the map to what is recent.
    if (this.known.size > 10_000) {
      for (const [tenant, entry] of this.known) if (entry.readAt <= now - this.ttlMs) this.known.delete(tenant);
    }
  }

  keysFor(tenant: string): Buffer[] {
    const own = this.known.get(tenant)?.keys ?? [];
    return own.length > 0 ? own : this.shared.keysFor();
  }
}
