import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { dropDatabase, ensureDatabase, withDatabaseName } from '../client/database.admin';
import { createPool } from '../client/database.pool';
import { runMigrations } from '../migrations/migration.runner';

export interface TestDatabase {
  url: string;
  pool: Pool;
  /** Closes the pool and drops the database. */
  drop(): Promise<void>;
}

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/sluice';

/**
 * A fresh, uniquely named database on the server of DATABASE_URL, migrated unless asked not to:
 * integration specs never see each other's rows or the developer's `sluice` database.
 */
export async function createTestDatabase(options: { migrate?: boolean; serverUrl?: string } = {}): Promise<TestDatabase> {
  const name = `sluice_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const url = withDatabaseName(options.serverUrl ?? process.env.DATABASE_URL ?? DEFAULT_URL, name);
  await ensureDatabase(url);
  const pool = createPool(url, { max: 20, applicationName: 'sluice-test' });
  try {
    if (options.migrate !== false) await runMigrations(pool);
  } catch (error) {
    await pool.end();
    await dropDatabase(url);
    throw error;
  }
  return {
    url,
    pool,
    drop: async () => {
      await pool.end();
      await dropDatabase(url);
    },
  };
}
