import { Pool } from 'pg';
import { Provider } from '@sluice/contracts';

export interface NewCacheEntry {
  tenant: string;
  contentHash: string;
  provider: Provider;
  model: string;
  /** What a hit replays: typically the provider response and usage of the original result. */
  result: Record<string, unknown>;
  sourceRequestId: string;
  expiresAt: Date | string;
}

export interface CacheEntry extends NewCacheEntry {
  hits: number;
  createdAt: Date;
  expiresAt: Date;
}

interface CacheRow {
  tenant: string;
  content_hash: string;
  provider: Provider;
  model: string;
  result: Record<string, unknown>;
  source_request_id: string;
  hits: string;
  created_at: Date;
  expires_at: Date;
}

function toEntry(row: CacheRow): CacheEntry {
  return {
    tenant: row.tenant,
    contentHash: row.content_hash,
    provider: row.provider,
    model: row.model,
    result: row.result,
    sourceRequestId: row.source_request_id,
    hits: Number(row.hits),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

export class CacheRepository {
  constructor(private readonly pool: Pool) {}

  /** A live entry, counting the hit in the same statement; expired entries are misses. */
  async hit(tenant: string, contentHash: string, now: Date = new Date()): Promise<CacheEntry | undefined> {
    const { rows } = await this.pool.query<CacheRow>(
      `update cache_entries set hits = hits + 1
        where tenant = $1 and content_hash = $2 and expires_at > $3
        returning *`,
      [tenant, contentHash, now],
    );
    return rows[0] === undefined ? undefined : toEntry(rows[0]);
  }

  /** Stores (or refreshes) an answer; the latest answer for the same content wins. */
  async put(entry: NewCacheEntry): Promise<void> {
    await this.pool.query(
      `insert into cache_entries (tenant, content_hash, provider, model, result, source_request_id, expires_at)
       values ($1, $2, $3, $4, $5, $6, $7)
       on conflict (tenant, content_hash) do update
         set result = excluded.result, source_request_id = excluded.source_request_id, model = excluded.model,
             expires_at = excluded.expires_at, created_at = now(), hits = 0`,
      [entry.tenant, entry.contentHash, entry.provider, entry.model, JSON.stringify(entry.result), entry.sourceRequestId, new Date(entry.expiresAt)],
    );
  }

  /**
   * `put` for many entries in one statement. Of several entries for the same content, the last
   * wins, as consecutive puts would; entries are written in key order so concurrent calls cannot
   * deadlock. Callers bound the number of entries.
   */
  async putMany(entries: readonly NewCacheEntry[]): Promise<void> {
    const latest = new Map(entries.map((entry) => [`${entry.tenant}\u0000${entry.contentHash}`, entry]));
    const rows = [...latest.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, entry]) => entry);
    if (rows.length === 0) return;
    await this.pool.query(
      `insert into cache_entries (tenant, content_hash, provider, model, result, source_request_id, expires_at)
       select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::text[], $7::timestamptz[])
       on conflict (tenant, content_hash) do update
         set result = excluded.result, source_request_id = excluded.source_request_id, model = excluded.model,
             expires_at = excluded.expires_at, created_at = now(), hits = 0`,
      [
        rows.map((entry) => entry.tenant),
        rows.map((entry) => entry.contentHash),
        rows.map((entry) => entry.provider),
        rows.map((entry) => entry.model),
        rows.map((entry) => JSON.stringify(entry.result)),
        rows.map((entry) => entry.sourceRequestId),
        rows.map((entry) => new Date(entry.expiresAt)),
      ],
    );
  }

  /** Deletes up to `limit` expired entries; call repeatedly until it returns less than the limit. */
  async deleteExpired(now: Date = new Date(), limit = 10_000): Promise<number> {
    const { rowCount } = await this.pool.query(`delete from cache_entries where ctid in (select ctid from cache_entries where expires_at <= $1 limit $2)`, [
      now,
      limit,
    ]);
    return rowCount ?? 0;
  }

  /**
   * `hit` for many keys in one statement; answers in input order. A key given n times is one lookup
   * counted as n hits.
   */
  async hitMany(keys: ReadonlyArray<{ tenant: string; contentHash: string }>, now: Date = new Date()): Promise<Array<CacheEntry | undefined>> {
    if (keys.length === 0) return [];
    const claims = new Map<string, { tenant: string; contentHash: string; n: number }>();
    for (const { tenant, contentHash } of keys) {
      const id = `${tenant}\u0000${contentHash}`;
      const entry = claims.get(id) ?? { tenant, contentHash, n: 0 };
      entry.n += 1;
      claims.set(id, entry);
    }
    const distinct = [...claims.values()];
    const { rows } = await this.pool.query<CacheRow>(
      `update cache_entries c set hits = c.hits + k.n
         from unnest($1::text[], $2::text[], $3::int[]) as k(tenant, content_hash, n)
        where c.tenant = k.tenant and c.content_hash = k.content_hash and c.expires_at > $4
        returning c.*`,
      [distinct.map((k) => k.tenant), distinct.map((k) => k.contentHash), distinct.map((k) => k.n), now],
    );
    const found = new Map(rows.map((row) => [`${row.tenant}\u0000${row.content_hash}`, toEntry(row)]));
    return keys.map(({ tenant, contentHash }) => found.get(`${tenant}\u0000${contentHash}`));
  }
}
