import { Pool, PoolClient } from 'pg';

export interface PoolOptions {
  /** Upper bound on connections this process holds; the server's max_connections is shared by every replica. */
  max?: number;
  applicationName?: string;
  /**
   * Called when an idle pooled connection breaks (server restart, network). The pool has already
   * discarded that connection and the next query opens a new one, so this is for logging only;
   * without a listener Node would treat the event as an uncaught error and exit.
   */
  onIdleError?: (error: Error) => void;
}

export function createPool(databaseUrl: string, options: PoolOptions = {}): Pool {
  const pool = new Pool({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'sluice',
    // An unreachable server must fail a health check or a boot quickly, not hang it.
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    // Batch statements join a few hundred keys from unnest() to tables of millions of rows. With the
    // default random_page_cost (4, tuned for spinning disks) the planner hashes the whole table instead
    // of probing its primary key once per key, so each batch costs a table scan; 1.1 is the usual SSD value.
    options: '-c random_page_cost=1.1',
  });
  pool.on('error', options.onIdleError ?? (() => undefined));
  return pool;
}

/** Throws when the database cannot answer a trivial query. */
export async function checkDatabase(pool: Pool): Promise<void> {
  await pool.query('select 1');
}

export type Queryable = Pick<PoolClient, 'query'>;

/** Runs `work` in one transaction on one connection; rolls back when it throws. */
export async function withTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const result = await work(client);
    await client.query('commit');
    return result;
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
