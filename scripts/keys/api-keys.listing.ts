import type { Pool } from 'pg';

export interface ApiKeyListing {
  prefix: string;
  label: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** A tenant's keys, newest first: what operators need to tell them apart, never the key or its hash. */
export async function listApiKeys(pool: Pool, tenant: string): Promise<ApiKeyListing[]> {
  const { rows } = await pool.query<{ prefix: string; label: string | null; created_at: Date; last_used_at: Date | null; revoked_at: Date | null }>(
    `select prefix, label, created_at, last_used_at, revoked_at
       from api_keys where tenant_id = $1 order by created_at desc, id desc`,
    [tenant],
  );
  return rows.map((row) => ({
    prefix: row.prefix,
    label: row.label,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  }));
}
