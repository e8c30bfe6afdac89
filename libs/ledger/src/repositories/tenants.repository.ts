import { Pool } from 'pg';

export interface TenantRecord {
  id: string;
  name: string;
  createdAt: Date;
  disabledAt: Date | null;
}

interface TenantRow {
  id: string;
  name: string;
  created_at: Date;
  disabled_at: Date | null;
}

function toTenant(row: TenantRow): TenantRecord {
  return { id: row.id, name: row.name, createdAt: row.created_at, disabledAt: row.disabled_at };
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

  async setDisabled(id: string, disabled: boolean): Promise<boolean> {
    const { rowCount } = await this.pool.query(`update tenants set disabled_at = case when $2 then coalesce(disabled_at, now()) else null end where id = $1`, [
      id,
      disabled,
    ]);
    return rowCount === 1;
  }
}
