import { Pool } from 'pg';

export interface TenantRecord {
  id: string;
  name: string;
  createdAt: Date;
  disabledAt: Date | null;
  /** The intake topics requests for the tenant may come from; null: not bound. */
  intakeTopics: string[] | null;
  /** The prefixes its requests' `replyTo` topics must start with; null: none configured. */
  replyToPrefixes: string[] | null;
}

/** What ingestion needs of a tenant to admit its requests, for the tenants with anything to say. */
export type TenantPolicyRecord = Pick<TenantRecord, 'id' | 'intakeTopics' | 'replyToPrefixes'> & { disabled: boolean };

interface TenantRow {
  id: string;
  name: string;
  created_at: Date;
  disabled_at: Date | null;
  intake_topics: string[] | null;
  reply_to_prefixes: string[] | null;
}

function toTenant(row: TenantRow): TenantRecord {
  return {
    id: row.id,
    name: row.name,
    createdAt: row.created_at,
    disabledAt: row.disabled_at,
    intakeTopics: row.intake_topics,
    replyToPrefixes: row.reply_to_prefixes,
  };
}

export class TenantsRepository {
  constructor(private readonly pool: Pool) {}

  async upsert(id: string, name: string = id): Promise<TenantRecord> {
    const { rows } = await this.pool.query<TenantRow>(
      `insert into tenants (id, name) values ($1, $2)
       on conflict (id) do update set name = excluded.name
       returning *`,
      [id, name],
    );
    return toTenant(rows[0]);
  }

  async get(id: string): Promise<TenantRecord | undefined> {
    const { rows } = await this.pool.query<TenantRow>('select * from tenants where id = $1', [id]);
    return rows[0] === undefined ? undefined : toTenant(rows[0]);
  }

  /** Binds the tenant to these intake topics (null: unbinds it). False when there is no such tenant. */
  async setIntakeTopics(id: string, topics: readonly string[] | null): Promise<boolean> {
    const { rowCount } = await this.pool.query('update tenants set intake_topics = $2 where id = $1', [id, topics]);
    return rowCount === 1;
  }

  /** Sets the prefixes the tenant's `replyTo` topics must start with (null: none configured). */
  async setReplyToPrefixes(id: string, prefixes: readonly string[] | null): Promise<boolean> {
    const { rowCount } = await this.pool.query('update tenants set reply_to_prefixes = $2 where id = $1', [id, prefixes]);
    return rowCount === 1;
  }

  /**
   * Every tenant that is disabled or has a binding or prefixes, in one query: the rest are
   * unconfigured, which the caller decides for. Small: one row per configured tenant.
   */
  async policies(): Promise<TenantPolicyRecord[]> {
    const { rows } = await this.pool.query<{ id: string; disabled: boolean; intake_topics: string[] | null; reply_to_prefixes: string[] | null }>(
      `select id, disabled_at is not null as disabled, intake_topics, reply_to_prefixes from tenants
        where disabled_at is not null or intake_topics is not null or reply_to_prefixes is not null`,
    );
    return rows.map((row) => ({ id: row.id, disabled: row.disabled, intakeTopics: row.intake_topics, replyToPrefixes: row.reply_to_prefixes }));
  }

  async setDisabled(id: string, disabled: boolean): Promise<boolean> {
    const { rowCount } = await this.pool.query(`update tenants set disabled_at = case when $2 then coalesce(disabled_at, now()) else null end where id = $1`, [
      id,
      disabled,
    ]);
    return rowCount === 1;
  }
}
