import { createHash } from 'node:crypto';
import { Pool, PoolClient } from 'pg';
import { withConnection } from '../client/database.pool';
import { Migration } from './migration';
import { MIGRATIONS } from './migrations.registry';

export interface MigrationReport {
  /** Ids applied by this call. */
  applied: string[];
  /** Every id applied to the database after this call, in order. */
  current: string[];
}

// Any constant works as long as every runner uses the same one; advisory locks are per database.
const MIGRATION_LOCK_KEY = 7_115_921_001;

function checksum(sql: string): string {
  return createHash('sha256').update(sql).digest('hex');
}

function assertOrdered(migrations: readonly Migration[]): void {
  const ids = migrations.map((m) => m.id);
  const sorted = [...ids].sort();
  if (ids.some((id, i) => id !== sorted[i]) || new Set(ids).size !== ids.length) {
    throw new Error(`migrations must be unique and listed in id order: ${ids.join(', ')}`);
  }
}

/**
 * Brings the database to the latest schema. Safe to call from every replica at boot: an advisory
 * lock serialises runners, so the second one waits and then finds nothing to do. Each migration runs
 * in its own transaction together with its bookkeeping row, so a failure leaves no half-applied step.
 * A migration whose SQL changed after it was applied is refused rather than silently skipped.
 */
export async function runMigrations(pool: Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationReport> {
  assertOrdered(migrations);
  return withConnection(
    pool,
    async (client) => {
      await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      const report = await applyPending(client, migrations);
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      return report;
    },
    // Closing the session on failure, rather than returning it to the pool, also releases the advisory lock.
    { discardOnFailure: true },
  );
}

async function applyPending(client: PoolClient, migrations: readonly Migration[]): Promise<MigrationReport> {
  await client.query(`
    create table if not exists schema_migrations (
      id text primary key,
      checksum text not null,
      applied_at timestamptz not null default now()
    )`);
  const { rows } = await client.query<{ id: string; checksum: string }>('select id, checksum from schema_migrations order by id');
  const known = new Map(rows.map((r) => [r.id, r.checksum]));
  const applied: string[] = [];
  for (const migration of migrations) {
    const sum = checksum(migration.sql);
    const existing = known.get(migration.id);
    if (existing !== undefined) {
      if (existing !== sum) throw new Error(`migration ${migration.id} was changed after it was applied`);
      continue;
    }
    await client.query('begin');
    try {
      await client.query(migration.sql);
      await client.query('insert into schema_migrations (id, checksum) values ($1, $2)', [migration.id, sum]);
      await client.query('commit');
    } catch (error) {
      await client.query('rollback');
      throw new Error(`migration ${migration.id} failed: ${(error as Error).message}`, { cause: error });
    }
    applied.push(migration.id);
    known.set(migration.id, sum);
  }
  return { applied, current: [...known.keys()].sort() };
}
