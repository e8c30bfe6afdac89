import { MIGRATIONS, createPool, runMigrations } from '@sluice/ledger';

// PostgreSQL's SQLSTATE for "relation does not exist": no migration has ever run there.
const UNDEFINED_TABLE = '42P01';

export interface MigrationOutcome {
  applied: string[];
  current: string[];
}

/** Applies the ledger's migrations with the ledger's own runner (idempotent, advisory-locked). */
export async function applyMigrations(databaseUrl: string): Promise<MigrationOutcome> {
  const pool = createPool(databaseUrl);
  try {
    return await runMigrations(pool);
  } finally {
    await pool.end();
  }
}

export interface MigrationState {
  applied: string[];
  pending: string[];
}

/** Which of the ledger's migrations the database has, without applying any (for stack:status). */
export async function readMigrationState(databaseUrl: string): Promise<MigrationState> {
  const pool = createPool(databaseUrl);
  try {
    const { rows } = await pool.query<{ id: string }>('select id from schema_migrations order by id');
    const applied = rows.map((row) => row.id);
    return { applied, pending: MIGRATIONS.map((m) => m.id).filter((id) => !applied.includes(id)) };
  } catch (error) {
    if ((error as { code?: string }).code !== UNDEFINED_TABLE) throw error;
    return { applied: [], pending: MIGRATIONS.map((m) => m.id) };
  } finally {
    await pool.end();
  }
}
