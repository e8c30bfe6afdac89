import { Pool } from 'pg';
import { generateApiKey, hashApiKey } from '../hashing/ledger.hashing';

export interface ApiKeyIdentity {
  keyId: number;
  tenantId: string;
  prefix: string;
}

export class ApiKeysRepository {
  constructor(private readonly pool: Pool) {}

  /** Issues a key for an existing tenant. The plaintext is returned once and never stored. */
  async issue(tenantId: string, label: string | null = null): Promise<{ key: string; prefix: string; keyId: number }> {
    const { key, prefix } = generateApiKey();
    const { rows } = await this.pool.query<{ id: string }>('insert into api_keys (tenant_id, prefix, key_hash, label) values ($1, $2, $3, $4) returning id', [
      tenantId,
      prefix,
      hashApiKey(key),
      label,
    ]);
    return { key, prefix, keyId: Number(rows[0].id) };
  }

  /**
   * The tenant a presented key belongs to, if the key is live and its tenant enabled. `last_used_at`
   * is refreshed at most once a minute, so a busy key does not turn every request into a row write.
   */
  async authenticate(key: string): Promise<ApiKeyIdentity | undefined> {
    const { rows } = await this.pool.query<{ id: string; tenant_id: string; prefix: string; stale: boolean }>(
      `select k.id, k.tenant_id, k.prefix, (k.last_used_at is null or k.last_used_at < now() - interval '1 minute') as stale
         from api_keys k join tenants t on t.id = k.tenant_id
        where k.key_hash = $1 and k.revoked_at is null and t.disabled_at is null`,
      [hashApiKey(key)],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    if (row.stale) await this.pool.query('update api_keys set last_used_at = now() where id = $1', [row.id]);
    return { keyId: Number(row.id), tenantId: row.tenant_id, prefix: row.prefix };
  }

  async revoke(prefix: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('update api_keys set revoked_at = now() where prefix = $1 and revoked_at is null', [prefix]);
    return rowCount === 1;
  }
}
