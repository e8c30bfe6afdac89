import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';

/** A new Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export class WebhookSecretsRepository {
  constructor(private readonly pool: Pool) {}

  /**
   * Gives the tenant a new secret and lets its current one sign along for `overlapMs` more (0: it
   * stops at once). One statement, so two rotations at once cannot leave two secrets without an end.
   * The secret is returned for the operator to hand to the tenant.
   */
  async rotate(tenantId: string, overlapMs: number): Promise<{ id: number; secret: string; retiring: number }> {
    const secret = generateWebhookSecret();
    const { rows } = await this.pool.query<{ id: string; retiring: string }>(
      `with retiring as (
         update webhook_secrets set retires_at = now() + $3 * interval '1 millisecond'
          where tenant_id = $1 and retires_at is null
          returning id
       )
       insert into webhook_secrets (tenant_id, secret) values ($1, $2)
       returning id, (select count(*) from retiring) as retiring`,
      [tenantId, secret, overlapMs],
    );
    return { id: Number(rows[0]!.id), secret, retiring: Number(rows[0]!.retiring) };
  }

  /** The secrets each tenant signs with now, newest first; tenants without one are absent. One query for all. */
  async activeFor(tenantIds: readonly string[]): Promise<Map<string, string[]>> {
    const active = new Map<string, string[]>();
    if (tenantIds.length === 0) return active;
    const { rows } = await this.pool.query<{ tenant_id: string; secret: string }>(
      `select tenant_id, secret from webhook_secrets
        where tenant_id = any($1::text[]) and (retires_at is null or retires_at > now())
        order by tenant_id, id desc`,
      [tenantIds],
    );
    for (const row of rows) {
      const list = active.get(row.tenant_id) ?? [];
      list.push(row.secret);
      active.set(row.tenant_id, list);
    }
    return active;
  }

  /** The tenant's secrets for an operator's listing: when made and when they stop, never the secret. */
  async list(tenantId: string): Promise<Array<{ id: number; createdAt: Date; retiresAt: Date | null }>> {
    const { rows } = await this.pool.query<{ id: string; created_at: Date; retires_at: Date | null }>(
      'select id, created_at, retires_at from webhook_secrets where tenant_id = $1 order by id',
      [tenantId],
    );
    return rows.map((row) => ({ id: Number(row.id), createdAt: row.created_at, retiresAt: row.retires_at }));
  }
}
